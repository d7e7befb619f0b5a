// The learning actor's domain classes: the outcome labeler, online learning
// of the head, the KS drift detector, the retraining triggers and the
// pattern statistics. Hand-computed cases pin the arithmetic; seeded draws
// check the statistics behave (no drift on the training distribution, drift
// after a shift of one standard deviation).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "actors/learning/drift.hpp"
#include "actors/learning/labeler.hpp"
#include "actors/learning/online_head.hpp"
#include "actors/learning/retrain_monitor.hpp"
#include "actors/runtime/prng.hpp"
#include "actors/runtime/state_archive.hpp"
#include "models/metrics.hpp"

namespace verity {
namespace {

constexpr std::int64_t kMinuteNs = 60'000'000'000;
constexpr std::int64_t kStart = 1'705'276'800'000'000'000;  // 2024-01-15T00:00Z
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

PendingPrediction prediction(const std::string& symbol, std::int64_t time_ns, double close, double p_up = 0.6,
                             std::string pattern = "p") {
  PendingPrediction p;
  p.symbol = symbol;
  p.time_ns = time_ns;
  p.close = close;
  p.p_up = p_up;
  p.direction = p_up > 0.5 ? 1 : -1;
  p.pattern = std::move(pattern);
  p.embedding = {0.5f, -1.0f};
  return p;
}

template <class T>
std::string saved(const T& x) {
  StateWriter w;
  w.put(x);
  return w.bytes();
}

template <class T>
void restore(const std::string& bytes, T& into) {
  StateReader r(bytes, "test state");
  r.get(into);
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_TRUE(r.at_end());
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::bit_cast<std::uint32_t>(a[i]) != std::bit_cast<std::uint32_t>(b[i])) return false;
  }
  return true;
}

// --- OutcomeLabeler ------------------------------------------------------------

TEST(Labeler, LabelsAtTheFirstBarAtOrAfterTheHorizon) {
  OutcomeLabeler labeler(15 * kMinuteNs, 100);
  labeler.on_prediction(prediction("BTCUSDT", kStart, 100.0));
  for (int i = 1; i < 15; ++i) {
    EXPECT_TRUE(labeler.on_bar("BTCUSDT", kStart + i * kMinuteNs, 200.0).empty()) << "minute " << i;
  }
  auto out = labeler.on_bar("BTCUSDT", kStart + 15 * kMinuteNs, 101.0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].label, 1);
  EXPECT_TRUE(out[0].correct);  // p_up 0.6 called up
  EXPECT_EQ(out[0].labeled_at_ns, kStart + 15 * kMinuteNs);
  EXPECT_EQ(out[0].label_close, 101.0);
  EXPECT_EQ(out[0].prediction.close, 100.0);
  EXPECT_EQ(out[0].prediction.embedding, (std::vector<float>{0.5f, -1.0f}));
  EXPECT_EQ(labeler.pending(), 0u);
  EXPECT_EQ(labeler.labeled(), 1u);
  EXPECT_TRUE(labeler.on_bar("BTCUSDT", kStart + 16 * kMinuteNs, 101.0).empty()) << "labeled once only";
}

TEST(Labeler, TieAndDownAreNotUpAndHalfCallsUp) {
  OutcomeLabeler labeler(kMinuteNs, 10);
  labeler.on_prediction(prediction("A", kStart, 100.0, 0.4));
  auto tie = labeler.on_bar("A", kStart + kMinuteNs, 100.0);
  ASSERT_EQ(tie.size(), 1u);
  EXPECT_EQ(tie[0].label, 0);
  EXPECT_TRUE(tie[0].correct);  // p_up 0.4 called not up
  labeler.on_prediction(prediction("A", kStart + kMinuteNs, 100.0, 0.5));
  auto down = labeler.on_bar("A", kStart + 2 * kMinuteNs, 99.0);
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0].label, 0);
  EXPECT_FALSE(down[0].correct) << "p_up 0.5 calls up, as validation accuracy scores it";
}

