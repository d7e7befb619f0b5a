// Decision latency in live mode (issue 7): from a closed bar arriving on the
// WebSocket to the orders it made leaving for the venue, LSTM included,
// against the mock exchange on loopback. Three pairs, each with an LSTM of
// the inference benchmark's size (64 hidden, 60 steps; the momentum
// follower of tests/support/lstm_models.hpp, so it trades often), scanning
// every 2 minutes (the default cycle), signed orders to the mock.
//
// A bar's clock starts when the stream thread has parsed its closing kline
// frame (LiveBar::received_ns) and stops when the step it started has
// committed to the journal and its orders are in the venue gateway's queue
// (LiveHooks::on_bar_done); `decided_*` stops it when the step that made a
// signal's order has committed, before the fsync the order waits for. The
// bars of the three pairs close together, so
// the second and third wait for the first: that wait is counted, as it is
// live. Reported: every live bar (`all_*`), scan bars with the LSTM's
// forward pass (`scan_*`, the ones closing on even minutes), and bars that
// sent an order (`order_*`). Arguments: the journal's durability (async 0:
// synced, an fsync on every step; 1: async, what `verity live --mode live`
// uses, where the log is fsynced only before an order leaves) and the
// number of pairs (1: no bar waits for another).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "actors/runtime/clock.hpp"
#include "actors/runtime/rocksdb_store.hpp"
#include "live/binance_adapters.hpp"
#include "live/live_session.hpp"
#include "tests/bench/bench_support.hpp"
#include "tests/support/live_rig.hpp"
#include "tests/support/lstm_models.hpp"

