// How good a model's probabilities of "up" are, and how good a strategy's
// returns are: accuracy, Brier score, log loss, calibration (reliability bins
// and expected calibration error), AUC and per-tier hit rates for a binary
// classifier; Sharpe, skewness, kurtosis and the deflated Sharpe ratio for a
// return series, with a deterministic normal CDF and inverse normal CDF.
//
// Guarantees: every sum runs in input order (or bin order), and the only
// transcendental functions are det_exp and det_log
// (actors/runtime/detmath.hpp), so the same inputs give the same bits on
// every x86-64 machine. Bad input (empty, sizes that differ, NaN, a
// probability outside [0, 1], a label other than 0 or 1) is an error value
// naming the argument and what was expected; nothing here crashes on input.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace verity {

/// The input check every fit and metric here shares: `p` is not empty, each
/// value is a probability in [0, 1] (not NaN), `labels` has one entry per
/// probability and each is 0 or 1. The error names `p_name` or "labels", the
/// index and the value, e.g. "p_up[3]: expected a probability in [0, 1], got nan".
std::expected<void, std::string> check_probabilities_and_labels(std::span<const double> p, std::span<const int> labels,
                                                                std::string_view p_name = "p_up");

/// One of the 10 equal-width bins over p_up: bin i holds the samples with
/// p_up in [i/10, (i+1)/10), the last bin also p_up = 1. An empty bin is kept
/// with count 0 and both means 0.
struct ReliabilityBin {
  double lo = 0, hi = 0;
  std::uint64_t count = 0;
  double mean_predicted = 0;  // mean p_up of the bin's samples
  double fraction_up = 0;     // share of the bin's samples labelled 1
};

/// The calls one confidence tier makes. A sample's confidence is
/// max(max(p, 1 - p) - bias, 0); the tier "calls" every sample whose
/// confidence is at or above the tier's threshold, so the tiers are
/// cumulative (a high call is also a medium and a low call). A call predicts
/// up when p >= 0.5 and is correct when that matches the label.
///   precision = correct / calls, and 0 when calls == 0 (check calls);
///   recall    = correct / n, the share of ALL samples the tier calls right.
struct TierStats {
  std::uint64_t calls = 0, correct = 0;
  double precision = 0, recall = 0;
};

/// Confidence levels (max(p, 1 - p), after the bias) at which each tier
/// starts. They must be finite and low <= medium <= high.
struct TierThresholds {
  double low = 0.55, medium = 0.62, high = 0.70;
};

struct ClassificationMetrics {
  std::uint64_t n = 0;
  double accuracy = 0;      // share of samples where (p >= 0.5) == (label == 1)
  double base_rate_up = 0;  // share of labels that are 1
  double brier = 0;         // mean (p - label)^2
  double log_loss = 0;      // mean -log likelihood, p clipped to [1e-12, 1 - 1e-12]
  double ece = 0;           // sum over bins |mean_predicted - fraction_up| * count / n
  double auc = 0.5;         // Mann-Whitney, tied scores count one half; 0.5 when a class is absent
  std::vector<ReliabilityBin> reliability;  // always 10 bins, ascending
  std::map<std::string, TierStats> tiers;   // "low", "medium", "high"
};

/// Scores `p_up` (probabilities in [0, 1]) against `labels` (1 = up, 0 =
/// down), one label per probability. `bias` is a fraction (0.05 for the
/// conservative -5% bias) subtracted from each confidence before tiering.
std::expected<ClassificationMetrics, std::string> classification_metrics(std::span<const double> p_up,
                                                                         std::span<const int> labels,
                                                                         const TierThresholds& tiers,
                                                                         double bias = 0.0);

/// Keys: n, accuracy, base_rate_up, brier, log_loss, ece, auc,
/// reliability [{lo, hi, count, mean_predicted, fraction_up}],
/// tiers {low|medium|high: {calls, correct, precision, recall}}.
nlohmann::json to_json(const ClassificationMetrics& m);

// --- deterministic normal distribution ----------------------------------------

/// The complementary error function from IEEE + - * / and det_exp only: its
/// Taylor series below |x| = 1.5, its continued fraction (100 terms) above.
/// Relative error below 1e-13 against glibc's erfc. NaN gives NaN.
double det_erfc(double x);

/// The standard normal CDF, Phi(x) = erfc(-x / sqrt 2) / 2.
double normal_cdf(double x);

/// Phi^-1(p): Acklam's rational approximation, then one Halley step on
/// normal_cdf: absolute error below 1e-13 for p in [1e-300, 1 - 1e-16]
/// (deeper in the tail, where e^(x^2/2) overflows, Acklam's alone, ~1e-7).
/// For p > 0.5 it is -inverse_normal_cdf(1 - p) (1 - p is exact there), so
/// the two halves mirror bit for bit. 0 gives -inf, 1 gives +inf, NaN or p
/// outside [0, 1] gives NaN.
double inverse_normal_cdf(double p);

// --- return series ---------------------------------------------------------------

/// Per-period Sharpe ratio: mean / sample standard deviation (n - 1), no
/// annualisation and no risk-free rate. 0 with fewer than two returns or a
/// standard deviation of 0. A NaN return makes the result NaN.
double sharpe_ratio(std::span<const double> returns);

/// Sample skewness m3 / m2^1.5 (population moments). 0 with fewer than two
/// returns or no variance (the normal's value).
double skewness(std::span<const double> returns);

/// Kurtosis m4 / m2^2, not excess: 3 for a normal. 3 with fewer than two
/// returns or no variance (the normal's value, so the deflated Sharpe ratio
/// falls back to the normal assumption).
double kurtosis(std::span<const double> returns);

/// The deflated Sharpe ratio (Bailey and Lopez de Prado, 2014): the
/// probability that the true Sharpe ratio exceeds SR0, the expected maximum
/// Sharpe ratio of `trials` unskilled strategies whose Sharpe ratios vary
/// with `sharpe_variance_across_trials`:
///   SR0 = sqrt(V) * ((1 - g) * Phi^-1(1 - 1/N) + g * Phi^-1(1 - 1/(N e))),
///   g = 0.5772156649... (Euler-Mascheroni), N = trials; SR0 = 0 when N = 1;
///   DSR = Phi((SR - SR0) * sqrt(T - 1) / sqrt(1 - skew * SR + (kurt - 1) / 4 * SR^2)).
/// `sharpe` is per period (not annualised), `periods` is T, `kurt` is not
/// excess (3 for a normal). NaN when periods < 2, trials == 0, the variance is negative,
/// an input is not finite or the denominator is not positive.
double deflated_sharpe_ratio(double sharpe, std::uint64_t periods, double skew, double kurt,
                             std::uint64_t trials, double sharpe_variance_across_trials);

}  // namespace verity