TEST(Labeler, KeepsSymbolsApartAndOutcomesInPredictionOrder) {
  OutcomeLabeler labeler(2 * kMinuteNs, 10);
  labeler.on_prediction(prediction("A", kStart, 10.0, 0.6, "a0"));
  labeler.on_prediction(prediction("B", kStart, 10.0, 0.6, "b0"));
  labeler.on_prediction(prediction("A", kStart + kMinuteNs, 12.0, 0.6, "a1"));
  labeler.on_prediction(prediction("A", kStart + 5 * kMinuteNs, 12.0, 0.6, "a5"));
  // A bar of A after a gap labels both due predictions of A, not B's, not A's later one.
  auto out = labeler.on_bar("A", kStart + 4 * kMinuteNs, 11.0);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].prediction.pattern, "a0");
  EXPECT_EQ(out[0].label, 1);
  EXPECT_EQ(out[1].prediction.pattern, "a1");
  EXPECT_EQ(out[1].label, 0);
  EXPECT_EQ(labeler.pending(), 2u);
  auto b = labeler.on_bar("B", kStart + 2 * kMinuteNs, 9.0);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].prediction.pattern, "b0");
  EXPECT_FALSE(b[0].correct);
}

TEST(Labeler, DropsTheOldestWhenFull) {
  OutcomeLabeler labeler(kMinuteNs, 3);
  for (int i = 0; i < 5; ++i) labeler.on_prediction(prediction("A", kStart + i, 1.0, 0.6, std::to_string(i)));
  EXPECT_EQ(labeler.pending(), 3u);
  EXPECT_EQ(labeler.dropped(), 2u);
  auto out = labeler.on_bar("A", kStart + 10 * kMinuteNs, 2.0);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].prediction.pattern, "2");
  EXPECT_EQ(out[2].prediction.pattern, "4");
}

TEST(Labeler, ValidatesItsConfiguration) {
  auto bad_horizon = OutcomeLabeler::make(0, 10);
  ASSERT_FALSE(bad_horizon);
  EXPECT_NE(bad_horizon.error().find("labeler.horizon_ns"), std::string::npos) << bad_horizon.error();
  auto bad_pending = OutcomeLabeler::make(kMinuteNs, 0);
  ASSERT_FALSE(bad_pending);
  EXPECT_NE(bad_pending.error().find("labeler.max_pending"), std::string::npos) << bad_pending.error();
  EXPECT_TRUE(OutcomeLabeler::make(kMinuteNs, 10));
}

TEST(Labeler, SaveAndLoadContinue) {
  OutcomeLabeler a(3 * kMinuteNs, 4);
  for (int i = 0; i < 6; ++i) a.on_prediction(prediction(i % 2 ? "A" : "B", kStart + i * kMinuteNs, 100.0 + i));
  OutcomeLabeler b(3 * kMinuteNs, 4);
  restore(saved(a), b);
  EXPECT_EQ(saved(a), saved(b));
  auto oa = a.on_bar("A", kStart + 9 * kMinuteNs, 103.0);
  auto ob = b.on_bar("A", kStart + 9 * kMinuteNs, 103.0);
  ASSERT_EQ(oa.size(), ob.size());
  for (std::size_t i = 0; i < oa.size(); ++i) EXPECT_EQ(oa[i].prediction.time_ns, ob[i].prediction.time_ns);
  EXPECT_EQ(saved(a), saved(b));

  OutcomeLabeler other(kMinuteNs, 4);
  StateReader r(saved(a), "test state");
  r.get(other);
  EXPECT_FALSE(r.ok()) << "a state saved with another horizon must not load";
}

// --- OnlineHead ---------------------------------------------------------------

OnlineConfig one_sample_config() {
  OnlineConfig c;
  c.update_every = 1;
  c.replay_batch = 0;
  c.l2 = 0;
  return c;
}

TEST(OnlineHead, FirstStepIsAdaGradScaled) {
  OnlineHead head({0.0f}, 0.0f, one_sample_config(), Prng(1));
  EXPECT_NEAR(head.loss(std::vector<float>{1.0f}, 1), std::log(2.0), 1e-15);
  auto u = head.on_outcome(std::vector<float>{1.0f}, 1);
  ASSERT_TRUE(u);
  // Gradient -0.5 on w and b; AdaGrad divides by sqrt(0.25): a step of lr each.
  const double step = 0.01 * 0.5 / (0.5 + 1e-8);
  EXPECT_EQ(u->w[0], static_cast<float>(step));
  EXPECT_EQ(u->b, static_cast<float>(step));
  EXPECT_EQ(u->update_index, 1u);
  EXPECT_EQ(u->learning_rate, 0.01);
  EXPECT_EQ(u->batch_size, 1u);
  EXPECT_NEAR(u->batch_loss_before, std::log(2.0), 1e-15);
  EXPECT_LT(u->batch_loss_after, u->batch_loss_before);
  auto second = head.on_outcome(std::vector<float>{1.0f}, 1);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->learning_rate, 0.01 / 1.001) << "the global rate decays with the updates";
}

