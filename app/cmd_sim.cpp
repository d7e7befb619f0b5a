// `verity sim`: one seeded session over the market generator, journaled.
#include <cstdio>

#include "actors/runtime/config.hpp"
#include "actors/runtime/log.hpp"
#include "actors/runtime/memory_store.hpp"
#include "actors/runtime/rocksdb_store.hpp"
#include "app/commands.hpp"
#include "sim/sim_runner.hpp"

namespace verity::app {

namespace {

struct SimArgs {
  std::string config_path;
  std::vector<ConfigOverride> overrides;
  std::string seed, bars, journal, level, durability, log_level;
  std::string source, symbols, timeframe, from, to, data;
};

int run_sim_command(const SimArgs& a) {
  std::vector<ConfigOverride> overrides;
  auto flag = [&](const std::string& value, const char* key, const char* origin) {
    if (!value.empty()) overrides.push_back({key, value, origin});
  };
  flag(a.seed, "session.seed", "--seed");
  flag(a.bars, "session.bars", "--bars");
  flag(a.journal, "journal.dir", "--journal");
  flag(a.level, "journal.level", "--level");
  flag(a.durability, "journal.durability", "--durability");
  flag(a.log_level, "log.level", "--log-level");
  flag(a.source, "session.source", "--source");
  flag(a.symbols, "session.symbols", "--symbols");
  flag(a.timeframe, "session.timeframe", "--timeframe");
  flag(a.from, "session.from", "--from");
  flag(a.to, "session.to", "--to");
  flag(a.data, "data.dir", "--data");
  auto config = load_config(a.config_path, overrides, verity_environment());
  if (!config) {
    std::fprintf(stderr, "verity sim: %s\n", config.error().c_str());
    return kExitError;
  }
  auto store = RocksDbStore::open(config->journal.dir, config->journal.durability);
  if (!store) {
    std::fprintf(stderr, "verity sim: %s\n", store.error().c_str());
    return kExitError;
  }
  auto result = run_sim(*config, **store, command_line());
  if (!result) {
    std::fprintf(stderr, "verity sim: %s\n", result.error().c_str());
    return kExitError;
  }
  const SimResult& r = *result;
  std::printf("verity sim: seed %llu, %lld bars, %llu messages (%s level, %llu stored), %llu fills\n",
              static_cast<unsigned long long>(r.seed), static_cast<long long>(r.bars),
              static_cast<unsigned long long>(r.messages), std::string(level_name(r.level)).c_str(),
              static_cast<unsigned long long>(r.stored), static_cast<unsigned long long>(r.trades));
  std::printf("verity sim: equity %.2f USD from %.2f; %.0f bars/s over %.2f s\n", r.equity_end_usd,
              config->portfolio.initial_balance_usd, r.elapsed_s > 0 ? static_cast<double>(r.bars) / r.elapsed_s : 0.0,
              r.elapsed_s);
  std::printf("verity sim: journal %s, session %s, final hash %s\n", config->journal.dir.c_str(),
              session_hex(r.session).c_str(), r.final_hash.hex().c_str());
  std::printf("%s\n", summary_json(r, config->journal.dir).c_str());
  return kExitOk;
}

}  // namespace

namespace {
void add_sim(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<SimArgs>();
  auto* cmd = app.add_subcommand(
      "sim", "Run one seeded session through the graph: the market generator, or imported candles (--source store).");
  cmd->footer(
      "The last line on stdout is one JSON object: seed, bars, messages, final_hash, equity_end, trades, elapsed_s.\n"
      "Each layer overrides the one before: built-in defaults, the --config file, VERITY_* environment variables,\n"
      "then these flags. `verity config --keys` lists every key.");
  cmd->add_option("--config", args->config_path, "TOML config file")->check(CLI::ExistingFile);
  // Values are validated by the config layer, which names the key and range.
  cmd->add_option("--seed", args->seed, "root seed (session.seed)");
  cmd->add_option("--bars", args->bars, "bars to generate (session.bars)");
  cmd->add_option("--journal", args->journal, "journal folder (journal.dir)");
  cmd->add_option("--level", args->level, "journal level: full, inputs or hash (journal.level)");
  cmd->add_option("--durability", args->durability, "synced, async or off (journal.durability)");
  cmd->add_option("--log-level", args->log_level, "trace, debug, info, warn, error or off (log.level)");
  cmd->add_option("--source", args->source, "generator, or store: replay imported candles (session.source)");
  cmd->add_option("--symbols", args->symbols, "symbols to replay, comma-separated, merged by time (session.symbols)");
  cmd->add_option("--timeframe", args->timeframe, "timeframe of the stored candles (session.timeframe)");
  cmd->add_option("--from", args->from, "first candle to replay, ISO 8601 UTC (session.from)");
  cmd->add_option("--to", args->to, "replay candles opening before this time (session.to)");
  cmd->add_option("--data", args->data, "candle store folder (data.dir)");
  cmd->callback([&run, args] { run = [args] { return run_sim_command(*args); }; });
}

}  // namespace

const Registrar register_sim("", "sim", add_sim);

}  // namespace verity::app
