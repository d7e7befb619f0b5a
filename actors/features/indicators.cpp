#include "actors/features/indicators.hpp"

#include <algorithm>
#include <cmath>

#include "actors/runtime/assert.hpp"
#include "actors/runtime/config.hpp"

namespace verity {

Sma::Sma(std::size_t period) : period_(period), window_(period, 0.0) {
  VERITY_ASSERT(period > 0, "SMA period must be positive");
}

double Sma::update(double x) {
  const std::size_t slot = count_ % period_;
  if (count_ >= period_) sum_ -= window_[slot];
  window_[slot] = x;
  sum_ += x;
  ++count_;
  return value();
}

Ema::Ema(std::size_t period) : period_(period), alpha_(2.0 / (static_cast<double>(period) + 1.0)) {
  VERITY_ASSERT(period > 0, "EMA period must be positive");
}

double Ema::update(double x) {
  ++count_;
  if (count_ <= period_) {
    seed_sum_ += x;
    value_ = seed_sum_ / static_cast<double>(count_);
  } else {
    value_ = value_ + alpha_ * (x - value_);
  }
  return value_;
}

Atr::Atr(std::size_t period) : period_(period) { VERITY_ASSERT(period > 0, "ATR period must be positive"); }

double Atr::update(double high, double low, double close) {
  double tr = high - low;
  if (count_ > 0) tr = std::max({tr, std::fabs(high - prev_close_), std::fabs(low - prev_close_)});
  prev_close_ = close;
  ++count_;
  if (count_ <= period_) {
    seed_sum_ += tr;
    value_ = seed_sum_ / static_cast<double>(count_);
  } else {
    const double n = static_cast<double>(period_);
    value_ = (value_ * (n - 1.0) + tr) / n;
  }
  return value_;
}

FeatureEngine::FeatureEngine(const FeaturesConfig& c)
    : ema_fast_(static_cast<std::size_t>(c.ema_fast)),
      ema_slow_(static_cast<std::size_t>(c.ema_slow)),
      sma_(static_cast<std::size_t>(c.sma)),
      atr_(static_cast<std::size_t>(c.atr)) {}

FeatureRow FeatureEngine::update(const BarData& bar) {
  FeatureRow row;
  row.close = bar.close;
  row.ema_fast = ema_fast_.update(bar.close);
  row.ema_slow = ema_slow_.update(bar.close);
  row.sma = sma_.update(bar.close);
  row.atr = atr_.update(bar.high, bar.low, bar.close);
  row.ready = ema_fast_.ready() && ema_slow_.ready() && sma_.ready() && atr_.ready();
  return row;
}

}  // namespace verity
