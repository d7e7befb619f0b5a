// StressedBarSource (sim/stress.hpp, docs/STRESS.md) on hand-made bar
// streams: each bar-side event with numbers worked by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "actors/runtime/prng.hpp"
#include "sim/bar_source.hpp"
#include "sim/stress.hpp"

namespace verity {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kDay = 1440 * kMinute;
constexpr std::int64_t kMon20240101 = 1'704'067'200 * kSecond;  // a Monday, 00:00 UTC
constexpr std::int64_t kFri20240105 = kMon20240101 + 4 * kDay;

/// 0 = Monday ... 6 = Sunday, UTC (1970-01-01 was a Thursday).
int weekday(std::int64_t t_ns) { return static_cast<int>((t_ns / kDay + 3) % 7); }

/// `count` bars of `interval` from `start`, open and close from `price(i)`
/// (open of bar i = close of bar i-1), high/low 0.1% beyond them.
template <class Price>
std::vector<BarData> bars_of(const std::string& symbol, std::int64_t start, std::int64_t interval, int count,
                             Price price) {
  std::vector<BarData> out;
  for (int i = 0; i < count; ++i) {
    BarData b;
    b.symbol = symbol;
    b.open_time_ns = start + i * interval;
    b.interval_ns = interval;
    b.open = price(i);
    b.close = price(i + 1);
    b.high = std::max(b.open, b.close) * 1.001;
    b.low = std::min(b.open, b.close) * 0.999;
    b.volume = 1 + i % 7;
    out.push_back(b);
  }
  return out;
}

std::vector<BarData> flat(int count, std::int64_t start = kMon20240101, std::int64_t interval = kMinute) {
  return bars_of("BTCUSDT", start, interval, count, [](int) { return 100.0; });
}

/// A wavy path that goes up and down, so returns have both signs.
std::vector<BarData> wavy(const std::string& symbol, double level, int count, std::int64_t start = kMon20240101) {
  return bars_of(symbol, start, kMinute, count,
                 [level](int i) { return level * (1.0 + 0.01 * std::sin(0.7 * i) + 0.0005 * i); });
}

struct Stressed {
  std::vector<BarData> bars;
  std::uint64_t dropped = 0;
  std::string describe;
};

Stressed run(std::vector<BarData> in, const StressConfig& c, std::uint64_t seed = 1, std::int64_t span_minutes = -1) {
  if (span_minutes < 0) span_minutes = static_cast<std::int64_t>(in.size());
  StressedBarSource s(std::make_unique<VectorBarSource>(std::move(in), "vec"), c, Prng(seed), span_minutes);
  Stressed r;
  while (auto b = s.next()) r.bars.push_back(*b);
  r.dropped = s.dropped();
  r.describe = s.describe();
  return r;
}

std::unique_ptr<BarSource> merged(std::vector<std::vector<BarData>> all) {
  std::vector<std::unique_ptr<BarSource>> sources;
  for (auto& bars : all) sources.push_back(std::make_unique<VectorBarSource>(std::move(bars), "vec"));
  return std::make_unique<MergedBarSource>(std::move(sources));
}

/// Every bar: low <= open, close <= high, prices positive and finite, open
/// times strictly increasing per symbol.
void expect_well_formed(const std::vector<BarData>& bars) {
  std::map<std::string, std::int64_t> last;
  for (const BarData& b : bars) {
    for (double x : {b.open, b.high, b.low, b.close}) {
      EXPECT_TRUE(std::isfinite(x) && x > 0) << b.open_time_ns << ": " << x;
    }
    EXPECT_LE(b.low, std::min(b.open, b.close)) << b.open_time_ns;
    EXPECT_GE(b.high, std::max(b.open, b.close)) << b.open_time_ns;
    if (last.contains(b.symbol)) {
      EXPECT_GT(b.open_time_ns, last[b.symbol]);
    }
    last[b.symbol] = b.open_time_ns;
  }
}

void expect_rel(double got, double want, double tol = 1e-12) {
  EXPECT_NEAR(got / want, 1.0, tol) << "got " << got << ", want " << want;
}

bool same_bar(const BarData& a, const BarData& b) {
  return a.symbol == b.symbol && a.open_time_ns == b.open_time_ns && a.interval_ns == b.interval_ns &&
         a.open == b.open && a.high == b.high && a.low == b.low && a.close == b.close && a.volume == b.volume;
}

// ---- has_bar_stress --------------------------------------------------------

TEST(StressConfigKeys, HasBarStressForEachBarSideKey) {
  StressConfig c;
  EXPECT_FALSE(has_bar_stress(c));
  auto with = [](auto set) {
    StressConfig s;
    set(s);
    return has_bar_stress(s);
  };
  EXPECT_TRUE(with([](StressConfig& s) { s.flash_crash_at_min = 0; }));
  EXPECT_TRUE(with([](StressConfig& s) { s.vol_spike_at_min = 0; }));
  EXPECT_TRUE(with([](StressConfig& s) { s.outage_at_min = 0; }));
  EXPECT_TRUE(with([](StressConfig& s) { s.feed_gaps = 1; }));
  EXPECT_TRUE(with([](StressConfig& s) { s.weekend_gap_pct = 0.5; }));
  // Venue-side events and the lengths of events that are off change no bar.
  EXPECT_FALSE(with([](StressConfig& s) { s.latency_spike_at_min = 0; }));
  EXPECT_FALSE(with([](StressConfig& s) { s.reject_storm_at_min = 0; }));
  EXPECT_FALSE(with([](StressConfig& s) {
    s.flash_crash_minutes = 9;
    s.vol_spike_factor = 3;
    s.outage_minutes = 5;
    s.feed_gap_minutes = 5;
  }));
}

TEST(StressedBarSource, WithEverythingOffTheBarsPassUnchanged) {
  const auto in = wavy("BTCUSDT", 100, 300);
  const Stressed r = run(in, StressConfig{});
  ASSERT_EQ(r.bars.size(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) EXPECT_TRUE(same_bar(r.bars[i], in[i])) << i;
  EXPECT_EQ(r.dropped, 0u);
  EXPECT_EQ(r.describe, "vec +stress");
}

// ---- flash crash -----------------------------------------------------------

StressConfig flash(std::int64_t at, double drop = 20, std::int64_t fall = 5, std::int64_t rise = 60) {
  StressConfig c;
  c.flash_crash_at_min = at;
  c.flash_crash_drop_pct = drop;
  c.flash_crash_minutes = fall;
  c.flash_crash_recovery_minutes = rise;
  return c;
}

TEST(StressFlashCrash, FallsLinearlyInLogPriceThenRecovers) {
  const auto in = flat(200);
  const Stressed r = run(in, flash(50));
  ASSERT_EQ(r.bars.size(), 200u);
  EXPECT_EQ(r.dropped, 0u);
  expect_well_formed(r.bars);
  // Before the crash (bar 49 closes at minute 50, where it starts): untouched.
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(same_bar(r.bars[i], in[i])) << i;
  // The fall: the close of bar i (minute i + 1) is 100 x 0.8^((i + 1 - 50) / 5).
  for (int i = 50; i < 55; ++i) {
    expect_rel(r.bars[i].open, 100 * std::pow(0.8, (i - 50) / 5.0));
    expect_rel(r.bars[i].close, 100 * std::pow(0.8, (i + 1 - 50) / 5.0));
  }
  expect_rel(r.bars[54].close, 80.0);  // minute at + 5: exactly the drop
  expect_rel(r.bars[55].open, 80.0);
  // The recovery: rises back over 60 minutes, 0.8^(1 - (m - 55) / 60).
  for (int i = 55; i < 115; ++i) {
    expect_rel(r.bars[i].close, 100 * std::pow(0.8, 1.0 - (i + 1 - 55) / 60.0));
    EXPECT_GT(r.bars[i].close, r.bars[i].open) << i;
  }
  EXPECT_EQ(r.bars[114].close, 100.0);  // minute at + 65
  // From at + 65 on: the original bars.
  for (int i = 115; i < 200; ++i) EXPECT_TRUE(same_bar(r.bars[i], in[i])) << i;
  // Ranges hold the moved open and close: the low of a falling bar is at
  // most its close, the high of a rising one at least its close.
  for (int i = 50; i < 115; ++i) {
    EXPECT_LE(r.bars[i].low, std::min(r.bars[i].open, r.bars[i].close)) << i;
    EXPECT_GE(r.bars[i].high, std::max(r.bars[i].open, r.bars[i].close)) << i;
  }
  // Bar 50 (minute at): open 100 x 1, close 100 x 0.8^0.2; high = 100.1 x 1, low = 99.9 x 0.8^0.2.
  expect_rel(r.bars[50].high, 100.1);
  expect_rel(r.bars[50].low, 99.9 * std::pow(0.8, 0.2));
}

TEST(StressFlashCrash, HalfwayThroughTheFallIsTheSquareRootOfTheDrop) {
  // 30-second bars put an open at at + 2.5 minutes.
  const auto in = flat(400, kMon20240101, 30 * kSecond);
  const Stressed r = run(in, flash(50));
  ASSERT_EQ(r.bars.size(), 400u);
  expect_well_formed(r.bars);
  expect_rel(r.bars[105].open, 100 * std::sqrt(0.8));  // minute 52.5
  expect_rel(r.bars[109].close, 80.0);                 // minute 55
  // Halfway through the recovery (minute 85): 0.8^0.5 again, on the way up.
  expect_rel(r.bars[170].open, 100 * std::sqrt(0.8));
  // A 10-minute fall on 1-minute bars: the close at at + 5 is 0.8^0.5 x.
  const Stressed ten = run(flat(200), flash(50, 20, 10, 60));
  expect_rel(ten.bars[54].close, 100 * std::sqrt(0.8));
  expect_rel(ten.bars[59].close, 80.0);
}

TEST(StressFlashCrash, ABarThatSpansTheBottomReachesItWithItsLow) {
  // One-hour bars; the crash starts 30 minutes into bar 1 and bottoms at
  // minute 95, inside it: the low must reach 0.8x, not only the ends' factors.
  const auto in = flat(10, kMon20240101, 60 * kMinute);
  const Stressed r = run(in, flash(90));
  ASSERT_EQ(r.bars.size(), 10u);
  expect_well_formed(r.bars);
  EXPECT_TRUE(same_bar(r.bars[0], in[0]));
  expect_rel(r.bars[1].open, 100.0);
  expect_rel(r.bars[1].close, 100 * std::pow(0.8, 1.0 - 25.0 / 60.0));  // minute 120
  expect_rel(r.bars[1].low, 99.9 * 0.8);
  expect_rel(r.bars[1].high, 100.1);
  expect_rel(r.bars[2].open, r.bars[1].close);
  EXPECT_EQ(r.bars[2].close, 100.0);  // minute 180 > 90 + 65
  // The bottom exactly at a bar's edge is the end's factor, nothing lower.
  const Stressed edge = run(flat(10, kMon20240101, 5 * kMinute), flash(10));
  expect_rel(edge.bars[2].close, 80.0);
  expect_rel(edge.bars[2].low, 99.9 * 0.8);
  expect_rel(edge.bars[3].open, 80.0);
  expect_rel(edge.bars[3].low, 99.9 * 0.8);
}

// ---- volatility spike ------------------------------------------------------

StressConfig vol(std::int64_t at, double factor, std::int64_t minutes) {
  StressConfig c;
  c.vol_spike_at_min = at;
  c.vol_spike_factor = factor;
  c.vol_spike_minutes = minutes;
  return c;
}

TEST(StressVolSpike, ReturnsFromTheAnchorAndRangesScaleByTheFactor) {
  const auto in = wavy("BTCUSDT", 100, 120);
  const Stressed r = run(in, vol(10, 5, 40));
  ASSERT_EQ(r.bars.size(), 120u);
  expect_well_formed(r.bars);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(same_bar(r.bars[i], in[i])) << i;
  const double anchor = in[10].open;
  expect_rel(r.bars[10].open, anchor);  // the spike's first open stays put
  for (int i = 10; i < 50; ++i) {
    const BarData &o = in[i], &s = r.bars[i];
    EXPECT_NEAR(std::log(s.open / anchor), 5 * std::log(o.open / anchor), 1e-12) << i;
    EXPECT_NEAR(std::log(s.high / anchor), 5 * std::log(o.high / anchor), 1e-12) << i;
    EXPECT_NEAR(std::log(s.low / anchor), 5 * std::log(o.low / anchor), 1e-12) << i;
    EXPECT_NEAR(std::log(s.close / anchor), 5 * std::log(o.close / anchor), 1e-12) << i;
    // Each bar's range and return, in log terms, are 5x the original's.
    EXPECT_NEAR(std::log(s.high / s.low), 5 * std::log(o.high / o.low), 1e-12) << i;
    EXPECT_NEAR(std::log(s.close / s.open), 5 * std::log(o.close / o.open), 1e-12) << i;
  }
  // After the window the last level carries on: original x a constant ratio.
  const double ratio = r.bars[49].close / in[49].close;
  EXPECT_NE(ratio, 1.0);
  for (int i = 50; i < 120; ++i) {
    expect_rel(r.bars[i].open, in[i].open * ratio);
    expect_rel(r.bars[i].high, in[i].high * ratio);
    expect_rel(r.bars[i].low, in[i].low * ratio);
    expect_rel(r.bars[i].close, in[i].close * ratio);
    EXPECT_EQ(r.bars[i].volume, in[i].volume);
  }
  expect_rel(r.bars[50].open, r.bars[49].close);  // no jump where the spike ends
}

TEST(StressVolSpike, FactorOneChangesNothing) {
  const auto in = wavy("BTCUSDT", 100, 60);
  const Stressed r = run(in, vol(10, 1, 20));
  ASSERT_EQ(r.bars.size(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    expect_rel(r.bars[i].open, in[i].open);
    expect_rel(r.bars[i].close, in[i].close);
  }
}

TEST(StressVolSpike, EachSymbolHasItsOwnAnchorAndLevel) {
  // BTC near 40,000 and ETH near 3,000 in one merged stream: each spikes
  // around its own first open in the window and keeps its own level after.
  auto btc = wavy("BTCUSDT", 40'000, 100), eth = wavy("ETHUSDT", 3'000, 100);
  StressedBarSource s(merged({btc, eth}), vol(20, 3, 30), Prng(5), 100);
  std::map<std::string, std::vector<BarData>> out;
  while (auto b = s.next()) out[b->symbol].push_back(*b);
  for (const auto& [symbol, in] : {std::pair{std::string("BTCUSDT"), btc}, std::pair{std::string("ETHUSDT"), eth}}) {
    const auto& got = out[symbol];
    ASSERT_EQ(got.size(), 100u) << symbol;
    expect_well_formed(got);
    const double anchor = in[20].open;
    for (int i = 20; i < 50; ++i) {
      EXPECT_NEAR(std::log(got[i].close / anchor), 3 * std::log(in[i].close / anchor), 1e-12) << symbol << i;
    }
    const double ratio = got[49].close / in[49].close;
    for (int i = 50; i < 100; ++i) expect_rel(got[i].close, in[i].close * ratio);
  }
}

// ---- outage and feed gaps --------------------------------------------------

TEST(StressOutage, NoBarOpensInsideTheWindow) {
  StressConfig c;
  c.outage_at_min = 20;
  c.outage_minutes = 30;
  const auto in = flat(100);
  const Stressed r = run(in, c);
  EXPECT_EQ(r.dropped, 30u);
  ASSERT_EQ(r.bars.size(), 70u);
  expect_well_formed(r.bars);
  for (const BarData& b : r.bars) {
    const std::int64_t m = (b.open_time_ns - kMon20240101) / kMinute;
    EXPECT_TRUE(m < 20 || m >= 50) << m;
  }
  EXPECT_EQ(r.bars[19].open_time_ns, kMon20240101 + 19 * kMinute);
  EXPECT_EQ(r.bars[20].open_time_ns, kMon20240101 + 50 * kMinute);
  // Prices are not touched.
  EXPECT_TRUE(same_bar(r.bars[20], in[50]));
}

TEST(StressOutage, CountsFromTheFirstBarEvenWhenItIsDropped) {
  StressConfig c;
  c.outage_at_min = 0;
  c.outage_minutes = 5;
  const Stressed r = run(flat(20, kMon20240101 + 7 * kMinute), c);
  EXPECT_EQ(r.dropped, 5u);
  ASSERT_EQ(r.bars.size(), 15u);
  EXPECT_EQ(r.bars[0].open_time_ns, kMon20240101 + 12 * kMinute);
}

/// The minutes (from the first bar) missing from a run over `count` bars.
std::set<std::int64_t> missing(const Stressed& r, int count) {
  std::set<std::int64_t> out;
  for (int m = 0; m < count; ++m) out.insert(m);
  for (const BarData& b : r.bars) out.erase((b.open_time_ns - kMon20240101) / kMinute);
  return out;
}

TEST(StressFeedGaps, SeededWindowsWithoutBars) {
  StressConfig c;
  c.feed_gaps = 3;
  c.feed_gap_minutes = 10;
  int non_overlapping = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const Stressed r = run(flat(1000), c, seed);
    expect_well_formed(r.bars);
    const auto gone = missing(r, 1000);
    EXPECT_EQ(gone.size(), r.dropped);
    EXPECT_EQ(r.bars.size() + r.dropped, 1000u);
    EXPECT_LE(r.dropped, 30u);
    EXPECT_GE(r.dropped, 10u);
    // Every run of missing minutes is at least one gap long, all inside [0, 990 + 10).
    std::int64_t run_length = 0, prev = -2;
    for (std::int64_t m : gone) {
      if (m != prev + 1 && prev >= 0) {
        EXPECT_GE(run_length, 10);
        run_length = 0;
      }
      ++run_length;
      prev = m;
    }
    EXPECT_GE(run_length, 10);
    if (r.dropped == 30u) ++non_overlapping;
  }
  EXPECT_GE(non_overlapping, 15);  // three 10-minute gaps in 990 minutes rarely overlap
}

TEST(StressFeedGaps, SameSeedSameGapsOtherSeedOtherGaps) {
  StressConfig c;
  c.feed_gaps = 5;
  c.feed_gap_minutes = 10;
  const Stressed a = run(flat(2000), c, 11), b = run(flat(2000), c, 11), other = run(flat(2000), c, 12);
  EXPECT_EQ(missing(a, 2000), missing(b, 2000));
  EXPECT_NE(missing(a, 2000), missing(other, 2000));
  ASSERT_EQ(a.bars.size(), b.bars.size());
  for (std::size_t i = 0; i < a.bars.size(); ++i) EXPECT_TRUE(same_bar(a.bars[i], b.bars[i]));
}

TEST(StressFeedGaps, GapsFitInTheSpan) {
  // The span limits where gaps start: with a span of 50 minutes and 10-minute
  // gaps, every gap lies in the first 50 minutes of a longer stream.
  StressConfig c;
  c.feed_gaps = 4;
  c.feed_gap_minutes = 10;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const auto gone = missing(run(flat(500), c, seed, 50), 500);
    ASSERT_FALSE(gone.empty());
    EXPECT_LT(*gone.rbegin(), 50);
  }
}

// ---- weekend gaps ----------------------------------------------------------

StressConfig weekend(double pct) {
  StressConfig c;
  c.weekend_gap_pct = pct;
  return c;
}

/// Friday 2024-01-05 00:00 to Tuesday 00:00, rising slowly.
std::vector<BarData> long_weekend(const std::string& symbol = "BTCUSDT", double level = 100) {
  return bars_of(symbol, kFri20240105, kMinute, 4 * 1440, [level](int i) { return level + 0.001 * i; });
}

TEST(StressWeekendGap, NoWeekendBarsAndMondayOpensPctAwayFromFriday) {
  const auto in = long_weekend();
  const Stressed r = run(in, weekend(5));
  EXPECT_EQ(r.dropped, 2u * 1440);
  ASSERT_EQ(r.bars.size(), 2u * 1440);
  expect_well_formed(r.bars);
  for (const BarData& b : r.bars) EXPECT_LT(weekday(b.open_time_ns), 5) << b.open_time_ns;
  // Friday is untouched; Monday's first bar opens 5% up or down from its last close.
  for (int i = 0; i < 1440; ++i) EXPECT_TRUE(same_bar(r.bars[i], in[i])) << i;
  const BarData &friday = r.bars[1439], &monday = r.bars[1440];
  EXPECT_EQ(weekday(friday.open_time_ns), 4);
  EXPECT_EQ(monday.open_time_ns, kFri20240105 + 3 * kDay);
  const double gap = monday.open / friday.close;
  EXPECT_TRUE(std::fabs(gap - 1.05) < 1e-12 || std::fabs(gap - 0.95) < 1e-12) << gap;
  // The shift carries on: Monday is the original times one ratio.
  const double shift = monday.open / in[4320].open;
  for (int i = 1440; i < 2880; ++i) {
    expect_rel(r.bars[i].open, in[i + 2880].open * shift);
    expect_rel(r.bars[i].high, in[i + 2880].high * shift);
    expect_rel(r.bars[i].low, in[i + 2880].low * shift);
    expect_rel(r.bars[i].close, in[i + 2880].close * shift);
  }
}

TEST(StressWeekendGap, TheDirectionIsASeededCoin) {
  auto direction = [](std::uint64_t seed) {
    const Stressed r = run(long_weekend(), weekend(5), seed);
    return r.bars[1440].open > r.bars[1439].close;
  };
  int up = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    EXPECT_EQ(direction(seed), direction(seed)) << seed;
    up += direction(seed) ? 1 : 0;
  }
  EXPECT_GT(up, 0);
  EXPECT_LT(up, 40);
}

