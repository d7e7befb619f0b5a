// The `verity` subcommands. Each registers itself on the CLI11 app and runs
// when chosen; run functions return the process exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace verity::app {

/// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // the command ran and found a problem
inline constexpr int kExitError = 2;   // bad input or an I/O error

/// The command line as typed, recorded in session manifests.
std::string& command_line();

void add_sim(CLI::App& app, std::function<int()>& run);
void add_config(CLI::App& app, std::function<int()>& run);
void add_journal(CLI::App& app, std::function<int()>& run);

}  // namespace verity::app
