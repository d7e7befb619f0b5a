#include "actors/learning/retrain_monitor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "actors/learning/labeler.hpp"
#include "actors/runtime/assert.hpp"
#include "actors/runtime/state_archive.hpp"

namespace verity {

std::expected<void, std::string> RetrainConfig::validate() const {
  if (window < 1 || window > kMaxWindow) {
    return std::unexpected(fmt::format("retrain.window is {}; expected 1 to {}", window, kMaxWindow));
  }
  if (min_outcomes < 1 || min_outcomes > window) {
    return std::unexpected(
        fmt::format("retrain.min_outcomes is {}; expected 1 to retrain.window ({})", min_outcomes, window));
  }
  if (!(accuracy_drop_pts >= 0 && accuracy_drop_pts <= 100)) {
    return std::unexpected(fmt::format("retrain.accuracy_drop_pts is {}; expected 0 to 100 points", accuracy_drop_pts));
  }
  if (!(accuracy_floor >= 0 && accuracy_floor <= 1)) {
    return std::unexpected(fmt::format("retrain.accuracy_floor is {}; expected a share from 0 to 1", accuracy_floor));
  }
  if (!(max_calibration_error > 0 && max_calibration_error <= 1)) {
    return std::unexpected(
        fmt::format("retrain.max_calibration_error is {}; expected above 0 and at most 1", max_calibration_error));
  }
  return {};
}

double expected_calibration_error(const std::vector<double>& p_up, const std::vector<std::uint8_t>& labels) {
  VERITY_ASSERT(p_up.size() == labels.size(), "every probability needs its label");
  if (p_up.empty()) return 0;
  constexpr std::size_t bins = RetrainMonitor::kCalibrationBins;
  // The arithmetic of models/metrics.cpp (classification_metrics), so the
  // live figure and the validation figure are the same measure.
  std::array<double, bins> sum_p{};
  std::array<std::uint64_t, bins> count{}, up{};
  for (std::size_t i = 0; i < p_up.size(); ++i) {
    const auto bin = std::min(static_cast<std::size_t>(p_up[i] * static_cast<double>(bins)), bins - 1);
    ++count[bin];
    sum_p[bin] += p_up[i];
    if (labels[i] == 1) ++up[bin];
  }
  double gap = 0;
  for (std::size_t b = 0; b < bins; ++b) {
    if (count[b] == 0) continue;
    const double c = static_cast<double>(count[b]);
    gap += std::fabs(sum_p[b] / c - static_cast<double>(up[b]) / c) * c;
  }
  return gap / static_cast<double>(p_up.size());
}

std::expected<RetrainMonitor, std::string> RetrainMonitor::make(double validation_accuracy, RetrainConfig config) {
  if (auto ok = config.validate(); !ok) return std::unexpected(ok.error());
  if (!(validation_accuracy >= 0 && validation_accuracy <= 1)) {
    return std::unexpected(
        fmt::format("retrain: validation_accuracy is {}; expected a share from 0 to 1", validation_accuracy));
  }
  return RetrainMonitor(validation_accuracy, config);
}

RetrainMonitor::RetrainMonitor(double validation_accuracy, RetrainConfig config)
    : validation_accuracy_(validation_accuracy), config_(config) {
  VERITY_ASSERT(config_.validate().has_value(), "the retrain configuration does not validate");
  VERITY_ASSERT(validation_accuracy >= 0 && validation_accuracy <= 1, "validation accuracy must be in [0, 1]");
}

void RetrainMonitor::on_outcome(double p_up, int label) {
  VERITY_ASSERT(label == 0 || label == 1, "a label must be 0 or 1");
  if (!(p_up >= 0 && p_up <= 1)) {
    ++rejected_;
    return;
  }
  if (p_up_.size() < config_.window) {
    p_up_.push_back(p_up);
    labels_.push_back(static_cast<std::uint8_t>(label));
  } else {
    p_up_[next_] = p_up;
    labels_[next_] = static_cast<std::uint8_t>(label);
  }
  next_ = (next_ + 1) % config_.window;
  ++total_;
  VERITY_ASSERT(p_up_.size() <= config_.window, "the retrain window is over its length");
}

double RetrainMonitor::accuracy_threshold() const {
  return std::max(validation_accuracy_ - config_.accuracy_drop_pts / 100.0, config_.accuracy_floor);
}

RetrainStatus RetrainMonitor::status() const {
  RetrainStatus s;
  s.outcomes = p_up_.size();
  s.total_outcomes = total_;
  if (p_up_.empty()) return s;
  // Oldest first: from next_ to the end, then from the start (when the ring is not full, next_ is its size).
  std::vector<double> p;
  std::vector<std::uint8_t> y;
  p.reserve(p_up_.size());
  y.reserve(p_up_.size());
  const std::size_t start = p_up_.size() < config_.window ? 0 : next_;
  std::size_t correct = 0;
  for (std::size_t k = 0; k < p_up_.size(); ++k) {
    const std::size_t i = (start + k) % p_up_.size();
    p.push_back(p_up_[i]);
    y.push_back(labels_[i]);
    if (predicted_label(p_up_[i]) == labels_[i]) ++correct;
  }
  s.rolling_accuracy = static_cast<double>(correct) / static_cast<double>(p_up_.size());
  s.rolling_ece = expected_calibration_error(p, y);
  if (s.outcomes < config_.min_outcomes) return s;

  const double by_validation = validation_accuracy_ - config_.accuracy_drop_pts / 100.0;
  std::vector<std::string> reasons;
  if (s.rolling_accuracy < accuracy_threshold()) {
    s.accuracy_decay = true;
    if (by_validation >= config_.accuracy_floor) {
      reasons.push_back(fmt::format("accuracy {:.3f} < {:.3f} (validation {:.3f} - {:g} pts)", s.rolling_accuracy,
                                    by_validation, validation_accuracy_, config_.accuracy_drop_pts));
    } else {
      reasons.push_back(fmt::format("accuracy {:.3f} < {:.3f} (floor)", s.rolling_accuracy, config_.accuracy_floor));
    }
  }
  if (s.rolling_ece > config_.max_calibration_error) {
    s.calibration_decay = true;
    reasons.push_back(
        fmt::format("calibration error {:.3f} > {:.3f} (ECE, 10 bins)", s.rolling_ece, config_.max_calibration_error));
  }
  s.triggered = s.accuracy_decay || s.calibration_decay;
  for (std::size_t i = 0; i < reasons.size(); ++i) s.reason += (i == 0 ? "" : "; ") + reasons[i];
  return s;
}

void RetrainMonitor::save(StateWriter& w) const { w.put_all(config_.window, p_up_, labels_, next_, total_, rejected_); }

void RetrainMonitor::load(StateReader& r) {
  std::size_t window = 0;
  r.get(window);
  if (r.ok() && window != config_.window) {
    r.fail(fmt::format("the retrain window is {} but the state is for {}", config_.window, window));
    return;
  }
  std::vector<double> p_up;
  std::vector<std::uint8_t> labels;
  std::size_t next = 0;
  std::uint64_t total = 0, rejected = 0;
  r.get_all(p_up, labels, next, total, rejected);
  if (!r.ok()) return;
  bool fits = p_up.size() == labels.size() && p_up.size() <= window && next < window &&
              (p_up.size() == window || next == p_up.size()) && total >= p_up.size();
  for (std::size_t i = 0; fits && i < p_up.size(); ++i) fits = p_up[i] >= 0 && p_up[i] <= 1 && labels[i] <= 1;
  if (!fits) {
    r.fail("a retrain window whose sizes, position or values do not fit");
    return;
  }
  p_up_ = std::move(p_up);
  labels_ = std::move(labels);
  next_ = next;
  total_ = total;
  rejected_ = rejected;
}

PatternStats::PatternStats(std::map<std::string, PatternCount> seed, std::size_t max_patterns)
    : counts_(std::move(seed)), max_patterns_(std::max(max_patterns, counts_.size())) {}

void PatternStats::on_outcome(const std::string& pattern, bool correct) {
  auto it = counts_.find(pattern);
  if (it == counts_.end()) {
    if (counts_.size() >= max_patterns_) {
      ++unrecorded_;
      return;
    }
    it = counts_.emplace(pattern, PatternCount{}).first;
  }
  ++it->second.seen;
  if (correct) ++it->second.correct;
}

void PatternStats::save(StateWriter& w) const {
  w.put(counts_.size());
  for (const auto& [key, count] : counts_) w.put_all(key, count.seen, count.correct);
  w.put(unrecorded_);
}

void PatternStats::load(StateReader& r) {
  std::size_t n = 0;
  r.get(n);
  if (r.ok() && n > max_patterns_) {
    r.fail(fmt::format("{} patterns in the state but at most {} are kept", n, max_patterns_));
    return;
  }
  std::map<std::string, PatternCount> counts;
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    std::string key;
    PatternCount count;
    r.get_all(key, count.seen, count.correct);
    if (r.ok() && count.correct > count.seen) r.fail("a pattern called right more often than it was seen");
    if (r.ok() && !counts.emplace(std::move(key), count).second) r.fail("a pattern key that appears twice");
  }
  std::uint64_t unrecorded = 0;
  r.get(unrecorded);
  if (!r.ok()) return;
  counts_ = std::move(counts);
  unrecorded_ = unrecorded;
}

}  // namespace verity
