// Properties of the model metrics, calibration and tier tracker over random
// samples: scores stay in range and AUC depends only on the order of the
// probabilities; isotonic calibration is non-decreasing in the raw value;
// Platt scaling leaves already-calibrated probabilities nearly unchanged; the
// tier tracker never upgrades on a single scan and continues bit for bit
// after a save and load.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "tests/support/rc_gen.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "actors/runtime/prng.hpp"
#include "actors/runtime/state_archive.hpp"
#include "models/calibration.hpp"
#include "models/confidence.hpp"
#include "models/metrics.hpp"

namespace verity {
namespace {

using testing::int_in;
using testing::real_in;

/// Random probabilities (sometimes on a coarse grid, so ties are common) and
/// labels that lean towards them.
void random_sample(std::vector<double>& p, std::vector<int>& labels) {
  const int n = int_in(1, 300);
  const bool coarse = int_in(0, 2) == 0;
  for (int i = 0; i < n; ++i) {
    const double x = coarse ? int_in(0, 21) / 20.0 : real_in(0, 1);
    p.push_back(x);
    labels.push_back(real_in(0, 1) < x ? 1 : 0);
  }
}

RC_GTEST_PROP(MetricsClassificationProperties, ScoresStayInRange, ()) {
  std::vector<double> p;
  std::vector<int> labels;
  random_sample(p, labels);
  const auto m = classification_metrics(p, labels, TierThresholds{}, real_in(0, 0.1));
  RC_ASSERT(m.has_value());
  RC_ASSERT(m->auc >= 0.0);
  RC_ASSERT(m->auc <= 1.0);
  RC_ASSERT(m->brier >= 0.0);
  RC_ASSERT(m->brier <= 1.0);
  RC_ASSERT(m->accuracy >= 0.0);
  RC_ASSERT(m->accuracy <= 1.0);
  RC_ASSERT(m->ece >= 0.0);
  RC_ASSERT(m->ece <= 1.0);
  RC_ASSERT(m->log_loss >= 0.0);
  RC_ASSERT(std::isfinite(m->log_loss));
  std::uint64_t binned = 0;
  for (const auto& b : m->reliability) binned += b.count;
  RC_ASSERT(binned == m->n);
  // Cumulative tiers: every high call is a medium call, every medium a low one.
  RC_ASSERT(m->tiers.at("high").calls <= m->tiers.at("medium").calls);
  RC_ASSERT(m->tiers.at("medium").calls <= m->tiers.at("low").calls);
  for (const auto& [name, t] : m->tiers) {
    RC_ASSERT(t.correct <= t.calls);
    RC_ASSERT(t.precision >= 0.0 && t.precision <= 1.0);
    RC_ASSERT(t.recall >= 0.0 && t.recall <= 1.0);
  }
}

RC_GTEST_PROP(MetricsClassificationProperties, AucIsInvariantUnderAMonotoneTransform, ()) {
  std::vector<double> p;
  std::vector<int> labels;
  random_sample(p, labels);
  // (p^2 + p) / 2 rises strictly on [0, 1] with slope >= 1/2, so no two
  // grid values collide: the order and the ties are the same.
  std::vector<double> q;
  for (double x : p) q.push_back((x * x + x) / 2.0);
  const auto a = classification_metrics(p, labels, TierThresholds{});
  const auto b = classification_metrics(q, labels, TierThresholds{});
  RC_ASSERT(a.has_value());
  RC_ASSERT(b.has_value());
  RC_ASSERT(a->auc == b->auc);
}

RC_GTEST_PROP(CalibrationProperties, IsotonicIsNonDecreasingInRaw, ()) {
  std::vector<double> raw;
  std::vector<int> labels;
  random_sample(raw, labels);
  const auto fit = fit_isotonic(raw, labels);
  RC_ASSERT(fit.has_value());
  const auto& [x, y] = *fit;
  RC_ASSERT(!x.empty());
  RC_ASSERT(x.size() == y.size());
  for (std::size_t i = 1; i < x.size(); ++i) {
    RC_ASSERT(x[i - 1] < x[i]);
    RC_ASSERT(y[i - 1] < y[i]);  // equal neighbours were merged
  }
  for (double v : y) RC_ASSERT(v >= 1e-4 && v <= 1.0 - 1e-4);
  Calibration c;
  c.iso_x = x;
  c.iso_y = y;
  double previous = 0.0;
  for (int i = 0; i <= 200; ++i) {
    const double out = calibrate(c, CalibrationKind::isotonic, i / 200.0);
    RC_ASSERT(out >= previous);
    previous = out;
  }
  // PAV keeps the total: with no clipping, the outputs at the samples add up
  // to the labels.
  if (y.front() > 1e-4 && y.back() < 1.0 - 1e-4) {
    double out_sum = 0, label_sum = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      out_sum += calibrate(c, CalibrationKind::isotonic, raw[i]);
      label_sum += labels[i];
    }
    RC_ASSERT(std::abs(out_sum - label_sum) <= 1e-9 * static_cast<double>(raw.size()));
  }
}

RC_GTEST_PROP(CalibrationProperties, PlattBarelyMovesCalibratedProbabilities, ()) {
  Prng prng(static_cast<std::uint64_t>(int_in(0, 1 << 30)));
  std::vector<double> raw;
  std::vector<int> labels;
  for (int i = 0; i < 2000; ++i) {
    const double p = 0.05 + 0.9 * prng.uniform01();
    raw.push_back(p);
    labels.push_back(prng.bernoulli(p) ? 1 : 0);
  }
  const auto fit = fit_platt(raw, labels);
  RC_ASSERT(fit.has_value());
  Calibration c;
  c.platt_a = fit->first;
  c.platt_b = fit->second;
  double moved = 0;
  for (double p : raw) moved += std::abs(calibrate(c, CalibrationKind::platt, p) - p);
  // Sampling noise alone moves the mean by about 0.01 (0.03 at worst in 300 seeds).
  RC_ASSERT(moved / static_cast<double>(raw.size()) < 0.05);
}

TierLevel random_tier() { return static_cast<TierLevel>(int_in(0, 4)); }

int random_direction() {
  const int r = int_in(0, 20);
  return r == 0 ? 0 : (r <= 15 ? 1 : -1);  // mostly up, some flips, rare no-calls
}

RC_GTEST_PROP(TierTrackerProperties, NeverUpgradesOnASingleScan, ()) {
  const int k = int_in(2, 5);
  TierTracker t(k);
  int previous_direction = 0;
  TierLevel previous_raw = TierLevel::none;
  const int scans = int_in(1, 200);
  for (int i = 0; i < scans; ++i) {
    const TierLevel before = t.in_force();
    const int direction = random_direction();
    const TierLevel raw = random_tier();
    const TierLevel after = t.update(direction, raw);
    RC_ASSERT(after == t.in_force());
    RC_ASSERT(after <= raw);  // never above this scan's own tier
    if (direction != previous_direction) {
      RC_ASSERT(after <= TierLevel::low);  // a new direction starts low at most
    } else if (after > before) {
      RC_ASSERT(previous_raw >= after);  // the scan before held the new tier too
    }
    previous_direction = direction == 1 || direction == -1 ? direction : 0;
    previous_raw = raw;
  }
}

RC_GTEST_PROP(TierTrackerProperties, ContinuesIdenticallyAfterSaveAndLoad, ()) {
  TierTracker original(int_in(1, 5));
  std::vector<std::pair<int, TierLevel>> scans(static_cast<std::size_t>(int_in(0, 100)));
  for (auto& s : scans) s = {random_direction(), random_tier()};
  const std::size_t cut = static_cast<std::size_t>(int_in(0, static_cast<int>(scans.size()) + 1));
  for (std::size_t i = 0; i < cut; ++i) original.update(scans[i].first, scans[i].second);
  StateWriter w;
  original.save(w);
  TierTracker loaded(int_in(1, 5));
  StateReader r(w.bytes(), "tier tracker property");
  loaded.load(r);
  RC_ASSERT(r.ok());
  RC_ASSERT(r.at_end());
  RC_ASSERT(loaded.upgrade_scans() == original.upgrade_scans());
  for (std::size_t i = cut; i < scans.size(); ++i)
    RC_ASSERT(loaded.update(scans[i].first, scans[i].second) == original.update(scans[i].first, scans[i].second));
}

}  // namespace
}  // namespace verity
