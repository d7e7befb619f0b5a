#include "models/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <nlohmann/json.hpp>

#include "actors/runtime/detmath.hpp"

namespace verity {
namespace {

constexpr int kReliabilityBins = 10;
constexpr double kLogLossClip = 1e-12;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kSqrt2 = 1.4142135623730950488;
constexpr double kTwoOverSqrtPi = 1.1283791670955125739;
constexpr double kSqrtPi = 1.7724538509055160273;
constexpr double kSqrt2Pi = 2.5066282746310005024;
constexpr double kEulerGamma = 0.57721566490153286061;
constexpr double kE = 2.7182818284590452354;

/// Bin i of 10 covers [i/10, (i+1)/10); p = 1 joins the last bin.
int reliability_bin(double p) { return std::min(kReliabilityBins - 1, static_cast<int>(p * kReliabilityBins)); }

double confidence_after_bias(double p, double bias) { return std::max(std::max(p, 1.0 - p) - bias, 0.0); }

/// Mann-Whitney AUC: the rank sum of the positives, tied scores sharing the
/// mean of their ranks. The sort breaks ties by index, so it is total.
double mann_whitney_auc(std::span<const double> p, std::span<const int> labels, std::uint64_t positives) {
  const std::uint64_t n = p.size();
  const std::uint64_t negatives = n - positives;
  if (positives == 0 || negatives == 0) return 0.5;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return p[a] < p[b] || (p[a] == p[b] && a < b); });
  double positive_rank_sum = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && p[order[j + 1]] == p[order[i]]) ++j;
    // Ranks i+1 .. j+1 (1-based) share their mean.
    const double mean_rank = (static_cast<double>(i + 1) + static_cast<double>(j + 1)) / 2.0;
    for (std::size_t k = i; k <= j; ++k)
      if (labels[order[k]] == 1) positive_rank_sum += mean_rank;
    i = j + 1;
  }
  const double pos = static_cast<double>(positives);
  const double neg = static_cast<double>(negatives);
  return (positive_rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg);
}

std::expected<void, std::string> check_thresholds(const TierThresholds& t, double bias) {
  if (!std::isfinite(t.low) || !std::isfinite(t.medium) || !std::isfinite(t.high))
    return std::unexpected(fmt::format("tiers: expected finite thresholds, got low {} medium {} high {}", t.low,
                                       t.medium, t.high));
  if (!(t.low <= t.medium && t.medium <= t.high))
    return std::unexpected(fmt::format("tiers: expected low <= medium <= high, got low {} medium {} high {}", t.low,
                                       t.medium, t.high));
  if (!std::isfinite(bias)) return std::unexpected(fmt::format("bias: expected a finite fraction, got {}", bias));
  return {};
}

void add_tier(ClassificationMetrics& m, const std::string& name, double threshold, std::span<const double> p,
              std::span<const int> labels, double bias) {
  TierStats s;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (confidence_after_bias(p[i], bias) < threshold) continue;
    ++s.calls;
    if ((p[i] >= 0.5) == (labels[i] == 1)) ++s.correct;
  }
  s.precision = s.calls == 0 ? 0.0 : static_cast<double>(s.correct) / static_cast<double>(s.calls);
  s.recall = static_cast<double>(s.correct) / static_cast<double>(p.size());
  m.tiers[name] = s;
}

/// erf(x) for 0 <= x < 1.5 from the all-positive series
///   erf(x) = 2/sqrt(pi) * e^(-x^2) * sum_n 2^n x^(2n+1) / (1 * 3 * ... * (2n+1)),
/// which has no cancellation. It converges in under 60 terms there; the
/// bound is only a guard.
double erf_series(double x) {
  const double two_x2 = 2.0 * x * x;
  double term = x, sum = x;
  for (int n = 1; n < 200; ++n) {
    term = term * two_x2 / static_cast<double>(2 * n + 1);
    sum += term;
    if (term <= 1e-17 * sum) break;
  }
  return kTwoOverSqrtPi * det_exp(-x * x) * sum;
}

/// erfc(x) for x >= 1.5 from Laplace's continued fraction
///   erfc(x) = e^(-x^2) / sqrt(pi) / (x + (1/2) / (x + (2/2) / (x + (3/2) / (x + ...)))),
/// evaluated from the 100th term back.
double erfc_continued_fraction(double x) {
  double t = x;
  for (int k = 100; k >= 1; --k) t = x + (static_cast<double>(k) / 2.0) / t;
  return det_exp(-x * x) / (kSqrtPi * t);
}

