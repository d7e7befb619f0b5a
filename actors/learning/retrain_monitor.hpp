// When to retrain: the plan's triggers, read off the labeled outcomes of the
// live model. Over the last `window` outcomes, accuracy has decayed when it is
// below the model's validation accuracy minus `accuracy_drop_pts` points or
// below `accuracy_floor`; calibration has decayed when the expected
// calibration error (ECE) is above `max_calibration_error`. Neither fires
// before the window holds `min_outcomes` outcomes. Alongside, PatternStats
// counts outcomes by pattern for the sample floor, starting from the
// validation counts in the model file.
//
// Guarantees: memory is bounded (the window is a ring; the pattern map stops
// taking new patterns at its limit and counts what it could not record); the
// status is a pure function of the window, summed oldest first, so it is the
// same bits after save()/load() as before.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <string>
#include <vector>

#include "models/model_file.hpp"

namespace verity {

class StateWriter;
class StateReader;

struct RetrainConfig {
  /// A stated ceiling for the window.
  static constexpr std::size_t kMaxWindow = 1'000'000;

  std::size_t window = 500;             // outcomes the rolling figures cover (a ring)
  double accuracy_drop_pts = 5.0;       // decay: accuracy below validation accuracy minus this many points
  double accuracy_floor = 0.5;          // decay: accuracy below this, whatever the validation accuracy
  double max_calibration_error = 0.05;  // decay: rolling ECE above this
  std::size_t min_outcomes = 200;       // nothing triggers with fewer outcomes in the window

  /// The first bad field, named ("retrain.min_outcomes ...").
  std::expected<void, std::string> validate() const;
};

struct RetrainStatus {
  std::size_t outcomes = 0;          // in the window
  std::uint64_t total_outcomes = 0;  // since the start
  double rolling_accuracy = 0;       // share of the window's outcomes called right (predicted_label, p >= 0.5 is up)
  double rolling_ece = 0;            // expected calibration error of p_up over 10 equal bins
  bool accuracy_decay = false;
  bool calibration_decay = false;
  bool triggered = false;  // accuracy_decay or calibration_decay
  /// Why it triggered, e.g. "accuracy 0.512 < 0.550 (validation 0.600 - 5 pts)";
  /// both reasons joined by "; " when both fired; empty when not triggered.
  std::string reason;
};

/// The expected calibration error of probabilities `p_up` against `labels`
/// (0 or 1), as models/metrics.hpp defines it for validation: outcomes fall
/// into 10 equal bins of p_up ([0, 0.1), ..., [0.9, 1.0], the last one
/// closed), and ECE = sum over bins of |mean p_up - share of up| x count / N,
/// each bin's calibration gap weighted by its share. 0 when empty.
double expected_calibration_error(const std::vector<double>& p_up, const std::vector<std::uint8_t>& labels);

class RetrainMonitor {
 public:
  static constexpr std::size_t kCalibrationBins = 10;

  /// Validates the configuration and the validation accuracy (in [0, 1]), then constructs.
  static std::expected<RetrainMonitor, std::string> make(double validation_accuracy, RetrainConfig config);

  /// The arguments must pass make()'s checks (asserted).
  RetrainMonitor(double validation_accuracy, RetrainConfig config);

  /// One labeled outcome: the probability of "up" the model gave and the
  /// label (0 or 1, asserted). A p_up that is NaN or outside [0, 1] cannot be
  /// scored: it is counted in rejected() and ignored.
  void on_outcome(double p_up, int label);

  RetrainStatus status() const;

  double validation_accuracy() const { return validation_accuracy_; }
  /// The accuracy below which accuracy has decayed: the larger of
  /// validation - drop / 100 and the floor.
  double accuracy_threshold() const;
  std::uint64_t rejected() const { return rejected_; }
  const RetrainConfig& config() const { return config_; }

  /// The window and the counters; the window length is written and load()
  /// fails when it differs from this object's.
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  double validation_accuracy_;
  RetrainConfig config_;
  std::vector<double> p_up_;          // the ring, at most config_.window
  std::vector<std::uint8_t> labels_;  // parallel to p_up_
  std::size_t next_ = 0;              // the slot the next outcome goes into
  std::uint64_t total_ = 0;
  std::uint64_t rejected_ = 0;
};

/// Outcomes by pattern key (models/confidence.hpp pattern_key): how many
/// were seen and how many the model called right, starting from the model
/// file's validation counts.
class PatternStats {
 public:
  static constexpr std::size_t kDefaultMaxPatterns = 4096;

  /// `seed`: the counts to start from. At most max(max_patterns, seed.size())
  /// patterns are kept; once full, an outcome of a new pattern is not
  /// recorded and unrecorded() counts it (known patterns keep counting).
  explicit PatternStats(std::map<std::string, PatternCount> seed = {}, std::size_t max_patterns = kDefaultMaxPatterns);
  /// Seeded from the model file's validation counts.
  static PatternStats from_model(const ModelFile& model, std::size_t max_patterns = kDefaultMaxPatterns) {
    return PatternStats(model.patterns, max_patterns);
  }

  void on_outcome(const std::string& pattern, bool correct);

  const std::map<std::string, PatternCount>& counts() const { return counts_; }
  std::size_t max_patterns() const { return max_patterns_; }
  std::uint64_t unrecorded() const { return unrecorded_; }

  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  std::map<std::string, PatternCount> counts_;
  std::size_t max_patterns_;
  std::uint64_t unrecorded_ = 0;
};

}  // namespace verity