TEST(OnlineHead, StepNormIsClipped) {
  OnlineConfig c = one_sample_config();
  c.learning_rate = 10;
  c.max_step_norm = 1;
  OnlineHead head({0.0f}, 0.0f, c, Prng(1));
  auto u = head.on_outcome(std::vector<float>{1.0f}, 1);
  ASSERT_TRUE(u);
  EXPECT_NEAR(u->w[0], 1 / std::sqrt(2.0), 1e-6);
  EXPECT_NEAR(u->b, 1 / std::sqrt(2.0), 1e-6);
}

TEST(OnlineHead, UpdatesEveryNOutcomesAndBoundsTheRing) {
  OnlineConfig c;
  c.update_every = 4;
  c.replay_capacity = 10;
  c.replay_batch = 3;
  OnlineHead head(std::vector<float>(3, 0.0f), 0.0f, c, Prng(7));
  int updates = 0;
  for (int i = 0; i < 40; ++i) {
    const std::vector<float> e{static_cast<float>(i % 5) - 2.0f, 1.0f, static_cast<float>(i % 3)};
    auto u = head.on_outcome(e, i % 2);
    if ((i + 1) % 4 == 0) {
      ASSERT_TRUE(u) << "outcome " << i;
      EXPECT_EQ(u->update_index, static_cast<std::uint64_t>(++updates));
      EXPECT_EQ(u->batch_size, 7u);
    } else {
      EXPECT_FALSE(u) << "outcome " << i;
    }
    EXPECT_LE(head.replay_size(), 10u);
  }
  EXPECT_EQ(head.replay_size(), 10u);
  EXPECT_EQ(head.updates(), 10u);
}

TEST(OnlineHead, BatchHoldsTheNewestOutcomesAcrossTheRingsWrap) {
  OnlineConfig c;
  c.update_every = 2;
  c.replay_capacity = 3;
  c.replay_batch = 0;
  OnlineHead head({0.5f}, -0.25f, c, Prng(1));
  std::vector<float> previous;
  int previous_y = 0;
  for (int i = 0; i < 12; ++i) {
    const std::vector<float> e{static_cast<float>(i) - 5.0f};
    const int y = i % 3 == 0 ? 1 : 0;
    if (i % 2 == 1) {
      // The batch is the two newest outcomes, oldest first, under the old head.
      const double expected = (head.loss(previous, previous_y) + head.loss(e, y)) / 2;
      auto u = head.on_outcome(e, y);
      ASSERT_TRUE(u);
      EXPECT_EQ(u->batch_loss_before, expected) << "outcome " << i;
    } else {
      EXPECT_FALSE(head.on_outcome(e, y));
    }
    previous = e;
    previous_y = y;
  }
}

TEST(OnlineHead, RejectsNonFiniteEmbeddings) {
  OnlineHead head({0.0f, 0.0f}, 0.0f, one_sample_config(), Prng(1));
  EXPECT_FALSE(head.on_outcome(std::vector<float>{1.0f, std::numeric_limits<float>::quiet_NaN()}, 1));
  EXPECT_EQ(head.rejected(), 1u);
  EXPECT_EQ(head.replay_size(), 0u);
  EXPECT_TRUE(head.on_outcome(std::vector<float>{1.0f, 2.0f}, 1));
}

/// Separable data: label 1 when 2 e0 - e1 + 0.5 > 0.
std::vector<std::pair<std::vector<float>, int>> separable(std::uint64_t seed, int n) {
  Prng prng(seed);
  std::vector<std::pair<std::vector<float>, int>> out;
  for (int i = 0; i < n; ++i) {
    std::vector<float> e{static_cast<float>(prng.normal()), static_cast<float>(prng.normal())};
    out.emplace_back(e, 2 * e[0] - e[1] + 0.5f > 0 ? 1 : 0);
  }
  return out;
}

TEST(OnlineHead, LearnsSeparableData) {
  OnlineConfig c;
  c.learning_rate = 0.1;
  OnlineHead head({0.0f, 0.0f}, 0.0f, c, Prng(3));
  const auto test = separable(99, 500);
  auto mean_loss = [&] {
    double s = 0;
    for (const auto& [e, y] : test) s += head.loss(e, y);
    return s / static_cast<double>(test.size());
  };
  const double before = mean_loss();
  for (const auto& [e, y] : separable(5, 2000)) head.on_outcome(e, y);
  const double after = mean_loss();
  EXPECT_LT(after, 0.5 * before) << "before " << before << " after " << after;
  EXPECT_GT(head.weights()[0], 0.0f);
  EXPECT_LT(head.weights()[1], 0.0f);
}

