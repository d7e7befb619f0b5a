// Fitting the calibrated generator's parameters (sim/market_model.hpp) to real
// candles: what `verity data calibrate` runs. Pure and deterministic: the same
// bars and options give the same parameters, bit for bit (fixed iteration
// counts, det_exp/det_log, no unordered containers). The steps, in order
// (docs/GENERATOR.md explains each):
//   1. close-to-close log returns of consecutive bars (a gap breaks the pair);
//   2. hourly and weekday seasonality of volatility (mean |r| ratios) and of
//      volume (mean volume ratios);
//   3. regimes: a centred rolling volatility of the deseasonalised returns,
//      split into 3 levels by 1-D k-means; multipliers and the per-bar
//      transition matrix are counted from the labelled path;
//   4. GARCH(1,1) on the regime-scaled returns by Gaussian quasi-maximum
//      likelihood with shocks clipped at the jump threshold: a coarse grid,
//      then Nelder-Mead with a fixed iteration count;
//   5. jumps: standardised returns beyond the threshold; their excess over it
//      follows a generalised Pareto law fitted by probability-weighted moments;
//   6. volume: least squares of log volume on |z| and log conditional sigma,
//      an AR(1) residual, and a smearing correction so mean volume matches;
//   7. intrabar sub-steps: of 4, 8, 16, 32 and 64, the count whose simulated
//      mean (high - low) / open, relative to the return sd, is nearest the
//      data's (a seeded simulation of the fitted model, as long as the data
//      up to 100,000 bars).
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "actors/feed/bar.hpp"
#include "sim/market_model.hpp"

namespace verity {

struct CalibrationOptions {
  double jump_threshold_sigma = 4.0;
  std::int64_t regime_window = 240;  // bars in the centred rolling volatility behind the regimes
  bool fit_drift = false;            // false: drift_per_bar = 0 (a few weeks' mean return is noise)
  int substeps = 0;                  // the generator's intrabar points; 0: fit them (step 7)
  int optimizer_iterations = 300;    // Nelder-Mead iterations after the grid
};

struct CalibrationReport {
  MarketModelParams params;
  std::int64_t bars = 0;
  std::int64_t returns = 0;           // consecutive pairs used
  std::int64_t gaps = 0;              // breaks in the time grid
  std::int64_t jumps = 0;             // returns beyond the threshold
  std::int64_t zero_volume_bars = 0;  // left out of the volume regression (log 0)
  double mean_log_return = 0;
  double sd_log_return = 0;
  double log_likelihood = 0;       // of the final GARCH fit
  double grid_log_likelihood = 0;  // of the best grid point
  int likelihood_evaluations = 0;
  std::array<double, kRegimes> regime_share{};
  double volume_r2 = 0;              // of the least-squares step, before the AR(1)
  double range_ratio = 0;            // the data's mean (high - low) / open over the return sd
  double simulated_range_ratio = 0;  // the same for the fitted model with the chosen sub-steps

  /// Comment lines for the TOML header: what was fitted and how well.
  std::string notes() const;
};

std::expected<CalibrationReport, std::string> calibrate_market(const std::vector<BarData>& bars,
                                                               const std::string& symbol,
                                                               const CalibrationOptions& options = {});

/// The upper tail of the standard normal, P(Z > x), for x >= 0 (Simpson's rule
/// over [x, x + 12] with det_exp: deterministic, about 1e-12 absolute).
double normal_upper_tail(double x);

}  // namespace verity
