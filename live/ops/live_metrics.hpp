// The live runner's Prometheus metrics (docs/OPS.md lists every name).
// Registering them in one place keeps the names and help texts together;
// the runner observes the two latency histograms itself and calls
// refresh() after each published snapshot for everything else.
#pragma once

#include <string>
#include <string_view>

#include "live/ops/prometheus.hpp"
#include "live/ops/status.hpp"

namespace verity {

class LiveMetrics {
 public:
  /// Registers every metric in `registry`, which must outlive this object.
  explicit LiveMetrics(MetricsRegistry& registry);

  /// verity_bars_total{symbol}.
  Counter& bars(std::string_view symbol);
  Counter& signals;
  Counter& orders;
  Counter& fills;
  Counter& rejections;
  Counter& ws_reconnects;
  Counter& venue_errors;
  Counter& telegram_commands;
  Gauge& equity_usd;
  Gauge& balance_usd;
  Gauge& feed_staleness_s;
  Gauge& kill_switch;
  /// Bar received on the socket -> order sent to the venue, seconds.
  Histogram& decision_latency_s;
  /// One sequencer step (input stamped -> graph idle -> committed), seconds.
  Histogram& step_latency_s;

  /// Gauges from `s`; counters raised to the totals in `s` (never lowered,
  /// so incrementing them directly as well does not double count);
  /// verity_info{mode,session,build} 1 once the session is known.
  void refresh(const LiveStatus& s, std::string_view build = VERITY_BUILD_ID);

 private:
  MetricsRegistry& registry_;
};

}  // namespace verity
