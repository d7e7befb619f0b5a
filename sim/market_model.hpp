// The parameters of the calibrated market generator, and their TOML form.
//
// `verity data calibrate` fits them from real candles (sim/market_calibration.hpp)
// and writes them with write_market_model; the generator reads them back with
// load_market_model, which checks every key: a missing, unknown or
// out-of-range key is an error naming the file and the key. Numbers are
// written with shortest round-trip digits, so a file read back gives the
// same doubles, bit for bit. docs/GENERATOR.md describes the model.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <string>

#include "actors/runtime/hash.hpp"

namespace verity {

inline constexpr int kModelVersion = 1;
inline constexpr int kHours = 24;    // intraday seasonality buckets, by UTC hour
inline constexpr int kWeekdays = 7;  // weekly seasonality, Sunday first (calendar.hpp)
inline constexpr int kRegimes = 3;   // volatility regimes: low, normal, high

/// One bar's log return is drift_per_bar + sigma_t * z_t, with
///   sigma_t = sqrt(h_t) * regime multiplier * hourly factor * weekday factor,
///   h_t     = omega + alpha * min(z_{t-1}^2, k^2) * h_{t-1} + beta * h_{t-1}  (GARCH(1,1)),
/// z_t standard normal, or on a jump bar (probability jump_probability) a
/// jump of size sign * (k + excess) in units of sigma_t, k =
/// jump_threshold_sigma, the excess drawn from a generalised Pareto law with
/// mean jump_excess_mean and shape jump_tail_shape (0: exponential, which
/// makes the jump double-exponential as in Kou's model), capped at
/// jump_excess_max.
struct MarketModelParams {
  std::string symbol = "BTCUSDT";
  std::int64_t bar_interval_s = 60;
  int substeps = 8;            // intrabar path points behind high and low
  double drift_per_bar = 0.0;  // mean log return per bar

  // GARCH(1,1) on the deseasonalised, regime-scaled return; h in squared log-return units.
  double garch_omega = 1e-8;
  double garch_alpha = 0.05;
  double garch_beta = 0.9;

  double jump_threshold_sigma = 4.0;  // a return beyond k sigma is a jump
  double jump_probability = 0.0;      // per bar
  double jump_up_probability = 0.5;
  double jump_excess_mean = 1.0;  // mean of |z| - k over jumps, in sigma
  double jump_tail_shape = 0.0;   // generalised Pareto shape xi of |z| - k, in [0, 0.9]
  double jump_excess_max = 50.0;  // cap on |z| - k, in sigma

  // Multiplicative factors, mean 1 over the calibration sample.
  std::array<double, kHours> volatility_hourly{};
  std::array<double, kWeekdays> volatility_weekday{};
  std::array<double, kHours> volume_hourly{};
  std::array<double, kWeekdays> volume_weekday{};

  /// Volatility multiplier per regime, and the per-bar transition matrix
  /// (row: from, column: to; rows sum to 1).
  std::array<double, kRegimes> regime_multiplier{};
  std::array<std::array<double, kRegimes>, kRegimes> regime_transition{};

  /// log volume = volume_log_intercept + log(volume_hourly * volume_weekday)
  ///   + volume_abs_z_beta * min(|z|, 20) + volume_log_sigma_beta * log(sqrt(h) * regime multiplier) + e_t,
  /// e_t = volume_ar1 * e_{t-1} + volume_residual_sd * N(0, 1).
  double volume_log_intercept = 0.0;
  double volume_abs_z_beta = 0.0;
  double volume_log_sigma_beta = 0.0;
  double volume_ar1 = 0.0;
  double volume_residual_sd = 0.5;

  MarketModelParams();
};

/// What the TOML's header comments say about where the parameters came from.
struct CalibrationProvenance {
  std::string source_file;
  std::uint64_t source_rows = 0;
  std::string source_hash;  // xxh3-128 of the file's bytes, hex
  std::string command;      // the command line that wrote the file
  std::string notes;        // further comment lines, each without the leading "# "
};

/// The TOML text of `p`, headed by comments from `provenance`.
std::string market_model_toml(const MarketModelParams& p, const CalibrationProvenance& provenance);

/// Parses and checks a calibration; `origin` names the file in errors.
std::expected<MarketModelParams, std::string> parse_market_model(const std::string& text, const std::string& origin);

/// A calibration file loaded, with its content hash for the session manifest.
struct LoadedMarketModel {
  std::string path;      // as resolved
  Hash128 content_hash;  // xxh3-128 of the file's bytes
  MarketModelParams params;
};


/// Finds `path` (resolve_project_path), then parse_market_model.
std::expected<LoadedMarketModel, std::string> load_market_model(const std::string& path);

}  // namespace verity
