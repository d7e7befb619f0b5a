// Feature set 2 as a whole: the streaming FeatureEngine equals the batch
// definitions bit for bit (generated and real data), every column warms up
// when docs/FEATURES.md says, the session calendar follows the London and
// New York DST rules, and the multi-timeframe columns only move when a
// bucket has closed.
#include "actors/features/indicators.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <set>
#include <string>

#include "actors/features/features_batch.hpp"
#include "actors/runtime/calendar.hpp"
#include "actors/runtime/config.hpp"
#include "tests/support/candles.hpp"

namespace verity {
namespace {

using testing::load_shared_bars;
using testing::random_minute_bars;

constexpr std::int64_t kMinuteNs = 60'000'000'000;

std::uint64_t bits(double v) { return std::bit_cast<std::uint64_t>(v); }

std::vector<FeatureRow> stream(const std::vector<BarData>& bars, const FeaturesConfig& config) {
  FeatureEngine engine(config);
  std::vector<FeatureRow> rows;
  rows.reserve(bars.size());
  for (const auto& b : bars) rows.push_back(engine.update(b));
  return rows;
}

/// Every column of every row, bit for bit (NaN included), and `ready`.
::testing::AssertionResult same_bits(const std::vector<FeatureRow>& a, const std::vector<FeatureRow>& b) {
  if (a.size() != b.size()) return ::testing::AssertionFailure() << a.size() << " rows against " << b.size();
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (const auto& col : kFeatureColumns) {
      const double x = a[i].*col.member, y = b[i].*col.member;
      if (bits(x) != bits(y)) {
        return ::testing::AssertionFailure() << "row " << i << ", column " << col.name << ": " << x << " against "
                                             << y << " (bits " << std::hex << bits(x) << " / " << bits(y) << ")";
      }
    }
    if (a[i].ready != b[i].ready) return ::testing::AssertionFailure() << "row " << i << ": ready differs";
  }
  return ::testing::AssertionSuccess();
}

/// Small periods, so blocks turn over many times and every column, the
/// hourly ones included, warms up within a few thousand bars.
FeaturesConfig small_config() {
  FeaturesConfig c;
  c.ema_fast = 5;
  c.ema_slow = 13;
  c.sma = 7;
  c.atr = 4;
  c.rsi = 6;
  c.macd_fast = 3;
  c.macd_slow = 8;
  c.macd_signal = 4;
  c.bollinger = 9;
  c.bollinger_k = 1.5;
  c.volatility = 11;
  c.momentum = 3;
  c.volume_z = 6;
  c.regime_window = 50;
  return c;
}

TEST(Features, ColumnsAreUniqueAndLookedUpByName) {
  std::set<std::string_view> names;
  for (const auto& col : kFeatureColumns) EXPECT_TRUE(names.insert(col.name).second) << col.name;
  EXPECT_EQ(kFeatureCount, 29u);
  for (std::size_t i = 0; i < kFeatureCount; ++i) EXPECT_EQ(feature_index(kFeatureColumns[i].name), i);
  // The baseline strategy's inputs.
  for (const char* name : {"close", "ema_fast", "ema_slow", "atr"}) EXPECT_TRUE(feature_index(name)) << name;
  EXPECT_FALSE(feature_index("no_such_column"));
  FeatureRow row;
  row.atr = 3.5;
  double values[kFeatureCount];
  feature_values(row, values);
  EXPECT_EQ(values[*feature_index("atr")], 3.5);
}

TEST(Features, StreamingEqualsBatchBitForBitOnGeneratedBars) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const auto bars = random_minute_bars(seed, 6'000, 0.003);
    for (const FeaturesConfig& config : {small_config(), FeaturesConfig{}}) {
      const auto streamed = stream(bars, config);
      ASSERT_TRUE(same_bits(compute_features_batch(bars, config), streamed)) << "seed " << seed;
    }
    EXPECT_TRUE(stream(bars, small_config()).back().ready);
  }
}

TEST(Features, StreamingEqualsBatchBitForBitOnRealData) {
  int checked = 0;
  for (const char* file : {testing::kBtc2021, testing::kBnb2021, testing::kFtx2022}) {
    std::string why;
    const auto bars = load_shared_bars(file, "X", why);
    if (!bars) {
      std::cout << "[  NOTE    ] not checked: " << why << std::endl;
      continue;
    }
    const FeaturesConfig config;
    ASSERT_TRUE(same_bits(compute_features_batch(*bars, config), stream(*bars, config))) << file;
    ++checked;
  }
  if (checked == 0) GTEST_SKIP() << "no shared real data under " << testing::shared_data_dir();
}

