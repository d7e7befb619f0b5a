// `verity sim`: one seeded session over the market generator, journaled.
#include <cstdio>
#include <iterator>

#include "actors/runtime/config.hpp"
#include "actors/runtime/log.hpp"
#include "actors/runtime/memory_store.hpp"
#include "actors/runtime/rocksdb_store.hpp"
#include "app/commands.hpp"
#include "app/key_flags.hpp"
#include "sim/sim_runner.hpp"

namespace verity::app {

namespace {

/// Each flag sets one config key; this table is the only place that pairs them.
constexpr FlagKey kFlags[] = {
    {"--seed", "session.seed", "root seed"},
    {"--bars", "session.bars", "bars to generate (at most, with --source store)"},
    {"--journal", "journal.dir", "journal folder"},
    {"--level", "journal.level", "journal level: full, inputs or hash"},
    {"--durability", "journal.durability", "synced, async or off"},
    {"--log-level", "log.level", "trace, debug, info, warn, error or off"},
    {"--source", "session.source", "generator, or store: replay imported candles"},
    {"--symbols", "session.symbols", "symbols to replay, comma-separated, merged by time"},
    {"--timeframe", "session.timeframe", "timeframe of the stored candles"},
    {"--from", "session.from", "first candle to replay, ISO 8601 UTC"},
    {"--to", "session.to", "replay candles opening before this time"},
    {"--data", "data.dir", "candle store folder"},
};

struct SimArgs {
  std::string config_path;
  bool resume = false;
  std::string dispatch = "caf";
  std::string values[std::size(kFlags)];  // as typed; empty when not given
};

int run_sim_command(const SimArgs& a) {
  std::vector<ConfigOverride> overrides = key_overrides(kFlags, a.values);
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
  SimHooks hooks;
  hooks.resume = a.resume;
  hooks.dispatch = *parse_dispatch(a.dispatch);
  auto result = run_sim(*config, **store, command_line(), hooks);
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
  cmd->add_flag("--resume", args->resume,
                "continue this session if the journal holds it (a killed run): messages already journaled are "
                "checked, not written again");
  cmd->add_option("--dispatch", args->dispatch,
                  "what runs the actors: caf (CAF's deterministic scheduler) or direct (the same handlers in the same "
                  "order without CAF's mailboxes, faster); the messages and final hash are the same")
      ->check(CLI::IsMember({"caf", "direct"}))
      ->capture_default_str();
  // Values are validated by the config layer, which names the key and range.
  add_key_flags(cmd, kFlags, args->values);
  cmd->callback([&run, args] { run = [args] { return run_sim_command(*args); }; });
}

}  // namespace

const Registrar register_sim("", "sim", add_sim);

}  // namespace verity::app
