#include "sim/bar_source.hpp"

#include <tuple>

namespace verity {

std::optional<BarData> VectorBarSource::next() {
  if (pos_ >= bars_.size()) return std::nullopt;
  return bars_[pos_++];
}

MergedBarSource::MergedBarSource(std::vector<std::unique_ptr<BarSource>> sources) : sources_(std::move(sources)) {
  heads_.reserve(sources_.size());
  for (auto& s : sources_) heads_.push_back(s->next());
}

std::optional<BarData> MergedBarSource::next() {
  // A linear scan: a session merges a handful of symbols, and the order must
  // be total, so ties break on symbol and then on the source's position.
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < heads_.size(); ++i) {
    if (!heads_[i]) continue;
    if (!best) {
      best = i;
      continue;
    }
    const BarData& a = *heads_[i];
    const BarData& b = *heads_[*best];
    if (std::make_tuple(close_time_ns(a), std::string_view(a.symbol), i) <
        std::make_tuple(close_time_ns(b), std::string_view(b.symbol), *best)) {
      best = i;
    }
  }
  if (!best) return std::nullopt;
  std::optional<BarData> out = std::move(heads_[*best]);
  heads_[*best] = sources_[*best]->next();
  return out;
}

std::string MergedBarSource::describe() const {
  std::string out = "merge(";
  for (std::size_t i = 0; i < sources_.size(); ++i) out += (i ? "," : "") + sources_[i]->describe();
  return out + ")";
}

}  // namespace verity