/// Acklam's rational approximation of Phi^-1 for 0 < p <= 0.5 (relative
/// error 1.15e-9).
double acklam_lower(double p) {
  static constexpr std::array<double, 6> a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                              1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr std::array<double, 5> b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                              6.680131188771972e+01, -1.328068155288572e+01};
  static constexpr std::array<double, 6> c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                              -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr std::array<double, 4> d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                              3.754408661907416e+00};
  constexpr double p_low = 0.02425;
  if (p < p_low) {
    const double q = std::sqrt(-2.0 * det_log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  }
  const double q = p - 0.5;
  const double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
}

struct Moments {
  std::size_t n = 0;
  double mean = 0, m2 = 0, m3 = 0, m4 = 0;  // central moments, divided by n
};

Moments moments(std::span<const double> x) {
  Moments m;
  m.n = x.size();
  if (m.n == 0) return m;
  double sum = 0;
  for (double v : x) sum += v;
  m.mean = sum / static_cast<double>(m.n);
  double s2 = 0, s3 = 0, s4 = 0;
  for (double v : x) {
    const double d = v - m.mean;
    const double d2 = d * d;
    s2 += d2;
    s3 += d2 * d;
    s4 += d2 * d2;
  }
  m.m2 = s2 / static_cast<double>(m.n);
  m.m3 = s3 / static_cast<double>(m.n);
  m.m4 = s4 / static_cast<double>(m.n);
  return m;
}

}  // namespace

std::expected<void, std::string> check_probabilities_and_labels(std::span<const double> p, std::span<const int> labels,
                                                                std::string_view p_name) {
  if (p.empty()) return std::unexpected(fmt::format("{}: expected at least one probability, got none", p_name));
  if (labels.size() != p.size())
    return std::unexpected(
        fmt::format("labels: expected {} labels (one per {}), got {}", p.size(), p_name, labels.size()));
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (!(p[i] >= 0.0 && p[i] <= 1.0))
      return std::unexpected(fmt::format("{}[{}]: expected a probability in [0, 1], got {}", p_name, i, p[i]));
    if (labels[i] != 0 && labels[i] != 1)
      return std::unexpected(fmt::format("labels[{}]: expected 0 or 1, got {}", i, labels[i]));
  }
  return {};
}

std::expected<ClassificationMetrics, std::string> classification_metrics(std::span<const double> p_up,
                                                                         std::span<const int> labels,
                                                                         const TierThresholds& tiers, double bias) {
  if (auto ok = check_probabilities_and_labels(p_up, labels, "p_up"); !ok) return std::unexpected(ok.error());
  if (auto ok = check_thresholds(tiers, bias); !ok) return std::unexpected(ok.error());

  ClassificationMetrics m;
  m.n = p_up.size();
  const double n = static_cast<double>(m.n);
  std::uint64_t correct = 0, positives = 0;
  double brier_sum = 0, log_loss_sum = 0;
  std::array<std::uint64_t, kReliabilityBins> bin_count{};
  std::array<double, kReliabilityBins> bin_p_sum{};
  std::array<std::uint64_t, kReliabilityBins> bin_up{};
  for (std::size_t i = 0; i < p_up.size(); ++i) {
    const double p = p_up[i];
    const bool up = labels[i] == 1;
    if ((p >= 0.5) == up) ++correct;
    if (up) ++positives;
    const double err = p - (up ? 1.0 : 0.0);
    brier_sum += err * err;
    const double clipped = std::clamp(p, kLogLossClip, 1.0 - kLogLossClip);
    log_loss_sum += -det_log(up ? clipped : 1.0 - clipped);
    const int b = reliability_bin(p);
    ++bin_count[b];
    bin_p_sum[b] += p;
    if (up) ++bin_up[b];
  }
  m.accuracy = static_cast<double>(correct) / n;
  m.base_rate_up = static_cast<double>(positives) / n;
  m.brier = brier_sum / n;
  m.log_loss = log_loss_sum / n;

  double ece_sum = 0;
  for (int b = 0; b < kReliabilityBins; ++b) {
    ReliabilityBin bin;
    bin.lo = static_cast<double>(b) / kReliabilityBins;
    bin.hi = static_cast<double>(b + 1) / kReliabilityBins;
    bin.count = bin_count[b];
    if (bin.count > 0) {
      const double c = static_cast<double>(bin.count);
      bin.mean_predicted = bin_p_sum[b] / c;
      bin.fraction_up = static_cast<double>(bin_up[b]) / c;
      ece_sum += std::abs(bin.mean_predicted - bin.fraction_up) * c;
    }
    m.reliability.push_back(bin);
  }
  m.ece = ece_sum / n;
  m.auc = mann_whitney_auc(p_up, labels, positives);
  add_tier(m, "low", tiers.low, p_up, labels, bias);
  add_tier(m, "medium", tiers.medium, p_up, labels, bias);
  add_tier(m, "high", tiers.high, p_up, labels, bias);
  return m;
}

