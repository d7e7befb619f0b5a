// What a challenge batch produces: per-attempt results with their metrics,
// and the batch summary (verity challenge). Plain data: the runner fills
// it, the report writes it as report.html, summary.json and attempts.csv.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace verity {

struct EquityPoint {
  std::int64_t time_ns = 0;
  double equity_usd = 0;
};

/// One round trip in one symbol: from flat to flat (a reversal closes one
/// trade and opens the next). Money is USD, net of fees.
struct TradeRecord {
  std::string symbol;
  bool is_long = true;
  std::int64_t entry_time_ns = 0, exit_time_ns = 0;
  double qty = 0;                       // largest absolute size held
  double entry_price = 0, exit_price = 0;  // volume-weighted
  double pnl_usd = 0;                   // realized, fees included
  double fees_usd = 0;
  double risk_usd = 0;                  // qty x |entry - stop| of the opening order; 0 when it had no stop
};

/// Per-attempt performance. Ratios are plain numbers, percentages say so.
/// Daily figures use UTC-day equity closes; annualisation is 365 days
/// (crypto trades every day).
struct AttemptMetrics {
  double return_pct = 0;          // equity end / start - 1
  double sharpe = 0;              // mean / sd of daily returns x sqrt(365); 0 with < 2 days or sd 0
  double sortino = 0;             // mean / downside deviation x sqrt(365)
  double max_drawdown_pct = 0;    // largest peak-to-trough fall of equity, on every equity update
  double cagr_pct = 0;            // (end / start)^(365 / days) - 1
  double mar = 0;                 // CAGR / max drawdown; 0 when there was no drawdown
  std::uint64_t trades = 0;
  double win_rate_pct = 0;        // winning trades / trades
  double profit_factor = 0;       // gross profit / gross loss; 0 with no losing trade and no profit
  double expectancy_usd = 0;      // mean P&L per trade
  double avg_r = 0;               // mean of pnl / risk over trades with a stop
  double exposure_pct = 0;        // share of time with any position open
  /// Hit rate by the trading session of the trade's entry (asia, europe, us:
  /// UTC blocks of docs/EXECUTION_METRICS.md): wins and trades per session.
  std::array<std::uint64_t, 3> session_wins{}, session_trades{};
  double buy_hold_return_pct = 0; // first to last close of the first symbol seen
  double days = 0;                // span of the attempt in days
  /// The UTC-day returns behind sharpe and sortino (sim/metrics.hpp), for
  /// statistics over a whole session (the deflated Sharpe ratio).
  std::vector<double> daily_returns;
};

enum class AttemptOutcome { passed, breached, expired, failed };

struct AttemptResult {
  std::uint64_t index = 0;        // 0-based position in the batch
  std::uint64_t seed = 0;         // the session seed of this attempt
  AttemptOutcome outcome = AttemptOutcome::expired;
  int phase = 1;                  // the phase reached (2-Step: 2 = verification)
  double days = 0;                // days from the first bar to the pass, breach or end
  int trading_days = 0;
  std::int64_t start_ns = 0, end_ns = 0;
  std::uint64_t bars = 0;
  std::uint64_t messages = 0;     // messages the session made (and hashed); not in partial results
  double equity_end_usd = 0;
  std::string final_hash;         // hex of the session's journal chain: re-verifiable alone
  // Breach (outcome breached): the rule, when, and the numbers behind it.
  std::string breach_rule;        // "daily_loss", "max_loss"
  std::int64_t breach_time_ns = 0;
  double breach_equity_usd = 0, breach_reference_usd = 0, breach_limit_usd = 0, breach_loss_usd = 0;
  bool breach_gap_through_stop = false;  // a stop filled beyond its price because the market gapped
  std::string detail;             // plain words; the error for outcome failed
  AttemptMetrics metrics;
  std::vector<EquityPoint> curve; // hourly equity, for the attempts the report draws; else empty
  /// Stress checks (stress.checks): name -> held; with what broke them.
  std::map<std::string, bool> checks;
  std::vector<std::string> check_failures;
};

/// Means and medians over attempts, for the report's metrics table.
struct AggregateMetrics {
  std::map<std::string, double> mean, median;  // keyed by metric name, e.g. "sharpe"
};

/// What names a batch and what its summary needs besides the attempts. Every
/// piece of a batch split across machines (sim/partial_result.hpp) carries
/// the same one; the merge checks that they agree.
struct BatchSpec {
  std::string scenario;           // the scenario file as given
  std::string config_hash;        // hex hash of the resolved config's canonical form
  std::string build_id;           // the binary (VERITY_BUILD_ID): another build may hash otherwise
  std::string variant;            // "2step" | "1step"
  std::uint64_t base_seed = 0;    // the root seed
  std::uint64_t seeds = 0;        // attempts in the whole batch (--seeds)
  std::vector<std::string> checks;  // stress.checks, by name
  std::uint64_t gate_attempts = 0;  // challenge.gate_attempts
  double gate_required_pct = 0;     // challenge.gate_pass_rate_pct
};

struct BatchSummary {
  std::string scenario;           // the scenario file as given
  std::string variant;            // "2step" | "1step"
  std::uint64_t base_seed = 0;
  std::uint64_t attempts = 0, passed = 0;
  double pass_rate = 0;           // passed / attempts
  double ci95_low = 0, ci95_high = 0;  // Wilson score interval
  double median_days_to_pass = 0; // over passed attempts; 0 when none passed
  std::map<std::string, std::uint64_t> breaches;   // by rule
  std::map<std::string, std::uint64_t> outcomes;   // passed, breached, expired, failed
  std::string final_hash;         // over every attempt's hash in index order
  // The seed plan's gate: at least gate_pass_rate_pct over the first gate_attempts.
  std::uint64_t gate_attempts = 0;
  double gate_required_pct = 0, gate_rate_pct = 0;
  bool gate_evaluated = false;    // false when fewer attempts ran than the gate needs
  bool gate_passed = false;
  std::map<std::string, bool> checks;  // stress checks over all attempts
  AggregateMetrics aggregate;
  std::uint64_t bars = 0;
  unsigned threads = 1;
  double elapsed_s = 0;
};

std::string_view outcome_name(AttemptOutcome o);

}  // namespace verity
