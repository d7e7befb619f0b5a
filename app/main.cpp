// verity: the one executable. `verity --help` lists the subcommands that work.
#include <cstdio>
#include <exception>

#include "app/commands.hpp"

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
  add_sim(app, run);
  add_config(app, run);
  add_journal(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitError;
  }
  try {
    return run ? run() : kExitError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "verity: %s\n", e.what());
    return kExitError;
  }
}
