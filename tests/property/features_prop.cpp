// No feature at t uses data after t (DESIGN.md, features).
//
// The property: for random bar series, random periods and a random t,
// replacing every bar after t by other bars (other prices, volumes, gaps)
// never changes any column, or `ready`, at or before t, bit for bit.
//
// The leakage test: over the full feature set on real and generated data,
// the rows computed from a prefix equal, bit for bit, the same rows
// computed from the whole series, at every t of the prefix.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "tests/support/rc_gen.hpp"

#include <bit>
#include <cmath>
#include <iostream>

#include "actors/features/indicators.hpp"
#include "actors/runtime/config.hpp"
#include "tests/support/candles.hpp"

namespace verity {
namespace {

using testing::int_in;
using testing::random_features_config;

constexpr std::int64_t kMinuteNs = 60'000'000'000;



std::vector<FeatureRow> stream(const std::vector<BarData>& bars, const FeaturesConfig& config) {
  FeatureEngine engine(config);
  std::vector<FeatureRow> rows;
  rows.reserve(bars.size());
  for (const auto& b : bars) rows.push_back(engine.update(b));
  return rows;
}

/// The first (row, column) where the rows [0, n) differ bit for bit; empty if none.
std::string first_difference(const std::vector<FeatureRow>& a, const std::vector<FeatureRow>& b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    for (const auto& col : kFeatureColumns) {
      if (std::bit_cast<std::uint64_t>(a[i].*col.member) != std::bit_cast<std::uint64_t>(b[i].*col.member)) {
        return "row " + std::to_string(i) + ", column " + std::string(col.name);
      }
    }
    if (a[i].ready != b[i].ready) return "row " + std::to_string(i) + ", ready";
  }
  return "";
}

RC_GTEST_PROP(FeaturesNoLookahead, ChangingBarsAfterTChangesNothingAtOrBeforeT, ()) {
  const FeaturesConfig config = random_features_config();
  const auto n = static_cast<std::size_t>(int_in(20, 600));
  const auto seed = static_cast<std::uint64_t>(int_in(0, 1'000'000));
  const double gaps = int_in(0, 3) / 100.0;
  std::vector<BarData> bars = testing::random_minute_bars(seed, n, gaps);
  const auto t = static_cast<std::size_t>(int_in(0, static_cast<int>(n) - 1));

  // Another future: new prices and volumes, and (sometimes) other gaps.
  std::vector<BarData> other = bars;
  const auto future = testing::random_minute_bars(seed + 1'000'003, n - t - 1 + 1, gaps, bars[t].close * 1.01);
  std::int64_t time = bars[t].open_time_ns;
  for (std::size_t i = t + 1; i < n; ++i) {
    const BarData& f = future[i - t];
    time += kMinuteNs * (1 + (int_in(0, 10) == 0 ? int_in(0, 120) : 0));
    other[i] = f;
    other[i].open_time_ns = time;
  }

  const auto a = stream(bars, config);
  const auto b = stream(other, config);
  const std::string diff = first_difference(a, b, t + 1);
  RC_ASSERT(diff.empty());
  RC_CLASSIFY(a[t].ready, "t after every column is warm");
  RC_CLASSIFY(!std::isnan(a[t].rsi_1h), "t with an hourly RSI");
}

/// Rows from each prefix of `bars` (of each length in `lengths`) must equal
/// the full run's rows.
void check_prefixes(const std::vector<BarData>& bars, const FeaturesConfig& config,
                    const std::vector<std::size_t>& lengths) {
  const auto full = stream(bars, config);
  for (std::size_t len : lengths) {
    ASSERT_LE(len, bars.size());
    const std::vector<BarData> prefix(bars.begin(), bars.begin() + static_cast<std::ptrdiff_t>(len));
    const auto rows = stream(prefix, config);
    ASSERT_EQ(first_difference(rows, full, len), "") << "prefix of " << len << " bars";
  }
  EXPECT_TRUE(full.back().ready);
}

/// Prefix lengths: some fractions of the series, and both sides of every gap
/// (ending on the last bar before it, and on the first bar after it).
std::vector<std::size_t> cut_points(const std::vector<BarData>& bars) {
  std::vector<std::size_t> cuts;
  for (double f : {0.01, 0.2, 0.5, 0.77, 0.999}) {
    cuts.push_back(static_cast<std::size_t>(f * static_cast<double>(bars.size())));
  }
  for (std::size_t i = 1; i < bars.size() && cuts.size() < 12; ++i) {
    if (bars[i].open_time_ns - bars[i - 1].open_time_ns > bars[i].interval_ns) {
      cuts.push_back(i);
      cuts.push_back(i + 1);
    }
  }
  return cuts;
}

TEST(FeaturesLeakage, PrefixRowsEqualFullRowsOnGeneratedBars) {
  const auto bars = testing::random_minute_bars(77, 20'000, 0.0005);
  check_prefixes(bars, FeaturesConfig{}, cut_points(bars));
}

TEST(FeaturesLeakage, PrefixRowsEqualFullRowsOnRealData) {
  int checked = 0;
  for (const char* file : {testing::kBtc2021, testing::kBnb2021, testing::kFtx2022}) {
    std::string why;
    const auto bars = testing::load_shared_bars(file, "X", why);
    if (!bars) {
      std::cout << "[  NOTE    ] not checked: " << why << std::endl;
      continue;
    }
    check_prefixes(*bars, FeaturesConfig{}, cut_points(*bars));
    ++checked;
  }
  if (checked == 0) GTEST_SKIP() << "no shared real data under " << testing::shared_data_dir();
}

}  // namespace
}  // namespace verity
