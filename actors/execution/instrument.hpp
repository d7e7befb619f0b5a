// Exchange precision: prices move in ticks and quantities in steps. The
// simulated venue refuses an order off the grid (RejectReason PRECISION);
// risk sizes orders down to the step with floor_to_step so they pass.
// Both helpers allow a relative error of 1e-9 in value / step, so a quantity
// that is a whole number of steps up to floating-point representation passes.
#pragma once

#include <cmath>

namespace verity {

/// The largest multiple of `step` not above `qty` (qty >= 0), tolerant of the
/// representation error of qty / step. A step <= 0 means no grid: qty itself.
inline double floor_to_step(double qty, double step) {
  if (!(step > 0)) return qty;
  // n = qty / step may land a hair under a whole number it really is
  // (0.3 / 0.1 = 2.9999999999999996); one more step is taken only when it
  // stays within a few ulps of qty, so the result never exceeds qty by more
  // than rounding.
  const double k = std::floor(qty / step);
  const double up = (k + 1) * step;
  return up <= qty * (1 + 4e-16) ? up : k * step;
}

/// True when `value` is a whole number of `step`s, within 1e-9 relative.
/// A step <= 0 means no grid: every value is on it.
inline bool on_grid(double value, double step) {
  if (!(step > 0)) return true;
  const double n = value / step;
  return std::fabs(n - std::round(n)) <= 1e-9 * std::fmax(1.0, std::fabs(n));
}

}  // namespace verity
