#include "live/binance/retry.hpp"

#include <algorithm>
#include <thread>

namespace verity {

SleepFn real_sleep() {
  return [](std::chrono::milliseconds d) {
    if (d.count() > 0) std::this_thread::sleep_for(d);
  };
}

std::chrono::milliseconds Backoff::cap(int attempt) const {
  const std::int64_t base = std::max<std::int64_t>(base_.count(), 1);
  const std::int64_t max = std::max<std::int64_t>(max_.count(), base);
  std::int64_t c = base;
  for (int i = 0; i < attempt && c < max; ++i) c *= 2;
  return std::chrono::milliseconds(std::min(c, max));
}

std::chrono::milliseconds Backoff::delay(int attempt) {
  const std::int64_t c = cap(attempt).count();
  return std::chrono::milliseconds(static_cast<std::int64_t>(prng_.below(static_cast<std::uint64_t>(c) + 1)));
}

}  // namespace verity
