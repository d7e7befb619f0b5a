// `verity train`: walk-forward training and evaluation of the networks
// (models/trainer.hpp), with the final models registered as candidates.
#include <cstdio>
#include <iterator>

#include "actors/runtime/config.hpp"
#include "app/commands.hpp"
#include "app/key_flags.hpp"
#include "models/trainer.hpp"

namespace verity::app {

namespace {

constexpr FlagKey kFlags[] = {
    {"--seed", "session.seed", "root seed: weights initialisation and batch order"},
    {"--source", "session.source", "generator, or store: imported candles"},
    {"--symbols", "session.symbols", "symbols to train on, comma-separated (source store)"},
    {"--from", "session.from", "first candle, ISO 8601 UTC (source store)"},
    {"--to", "session.to", "candles opening before this time (source store)"},
    {"--bars", "session.bars", "bars to generate (source generator)"},
    {"--data", "data.dir", "candle store folder"},
    {"--models", "train.models", "networks to fit: logistic, lstm, transformer"},
    {"--epochs", "train.epochs", "most epochs per network"},
    {"--folds", "train.max_folds", "walk-forward folds to run, the latest; 0: all"},
    {"--output", "train.output", "folder of reports and checkpoints"},
    {"--registry", "model.registry", "model registry folder"},
};

struct TrainArgs {
  std::string config_path;
  bool no_register = false;
  bool quiet = false;
  std::string values[std::size(kFlags)];
};

int run_train_command(const TrainArgs& a) {
  auto overrides = key_overrides(kFlags, a.values);
  if (a.no_register) overrides.push_back({"train.register_models", "false", "--no-register"});
  auto config = load_config(a.config_path, overrides, verity_environment());
  if (!config) {
    std::fprintf(stderr, "verity train: %s\n", config.error().c_str());
    return kExitError;
  }
  TrainHooks hooks;
  if (!a.quiet) hooks.progress = [](const std::string& line) { std::fprintf(stderr, "verity train: %s\n", line.c_str()); };
  std::fprintf(stderr, "verity train: seed %llu, models %s, features %s\n",
               static_cast<unsigned long long>(config->session.seed), config->train.models.c_str(),
               config->train.features.c_str());
  auto run = run_training(*config, hooks);
  if (!run) {
    std::fprintf(stderr, "verity train: %s\n", run.error().c_str());
    return kExitError;
  }
  std::printf("%s", walk_forward_markdown(run->report).c_str());
  for (const auto& m : run->models)
    std::printf("verity train: %s %s weights %s%s\n", m.tag.empty() ? m.name.c_str() : m.tag.c_str(), m.path.c_str(),
                m.weights_hash.hex().c_str(),
                m.tag.empty() ? "" : (m.gates_passed ? " (gates passed)" : " (gates FAILED: `verity models show` says which)"));
  std::printf("verity train: report %s/report.md, seed %llu, %.1f s\n", run->output_dir.c_str(),
              static_cast<unsigned long long>(config->session.seed), run->elapsed_s);
  std::printf("%s\n", train_summary_json(*run).c_str());
  return kExitOk;
}

void add_train(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand(
      "train", "Walk-forward training of the LSTM, Transformer and logistic models, compared with naive baselines.");
  cmd->footer(
      "Each fold fits the normaliser and the network on its train split, stops early on the validation loss,\n"
      "fits Platt and isotonic calibration on validation data only, and scores the test split. The table\n"
      "compares every model with always-up, persistence and the rule-based strategy. The final models are\n"
      "written under train.output and registered as candidates (`verity models ls`); promotion is gated.\n"
      "The last line on stdout is one JSON object: models with their tags and weights hashes, folds,\n"
      "seed, data_hash, leakage_test, report, elapsed_s. docs/MODELS.md has the details.");
  cmd->add_option("--config", args->config_path, "TOML config file ([train], [model] and the data keys)")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--no-register", args->no_register, "write the model files but do not register them");
  cmd->add_flag("--quiet", args->quiet, "no progress lines on stderr");
  add_key_flags(cmd, kFlags, args->values);
  cmd->callback([&run, args] { run = [args] { return run_train_command(*args); }; });
}

}  // namespace

const Registrar register_train("", "train", add_train);

}  // namespace verity::app
