// Generators the rapidcheck properties share.
#pragma once

#include <rapidcheck.h>

#include "actors/runtime/config.hpp"

namespace verity::testing {

/// An integer in [lo, hi), uniform at every case: rapidcheck scales inRange
/// with its size, which starts at 0, and early cases would all sit at `lo`.
inline int int_in(int lo, int hi) { return *rc::gen::resize(rc::kNominalSize, rc::gen::inRange(lo, hi)); }

/// A real number in [lo, hi] on a grid of a million steps: rapidcheck's own
/// double generator produces infinities and huge exponents we do not want.
inline double real_in(double lo, double hi) {
  const int step = int_in(0, 1'000'001);
  return lo + (hi - lo) * static_cast<double>(step) / 1e6;
}

/// Feature periods short enough that every column, the hourly ones
/// included, is warm inside a few hundred bars.
inline FeaturesConfig random_features_config() {
  FeaturesConfig c;
  c.ema_fast = int_in(1, 12);
  c.ema_slow = c.ema_fast + int_in(1, 20);
  c.sma = int_in(1, 40);
  c.atr = int_in(1, 20);
  c.rsi = int_in(2, 6);
  c.macd_fast = int_in(1, 10);
  c.macd_slow = c.macd_fast + int_in(1, 15);
  c.macd_signal = int_in(1, 10);
  c.bollinger = int_in(2, 30);
  c.bollinger_k = int_in(1, 31) / 10.0;
  c.volatility = int_in(2, 30);
  c.momentum = int_in(1, 20);
  c.volume_z = int_in(2, 30);
  c.regime_window = int_in(10, 120);
  return c;
}

}  // namespace verity::testing
