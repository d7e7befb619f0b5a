#include "sim/sim_runner.hpp"

#include "models/session_models.hpp"

#include <nlohmann/json.hpp>

#include <optional>

#include "actors/runtime/clock.hpp"
#include "actors/runtime/convert.hpp"
#include "actors/runtime/graph.hpp"
#include "actors/runtime/prng.hpp"
#include "actors/runtime/snapshot.hpp"
#include "schema/account.capnp.h"
#include "actors/feed/timeframe.hpp"
#include "sim/session_inputs.hpp"
#include "sim/stress.hpp"

namespace verity {

std::expected<SimResult, std::string> run_sim(const Config& config, JournalStore& store, const std::string& command,
                                              const SimHooks& hooks) {
  Stopwatch watch;
  ManifestInfo m;
  m.mode = Mode::SIM;
  m.root_seed = config.session.seed;
  m.level = config.journal.level;
  m.config = config.canonical();
  m.config_hash = hash128(m.config);
  m.build_id = VERITY_BUILD_ID;
  m.command = command;
  m.recorded_at_ns = LiveClock().now_ns();  // for retention only: not in the session id or the chain
  PrngStreams streams(config.session.seed);
  auto inputs = make_session_inputs(config, streams);
  if (!inputs) return std::unexpected(inputs.error());
  m.data_sources = inputs->data_sources;
  if (inputs->models) m.models = inputs->models->versions();
  if (has_bar_stress(config.stress)) {
    const std::int64_t interval_s = config.session.source == "store"
                                        ? timeframe_ns(*parse_timeframe(config.session.timeframe)) / 1'000'000'000
                                        : config.market.bar_interval_s;
    const std::int64_t span_min = config.session.bars * interval_s / 60;
    inputs->bars = std::make_unique<StressedBarSource>(std::move(inputs->bars), config.stress, streams.stream("stress"),
                                                       std::max<std::int64_t>(span_min, 1));
  }
  m.session = session_id(m.mode, m.root_seed, m.config, m.data_sources);

  auto writer = hooks.resume ? JournalWriter::resume(store, m) : JournalWriter::create(store, m, /*replace_existing=*/true);
  if (!writer) return std::unexpected(writer.error());
  Session session(**writer, Logger(m.mode, m.session, parse_log_level(config.log.level).value()));
  if (hooks.observer) session.set_observer(hooks.observer);
  const std::int64_t start_ns = config.session.source == "store" ? config.session.from_ns : config.market.start_time_ns;
  session.log().event(LogLevel::info, start_ns, 0, "sequencer", "session_start",
                      {{"seed", config.session.seed},
                       {"bars", config.session.bars},
                       {"source", inputs->bars->describe()},
                       {"journal_level", level_name(config.journal.level)},
                       {"config_hash", m.config_hash.hex()}});

  SimResult r;
  {
    Graph graph(session, config, inputs->metrics.get(), inputs->models.get(), hooks.dispatch);
    Sequencer sequencer(session, graph, **writer);
    sequencer.set_snapshot_every(static_cast<std::uint64_t>(config.journal.snapshot_every));
    if ((*writer)->resumed_at() > 0) {
      // Resuming: start from the latest snapshot in the journal, if any, so
      // only the steps after it are run again and checked. The bars before
      // it are drawn and dropped (one bar is one step).
      auto latest = latest_snapshot_seq(store, m.session, (*writer)->resumed_at());
      if (!latest) return std::unexpected(latest.error());
      if (const std::uint64_t pick = *latest; pick != 0) {
        auto snap = read_snapshot(store, m.session, pick);
        if (!snap) return std::unexpected(snap.error());
        if (auto ok = sequencer.restore(*snap); !ok) return std::unexpected(ok.error());
        for (std::uint64_t i = 0; i < snap->steps; ++i) {
          if (!inputs->bars->next()) return std::unexpected("the bars ended before the snapshot at seq " + std::to_string(pick));
          ++r.bars;
        }
        r.resumed_from_snapshot = pick;
      }
    }
    while (auto bar = inputs->bars->next()) {
      auto ok = sequencer.step<schema::Bar>(close_time_ns(*bar), [&](schema::Bar::Builder b) { fill_bar(b, *bar); });
      if (!ok) return std::unexpected(ok.error());
      ++r.bars;
      if (session.stop_requested() || (hooks.stop && hooks.stop())) break;
    }
    r.hops = sequencer.hops();
  }
  if (auto ok = (*writer)->close(); !ok) return std::unexpected(ok.error());

  r.seed = config.session.seed;
  r.resumed_at = (*writer)->resumed_at();
  r.session = m.session;
  r.messages = (*writer)->messages();
  r.stored = (*writer)->stored();
  r.final_hash = (*writer)->chain();
  r.by_kind = session.counts();
  r.level = config.journal.level;
  r.equity_end_usd = r.balance_end_usd = config.portfolio.initial_balance_usd;
  if (const FramePtr& last = session.last_account()) {
    auto a = last->envelope().getPayload().getAccountSnapshot();
    r.equity_end_usd = a.getEquityUsd();
    r.balance_end_usd = a.getBalanceUsd();
    r.trades = a.getTrades();
  }
  r.elapsed_s = watch.elapsed_s();
  session.log().event(LogLevel::info, session.now_ns(), r.messages, "sequencer", "session_end",
                      {{"messages", r.messages}, {"final_hash", r.final_hash.hex()}, {"trades", r.trades}});
  return r;
}

std::string summary_json(const SimResult& r, const std::string& journal_dir) {
  nlohmann::ordered_json j;
  j["seed"] = r.seed;
  j["bars"] = r.bars;
  j["messages"] = r.messages;
  j["final_hash"] = r.final_hash.hex();
  j["equity_end"] = r.equity_end_usd;
  j["balance_end"] = r.balance_end_usd;
  j["trades"] = r.trades;
  j["elapsed_s"] = r.elapsed_s;
  j["bars_per_s"] = r.elapsed_s > 0 ? static_cast<double>(r.bars) / r.elapsed_s : 0.0;
  j["session"] = session_hex(r.session);
  j["level"] = level_name(r.level);
  j["stored"] = r.stored;
  j["journal"] = journal_dir;
  if (r.resumed_at != 0) j["resumed_at_seq"] = r.resumed_at;
  if (r.resumed_from_snapshot != 0) j["resumed_from_snapshot_seq"] = r.resumed_from_snapshot;
  nlohmann::ordered_json kinds = nlohmann::ordered_json::object();
  for (std::size_t k = 0; k < kKindCount; ++k) {
    if (r.by_kind[k] != 0) kinds[std::string(kind_name(static_cast<Kind>(k)))] = r.by_kind[k];
  }
  j["by_kind"] = kinds;
  return j.dump();
}

}  // namespace verity
