#include "sim/market_generator.hpp"

#include <algorithm>
#include <cmath>

#include "actors/runtime/clock.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/detmath.hpp"

namespace verity {

namespace {
constexpr double kSecondsPerYear = 365.25 * 86'400.0;
}

GbmGenerator::GbmGenerator(const MarketConfig& c, Prng prng)
    : symbol_(c.symbol),
      interval_ns_(c.bar_interval_s * kNsPerSecond),
      next_time_ns_(c.start_time_ns),
      price_(c.start_price),
      volume_mean_(c.volume_mean),
      prng_(std::move(prng)) {
  const double dt = static_cast<double>(c.bar_interval_s) / kSecondsPerYear / kSubsteps;
  const double sigma = c.volatility_annual;
  drift_step_ = (c.drift_annual - 0.5 * sigma * sigma) * dt;
  vol_step_ = sigma * std::sqrt(dt);
}

BarData GbmGenerator::next() {
  BarData b;
  b.symbol = symbol_;
  b.open_time_ns = next_time_ns_;
  b.interval_ns = interval_ns_;
  b.open = b.high = b.low = price_;
  for (int i = 0; i < kSubsteps; ++i) {
    price_ *= det_exp(drift_step_ + vol_step_ * prng_.normal());
    b.high = std::max(b.high, price_);
    b.low = std::min(b.low, price_);
  }
  b.close = price_;
  // Log-normal volume with mean volume_mean: exp(N(-s^2/2, s^2)), s = 0.5.
  b.volume = volume_mean_ * det_exp(0.5 * prng_.normal() - 0.125);
  next_time_ns_ += interval_ns_;
  return b;
}

}  // namespace verity
