#include "actors/runtime/clock.hpp"

#include <chrono>

namespace verity {

namespace {
std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())  // det-ok: Stopwatch only
      .count();
}
}  // namespace

std::int64_t LiveClock::now_ns() {
  const std::int64_t wall = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::system_clock::now().time_since_epoch())  // det-ok: the live clock
                                .count();
  last_ns_ = wall > last_ns_ ? wall : last_ns_ + 1;
  return last_ns_;
}

Stopwatch::Stopwatch() : start_ns_(steady_ns()) {}

double Stopwatch::elapsed_s() const { return static_cast<double>(steady_ns() - start_ns_) / 1e9; }

}  // namespace verity
