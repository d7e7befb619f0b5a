#include "sim/market_calibration.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <numeric>

#include "actors/runtime/clock.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/detmath.hpp"
#include "sim/market_generator.hpp"
#include "sim/market_stats.hpp"

namespace verity {

namespace {

constexpr double kAbsZCap = 20.0;  // as in the generator's volume equation
constexpr double kLog2Pi = 1.8378770664093454836;

/// One return: a bar whose predecessor is the bar just before it in time.
struct Obs {
  double r = 0;
  double volume = 0;
  int hour = 0, weekday = 0;
  bool follows_previous = false;  // the previous Obs is the previous bar (no gap between)
};

double logistic(double x) { return 1.0 / (1.0 + det_exp(-x)); }
double logit(double p) { return det_log(p / (1.0 - p)); }

/// Ratios of per-bucket means of `value` to the overall mean; empty buckets get 1.
template <std::size_t N>
std::array<double, N> bucket_ratios(const std::vector<Obs>& obs, const std::vector<double>& value,
                                    const std::function<int(const Obs&)>& bucket) {
  std::array<double, N> sum{}, count{};
  double total = 0;
  for (std::size_t i = 0; i < obs.size(); ++i) {
    sum[bucket(obs[i])] += value[i];
    count[bucket(obs[i])] += 1;
    total += value[i];
  }
  const double mean = total / static_cast<double>(obs.size());
  std::array<double, N> out;
  for (std::size_t b = 0; b < N; ++b) out[b] = count[b] > 0 && sum[b] > 0 ? sum[b] / count[b] / mean : 1.0;
  return out;
}

/// Hourly factors from `value`, then weekday factors from value / hourly factor.
void fit_seasonality(const std::vector<Obs>& obs, const std::vector<double>& value, std::array<double, kHours>& hourly,
                     std::array<double, kWeekdays>& weekday) {
  hourly = bucket_ratios<kHours>(obs, value, [](const Obs& o) { return o.hour; });
  std::vector<double> adjusted(value.size());
  for (std::size_t i = 0; i < obs.size(); ++i) adjusted[i] = value[i] / hourly[obs[i].hour];
  weekday = bucket_ratios<kWeekdays>(obs, adjusted, [](const Obs& o) { return o.weekday; });
}

double quantile_of_sorted(const std::vector<double>& sorted, double q) {
  const auto i = static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1));
  return sorted[i];
}

/// Labels each return with a regime 0 (low) .. 2 (high) from k-means on the
/// log of a centred rolling RMS of `u`.
std::vector<int> label_regimes(const std::vector<double>& u, std::int64_t window) {
  const std::size_t n = u.size();
  std::vector<double> prefix(n + 1, 0.0);
  for (std::size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + u[i] * u[i];
  const auto half = static_cast<std::size_t>(window / 2);
  std::vector<double> level(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t lo = i >= half ? i - half : 0;
    const std::size_t hi = std::min(n, i + half + 1);
    const double ms = (prefix[hi] - prefix[lo]) / static_cast<double>(hi - lo);
    level[i] = 0.5 * det_log(std::max(ms, 1e-30));
  }
  std::vector<double> sorted = level;
  std::sort(sorted.begin(), sorted.end());
  std::array<double, kRegimes> centre = {quantile_of_sorted(sorted, 1.0 / 6), quantile_of_sorted(sorted, 0.5),
                                         quantile_of_sorted(sorted, 5.0 / 6)};
  std::vector<int> label(n, 1);
  // Lloyd's iterations, a fixed count; on sorted 1-D data the centres keep their order.
  for (int iter = 0; iter < 100; ++iter) {
    std::array<double, kRegimes> sum{}, count{};
    for (std::size_t i = 0; i < n; ++i) {
      int best = 0;
      for (int k = 1; k < kRegimes; ++k) {
        if (std::fabs(level[i] - centre[k]) < std::fabs(level[i] - centre[best])) best = k;
      }
      label[i] = best;
      sum[best] += level[i];
      count[best] += 1;
    }
    for (int k = 0; k < kRegimes; ++k) {
      if (count[k] > 0) centre[k] = sum[k] / count[k];
    }
  }
  return label;
}

struct GarchFit {
  double omega = 0, alpha = 0, beta = 0;
  double log_likelihood = 0, grid_log_likelihood = 0;
  int evaluations = 0;
};

/// The clipped Gaussian quasi-log-likelihood of GARCH(1,1) on `x`; `h` gets
/// each return's conditional variance when not null.
double garch_log_likelihood(const std::vector<double>& x, double omega, double alpha, double beta, double k2, double h0,
                            std::vector<double>* h_out) {
  double h = h0, ll = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (h_out) (*h_out)[i] = h;
    const double e2 = std::min(x[i] * x[i], k2 * h);
    ll += kLog2Pi + det_log(h) + e2 / h;
    h = omega + alpha * e2 + beta * h;
  }
  return -0.5 * ll;
}

