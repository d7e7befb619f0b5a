// Runs a command through the shell and captures its exit code, stdout and
// stderr, for tests of the real `verity` binary.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace verity::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
  /// The last non-empty line of stdout.
  std::string last_line() const {
    auto end = out.find_last_not_of('\n');
    if (end == std::string::npos) return "";
    auto start = out.rfind('\n', end);
    return out.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
  }
};

/// The non-empty lines of `text`, without their line ends (LF or CRLF).
inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

/// Passes when `text` contains `part`; a failure shows the whole text.
inline ::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "output does not contain \"" << part << "\":\n" << text;
}

/// Runs `command` through sh (quote as for sh), stdin from /dev/null.
inline CommandResult run_command(const std::string& command) {
  TempDir scratch;
  const std::string out_path = scratch.sub("out"), err_path = scratch.sub("err");
  const std::string cmd = command + " >" + out_path + " 2>" + err_path + " </dev/null";
  const int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  auto slurp = [](const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  return r;
}

/// `args` is appended to the verity binary's path; quote as for sh.
inline CommandResult run_verity(const std::string& args, const std::string& env = "") {
  return run_command(env + " " + VERITY_BIN + " " + args);
}

}  // namespace verity::testing
