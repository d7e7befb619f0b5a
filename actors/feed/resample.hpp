// Resampling candles to a longer timeframe, aligned to UTC buckets
// (actors/feed/timeframe.hpp): open of the first bar, high of the highs, low
// of the lows, close of the last, volume summed in time order. A bucket that
// holds fewer bars than its length allows (a gap inside it, or the last,
// still-open bucket) is flagged partial and says how many bars it holds.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "actors/feed/bar.hpp"
#include "actors/feed/timeframe.hpp"

namespace verity {

struct ResampledBar {
  BarData bar;                 // interval_ns is the target timeframe's length
  std::uint32_t bars = 0;      // source bars in the bucket
  std::uint32_t expected = 0;  // source bars a full bucket holds
  bool partial() const { return bars < expected; }
};

/// Resamples `source` (one symbol, strictly increasing open times, all of
/// one interval that divides `to` evenly) to timeframe `to`. An unsorted,
/// mixed or non-dividing input is an error naming the first offending bar.
std::expected<std::vector<ResampledBar>, std::string> resample(const std::vector<BarData>& source, Timeframe to);

/// The same, one bar at a time: feed bars in order; a bucket is emitted when
/// a bar of a later bucket arrives, or on flush() for the last one.
class Resampler {
 public:
  Resampler(Timeframe to, std::int64_t source_interval_ns);
  /// Adds a bar; returns the bucket it closed, if any.
  std::optional<ResampledBar> add(const BarData& bar);
  /// The bucket still open, if any (flagged partial when not full).
  std::optional<ResampledBar> flush();

 private:
  Timeframe to_;
  std::uint32_t expected_;
  std::optional<ResampledBar> open_;
};

}  // namespace verity
