// verity: the one executable. `verity --help` lists the subcommands that work.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>

#include "app/commands.hpp"

namespace verity::app {

std::string& command_line() {
  static std::string line;
  return line;
}

std::vector<CommandRegistration>& registered_commands() {
  static std::vector<CommandRegistration> commands;
  return commands;
}

Registrar::Registrar(const char* group, const char* name, AddCommand add) {
  registered_commands().push_back({group, name, add});
}

std::string group_description(const std::string& group) {
  if (group == "data") return "Market data: import, list and validate candles; calibrate the generator; measure spreads.";
  if (group == "batch") return "Challenge batches across machines: serve ranges of a batch to a coordinator.";
  if (group == "report") return "Challenge reports: merge the partial results of a batch run on many machines.";
  if (group == "journal") return "Inspect and keep journals: list, stats, cat, export, check, backup, restore, prune.";
  return group;
}

/// When the arguments name a command that does not exist ("verity models
/// list") or stop before naming one ("verity models"), says so, with the
/// commands there are; CLI11 alone would only say that a subcommand is
/// required. Empty when the arguments reach a command.
std::string unknown_command(CLI::App& app, int argc, char** argv) {
  CLI::App* at = &app;
  std::string path = "verity";
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.empty() || word[0] == '-') return {};
    const auto subs = at->get_subcommands([](CLI::App*) { return true; });
    if (subs.empty()) return {};  // a command: the rest are its arguments
    CLI::App* next = nullptr;
    std::string names;
    for (CLI::App* s : subs) {
      if (s->check_name(word)) next = s;
      names += (names.empty() ? "" : ", ") + s->get_name();
    }
    if (next == nullptr) return path + ": unknown command '" + word + "'; the commands here are: " + names;
    at = next;
    path += " " + word;
  }
  const auto subs = at->get_subcommands([](CLI::App*) { return true; });
  if (subs.empty()) return {};
  std::string names;
  for (CLI::App* s : subs) names += (names.empty() ? "" : ", ") + s->get_name();
  return path + ": a command is required; the commands here are: " + names;
}

}  // namespace verity::app

int main(int argc, char** argv) {
  using namespace verity::app;
  for (int i = 0; i < argc; ++i) {
    if (i) command_line() += ' ';
    command_line() += argv[i];
  }
  CLI::App app{"Verity: a deterministic actor engine for crypto trading: sim, replay and live from one graph."};
  app.require_subcommand(1);
  app.set_version_flag("--version", VERITY_BUILD_ID);
  std::function<int()> run;

  auto commands = registered_commands();
  std::sort(commands.begin(), commands.end(), [](const auto& a, const auto& b) {
    return std::tie(a.group, a.name) < std::tie(b.group, b.name);
  });
  std::map<std::string, CLI::App*> groups;
  for (const auto& c : commands) {
    CLI::App* parent = &app;
    if (!c.group.empty()) {
      auto [it, added] = groups.emplace(c.group, nullptr);
      if (added) {
        it->second = app.add_subcommand(c.group, group_description(c.group));
        it->second->require_subcommand(1);
      }
      parent = it->second;
    }
    c.add(*parent, run);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0) {
      if (const std::string unknown = unknown_command(app, argc, argv); !unknown.empty()) {
        std::fprintf(stderr, "%s\nRun with --help for more information.\n", unknown.c_str());
        return kExitError;
      }
    }
    return app.exit(e) == 0 ? kExitOk : kExitError;
  }
  try {
    return run ? run() : kExitError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "verity: %s\n", e.what());
    return kExitError;
  }
}
