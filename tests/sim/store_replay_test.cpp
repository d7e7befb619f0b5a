// Replaying imported candles through the graph: several symbols merged by
// time in a fixed order, the data's content hashes in the manifest and the
// session id, and clear errors for what is not there.
#include <gtest/gtest.h>

#include "actors/execution/execution_metrics.hpp"
#include "actors/feed/candle_store.hpp"
#include "actors/runtime/calendar.hpp"
#include "actors/runtime/journal_reader.hpp"
#include "actors/runtime/memory_store.hpp"
#include "actors/runtime/prng.hpp"
#include "sim/sim_runner.hpp"
#include "tests/support/journals.hpp"
#include "tests/support/temp_dir.hpp"

namespace verity {
namespace {

constexpr std::int64_t kMinute = 60'000'000'000;
const std::int64_t kStart = *parse_iso8601_ns("2021-04-02T00:00:00Z");

/// A random walk of `n` 1-minute candles from `start`.
std::vector<Candle> walk(std::uint64_t seed, std::int64_t start, int n, double price) {
  Prng prng(seed);
  std::vector<Candle> out;
  for (int i = 0; i < n; ++i) {
    Candle c;
    c.open_time_ns = start + i * kMinute;
    c.open = price;
    price *= 1 + (prng.uniform01() - 0.5) * 0.004;
    c.close = price;
    c.high = std::max(c.open, c.close) * 1.0005;
    c.low = std::min(c.open, c.close) * 0.9995;
    c.volume = 1 + prng.uniform01();
    out.push_back(c);
  }
  return out;
}

class StoreReplay : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = CandleStore::open(dir_.sub("market"), false);
    ASSERT_TRUE(store.has_value()) << store.error();
    const auto btc = walk(1, kStart, 3'000, 58'000);
    // ETH starts 90 minutes later: the merge interleaves from there on.
    const auto eth = walk(2, kStart + 90 * kMinute, 2'500, 2'000);
    ASSERT_TRUE((*store)->put("BTCUSDT", Timeframe::m1, btc).has_value());
    ASSERT_TRUE((*store)->put("ETHUSDT", Timeframe::m1, eth).has_value());
  }

  Config config(const std::string& symbols) const {
    Config c;
    c.log.level = "off";
    c.session.source = "store";
    c.session.symbols = symbols;
    c.session.bars = 1'000'000;
    c.data.dir = dir_.sub("market");
    return c;
  }

  testing::TempDir dir_;
};

