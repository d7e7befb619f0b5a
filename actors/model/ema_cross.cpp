#include "actors/model/ema_cross.hpp"

#include <cstdint>
#include <string>

#include "actors/runtime/config.hpp"
#include "actors/runtime/state_archive.hpp"

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

void EmaCrossStrategy::save(StateWriter& w) const { w.put(static_cast<std::int64_t>(last_side_)); }

void EmaCrossStrategy::load(StateReader& r) {
  std::int64_t side = 0;
  r.get(side);
  if (!r.ok()) return;
  if (side < -1 || side > 1) {
    r.fail("an EMA cross side of " + std::to_string(side) + ", not -1, 0 or 1");
    return;
  }
  last_side_ = static_cast<int>(side);
}

}  // namespace verity