TEST(OnlineHead, SameSeedSameBitsAndOtherSeedOtherBits) {
  auto run = [](std::uint64_t seed) {
    OnlineHead head({0.1f, -0.2f}, 0.05f, OnlineConfig{}, Prng(seed, 4));
    for (const auto& [e, y] : separable(11, 600)) head.on_outcome(e, y);
    std::vector<float> w(head.weights().begin(), head.weights().end());
    w.push_back(head.bias());
    return w;
  };
  EXPECT_TRUE(same_bits(run(42), run(42)));
  EXPECT_FALSE(same_bits(run(42), run(43))) << "the replay draws come from the seed";
}

TEST(OnlineHead, SaveAndLoadContinueBitForBit) {
  OnlineConfig c;
  c.update_every = 5;
  c.replay_capacity = 32;
  c.replay_batch = 8;
  const auto data = separable(21, 300);
  OnlineHead straight({0.0f, 0.0f}, 0.0f, c, Prng(9));
  OnlineHead first({0.0f, 0.0f}, 0.0f, c, Prng(9));
  for (std::size_t i = 0; i < 123; ++i) {
    straight.on_outcome(data[i].first, data[i].second);
    first.on_outcome(data[i].first, data[i].second);
  }
  OnlineHead second({0.0f, 0.0f}, 0.0f, c, Prng(1234));  // another seed: the state carries the stream
  restore(saved(first), second);
  for (std::size_t i = 123; i < data.size(); ++i) {
    auto a = straight.on_outcome(data[i].first, data[i].second);
    auto b = second.on_outcome(data[i].first, data[i].second);
    ASSERT_EQ(a.has_value(), b.has_value());
    if (a) {
      EXPECT_TRUE(same_bits(a->w, b->w));
      EXPECT_EQ(std::bit_cast<std::uint64_t>(a->batch_loss_after), std::bit_cast<std::uint64_t>(b->batch_loss_after));
    }
  }
  EXPECT_EQ(saved(straight), saved(second));
}

TEST(OnlineHead, ValidatesItsConfiguration) {
  auto expect_error = [](OnlineConfig c, const char* field) {
    auto v = c.validate();
    ASSERT_FALSE(v) << field;
    EXPECT_NE(v.error().find(field), std::string::npos) << v.error();
  };
  OnlineConfig c;
  c.learning_rate = 0;
  expect_error(c, "online.learning_rate");
  c = {};
  c.replay_capacity = 0;
  expect_error(c, "online.replay_capacity");
  c = {};
  c.update_every = 0;
  expect_error(c, "online.update_every");
  c = {};
  c.update_every = c.replay_capacity + 1;
  expect_error(c, "online.update_every");
  c = {};
  c.l2 = -1;
  expect_error(c, "online.l2");
  c = {};
  c.max_step_norm = kNaN;
  expect_error(c, "online.max_step_norm");
  c = {};
  c.decay = -0.1;
  expect_error(c, "online.decay");
  c = {};
  c.replay_batch = OnlineConfig::kMaxReplayBatch + 1;
  expect_error(c, "online.replay_batch");
  EXPECT_TRUE(OnlineConfig{}.validate());
  EXPECT_FALSE(OnlineHead::make({}, 0.0f, OnlineConfig{}, Prng(1)));
}

TEST(OnlineHead, LossIsStableForLargeLogits) {
  EXPECT_NEAR(logistic_loss(0, 1), std::log(2.0), 1e-15);
  EXPECT_NEAR(logistic_loss(800, 0), 800, 1e-9);
  EXPECT_NEAR(logistic_loss(-800, 1), 800, 1e-9);
  EXPECT_LT(logistic_loss(800, 1), 1e-300);
  EXPECT_EQ(sigmoid(-1000), 0.0);
  EXPECT_EQ(sigmoid(1000), 1.0);
  EXPECT_NEAR(sigmoid(1), 1 / (1 + std::exp(-1.0)), 1e-15);
}

// --- DriftDetector ------------------------------------------------------------