TEST_F(StoreReplay, MergesSymbolsByCloseTimeThenSymbolAndIsDeterministic) {
  MemoryStore journal;
  auto r = run_sim(config("ETHUSDT,BTCUSDT"), journal, "test");
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->bars, 5'500);

  // The inputs, in journal order: close times never go back, and at equal
  // close times BTCUSDT comes before ETHUSDT whatever order the config named.
  auto reader = testing::only_session(journal);
  ASSERT_TRUE(reader.has_value()) << reader.error();
  std::vector<std::pair<std::int64_t, std::string>> inputs;
  auto ok = reader->for_each(1, UINT64_MAX, [&](const FramePtr& f) {
    if (f->source() == ActorId::EXTERNAL && f->kind() == Kind::BAR) {
      auto b = f->envelope().getPayload().getBar();
      inputs.emplace_back(f->time_ns(), std::string(b.getSymbol().cStr()));
      EXPECT_EQ(f->time_ns(), b.getOpenTimeNs() + b.getIntervalNs());  // stamped at the close
    }
    return true;
  });
  ASSERT_TRUE(ok.has_value()) << ok.error().message();
  ASSERT_EQ(inputs.size(), 5'500u);
  EXPECT_TRUE(std::is_sorted(inputs.begin(), inputs.end()));
  EXPECT_EQ(inputs[90].second, "BTCUSDT");  // 90 BTC bars alone, then pairs
  EXPECT_EQ(inputs[91].first, inputs[90].first);
  EXPECT_EQ(inputs[91].second, "ETHUSDT");

  // The manifest names both series with their content hashes.
  const auto& sources = reader->manifest().data_sources;
  ASSERT_EQ(sources.size(), 3u);
  EXPECT_EQ(sources[0].name, "store:ETHUSDT/1m");
  EXPECT_EQ(sources[1].name, "store:BTCUSDT/1m");
  EXPECT_TRUE(sources[2].name.starts_with("execution-metrics:")) << sources[2].name;

  // Same config, same store: the same run.
  MemoryStore again;
  auto r2 = run_sim(config("ETHUSDT,BTCUSDT"), again, "test");
  ASSERT_TRUE(r2.has_value());
  EXPECT_EQ(r2->final_hash, r->final_hash);
  EXPECT_EQ(r2->session, r->session);
}

TEST_F(StoreReplay, DifferentDataIsADifferentSession) {
  MemoryStore first;
  auto a = run_sim(config("BTCUSDT"), first, "test");
  ASSERT_TRUE(a.has_value()) << a.error();
  {
    // Change one candle (overwrite), same symbol, same config.
    auto store = CandleStore::open(dir_.sub("market"), false);
    ASSERT_TRUE(store.has_value());
    auto one = walk(1, kStart, 1, 58'000);
    one[0].close = one[0].high;
    PutOptions overwrite;
    overwrite.overwrite = true;
    ASSERT_TRUE((*store)->put("BTCUSDT", Timeframe::m1, one, {}, overwrite).has_value());
  }
  MemoryStore second;
  auto b = run_sim(config("BTCUSDT"), second, "test");
  ASSERT_TRUE(b.has_value()) << b.error();
  EXPECT_NE(a->session, b->session);
  EXPECT_NE(a->final_hash, b->final_hash);
}

TEST_F(StoreReplay, FromAndToAndBarsBoundTheReplay) {
  Config c = config("BTCUSDT");
  c.session.from_ns = kStart + 100 * kMinute;
  c.session.to_ns = kStart + 400 * kMinute;
  MemoryStore journal;
  auto r = run_sim(c, journal, "test");
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->bars, 300);
  c.session.bars = 50;
  MemoryStore capped;
  EXPECT_EQ(run_sim(c, capped, "test")->bars, 50);
}

TEST_F(StoreReplay, MissingDataIsAClearError) {
  MemoryStore journal;
  auto missing = run_sim(config("BTCUSDT,SOLUSDT"), journal, "test");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().find("SOLUSDT/1m"), std::string::npos) << missing.error();
  EXPECT_NE(missing.error().find("verity data import"), std::string::npos) << missing.error();

  Config c = config("BTCUSDT");
  c.session.from_ns = *parse_iso8601_ns("2030-01-01");
  MemoryStore empty_range;
  auto none = run_sim(c, empty_range, "test");
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().find("between session.from and session.to"), std::string::npos) << none.error();

  Config bad = config("BTCUSDT,,ETHUSDT");
  MemoryStore j2;
  auto empty_item = run_sim(bad, j2, "test");
  ASSERT_FALSE(empty_item.has_value());
  EXPECT_NE(empty_item.error().find("empty item"), std::string::npos) << empty_item.error();

  Config nowhere = config("BTCUSDT");
  nowhere.data.dir = dir_.sub("nothing-here");
  MemoryStore j3;
  EXPECT_FALSE(run_sim(nowhere, j3, "test").has_value());
}

}  // namespace
}  // namespace verity

namespace verity {
namespace {

TEST(ExecutionMetricsSelection, TheSessionNamesTheVersionItRunsWith) {
  Config c;
  c.log.level = "off";
  c.session.bars = 50;
  MemoryStore journal;
  auto r = run_sim(c, journal, "test");
  ASSERT_TRUE(r.has_value()) << r.error();
  auto reader = JournalReader::open(journal, r->session);
  ASSERT_TRUE(reader.has_value());
  bool named = false;
  for (const auto& d : reader->manifest().data_sources) named = named || d.name.starts_with("execution-metrics:");
  EXPECT_TRUE(named);

  // Naming the version "latest" points at runs on the same metrics (the same
  // data source, by content hash) to the same outcome. The config text
  // differs, so it is another session id, as any config change is.
  auto versions = list_metrics_versions(VERITY_SOURCE_DIR "/scenarios/execution");
  ASSERT_FALSE(versions.empty());
  c.execution.metrics = versions.back();
  MemoryStore pinned;
  auto same = run_sim(c, pinned, "test");
  ASSERT_TRUE(same.has_value()) << same.error();
  EXPECT_EQ(same->messages, r->messages);
  EXPECT_EQ(same->equity_end_usd, r->equity_end_usd);
  auto pinned_reader = JournalReader::open(pinned, same->session);
  ASSERT_TRUE(pinned_reader.has_value());
  EXPECT_EQ(pinned_reader->manifest().data_sources.back().name, reader->manifest().data_sources.back().name);
  EXPECT_EQ(pinned_reader->manifest().data_sources.back().hash, reader->manifest().data_sources.back().hash);
}

TEST(ExecutionMetricsSelection, AnUnknownVersionIsAnErrorNamingTheVersionsThereAre) {
  Config c;
  c.log.level = "off";
  c.session.bars = 10;
  c.execution.metrics = "1999-01-01.1";
  MemoryStore journal;
  auto r = run_sim(c, journal, "test");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("1999-01-01.1"), std::string::npos) << r.error();
  const auto versions = list_metrics_versions(VERITY_SOURCE_DIR "/scenarios/execution");
  ASSERT_FALSE(versions.empty());
  EXPECT_NE(r.error().find(versions.front()), std::string::npos) << r.error();
}

}  // namespace
}  // namespace verity
