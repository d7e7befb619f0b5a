// Snapshot state of the features and the model (issue 5): a FeatureEngine or
// EmaCrossStrategy saved after N bars and loaded into a fresh one built from
// the same configuration continues bit for bit as the original, for N below,
// at and above every warm-up; bad bytes make load() fail, never crash; and a
// loaded object saves the same bytes it was loaded from.
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "actors/features/indicators.hpp"
#include "actors/model/ema_cross.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/prng.hpp"
#include "actors/runtime/state_archive.hpp"
#include "tests/support/candles.hpp"

namespace verity {
namespace {

/// Periods short enough that every column, the hourly ones included, is warm
/// within a few hundred bars.
FeaturesConfig small_config() {
  FeaturesConfig c;
  c.ema_fast = 3;
  c.ema_slow = 8;
  c.sma = 5;
  c.atr = 4;
  c.rsi = 3;
  c.macd_fast = 2;
  c.macd_slow = 5;
  c.macd_signal = 3;
  c.bollinger = 6;
  c.bollinger_k = 1.5;
  c.volatility = 4;
  c.momentum = 3;
  c.volume_z = 5;
  c.regime_window = 12;
  return c;
}

template <class T>
std::string state_of(const T& x) {
  StateWriter w;
  w.put(x);
  return w.bytes();
}

/// The first column where two rows differ bit for bit (NaNs of the same bits
/// are equal); empty if none.
std::string row_difference(const FeatureRow& a, const FeatureRow& b) {
  for (const auto& col : kFeatureColumns) {
    const double x = a.*col.member, y = b.*col.member;
    if (std::memcmp(&x, &y, sizeof(double)) != 0) return std::string(col.name);
  }
  if (a.ready != b.ready) return "ready";
  return "";
}

std::string signal_difference(const std::optional<SignalSpec>& a, const std::optional<SignalSpec>& b) {
  if (a.has_value() != b.has_value()) return "presence";
  if (!a) return "";
  if (a->direction != b->direction) return "direction";
  const auto same = [](double x, double y) { return std::bit_cast<std::uint64_t>(x) == std::bit_cast<std::uint64_t>(y); };
  if (!same(a->entry, b->entry)) return "entry";
  if (!same(a->stop_loss, b->stop_loss)) return "stop_loss";
  if (!same(a->take_profit, b->take_profit)) return "take_profit";
  if (!same(a->confidence, b->confidence)) return "confidence";
  return "";
}

/// Split points below, at and above every column's warm-up and the first
/// ready bar, plus 0, 1, 2, capped at `n`.
std::vector<std::size_t> split_points(const FeaturesConfig& config, const std::vector<BarData>& bars) {
  std::set<std::int64_t> points = {0, 1, 2, 3};
  for (std::size_t col = 0; col < kFeatureCount; ++col) {
    if (const auto w = feature_warmup_bars(col, config)) {
      for (std::int64_t d = -1; d <= 2; ++d) points.insert(*w + d);
    }
  }
  FeatureEngine engine(config);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    if (engine.update(bars[i]).ready) {
      for (std::int64_t d = -1; d <= 2; ++d) points.insert(static_cast<std::int64_t>(i) + d);
      break;
    }
  }
  std::vector<std::size_t> out;
  for (const std::int64_t p : points) {
    if (p >= 0 && static_cast<std::size_t>(p) <= bars.size()) out.push_back(static_cast<std::size_t>(p));
  }
  return out;
}

/// Feeds bars [0, n) to one engine, moves its state into a fresh one, then
/// feeds bars [n, n + m) to both and requires identical rows and states.
void expect_identical_continuation(const FeaturesConfig& config, const std::vector<BarData>& bars, std::size_t n,
                                   std::size_t m) {
  FeatureEngine original(config);
  for (std::size_t i = 0; i < n; ++i) original.update(bars[i]);
  const std::string saved = state_of(original);
  FeatureEngine restored(config);
  StateReader r(saved, "features state");
  r.get(restored);
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_TRUE(r.at_end()) << "split " << n;
  ASSERT_EQ(state_of(restored), saved) << "split " << n << ": the loaded engine saves other bytes";
  for (std::size_t i = n; i < n + m && i < bars.size(); ++i) {
    const FeatureRow a = original.update(bars[i]);
    const FeatureRow b = restored.update(bars[i]);
    const std::string diff = row_difference(a, b);
    ASSERT_EQ(diff, "") << "split " << n << ", bar " << i;
  }
  EXPECT_EQ(state_of(restored), state_of(original)) << "split " << n;
}

TEST(FeatureEngineState, SmallConfigContinuesBitForBitAtEverySplit) {
  const FeaturesConfig config = small_config();
  for (const std::uint64_t seed : {1u, 2u, 3u, 77u}) {
    // Gaps too: partial and skipped higher-timeframe buckets.
    const auto bars = testing::random_minute_bars(seed, 900, 0.01);
    auto splits = split_points(config, bars);
    for (std::size_t n = 0; n <= 400; n += 7) splits.push_back(n);
    for (const std::size_t n : splits) {
      SCOPED_TRACE("seed " + std::to_string(seed));
      expect_identical_continuation(config, bars, n, 250);
      if (HasFatalFailure()) return;
    }
  }
}

TEST(FeatureEngineState, DefaultConfigContinuesBitForBitAtEverySplit) {
  const FeaturesConfig config;  // the defaults of actors/runtime/config.hpp
  for (const std::uint64_t seed : {5u, 6u}) {
    // Long enough for the 1h RSI and EMA slope (about 51 hours) to warm up.
    const auto bars = testing::random_minute_bars(seed, 3600, 0.002);
    auto splits = split_points(config, bars);
    splits.push_back(1000);
    splits.push_back(3400);
    for (const std::size_t n : splits) {
      SCOPED_TRACE("seed " + std::to_string(seed));
      expect_identical_continuation(config, bars, n, 200);
      if (HasFatalFailure()) return;
    }
  }
}

TEST(FeatureEngineState, TheDefaultConfigSeriesGetsWarm) {
  // The default-config series above gets warm, so its later splits save warm state.
  const FeaturesConfig config;
  const auto bars = testing::random_minute_bars(5, 3600, 0.002);
  FeatureEngine engine(config);
  bool ready = false;
  for (const auto& b : bars) ready = engine.update(b).ready;
  EXPECT_TRUE(ready);
}

TEST(FeatureEngineState, EveryTruncationFailsAndLeavesASafeEngine) {
  const FeaturesConfig config = small_config();
  const auto bars = testing::random_minute_bars(11, 400, 0.01);
  FeatureEngine original(config);
  for (std::size_t i = 0; i < 300; ++i) original.update(bars[i]);
  const std::string saved = state_of(original);
  for (std::size_t cut = 0; cut < saved.size(); ++cut) {
    FeatureEngine engine(config);
    StateReader r(std::string_view(saved).substr(0, cut), "snapshot 3 of features");
    r.get(engine);
    ASSERT_FALSE(r.ok()) << "cut at " << cut;
    EXPECT_NE(r.error().find("snapshot 3 of features"), std::string::npos) << r.error();
    // The half-loaded engine is meaningless but safe to use.
    for (std::size_t i = 300; i < 310; ++i) engine.update(bars[i]);
  }
}

TEST(FeatureEngineState, DefaultConfigTruncationsFail) {
  const FeaturesConfig config;
  const auto bars = testing::random_minute_bars(12, 2000, 0.002);
  FeatureEngine original(config);
  for (const auto& b : bars) original.update(b);
  const std::string saved = state_of(original);
  for (std::size_t cut = 0; cut < saved.size(); cut += (cut < 64 || saved.size() - cut < 64) ? 1 : 97) {
    FeatureEngine engine(config);
    StateReader r(std::string_view(saved).substr(0, cut), "features");
    r.get(engine);
    ASSERT_FALSE(r.ok()) << "cut at " << cut << " of " << saved.size();
  }
}

TEST(FeatureEngineState, RandomlyCorruptedBytesNeverCrashLoad) {
  const FeaturesConfig config = small_config();
  const auto bars = testing::random_minute_bars(13, 300, 0.01);
  FeatureEngine original(config);
  for (const auto& b : bars) original.update(b);
  const std::string saved = state_of(original);
  Prng prng(99);
  int failed = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::string bad = saved;
    const int flips = 1 + static_cast<int>(prng.below(4));
    for (int f = 0; f < flips; ++f) {
      bad[prng.below(bad.size())] = static_cast<char>(prng.below(256));
    }
    FeatureEngine engine(config);
    StateReader r(bad, "features");
    r.get(engine);
    if (!r.ok()) ++failed;
  }
  EXPECT_GT(failed, 0);  // lengths, positions and flags are checked
}

