// Scripted market stress on a stream of bars (stress.* in the config, docs/
// STRESS.md). Times are minutes from the first bar of the stream; -1 turns
// an event off. The bar-side events:
//   - flash crash: prices fall by drop_pct over flash_crash_minutes (linear
//     in log price), then recover over flash_crash_recovery_minutes;
//   - volatility spike: for vol_spike_minutes every price moves `factor`
//     times as far from the spike's first open in log terms, so returns and
//     ranges scale by the factor; the level it ends at carries on;
//   - venue outage: no bars for outage_minutes (the venue refuses orders
//     then, too);
//   - feed gaps: `feed_gaps` seeded windows of feed_gap_minutes without bars;
//   - weekend gap: no bars from Saturday 00:00 to Monday 00:00 UTC, and
//     Monday opens weekend_gap_pct away from Friday's close, up or down by a
//     seeded coin; the shift carries on.
// With several symbols in one stream, the spike's anchor, the levels that
// carry on and the weekend gaps are each symbol's own (a coin per symbol per
// weekend, drawn in stream order); the event windows are shared.
// Venue-side events (latency spikes, reject storms, the outage's refusals)
// live in the simulated venue. Every bar keeps low <= open, close <= high.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/runtime/config.hpp"
#include "actors/runtime/prng.hpp"
#include "sim/bar_source.hpp"

namespace verity {

/// True when any bar-side event of `c` is on.
bool has_bar_stress(const StressConfig& c);

class StressedBarSource final : public BarSource {
 public:
  /// `span_minutes`: how long the stream runs, for placing the feed gaps.
  StressedBarSource(std::unique_ptr<BarSource> inner, const StressConfig& config, Prng prng,
                    std::int64_t span_minutes);
  std::optional<BarData> next() override;
  std::string describe() const override;

  /// Bars dropped so far (outage, feed gaps, weekends).
  std::uint64_t dropped() const { return dropped_; }

 private:
  bool dropped_at(std::int64_t minute, std::int64_t open_time_ns) const;
  double flash_factor(double minute) const;
  /// The lowest flash factor over [m_open, m_close] (the bottom may lie inside a bar).
  double flash_low(double m_open, double m_close) const;

  /// What the transforms carry from one bar of a symbol to the next.
  struct SymbolState {
    // Volatility spike: the anchor price and the level it leaves behind.
    std::optional<double> vol_anchor;
    double vol_shift = 1.0;
    double last_vol_close_ratio = 1.0;
    // Weekend gaps.
    double weekend_shift = 1.0;
    bool in_weekend = false;  // weekend bars were dropped since the last bar kept
    double last_close = 0;    // of the last bar kept, after every transform
  };

  std::unique_ptr<BarSource> inner_;
  StressConfig c_;
  Prng prng_;
  std::vector<std::int64_t> gap_starts_;  // minutes, sorted
  std::optional<std::int64_t> t0_ns_;
  std::map<std::string, SymbolState> symbols_;
  std::uint64_t dropped_ = 0;
};

}  // namespace verity
