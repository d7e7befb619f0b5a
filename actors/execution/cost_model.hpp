// What one fill costs beyond the fee: the spread and the slippage, in basis
// points of price, drawn from the empirical per-pair, per-session
// distributions (docs/EXECUTION_METRICS.md) or fixed by config.
//
// Guarantees: draws come only from the Prng the caller passes (the session's
// "execution" stream), use det_exp/det_log, and are bounded; the same inputs
// give the same numbers. The p90 figures risk uses (worst_cost_bps) come from
// the same tables the venue draws from, so risk and venue agree.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "actors/execution/execution_metrics.hpp"

namespace verity {

struct ExecutionConfig;
class Prng;

/// One cost figure (spread or slippage) of one pair at one time, and where it
/// came from.
struct CostFigure {
  double p50_bps = 0, p90_bps = 0, mean_bps = 0;
  /// "fixed", or "BTCUSDT quote_ticks asia" / "BTCUSDT quote_ticks all".
  std::string source;
  /// True when p50 and p90 define a lognormal; false: the mean is a constant.
  bool lognormal() const { return p50_bps > 0 && p90_bps > p50_bps; }
};

class CostModel {
 public:
  /// A draw is capped at this many times the p90 (a lognormal fitted to p50
  /// and p90 has an unbounded tail; one absurd fill must not end a run).
  static constexpr double kMaxDrawOverP90 = 10.0;

  /// `metrics` may be null (then every pair uses the fixed figures). Both
  /// must outlive the model.
  CostModel(const ExecutionConfig& config, const ExecutionMetrics* metrics);

  bool empirical() const { return empirical_; }

  /// The quoted spread (ask - bid over mid) for `pair` at `time_ns`: the
  /// pair's session distribution, else the pair's all-sessions one, else
  /// execution.spread_bps.
  CostFigure spread(std::string_view pair, std::int64_t time_ns) const;
  /// The slippage beyond the half spread, with the same fallbacks (ending at
  /// execution.slippage_bps).
  CostFigure slippage(std::string_view pair, std::int64_t time_ns) const;

  /// One draw of the full spread, in bps.
  double draw_spread_bps(std::string_view pair, std::int64_t time_ns, Prng& prng) const;
  /// One draw of the slippage, in bps.
  double draw_slippage_bps(std::string_view pair, std::int64_t time_ns, Prng& prng) const;

  double p90_spread_bps(std::string_view pair, std::int64_t time_ns) const;
  double p90_slippage_bps(std::string_view pair, std::int64_t time_ns) const;
  /// The p90 cost of one taker fill in bps of price: half the p90 spread,
  /// the p90 slippage and the taker fee. With the fixed model this equals
  /// ExecutionConfig::worst_cost_per_side_bps().
  double worst_cost_bps(std::string_view pair, std::int64_t time_ns) const;

  double taker_fee_bps() const { return taker_fee_bps_; }
  double maker_fee_bps() const { return maker_fee_bps_; }

  /// A draw from a figure: lognormal with mu = ln p50 and
  /// sigma = ln(p90 / p50) / z(0.9), capped at kMaxDrawOverP90 x p90; the
  /// mean as a constant when p50 <= 0 or p90 <= p50. Consumes normals from
  /// `prng` only in the lognormal case.
  static double draw(const CostFigure& figure, Prng& prng);
  /// A figure's p90: the measured p90 for a lognormal; for a constant, the
  /// larger of the measured p90 and the mean (so no draw exceeds it).
  static double p90(const CostFigure& figure);

 private:
  CostFigure figure(std::string_view pair, std::int64_t time_ns, bool want_spread) const;

  const ExecutionMetrics* metrics_;
  bool empirical_;
  double spread_bps_, slippage_bps_, taker_fee_bps_, maker_fee_bps_;
};

}  // namespace verity
