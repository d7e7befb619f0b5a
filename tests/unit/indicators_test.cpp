// Streaming indicators must equal their batch definitions ("streaming values
// equal batch values", DESIGN.md): at every step, each indicator is compared
// with a plain recomputation from the whole history seen so far.
#include "actors/features/indicators.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "actors/runtime/config.hpp"
#include "actors/runtime/prng.hpp"

namespace verity {
namespace {

constexpr double kRelTol = 1e-12;

::testing::AssertionResult near_rel(double expected, double actual) {
  const double scale = std::max({std::fabs(expected), std::fabs(actual), 1e-300});
  if (std::fabs(expected - actual) <= kRelTol * scale) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected " << expected << ", got " << actual << " (relative error "
                                       << std::fabs(expected - actual) / scale << ")";
}

/// A seeded random walk of bars with a real high/low and occasional gaps, so
/// the true range sometimes comes from the previous close.
std::vector<BarData> random_bars(std::uint64_t seed, std::size_t n) {
  Prng prng(seed);
  std::vector<BarData> bars;
  double price = 100.0;
  for (std::size_t i = 0; i < n; ++i) {
    BarData b;
    b.symbol = "TEST";
    b.open_time_ns = static_cast<std::int64_t>(i) * 60'000'000'000;
    b.interval_ns = 60'000'000'000;
    // One bar in ten opens away from the last close.
    b.open = prng.bernoulli(0.1) ? price * (1.0 + 0.02 * (prng.uniform01() - 0.5)) : price;
    b.close = b.open * (1.0 + 0.01 * prng.normal());
    b.high = std::max(b.open, b.close) * (1.0 + 0.005 * prng.uniform01());
    b.low = std::min(b.open, b.close) * (1.0 - 0.005 * prng.uniform01());
    b.volume = 10.0 * prng.uniform01();
    price = b.close;
    bars.push_back(b);
  }
  return bars;
}

std::vector<double> closes(const std::vector<BarData>& bars) {
  std::vector<double> out;
  for (const auto& b : bars) out.push_back(b.close);
  return out;
}

/// The mean of the last `period` of the first `count` values.
double batch_sma(const std::vector<double>& x, std::size_t count, std::size_t period) {
  double sum = 0;
  for (std::size_t i = count - period; i < count; ++i) sum += x[i];
  return sum / static_cast<double>(period);
}

/// EMA over the first `count` values, seeded with the SMA of the first `period`.
double batch_ema(const std::vector<double>& x, std::size_t count, std::size_t period) {
  const double alpha = 2.0 / (static_cast<double>(period) + 1.0);
  double e = batch_sma(x, period, period);
  for (std::size_t i = period; i < count; ++i) e = alpha * x[i] + (1.0 - alpha) * e;
  return e;
}

/// Wilder's ATR over the first `count` bars: the first true range is high -
/// low (no previous close); the seed is the mean of the first `period` ranges.
double batch_atr(const std::vector<BarData>& bars, std::size_t count, std::size_t period) {
  std::vector<double> tr;
  for (std::size_t i = 0; i < count; ++i) {
    const auto& b = bars[i];
    double r = b.high - b.low;
    if (i > 0) {
      const double pc = bars[i - 1].close;
      r = std::max({r, std::fabs(b.high - pc), std::fabs(b.low - pc)});
    }
    tr.push_back(r);
  }
  double a = 0;
  for (std::size_t i = 0; i < period; ++i) a += tr[i];
  a /= static_cast<double>(period);
  const double n = static_cast<double>(period);
  for (std::size_t i = period; i < count; ++i) a = a - a / n + tr[i] / n;
  return a;
}

TEST(Indicators, SmaEqualsBatchAtEveryStep) {
  const auto x = closes(random_bars(1, 400));
  for (std::size_t period : {1u, 2u, 7u, 50u}) {
    Sma sma(period);
    for (std::size_t i = 0; i < x.size(); ++i) {
      sma.update(x[i]);
      ASSERT_EQ(sma.ready(), i + 1 >= period) << "period " << period << " step " << i;
      if (sma.ready()) {
        ASSERT_TRUE(near_rel(batch_sma(x, i + 1, period), sma.value())) << "step " << i;
      }
    }
  }
}

TEST(Indicators, EmaIsSmaSeededWithAlphaTwoOverNPlusOne) {
  const auto x = closes(random_bars(2, 400));
  for (std::size_t period : {1u, 3u, 12u, 26u}) {
    Ema ema(period);
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double returned = ema.update(x[i]);
      ASSERT_EQ(returned, ema.value());
      ASSERT_EQ(ema.ready(), i + 1 >= period) << "period " << period << " step " << i;
      if (ema.ready()) {
        ASSERT_TRUE(near_rel(batch_ema(x, i + 1, period), ema.value())) << "step " << i;
      }
    }
  }
}

TEST(Indicators, EmaFirstReadyValueIsTheSmaOfThePeriod) {
  Ema ema(4);
  for (double v : {10.0, 20.0, 30.0}) {
    ema.update(v);
    EXPECT_FALSE(ema.ready());
  }
  ema.update(40.0);
  EXPECT_TRUE(ema.ready());
  EXPECT_DOUBLE_EQ(ema.value(), 25.0);
  // alpha = 2/5: 25 + 0.4 * (50 - 25) = 35.
  ema.update(50.0);
  EXPECT_DOUBLE_EQ(ema.value(), 35.0);
}

TEST(Indicators, AtrIsWilderSmoothedTrueRange) {
  const auto bars = random_bars(3, 400);
  for (std::size_t period : {1u, 5u, 14u}) {
    Atr atr(period);
    for (std::size_t i = 0; i < bars.size(); ++i) {
      atr.update(bars[i].high, bars[i].low, bars[i].close);
      ASSERT_EQ(atr.ready(), i + 1 >= period) << "period " << period << " step " << i;
      if (atr.ready()) {
        ASSERT_TRUE(near_rel(batch_atr(bars, i + 1, period), atr.value())) << "step " << i;
      }
    }
  }
}

TEST(Indicators, AtrUsesThePreviousCloseOnAGap) {
  Atr atr(2);
  atr.update(101.0, 99.0, 100.0);  // TR 2
  atr.update(111.0, 110.0, 110.5);  // gap up: TR = 111 - 100 = 11, not 1
  EXPECT_TRUE(atr.ready());
  EXPECT_DOUBLE_EQ(atr.value(), 6.5);
  atr.update(110.0, 109.0, 109.5);  // TR = max(1, |110 - 110.5|, |109 - 110.5|) = 1.5
  EXPECT_DOUBLE_EQ(atr.value(), (6.5 * 1.0 + 1.5) / 2.0);
}

TEST(Indicators, FeatureEngineIsReadyOnlyWhenEveryIndicatorIs) {
  // Each indicator in turn has the longest period, so each one in turn is the
  // last to become ready.
  struct Case {
    std::int64_t ema_fast, ema_slow, sma, atr;
  };
  const auto bars = random_bars(4, 80);
  for (const Case& c : {Case{3, 40, 10, 5}, Case{3, 8, 30, 5}, Case{3, 8, 10, 25}, Case{12, 26, 50, 14}}) {
    FeaturesConfig config;
    config.ema_fast = c.ema_fast;
    config.ema_slow = c.ema_slow;
    config.sma = c.sma;
    config.atr = c.atr;
    const std::size_t longest = static_cast<std::size_t>(std::max({c.ema_fast, c.ema_slow, c.sma, c.atr}));
    FeatureEngine engine(config);
    Ema fast(static_cast<std::size_t>(c.ema_fast)), slow(static_cast<std::size_t>(c.ema_slow));
    Sma sma(static_cast<std::size_t>(c.sma));
    Atr atr(static_cast<std::size_t>(c.atr));
    for (std::size_t i = 0; i < bars.size(); ++i) {
      const FeatureRow row = engine.update(bars[i]);
      ASSERT_EQ(row.ready, i + 1 >= longest) << "longest " << longest << " step " << i;
      // The row carries exactly what the individual indicators compute.
      EXPECT_EQ(row.close, bars[i].close);
      EXPECT_EQ(row.ema_fast, fast.update(bars[i].close));
      EXPECT_EQ(row.ema_slow, slow.update(bars[i].close));
      EXPECT_EQ(row.sma, sma.update(bars[i].close));
      EXPECT_EQ(row.atr, atr.update(bars[i].high, bars[i].low, bars[i].close));
    }
  }
}

TEST(Indicators, FeatureNamesMatchTheRowLayout) {
  // FeatureVector.values follow kFeatureNames; the baseline set has five.
  ASSERT_EQ(std::size(kFeatureNames), 5u);
  EXPECT_EQ(kFeatureNames[0], "close");
  EXPECT_EQ(kFeatureNames[4], "atr");
}

}  // namespace
}  // namespace verity
