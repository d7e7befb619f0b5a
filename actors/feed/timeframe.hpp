// Candle timeframes: 1m, 5m, 15m, 1h, 4h and 1d, aligned to UTC. A bucket of
// timeframe T starts at a multiple of T's length since the Unix epoch, so
// 1d buckets start at 00:00 UTC and 4h buckets at 00, 04, 08, ... UTC.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace verity {

enum class Timeframe : std::uint8_t { m1 = 0, m5, m15, h1, h4, d1 };

inline constexpr std::array<Timeframe, 6> kAllTimeframes = {Timeframe::m1, Timeframe::m5, Timeframe::m15,
                                                            Timeframe::h1, Timeframe::h4, Timeframe::d1};

constexpr std::int64_t timeframe_seconds(Timeframe tf) {
  switch (tf) {
    case Timeframe::m1: return 60;
    case Timeframe::m5: return 300;
    case Timeframe::m15: return 900;
    case Timeframe::h1: return 3600;
    case Timeframe::h4: return 14400;
    case Timeframe::d1: return 86400;
  }
  return 60;
}

constexpr std::int64_t timeframe_ns(Timeframe tf) { return timeframe_seconds(tf) * 1'000'000'000; }

constexpr std::string_view timeframe_name(Timeframe tf) {
  switch (tf) {
    case Timeframe::m1: return "1m";
    case Timeframe::m5: return "5m";
    case Timeframe::m15: return "15m";
    case Timeframe::h1: return "1h";
    case Timeframe::h4: return "4h";
    case Timeframe::d1: return "1d";
  }
  return "1m";
}

constexpr std::optional<Timeframe> parse_timeframe(std::string_view name) {
  for (Timeframe tf : kAllTimeframes) {
    if (timeframe_name(tf) == name) return tf;
  }
  return std::nullopt;
}

/// The timeframe whose length is `interval_ns`, if it is one of ours.
constexpr std::optional<Timeframe> timeframe_of_interval(std::int64_t interval_ns) {
  for (Timeframe tf : kAllTimeframes) {
    if (timeframe_ns(tf) == interval_ns) return tf;
  }
  return std::nullopt;
}

/// Start of the bucket of `tf` containing `t_ns` (floor, also for times before 1970).
constexpr std::int64_t bucket_start_ns(Timeframe tf, std::int64_t t_ns) {
  const std::int64_t len = timeframe_ns(tf);
  std::int64_t q = t_ns / len;
  if (t_ns % len != 0 && t_ns < 0) --q;
  return q * len;
}

}  // namespace verity
