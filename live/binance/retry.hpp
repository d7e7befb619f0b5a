// How the Binance connector waits: exponential backoff with full jitter from
// a seeded Prng (same seed, same delays), and the request-weight budget that
// Binance reports in X-MBX-USED-WEIGHT-1M. Waiting goes through an injected
// sleep function, so tests record the delays instead of sleeping.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "actors/runtime/prng.hpp"

namespace verity {

struct RetryPolicy {
  /// Attempts per call, the first included (at least 1).
  int max_attempts = 5;
  std::chrono::milliseconds base_delay{250};
  std::chrono::milliseconds max_delay{10'000};
  /// A 429's Retry-After longer than this fails the call instead of waiting.
  std::chrono::milliseconds max_retry_after{60'000};
  /// Binance spot's REQUEST_WEIGHT limit per minute (exchangeInfo's
  /// rateLimits; 6000 since 2023, 1200 before).
  std::int64_t weight_limit_1m = 6000;
  /// Above this share of the limit the client waits for the next minute
  /// before its next call.
  double weight_throttle_share = 0.9;
};

/// Waits for a duration. The default sleeps the calling thread; tests record.
using SleepFn = std::function<void(std::chrono::milliseconds)>;
SleepFn real_sleep();

/// Delays for successive retries: attempt n (0-based) waits a uniform random
/// time in [0, min(max_delay, base_delay * 2^n)] ("full jitter").
class Backoff {
 public:
  Backoff(std::chrono::milliseconds base, std::chrono::milliseconds max, std::uint64_t seed, std::uint64_t stream = 0)
      : base_(base), max_(max), prng_(seed, stream) {}
  /// The upper bound for attempt n.
  std::chrono::milliseconds cap(int attempt) const;
  std::chrono::milliseconds delay(int attempt);

 private:
  std::chrono::milliseconds base_, max_;
  Prng prng_;
};

/// The weight used in the current minute as the venue reports it.
class WeightBudget {
 public:
  explicit WeightBudget(std::int64_t limit = 6000, double throttle_share = 0.9)
      : limit_(limit), share_(throttle_share) {}
  /// From a response's X-MBX-USED-WEIGHT-1M header.
  void observe(std::int64_t used) { used_ = used; }
  std::int64_t used() const { return used_; }
  std::int64_t limit() const { return limit_; }
  /// True when the next call should wait for the minute to roll over.
  bool over_threshold() const { return static_cast<double>(used_) >= share_ * static_cast<double>(limit_); }
  /// After waiting for the next minute.
  void reset() { used_ = 0; }

 private:
  std::int64_t limit_;
  double share_;
  std::int64_t used_ = 0;
};

}  // namespace verity
