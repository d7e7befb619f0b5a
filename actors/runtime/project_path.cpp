#include "actors/runtime/project_path.hpp"

#include <algorithm>
#include <filesystem>
#include <vector>

namespace verity {

std::expected<std::string, std::string> resolve_project_path(const std::string& path, const std::string& key,
                                                             PathKind kind) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto fits = [&](const fs::path& p) {
    return kind == PathKind::file ? fs::is_regular_file(p, ec) : fs::is_directory(p, ec);
  };
  const char* what = kind == PathKind::file ? "a file" : "a folder";
  const fs::path given(path);
  if (given.is_absolute()) {
    if (fits(given)) return path;
    return std::unexpected(key + ": " + path + " does not exist or is not " + what);
  }
  std::vector<fs::path> tried;
  tried.push_back(fs::current_path(ec) / given);
  // The executable's folder and each folder above it: build dirs sit inside the source tree.
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path dir = exe.parent_path(); !dir.empty(); dir = dir.parent_path()) {
      const fs::path candidate = dir / given;
      if (std::find(tried.begin(), tried.end(), candidate) == tried.end()) tried.push_back(candidate);
      if (dir == dir.root_path()) break;
    }
  }
  for (const auto& candidate : tried) {
    if (fits(candidate)) return candidate.lexically_normal().string();
  }
  std::string places;
  for (const auto& candidate : tried) places += (places.empty() ? "" : ", ") + candidate.lexically_normal().string();
  return std::unexpected(key + ": " + path + " not found (expected " + what + "); looked at " + places +
                         ". Run from the project root or give an absolute path");
}

}  // namespace verity
