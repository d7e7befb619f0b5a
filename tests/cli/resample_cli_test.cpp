// `verity data resample` end to end: import 1m candles with a repaired gap,
// resample to 1h, check what the store then holds, and replay it.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "actors/feed/candle_store.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace verity {
namespace {

constexpr std::int64_t kStartMs = 1'704'067'200'000;  // 2024-01-01T00:00:00Z

/// 150 one-minute candles from 00:00 with minutes 70..79 missing.
std::string write_candles(const testing::TempDir& dir) {
  nlohmann::json rows = nlohmann::json::array();
  double price = 100;
  for (int m = 0; m < 150; ++m) {
    if (m >= 70 && m < 80) continue;
    const double open = price;
    price += (m % 7) - 3;
    rows.push_back({kStartMs + m * 60'000LL, open, std::max(open, price) + 1, std::min(open, price) - 1, price, 2.0});
  }
  const std::string path = dir.sub("c.json");
  std::ofstream(path) << rows.dump();
  return path;
}

TEST(DataResampleCli, ImportsResamplesAndReplays) {
  testing::TempDir dir;
  const std::string data = dir.sub("market");
  const auto file = write_candles(dir);
  const auto import = testing::run_verity("data import " + file + " --symbol TEST --policy repair --data " + data);
  ASSERT_EQ(import.exit_code, 0) << import.err << import.out;

  const auto r = testing::run_verity("data resample --symbol TEST --to 1h --data " + data);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("3 candles from 150"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 partial"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 with synthetic minutes"), std::string::npos) << r.out;

  auto store = CandleStore::open(data, /*read_only=*/true);
  ASSERT_TRUE(store.has_value()) << store.error();
  std::vector<Candle> hours;
  ASSERT_TRUE((*store)->scan("TEST", Timeframe::h1, INT64_MIN, INT64_MAX, [&](const Candle& c) {
    hours.push_back(c);
    return true;
  }));
  ASSERT_EQ(hours.size(), 3u);
  EXPECT_EQ(hours[0].open_time_ns, kStartMs * 1'000'000);
  EXPECT_EQ(hours[0].flags, 0u);                // 60 real minutes
  EXPECT_EQ(hours[1].flags, kCandleSynthetic);  // holds the 10 repaired minutes
  EXPECT_EQ(hours[2].flags, kCandlePartial);    // 02:00-02:29 only
  EXPECT_DOUBLE_EQ(hours[0].volume, 120.0);

  // Again: nothing changes.
  const auto again = testing::run_verity("data resample --symbol TEST --to 1h --data " + data);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("0 new, 3 unchanged"), std::string::npos) << again.out;

  // The hourly series replays through the graph.
  const auto sim = testing::run_verity("sim --source store --symbols TEST --timeframe 1h --data " + data +
                                       " --journal " + dir.sub("j") + " --log-level off");
  ASSERT_EQ(sim.exit_code, 0) << sim.err;
  EXPECT_EQ(nlohmann::json::parse(sim.last_line())["bars"], 3);
}

TEST(DataResampleCli, BadArgumentsAreClearErrors) {
  testing::TempDir dir;
  const std::string data = dir.sub("market");
  auto shorter = testing::run_verity("data resample --symbol X --from 1h --to 5m --data " + data);
  EXPECT_EQ(shorter.exit_code, 2);
  EXPECT_NE(shorter.err.find("longer, whole multiple"), std::string::npos) << shorter.err;
  auto unknown = testing::run_verity("data resample --symbol X --to 2h --data " + data);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("--to 2h"), std::string::npos) << unknown.err;
  auto nothing = testing::run_verity("data resample --symbol X --to 1h --data " + data);
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_NE(nothing.err.find("import them first"), std::string::npos) << nothing.err;
}

}  // namespace
}  // namespace verity
