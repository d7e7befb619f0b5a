#include "actors/feed/bar.hpp"

#include <cmath>

namespace verity {

std::optional<BarProblem> check_bar(const BarData& b, std::optional<std::int64_t> prev) {
  const struct {
    const char* name;
    double value;
  } prices[] = {{"open", b.open}, {"high", b.high}, {"low", b.low}, {"close", b.close}};
  for (const auto& p : prices) {
    if (!std::isfinite(p.value)) return BarProblem{p.name, "not a finite number"};
    if (p.value <= 0) return BarProblem{p.name, "price " + std::to_string(p.value) + " is not positive"};
  }
  if (!std::isfinite(b.volume)) return BarProblem{"volume", "not a finite number"};
  if (b.volume < 0) return BarProblem{"volume", "volume " + std::to_string(b.volume) + " is negative"};
  if (b.high < b.low) return BarProblem{"high", "high is below low"};
  if (b.open < b.low || b.open > b.high) return BarProblem{"open", "open is outside [low, high]"};
  if (b.close < b.low || b.close > b.high) return BarProblem{"close", "close is outside [low, high]"};
  if (b.interval_ns <= 0) return BarProblem{"interval", "interval is not positive"};
  if (prev) {
    if (b.open_time_ns == *prev) return BarProblem{"open_time", "duplicate of the previous bar's time"};
    if (b.open_time_ns < *prev) return BarProblem{"open_time", "earlier than the previous bar (out of order)"};
  }
  return std::nullopt;
}

}  // namespace verity
