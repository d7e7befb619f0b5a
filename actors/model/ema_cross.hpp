// The rule-based baseline (docs/ARCHITECTURE.md, "Baseline strategy"): go
// long when the fast EMA crosses above the slow EMA, short when it crosses
// below. The stop sits `stop_atr` ATRs from the entry and the target
// `target_atr` ATRs the other way. No signal until every feature is warm.
#pragma once

#include <optional>

#include "actors/features/indicators.hpp"
#include "schema/signal.capnp.h"

namespace verity {

struct StrategyConfig;

struct SignalSpec {
  schema::Direction direction = schema::Direction::FLAT;
  double entry = 0, stop_loss = 0, take_profit = 0, confidence = 0;
};

class EmaCrossStrategy {
 public:
  explicit EmaCrossStrategy(const StrategyConfig& config);
  std::optional<SignalSpec> on_features(const FeatureRow& row);

  /// Snapshot state: last_side_. stop_atr_, target_atr_ and confidence_ are
  /// configuration from StrategyConfig, fixed by the constructor, not saved.
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  double stop_atr_, target_atr_, confidence_;
  int last_side_ = 0;  // sign of ema_fast - ema_slow at the last warm bar; 0 before
};

}  // namespace verity