nlohmann::json to_json(const ClassificationMetrics& m) {
  nlohmann::json j;
  j["n"] = m.n;
  j["accuracy"] = m.accuracy;
  j["base_rate_up"] = m.base_rate_up;
  j["brier"] = m.brier;
  j["log_loss"] = m.log_loss;
  j["ece"] = m.ece;
  j["auc"] = m.auc;
  j["reliability"] = nlohmann::json::array();
  for (const auto& b : m.reliability) {
    j["reliability"].push_back({{"lo", b.lo},
                                {"hi", b.hi},
                                {"count", b.count},
                                {"mean_predicted", b.mean_predicted},
                                {"fraction_up", b.fraction_up}});
  }
  j["tiers"] = nlohmann::json::object();
  for (const auto& [name, t] : m.tiers) {
    j["tiers"][name] = {{"calls", t.calls}, {"correct", t.correct}, {"precision", t.precision}, {"recall", t.recall}};
  }
  return j;
}

double det_erfc(double x) {
  if (std::isnan(x)) return kNaN;
  const bool negative = x < 0;
  const double a = negative ? -x : x;
  double r;
  if (a < 1.5) {
    r = 1.0 - erf_series(a);
  } else if (a < 30.0) {
    r = erfc_continued_fraction(a);
  } else {
    r = 0.0;  // below the smallest subnormal double
  }
  return negative ? 2.0 - r : r;
}

double normal_cdf(double x) { return 0.5 * det_erfc(-x / kSqrt2); }

double inverse_normal_cdf(double p) {
  if (!(p >= 0.0 && p <= 1.0)) return kNaN;
  if (p == 0.0) return -kInf;
  if (p == 1.0) return kInf;
  // Above 0.5 use the symmetry: 1 - p is exact there (Sterbenz), and the
  // lower tail is where normal_cdf has its full relative precision.
  if (p > 0.5) return -inverse_normal_cdf(1.0 - p);
  const double x = acklam_lower(p);
  // One Halley step on f(x) = Phi(x) - p.
  const double e = normal_cdf(x) - p;
  const double u = e * kSqrt2Pi * det_exp(x * x / 2.0);
  // Deep in the subnormal tail e^(x^2/2) overflows; Acklam's value stands.
  if (!std::isfinite(u)) return x;
  return x - u / (1.0 + x * u / 2.0);
}

double sharpe_ratio(std::span<const double> returns) {
  if (returns.size() < 2) return 0.0;
  const Moments m = moments(returns);
  const double n = static_cast<double>(m.n);
  const double variance = m.m2 * n / (n - 1.0);
  if (std::isnan(variance)) return kNaN;
  if (variance <= 0.0) return 0.0;
  return m.mean / std::sqrt(variance);
}

double skewness(std::span<const double> returns) {
  if (returns.size() < 2) return 0.0;
  const Moments m = moments(returns);
  if (std::isnan(m.m2)) return kNaN;
  if (m.m2 <= 0.0) return 0.0;
  return m.m3 / (m.m2 * std::sqrt(m.m2));
}

double kurtosis(std::span<const double> returns) {
  if (returns.size() < 2) return 3.0;
  const Moments m = moments(returns);
  if (std::isnan(m.m2)) return kNaN;
  if (m.m2 <= 0.0) return 3.0;
  return m.m4 / (m.m2 * m.m2);
}

double deflated_sharpe_ratio(double sharpe, std::uint64_t periods, double skew, double kurt, std::uint64_t trials,
                             double sharpe_variance_across_trials) {
  const double v = sharpe_variance_across_trials;
  if (periods < 2 || trials == 0) return kNaN;
  if (!std::isfinite(sharpe) || !std::isfinite(skew) || !std::isfinite(kurt) || !std::isfinite(v) || v < 0.0)
    return kNaN;
  double sr0 = 0.0;
  if (trials > 1 && v > 0.0) {
    const double n = static_cast<double>(trials);
    sr0 = std::sqrt(v) * ((1.0 - kEulerGamma) * inverse_normal_cdf(1.0 - 1.0 / n) +
                          kEulerGamma * inverse_normal_cdf(1.0 - 1.0 / (n * kE)));
  }
  const double denominator_sq = 1.0 - skew * sharpe + (kurt - 1.0) / 4.0 * sharpe * sharpe;
  if (!(denominator_sq > 0.0)) return kNaN;
  const double z = (sharpe - sr0) * std::sqrt(static_cast<double>(periods) - 1.0) / std::sqrt(denominator_sq);
  return normal_cdf(z);
}

}  // namespace verity
