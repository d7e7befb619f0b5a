// Snapshots of the features and the model (issue 5). The property: for
// random bar series (with gaps), random periods and a random split point,
// saving the FeatureEngine and the EmaCrossStrategy at the split and loading
// them into fresh objects built from the same configuration gives the same
// rows and signals, bit for bit, for every later bar; the loaded objects
// save the bytes they were loaded from, and equal bytes again at the end.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "tests/support/rc_gen.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <string>

#include "actors/features/indicators.hpp"
#include "actors/model/ema_cross.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/state_archive.hpp"
#include "tests/support/candles.hpp"

namespace verity {
namespace {

using testing::int_in;
using testing::random_features_config;


template <class T>
std::string state_of(const T& x) {
  StateWriter w;
  w.put(x);
  return w.bytes();
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

bool same_row(const FeatureRow& a, const FeatureRow& b) {
  for (const auto& col : kFeatureColumns) {
    if (!same_bits(a.*col.member, b.*col.member)) return false;
  }
  return a.ready == b.ready;
}

bool same_signal(const std::optional<SignalSpec>& a, const std::optional<SignalSpec>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->direction == b->direction && same_bits(a->entry, b->entry) &&
                same_bits(a->stop_loss, b->stop_loss) && same_bits(a->take_profit, b->take_profit) &&
                same_bits(a->confidence, b->confidence));
}

RC_GTEST_PROP(FeatureState, SaveAndLoadAtARandomSplitContinuesBitForBit, ()) {
  const FeaturesConfig config = random_features_config();
  StrategyConfig strategy;
  strategy.stop_atr = int_in(1, 40) / 10.0;
  strategy.target_atr = int_in(1, 60) / 10.0;
  const auto n = static_cast<std::size_t>(int_in(0, 700));
  const auto seed = static_cast<std::uint64_t>(int_in(0, 1'000'000));
  const double gaps = int_in(0, 3) / 100.0;
  const std::vector<BarData> bars = testing::random_minute_bars(seed, n, gaps);
  const auto split = static_cast<std::size_t>(int_in(0, static_cast<int>(n) + 1));

  FeatureEngine engine(config);
  EmaCrossStrategy model(strategy);
  for (std::size_t i = 0; i < split; ++i) model.on_features(engine.update(bars[i]));

  const std::string engine_bytes = state_of(engine);
  const std::string model_bytes = state_of(model);
  FeatureEngine engine2(config);
  EmaCrossStrategy model2(strategy);
  StateReader re(engine_bytes, "features");
  re.get(engine2);
  RC_ASSERT(re.ok());
  RC_ASSERT(re.at_end());
  StateReader rm(model_bytes, "model");
  rm.get(model2);
  RC_ASSERT(rm.ok());
  RC_ASSERT(rm.at_end());
  RC_ASSERT(state_of(engine2) == engine_bytes);
  RC_ASSERT(state_of(model2) == model_bytes);

  bool warm_at_split = false;
  int signals = 0;
  for (std::size_t i = split; i < n; ++i) {
    const FeatureRow a = engine.update(bars[i]);
    const FeatureRow b = engine2.update(bars[i]);
    RC_ASSERT(same_row(a, b));
    if (i == split) warm_at_split = a.ready;
    const auto sa = model.on_features(a);
    const auto sb = model2.on_features(b);
    RC_ASSERT(same_signal(sa, sb));
    if (sa) ++signals;
  }
  RC_ASSERT(state_of(engine2) == state_of(engine));
  RC_ASSERT(state_of(model2) == state_of(model));
  RC_CLASSIFY(split == 0, "split before any bar");
  RC_CLASSIFY(split == n, "split after the last bar");
  RC_CLASSIFY(warm_at_split, "split after every column is warm");
  RC_CLASSIFY(signals > 0, "signals after the split");
}

RC_GTEST_PROP(FeatureState, AnyPrefixOfTheStateFailsToLoad, ()) {
  const FeaturesConfig config = random_features_config();
  const auto n = static_cast<std::size_t>(int_in(0, 300));
  const std::vector<BarData> bars =
      testing::random_minute_bars(static_cast<std::uint64_t>(int_in(0, 1'000'000)), n, 0.01);
  FeatureEngine engine(config);
  for (const auto& b : bars) engine.update(b);
  const std::string bytes = state_of(engine);
  const auto cut = static_cast<std::size_t>(int_in(0, static_cast<int>(bytes.size())));
  FeatureEngine back(config);
  StateReader r(std::string_view(bytes).substr(0, cut), "features");
  r.get(back);
  RC_ASSERT(!r.ok());
}

}  // namespace
}  // namespace verity