TEST(FeatureEngineState, TrailingBytesAreLeftUnread) {
  FeatureEngine engine(small_config());
  const std::string saved = state_of(engine) + "x";
  FeatureEngine back(small_config());
  StateReader r(saved, "features");
  r.get(back);
  EXPECT_TRUE(r.ok()) << r.error();
  EXPECT_FALSE(r.at_end());
}

TEST(FeatureEngineState, StateOfAnotherConfigurationIsRefused) {
  const auto bars = testing::random_minute_bars(14, 100);
  FeatureEngine original(small_config());
  for (const auto& b : bars) original.update(b);
  const std::string saved = state_of(original);
  const auto refuses = [&](FeaturesConfig other, const char* expected) {
    FeatureEngine engine(other);
    StateReader r(saved, "features");
    r.get(engine);
    EXPECT_FALSE(r.ok()) << expected;
    EXPECT_NE(r.error().find(expected), std::string::npos) << r.error();
  };
  FeaturesConfig c = small_config();
  c.sma = 6;
  refuses(c, "rolling window is 6 but the state is for 5");
  c = small_config();
  c.ema_slow = 9;
  refuses(c, "EMA period is 9 but the state is for 8");
  c = small_config();
  c.macd_slow = 7;
  refuses(c, "MACD slow period");
  c = small_config();
  c.bollinger_k = 2.0;
  refuses(c, "Bollinger width");
  c = small_config();
  c.momentum = 4;
  refuses(c, "lag ring");
  c = small_config();
  c.regime_window = 13;
  refuses(c, "volatility regime window");
  FeaturesConfig same = small_config();
  FeatureEngine engine(same);
  StateReader r(saved, "features");
  r.get(engine);
  EXPECT_TRUE(r.ok()) << r.error();
}