TEST(Drift, ReferenceQuantilesInterpolateOrderStatistics) {
  std::vector<double> ramp;
  for (int i = 100; i >= 0; --i) ramp.push_back(i);
  ramp.push_back(kNaN);
  auto ref = make_drift_reference({ramp, {}, {kNaN}, {1.0, 3.0}}, 101);
  ASSERT_EQ(ref.quantiles.size(), 4u);
  ASSERT_EQ(ref.quantiles[0].size(), 101u);
  for (int i = 0; i <= 100; ++i) EXPECT_EQ(ref.quantiles[0][i], i);
  EXPECT_TRUE(ref.quantiles[1].empty());
  EXPECT_TRUE(ref.quantiles[2].empty());
  EXPECT_EQ(ref.quantiles[3][0], 1.0);
  EXPECT_EQ(ref.quantiles[3][50], 2.0);
  EXPECT_EQ(ref.quantiles[3][100], 3.0);
  EXPECT_EQ(ref.samples, 2u) << "the smallest non-empty column";
  auto five = make_drift_reference({{0, 10}}, 5);
  EXPECT_EQ(five.quantiles[0], (std::vector<double>{0, 2.5, 5, 7.5, 10}));
}

TEST(Drift, ReferenceCdfIsPiecewiseLinearAndRightContinuous) {
  const std::vector<double> q{0, 1, 1, 3};  // probabilities 0, 1/3, 2/3, 1
  EXPECT_EQ(reference_cdf(q, -1), 0);
  EXPECT_EQ(reference_cdf(q, 0), 0);
  EXPECT_NEAR(reference_cdf(q, 0.5), 1.0 / 6, 1e-15);
  EXPECT_NEAR(reference_cdf(q, 1), 2.0 / 3, 1e-15) << "the tie is a jump from 1/3 to 2/3";
  EXPECT_NEAR(reference_cdf(q, 2), 5.0 / 6, 1e-15);
  EXPECT_EQ(reference_cdf(q, 3), 1);
  EXPECT_EQ(reference_cdf(q, 4), 1);
}

TEST(Drift, KsStatisticByHand) {
  // Reference uniform on [0, 1]; live 0.1, 0.2, 0.3, 0.9. F_live - F_ref at
  // the live values: 0.15, 0.30, 0.45, 0.10; F_ref - F_live just below them:
  // 0.10, -0.05, -0.20, 0.15. D = 0.45, at 0.3.
  EXPECT_NEAR(ks_statistic(std::vector<double>{0, 1}, {0.9, 0.1, 0.3, 0.2}), 0.45, 1e-15);
  // Everything below the reference: D = 1.
  EXPECT_EQ(ks_statistic(std::vector<double>{0, 1}, {-3, -2}), 1.0);
  // Ties among the live values step together: live {0.5, 0.5}: F_live jumps
  // 0 -> 1 at 0.5, where F_ref = 0.5.
  EXPECT_NEAR(ks_statistic(std::vector<double>{0, 1}, {0.5, 0.5}), 0.5, 1e-15);
  // A point reference (all training values equal) against the same value: 0.
  EXPECT_EQ(ks_statistic(std::vector<double>{2, 2, 2}, {2, 2, 2}), 0.0);
  EXPECT_EQ(ks_statistic(std::vector<double>{0, 1}, {}), 0.0);
}

TEST(Drift, CriticalValue) {
  // c(0.05) = sqrt(-ln(0.025) / 2) = 1.3581.
  EXPECT_NEAR(ks_critical_value(0.05, 100, 0), 0.13581, 1e-5);
  EXPECT_NEAR(ks_critical_value(0.05, 100, 100), 0.13581 * std::sqrt(2.0), 1e-5);
  EXPECT_NEAR(ks_critical_value(0.01, 1440, 0), 1.62762 / std::sqrt(1440.0), 1e-5);
}

std::vector<double> normal_draws(std::uint64_t seed, std::uint64_t stream, int n, double mean) {
  Prng prng(seed, stream);
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(mean + prng.normal());
  return out;
}

DriftDetector normal_detector(DriftConfig config) {
  auto ref = make_drift_reference({normal_draws(1, 1, 20000, 0), normal_draws(1, 2, 20000, 5)});
  auto d = DriftDetector::make(std::move(ref), {"ret_1", "rsi"}, config);
  EXPECT_TRUE(d) << (d ? "" : d.error());
  return std::move(*d);
}