namespace verity {
namespace {

constexpr std::int64_t kWarmup = 300;
constexpr std::int64_t kLiveBarsPerPair = 600;

void percentiles(benchmark::State& state, const std::string& prefix, std::vector<double> us) {
  state.counters[prefix + "_n"] = static_cast<double>(us.size());
  if (us.empty()) return;
  std::sort(us.begin(), us.end());
  state.counters[prefix + "_p50_us"] = us[us.size() / 2];
  state.counters[prefix + "_p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  state.counters[prefix + "_max_us"] = us.back();
}

void BM_LiveDecisionLatency(benchmark::State& state) {
  const Durability durability = state.range(0) == 0 ? Durability::synced : Durability::async;
  bench::TempDir dir("live-latency");
  std::vector<testing::Pair> pairs = {
      {"BTCUSDT", "BTC", 50'000.0, 20.0}, {"ETHUSDT", "ETH", 3'000.0, 300.0}, {"BNBUSDT", "BNB", 400.0, 2'000.0}};
  pairs.resize(static_cast<std::size_t>(state.range(1)));
  std::vector<ModelFile> models;
  for (std::size_t i = 0; i < pairs.size(); ++i) models.push_back(testing::momentum_lstm(pairs[i].symbol, i + 1));
  if (auto ok = testing::register_models(dir.path() + "/registry", models); !ok) {
    state.SkipWithError(ok.error().c_str());
    return;
  }
  std::vector<double> all, scan, order, step, decided, synced;
  for (auto _ : state) {
    auto mock = testing::start_pairs_mock(pairs, kWarmup + 50 + kLiveBarsPerPair + 200, kWarmup + 50, 100'000.0, 31);
    if (!mock) {
      state.SkipWithError(mock.error().c_str());
      return;
    }
    Config config;
    config.log.level = "off";
    std::string symbols;
    for (const auto& p : pairs) symbols += (symbols.empty() ? "" : ",") + p.symbol;
    config.session.symbols = symbols;
    config.execution.venue = "binance";
    config.live.rest_base = (*mock)->rest_base();
    config.live.ws_base = (*mock)->ws_base();
    config.live.warmup_bars = kWarmup;
    config.live.max_bars = kLiveBarsPerPair * static_cast<std::int64_t>(pairs.size());
    config.live.http_port = -1;
    config.journal.durability = durability;
    // The mock's clock runs a minute per bar tick, and an offset goes stale
    // after recvWindow of wall time: the widest Binance allows spares most
    // orders a -1021 and a resync.
    config.live.recv_window_ms = 60'000;
    config.risk.rate_limit_per_hour = 1'000;
    config.risk.rate_limit_high_per_hour = 1'000;
    config.risk.max_position_usd = 2'000;
    testing::use_momentum_lstms(config, dir.path() + "/registry");
    const std::string journal = dir.path() + "/journal-" + std::to_string(all.size());
    auto store = RocksDbStore::open(journal, durability);
    if (!store) {
      state.SkipWithError(store.error().c_str());
      return;
    }
    BinanceFeed feed(config, std::chrono::milliseconds(2'000));
    BinanceGateway gateway(config, BinanceCredentials{Secret(testing::kMockApiKey), Secret(testing::kMockApiSecret)});
    // Which bars scan: the step's bar is the newest the session stepped, and
    // its close falls on an even minute.
    LiveHooks hooks;
    std::int64_t last_close_ns = 0;
    std::int64_t last_sync_ns = 0;
    hooks.observer = [&](const FramePtr& f) {
      if (f->kind() == Kind::BAR && f->source() == ActorId::EXTERNAL) {
        auto b = f->envelope().getPayload().getBar();
        last_close_ns = b.getOpenTimeNs() + b.getIntervalNs();
      }
    };
    hooks.on_order_sent = [&](const OutboundOrder& o, std::int64_t) {
      if (o.decided_ns > o.committed_ns && (synced.empty() || o.committed_ns != last_sync_ns))
        synced.push_back(static_cast<double>(o.decided_ns - o.committed_ns) / 1e3);
      last_sync_ns = o.committed_ns;
      if (o.bar_received_ns > 0 && o.order.order_id < (std::uint64_t{1} << 63))  // risk's orders, not bracket exits
        decided.push_back(static_cast<double>(o.committed_ns - o.bar_received_ns) / 1e3);
    };
    std::int64_t step_ns = 0;
    hooks.on_step = [&](std::int64_t ns) { step_ns = ns; };
    hooks.on_bar_done = [&](std::int64_t latency_ns, std::uint64_t orders) {
      if (last_close_ns % (2 * 60'000'000'000LL) == 0) step.push_back(static_cast<double>(step_ns) / 1e3);
      const double us = static_cast<double>(latency_ns) / 1e3;
      all.push_back(us);
      if (last_close_ns % (2 * 60'000'000'000LL) == 0) scan.push_back(us);
      if (orders > 0) order.push_back(us);
    };
    // 20 ms a bar: the session keeps up, so a bar waits only for the pairs
    // that closed with it.
    (*mock)->run(std::chrono::milliseconds(20));
    auto r = run_live(config, **store, feed, &gateway, "verity_bench live latency", hooks);
    (*mock)->pause();
    if (!r) {
      state.SkipWithError(r.error().c_str());
      return;
    }
    state.counters["orders"] = static_cast<double>(r->orders_sent);
  }
  percentiles(state, "all", all);
  percentiles(state, "scan", scan);
  percentiles(state, "order", order);
  percentiles(state, "step", step);  // scan bars: the step alone, stamp to commit
  percentiles(state, "decided", decided);  // risk's orders: bar to committed, before the journal's sync
  percentiles(state, "sync", synced);  // the journal's sync before a step's orders leave
}
BENCHMARK(BM_LiveDecisionLatency)
    ->ArgNames({"async", "pairs"})
    ->Args({0, 3})
    ->Args({1, 3})
    ->Args({1, 1})
    ->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

/// What the sync before each order costs on this disk: a small committed
/// batch (about a step's) and JournalStore::sync, timed together. The
/// argument is the pause between steps in ms: the same fsync is slower when
/// the disk has been idle longer (docs/BENCHMARKS.md), and live orders come
/// tens of ms apart.
void BM_JournalSyncBeforeOrder(benchmark::State& state) {
  bench::TempDir dir("wal-sync");
  auto store = RocksDbStore::open(dir.path() + "/journal", Durability::async);
  if (!store) {
    state.SkipWithError(store.error().c_str());
    return;
  }
  const std::string value(600, 'x');
  std::vector<double> us;
  std::uint64_t key = 0;
  for (auto _ : state) {
    Stopwatch watch;
    (*store)->put(Family::journal, keys::record(1, ++key), value);
    if (auto ok = (*store)->commit(); !ok) state.SkipWithError(ok.error().c_str());
    if (auto ok = (*store)->sync(); !ok) state.SkipWithError(ok.error().c_str());
    us.push_back(watch.elapsed_s() * 1e6);
    std::this_thread::sleep_for(std::chrono::milliseconds(state.range(0)));  // steps come apart, not back to back
  }
  percentiles(state, "sync", us);
}
BENCHMARK(BM_JournalSyncBeforeOrder)->ArgName("pause_ms")->Arg(2)->Iterations(500)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_JournalSyncBeforeOrder)->ArgName("pause_ms")->Arg(20)->Iterations(300)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_JournalSyncBeforeOrder)->ArgName("pause_ms")->Arg(60)->Iterations(150)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace verity