TEST(Features, EveryColumnWarmsUpWhenDocumented) {
  // Without gaps, the first defined row of each bar-counted column is its
  // documented warm-up; the hourly columns warm up after their buckets.
  for (const FeaturesConfig& config : {small_config(), FeaturesConfig{}}) {
    const auto bars = random_minute_bars(9, 5'000, 0.0);
    const auto rows = stream(bars, config);
    for (std::size_t c = 0; c < kFeatureCount; ++c) {
      const auto& col = kFeatureColumns[c];
      std::size_t first = rows.size();
      for (std::size_t i = 0; i < rows.size(); ++i) {
        if (!std::isnan(rows[i].*col.member)) {
          first = i;
          break;
        }
      }
      // Once defined, a column stays defined.
      for (std::size_t i = first; i < rows.size(); ++i) ASSERT_FALSE(std::isnan(rows[i].*col.member)) << col.name;
      if (auto warmup = feature_warmup_bars(c, config)) {
        EXPECT_EQ(static_cast<std::int64_t>(first), *warmup) << col.name;
      }
    }
  }
}

TEST(Features, HourlyColumnsWarmUpAfterTheirBuckets) {
  // From 00:00 UTC, the 1h RSI needs rsi + 1 closed hours: it appears on the
  // bar that closes hour rsi + 1, and the slope on the one closing hour
  // ema_fast + 1.
  const FeaturesConfig config = small_config();
  const auto bars = random_minute_bars(10, 2'000, 0.0);
  const auto rows = stream(bars, config);
  const std::size_t rsi_row = static_cast<std::size_t>((config.rsi + 1) * 60 - 1);
  const std::size_t slope_row = static_cast<std::size_t>((config.ema_fast + 1) * 60 - 1);
  EXPECT_TRUE(std::isnan(rows[rsi_row - 1].rsi_1h));
  EXPECT_FALSE(std::isnan(rows[rsi_row].rsi_1h));
  EXPECT_TRUE(std::isnan(rows[slope_row - 1].ema_slope_1h));
  EXPECT_FALSE(std::isnan(rows[slope_row].ema_slope_1h));
  const std::size_t rsi15_row = static_cast<std::size_t>((config.rsi + 1) * 15 - 1);
  EXPECT_TRUE(std::isnan(rows[rsi15_row - 1].rsi_15m));
  EXPECT_FALSE(std::isnan(rows[rsi15_row].rsi_15m));
}

TEST(Features, ReadyIsEveryColumnWarmAndNeverGoesBack) {
  const auto bars = random_minute_bars(12, 4'000, 0.005);
  const auto rows = stream(bars, small_config());
  bool seen = false;
  for (const auto& r : rows) {
    bool all = true;
    for (const auto& col : kFeatureColumns) all = all && !std::isnan(r.*col.member);
    if (seen) {
      ASSERT_TRUE(r.ready);
    }
    ASSERT_EQ(r.ready, all || seen);
    seen = seen || r.ready;
  }
  EXPECT_TRUE(seen);
}

TEST(Features, HigherTimeframeColumnsChangeOnlyWhenABucketCloses) {
  const auto bars = random_minute_bars(13, 8'000, 0.004);
  const auto rows = stream(bars, small_config());
  for (std::size_t i = 1; i < rows.size(); ++i) {
    for (std::int64_t len : {kHtf15mNs, kHtf1hNs}) {
      const bool closes_bucket = (bars[i].open_time_ns + kMinuteNs) % len == 0;
      const bool new_bucket = bars[i].open_time_ns / len != bars[i - 1].open_time_ns / len;
      const double now = len == kHtf1hNs ? rows[i].rsi_1h : rows[i].rsi_15m;
      const double before = len == kHtf1hNs ? rows[i - 1].rsi_1h : rows[i - 1].rsi_15m;
      if (!closes_bucket && !new_bucket) {
        ASSERT_EQ(bits(now), bits(before)) << "row " << i << " moved inside a bucket";
      }
    }
  }
}

TEST(CausalResampler, HandsOutBucketsWhenTheyCloseOrAfterAGap) {
  CausalResampler r(15 * kMinuteNs);
  HtfBar out[2];
  auto bar = [](std::int64_t minute, double close) {
    BarData b;
    b.open_time_ns = minute * kMinuteNs;
    b.interval_ns = kMinuteNs;
    b.open = b.high = b.low = b.close = close;
    b.high += 1;
    b.volume = 1;
    return b;
  };
  for (std::int64_t m = 0; m < 14; ++m) ASSERT_EQ(r.update(bar(m, 100 + m), out), 0) << m;
  ASSERT_EQ(r.update(bar(14, 200), out), 1);  // closes at 00:15
  EXPECT_EQ(out[0].start_ns, 0);
  EXPECT_EQ(out[0].open, 100);
  EXPECT_EQ(out[0].close, 200);
  EXPECT_EQ(out[0].high, 201);
  EXPECT_EQ(out[0].bars, 15u);
  EXPECT_FALSE(out[0].partial);
  // 00:15..00:19, then a gap to 00:47: the 00:15 bucket is handed out, partial,
  // when the 00:45 bucket's first bar arrives.
  for (std::int64_t m = 15; m < 20; ++m) ASSERT_EQ(r.update(bar(m, 300), out), 0);
  ASSERT_EQ(r.update(bar(47, 400), out), 0 + 1);
  EXPECT_EQ(out[0].start_ns, 15 * kMinuteNs);
  EXPECT_EQ(out[0].bars, 5u);
  EXPECT_TRUE(out[0].partial);
  // A bar that both follows a gap and closes its own bucket hands out two.
  ASSERT_EQ(r.update(bar(74, 500), out), 2);
  EXPECT_EQ(out[0].start_ns, 45 * kMinuteNs);
  EXPECT_EQ(out[1].start_ns, 60 * kMinuteNs);
  EXPECT_EQ(out[1].close, 500);
  EXPECT_TRUE(out[1].partial);
}

// --- the session calendar --------------------------------------------------------

std::int64_t at(const char* iso) {
  auto t = parse_iso8601_ns(iso);
  EXPECT_TRUE(t.has_value()) << iso;
  return t.value_or(0);
}

TEST(Sessions, LondonAndNewYorkSummerTimeSwitchAtTheirInstants) {
  const auto s = [](const char* iso) { return at(iso) / 1'000'000'000; };
  EXPECT_FALSE(london_is_summer_time(s("2021-03-28T00:59:59Z")));
  EXPECT_TRUE(london_is_summer_time(s("2021-03-28T01:00:00Z")));
  EXPECT_TRUE(london_is_summer_time(s("2021-10-31T00:59:59Z")));
  EXPECT_FALSE(london_is_summer_time(s("2021-10-31T01:00:00Z")));
  // Second Sunday of March, first Sunday of November: 2021-03-14, 2021-11-07.
  EXPECT_FALSE(new_york_is_summer_time(s("2021-03-14T06:59:59Z")));
  EXPECT_TRUE(new_york_is_summer_time(s("2021-03-14T07:00:00Z")));
  EXPECT_TRUE(new_york_is_summer_time(s("2021-11-07T05:59:59Z")));
  EXPECT_FALSE(new_york_is_summer_time(s("2021-11-07T06:00:00Z")));
  // 2024: March 10 (the 1st is a Friday) and November 3 (the 1st is a Friday).
  EXPECT_FALSE(new_york_is_summer_time(s("2024-03-10T06:59:59Z")));
  EXPECT_TRUE(new_york_is_summer_time(s("2024-03-10T07:00:00Z")));
  EXPECT_TRUE(new_york_is_summer_time(s("2024-11-03T05:59:59Z")));
  EXPECT_FALSE(new_york_is_summer_time(s("2024-11-03T06:00:00Z")));
  // 2026: March 8 (the 1st is a Sunday: the second Sunday is the 8th), November 1.
  EXPECT_FALSE(new_york_is_summer_time(s("2026-03-08T06:59:59Z")));
  EXPECT_TRUE(new_york_is_summer_time(s("2026-03-08T07:00:00Z")));
  EXPECT_TRUE(new_york_is_summer_time(s("2026-11-01T05:59:59Z")));
  EXPECT_FALSE(new_york_is_summer_time(s("2026-11-01T06:00:00Z")));
  EXPECT_FALSE(new_york_is_summer_time(s("2026-01-15T12:00:00Z")));
  EXPECT_TRUE(new_york_is_summer_time(s("2026-07-15T12:00:00Z")));
}

TEST(Sessions, OpenHoursFollowLocalTime) {
  struct Case {
    const char* iso;
    bool tokyo, london, new_york;
  };
  const Case cases[] = {
      // Monday 2021-03-08: all on winter time. London 08-17 UTC, New York 13-22 UTC.
      {"2021-03-08T00:00:00Z", true, false, false},
      {"2021-03-08T07:59:59Z", true, false, false},
      {"2021-03-08T08:00:00Z", true, true, false},
      {"2021-03-08T09:00:00Z", false, true, false},
      {"2021-03-08T12:59:00Z", false, true, false},
      {"2021-03-08T13:00:00Z", false, true, true},
      {"2021-03-08T17:00:00Z", false, false, true},
      {"2021-03-08T21:59:00Z", false, false, true},
      {"2021-03-08T22:00:00Z", false, false, false},
      // Monday 2021-03-15: New York on EDT (12-21 UTC), London still on GMT.
      {"2021-03-15T12:00:00Z", false, true, true},
      {"2021-03-15T21:00:00Z", false, false, false},
      {"2021-03-15T07:00:00Z", true, false, false},
      // Monday 2021-03-29: London on BST too (07-16 UTC).
      {"2021-03-29T07:00:00Z", true, true, false},
      {"2021-03-29T16:00:00Z", false, false, true},
      // Monday 2021-11-01: London back on GMT, New York still on EDT.
      {"2021-11-01T07:00:00Z", true, false, false},
      {"2021-11-01T16:30:00Z", false, true, true},
      {"2021-11-01T21:00:00Z", false, false, false},
      // Monday 2021-11-08: both on winter time.
      {"2021-11-08T12:00:00Z", false, true, false},
      {"2021-11-08T21:30:00Z", false, false, true},
      // Weekends, by each city's local day: Sunday 23:00 UTC is Monday 08:00 in
      // Tokyo (closed until 09:00); Friday 21:30 UTC is still Friday in New York.
      {"2021-03-07T23:00:00Z", false, false, false},
      {"2021-03-12T21:30:00Z", false, false, true},
      {"2021-03-13T00:30:00Z", false, false, false},
      {"2021-03-13T10:00:00Z", false, false, false},
  };
  for (const Case& c : cases) {
    const SessionFlags f = session_flags_at(at(c.iso));
    EXPECT_EQ(f.tokyo, c.tokyo) << c.iso;
    EXPECT_EQ(f.london, c.london) << c.iso;
    EXPECT_EQ(f.new_york, c.new_york) << c.iso;
  }
  EXPECT_EQ(session_flags_at(at("2021-04-02T13:45:00Z")).day_of_week, 4);  // a Friday
  EXPECT_EQ(session_flags_at(at("2021-04-04T23:59:00Z")).day_of_week, 6);  // a Sunday
  EXPECT_EQ(session_flags_at(at("2021-04-05T00:00:00Z")).day_of_week, 0);  // a Monday
  EXPECT_EQ(session_flags_at(at("2021-04-02T13:45:00Z")).hour_utc, 13);
}

TEST(Sessions, TheHourlyCacheGivesTheSameFlagsAsTheDirectRule) {
  // Every minute of 2021 and of 2024's switch months, through both DST pairs.
  SessionClock clock;
  auto check = [&](std::int64_t from, std::int64_t to) {
    for (std::int64_t t = from; t < to; t += kMinuteNs) {
      const SessionFlags direct = session_flags_at(t), cached = clock.at(t);
      ASSERT_EQ(direct.tokyo, cached.tokyo) << format_iso8601_ms(t);
      ASSERT_EQ(direct.london, cached.london) << format_iso8601_ms(t);
      ASSERT_EQ(direct.new_york, cached.new_york) << format_iso8601_ms(t);
      ASSERT_EQ(direct.day_of_week, cached.day_of_week) << format_iso8601_ms(t);
      ASSERT_EQ(direct.hour_utc, cached.hour_utc) << format_iso8601_ms(t);
    }
  };
  check(at("2021-01-01T00:00:00Z"), at("2022-01-01T00:00:00Z"));
  check(at("2024-03-01T00:00:00Z"), at("2024-04-01T00:00:00Z"));
  check(at("2024-10-25T00:00:00Z"), at("2024-11-10T00:00:00Z"));
}

}  // namespace
}  // namespace verity
