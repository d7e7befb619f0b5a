// The `verity` subcommands. Each app/cmd_*.cpp registers its commands with a
// static Registrar; main() adds them to the CLI in (group, name) order, so a
// new command is a new file and --help lists only what is built.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace verity::app {

/// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // the command ran and found a problem
inline constexpr int kExitError = 2;   // bad input or an I/O error

/// The command line as typed, recorded in session manifests.
std::string& command_line();

/// Adds one subcommand to `parent`; its callback sets `run`.
using AddCommand = void (*)(CLI::App& parent, std::function<int()>& run);

struct CommandRegistration {
  std::string group;  // "" for a top-level command, else e.g. "data"
  std::string name;
  AddCommand add;
};

/// Registers a command at static-initialisation time.
struct Registrar {
  Registrar(const char* group, const char* name, AddCommand add);
};

std::vector<CommandRegistration>& registered_commands();

/// One-line descriptions of command groups (`verity data ...`).
std::string group_description(const std::string& group);

}  // namespace verity::app
