// `verity config`: the keys every command reads, and the resolved config.
#include <cstdio>

#include "actors/runtime/config.hpp"
#include "app/commands.hpp"

namespace verity::app {

namespace {
void add_config(CLI::App& app, std::function<int()>& run) {
  auto path = std::make_shared<std::string>();
  auto keys = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("config", "Show the resolved configuration, or every key with its default and range.");
  cmd->add_option("--config", *path, "TOML config file to resolve")->check(CLI::ExistingFile);
  cmd->add_flag("--keys", *keys, "print the table of keys (Markdown) instead");
  cmd->callback([&run, path, keys] {
    run = [path, keys] {
      if (*keys) {
        std::printf("%s", config_reference().c_str());
        return kExitOk;
      }
      auto config = load_config(*path, {}, verity_environment());
      if (!config) {
        std::fprintf(stderr, "verity config: %s\n", config.error().c_str());
        return kExitError;
      }
      std::printf("%s# config_hash = %s\n", config->canonical().c_str(), config->hash().hex().c_str());
      return kExitOk;
    };
  });
}

}  // namespace

const Registrar register_config("", "config", add_config);

}  // namespace verity::app
