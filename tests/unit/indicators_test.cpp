// Each streaming indicator against its textbook definition, recomputed from
// the whole history at every step with plain loops (to 1e-12 relative: the
// textbook forms sum in another order), plus hand-worked values for the
// conventions that matter (seeding, TA-Lib's first true range, MACD's fast
// EMA start). Bit-for-bit equality with the batch definitions is in
// features_test.cpp.
#include "actors/features/streaming.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "actors/runtime/prng.hpp"

namespace verity {
namespace {

constexpr double kRelTol = 1e-12;

::testing::AssertionResult near_rel(double expected, double actual, double tol = kRelTol) {
  const double scale = std::max({std::fabs(expected), std::fabs(actual), 1e-300});
  if (std::fabs(expected - actual) <= tol * scale) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected " << expected << ", got " << actual << " (relative error "
                                       << std::fabs(expected - actual) / scale << ")";
}

/// A seeded random walk of bars with a real high/low and occasional gaps, so
/// the true range sometimes comes from the previous close.
std::vector<BarData> random_bars(std::uint64_t seed, std::size_t n, double start = 100.0) {
  Prng prng(seed);
  std::vector<BarData> bars;
  double price = start;
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

double mean_of(const std::vector<double>& x, std::size_t end, std::size_t n) {
  double sum = 0;
  for (std::size_t i = end - n; i < end; ++i) sum += x[i];
  return sum / static_cast<double>(n);
}

/// Two-pass population standard deviation of x[end - n, end).
double sd_of(const std::vector<double>& x, std::size_t end, std::size_t n) {
  const double m = mean_of(x, end, n);
  double q = 0;
  for (std::size_t i = end - n; i < end; ++i) q += (x[i] - m) * (x[i] - m);
  return std::sqrt(q / static_cast<double>(n));
}

/// EMA over the first `count` values, seeded with the SMA of the first `period`.
double textbook_ema(const std::vector<double>& x, std::size_t count, std::size_t period) {
  const double alpha = 2.0 / (static_cast<double>(period) + 1.0);
  double e = mean_of(x, period, period);
  for (std::size_t i = period; i < count; ++i) e = alpha * x[i] + (1.0 - alpha) * e;
  return e;
}

TEST(Indicators, SmaIsTheMeanOfTheWindowAtEveryStep) {
  const auto x = closes(random_bars(1, 700));
  for (std::size_t period : {1u, 2u, 7u, 50u, 200u}) {
    Sma sma(period);
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double v = sma.update(x[i]);
      ASSERT_EQ(sma.ready(), i + 1 >= period) << "period " << period << " step " << i;
      if (!sma.ready()) {
        ASSERT_TRUE(std::isnan(v)) << "a cold SMA is NaN";
        continue;
      }
      ASSERT_TRUE(near_rel(mean_of(x, i + 1, period), v)) << "period " << period << " step " << i;
    }
  }
}

TEST(Indicators, WindowSumsDoNotDriftOverMillionsOfValues) {
  // A running sum that adds the new value and subtracts the oldest drifts
  // with the history; block-aligned sums stay a fresh sum of their window.
  // Prices near 60,000 with cents of noise are the hard case for variances:
  // sums of raw squares would lose about 9 of the 16 digits.
  Prng prng(11);
  const std::size_t n = 20, total = 2'000'000;
  WindowSums<true> window(n);
  std::vector<double> last(n);
  for (std::size_t i = 0; i < total; ++i) {
    const double x = 60'000.0 + std::round(prng.normal() * 100.0) / 100.0;
    window.push(x);
    last[i % n] = x;
  }
  const WindowParts p = window.parts();
  EXPECT_TRUE(near_rel(mean_of(last, n, n), window_mean(p), 1e-15));
  EXPECT_TRUE(near_rel(sd_of(last, n, n), std::sqrt(window_variance(p)), 1e-12));
}

TEST(Indicators, EmaIsSmaSeededWithKTwoOverNPlusOne) {
  const auto x = closes(random_bars(2, 400));
  for (std::size_t period : {1u, 3u, 12u, 26u}) {
    Ema ema(period);
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double returned = ema.update(x[i]);
      ASSERT_EQ(ema.ready(), i + 1 >= period) << "period " << period << " step " << i;
      if (!ema.ready()) {
        ASSERT_TRUE(std::isnan(returned));
        continue;
      }
      ASSERT_EQ(returned, ema.value());
      ASSERT_TRUE(near_rel(textbook_ema(x, i + 1, period), ema.value())) << "step " << i;
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
  EXPECT_EQ(ema.value(), 25.0);
  // k = 2/5: (50 - 25) * 0.4 + 25 = 35.
  ema.update(50.0);
  EXPECT_EQ(ema.value(), 35.0);
}

TEST(Indicators, RsiIsWildersSmoothedGainOverMovement) {
  const auto x = closes(random_bars(3, 400));
  const std::size_t n = 14;
  Rsi rsi(n);
  double gain = 0, loss = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double v = rsi.update(x[i]);
    ASSERT_EQ(rsi.ready(), i >= n) << "step " << i;
    if (i == 0) continue;
    const double change = x[i] - x[i - 1];
    const double up = change > 0 ? change : 0, down = change < 0 ? -change : 0;
    if (i <= n) {
      gain += up / static_cast<double>(n);
      loss += down / static_cast<double>(n);
    } else {
      gain = (gain * static_cast<double>(n - 1) + up) / static_cast<double>(n);
      loss = (loss * static_cast<double>(n - 1) + down) / static_cast<double>(n);
    }
    if (i < n) {
      ASSERT_TRUE(std::isnan(v));
      continue;
    }
    ASSERT_TRUE(near_rel(100.0 - 100.0 / (1.0 + gain / loss), v)) << "step " << i;
  }
}

TEST(Indicators, RsiHandWorked) {
  Rsi rsi(2);
  rsi.update(10);
  rsi.update(12);  // +2
  EXPECT_FALSE(rsi.ready());
  rsi.update(11);  // -1: gain 1, loss 0.5
  EXPECT_TRUE(rsi.ready());
  EXPECT_DOUBLE_EQ(rsi.value(), 100.0 * 1.0 / 1.5);
  rsi.update(11);  // no change: gain 0.5, loss 0.25
  EXPECT_DOUBLE_EQ(rsi.value(), 100.0 * 0.5 / 0.75);
  Rsi flat(3);
  for (int i = 0; i < 6; ++i) flat.update(5.0);
  EXPECT_EQ(flat.value(), 50.0) << "no movement at all is neutral";
}

TEST(Indicators, MacdSeedsTheFastEmaWhereTheSlowOneStarts) {
  const auto x = closes(random_bars(4, 300));
  const std::size_t fast = 3, slow = 6, signal = 4;
  Macd macd(fast, slow, signal);
  std::vector<double> line;
  for (std::size_t i = 0; i < x.size(); ++i) {
    macd.update(x[i]);
    ASSERT_EQ(macd.line_ready(), i + 1 >= slow);
    ASSERT_EQ(macd.ready(), i + 2 >= slow + signal);
    if (!macd.line_ready()) {
      ASSERT_TRUE(std::isnan(macd.line()));
      continue;
    }
    // The fast EMA starts at slow - 1 from the mean of the `fast` values up to there.
    const double k = 2.0 / (fast + 1.0);
    double f = mean_of(x, slow, fast);
    for (std::size_t j = slow; j <= i; ++j) f = k * x[j] + (1 - k) * f;
    const double expected_line = f - textbook_ema(x, i + 1, slow);
    ASSERT_TRUE(near_rel(expected_line, macd.line(), 1e-9)) << "step " << i;
    line.push_back(macd.line());
    if (!macd.ready()) continue;
    const double expected_signal = textbook_ema(line, line.size(), signal);
    ASSERT_TRUE(near_rel(expected_signal, macd.signal(), 1e-9)) << "step " << i;
    ASSERT_EQ(macd.histogram(), macd.line() - macd.signal());
  }
}

TEST(Indicators, BollingerBandsArePopulationSdAroundTheSma) {
  const auto x = closes(random_bars(5, 300, 60'000.0));
  const std::size_t n = 20;
  Bollinger bb(n, 2.0);
  for (std::size_t i = 0; i < x.size(); ++i) {
    bb.update(x[i]);
    ASSERT_EQ(bb.ready(), i + 1 >= n);
    if (!bb.ready()) continue;
    const double m = mean_of(x, i + 1, n), sd = sd_of(x, i + 1, n);
    ASSERT_TRUE(near_rel(m, bb.middle()));
    ASSERT_TRUE(near_rel(m + 2 * sd, bb.upper()));
    ASSERT_TRUE(near_rel(m - 2 * sd, bb.lower()));
    ASSERT_TRUE(near_rel((x[i] - (m - 2 * sd)) / (4 * sd), bb.percent_b(), 1e-9));
  }
  Bollinger flat(3, 2.0);
  for (int i = 0; i < 4; ++i) flat.update(7.0);
  EXPECT_EQ(flat.upper(), 7.0);
  EXPECT_EQ(flat.percent_b(), 0.5) << "bands that touch put the close in the middle";
}

/// TA-Lib's ATR over the first `count` bars: true ranges from the second
/// bar, seeded with the mean of the first `period` of them.
double textbook_atr(const std::vector<BarData>& bars, std::size_t count, std::size_t period) {
  std::vector<double> tr;
  for (std::size_t i = 1; i < count; ++i) {
    const double pc = bars[i - 1].close;
    tr.push_back(std::max({bars[i].high - bars[i].low, std::fabs(bars[i].high - pc), std::fabs(bars[i].low - pc)}));
  }
  double a = mean_of(tr, period, period);
  for (std::size_t i = period; i < tr.size(); ++i) a = a + (tr[i] - a) / static_cast<double>(period);
  return a;
}

TEST(Indicators, AtrIsWilderSmoothedTrueRangeFromTheSecondBar) {
  const auto bars = random_bars(6, 400);
  for (std::size_t period : {1u, 5u, 14u}) {
    Atr atr(period);
    for (std::size_t i = 0; i < bars.size(); ++i) {
      atr.update(bars[i].high, bars[i].low, bars[i].close);
      ASSERT_EQ(atr.ready(), i >= period) << "period " << period << " step " << i;
      if (atr.ready()) {
        ASSERT_TRUE(near_rel(textbook_atr(bars, i + 1, period), atr.value())) << "step " << i;
      }
    }
  }
}

TEST(Indicators, AtrUsesThePreviousCloseOnAGap) {
  Atr atr(2);
  atr.update(101.0, 99.0, 100.0);   // no previous close: no true range
  EXPECT_FALSE(atr.ready());
  atr.update(111.0, 110.0, 110.5);  // gap up: TR = 111 - 100 = 11, not 1
  EXPECT_FALSE(atr.ready());
  atr.update(110.0, 109.0, 109.5);  // TR = max(1, |110 - 110.5|, |109 - 110.5|) = 1.5
  EXPECT_TRUE(atr.ready());
  EXPECT_EQ(atr.value(), (11.0 + 1.5) / 2.0);
  atr.update(112.0, 109.0, 111.0);  // TR 3
  EXPECT_EQ(atr.value(), (6.25 * 1.0 + 3.0) / 2.0);
}

TEST(Indicators, ObvStartsAtTheFirstVolumeAndFollowsTheClose) {
  Obv obv;
  EXPECT_EQ(obv.update(10, 5), 5);
  EXPECT_EQ(obv.update(11, 2), 7);   // up: add
  EXPECT_EQ(obv.update(11, 9), 7);   // unchanged: nothing
  EXPECT_EQ(obv.update(9, 4), 3);    // down: subtract
}

TEST(Indicators, LagGivesTheValueNUpdatesAgo) {
  Lag lag(3);
  for (int i = 0; i < 3; ++i) {
    lag.push(i);
    EXPECT_FALSE(lag.ready());
  }
  for (int i = 3; i < 10; ++i) {
    lag.push(i);
    ASSERT_TRUE(lag.ready());
    EXPECT_EQ(lag.lagged(), i - 3);
  }
}

TEST(Indicators, RegimeBinsAreOrderedAndClamped) {
  EXPECT_EQ(regime_bin(0.0), 0u);
  EXPECT_EQ(regime_bin(1e-300), 0u);
  EXPECT_EQ(regime_bin(1e300), kRegimeBins - 1);
  Prng prng(7);
  for (int i = 0; i < 10'000; ++i) {
    const double a = std::ldexp(prng.uniform01(), -static_cast<int>(prng.uniform01() * 30));
    const double b = a * (1.0 + prng.uniform01());
    ASSERT_LE(regime_bin(a), regime_bin(b)) << a << " " << b;
  }
  // 1/256 of an octave apart lands in the next bin.
  EXPECT_EQ(regime_bin(1e-3 * (1.0 + 1.0 / 128)), regime_bin(1e-3) + 2);
}

TEST(Indicators, VolatilityRegimeRanksTheCurrentValueInItsWindow) {
  VolatilityRegime regime(4);
  for (double v : {1e-3, 2e-3, 3e-3}) {
    regime.update(v);
    EXPECT_FALSE(regime.ready());
    EXPECT_TRUE(std::isnan(regime.percentile()));
  }
  regime.update(4e-3);  // the highest of 4: 4/4
  EXPECT_EQ(regime.percentile(), 1.0);
  EXPECT_EQ(regime.regime(), 2.0);
  regime.update(1.5e-3);  // window 2,3,4,1.5 (e-3): 1 of 4 at or below
  EXPECT_EQ(regime.percentile(), 0.25);
  EXPECT_EQ(regime.regime(), 0.0);
  regime.update(3.5e-3);  // window 3,4,1.5,3.5: 3 of 4
  EXPECT_EQ(regime.percentile(), 0.75);
  EXPECT_EQ(regime.regime(), 2.0);
  regime.update(2e-3);  // window 4,1.5,3.5,2: 2 of 4
  EXPECT_EQ(regime.percentile(), 0.5);
  EXPECT_EQ(regime.regime(), 1.0);
}

TEST(Indicators, RegimeThresholdsAreTertiles) {
  EXPECT_EQ(regime_of(1, 3), 0);
  EXPECT_EQ(regime_of(2, 3), 1);
  EXPECT_EQ(regime_of(3, 3), 2);
  EXPECT_EQ(regime_of(480, 1440), 0);
  EXPECT_EQ(regime_of(481, 1440), 1);
  EXPECT_EQ(regime_of(960, 1440), 1);
  EXPECT_EQ(regime_of(961, 1440), 2);
}

}  // namespace
}  // namespace verity
