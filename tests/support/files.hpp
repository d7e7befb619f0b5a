// Whole files and folders as bytes, for tests that look inside what a
// command wrote (journals, reports) or check that a secret is nowhere in it.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace verity::testing {

/// The bytes of the file at `path`; empty when it cannot be read.
inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Every regular file below `dir`, concatenated in directory order.
inline std::string slurp_dir(const std::string& dir) {
  std::string all;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) all += slurp(e.path().string());
  }
  return all;
}

}  // namespace verity::testing
