// The learning actor's domain classes under random inputs: the labeler
// agrees with a plain model of it (never early, at most once, oldest dropped
// first), the replay ring stays inside its capacity, SGD on linearly
// separable data lowers the loss, the KS statistic is the exact supremum and
// lies in [0, 1], the retrain triggers follow their definition, and every
// class saved at a random point and loaded into a fresh object continues bit
// for bit as the original.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "tests/support/rc_gen.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include "actors/learning/drift.hpp"
#include "actors/learning/labeler.hpp"
#include "actors/learning/online_head.hpp"
#include "actors/learning/retrain_monitor.hpp"
#include "actors/runtime/prng.hpp"
#include "actors/runtime/state_archive.hpp"

namespace verity {
namespace {

using testing::int_in;
using testing::real_in;

constexpr std::int64_t kMinuteNs = 60'000'000'000;
constexpr std::int64_t kStart = 1'705'276'800'000'000'000;  // 2024-01-15T00:00Z

template <class T>
std::string saved(const T& x) {
  StateWriter w;
  w.put(x);
  return w.bytes();
}

/// Saves `from` and loads the bytes into `to`; checks the round trip.
template <class T>
void copy_state(const T& from, T& to) {
  const std::string bytes = saved(from);
  StateReader r(bytes, "test snapshot");
  r.get(to);
  RC_ASSERT(r.ok());
  RC_ASSERT(r.at_end());
  RC_ASSERT(saved(to) == bytes);
}

bool same_bits(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::bit_cast<std::uint32_t>(a[i]) != std::bit_cast<std::uint32_t>(b[i])) return false;
  }
  return true;
}

// --- the labeler ----------------------------------------------------------------

RC_GTEST_PROP(LabelerProp, NeverEarlyAtMostOnceAndAsAPlainModelSays, ()) {
  const std::int64_t horizon_ns = int_in(1, 20) * kMinuteNs;
  const auto max_pending = static_cast<std::size_t>(int_in(1, 40));
  OutcomeLabeler labeler(horizon_ns, max_pending);
  std::deque<PendingPrediction> model;  // what should be pending, oldest first
  std::set<std::string> labeled_ids;
  std::uint64_t predictions = 0, model_dropped = 0;
  const std::vector<std::string> symbols{"A", "B", "C"};
  for (int step = 0, n = int_in(1, 300); step < n; ++step) {
    const std::string& symbol = symbols[static_cast<std::size_t>(int_in(0, 3))];
    // Times wander, out of order too: the rule must hold whatever arrives.
    const std::int64_t t = kStart + int_in(0, 120) * kMinuteNs + int_in(-2, 3);
    const double close = 100 + int_in(-5, 6);
    if (int_in(0, 2) == 0) {
      PendingPrediction p;
      p.symbol = symbol;
      p.time_ns = t;
      p.close = close;
      p.p_up = real_in(0, 1);
      p.pattern = std::to_string(predictions++);
      if (model.size() == max_pending) {
        model.pop_front();
        ++model_dropped;
      }
      model.push_back(p);
      labeler.on_prediction(p);
      continue;
    }
    const auto out = labeler.on_bar(symbol, t, close);
    std::vector<std::string> expected;
    std::deque<PendingPrediction> keep;
    for (auto& p : model) {
      if (p.symbol == symbol && p.time_ns + horizon_ns <= t) {
        expected.push_back(p.pattern);
      } else {
        keep.push_back(p);
      }
    }
    model = std::move(keep);
    RC_ASSERT(out.size() == expected.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
      const auto& o = out[i];
      RC_ASSERT(o.prediction.pattern == expected[i]);
      RC_ASSERT(o.prediction.symbol == symbol);
      RC_ASSERT(o.prediction.time_ns + horizon_ns <= o.labeled_at_ns);  // never early
      RC_ASSERT(o.labeled_at_ns == t);
      RC_ASSERT(o.label == (close > o.prediction.close ? 1 : 0));
      RC_ASSERT(o.correct == (predicted_label(o.prediction.p_up) == o.label));
      RC_ASSERT(labeled_ids.insert(o.prediction.pattern).second);  // at most once
    }
    RC_ASSERT(labeler.pending() <= max_pending);
  }
  RC_ASSERT(labeler.dropped() == model_dropped);
  RC_ASSERT(labeler.pending() == model.size());
  RC_ASSERT(labeler.labeled() + labeler.dropped() + labeler.pending() == predictions);
}

