// The seeded market generators that feed `verity sim`.
//
//   - GbmGenerator ("gbm"): geometric Brownian motion sampled four times per
//     bar, so each bar has a real high and low, with log-normal volume.
//   - CalibratedGenerator ("calibrated"): GBM with jumps (two-sided,
//     generalised-Pareto sized: double-exponential when its shape is 0),
//     GARCH(1,1) volatility, hourly and weekday seasonality of volatility and
//     volume, and a 3-state Markov regime on the volatility level, with
//     parameters fitted from real candles (sim/market_model.hpp,
//     docs/GENERATOR.md).
//
// Both emit valid OHLCV (positive prices, high >= max(open, close), low <=
// min(open, close), volume >= 0) and draw only from Prng streams with
// det_exp/det_log math: same seed, same parameters, the same bars, bit for bit.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "actors/feed/bar.hpp"
#include "actors/runtime/prng.hpp"
#include "sim/market_model.hpp"

namespace verity {

struct MarketConfig;

class MarketGenerator {
 public:
  virtual ~MarketGenerator() = default;
  virtual BarData next() = 0;
};

class GbmGenerator final : public MarketGenerator {
 public:
  GbmGenerator(const MarketConfig& config, Prng prng);
  BarData next() override;

 private:
  static constexpr int kSubsteps = 4;
  std::string symbol_;
  std::int64_t interval_ns_;
  std::int64_t next_time_ns_;
  double price_;
  double drift_step_, vol_step_;  // per sub-step, in log space
  double volume_mean_;
  Prng prng_;
};

class CalibratedGenerator final : public MarketGenerator {
 public:
  /// The symbol, first bar time and first price come from `config`; the
  /// dynamics from `params`. Draws come from four streams named
  /// `stream_prefix` + ".regime", ".diffusion", ".jump" and ".volume", so a
  /// change to one part of the model leaves the others' numbers alone.
  CalibratedGenerator(const MarketConfig& config, const MarketModelParams& params, const PrngStreams& streams,
                      const std::string& stream_prefix);
  BarData next() override;

  /// The state behind the last bar, for tests and diagnostics.
  int regime() const { return regime_; }
  double garch_variance() const { return h_; }

 private:
  void step_regime();
  double jump_excess(double u) const;
  /// The bar's standardised shock; fills the intrabar path into `bar`.
  double walk(BarData& bar, double sigma_bar);

  MarketModelParams p_;
  std::string symbol_;
  std::int64_t interval_ns_;
  std::int64_t next_time_ns_;
  double price_;
  double h_;  // GARCH variance of the next bar
  int regime_;
  double volume_residual_;  // AR(1) state of log volume
  std::array<double, kHours> log_volume_hourly_{};
  std::array<double, kWeekdays> log_volume_weekday_{};
  std::array<double, kRegimes> log_multiplier_{};
  double inv_sqrt_substeps_;
  Prng regime_prng_, diffusion_prng_, jump_prng_, volume_prng_;
};

/// The jump excess |z| - k, in sigma, at quantile `u` in [0, 1).
double jump_excess_quantile(const MarketModelParams& p, double u);

/// The stationary distribution of a regime transition matrix (power iteration,
/// a fixed 10000 steps: deterministic and ample for per-bar matrices).
std::array<double, kRegimes> stationary_regimes(const std::array<std::array<double, kRegimes>, kRegimes>& transition);

/// UTC hour 0..23 and weekday 0 (Sunday)..6 of a time in ns since 1970.
int utc_hour(std::int64_t t_ns);
int utc_weekday(std::int64_t t_ns);

/// The generator `config.model` names, seeded from `streams`. For
/// "calibrated", `model` holds the loaded parameters (null is an error), and
/// their bar interval must be the config's: the parameters are per bar.
std::expected<std::unique_ptr<MarketGenerator>, std::string> make_market_generator(const MarketConfig& config,
                                                                                   const MarketModelParams* model,
                                                                                   const PrngStreams& streams);

}  // namespace verity