TEST(StressWeekendGap, MondayGapsFromFridaysCloseAfterTheOtherTransforms) {
  // A flash crash in Friday's last five minutes: Friday closes at 0.8x; the
  // recovery would end Saturday 01:00, inside the weekend, so Monday opens
  // 5% from the crashed close, and that level carries on.
  StressConfig c = flash(1435);
  c.weekend_gap_pct = 5;
  const auto in = long_weekend();
  const Stressed r = run(in, c, 3);
  ASSERT_EQ(r.bars.size(), 2u * 1440);
  expect_well_formed(r.bars);
  expect_rel(r.bars[1439].close, in[1439].close * 0.8);
  const double gap = r.bars[1440].open / r.bars[1439].close;
  EXPECT_TRUE(std::fabs(gap - 1.05) < 1e-12 || std::fabs(gap - 0.95) < 1e-12) << gap;
  const double shift = r.bars[1440].open / in[4320].open;
  EXPECT_NEAR(shift, 0.8 * gap * in[1439].close / in[4320].open, 1e-12);
  for (int i = 1440; i < 2880; ++i) expect_rel(r.bars[i].close, in[i + 2880].close * shift);
}

TEST(StressWeekendGap, TwoWeekendsEachGapFromTheLastKeptClose) {
  // Friday 2024-01-05 to Tuesday 2024-01-16: two weekends.
  const auto in = bars_of("BTCUSDT", kFri20240105, kMinute, 11 * 1440, [](int i) { return 100 + 0.0001 * i; });
  const Stressed r = run(in, weekend(2), 9);
  EXPECT_EQ(r.dropped, 4u * 1440);
  expect_well_formed(r.bars);
  int gaps = 0;
  for (std::size_t i = 1; i < r.bars.size(); ++i) {
    if (r.bars[i].open_time_ns - r.bars[i - 1].open_time_ns > kMinute) {
      ++gaps;
      EXPECT_EQ(weekday(r.bars[i].open_time_ns), 0);
      const double gap = r.bars[i].open / r.bars[i - 1].close;
      EXPECT_TRUE(std::fabs(gap - 1.02) < 1e-12 || std::fabs(gap - 0.98) < 1e-12) << gap;
    } else {
      expect_rel(r.bars[i].open, r.bars[i - 1].close);  // the weekday path stays continuous
    }
  }
  EXPECT_EQ(gaps, 2);
}