RC_GTEST_PROP(LabelerProp, ContinuesBitForBitAfterSaveAndLoad, ()) {
  const std::int64_t horizon_ns = int_in(1, 10) * kMinuteNs;
  const auto max_pending = static_cast<std::size_t>(int_in(1, 30));
  OutcomeLabeler straight(horizon_ns, max_pending), resumed(horizon_ns, max_pending);
  const int n = int_in(1, 200), cut = int_in(0, n);
  for (int step = 0; step < n; ++step) {
    if (step == cut) copy_state(straight, resumed);
    const std::string symbol = int_in(0, 2) == 0 ? "A" : "B";
    const std::int64_t t = kStart + step * kMinuteNs;
    const double close = 100 + int_in(-5, 6);
    if (int_in(0, 2) == 0) {
      PendingPrediction p{symbol, t, close, real_in(0, 1), int_in(-1, 2), "x", {static_cast<float>(real_in(-1, 1))}};
      straight.on_prediction(p);
      if (step >= cut) resumed.on_prediction(p);
    } else {
      const auto a = straight.on_bar(symbol, t, close);
      if (step < cut) continue;
      const auto b = resumed.on_bar(symbol, t, close);
      RC_ASSERT(a.size() == b.size());
      for (std::size_t i = 0; i < a.size(); ++i) {
        RC_ASSERT(a[i].prediction.time_ns == b[i].prediction.time_ns);
        RC_ASSERT(a[i].label == b[i].label);
        RC_ASSERT(same_bits(a[i].prediction.embedding, b[i].prediction.embedding));
      }
    }
  }
  if (cut == n) copy_state(straight, resumed);
  RC_ASSERT(saved(straight) == saved(resumed));
}

// --- the online head ---------------------------------------------------------------

OnlineConfig random_online_config() {
  OnlineConfig c;
  c.replay_capacity = static_cast<std::size_t>(int_in(1, 64));
  c.update_every = static_cast<std::size_t>(int_in(1, static_cast<int>(c.replay_capacity) + 1));
  c.replay_batch = static_cast<std::size_t>(int_in(0, 17));
  c.learning_rate = real_in(0.001, 0.5);
  c.l2 = real_in(0, 0.01);
  c.max_step_norm = real_in(0.01, 2);
  c.decay = real_in(0, 0.01);
  return c;
}

std::vector<float> random_embedding(Prng& prng, std::size_t dim) {
  std::vector<float> e(dim);
  for (auto& x : e) x = static_cast<float>(prng.normal());
  return e;
}

RC_GTEST_PROP(OnlineHeadProp, ReplayRingNeverExceedsItsCapacity, ()) {
  const OnlineConfig c = random_online_config();
  const auto dim = static_cast<std::size_t>(int_in(1, 6));
  OnlineHead head(std::vector<float>(dim, 0.0f), 0.0f, c, Prng(static_cast<std::uint64_t>(int_in(0, 1000))));
  Prng data(static_cast<std::uint64_t>(int_in(0, 1000)), 1);
  std::uint64_t updates = 0;
  for (int i = 0, n = int_in(0, 300); i < n; ++i) {
    auto u = head.on_outcome(random_embedding(data, dim), static_cast<int>(data.below(2)));
    if (u) {
      RC_ASSERT(u->update_index == ++updates);
      RC_ASSERT(u->batch_size == c.update_every + c.replay_batch);
      RC_ASSERT(std::isfinite(u->batch_loss_after));
    }
    RC_ASSERT(head.replay_size() <= c.replay_capacity);
    RC_ASSERT(head.replay_size() == std::min<std::size_t>(static_cast<std::size_t>(i) + 1, c.replay_capacity));
  }
  RC_ASSERT(head.updates() == updates);
  RC_ASSERT(head.updates() == head.outcomes() / c.update_every);
}

