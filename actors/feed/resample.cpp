#include "actors/feed/resample.hpp"

#include <algorithm>

#include "actors/runtime/assert.hpp"
#include "actors/runtime/calendar.hpp"

namespace verity {

Resampler::Resampler(Timeframe to, std::int64_t source_interval_ns)
    : to_(to), expected_(static_cast<std::uint32_t>(timeframe_ns(to) / source_interval_ns)) {
  VERITY_ASSERT(source_interval_ns > 0 && timeframe_ns(to) % source_interval_ns == 0,
                "the source interval must divide the target timeframe");
}

std::optional<ResampledBar> Resampler::add(const BarData& b) {
  const std::int64_t start = bucket_start_ns(to_, b.open_time_ns);
  std::optional<ResampledBar> closed;
  if (open_ && open_->bar.open_time_ns != start) {
    closed = std::move(open_);
    open_.reset();
  }
  if (!open_) {
    ResampledBar r;
    r.bar = b;
    r.bar.open_time_ns = start;
    r.bar.interval_ns = timeframe_ns(to_);
    r.bars = 1;
    r.expected = expected_;
    open_ = std::move(r);
  } else {
    BarData& a = open_->bar;
    a.high = std::max(a.high, b.high);
    a.low = std::min(a.low, b.low);
    a.close = b.close;
    a.volume += b.volume;
    open_->bars += 1;
  }
  return closed;
}

std::optional<ResampledBar> Resampler::flush() {
  auto out = std::move(open_);
  open_.reset();
  return out;
}

std::expected<std::vector<ResampledBar>, std::string> resample(const std::vector<BarData>& source, Timeframe to) {
  std::vector<ResampledBar> out;
  if (source.empty()) return out;
  const std::int64_t interval = source.front().interval_ns;
  if (interval <= 0 || timeframe_ns(to) % interval != 0 || interval > timeframe_ns(to)) {
    return std::unexpected("cannot resample bars of " + std::to_string(interval / 1'000'000'000) + " s to " +
                           std::string(timeframe_name(to)) + ": the target must be a whole multiple");
  }
  Resampler r(to, interval);
  for (std::size_t i = 0; i < source.size(); ++i) {
    const BarData& b = source[i];
    if (b.interval_ns != interval) {
      return std::unexpected("bar " + std::to_string(i + 1) + " at " + format_iso8601_ms(b.open_time_ns) +
                             " has another interval than the first bar");
    }
    if (i > 0 && b.open_time_ns <= source[i - 1].open_time_ns) {
      return std::unexpected("bar " + std::to_string(i + 1) + " at " + format_iso8601_ms(b.open_time_ns) +
                             " is not after the bar before it: validate and sort first");
    }
    if (b.symbol != source.front().symbol) {
      return std::unexpected("bar " + std::to_string(i + 1) + " is for " + b.symbol + ", not " +
                             source.front().symbol);
    }
    if (auto closed = r.add(b)) out.push_back(std::move(*closed));
  }
  if (auto last = r.flush()) out.push_back(std::move(*last));
  return out;
}

}  // namespace verity
