// Finding the project's own files (calibrations, execution metrics) when the
// binary may run from the project root, a build folder or anywhere else.
#pragma once

#include <expected>
#include <string>

namespace verity {

enum class PathKind { file, directory };

/// Finds `path`: as given if absolute; else relative to the current
/// directory, then to each folder above the running executable (so a binary
/// in build/ or build/tests/ finds scenarios/ in the source tree). `key`
/// names the setting in errors, which list every place looked.
std::expected<std::string, std::string> resolve_project_path(const std::string& path, const std::string& key,
                                                             PathKind kind);

}  // namespace verity
