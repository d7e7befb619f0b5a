// `verity models evaluate`: strategies side by side on one scenario, the
// question docs/MODELS.md answers honestly: does the model strategy beat the
// rule baseline where it was not trained?
//
// For each strategy (a model.strategy value: baseline, ensemble, lstm,
// transformer, logistic):
//   - a challenge batch (sim/challenge_runner.hpp) over the same attempt
//     indices, so every strategy faces the same seeds and windows: pass rate
//     with its Wilson 95% interval, outcomes, breaches;
//   - one continuous session over the scenario's whole window (a store
//     scenario: every stored candle within session.from..to; a generator
//     scenario: session.bars from market.start_time), under the same risk
//     engine, but with the profit targets at their maximum (1000%, one phase)
//     so a pass never ends it; the loss limits still do. Its UTC-day returns
//     give the per-day Sharpe ratio, skewness and kurtosis.
// The deflated Sharpe ratio (models/metrics.hpp, Bailey and Lopez de Prado)
// of each strategy then takes N trials = max(options.trials, strategies) and
// the sample variance of the strategies' per-day Sharpe ratios. Counting
// only the strategies evaluated here understates the search (every model
// and setting tried in training is a trial too), so pass --trials to
// count them: the DSR only falls as N grows.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <string>
#include <vector>

#include "actors/runtime/config.hpp"
#include "sim/challenge_types.hpp"

namespace verity {

struct EvaluationOptions {
  std::uint64_t attempts = 20;          // challenge attempts per strategy (0: no batch)
  std::uint64_t trials = 0;             // DSR trials; at least the strategies' count
  unsigned threads = 0;                 // 0: every core
  std::string scenario;                 // as given, for the report
  std::string command;                  // recorded in each session's manifest
  /// Called as each strategy's batch and session finish, for progress lines.
  std::function<void(const std::string& strategy, const std::string& what)> progress;
};

struct StrategyEvaluation {
  std::string strategy;
  BatchSummary challenge;               // attempts == 0 when no batch ran
  // The continuous session.
  std::string outcome;                  // expired (ran to the end), breached or failed
  std::string detail;
  std::string final_hash;
  std::uint64_t bars = 0, trades = 0;
  double return_pct = 0, max_drawdown_pct = 0, win_rate_pct = 0;
  std::uint64_t days = 0;               // T: daily returns
  double sharpe_daily = 0, sharpe_annual = 0, skew = 0, kurtosis = 3;
  double dsr = 0;                       // NaN when undefined (fewer than 2 days)
};

struct EvaluationReport {
  std::string scenario;
  std::uint64_t seed = 0, attempts = 0, trials = 0;
  std::int64_t from_ns = 0, to_ns = 0;  // the continuous window (store scenarios)
  double sharpe_variance = 0;           // across the strategies' per-day Sharpe ratios
  std::vector<StrategyEvaluation> rows;
  double elapsed_s = 0;
};

/// One config per strategy (the scenario with model.strategy set: build
/// them with load_config so the name is validated), in report order; they
/// must share the seed. The scenario's data and each strategy's models are
/// checked before anything runs: missing data or an unpromoted model is an
/// error. A session that fails later is reported in its row (outcome
/// "failed"), not as an error.
std::expected<EvaluationReport, std::string> evaluate_strategies(const std::vector<Config>& strategies,
                                                                 const EvaluationOptions& options);

/// The report as a Markdown table, and as JSON (one line).
std::string evaluation_markdown(const EvaluationReport& report);
std::string evaluation_json(const EvaluationReport& report);

}  // namespace verity