/// theta = (log omega, logit(alpha + beta), logit(alpha / (alpha + beta))).
struct GarchTheta {
  std::array<double, 3> v;
  double omega() const { return det_exp(v[0]); }
  double persistence() const { return logistic(v[1]); }
  double alpha() const { return persistence() * logistic(v[2]); }
  double beta() const { return persistence() * (1.0 - logistic(v[2])); }
};

/// The recursion's first variance: the mean square of `x`, each clipped at k^2 times the plain mean square.
double garch_start(const std::vector<double>& x, double k2) {
  double var = 0;
  for (double v : x) var += v * v;
  var /= static_cast<double>(x.size());
  double clipped = 0;
  for (double v : x) clipped += std::min(v * v, k2 * var);
  return clipped / static_cast<double>(x.size());
}

GarchFit fit_garch(const std::vector<double>& x, double k, int iterations) {
  const double k2 = k * k;
  const double h0 = garch_start(x, k2);
  GarchFit fit;
  auto negative_ll = [&](const std::array<double, 3>& v) {
    ++fit.evaluations;
    const GarchTheta t{v};
    const double ll = garch_log_likelihood(x, t.omega(), t.alpha(), t.beta(), k2, h0, nullptr);
    return std::isfinite(ll) ? -ll : 1e300;
  };
  // Coarse grid: persistence and the alpha share, omega by variance targeting.
  std::array<double, 3> best{};
  double best_value = 1e300;
  for (double p : {0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999}) {
    for (double q : {0.01, 0.03, 0.1, 0.3}) {
      const std::array<double, 3> v = {det_log(h0 * (1.0 - p)), logit(p), logit(q)};
      const double value = negative_ll(v);
      if (value < best_value) {
        best_value = value;
        best = v;
      }
    }
  }
  fit.grid_log_likelihood = -best_value;
  // Nelder-Mead (reflection 1, expansion 2, contraction 0.5, shrink 0.5) from
  // the grid's best point, a fixed number of iterations: no tolerance test
  // whose outcome could hinge on the last bit.
  std::array<std::array<double, 3>, 4> simplex;
  std::array<double, 4> value;
  for (int i = 0; i < 4; ++i) {
    simplex[i] = best;
    if (i > 0) simplex[i][i - 1] += 0.5;
    value[i] = negative_ll(simplex[i]);
  }
  for (int iter = 0; iter < iterations; ++iter) {
    std::array<int, 4> order = {0, 1, 2, 3};
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return value[a] < value[b]; });
    const int worst = order[3];
    std::array<double, 3> centroid{};
    for (int i = 0; i < 3; ++i) {
      for (int d = 0; d < 3; ++d) centroid[d] += simplex[order[i]][d] / 3.0;
    }
    auto towards = [&](double t) {
      std::array<double, 3> p;
      for (int d = 0; d < 3; ++d) p[d] = centroid[d] + t * (simplex[worst][d] - centroid[d]);
      return p;
    };
    const auto reflected = towards(-1.0);
    const double fr = negative_ll(reflected);
    if (fr < value[order[0]]) {
      const auto expanded = towards(-2.0);
      const double fe = negative_ll(expanded);
      simplex[worst] = fe < fr ? expanded : reflected;
      value[worst] = std::min(fe, fr);
    } else if (fr < value[order[2]]) {
      simplex[worst] = reflected;
      value[worst] = fr;
    } else {
      const auto contracted = fr < value[worst] ? towards(-0.5) : towards(0.5);
      const double fc = negative_ll(contracted);
      if (fc < std::min(fr, value[worst])) {
        simplex[worst] = contracted;
        value[worst] = fc;
      } else {
        for (int i = 1; i < 4; ++i) {
          const int j = order[i];
          for (int d = 0; d < 3; ++d)
            simplex[j][d] = simplex[order[0]][d] + 0.5 * (simplex[j][d] - simplex[order[0]][d]);
          value[j] = negative_ll(simplex[j]);
        }
      }
    }
  }
  int arg = 0;
  for (int i = 1; i < 4; ++i) {
    if (value[i] < value[arg]) arg = i;
  }
  const GarchTheta t{simplex[arg]};
  fit.omega = t.omega();
  fit.alpha = t.alpha();
  fit.beta = t.beta();
  fit.log_likelihood = -value[arg];
  return fit;
}

