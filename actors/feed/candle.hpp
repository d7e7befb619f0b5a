// Candles as the market-data store keeps them, and the rows it sets aside.
// Plain values shared by the validator (which decides what goes where), the
// store (which keeps them) and the feed (which replays them): no I/O here.
#pragma once

#include <cstdint>
#include <string>

#include "actors/feed/bar.hpp"

namespace verity {

/// Bits of Candle::flags.
inline constexpr std::uint32_t kCandleSynthetic = 1u << 0;  // made by `repair` to fill a gap: flat, zero volume
inline constexpr std::uint32_t kCandlePartial = 1u << 1;    // resampled from a bucket missing some source bars

/// One stored candle of a (symbol, timeframe) series. The series and the
/// interval are the key's business, so they are not repeated here.
struct Candle {
  std::int64_t open_time_ns = 0;
  double open = 0, high = 0, low = 0, close = 0, volume = 0;
  std::uint32_t flags = 0;

  bool synthetic() const { return (flags & kCandleSynthetic) != 0; }
  friend bool operator==(const Candle&, const Candle&) = default;
};

/// The candle as a bar of `symbol` with the given length.
inline BarData to_bar(const Candle& c, const std::string& symbol, std::int64_t interval_ns) {
  BarData b;
  b.symbol = symbol;
  b.open_time_ns = c.open_time_ns;
  b.interval_ns = interval_ns;
  b.open = c.open;
  b.high = c.high;
  b.low = c.low;
  b.close = c.close;
  b.volume = c.volume;
  return b;
}

/// A row that failed validation under the `quarantine` or `repair` policy:
/// kept, with where it came from and why, so it stays visible.
struct QuarantinedRow {
  std::int64_t open_time_ns = 0;
  double open = 0, high = 0, low = 0, close = 0, volume = 0;
  std::string source;        // the file as named on the command line
  std::uint64_t line = 0;    // 1-based line (candle number for JSON files)
  std::uint32_t checks = 0;  // bit i set: Check i of validate.hpp failed
  std::string reason;        // the first problem, in words

  friend bool operator==(const QuarantinedRow&, const QuarantinedRow&) = default;
};

}  // namespace verity