TEST(FeatureEngineState, AnEngineSavedBeforeAnyBarEqualsAFreshOne) {
  FeatureEngine a(small_config()), b(small_config());
  EXPECT_EQ(state_of(a), state_of(b));
  const auto bars = testing::random_minute_bars(15, 50);
  a.update(bars[0]);
  EXPECT_NE(state_of(a), state_of(b));
}

// --- EmaCrossStrategy ----------------------------------------------------------------

std::vector<FeatureRow> rows_of(const FeaturesConfig& config, const std::vector<BarData>& bars) {
  FeatureEngine engine(config);
  std::vector<FeatureRow> rows;
  for (const auto& b : bars) rows.push_back(engine.update(b));
  return rows;
}

TEST(EmaCrossState, ContinuesSignalForSignalAtEverySplit) {
  StrategyConfig other;
  other.stop_atr = 1.25;
  other.target_atr = 4.5;
  other.confidence = 0.7;
  int signals_after_split = 0;
  for (const StrategyConfig& sc : {StrategyConfig{}, other}) {
    for (const std::uint64_t seed : {21u, 22u, 23u}) {
      const auto rows = rows_of(small_config(), testing::random_minute_bars(seed, 1200, 0.005));
      std::vector<std::size_t> splits = {0, 1, 2};
      std::size_t first_ready = rows.size();
      for (std::size_t i = 0; i < rows.size(); ++i) {
        if (rows[i].ready) {
          first_ready = i;
          break;
        }
      }
      ASSERT_LT(first_ready, rows.size());
      for (std::size_t d = 0; d < 4; ++d) splits.push_back(first_ready - 1 + d);
      for (std::size_t n = first_ready + 5; n < rows.size(); n += 37) splits.push_back(n);
      for (const std::size_t n : splits) {
        EmaCrossStrategy original(sc);
        for (std::size_t i = 0; i < n; ++i) original.on_features(rows[i]);
        const std::string saved = state_of(original);
        EmaCrossStrategy restored(sc);
        StateReader r(saved, "model state");
        r.get(restored);
        ASSERT_TRUE(r.ok()) << r.error();
        ASSERT_TRUE(r.at_end());
        ASSERT_EQ(state_of(restored), saved);
        for (std::size_t i = n; i < rows.size(); ++i) {
          const auto a = original.on_features(rows[i]);
          const auto b = restored.on_features(rows[i]);
          ASSERT_EQ(signal_difference(a, b), "") << "seed " << seed << ", split " << n << ", row " << i;
          if (a) ++signals_after_split;
        }
        EXPECT_EQ(state_of(restored), state_of(original));
      }
    }
  }
  EXPECT_GT(signals_after_split, 0);  // the splits did fall between crosses
}

TEST(EmaCrossState, TruncatedOrImpossibleStateFails) {
  const auto rows = rows_of(small_config(), testing::random_minute_bars(24, 600));
  EmaCrossStrategy original{StrategyConfig{}};
  for (const auto& row : rows) original.on_features(row);
  const std::string saved = state_of(original);
  for (std::size_t cut = 0; cut < saved.size(); ++cut) {
    EmaCrossStrategy s{StrategyConfig{}};
    StateReader r(std::string_view(saved).substr(0, cut), "model");
    r.get(s);
    EXPECT_FALSE(r.ok()) << "cut at " << cut;
  }
  for (const std::int64_t side : {-2, 2, 1000}) {
    StateWriter w;
    w.put(side);
    EmaCrossStrategy s{StrategyConfig{}};
    StateReader r(w.bytes(), "model");
    r.get(s);
    EXPECT_FALSE(r.ok()) << side;
    EXPECT_NE(r.error().find("EMA cross side"), std::string::npos) << r.error();
  }
}

}  // namespace
}  // namespace verity
