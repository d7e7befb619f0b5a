// The only door through which time enters Verity (docs/DETERMINISM.md).
//
// A SimClock follows the sequence of inputs; a LiveClock reads the wall
// clock, and the sequencer journals each reading as part of the input it
// stamps, so a replay sees the same times. Stopwatch measures how long a run
// took for reports; its readings never reach the graph or the journal.
#pragma once

#include <cstdint>

namespace verity {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Nanoseconds since the Unix epoch, UTC.
  virtual std::int64_t now_ns() = 0;
};

/// Time that moves only when told to; never backwards.
class SimClock final : public Clock {
 public:
  explicit SimClock(std::int64_t start_ns = 0) : now_ns_(start_ns) {}
  std::int64_t now_ns() override { return now_ns_; }
  /// Moves to `t_ns`; a time earlier than now is ignored, so the clock stays monotonic.
  void advance_to(std::int64_t t_ns) {
    if (t_ns > now_ns_) now_ns_ = t_ns;
  }

 private:
  std::int64_t now_ns_;
};

/// Wall time, strictly increasing even if the system clock steps back.
class LiveClock final : public Clock {
 public:
  std::int64_t now_ns() override;

 private:
  std::int64_t last_ns_ = 0;
};

/// Elapsed wall time for reports and benchmarks only.
class Stopwatch {
 public:
  Stopwatch();
  double elapsed_s() const;

 private:
  std::int64_t start_ns_;
};

inline constexpr std::int64_t kNsPerSecond = 1'000'000'000;
inline constexpr std::int64_t kNsPerMinute = 60 * kNsPerSecond;
inline constexpr std::int64_t kNsPerDay = 86'400 * kNsPerSecond;

}  // namespace verity
