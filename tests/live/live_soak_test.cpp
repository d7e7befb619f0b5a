// The soak (issue 7): an accelerated 24-hour live session, 1,440 one-minute
// bars of each of three pairs, against the mock exchange on loopback with a
// fault every 120 bars (dropped socket, malformed and half frames, a stall
// past the staleness limit, 429s on the backfill, 500s before and after an
// order is taken, a slow order answer), in live mode (signed orders) with
// the momentum LSTMs scanning every 2 minutes and learning online, the
// journal on RocksDB as `verity live --mode live` opens it (async, its log
// synced before each order leaves).
//
// It must end by its bar limit with every bar journaled once, every order
// sent once, the journal replaying identical, and the resident memory flat:
// what the process holds after the first quarter of the day it still holds
// at the end, within a margin (the memtable and the caches fill early and
// then stay). The RSS samples are printed for docs/LIVE.md.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>

#include "actors/runtime/rocksdb_store.hpp"
#include "live/binance_adapters.hpp"
#include "live/live_session.hpp"
#include "replay/replay.hpp"
#include "tests/support/live_rig.hpp"
#include "tests/support/lstm_models.hpp"
#include "tests/support/temp_dir.hpp"

namespace verity {
namespace {

constexpr std::int64_t kWarmup = 300;
constexpr std::int64_t kDayBars = 1'440;
constexpr std::int64_t kFaultEvery = 120;  // bars of each pair between faults
constexpr std::uint64_t kMiB = 1024 * 1024;

const std::vector<testing::Pair> kPairs = {
    {"BTCUSDT", "BTC", 50'000.0, 20.0}, {"ETHUSDT", "ETH", 3'000.0, 300.0}, {"BNBUSDT", "BNB", 400.0, 2'000.0}};

/// The i-th fault of the rotation, injected now.
const char* inject(testing::MockBinance& mock, int i) {
  switch (i % 7) {
    case 0:
      mock.inject_drop_ws();
      return "ws drop";
    case 1:
      mock.inject_ws_malformed(2);
      mock.inject_ws_missing_fields(1);
      return "malformed frames";
    case 2:
      mock.inject_ws_stall(std::chrono::milliseconds(900));  // past stale_after: reconnect, backfill
      return "ws stall";
    case 3:
      mock.inject_drop_ws();
      mock.inject_rest_429(2, 0, {"GET", "/api/v3/klines"});  // the backfill after the drop meets 429s
      return "drop + 429 on backfill";
    case 4:
      mock.inject_rest_500(1, {"POST", "/api/v3/order"});
      return "500 before an order";
    case 5:
      mock.inject_rest_500_after(1, {"POST", "/api/v3/order"});  // taken, answer lost: query, never resend
      return "500 after an order";
    default:
      mock.inject_rest_delay(1, std::chrono::milliseconds(300), {"POST", "/api/v3/order"});
      return "slow order answer";
  }
}

TEST(LiveSoak, TwentyFourHoursOfThreePairsWithFaults) {
  testing::TempDir dir;
  ASSERT_TRUE(testing::register_models(dir.sub("registry"), {testing::momentum_lstm("BTCUSDT", 1),
                                                             testing::momentum_lstm("ETHUSDT", 2),
                                                             testing::momentum_lstm("BNBUSDT", 3)}));
  auto started = testing::start_pairs_mock(kPairs, kWarmup + 50 + kDayBars + 300, kWarmup + 50, 100'000.0, 21);
  ASSERT_TRUE(started.has_value()) << started.error();
  testing::MockBinance& mock = **started;

  Config config;
  config.log.level = "off";
  config.session.symbols = "BTCUSDT,ETHUSDT,BNBUSDT";
  config.execution.venue = "binance";
  config.live.rest_base = mock.rest_base();
  config.live.ws_base = mock.ws_base();
  config.live.warmup_bars = kWarmup;
  config.live.max_bars = kDayBars * static_cast<std::int64_t>(kPairs.size());
  config.live.http_port = -1;
  config.journal.durability = Durability::async;  // as `verity live --mode live`: synced before each order
  // The mock's clock runs a minute per bar tick, and an offset goes stale
  // after recvWindow of wall time: the widest Binance allows spares most
  // orders a -1021 and a resync.
  config.live.recv_window_ms = 60'000;
  config.risk.rate_limit_per_hour = 1'000;
  config.risk.rate_limit_high_per_hour = 1'000;
  config.risk.max_position_usd = 2'000;
  testing::use_momentum_lstms(config, dir.sub("registry"));

  auto opened = RocksDbStore::open(dir.sub("journal"), config.journal.durability);
  ASSERT_TRUE(opened.has_value()) << opened.error();
  RocksDbStore& store = **opened;
  BinanceFeed feed(config, std::chrono::milliseconds(400));
  BinanceGateway gateway(config, BinanceCredentials{Secret(testing::kMockApiKey), Secret(testing::kMockApiSecret)});

  const std::uint64_t pairs = kPairs.size();
  const std::uint64_t warm_total = pairs * kWarmup;
  struct Sample {
    std::uint64_t live_bars = 0, rss = 0, memtables = 0;
    std::uint64_t rest() const { return rss - std::min(rss, memtables); }
  };
  std::vector<Sample> rss;  // at the first live bar, at each fault, at the end
  auto sample = [&](std::uint64_t live) { rss.push_back({live, testing::resident_bytes(), store.memtable_bytes()}); };
  std::map<std::string, int> report_kinds;  // status/reason of the venue's answers
  std::vector<std::string> faults;
  std::uint64_t next_fault = kFaultEvery;
  LiveHooks hooks;
  hooks.on_status = [&](const LiveStatus& s) {  // the session's thread
    const std::uint64_t live = s.bars > warm_total ? (s.bars - warm_total) / pairs : 0;
    if (live == 0) return;
    if (rss.empty()) sample(live);
    if (live >= next_fault) {
      sample(live);
      faults.push_back(inject(mock, static_cast<int>(faults.size())));
      next_fault += kFaultEvery;
    }
  };
  // The warm-up trades nothing: risk refuses what the history signals.
  bool warming = false;
  std::uint64_t warm_orders = 0, warm_refusals = 0;
  hooks.observer = [&](const FramePtr& f) {
    if (f->kind() == Kind::CONTROL_COMMAND) {
      auto c = f->envelope().getPayload().getControlCommand();
      if (c.getCommand().isWarmUp()) warming = c.getCommand().getWarmUp();
    }
    if (warming && f->kind() == Kind::ORDER) ++warm_orders;
    if (f->kind() == Kind::RISK_DECISION &&
        f->envelope().getPayload().getRiskDecision().getReason() == schema::RejectReason::WARM_UP)
      ++warm_refusals;
    if (f->kind() != Kind::EXECUTION_REPORT || f->source() != ActorId::EXTERNAL) return;
    auto e = f->envelope().getPayload().getExecutionReport();
    std::string kind = std::to_string(static_cast<int>(e.getStatus()));
    if (e.getStatus() == schema::OrderStatus::REJECTED) kind += "/" + std::to_string(static_cast<int>(e.getRejectReason()));
    ++report_kinds[kind];
  };
  mock.run(std::chrono::milliseconds(8));
  auto r = run_live(config, store, feed, &gateway, "verity_tests soak", hooks);
  mock.pause();
  ASSERT_TRUE(r.has_value()) << r.error();
  // After the session: the journal flushed its memtables at close, and
  // what the flush allocated stays with the allocator. Printed, not judged.
  const std::uint64_t rss_after = testing::resident_bytes();

  EXPECT_EQ(r->stop_reason, "max_bars");
  EXPECT_EQ(warm_orders, 0u);
  EXPECT_GT(warm_refusals, 0u) << "the LSTMs signalled on history: the test says something about the warm-up";
  EXPECT_EQ(r->live_bars, static_cast<std::uint64_t>(config.live.max_bars));
  EXPECT_GE(faults.size(), static_cast<std::size_t>(kDayBars / kFaultEvery - 1)) << "a fault every 120 bars";
  const auto bars = testing::journaled_bars(store, r->session);
  for (const auto& p : kPairs) {
    ASSERT_TRUE(bars.count(p.symbol)) << p.symbol;
    // The bar limit counts the pairs together: each has nearly a day.
    EXPECT_EQ(testing::series_mismatch(mock, p.symbol, bars.at(p.symbol), kWarmup + kDayBars - 10), std::nullopt);
  }
  const auto stats = mock.stats();
  EXPECT_GT(r->orders_sent, 100u) << "the LSTMs traded through the day";
  // Every order reached the venue once; those it or the gateway refused
  // (status 4, rejected, whatever the reason) are in the answers.
  int refused = 0;
  for (const auto& [kind, n] : report_kinds)
    if (kind.starts_with("4/")) refused += n;
  EXPECT_EQ(stats.orders_created + static_cast<std::uint64_t>(refused), r->orders_sent);
  for (const auto& [client_id, n] : stats.orders_by_client_id) EXPECT_EQ(n, 1u) << client_id << " sent twice";
  EXPECT_EQ(stats.signature_failures, 0u);

  // Memory: flat after the first quarter of the day, once the journal's
  // memtables are set aside (they grow with the journal up to
  // write_buffer_size, 256 MiB, and are flushed then: bounded, by design).
  std::string table, answers;
  for (const Sample& x : rss)
    table += "  bar " + std::to_string(x.live_bars) + ": RSS " + std::to_string(x.rss / kMiB) + " MiB, memtables " +
             std::to_string(x.memtables / kMiB) + " MiB, the rest " + std::to_string(x.rest() / kMiB) + " MiB\n";
  for (const auto& [kind, n] : report_kinds) answers += " " + kind + ":" + std::to_string(n);
  std::printf("[soak] %llu live bars, %llu orders, %llu reports, %zu faults (%s ... %s), %.1f s\n[soak] answers (status/reason):%s\n[soak] memory (the rest: RSS less the journal's memtables):\n%s[soak] RSS after the session closed: %llu MiB\n",
              static_cast<unsigned long long>(r->live_bars), static_cast<unsigned long long>(r->orders_sent),
              static_cast<unsigned long long>(r->reports), faults.size(), faults.empty() ? "" : faults.front().c_str(),
              faults.empty() ? "" : faults.back().c_str(), r->elapsed_s, answers.c_str(), table.c_str(),
              static_cast<unsigned long long>(rss_after / kMiB));
  ASSERT_GE(rss.size(), 4u);
  std::uint64_t quarter = rss.front().rest();
  for (const Sample& x : rss)
    if (x.live_bars <= kDayBars / 4) quarter = x.rest();
  EXPECT_LT(rss.back().rest(), quarter + 8 * kMiB) << table;

  ReplayOptions options;
  options.registry_dir = dir.sub("registry");
  auto replay = replay_verify(store, r->session, options);
  ASSERT_TRUE(replay.has_value()) << replay.error();
  EXPECT_TRUE(replay->identical);
  EXPECT_EQ(replay->final_hash, r->final_hash);
}

}  // namespace
}  // namespace verity
