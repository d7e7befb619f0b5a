#include "actors/model/ema_cross.hpp"

#include "actors/runtime/config.hpp"

namespace verity {

EmaCrossStrategy::EmaCrossStrategy(const StrategyConfig& c)
    : stop_atr_(c.stop_atr), target_atr_(c.target_atr), confidence_(c.confidence) {}

std::optional<SignalSpec> EmaCrossStrategy::on_features(const FeatureRow& row) {
  if (!row.ready || row.atr <= 0) return std::nullopt;
  const int side = row.ema_fast > row.ema_slow ? 1 : (row.ema_fast < row.ema_slow ? -1 : 0);
  if (side == 0) return std::nullopt;  // a tie is not a cross; keep the last side
  const int previous = last_side_;
  last_side_ = side;
  if (previous == 0 || previous == side) return std::nullopt;
  SignalSpec s;
  s.entry = row.close;
  s.confidence = confidence_;
  if (side > 0) {
    s.direction = schema::Direction::UP;
    s.stop_loss = row.close - stop_atr_ * row.atr;
    s.take_profit = row.close + target_atr_ * row.atr;
  } else {
    s.direction = schema::Direction::DOWN;
    s.stop_loss = row.close + stop_atr_ * row.atr;
    s.take_profit = row.close - target_atr_ * row.atr;
  }
  return s;
}

}  // namespace verity
