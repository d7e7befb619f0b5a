// Streaming indicators: O(1) per update, bounded memory. Each reports ready()
// once it has seen enough data for its definition; before that, value() is
// the best partial estimate and must not be traded on.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "actors/feed/bar.hpp"

namespace verity {

struct FeaturesConfig;

/// Simple moving average over the last `period` values.
class Sma {
 public:
  explicit Sma(std::size_t period);
  double update(double x);
  double value() const { return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_ < period_ ? count_ : period_); }
  bool ready() const { return count_ >= period_; }

 private:
  std::size_t period_;
  std::vector<double> window_;
  std::size_t count_ = 0;
  double sum_ = 0;
};

/// Exponential moving average, alpha = 2 / (period + 1), seeded with the SMA
/// of the first `period` values (TA-Lib's convention).
class Ema {
 public:
  explicit Ema(std::size_t period);
  double update(double x);
  double value() const { return value_; }
  bool ready() const { return count_ >= period_; }

 private:
  std::size_t period_;
  double alpha_;
  std::size_t count_ = 0;
  double seed_sum_ = 0;
  double value_ = 0;
};

/// Average true range with Wilder's smoothing; the first value is the mean
/// of the first `period` true ranges.
class Atr {
 public:
  explicit Atr(std::size_t period);
  double update(double high, double low, double close);
  double value() const { return value_; }
  bool ready() const { return count_ >= period_; }

 private:
  std::size_t period_;
  std::size_t count_ = 0;
  double prev_close_ = 0;
  double seed_sum_ = 0;
  double value_ = 0;
};

/// Feature set 1: what the rule-based baseline needs. The order of
/// `kFeatureNames` is the order of FeatureVector.values.
inline constexpr std::uint32_t kFeatureSetBaseline = 1;
inline constexpr std::string_view kFeatureNames[] = {"close", "ema_fast", "ema_slow", "sma", "atr"};

struct FeatureRow {
  double close = 0, ema_fast = 0, ema_slow = 0, sma = 0, atr = 0;
  bool ready = false;
};

class FeatureEngine {
 public:
  explicit FeatureEngine(const FeaturesConfig& config);
  FeatureRow update(const BarData& bar);

 private:
  Ema ema_fast_, ema_slow_;
  Sma sma_;
  Atr atr_;
};

}  // namespace verity