RC_GTEST_PROP(OnlineHeadProp, SgdOnLinearlySeparableDataLowersTheLoss, ()) {
  const auto dim = static_cast<std::size_t>(int_in(1, 9));
  Prng data(static_cast<std::uint64_t>(int_in(0, 100'000)), 2);
  std::vector<float> truth(dim);
  for (auto& x : truth) x = static_cast<float>(data.normal());
  auto label = [&](const std::vector<float>& e) { return head_logit(truth, 0.0f, e) > 0 ? 1 : 0; };
  std::vector<std::vector<float>> test(200);
  for (auto& e : test) e = random_embedding(data, dim);

  OnlineConfig c;
  c.learning_rate = real_in(0.05, 0.5);
  c.update_every = static_cast<std::size_t>(int_in(1, 33));
  OnlineHead head(std::vector<float>(dim, 0.0f), 0.0f, c, Prng(static_cast<std::uint64_t>(int_in(0, 1000))));
  auto mean_loss = [&] {
    double s = 0;
    for (const auto& e : test) s += head.loss(e, label(e));
    return s / static_cast<double>(test.size());
  };
  const double before = mean_loss();
  for (int i = 0; i < 600; ++i) {
    const auto e = random_embedding(data, dim);
    head.on_outcome(e, label(e));
  }
  const double after = mean_loss();
  RC_ASSERT(after < before);
}

RC_GTEST_PROP(OnlineHeadProp, ContinuesBitForBitAfterSaveAndLoad, ()) {
  const OnlineConfig c = random_online_config();
  const auto dim = static_cast<std::size_t>(int_in(1, 6));
  const auto seed = static_cast<std::uint64_t>(int_in(0, 1000));
  std::vector<float> w0(dim);
  Prng data(static_cast<std::uint64_t>(int_in(0, 1000)), 3);
  for (auto& x : w0) x = static_cast<float>(data.normal());
  OnlineHead straight(w0, 0.25f, c, Prng(seed));
  OnlineHead resumed(std::vector<float>(dim, 0.0f), 0.0f, c, Prng(seed + 1));  // the state overrides all of it
  const int n = int_in(0, 200), cut = int_in(0, n + 1);
  for (int i = 0; i < n; ++i) {
    if (i == cut) copy_state(straight, resumed);
    const auto e = random_embedding(data, dim);
    const int y = static_cast<int>(data.below(2));
    const auto a = straight.on_outcome(e, y);
    if (i < cut) continue;
    const auto b = resumed.on_outcome(e, y);
    RC_ASSERT(a.has_value() == b.has_value());
    if (a) {
      RC_ASSERT(same_bits(a->w, b->w));
      RC_ASSERT(std::bit_cast<std::uint32_t>(a->b) == std::bit_cast<std::uint32_t>(b->b));
      RC_ASSERT(std::bit_cast<std::uint64_t>(a->batch_loss_after) == std::bit_cast<std::uint64_t>(b->batch_loss_after));
    }
  }
  if (cut >= n) copy_state(straight, resumed);
  RC_ASSERT(saved(straight) == saved(resumed));
}

// --- the drift detector -------------------------------------------------------------

/// Values on a coarse grid, so ties happen in both samples.
double grid_value() { return int_in(-12, 13) / 4.0; }

RC_GTEST_PROP(DriftProp, KsStatisticIsTheSupremumAndInTheUnitInterval, ()) {
  std::vector<double> q(static_cast<std::size_t>(int_in(1, 20)));
  for (auto& x : q) x = grid_value();
  std::sort(q.begin(), q.end());
  std::vector<double> live(static_cast<std::size_t>(int_in(1, 50)));
  for (auto& x : live) x = grid_value();
  const double d = ks_statistic(q, live);
  RC_ASSERT(d >= 0.0);
  RC_ASSERT(d <= 1.0);
  // Brute force: |F_ref - F_live| at every point where either curve bends or
  // steps, and just below each (a left limit, to within one ulp of x).
  std::vector<double> points = q;
  points.insert(points.end(), live.begin(), live.end());
  double brute = 0;
  for (double p : points) {
    for (double x : {p, std::nextafter(p, -1e300)}) {
      const auto at_or_below = std::count_if(live.begin(), live.end(), [&](double v) { return v <= x; });
      const double f_live = static_cast<double>(at_or_below) / static_cast<double>(live.size());
      brute = std::max(brute, std::fabs(reference_cdf(q, x) - f_live));
    }
  }
  RC_ASSERT(std::fabs(d - brute) < 1e-9);
}

RC_GTEST_PROP(DriftProp, ContinuesBitForBitAfterSaveAndLoad, ()) {
  DriftConfig c;
  c.window = static_cast<std::size_t>(int_in(1, 40));
  c.check_every = static_cast<std::size_t>(int_in(1, 20));
  const auto columns = static_cast<std::size_t>(int_in(1, 4));
  Prng data(static_cast<std::uint64_t>(int_in(0, 1000)), 4);
  std::vector<std::vector<double>> training(columns);
  std::vector<std::string> names;
  for (std::size_t col = 0; col < columns; ++col) {
    for (int i = 0; i < 200; ++i) training[col].push_back(data.normal());
    names.push_back("c" + std::to_string(col));
  }
  const auto ref = make_drift_reference(training, static_cast<std::size_t>(int_in(2, 30)));
  DriftDetector straight(ref, names, c), resumed(ref, names, c);
  const int n = int_in(0, 200), cut = int_in(0, n + 1);
  for (int i = 0; i < n; ++i) {
    if (i == cut) copy_state(straight, resumed);
    std::vector<float> row(columns);
    for (auto& x : row) x = data.below(5) == 0 ? std::nanf("") : static_cast<float>(0.5 + data.normal());
    const auto a = straight.on_row(row);
    if (i < cut) continue;
    const auto b = resumed.on_row(row);
    RC_ASSERT(a.has_value() == b.has_value());
    if (!a) continue;
    RC_ASSERT(a->drifted == b->drifted);
    for (std::size_t col = 0; col < columns; ++col) {
      RC_ASSERT(std::bit_cast<std::uint64_t>(a->columns[col].d) == std::bit_cast<std::uint64_t>(b->columns[col].d));
      RC_ASSERT(a->columns[col].d >= 0.0);
      RC_ASSERT(a->columns[col].d <= 1.0);
    }
  }
  if (cut >= n) copy_state(straight, resumed);
  RC_ASSERT(saved(straight) == saved(resumed));
}

// --- the retrain monitor ------------------------------------------------------------

RC_GTEST_PROP(RetrainProp, TriggersFollowTheirDefinitionAndSurviveSaveAndLoad, ()) {
  RetrainConfig c;
  c.window = static_cast<std::size_t>(int_in(1, 80));
  c.min_outcomes = static_cast<std::size_t>(int_in(1, static_cast<int>(c.window) + 1));
  c.accuracy_drop_pts = real_in(0, 20);
  c.accuracy_floor = real_in(0.3, 0.6);
  c.max_calibration_error = real_in(0.01, 0.3);
  const double validation = real_in(0.4, 0.8);
  RetrainMonitor straight(validation, c), resumed(validation, c);
  const double skill = real_in(0, 1);  // how often the label follows the call
  Prng data(static_cast<std::uint64_t>(int_in(0, 1000)), 5);
  const int n = int_in(0, 250), cut = int_in(0, n + 1);
  for (int i = 0; i < n; ++i) {
    if (i == cut) copy_state(straight, resumed);
    const double p = data.uniform01();
    const int y = data.bernoulli(skill) ? predicted_label(p) : 1 - predicted_label(p);
    straight.on_outcome(p, y);
    if (i >= cut) resumed.on_outcome(p, y);
    const RetrainStatus s = straight.status();
    RC_ASSERT(s.outcomes == std::min<std::size_t>(static_cast<std::size_t>(i) + 1, c.window));
    RC_ASSERT(s.rolling_accuracy >= 0.0);
    RC_ASSERT(s.rolling_accuracy <= 1.0);
    RC_ASSERT(s.rolling_ece >= 0.0);
    RC_ASSERT(s.rolling_ece <= 1.0);
    const bool enough = s.outcomes >= c.min_outcomes;
    RC_ASSERT(s.accuracy_decay == (enough && s.rolling_accuracy < straight.accuracy_threshold()));
    RC_ASSERT(s.calibration_decay == (enough && s.rolling_ece > c.max_calibration_error));
    RC_ASSERT(s.triggered == (s.accuracy_decay || s.calibration_decay));
    RC_ASSERT(s.triggered == !s.reason.empty());
    if (i >= cut) {
      const RetrainStatus r = resumed.status();
      RC_ASSERT(std::bit_cast<std::uint64_t>(r.rolling_ece) == std::bit_cast<std::uint64_t>(s.rolling_ece));
      RC_ASSERT(r.reason == s.reason);
    }
  }
  if (cut >= n) copy_state(straight, resumed);
  RC_ASSERT(saved(straight) == saved(resumed));
}

}  // namespace
}  // namespace verity
