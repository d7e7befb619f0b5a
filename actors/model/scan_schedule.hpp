// When the model scans (docs/ARCHITECTURE.md, "Scan cycle"): every
// `model.scan_minutes`, on the clock, not on the bar count. Time is cut into
// periods of the cycle counted from the Unix epoch (so a 2-minute cycle
// scans at even minutes UTC, whenever the session started), and a symbol's
// first bar closing in a new period is that period's scan. With 1-minute
// bars and a 2-minute cycle that is every bar closing on an even minute;
// when that bar is missing, the next bar scans instead, so a gap delays a
// scan and never skips a period that has a bar. A symbol's first bar always
// scans.
//
// Pure logic on bar close times, which the feed has already checked are
// increasing per symbol: replay and a resumed snapshot scan the same bars.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "actors/runtime/calendar.hpp"
#include "actors/runtime/state_archive.hpp"

namespace verity {

class ScanSchedule {
 public:
  /// `cycle_ns` > 0.
  explicit ScanSchedule(std::int64_t cycle_ns) : cycle_ns_(cycle_ns) {}

  /// Whether the bar of `symbol` closing at `close_time_ns` is a scan.
  bool due(const std::string& symbol, std::int64_t close_time_ns) {
    // A bar closing exactly on a boundary opens the new period.
    const std::int64_t period = floor_div(close_time_ns, cycle_ns_);
    auto [it, fresh] = last_period_.try_emplace(symbol, period);
    if (fresh) return true;
    if (period <= it->second) return false;
    it->second = period;
    return true;
  }

  /// The last scanned period of each symbol; the cycle is configuration.
  void save(StateWriter& w) const { w.put(last_period_); }
  void load(StateReader& r) { r.get(last_period_); }

 private:
  std::int64_t cycle_ns_;
  std::map<std::string, std::int64_t> last_period_;
};

}  // namespace verity
