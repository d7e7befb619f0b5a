// Model metrics, calibration and confidence tiers on small hand-worked
// examples (models/metrics.hpp, models/calibration.hpp,
// models/confidence.hpp): accuracy, Brier, log loss, ECE, AUC with ties,
// cumulative tiers, the normal CDF and its inverse, Sharpe and the deflated
// Sharpe ratio, Platt recovering known parameters, isotonic regression by
// hand, the tier tracker's hysteresis and the pattern floor.
#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "actors/runtime/prng.hpp"
#include "actors/runtime/state_archive.hpp"
#include "models/calibration.hpp"
#include "models/confidence.hpp"
#include "models/metrics.hpp"

namespace verity {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// --- classification metrics ---------------------------------------------------------

// p = {.9, .8, .3, .6, .2}, labels = {1, 1, 0, 0, 1}:
//   predictions up, up, down, up, down: right, right, right, wrong, wrong;
//   squared errors .01 .04 .09 .36 .64 (sum 1.14);
//   every sample alone in its bin, so ECE = mean |p - y| = (.1+.2+.3+.6+.8)/5;
//   positive/negative pairs won: .9 and .8 beat .3 and .6, .2 beats none: 4/6.
const std::vector<double> kP = {0.9, 0.8, 0.3, 0.6, 0.2};
const std::vector<int> kY = {1, 1, 0, 0, 1};

TEST(MetricsClassification, HandWorkedScores) {
  auto m = classification_metrics(kP, kY, TierThresholds{});
  ASSERT_TRUE(m.has_value()) << m.error();
  EXPECT_EQ(m->n, 5u);
  EXPECT_DOUBLE_EQ(m->accuracy, 0.6);
  EXPECT_DOUBLE_EQ(m->base_rate_up, 0.6);
  EXPECT_NEAR(m->brier, 0.228, 1e-15);
  // -(ln .9 + ln .8 + ln .7 + ln .4 + ln .2) / 5
  EXPECT_NEAR(m->log_loss, 0.6421815310438047, 1e-15);
  EXPECT_NEAR(m->ece, 0.4, 1e-15);
  EXPECT_NEAR(m->auc, 4.0 / 6.0, 1e-15);
}

TEST(MetricsClassification, ReliabilityKeepsTenBinsWithEmptyOnes) {
  const std::vector<double> p = {0.0, 0.05, 0.15, 0.95, 1.0};
  const std::vector<int> y = {0, 1, 0, 1, 1};
  auto m = classification_metrics(p, y, TierThresholds{});
  ASSERT_TRUE(m.has_value()) << m.error();
  ASSERT_EQ(m->reliability.size(), 10u);
  for (int b = 0; b < 10; ++b) {
    EXPECT_DOUBLE_EQ(m->reliability[b].lo, b / 10.0);
    EXPECT_DOUBLE_EQ(m->reliability[b].hi, (b + 1) / 10.0);
  }
  EXPECT_EQ(m->reliability[0].count, 2u);
  EXPECT_DOUBLE_EQ(m->reliability[0].mean_predicted, 0.025);
  EXPECT_DOUBLE_EQ(m->reliability[0].fraction_up, 0.5);
  EXPECT_EQ(m->reliability[1].count, 1u);
  EXPECT_EQ(m->reliability[9].count, 2u);  // 1.0 joins the last bin
  EXPECT_DOUBLE_EQ(m->reliability[9].mean_predicted, 0.975);
  EXPECT_DOUBLE_EQ(m->reliability[9].fraction_up, 1.0);
  for (int b = 2; b < 9; ++b) {
    EXPECT_EQ(m->reliability[b].count, 0u);
    EXPECT_EQ(m->reliability[b].mean_predicted, 0.0);
    EXPECT_EQ(m->reliability[b].fraction_up, 0.0);
  }
  // ECE = (|.025 - .5| * 2 + |.15 - 0| + |.975 - 1| * 2) / 5
  EXPECT_NEAR(m->ece, (0.475 * 2 + 0.15 + 0.025 * 2) / 5, 1e-15);
}

TEST(MetricsClassification, PerfectlyCalibratedDataHasZeroEce) {
  // 1/8 of the 0.125s, 5/8 of the 0.625s and 7/8 of the 0.875s are up.
  std::vector<double> p;
  std::vector<int> y;
  for (int i = 0; i < 8; ++i) {
    p.push_back(0.125), y.push_back(i < 1 ? 1 : 0);
    p.push_back(0.625), y.push_back(i < 5 ? 1 : 0);
    p.push_back(0.875), y.push_back(i < 7 ? 1 : 0);
  }
  auto m = classification_metrics(p, y, TierThresholds{});
  ASSERT_TRUE(m.has_value()) << m.error();
  EXPECT_EQ(m->ece, 0.0);
  EXPECT_EQ(m->reliability[6].count, 8u);
  EXPECT_EQ(m->reliability[6].fraction_up, 0.625);
}

TEST(MetricsClassification, AucAveragesTiedScores) {
  // Positives {.6, .9}, negatives {.2, .6}: the tie .6 / .6 counts one half.
  auto m = classification_metrics(std::vector<double>{0.2, 0.6, 0.6, 0.9}, std::vector<int>{0, 1, 0, 1},
                                  TierThresholds{});
  ASSERT_TRUE(m.has_value());
  EXPECT_DOUBLE_EQ(m->auc, 3.5 / 4.0);
  auto all_tied = classification_metrics(std::vector<double>{0.5, 0.5, 0.5, 0.5}, std::vector<int>{1, 0, 1, 0},
                                         TierThresholds{});
  ASSERT_TRUE(all_tied.has_value());
  EXPECT_DOUBLE_EQ(all_tied->auc, 0.5);
}

TEST(MetricsClassification, AucIsOneZeroOrHalf) {
  const std::vector<double> p = {0.1, 0.4, 0.6, 0.7};
  auto perfect = classification_metrics(p, std::vector<int>{0, 0, 1, 1}, TierThresholds{});
  auto reversed = classification_metrics(p, std::vector<int>{1, 1, 0, 0}, TierThresholds{});
  auto one_class = classification_metrics(p, std::vector<int>{1, 1, 1, 1}, TierThresholds{});
  ASSERT_TRUE(perfect && reversed && one_class);
  EXPECT_EQ(perfect->auc, 1.0);
  EXPECT_EQ(reversed->auc, 0.0);
  EXPECT_EQ(one_class->auc, 0.5);
}

TEST(MetricsClassification, TiersAreCumulativeAndBiasLowersConfidence) {
  // Bias .06: confidences .84 .74 .64 .54 .74.
  auto m = classification_metrics(kP, kY, TierThresholds{0.55, 0.62, 0.70}, 0.06);
  ASSERT_TRUE(m.has_value()) << m.error();
  ASSERT_EQ(m->tiers.size(), 3u);
  const TierStats& low = m->tiers.at("low");
  EXPECT_EQ(low.calls, 4u);  // all but p = .6
  EXPECT_EQ(low.correct, 3u);
  EXPECT_DOUBLE_EQ(low.precision, 0.75);
  EXPECT_DOUBLE_EQ(low.recall, 0.6);
  const TierStats& medium = m->tiers.at("medium");
  EXPECT_EQ(medium.calls, 4u);
  EXPECT_EQ(medium.correct, 3u);
  const TierStats& high = m->tiers.at("high");
  EXPECT_EQ(high.calls, 3u);  // .9, .8 and .2 (wrong)
  EXPECT_EQ(high.correct, 2u);
  EXPECT_DOUBLE_EQ(high.precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(high.recall, 0.4);
}

TEST(MetricsClassification, EmptyTiersHaveZeroCallsAndNoNaN) {
  auto m = classification_metrics(kP, kY, TierThresholds{0.95, 0.97, 0.99});
  ASSERT_TRUE(m.has_value());
  for (const auto& [name, t] : m->tiers) {
    EXPECT_EQ(t.calls, 0u) << name;
    EXPECT_EQ(t.correct, 0u) << name;
    EXPECT_EQ(t.precision, 0.0) << name;
    EXPECT_EQ(t.recall, 0.0) << name;
  }
}

TEST(MetricsClassification, BadInputIsAnErrorNamingTheArgument) {
  const TierThresholds t;
  auto empty = classification_metrics(std::vector<double>{}, std::vector<int>{}, t);
  ASSERT_FALSE(empty.has_value());
  EXPECT_TRUE(has(empty.error(), "p_up")) << empty.error();
  auto mismatch = classification_metrics(std::vector<double>{0.5, 0.5}, std::vector<int>{1}, t);
  ASSERT_FALSE(mismatch.has_value());
  EXPECT_TRUE(has(mismatch.error(), "labels: expected 2")) << mismatch.error();
  auto nan = classification_metrics(std::vector<double>{0.5, 0.5, kNaN}, std::vector<int>{1, 0, 1}, t);
  ASSERT_FALSE(nan.has_value());
  EXPECT_TRUE(has(nan.error(), "p_up[2]")) << nan.error();
  auto above = classification_metrics(std::vector<double>{1.5}, std::vector<int>{1}, t);
  ASSERT_FALSE(above.has_value());
  EXPECT_TRUE(has(above.error(), "[0, 1]")) << above.error();
  auto label = classification_metrics(std::vector<double>{0.5, 0.5}, std::vector<int>{1, 2}, t);
  ASSERT_FALSE(label.has_value());
  EXPECT_TRUE(has(label.error(), "labels[1]: expected 0 or 1, got 2")) << label.error();
  auto unordered = classification_metrics(kP, kY, TierThresholds{0.7, 0.6, 0.8});
  ASSERT_FALSE(unordered.has_value());
  EXPECT_TRUE(has(unordered.error(), "tiers")) << unordered.error();
  auto bias = classification_metrics(kP, kY, t, kNaN);
  ASSERT_FALSE(bias.has_value());
  EXPECT_TRUE(has(bias.error(), "bias")) << bias.error();
}

TEST(MetricsClassification, JsonHasEveryKey) {
  auto m = classification_metrics(kP, kY, TierThresholds{});
  ASSERT_TRUE(m.has_value());
  const nlohmann::json j = to_json(*m);
  for (const char* key : {"accuracy", "brier", "log_loss", "ece", "auc", "n", "base_rate_up", "reliability", "tiers"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["n"].get<std::uint64_t>(), 5u);
  EXPECT_EQ(j["reliability"].size(), 10u);
  EXPECT_EQ(j["reliability"][9]["count"].get<std::uint64_t>(), 1u);
  EXPECT_EQ(j["tiers"]["low"]["calls"].get<std::uint64_t>(), 5u);
  EXPECT_DOUBLE_EQ(j["tiers"]["medium"]["precision"].get<double>(), 0.75);
  EXPECT_EQ(j.dump(), to_json(*m).dump());
}

// --- normal distribution ----------------------------------------------------------------

TEST(MetricsNormal, KnownValues) {
  EXPECT_EQ(normal_cdf(0.0), 0.5);
  EXPECT_NEAR(normal_cdf(1.96), 0.9750021048517796, 1e-15);
  EXPECT_NEAR(normal_cdf(-1.0), 0.15865525393145707, 1e-15);
  EXPECT_NEAR(det_erfc(1.0), 0.15729920705028513, 1e-15);
  EXPECT_EQ(det_erfc(0.0), 1.0);
  EXPECT_EQ(det_erfc(40.0), 0.0);
  EXPECT_EQ(det_erfc(-40.0), 2.0);
  EXPECT_TRUE(std::isnan(det_erfc(kNaN)));
  EXPECT_NEAR(inverse_normal_cdf(0.975), 1.9599639845400536, 1e-12);
  EXPECT_NEAR(inverse_normal_cdf(1e-10), -6.361340902404056, 1e-11);
  EXPECT_EQ(inverse_normal_cdf(0.5), 0.0);
  EXPECT_EQ(inverse_normal_cdf(0.0), -kInf);
  EXPECT_EQ(inverse_normal_cdf(1.0), kInf);
  EXPECT_TRUE(std::isnan(inverse_normal_cdf(-0.1)));
  EXPECT_TRUE(std::isnan(inverse_normal_cdf(kNaN)));
}

TEST(MetricsNormal, ErfcMatchesLibmToThirteenDigits) {
  for (int i = -600; i <= 2600; ++i) {
    const double x = i / 100.0;
    const double want = std::erfc(x);
    ASSERT_LE(std::abs(det_erfc(x) - want), 1e-13 * want) << "x = " << x;
  }
}

TEST(MetricsNormal, InverseUndoesTheCdfAndIsAntisymmetric) {
  for (int i = 1; i < 1000; ++i) {
    const double p = i / 1000.0;
    const double x = inverse_normal_cdf(p);
    ASSERT_NEAR(normal_cdf(x), p, 1e-14 + 1e-12 * p) << "p = " << p;
    // Above 0.5, 1 - p is exact and the upper half mirrors the lower bit for bit.
    if (p > 0.5) {
      ASSERT_EQ(x, -inverse_normal_cdf(1.0 - p)) << "p = " << p;
    }
  }
  for (double p : {1e-300, 1e-100, 1e-20, 1e-5}) {
    const double x = inverse_normal_cdf(p);
    EXPECT_NEAR(normal_cdf(x) / p, 1.0, 1e-11) << "p = " << p;
  }
}

// --- return series ----------------------------------------------------------------------

TEST(MetricsSharpe, HandWorkedMoments) {
  // mean .0125, sample variance 8.75e-4 / 3.
  EXPECT_NEAR(sharpe_ratio(std::vector<double>{0.01, 0.02, -0.01, 0.03}), 0.7319250547113997, 1e-14);
  // {1, 2, 3, 10}: mean 4, m2 12.5, m3 45, m4 348.5.
  const std::vector<double> x = {1, 2, 3, 10};
  EXPECT_NEAR(skewness(x), 45.0 / (12.5 * std::sqrt(12.5)), 1e-15);
  EXPECT_NEAR(kurtosis(x), 348.5 / 156.25, 1e-15);
}

TEST(MetricsSharpe, DegenerateSeriesFallBackToNormalValues) {
  const std::vector<double> flat = {0.01, 0.01, 0.01};
  EXPECT_EQ(sharpe_ratio(flat), 0.0);
  EXPECT_EQ(skewness(flat), 0.0);
  EXPECT_EQ(kurtosis(flat), 3.0);
  EXPECT_EQ(sharpe_ratio(std::vector<double>{0.5}), 0.0);
  EXPECT_EQ(sharpe_ratio(std::vector<double>{}), 0.0);
  EXPECT_TRUE(std::isnan(sharpe_ratio(std::vector<double>{0.1, kNaN})));
}

TEST(MetricsSharpe, DeflatedSharpeWorkedExamples) {
  // One trial, no variance: DSR = PSR(0) = Phi(0.1 * sqrt(999) / sqrt(1 + 0.5 * 0.01)).
  const double z = 0.1 * std::sqrt(999.0) / std::sqrt(1.0 + 0.5 * 0.01);
  EXPECT_NEAR(z, 3.1528238941404076, 1e-15);
  EXPECT_NEAR(deflated_sharpe_ratio(0.1, 1000, 0.0, 3.0, 1, 0.0), 0.9991915033756518, 1e-13);
  // Skew -0.5, kurtosis 6: denominator sqrt(1 + 0.05 + 1.25 * 0.01).
  EXPECT_NEAR(deflated_sharpe_ratio(0.1, 1000, -0.5, 6.0, 1, 0.0), 0.998916464213788, 1e-13);
  // 100 trials with Sharpe variance 0.0025:
  //   SR0 = 0.05 * ((1 - g) Phi^-1(0.99) + g Phi^-1(1 - 1/(100 e))) = 0.12653014466008425.
  EXPECT_NEAR(deflated_sharpe_ratio(0.1, 1000, 0.0, 3.0, 100, 0.0025), 0.20145125133174963, 1e-11);
  EXPECT_TRUE(std::isnan(deflated_sharpe_ratio(0.1, 1, 0.0, 3.0, 1, 0.0)));
  EXPECT_TRUE(std::isnan(deflated_sharpe_ratio(0.1, 1000, 0.0, 3.0, 0, 0.0)));
  EXPECT_TRUE(std::isnan(deflated_sharpe_ratio(0.1, 1000, 0.0, 3.0, 10, -1.0)));
  EXPECT_TRUE(std::isnan(deflated_sharpe_ratio(kNaN, 1000, 0.0, 3.0, 10, 0.1)));
  EXPECT_TRUE(std::isnan(deflated_sharpe_ratio(2.0, 1000, 5.0, 3.0, 1, 0.0)));  // 1 - 10 + 2 < 0
}

// --- calibration --------------------------------------------------------------------------

TEST(CalibrationKindNames, RoundTrip) {
  for (CalibrationKind k : {CalibrationKind::none, CalibrationKind::platt, CalibrationKind::isotonic}) {
    auto parsed = parse_calibration_kind(calibration_kind_name(k));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, k);
  }
  auto bad = parse_calibration_kind("Platt");
  ASSERT_FALSE(bad.has_value());
  EXPECT_TRUE(has(bad.error(), "'Platt'")) << bad.error();
}

/// n samples whose raw probability is sigmoid(x), x ~ N(0, 1.5^2), and whose
/// label is drawn with probability sigmoid(a x + b).
void draw_platt_sample(std::uint64_t seed, int n, double a, double b, std::vector<double>& raw,
                       std::vector<int>& labels) {
  Prng prng(seed);
  for (int i = 0; i < n; ++i) {
    const double x = 1.5 * prng.normal();
    raw.push_back(sigmoid(x));
    labels.push_back(prng.bernoulli(sigmoid(a * x + b)) ? 1 : 0);
  }
}

TEST(CalibrationPlatt, RecoversKnownParameters) {
  std::vector<double> raw;
  std::vector<int> labels;
  draw_platt_sample(11, 20'000, 0.6, -0.3, raw, labels);
  auto fit = fit_platt(raw, labels);
  ASSERT_TRUE(fit.has_value()) << fit.error();
  EXPECT_NEAR(fit->first, 0.6, 0.05);
  EXPECT_NEAR(fit->second, -0.3, 0.05);
  // Deterministic: the same samples give the same bits.
  auto again = fit_platt(raw, labels);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(std::bit_cast<std::uint64_t>(again->first), std::bit_cast<std::uint64_t>(fit->first));
  EXPECT_EQ(std::bit_cast<std::uint64_t>(again->second), std::bit_cast<std::uint64_t>(fit->second));
}

TEST(CalibrationPlatt, CalibratedDataKeepsNearIdentity) {
  std::vector<double> raw;
  std::vector<int> labels;
  draw_platt_sample(12, 20'000, 1.0, 0.0, raw, labels);
  auto fit = fit_platt(raw, labels);
  ASSERT_TRUE(fit.has_value()) << fit.error();
  EXPECT_NEAR(fit->first, 1.0, 0.05);
  EXPECT_NEAR(fit->second, 0.0, 0.05);
}

TEST(CalibrationPlatt, ConstantRawSolvesTheMeanTarget) {
  // 3 up, 1 down: targets 4/5 and 1/3, mean (3 * 4/5 + 1/3) / 4.
  const std::vector<double> raw = {0.7, 0.7, 0.7, 0.7};
  const std::vector<int> labels = {1, 1, 1, 0};
  auto fit = fit_platt(raw, labels);
  ASSERT_TRUE(fit.has_value()) << fit.error();
  EXPECT_EQ(fit->first, 1.0);
  Calibration c;
  c.platt_a = fit->first;
  c.platt_b = fit->second;
  EXPECT_NEAR(calibrate(c, CalibrationKind::platt, 0.7), 0.6833333333333335, 1e-12);
}

TEST(CalibrationPlatt, OneClassGivesAFiniteFlatFit) {
  // All up: every target is (4 + 1) / (4 + 2), so the best fit is flat.
  const std::vector<double> raw = {0.2, 0.4, 0.6, 0.8};
  const std::vector<int> labels = {1, 1, 1, 1};
  auto fit = fit_platt(raw, labels);
  ASSERT_TRUE(fit.has_value()) << fit.error();
  EXPECT_NEAR(fit->first, 0.0, 1e-9);
  Calibration c{fit->first, fit->second, {}, {}};
  for (double r : raw) EXPECT_NEAR(calibrate(c, CalibrationKind::platt, r), 5.0 / 6.0, 1e-9);
}

TEST(CalibrationPlatt, BadInputIsAnError) {
  auto empty = fit_platt(std::vector<double>{}, std::vector<int>{});
  ASSERT_FALSE(empty.has_value());
  EXPECT_TRUE(has(empty.error(), "raw_p_up")) << empty.error();
  auto mismatch = fit_isotonic(std::vector<double>{0.1}, std::vector<int>{0, 1});
  ASSERT_FALSE(mismatch.has_value());
  EXPECT_TRUE(has(mismatch.error(), "labels")) << mismatch.error();
  auto outside = fit_calibration(std::vector<double>{0.1, -0.2}, std::vector<int>{0, 1});
  ASSERT_FALSE(outside.has_value());
  EXPECT_TRUE(has(outside.error(), "raw_p_up[1]")) << outside.error();
}

TEST(CalibrationIsotonic, PoolAdjacentViolatorsByHand) {
  // Sorted: .1:0 .2:1 .3:0 .4:0 .5:1 .6:1.
  //   .2:1 and .3:0 violate -> {.2,.3} = 1/2; then .4:0 violates -> {.2,.3,.4} = 1/3;
  //   .5:1 and .6:1 stay. Blocks: .1 -> 0, .4 -> 1/3, .5 -> 1, .6 -> 1; clipped
  //   to [1e-4, 1 - 1e-4], and the last two (equal) merge at .6.
  const std::vector<double> raw = {0.5, 0.1, 0.4, 0.6, 0.3, 0.2};  // any order
  const std::vector<int> labels = {1, 0, 0, 1, 0, 1};
  auto fit = fit_isotonic(raw, labels);
  ASSERT_TRUE(fit.has_value()) << fit.error();
  EXPECT_EQ(fit->first, (std::vector<double>{0.1, 0.4, 0.6}));
  ASSERT_EQ(fit->second.size(), 3u);
  EXPECT_EQ(fit->second[0], 1e-4);
  EXPECT_DOUBLE_EQ(fit->second[1], 1.0 / 3.0);
  EXPECT_EQ(fit->second[2], 1.0 - 1e-4);

  Calibration c;
  c.iso_x = fit->first;
  c.iso_y = fit->second;
  EXPECT_EQ(calibrate(c, CalibrationKind::isotonic, 0.05), 1e-4);
  EXPECT_EQ(calibrate(c, CalibrationKind::isotonic, 0.1), 1e-4);  // threshold >= raw
  EXPECT_DOUBLE_EQ(calibrate(c, CalibrationKind::isotonic, 0.25), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(calibrate(c, CalibrationKind::isotonic, 0.4), 1.0 / 3.0);
  EXPECT_EQ(calibrate(c, CalibrationKind::isotonic, 0.45), 1.0 - 1e-4);
  EXPECT_EQ(calibrate(c, CalibrationKind::isotonic, 0.9), 1.0 - 1e-4);  // past the last threshold
}

TEST(CalibrationIsotonic, TiedRawValuesFormOneBlock) {
  // .3 x3 with one up (1/3), then .7:0 violates -> one block of 1/4 ending at .7.
  auto fit = fit_isotonic(std::vector<double>{0.3, 0.7, 0.3, 0.3}, std::vector<int>{1, 0, 0, 0});
  ASSERT_TRUE(fit.has_value()) << fit.error();
  EXPECT_EQ(fit->first, (std::vector<double>{0.7}));
  EXPECT_EQ(fit->second, (std::vector<double>{0.25}));
}

TEST(CalibrationApply, NoneClampsPlattIdentityAndEmptyIsotonic) {
  Calibration identity;  // a = 1, b = 0, no isotonic steps
  EXPECT_EQ(calibrate(identity, CalibrationKind::none, 0.37), 0.37);
  EXPECT_EQ(calibrate(identity, CalibrationKind::none, 1.3), 1.0);
  EXPECT_EQ(calibrate(identity, CalibrationKind::isotonic, 0.37), 0.37);
  EXPECT_TRUE(std::isnan(calibrate(identity, CalibrationKind::platt, kNaN)));
  for (double r : {1e-6, 0.01, 0.3, 0.5, 0.8, 0.999})
    EXPECT_NEAR(calibrate(identity, CalibrationKind::platt, r), r, 1e-14);
  EXPECT_NEAR(calibrate(identity, CalibrationKind::platt, 0.0), 1e-6, 1e-15);  // clipped
  Calibration platt{2.0, 0.5, {}, {}};
  EXPECT_NEAR(calibrate(platt, CalibrationKind::platt, 0.6), sigmoid(2.0 * std::log(0.6 / 0.4) + 0.5), 1e-14);
}

TEST(CalibrationFit, FillsBothFits) {
  std::vector<double> raw;
  std::vector<int> labels;
  draw_platt_sample(13, 2000, 0.8, 0.1, raw, labels);
  auto c = fit_calibration(raw, labels);
  ASSERT_TRUE(c.has_value()) << c.error();
  auto platt = fit_platt(raw, labels);
  auto iso = fit_isotonic(raw, labels);
  ASSERT_TRUE(platt && iso);
  EXPECT_EQ(c->platt_a, platt->first);
  EXPECT_EQ(c->platt_b, platt->second);
  EXPECT_EQ(c->iso_x, iso->first);
  EXPECT_EQ(c->iso_y, iso->second);
  EXPECT_GT(c->iso_x.size(), 1u);
}

// --- confidence ----------------------------------------------------------------------------

TEST(ConfidenceEnsemble, WeightedMeanRenormalised) {
  const std::vector<std::pair<double, double>> two = {{2.0, 0.6}, {1.0, 0.9}};
  auto p = ensemble_probability(two);
  ASSERT_TRUE(p.has_value()) << p.error();
  EXPECT_NEAR(*p, 0.7, 1e-15);
  const std::vector<std::pair<double, double>> one_weighted = {{0.0, 0.3}, {0.25, 0.8}};
  auto q = ensemble_probability(one_weighted);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(*q, 0.8);
}

TEST(ConfidenceEnsemble, BadMembersAreErrors) {
  using Members = std::vector<std::pair<double, double>>;
  auto empty = ensemble_probability(Members{});
  ASSERT_FALSE(empty.has_value());
  EXPECT_TRUE(has(empty.error(), "at least one member")) << empty.error();
  auto negative = ensemble_probability(Members{{1.0, 0.5}, {-1.0, 0.5}});
  ASSERT_FALSE(negative.has_value());
  EXPECT_TRUE(has(negative.error(), "weight_and_p_up[1]")) << negative.error();
  EXPECT_FALSE(ensemble_probability(Members{{kNaN, 0.5}}).has_value());
  auto bad_p = ensemble_probability(Members{{1.0, 1.2}});
  ASSERT_FALSE(bad_p.has_value());
  EXPECT_TRUE(has(bad_p.error(), "p_up")) << bad_p.error();
  auto zero = ensemble_probability(Members{{0.0, 0.5}, {0.0, 0.7}});
  ASSERT_FALSE(zero.has_value());
  EXPECT_TRUE(has(zero.error(), "total weight")) << zero.error();
}

TEST(ConfidenceCall, DirectionAndBiasedConfidence) {
  Call up = call_of(0.7, 5);
  EXPECT_EQ(up.direction, 1);
  EXPECT_NEAR(up.confidence, 0.65, 1e-15);
  Call down = call_of(0.3, 5);
  EXPECT_EQ(down.direction, -1);
  EXPECT_NEAR(down.confidence, 0.65, 1e-15);
  Call even = call_of(0.5, 0);
  EXPECT_EQ(even.direction, 1);
  EXPECT_EQ(even.confidence, 0.5);
  EXPECT_EQ(call_of(0.5, 60).confidence, 0.0);  // floored
  Call invalid = call_of(kNaN, 5);
  EXPECT_EQ(invalid.direction, 0);
  EXPECT_EQ(invalid.confidence, 0.0);
  EXPECT_EQ(call_of(1.5, 5).direction, 0);
}

TEST(TierOf, ThresholdsAreInclusive) {
  const TierThresholds t;
  EXPECT_EQ(tier_of(0.54, t), TierLevel::none);
  EXPECT_EQ(tier_of(0.55, t), TierLevel::low);
  EXPECT_EQ(tier_of(0.61, t), TierLevel::low);
  EXPECT_EQ(tier_of(0.62, t), TierLevel::medium);
  EXPECT_EQ(tier_of(0.70, t), TierLevel::high);
  EXPECT_EQ(tier_of(0.99, t), TierLevel::high);
  EXPECT_EQ(tier_of(kNaN, t), TierLevel::none);
  EXPECT_EQ(tier_level_name(TierLevel::medium), "medium");
}

TEST(TierOf, AgreesWithClassificationTiers) {
  // The metrics' cumulative tier counts equal counting tier_of(call_of(p)).
  Prng prng(5);
  std::vector<double> p;
  std::vector<int> y;
  for (int i = 0; i < 500; ++i) {
    p.push_back(prng.uniform01());
    y.push_back(prng.bernoulli(0.5) ? 1 : 0);
  }
  const TierThresholds t;
  auto m = classification_metrics(p, y, t, 0.05);
  ASSERT_TRUE(m.has_value());
  std::uint64_t low = 0, medium = 0, high = 0;
  for (double x : p) {
    const TierLevel tier = tier_of(call_of(x, 5).confidence, t);
    low += tier >= TierLevel::low;
    medium += tier >= TierLevel::medium;
    high += tier >= TierLevel::high;
  }
  EXPECT_EQ(m->tiers.at("low").calls, low);
  EXPECT_EQ(m->tiers.at("medium").calls, medium);
  EXPECT_EQ(m->tiers.at("high").calls, high);
}

using Scan = std::pair<int, TierLevel>;
constexpr TierLevel kNone = TierLevel::none, kLow = TierLevel::low, kMedium = TierLevel::medium,
                    kHigh = TierLevel::high;

/// Feeds the scans and returns the tiers in force after each.
std::vector<TierLevel> run(TierTracker& tracker, const std::vector<Scan>& scans) {
  std::vector<TierLevel> out;
  for (const auto& [direction, raw] : scans) out.push_back(tracker.update(direction, raw));
  return out;
}

TEST(TierTracker, UpgradeTakesTwoScansDowngradeOne) {
  TierTracker t;
  EXPECT_EQ(run(t, {{1, kHigh}, {1, kHigh}, {1, kMedium}, {1, kHigh}, {1, kHigh}, {1, kNone}}),
            (std::vector<TierLevel>{kLow, kHigh, kMedium, kMedium, kHigh, kNone}));
}

TEST(TierTracker, DirectionChangeResetsToLowOrTheRawTier) {
  TierTracker t;
  run(t, {{1, kHigh}, {1, kHigh}});
  ASSERT_EQ(t.in_force(), kHigh);
  EXPECT_EQ(run(t, {{-1, kHigh}, {-1, kHigh}, {-1, kNone}, {1, kLow}, {-1, kMedium}, {1, kNone}}),
            (std::vector<TierLevel>{kLow, kHigh, kNone, kLow, kLow, kNone}));
  EXPECT_EQ(t.direction(), 1);
}

TEST(TierTracker, AScanBelowResetsTheCount) {
  TierTracker t;
  EXPECT_EQ(run(t, {{1, kLow}, {1, kHigh}, {1, kLow}, {1, kHigh}, {1, kHigh}}),
            (std::vector<TierLevel>{kLow, kLow, kLow, kLow, kHigh}));
}

TEST(TierTracker, UpgradesToTheHighestTierHeldForTwoScans) {
  TierTracker t;
  // medium then high: both are >= medium, so medium; then high twice -> high.
  EXPECT_EQ(run(t, {{1, kLow}, {1, kMedium}, {1, kHigh}, {1, kHigh}}),
            (std::vector<TierLevel>{kLow, kLow, kMedium, kHigh}));
  // From none in the same direction even low needs two scans.
  EXPECT_EQ(run(t, {{1, kNone}, {1, kLow}, {1, kLow}}), (std::vector<TierLevel>{kNone, kNone, kLow}));
}

TEST(TierTracker, NoCallClearsEverything) {
  TierTracker t;
  run(t, {{1, kHigh}, {1, kHigh}});
  EXPECT_EQ(t.update(0, kHigh), kNone);
  EXPECT_EQ(t.direction(), 0);
  EXPECT_EQ(t.update(1, kHigh), kLow);  // a new direction again
}

TEST(TierTracker, OtherUpgradeScanCounts) {
  TierTracker one(1);
  EXPECT_EQ(run(one, {{1, kHigh}, {1, kLow}, {-1, kMedium}}), (std::vector<TierLevel>{kHigh, kLow, kMedium}));
  TierTracker three(3);
  EXPECT_EQ(run(three, {{1, kHigh}, {1, kHigh}, {1, kHigh}}), (std::vector<TierLevel>{kLow, kLow, kHigh}));
  TierTracker clamped(0);
  EXPECT_EQ(clamped.upgrade_scans(), 1);
}

TEST(TierTracker, SavedTrackerContinuesIdentically) {
  TierTracker original(3);
  run(original, {{1, kMedium}, {1, kHigh}});
  StateWriter w;
  original.save(w);
  TierTracker loaded(2);
  StateReader r(w.bytes(), "tier tracker test");
  loaded.load(r);
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_TRUE(r.at_end());
  EXPECT_EQ(loaded.upgrade_scans(), 3);
  const std::vector<Scan> rest = {{1, kHigh}, {1, kHigh}, {1, kLow}, {-1, kHigh}, {-1, kHigh}, {-1, kHigh}};
  EXPECT_EQ(run(loaded, rest), run(original, rest));
}

TEST(TierTracker, LoadRejectsImpossibleState) {
  StateWriter w;
  w.put_all(std::uint32_t{2}, std::int64_t{7}, std::int64_t{1}, std::array<std::uint32_t, 3>{});
  TierTracker t;
  StateReader r(w.bytes(), "bad tracker");
  t.load(r);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has(r.error(), "tier 7")) << r.error();
  EXPECT_EQ(t.in_force(), kNone);  // untouched
  StateReader truncated(std::string_view(w.bytes()).substr(0, 5), "short tracker");
  t.load(truncated);
  EXPECT_FALSE(truncated.ok());
}

TEST(ConfidencePattern, KeysAreStableText) {
  EXPECT_EQ(pattern_key(1, 1, {false, true, true}), "up|vol1|london+ny");
  EXPECT_EQ(pattern_key(-1, 0, {false, false, false}), "down|vol0|off");
  EXPECT_EQ(pattern_key(-1, 2, {true, true, true}), "down|vol2|tokyo+london+ny");
  EXPECT_EQ(pattern_key(0, 1, {true, false, false}), "none|vol1|tokyo");
}

TEST(ConfidencePattern, FloorCountsSeenSamples) {
  const std::map<std::string, PatternCount> counts = {{"up|vol1|london+ny", PatternCount{30, 20}}};
  EXPECT_TRUE(meets_floor(counts, "up|vol1|london+ny", 30));
  EXPECT_FALSE(meets_floor(counts, "up|vol1|london+ny", 31));
  EXPECT_FALSE(meets_floor(counts, "down|vol1|london+ny", 1));
  EXPECT_TRUE(meets_floor(counts, "down|vol1|london+ny", 0));
}

}  // namespace
}  // namespace verity