/// Solves the 3x3 system a x = b by Gaussian elimination with partial pivoting.
std::array<double, 3> solve3(std::array<std::array<double, 3>, 3> a, std::array<double, 3> b) {
  for (int c = 0; c < 3; ++c) {
    int pivot = c;
    for (int r = c + 1; r < 3; ++r) {
      if (std::fabs(a[r][c]) > std::fabs(a[pivot][c])) pivot = r;
    }
    std::swap(a[c], a[pivot]);
    std::swap(b[c], b[pivot]);
    for (int r = c + 1; r < 3; ++r) {
      const double f = a[r][c] / a[c][c];
      for (int k = c; k < 3; ++k) a[r][k] -= f * a[c][k];
      b[r] -= f * b[c];
    }
  }
  std::array<double, 3> x{};
  for (int r = 2; r >= 0; --r) {
    double s = b[r];
    for (int k = r + 1; k < 3; ++k) s -= a[r][k] * x[k];
    x[r] = s / a[r][r];
  }
  return x;
}

struct ExcessFit {
  double mean = 1.0, shape = 0.0, max = 50.0;
};

/// The generalised Pareto law of the jump excesses by probability-weighted
/// moments (Hosking and Wallis, 1987): closed form, so deterministic, and
/// defined for heavy tails where the variance is not. The shape is clamped to
/// [0, 0.9]; the cap is twice the largest excess seen, so the model can go
/// somewhat beyond the sample but never to an absurd move.
ExcessFit fit_excess(std::vector<double> y) {
  ExcessFit f;
  if (y.size() < 5) {
    if (!y.empty()) f.mean = std::max(1e-3, std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(y.size()));
    return f;
  }
  std::sort(y.begin(), y.end());
  const auto n = static_cast<double>(y.size());
  double a0 = 0, a1 = 0;  // a_r = E[Y (1 - F(Y))^r]
  for (std::size_t i = 0; i < y.size(); ++i) {
    a0 += y[i];
    a1 += y[i] * (n - 1.0 - static_cast<double>(i)) / (n - 1.0);
  }
  a0 /= n;
  a1 /= n;
  f.mean = std::max(1e-3, a0);
  const double shape = a0 - 2.0 * a1 > 0 ? 2.0 - a0 / (a0 - 2.0 * a1) : 0.0;
  f.shape = std::clamp(shape, 0.0, 0.9);
  f.max = std::max(1.0, 2.0 * y.back());
  return f;
}

struct VolumeFit {
  double intercept = 0, abs_z_beta = 0, log_sigma_beta = 0, ar1 = 0, residual_sd = 0, r2 = 0;
  std::int64_t zero_volume = 0;
};

