// `verity models evaluate`: strategies side by side on one scenario over the
// same seeds: challenge pass rates with Wilson intervals, and one
// continuous session each for the Sharpe and deflated Sharpe ratios
// (sim/strategy_evaluation.hpp). docs/MODELS.md's evaluation is its output.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "actors/runtime/config.hpp"
#include "app/commands.hpp"
#include "app/key_flags.hpp"
#include "sim/strategy_evaluation.hpp"

namespace verity::app {

namespace {

constexpr FlagKey kFlags[] = {
    {"--seed", "session.seed", "root seed; attempt i runs with a seed derived from it and i"},
    {"--max-days", "challenge.max_days", "days an attempt may run before it expires"},
    {"--from", "session.from", "first candle of the window (store scenarios), ISO 8601 UTC"},
    {"--to", "session.to", "end of the window (store scenarios), ISO 8601 UTC"},
    {"--data", "data.dir", "candle store folder (scenarios on imported history)"},
    {"--registry", "model.registry", "model registry folder"},
    {"--log-level", "log.level", "trace, debug, info, warn, error or off (default warn here)"},
};
constexpr std::size_t kLogLevelFlag = 6;

struct EvaluateArgs {
  std::string scenario;
  std::string strategies = "baseline,ensemble";
  std::uint64_t seeds = 20;
  std::uint64_t trials = 0;
  unsigned threads = 0;
  std::string report_dir;
  std::string values[std::size(kFlags)];
};

int fail(const std::string& message) {
  std::fprintf(stderr, "verity models evaluate: %s\n", message.c_str());
  return kExitError;
}

int run_evaluate(const EvaluateArgs& a) {
  constexpr std::uint64_t kMaxSeeds = 100'000;
  if (a.seeds > kMaxSeeds) {
    return fail("--seeds is " + std::to_string(a.seeds) + "; expected 0 (no challenge batch) to " +
                std::to_string(kMaxSeeds));
  }
  auto env = verity_environment();
  std::vector<ConfigOverride> overrides = key_overrides(kFlags, a.values);
  if (a.values[kLogLevelFlag].empty() && !env.contains("VERITY_LOG_LEVEL")) {
    overrides.insert(overrides.begin(), {"log.level", "warn", "verity models evaluate default"});
  }
  std::vector<Config> configs;
  std::vector<std::string> seen;
  for (std::string_view name : split_list(a.strategies)) {
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return fail("--strategies names " + std::string(name) + " twice");
    }
    seen.emplace_back(name);
    auto with = overrides;
    with.push_back({"model.strategy", std::string(name), "--strategies"});
    auto config = load_config(a.scenario, with, env);
    if (!config) return fail(config.error());
    configs.push_back(std::move(*config));
  }
  if (configs.empty()) return fail("--strategies is empty; expected e.g. baseline,ensemble");

  EvaluationOptions o;
  o.attempts = a.seeds;
  o.trials = a.trials;
  o.threads = a.threads;
  o.scenario = a.scenario;
  o.command = command_line();
  o.progress = [](const std::string& strategy, const std::string& what) {
    std::fprintf(stderr, "%s: %s\n", strategy.c_str(), what.c_str());
  };
  auto report = evaluate_strategies(configs, o);
  if (!report) return fail(report.error());
  const std::string markdown = evaluation_markdown(*report);
  const std::string json = evaluation_json(*report);
  std::printf("%s\n", markdown.c_str());
  if (!a.report_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.report_dir, ec);
    std::ofstream md(a.report_dir + "/evaluation.md");
    std::ofstream js(a.report_dir + "/evaluation.json");
    md << markdown;
    js << json << "\n";
    if (ec || !md || !js) return fail("cannot write the report into " + a.report_dir);
    std::printf("report: %s/evaluation.md\n", a.report_dir.c_str());
  }
  std::printf("%s\n", json.c_str());
  return kExitOk;
}

void add_evaluate(CLI::App& models, std::function<int()>& run) {
  auto args = std::make_shared<EvaluateArgs>();
  auto* c = models.add_subcommand(
      "evaluate", "Strategies side by side on one scenario: challenge pass rates with Wilson 95% intervals over "
                  "the same seeds, and the Sharpe and deflated Sharpe ratios of one continuous session each.");
  c->footer(
      "Each strategy (a model.strategy value: baseline, ensemble, lstm, transformer, logistic) runs a challenge\n"
      "batch of --seeds attempts (the same seeds and windows for all), then one continuous session over the\n"
      "scenario's whole window (store scenarios: the candles within --from/--to) with the profit targets out of\n"
      "reach and the loss limits kept. The deflated Sharpe ratio (Bailey and Lopez de Prado) uses the per-day\n"
      "Sharpe ratios of those sessions, N = max(--trials, strategies): count every model and setting you tried.\n"
      "Models come from the registry's promoted versions (or the scenario's pins); a strategy whose models are\n"
      "missing is an error before anything runs. Prints a Markdown table, then the JSON summary line.\n"
      "Exit 0; 2 bad arguments, config, data or models.");
  c->add_option("--scenario", args->scenario, "scenario TOML file (as for verity challenge)")
      ->required()
      ->check(CLI::ExistingFile);
  c->add_option("--strategies", args->strategies, "comma-separated model.strategy values, in report order")
      ->capture_default_str();
  c->add_option("--seeds", args->seeds, "challenge attempts per strategy (0: only the continuous sessions)")
      ->capture_default_str();
  c->add_option("--trials", args->trials, "trials the deflated Sharpe ratio counts (default: the strategies)");
  c->add_option("--threads", args->threads, "worker threads (default: every core)");
  c->add_option("--report", args->report_dir, "also write evaluation.md and evaluation.json into this folder");
  add_key_flags(c, kFlags, args->values);
  c->callback([&run, args] { run = [args] { return run_evaluate(*args); }; });
}

}  // namespace

const Registrar register_models_evaluate("models", "evaluate", add_evaluate);

}  // namespace verity::app
