// Reads one session's messages as they are made (Session::set_observer) or
// as they were journaled, and keeps what a challenge attempt reports: the
// metrics (sim/metrics.hpp), the FTMO outcome from risk's ChallengeStatus,
// the trading days, and the stress checks (guardrail, reconcile). The
// challenge runner and the what-if replay both use it.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/portfolio/portfolio.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/envelope.hpp"
#include "sim/challenge_types.hpp"
#include "sim/metrics.hpp"

namespace verity {

/// Every message of one attempt, read as it is made: the metrics, the
/// challenge's outcome, and the stress checks.
class AttemptTap {
 public:
  AttemptTap(const Config& config, bool keep_curve)
      : config_(config), keep_curve_(keep_curve), book_(config.portfolio.initial_balance_usd) {}

  /// One message, in seq order.
  void on_frame(const FramePtr& frame);

  /// True once challenge.max_days have passed since the first bar.
  bool expired() const;

  /// Fills the outcome, times, metrics, curve and checks of `r`.
  void finish(AttemptResult& r);

  /// Round trips closed so far (every one, after finish()).
  const std::vector<TradeRecord>& trades() const;

 private:
  /// The portfolio the fills imply against the last snapshot the portfolio actor sent.
  void reconcile(AttemptResult& r);

  const Config config_;
  bool keep_curve_;
  Portfolio book_;
  std::optional<MetricsRecorder> metrics_;
  std::optional<std::int64_t> start_ns_;
  std::int64_t last_time_ns_ = 0;
  std::optional<std::int64_t> last_gap_ns_;
  std::optional<FramePtr> last_account_, status_;
  int phase_ = 1;
  std::set<std::int64_t> trading_days_;
  bool guardrail_ok_ = true;
  std::vector<std::string> failures_;
};

}  // namespace verity