VolumeFit fit_volume(const std::vector<Obs>& obs, const MarketModelParams& p, const std::vector<double>& abs_z,
                     const std::vector<double>& log_sigma) {
  VolumeFit f;
  std::array<std::array<double, 3>, 3> xtx{};
  std::array<double, 3> xty{};
  std::vector<char> used(obs.size(), 0);
  std::vector<double> y(obs.size(), 0.0);
  double n = 0, y_sum = 0;
  for (std::size_t i = 0; i < obs.size(); ++i) {
    if (!(obs[i].volume > 0)) {
      ++f.zero_volume;
      continue;
    }
    used[i] = 1;
    y[i] = det_log(obs[i].volume / (p.volume_hourly[obs[i].hour] * p.volume_weekday[obs[i].weekday]));
    const std::array<double, 3> row = {1.0, abs_z[i], log_sigma[i]};
    for (int a = 0; a < 3; ++a) {
      for (int b = 0; b < 3; ++b) xtx[a][b] += row[a] * row[b];
      xty[a] += row[a] * y[i];
    }
    n += 1;
    y_sum += y[i];
  }
  const auto beta = solve3(xtx, xty);
  std::vector<double> e(obs.size(), 0.0);
  double ss_res = 0, ss_tot = 0;
  const double y_mean = y_sum / n;
  for (std::size_t i = 0; i < obs.size(); ++i) {
    if (!used[i]) continue;
    e[i] = y[i] - (beta[0] + beta[1] * abs_z[i] + beta[2] * log_sigma[i]);
    ss_res += e[i] * e[i];
    ss_tot += (y[i] - y_mean) * (y[i] - y_mean);
  }
  double num = 0, den = 0;
  for (std::size_t i = 1; i < obs.size(); ++i) {
    if (!used[i] || !used[i - 1] || !obs[i].follows_previous) continue;
    num += e[i] * e[i - 1];
    den += e[i - 1] * e[i - 1];
  }
  f.ar1 = den > 0 ? std::clamp(num / den, -0.99, 0.99) : 0.0;
  double innovation_ss = 0, innovations = 0, exp_sum = 0;
  for (std::size_t i = 0; i < obs.size(); ++i) {
    if (!used[i]) continue;
    exp_sum += det_exp(e[i]);
    if (i == 0 || !used[i - 1] || !obs[i].follows_previous) continue;
    const double v = e[i] - f.ar1 * e[i - 1];
    innovation_ss += v * v;
    innovations += 1;
  }
  f.residual_sd = innovations > 0 ? std::sqrt(innovation_ss / innovations) : 0.0;
  // Smearing: the generator's residual is Gaussian with variance sd^2/(1-ar1^2),
  // so E[exp(e)] = exp(var/2); the data's is mean(exp(e)). Shifting the
  // intercept by the difference makes mean volume match the data's.
  const double var = f.residual_sd * f.residual_sd / (1.0 - f.ar1 * f.ar1);
  f.intercept = beta[0] + det_log(exp_sum / n) - 0.5 * var;
  f.abs_z_beta = beta[1];
  f.log_sigma_beta = beta[2];
  f.r2 = ss_tot > 0 ? 1.0 - ss_res / ss_tot : 0.0;
  return f;
}

/// Mean (high - low) / open over the return sd of `bars` bars of `p` with
/// `substeps`, from a fixed seed: part of the fit, so it must not vary.
double simulated_range_ratio(MarketModelParams p, int substeps, std::int64_t start_ns, std::size_t bars) {
  p.substeps = substeps;
  MarketConfig config;
  config.model = "calibrated";
  config.bar_interval_s = p.bar_interval_s;
  config.start_time_ns = start_ns;
  CalibratedGenerator generator(config, p, PrngStreams(0x5eed), "calibrate.range");
  std::vector<BarData> path;
  path.reserve(bars);
  for (std::size_t i = 0; i < bars; ++i) path.push_back(generator.next());
  const StylizedFacts f = stylized_facts(path);
  return f.mean_range / f.sd;
}

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

}  // namespace

double normal_upper_tail(double x) {
  constexpr int kIntervals = 4000;  // even
  const double width = 12.0, h = width / kIntervals;
  auto density = [](double t) { return det_exp(-0.5 * t * t) * 0.39894228040143267794; };
  double s = density(x) + density(x + width);
  for (int i = 1; i < kIntervals; ++i) s += (i % 2 ? 4.0 : 2.0) * density(x + i * h);
  return s * h / 3.0;
}

std::string CalibrationReport::notes() const {
  std::string s;
  s += "bars: " + std::to_string(bars) + ", returns used: " + std::to_string(returns) +
       ", gaps: " + std::to_string(gaps) + ", zero-volume bars: " + std::to_string(zero_volume_bars) + "\n";
  s += "log return per bar: mean " + fmt("%.4g", mean_log_return) + ", sd " + fmt("%.4g", sd_log_return) + "\n";
  s += "GARCH quasi-log-likelihood: " + fmt("%.3f", log_likelihood) + " (grid best " +
       fmt("%.3f", grid_log_likelihood) + ", " + std::to_string(likelihood_evaluations) + " evaluations)\n";
  s += "jumps: " + std::to_string(jumps) + " returns beyond " + fmt("%.2f", params.jump_threshold_sigma) +
       " sigma; excess over it: mean " + fmt("%.3f", params.jump_excess_mean) + ", generalised Pareto shape " +
       fmt("%.3f", params.jump_tail_shape) + "\n";
  s += "regime shares (low, normal, high): " + fmt("%.3f", regime_share[0]) + ", " + fmt("%.3f", regime_share[1]) +
       ", " + fmt("%.3f", regime_share[2]) + "\n";
  s += "volume least squares R^2: " + fmt("%.3f", volume_r2) + "\n";
  s += "bar range / return sd: " + fmt("%.3f", range_ratio) + " in the data, " + fmt("%.3f", simulated_range_ratio) +
       " simulated with " + std::to_string(params.substeps) + " sub-steps\n";
  return s;
}

