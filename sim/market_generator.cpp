#include "sim/market_generator.hpp"

#include <algorithm>
#include <cmath>

#include "actors/runtime/calendar.hpp"
#include "actors/runtime/clock.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/detmath.hpp"

namespace verity {

namespace {
constexpr double kSecondsPerYear = 365.25 * 86'400.0;
constexpr double kAbsZCap = 20.0;  // caps |z| in the volume equation, as the calibration does
constexpr std::int64_t kSecondsPerDay = 86'400;

}  // namespace

int utc_hour(std::int64_t t_ns) {
  const std::int64_t t_s = floor_div(t_ns, kNsPerSecond);
  return static_cast<int>((t_s - floor_div(t_s, kSecondsPerDay) * kSecondsPerDay) / 3600);
}

int utc_weekday(std::int64_t t_ns) {
  return static_cast<int>(weekday_from_days(floor_div(floor_div(t_ns, kNsPerSecond), kSecondsPerDay)));
}

std::array<double, kRegimes> stationary_regimes(const std::array<std::array<double, kRegimes>, kRegimes>& m) {
  std::array<double, kRegimes> pi;
  pi.fill(1.0 / kRegimes);
  for (int step = 0; step < 10'000; ++step) {
    std::array<double, kRegimes> next{};
    for (int i = 0; i < kRegimes; ++i) {
      for (int j = 0; j < kRegimes; ++j) next[j] += pi[i] * m[i][j];
    }
    double sum = 0;
    for (double v : next) sum += v;
    for (int j = 0; j < kRegimes; ++j) pi[j] = next[j] / sum;
  }
  return pi;
}

double jump_excess_quantile(const MarketModelParams& p, double u) {
  // Generalised Pareto by inversion: scale = mean * (1 - xi); xi = 0 is the
  // exponential law, the limit of the general formula.
  const double xi = p.jump_tail_shape;
  const double log_tail = det_log(1.0 - u);  // <= 0
  const double scale = p.jump_excess_mean * (1.0 - xi);
  const double excess = xi == 0.0 ? -scale * log_tail : scale / xi * (det_exp(-xi * log_tail) - 1.0);
  return std::min(excess, p.jump_excess_max);
}

// --- GbmGenerator --------------------------------------------------------------

GbmGenerator::GbmGenerator(const MarketConfig& c, Prng prng)
    : symbol_(c.symbol),
      interval_ns_(c.bar_interval_s * kNsPerSecond),
      next_time_ns_(c.start_time_ns),
      price_(c.start_price),
      volume_mean_(c.volume_mean),
      prng_(std::move(prng)) {
  const double dt = static_cast<double>(c.bar_interval_s) / kSecondsPerYear / kSubsteps;
  const double sigma = c.volatility_annual;
  drift_step_ = (c.drift_annual - 0.5 * sigma * sigma) * dt;
  vol_step_ = sigma * std::sqrt(dt);
}

BarData GbmGenerator::next() {
  BarData b;
  b.symbol = symbol_;
  b.open_time_ns = next_time_ns_;
  b.interval_ns = interval_ns_;
  b.open = b.high = b.low = price_;
  for (int i = 0; i < kSubsteps; ++i) {
    price_ *= det_exp(drift_step_ + vol_step_ * prng_.normal());
    b.high = std::max(b.high, price_);
    b.low = std::min(b.low, price_);
  }
  b.close = price_;
  // Log-normal volume with mean volume_mean: exp(N(-s^2/2, s^2)), s = 0.5.
  b.volume = volume_mean_ * det_exp(0.5 * prng_.normal() - 0.125);
  next_time_ns_ += interval_ns_;
  return b;
}

// --- CalibratedGenerator -------------------------------------------------------

CalibratedGenerator::CalibratedGenerator(const MarketConfig& c, const MarketModelParams& p, const PrngStreams& streams,
                                         const std::string& prefix)
    : p_(p),
      symbol_(c.symbol),
      interval_ns_(c.bar_interval_s * kNsPerSecond),
      next_time_ns_(c.start_time_ns),
      price_(c.start_price),
      inv_sqrt_substeps_(1.0 / std::sqrt(static_cast<double>(p.substeps))),
      regime_prng_(streams.stream(prefix + ".regime")),
      diffusion_prng_(streams.stream(prefix + ".diffusion")),
      jump_prng_(streams.stream(prefix + ".jump")),
      volume_prng_(streams.stream(prefix + ".volume")) {
  for (int i = 0; i < kHours; ++i) log_volume_hourly_[i] = det_log(p.volume_hourly[i]);
  for (int i = 0; i < kWeekdays; ++i) log_volume_weekday_[i] = det_log(p.volume_weekday[i]);
  for (int i = 0; i < kRegimes; ++i) log_multiplier_[i] = det_log(p.regime_multiplier[i]);
  // Start in the long-run state: the regime from its stationary distribution,
  // the variance at its unconditional level (with the clipped, jump-bearing
  // shock the recursion sees), the volume residual from its stationary law.
  const auto pi = stationary_regimes(p.regime_transition);
  const double u = regime_prng_.uniform01();
  regime_ = kRegimes - 1;
  double cumulative = 0;
  for (int i = 0; i < kRegimes; ++i) {
    cumulative += pi[i];
    if (u < cumulative) {
      regime_ = i;
      break;
    }
  }
  const double k2 = p.jump_threshold_sigma * p.jump_threshold_sigma;
  const double shock = (1.0 - p.jump_probability) + p.jump_probability * k2;
  h_ = p.garch_omega / std::max(1e-6, 1.0 - p.garch_alpha * shock - p.garch_beta);
  const double ar = p.volume_ar1;
  volume_residual_ = p.volume_residual_sd / std::sqrt(1.0 - ar * ar) * volume_prng_.normal();
}

void CalibratedGenerator::step_regime() {
  const double u = regime_prng_.uniform01();
  const auto& row = p_.regime_transition[regime_];
  double cumulative = 0;
  for (int j = 0; j < kRegimes; ++j) {
    cumulative += row[j];
    if (u < cumulative) {
      regime_ = j;
      return;
    }
  }
  // Rounding left u above the row's sum: stay, the most likely move.
}

double CalibratedGenerator::jump_excess(double u) const { return jump_excess_quantile(p_, u); }

double CalibratedGenerator::walk(BarData& b, double sigma) {
  const int n = p_.substeps;
  std::array<double, 64> shocks;
  diffusion_prng_.normals(shocks.data(), static_cast<std::size_t>(n));
  double diffusion = 0;
  for (int i = 0; i < n; ++i) diffusion += shocks[i];
  diffusion *= inv_sqrt_substeps_;
  double z = diffusion;
  int jump_at = -1;
  if (jump_prng_.uniform01() < p_.jump_probability) {
    // The bar's standardised return is sign * (k + excess); the jump itself
    // is what the diffusion did not cover, placed at one sub-step.
    const double sign = jump_prng_.uniform01() < p_.jump_up_probability ? 1.0 : -1.0;
    z = sign * (p_.jump_threshold_sigma + jump_excess(jump_prng_.uniform01()));
    jump_at = static_cast<int>(jump_prng_.below(static_cast<std::uint64_t>(n)));
  }
  const double drift_step = p_.drift_per_bar / n;
  const double step_sigma = sigma * inv_sqrt_substeps_;
  std::array<double, 64> log_moves, growth;
  double log_move = 0;
  for (int i = 0; i < n; ++i) {
    log_move += drift_step + step_sigma * shocks[i];
    if (i == jump_at) log_move += sigma * (z - diffusion);
    log_moves[i] = log_move;
  }
  det_exp_n(log_moves.data(), growth.data(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const double price = b.open * growth[i];
    b.high = std::max(b.high, price);
    b.low = std::min(b.low, price);
    b.close = price;
  }
  return z;
}

BarData CalibratedGenerator::next() {
  BarData b;
  b.symbol = symbol_;
  b.open_time_ns = next_time_ns_;
  b.interval_ns = interval_ns_;
  b.open = b.high = b.low = b.close = price_;
  step_regime();
  const int hour = utc_hour(b.open_time_ns);
  const int weekday = utc_weekday(b.open_time_ns);
  const double season = p_.volatility_hourly[hour] * p_.volatility_weekday[weekday];
  const double sigma = std::sqrt(h_) * p_.regime_multiplier[regime_] * season;
  const double z = walk(b, sigma);
  price_ = b.close;

  const double log_sigma = 0.5 * det_log(h_) + log_multiplier_[regime_];
  volume_residual_ = p_.volume_ar1 * volume_residual_ + p_.volume_residual_sd * volume_prng_.normal();
  b.volume = det_exp(p_.volume_log_intercept + log_volume_hourly_[hour] + log_volume_weekday_[weekday] +
                     p_.volume_abs_z_beta * std::min(std::fabs(z), kAbsZCap) + p_.volume_log_sigma_beta * log_sigma +
                     volume_residual_);

  // The recursion sees the shock clipped at the jump threshold, as in the fit:
  // a jump raises the next variance by at most a k-sigma move's worth.
  const double k = p_.jump_threshold_sigma;
  const double z2 = std::min(z * z, k * k);
  h_ = p_.garch_omega + p_.garch_alpha * z2 * h_ + p_.garch_beta * h_;
  next_time_ns_ += interval_ns_;
  return b;
}

std::expected<std::unique_ptr<MarketGenerator>, std::string> make_market_generator(const MarketConfig& config,
                                                                                   const MarketModelParams* model,
                                                                                   const PrngStreams& streams) {
  if (config.model == "gbm") return std::make_unique<GbmGenerator>(config, streams.stream("feed.generator"));
  if (config.model != "calibrated") return std::unexpected("market.model: unknown model \"" + config.model + "\"");
  if (!model) return std::unexpected("market.model = \"calibrated\" needs the parameters of market.calibration");
  if (model->bar_interval_s != config.bar_interval_s) {
    return std::unexpected("market.calibration " + config.calibration + " was fitted on " +
                           std::to_string(model->bar_interval_s) + "-s bars but market.bar_interval_s is " +
                           std::to_string(config.bar_interval_s) + ": its parameters are per bar");
  }
  return std::make_unique<CalibratedGenerator>(config, *model, streams, "feed.generator");
}

}  // namespace verity
