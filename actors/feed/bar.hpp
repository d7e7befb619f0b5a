// A candle in plain C++ form, and the checks the feed runs on each one before
// it enters the graph. Bad bars become quarantine records, never data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace verity {

struct BarData {
  std::string symbol;
  std::int64_t open_time_ns = 0;
  std::int64_t interval_ns = 0;
  double open = 0, high = 0, low = 0, close = 0, volume = 0;

  template <class W>
  void save(W& w) const { w.put_all(symbol, open_time_ns, interval_ns, open, high, low, close, volume); }
  template <class R>
  void load(R& r) { r.get_all(symbol, open_time_ns, interval_ns, open, high, low, close, volume); }
};

struct BarProblem {
  std::string field;   // "close", "open_time", ...
  std::string reason;  // what was wrong and what was expected
};

/// Checks one bar against itself and the previous accepted bar of the same
/// symbol (`prev_open_time_ns`, or nullopt for the first). Returns the first
/// problem found.
std::optional<BarProblem> check_bar(const BarData& bar, std::optional<std::int64_t> prev_open_time_ns);

}  // namespace verity