std::expected<CalibrationReport, std::string> calibrate_market(const std::vector<BarData>& bars,
                                                               const std::string& symbol,
                                                               const CalibrationOptions& options) {
  if (bars.size() < 2000) {
    return std::unexpected("calibrate: " + std::to_string(bars.size()) +
                           " bars; at least 2000 are needed for a meaningful fit");
  }
  if (options.substeps < 0 || options.substeps > 64) return std::unexpected("calibrate: substeps must be in [0, 64]");
  if (!(options.jump_threshold_sigma >= 1 && options.jump_threshold_sigma <= 20)) {
    return std::unexpected("calibrate: the jump threshold must be in [1, 20] sigma");
  }
  if (options.regime_window < 10) return std::unexpected("calibrate: the regime window must be at least 10 bars");
  const std::int64_t interval = bars.front().interval_ns;
  if (interval <= 0 || interval % kNsPerSecond != 0)
    return std::unexpected("calibrate: the bar interval is not whole seconds");
  CalibrationReport report;
  report.bars = static_cast<std::int64_t>(bars.size());
  MarketModelParams& p = report.params;
  p.symbol = symbol;
  p.bar_interval_s = interval / kNsPerSecond;
  p.substeps = options.substeps > 0 ? options.substeps : 8;  // step 7 settles it
  p.jump_threshold_sigma = options.jump_threshold_sigma;

  // 1. Returns of consecutive bars.
  std::vector<Obs> obs;
  obs.reserve(bars.size());
  for (std::size_t i = 1; i < bars.size(); ++i) {
    const BarData& a = bars[i - 1];
    const BarData& b = bars[i];
    if (b.interval_ns != interval) return std::unexpected("calibrate: bars of different intervals");
    if (b.open_time_ns <= a.open_time_ns) return std::unexpected("calibrate: bars are not in increasing time order");
    if (b.open_time_ns - a.open_time_ns != interval) {
      ++report.gaps;
      continue;
    }
    Obs o;
    o.r = det_log(b.close / a.close);
    o.volume = b.volume;
    o.hour = utc_hour(b.open_time_ns);
    o.weekday = utc_weekday(b.open_time_ns);
    o.follows_previous = !obs.empty() && i >= 2 && bars[i - 1].open_time_ns - bars[i - 2].open_time_ns == interval;
    obs.push_back(o);
  }
  const std::size_t n = obs.size();
  report.returns = static_cast<std::int64_t>(n);
  double mean = 0;
  for (const auto& o : obs) mean += o.r;
  mean /= static_cast<double>(n);
  double var = 0;
  for (const auto& o : obs) var += (o.r - mean) * (o.r - mean);
  report.mean_log_return = mean;
  report.sd_log_return = std::sqrt(var / static_cast<double>(n));
  p.drift_per_bar = options.fit_drift ? mean : 0.0;

  // 2. Seasonality.
  std::vector<double> abs_eps(n), volume(n);
  for (std::size_t i = 0; i < n; ++i) {
    abs_eps[i] = std::fabs(obs[i].r - mean);
    volume[i] = obs[i].volume;
  }
  fit_seasonality(obs, abs_eps, p.volatility_hourly, p.volatility_weekday);
  fit_seasonality(obs, volume, p.volume_hourly, p.volume_weekday);
  std::vector<double> u(n);
  for (std::size_t i = 0; i < n; ++i) {
    u[i] = (obs[i].r - mean) / (p.volatility_hourly[obs[i].hour] * p.volatility_weekday[obs[i].weekday]);
  }

  // 3. Regimes.
  const std::vector<int> regime = label_regimes(u, options.regime_window);
  {
    std::array<double, kRegimes> abs_sum{}, count{};
    double abs_total = 0;
    for (std::size_t i = 0; i < n; ++i) {
      abs_sum[regime[i]] += std::fabs(u[i]);
      count[regime[i]] += 1;
      abs_total += std::fabs(u[i]);
    }
    std::array<std::array<double, kRegimes>, kRegimes> moves{};
    for (std::size_t i = 1; i < n; ++i) {
      if (obs[i].follows_previous) moves[regime[i - 1]][regime[i]] += 1;
    }
    for (int k = 0; k < kRegimes; ++k) {
      p.regime_multiplier[k] = count[k] > 0 ? abs_sum[k] / count[k] / (abs_total / static_cast<double>(n)) : 1.0;
      report.regime_share[k] = count[k] / static_cast<double>(n);
      double row = 0;
      for (int j = 0; j < kRegimes; ++j) row += moves[k][j];
      for (int j = 0; j < kRegimes; ++j) p.regime_transition[k][j] = row > 0 ? moves[k][j] / row : (k == j ? 1.0 : 0.0);
    }
  }
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = u[i] / p.regime_multiplier[regime[i]];

  // 4. GARCH(1,1).
  const double k = options.jump_threshold_sigma;
  const GarchFit garch = fit_garch(x, k, options.optimizer_iterations);
  p.garch_omega = garch.omega;
  p.garch_alpha = garch.alpha;
  p.garch_beta = garch.beta;
  report.log_likelihood = garch.log_likelihood;
  report.grid_log_likelihood = garch.grid_log_likelihood;
  report.likelihood_evaluations = garch.evaluations;
  std::vector<double> h(n);
  garch_log_likelihood(x, p.garch_omega, p.garch_alpha, p.garch_beta, k * k, garch_start(x, k * k), &h);

  // 5. Jumps.
  std::vector<double> abs_z(n), log_sigma(n), excess;
  double up = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double z = x[i] / std::sqrt(h[i]);
    abs_z[i] = std::min(std::fabs(z), kAbsZCap);
    log_sigma[i] = 0.5 * det_log(h[i]) + det_log(p.regime_multiplier[regime[i]]);
    if (std::fabs(z) > k) {
      ++report.jumps;
      excess.push_back(std::fabs(z) - k);
      if (z > 0) up += 1;
    }
  }
  const ExcessFit tail = fit_excess(excess);
  p.jump_excess_mean = tail.mean;
  p.jump_tail_shape = tail.shape;
  p.jump_excess_max = tail.max;
  // Gaussian returns cross k sigma too; only the excess over that count are jumps.
  const double gaussian_rate = 2.0 * normal_upper_tail(k);
  const double jumps = static_cast<double>(report.jumps);
  p.jump_probability = std::max(0.0, jumps / static_cast<double>(n) - gaussian_rate);
  p.jump_up_probability = report.jumps > 0 ? up / jumps : 0.5;

  // 6. Volume.
  const VolumeFit vf = fit_volume(obs, p, abs_z, log_sigma);
  p.volume_log_intercept = vf.intercept;
  p.volume_abs_z_beta = vf.abs_z_beta;
  p.volume_log_sigma_beta = vf.log_sigma_beta;
  p.volume_ar1 = vf.ar1;
  p.volume_residual_sd = vf.residual_sd;
  report.volume_r2 = vf.r2;
  report.zero_volume_bars = vf.zero_volume;

  // 7. Sub-steps.
  const StylizedFacts real = stylized_facts(bars);
  report.range_ratio = real.mean_range / real.sd;
  // Long enough for the ratio to 0.5% or so; longer only costs time.
  const std::size_t simulated = std::min<std::size_t>(bars.size(), 100'000);
  const std::vector<int> candidates =
      options.substeps > 0 ? std::vector<int>{options.substeps} : std::vector<int>{4, 8, 16, 32, 64};
  double best_gap = 1e300;
  for (int substeps : candidates) {
    const double ratio = simulated_range_ratio(p, substeps, bars.front().open_time_ns, simulated);
    if (std::fabs(ratio - report.range_ratio) < best_gap) {
      best_gap = std::fabs(ratio - report.range_ratio);
      p.substeps = substeps;
      report.simulated_range_ratio = ratio;
    }
  }
  return report;
}

}  // namespace verity