TEST(Drift, SameDistributionDoesNotDrift) {
  DriftDetector detector = normal_detector(DriftConfig{});
  Prng live(2, 1);
  int reports = 0;
  for (int i = 0; i < 2880; ++i) {
    const float row[2] = {static_cast<float>(live.normal()), static_cast<float>(5 + live.normal())};
    auto report = detector.on_row(row);
    if (i + 1 < 1440) {
      ASSERT_FALSE(report) << "no test before the window is full";
      continue;
    }
    if (!report) continue;
    ++reports;
    EXPECT_FALSE(report->drifted) << "row " << i;
    for (const auto& c : report->columns) {
      EXPECT_TRUE(c.tested);
      EXPECT_LT(c.d, c.critical) << c.name << " row " << i;
      EXPECT_EQ(c.live_values, 1440u);
    }
  }
  EXPECT_EQ(reports, 7) << "rows 1440, 1680, ..., 2880";
}

TEST(Drift, ShiftOfOneStandardDeviationDrifts) {
  DriftDetector detector = normal_detector(DriftConfig{});
  Prng live(3, 1);
  std::optional<DriftReport> last;
  for (int i = 0; i < 1440; ++i) {
    const float row[2] = {static_cast<float>(1 + live.normal()), static_cast<float>(5 + live.normal())};
    if (auto r = detector.on_row(row)) last = r;
  }
  ASSERT_TRUE(last);
  EXPECT_EQ(last->row, 1440u);
  EXPECT_TRUE(last->drifted);
  EXPECT_EQ(last->drifted_columns, 1u);
  EXPECT_EQ(last->columns[0].name, "ret_1");
  EXPECT_TRUE(last->columns[0].drifted);
  EXPECT_GT(last->columns[0].d, 0.3) << "Phi(0.5) - Phi(-0.5) = 0.38 in theory";
  EXPECT_FALSE(last->columns[1].drifted);
}

TEST(Drift, SkipsNaNAndNeverTestsAnEmptyReference) {
  DriftConfig c;
  c.window = 4;
  c.check_every = 2;
  auto ref = make_drift_reference({{0, 1}, {}});
  auto d = DriftDetector::make(ref, {"x", "empty"}, c);
  ASSERT_TRUE(d);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<std::vector<float>> rows{{0.1f, 1}, {nan, 1}, {0.2f, 1}, {0.3f, nan}, {nan, 1}, {0.9f, 1}};
  std::vector<std::optional<DriftReport>> reports;
  for (const auto& r : rows) reports.push_back(d->on_row(r));
  EXPECT_FALSE(reports[1]) << "x has 1 value at row 2";
  EXPECT_FALSE(reports[3]) << "x has 3 values at row 4";
  ASSERT_TRUE(reports[5]);
  EXPECT_EQ(d->live_values(0), 4u);
  EXPECT_TRUE(reports[5]->columns[0].tested);
  EXPECT_NEAR(reports[5]->columns[0].d, 0.45, 1e-7);  // the hand case, in floats
  EXPECT_FALSE(reports[5]->columns[1].tested);
  EXPECT_EQ(reports[5]->columns[1].d, 0.0);
}

TEST(Drift, ValidatesConfigurationAndReference) {
  auto expect_error = [](DriftConfig c, const char* field) {
    auto v = c.validate();
    ASSERT_FALSE(v) << field;
    EXPECT_NE(v.error().find(field), std::string::npos) << v.error();
  };
  DriftConfig c;
  c.window = 0;
  expect_error(c, "drift.window");
  c = {};
  c.check_every = 0;
  expect_error(c, "drift.check_every");
  c = {};
  c.alpha = 1;
  expect_error(c, "drift.alpha");
  c = {};
  c.min_columns = 0;
  expect_error(c, "drift.min_columns");
  auto ref = make_drift_reference({{0, 1}});
  EXPECT_FALSE(DriftDetector::make(ref, {"a", "b"}, DriftConfig{})) << "two names, one column";
  c = {};
  c.min_columns = 2;
  auto too_many = DriftDetector::make(ref, {"a"}, c);
  ASSERT_FALSE(too_many);
  EXPECT_NE(too_many.error().find("drift.min_columns"), std::string::npos);
  DriftReference unsorted;
  unsorted.quantiles = {{1, 0}};
  EXPECT_FALSE(DriftDetector::make(unsorted, {"a"}, DriftConfig{}));
}