TEST(StressWeekendGap, AStreamThatStartsOnSaturdayHasNoFridayToGapFrom) {
  const auto in = bars_of("BTCUSDT", kFri20240105 + kDay, kMinute, 3 * 1440, [](int) { return 100.0; });
  const Stressed r = run(in, weekend(5));
  ASSERT_EQ(r.bars.size(), 1440u);
  for (std::size_t i = 0; i < r.bars.size(); ++i) EXPECT_TRUE(same_bar(r.bars[i], in[i + 2880]));
}

TEST(StressWeekendGap, EachSymbolGapsFromItsOwnFridayClose) {
  const auto btc = long_weekend("BTCUSDT", 40'000), eth = long_weekend("ETHUSDT", 3'000);
  StressedBarSource s(merged({btc, eth}), weekend(5), Prng(4), 4 * 1440);
  std::map<std::string, std::vector<BarData>> out;
  while (auto b = s.next()) out[b->symbol].push_back(*b);
  EXPECT_EQ(s.dropped(), 2u * 2 * 1440);
  for (const auto& symbol : {"BTCUSDT", "ETHUSDT"}) {
    const auto& got = out[symbol];
    ASSERT_EQ(got.size(), 2u * 1440) << symbol;
    expect_well_formed(got);
    const double gap = got[1440].open / got[1439].close;
    EXPECT_TRUE(std::fabs(gap - 1.05) < 1e-12 || std::fabs(gap - 0.95) < 1e-12) << symbol << " " << gap;
  }
}

