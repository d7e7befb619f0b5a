// Command-line flags that each set one config key (`--seed` -> session.seed).
// A command lists its flags in one table; these helpers add them to the CLI
// (help text naming the key) and turn what was typed into config overrides,
// which the config layer validates and names by flag.
#pragma once

#include <CLI/CLI.hpp>

#include <span>
#include <string>
#include <vector>

#include "actors/runtime/config.hpp"

namespace verity::app {

struct FlagKey {
  const char* flag;
  const char* key;
  const char* help;
};

/// Adds `--flag VALUE` for each entry; `values[i]` receives what was typed.
inline void add_key_flags(CLI::App* cmd, std::span<const FlagKey> flags, std::string* values) {
  for (std::size_t i = 0; i < flags.size(); ++i) {
    cmd->add_option(flags[i].flag, values[i], std::string(flags[i].help) + " (" + flags[i].key + ")");
  }
}

/// The overrides for the flags that were given (non-empty values).
inline std::vector<ConfigOverride> key_overrides(std::span<const FlagKey> flags, const std::string* values) {
  std::vector<ConfigOverride> out;
  for (std::size_t i = 0; i < flags.size(); ++i) {
    if (!values[i].empty()) out.push_back({flags[i].key, values[i], flags[i].flag});
  }
  return out;
}

}  // namespace verity::app