TEST(Drift, SaveAndLoadContinue) {
  DriftConfig c;
  c.window = 50;
  c.check_every = 7;
  DriftDetector a = normal_detector(c);
  DriftDetector b = normal_detector(c);
  Prng live(4, 1);
  auto row = [&] {
    return std::vector<float>{static_cast<float>(live.normal()), static_cast<float>(live.normal())};
  };
  for (int i = 0; i < 73; ++i) a.on_row(row());
  restore(saved(a), b);
  for (int i = 0; i < 100; ++i) {
    const auto r = row();
    auto ra = a.on_row(r);
    auto rb = b.on_row(r);
    ASSERT_EQ(ra.has_value(), rb.has_value());
    if (ra) {
      EXPECT_EQ(ra->columns[0].d, rb->columns[0].d);
      EXPECT_EQ(ra->columns[1].d, rb->columns[1].d);
    }
  }
  EXPECT_EQ(saved(a), saved(b));
}

// --- RetrainMonitor and PatternStats --------------------------------------------

RetrainConfig small_retrain() {
  RetrainConfig c;
  c.window = 100;
  c.min_outcomes = 40;
  return c;
}

TEST(Retrain, NothingTriggersBeforeMinOutcomes) {
  RetrainMonitor m(0.6, small_retrain());
  for (int i = 0; i < 39; ++i) m.on_outcome(0.9, 0);  // always wrong, badly calibrated
  auto s = m.status();
  EXPECT_EQ(s.outcomes, 39u);
  EXPECT_EQ(s.rolling_accuracy, 0.0);
  EXPECT_FALSE(s.triggered);
  EXPECT_TRUE(s.reason.empty());
  m.on_outcome(0.9, 0);
  s = m.status();
  EXPECT_TRUE(s.triggered);
  EXPECT_TRUE(s.accuracy_decay);
  EXPECT_TRUE(s.calibration_decay);
  EXPECT_NEAR(s.rolling_ece, 0.9, 1e-12);
}

TEST(Retrain, AccuracyBelowValidationMinusPoints) {
  RetrainMonitor m(0.6, small_retrain());
  // 52 of 100 right, calibrated: p 0.52 up-calls in their own bin.
  for (int i = 0; i < 100; ++i) m.on_outcome(0.52, i < 52 ? 1 : 0);
  auto s = m.status();
  EXPECT_EQ(s.outcomes, 100u);
  EXPECT_NEAR(s.rolling_accuracy, 0.52, 1e-15);
  EXPECT_NEAR(s.rolling_ece, 0.0, 1e-12);
  EXPECT_TRUE(s.accuracy_decay);
  EXPECT_FALSE(s.calibration_decay);
  EXPECT_TRUE(s.triggered);
  EXPECT_EQ(s.reason, "accuracy 0.520 < 0.550 (validation 0.600 - 5 pts)");
  EXPECT_NEAR(m.accuracy_threshold(), 0.55, 1e-15);
}

TEST(Retrain, AccuracyFloorAndWindowRolls) {
  RetrainMonitor m(0.52, small_retrain());  // 0.52 - 5 pts is below the 0.5 floor
  for (int i = 0; i < 100; ++i) m.on_outcome(0.48, i < 49 ? 1 : 0);
  auto s = m.status();
  EXPECT_NEAR(s.rolling_accuracy, 0.51, 1e-15);  // 51 zeros called right
  EXPECT_FALSE(s.triggered);
  for (int i = 0; i < 100; ++i) m.on_outcome(0.48, i < 52 ? 1 : 0);  // the old window rolls out
  s = m.status();
  EXPECT_EQ(s.outcomes, 100u);
  EXPECT_EQ(s.total_outcomes, 200u);
  EXPECT_NEAR(s.rolling_accuracy, 0.48, 1e-15);
  EXPECT_TRUE(s.accuracy_decay);
  EXPECT_EQ(s.reason, "accuracy 0.480 < 0.500 (floor)");
}

TEST(Retrain, CalibrationErrorByHand) {
  // Two bins: [0.7, 0.8) holds 0.7 with label 1, a gap of 0.3; [0.8, 0.9)
  // holds 0.8 and 0.8 with labels 1 and 1, a gap of 0.4. ECE = 0.7 / 3.
  EXPECT_NEAR(expected_calibration_error({0.7, 0.8, 0.8}, {1, 1, 1}), 0.7 / 3, 1e-15);
  EXPECT_NEAR(expected_calibration_error({1.0, 0.0}, {1, 0}), 0.0, 1e-15) << "1.0 falls in the last bin";
  EXPECT_EQ(expected_calibration_error({}, {}), 0.0);
  RetrainMonitor m(0.6, small_retrain());
  m.on_outcome(kNaN, 1);
  m.on_outcome(1.5, 1);
  EXPECT_EQ(m.rejected(), 2u);
  EXPECT_EQ(m.status().outcomes, 0u);
}