// ---- everything at once ----------------------------------------------------

TEST(StressedBarSource, EveryEventAtOnceKeepsBarsWellFormed) {
  StressConfig c = flash(2000, 40, 7, 30);
  c.vol_spike_at_min = 1500;
  c.vol_spike_factor = 8;
  c.vol_spike_minutes = 2000;
  c.outage_at_min = 1990;
  c.outage_minutes = 15;
  c.feed_gaps = 6;
  c.feed_gap_minutes = 20;
  c.weekend_gap_pct = 3;
  const auto in = bars_of("BTCUSDT", kFri20240105 - kDay, kMinute, 6 * 1440,
                          [](int i) { return 100 * (1 + 0.02 * std::sin(0.01 * i) + 0.003 * std::sin(1.3 * i)); });
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const Stressed r = run(in, c, seed);
    expect_well_formed(r.bars);
    EXPECT_EQ(r.bars.size() + r.dropped, in.size());
    for (const BarData& b : r.bars) {
      EXPECT_LT(weekday(b.open_time_ns), 5);
      const std::int64_t m = (b.open_time_ns - in.front().open_time_ns) / kMinute;
      EXPECT_TRUE(m < 1990 || m >= 2005) << m;
      EXPECT_EQ(b.symbol, "BTCUSDT");
      EXPECT_EQ(b.interval_ns, kMinute);
    }
  }
}

}  // namespace
}  // namespace verity
