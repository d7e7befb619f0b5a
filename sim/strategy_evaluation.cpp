#include "sim/strategy_evaluation.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "actors/feed/timeframe.hpp"
#include "actors/runtime/calendar.hpp"
#include "actors/runtime/clock.hpp"
#include "models/metrics.hpp"
#include "models/session_models.hpp"
#include "sim/challenge_runner.hpp"
#include "sim/parallel.hpp"

namespace verity {

namespace {

constexpr std::int64_t kDayNs = 86'400'000'000'000;
constexpr double kMaxTargetPct = 1000.0;  // the config's upper bound for a target

/// The continuous session: the whole window, one phase, targets out of reach.
std::expected<Config, std::string> continuous_config(const Config& base, std::int64_t& from_ns, std::int64_t& to_ns) {
  Config c = base;
  c.journal.level = JournalLevel::HASH;
  if (c.ftmo.variant == "2step") c.ftmo.phases = 1;
  c.ftmo.profit_target_pct = kMaxTargetPct;
  c.ftmo.verification_target_pct = kMaxTargetPct;
  std::int64_t span_ns = 0;
  if (c.session.source == "store") {
    auto w = stored_window(c);
    if (!w) return std::unexpected(w.error());
    from_ns = c.session.from_ns = w->from_ns;
    to_ns = c.session.to_ns = w->to_ns;
    const std::int64_t bar_ns = timeframe_ns(*parse_timeframe(c.session.timeframe));
    c.session.bars = std::max<std::int64_t>(1, (w->to_ns - w->from_ns) / bar_ns + 1);
    span_ns = w->to_ns - w->from_ns;
  } else {
    span_ns = c.session.bars * c.market.bar_interval_s * 1'000'000'000;
  }
  // AttemptTap ends an attempt after challenge.max_days: never, here.
  c.challenge.max_days = span_ns / kDayNs + 2;
  return c;
}

std::string fixed(double v, int digits) {
  if (!std::isfinite(v)) return "–";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

double json_number(double v) { return std::isfinite(v) ? v : 0.0; }

}  // namespace

std::expected<EvaluationReport, std::string> evaluate_strategies(const std::vector<Config>& configs,
                                                                 const EvaluationOptions& o) {
  if (configs.empty()) return std::unexpected("evaluate: no strategies given");
  EvaluationReport report;
  report.scenario = o.scenario;
  report.seed = configs.front().session.seed;
  report.attempts = o.attempts;
  report.trials = std::max<std::uint64_t>(o.trials, configs.size());
  for (const Config& c : configs) {
    if (c.session.seed != report.seed) return std::unexpected("evaluate: the strategies' configs must share session.seed");
    if (auto ok = validate_challenge(c); !ok) return std::unexpected(ok.error());
    // Load each strategy's models once now: a missing or broken model is an
    // error before hours of sessions, not a row of failures.
    if (auto models = load_session_models(c); !models) {
      return std::unexpected("strategy " + c.model.strategy + ": " + models.error());
    }
  }

  Stopwatch watch;
  report.rows.resize(configs.size());
  for (std::size_t k = 0; k < configs.size(); ++k) {
    StrategyEvaluation& row = report.rows[k];
    row.strategy = configs[k].model.strategy;
    if (o.attempts == 0) continue;
    ChallengeOptions co;
    co.scenario = o.scenario;
    co.attempts = o.attempts;
    co.threads = o.threads;
    co.command = o.command;
    auto batch = run_challenge(configs[k], co);
    if (!batch) return std::unexpected("strategy " + row.strategy + ": " + batch.error());
    row.challenge = batch->summary;
    if (o.progress) {
      o.progress(row.strategy, "challenge: " + std::to_string(row.challenge.passed) + "/" +
                                   std::to_string(row.challenge.attempts) + " passed");
    }
  }

  // The continuous sessions, one per strategy, on parallel threads.
  std::vector<Config> continuous;
  for (const Config& c : configs) {
    auto cc = continuous_config(c, report.from_ns, report.to_ns);
    if (!cc) return std::unexpected("strategy " + c.model.strategy + ": " + cc.error());
    continuous.push_back(std::move(*cc));
  }
  std::vector<AttemptResult> results(continuous.size());
  parallel_for_each_index(continuous.size(), pool_threads(o.threads, continuous.size()), [&](std::size_t k) {
    results[k] = run_configured_attempt(continuous[k], k, /*keep_curve=*/false, o.command);
  });

  std::vector<double> sharpes;
  for (std::size_t k = 0; k < results.size(); ++k) {
    StrategyEvaluation& row = report.rows[k];
    const AttemptResult& r = results[k];
    row.outcome = std::string(outcome_name(r.outcome));
    row.detail = r.detail;
    row.final_hash = r.final_hash;
    row.bars = r.bars;
    row.trades = r.metrics.trades;
    row.return_pct = r.metrics.return_pct;
    row.max_drawdown_pct = r.metrics.max_drawdown_pct;
    row.win_rate_pct = r.metrics.win_rate_pct;
    const std::vector<double>& returns = r.metrics.daily_returns;
    row.days = returns.size();
    row.sharpe_daily = sharpe_ratio(returns);
    row.sharpe_annual = row.sharpe_daily * std::sqrt(365.0);
    row.skew = skewness(returns);
    row.kurtosis = kurtosis(returns);
    sharpes.push_back(row.sharpe_daily);
    if (o.progress) o.progress(row.strategy, "session: " + row.outcome + ", " + std::to_string(row.days) + " days");
  }
  if (sharpes.size() >= 2) {
    double mean = 0;
    for (double s : sharpes) mean += s;
    mean /= static_cast<double>(sharpes.size());
    double sq = 0;
    for (double s : sharpes) sq += (s - mean) * (s - mean);
    report.sharpe_variance = sq / static_cast<double>(sharpes.size() - 1);
  }
  for (StrategyEvaluation& row : report.rows) {
    row.dsr = deflated_sharpe_ratio(row.sharpe_daily, row.days, row.skew, row.kurtosis, report.trials,
                                    report.sharpe_variance);
  }
  report.elapsed_s = watch.elapsed_s();
  return report;
}

std::string evaluation_markdown(const EvaluationReport& r) {
  std::string out = "Scenario " + r.scenario + ", seed " + std::to_string(r.seed);
  if (r.to_ns > r.from_ns) out += ", window " + format_iso8601_ms(r.from_ns) + " to " + format_iso8601_ms(r.to_ns);
  out += ".\n\n";
  if (r.attempts > 0) {
    out += "Challenge attempts (the same " + std::to_string(r.attempts) + " seeds and windows for every strategy):\n\n";
    out += "| strategy | attempts | passed | pass rate | 95% CI (Wilson) | breached | expired | failed | batch hash |\n";
    out += "|---|---|---|---|---|---|---|---|---|\n";
    for (const StrategyEvaluation& row : r.rows) {
      const BatchSummary& s = row.challenge;
      auto count = [&](const char* k) {
        const auto it = s.outcomes.find(k);
        return std::to_string(it == s.outcomes.end() ? 0 : it->second);
      };
      out += "| " + row.strategy + " | " + std::to_string(s.attempts) + " | " + std::to_string(s.passed) + " | " +
             fixed(100 * s.pass_rate, 1) + "% | " + fixed(100 * s.ci95_low, 1) + "–" + fixed(100 * s.ci95_high, 1) +
             "% | " + count("breached") + " | " + count("expired") + " | " + count("failed") + " | " +
             s.final_hash.substr(0, 12) + " |\n";
    }
    out += "\n";
  }
  out += "One continuous session per strategy over the whole window (targets out of reach, loss limits kept); "
         "deflated Sharpe ratio over N = " +
         std::to_string(r.trials) + " trials, variance of the per-day Sharpe ratios " + fixed(r.sharpe_variance, 6) +
         ":\n\n";
  out += "| strategy | outcome | days | trades | win rate | return | max DD | Sharpe/day | Sharpe (ann.) | skew | "
         "kurtosis | DSR | session hash |\n";
  out += "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const StrategyEvaluation& row : r.rows) {
    out += "| " + row.strategy + " | " + row.outcome + " | " + std::to_string(row.days) + " | " +
           std::to_string(row.trades) + " | " + fixed(row.win_rate_pct, 1) + "% | " + fixed(row.return_pct, 2) +
           "% | " + fixed(row.max_drawdown_pct, 2) + "% | " + fixed(row.sharpe_daily, 3) + " | " +
           fixed(row.sharpe_annual, 2) + " | " + fixed(row.skew, 2) + " | " + fixed(row.kurtosis, 2) + " | " +
           fixed(row.dsr, 3) + " | " + row.final_hash.substr(0, 12) + " |\n";
  }
  return out;
}

std::string evaluation_json(const EvaluationReport& r) {
  nlohmann::json rows = nlohmann::json::array();
  for (const StrategyEvaluation& row : r.rows) {
    const BatchSummary& s = row.challenge;
    rows.push_back({{"strategy", row.strategy},
                    {"challenge",
                     {{"attempts", s.attempts},
                      {"passed", s.passed},
                      {"pass_rate", s.pass_rate},
                      {"ci95_low", s.ci95_low},
                      {"ci95_high", s.ci95_high},
                      {"outcomes", s.outcomes},
                      {"breaches", s.breaches},
                      {"final_hash", s.final_hash}}},
                    {"session",
                     {{"outcome", row.outcome},
                      {"detail", row.detail},
                      {"final_hash", row.final_hash},
                      {"bars", row.bars},
                      {"trades", row.trades},
                      {"return_pct", row.return_pct},
                      {"max_drawdown_pct", row.max_drawdown_pct},
                      {"win_rate_pct", row.win_rate_pct},
                      {"days", row.days},
                      {"sharpe_daily", json_number(row.sharpe_daily)},
                      {"sharpe_annual", json_number(row.sharpe_annual)},
                      {"skew", json_number(row.skew)},
                      {"kurtosis", json_number(row.kurtosis)},
                      {"dsr", std::isfinite(row.dsr) ? nlohmann::json(row.dsr) : nlohmann::json(nullptr)}}}});
  }
  nlohmann::json j = {{"scenario", r.scenario}, {"seed", r.seed},
                      {"attempts", r.attempts}, {"trials", r.trials},
                      {"sharpe_variance", r.sharpe_variance}, {"strategies", rows},
                      {"elapsed_s", std::round(r.elapsed_s * 10) / 10}};
  if (r.to_ns > r.from_ns) {
    j["from"] = format_iso8601_ms(r.from_ns);
    j["to"] = format_iso8601_ms(r.to_ns);
  }
  return j.dump();
}

}  // namespace verity