TEST(Retrain, RollingFiguresAreTheValidationMetrics) {
  // The live accuracy and ECE are models/metrics.hpp's, to the bit, over the
  // window oldest first: the trigger compares like with like.
  RetrainMonitor m(0.6, small_retrain());
  Prng prng(8);
  std::vector<double> p;
  std::vector<int> y;
  for (int i = 0; i < 250; ++i) {
    p.push_back(static_cast<double>(prng.below(21)) / 20);  // 0, 0.05, ..., 1: bin edges and 0.5 included
    y.push_back(static_cast<int>(prng.below(2)));
    m.on_outcome(p.back(), y.back());
  }
  const std::span<const double> last_p(p.end() - 100, p.end());
  const std::span<const int> last_y(y.end() - 100, y.end());
  auto reference = classification_metrics(last_p, last_y, TierThresholds{});
  ASSERT_TRUE(reference) << reference.error();
  const RetrainStatus s = m.status();
  EXPECT_EQ(s.rolling_accuracy, reference->accuracy);
  EXPECT_EQ(s.rolling_ece, reference->ece);
}

TEST(Retrain, ValidatesItsConfiguration) {
  auto expect_error = [](RetrainConfig c, const char* field) {
    auto v = c.validate();
    ASSERT_FALSE(v) << field;
    EXPECT_NE(v.error().find(field), std::string::npos) << v.error();
  };
  RetrainConfig c;
  c.window = 0;
  expect_error(c, "retrain.window");
  c = {};
  c.min_outcomes = c.window + 1;
  expect_error(c, "retrain.min_outcomes");
  c = {};
  c.accuracy_drop_pts = -1;
  expect_error(c, "retrain.accuracy_drop_pts");
  c = {};
  c.accuracy_floor = 1.5;
  expect_error(c, "retrain.accuracy_floor");
  c = {};
  c.max_calibration_error = 0;
  expect_error(c, "retrain.max_calibration_error");
  auto bad = RetrainMonitor::make(1.2, RetrainConfig{});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("validation_accuracy"), std::string::npos);
  EXPECT_TRUE(RetrainMonitor::make(0.6, RetrainConfig{}));
}

TEST(Retrain, SaveAndLoadContinue) {
  RetrainMonitor a(0.6, small_retrain());
  RetrainMonitor b(0.6, small_retrain());
  Prng prng(5);
  for (int i = 0; i < 130; ++i) a.on_outcome(prng.uniform01(), static_cast<int>(prng.below(2)));
  restore(saved(a), b);
  for (int i = 0; i < 30; ++i) {
    const double p = prng.uniform01();
    const int y = static_cast<int>(prng.below(2));
    a.on_outcome(p, y);
    b.on_outcome(p, y);
  }
  EXPECT_EQ(std::bit_cast<std::uint64_t>(a.status().rolling_ece), std::bit_cast<std::uint64_t>(b.status().rolling_ece));
  EXPECT_EQ(saved(a), saved(b));
}

TEST(Retrain, PatternStatsStartFromTheModelAndStayBounded) {
  ModelFile model;
  model.patterns["trend_up|high_vol"] = PatternCount{10, 7};
  PatternStats stats = PatternStats::from_model(model, 2);
  stats.on_outcome("trend_up|high_vol", true);
  stats.on_outcome("trend_up|high_vol", false);
  stats.on_outcome("range|low_vol", true);
  stats.on_outcome("new_one", true);  // the map is full: not recorded
  EXPECT_EQ(stats.counts().at("trend_up|high_vol"), (PatternCount{12, 8}));
  EXPECT_EQ(stats.counts().at("range|low_vol"), (PatternCount{1, 1}));
  EXPECT_EQ(stats.counts().count("new_one"), 0u);
  EXPECT_EQ(stats.unrecorded(), 1u);

  PatternStats loaded({}, 2);
  restore(saved(stats), loaded);
  EXPECT_EQ(loaded.counts(), stats.counts());
  EXPECT_EQ(loaded.unrecorded(), 1u);
  PatternStats tiny({}, 1);
  StateReader r(saved(stats), "test state");
  r.get(tiny);
  EXPECT_FALSE(r.ok()) << "more patterns than the limit must not load";
}

}  // namespace
}  // namespace verity
