// Where a session's bars come from: the seeded generator, stored candles, or
// any list of bars; and a merge of several sources into one stream.
//
// The merge orders bars by the time they become known (open + interval,
// i.e. the close), then by symbol name, then by source index: a total order,
// so several symbols always interleave the same way.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/feed/bar.hpp"

namespace verity {

class BarSource {
 public:
  virtual ~BarSource() = default;
  /// The next bar, or nullopt when the source is exhausted.
  virtual std::optional<BarData> next() = 0;
  /// What the bars are, for manifests and messages ("generator:gbm", "store:BTCUSDT/1m").
  virtual std::string describe() const = 0;
};

/// Bars held in memory, in order.
class VectorBarSource final : public BarSource {
 public:
  VectorBarSource(std::vector<BarData> bars, std::string name) : bars_(std::move(bars)), name_(std::move(name)) {}
  std::optional<BarData> next() override;
  std::string describe() const override { return name_; }

 private:
  std::vector<BarData> bars_;
  std::size_t pos_ = 0;
  std::string name_;
};

/// Several sources merged by (close time, symbol, source index).
class MergedBarSource final : public BarSource {
 public:
  explicit MergedBarSource(std::vector<std::unique_ptr<BarSource>> sources);
  std::optional<BarData> next() override;
  std::string describe() const override;

 private:
  std::vector<std::unique_ptr<BarSource>> sources_;
  std::vector<std::optional<BarData>> heads_;  // the next bar of each source
};

/// The close time of a bar: when it becomes known to the graph.
inline std::int64_t close_time_ns(const BarData& b) { return b.open_time_ns + b.interval_ns; }

}  // namespace verity
