// Tells when live features no longer look like the data the model was
// trained on: a two-sample Kolmogorov-Smirnov test per feature column of the
// last `window` live values against the training split's distribution.
//
// The training side is a DriftReference (models/model_file.hpp): per column,
// Q evenly spaced quantiles, q_i at probability i / (Q - 1). Its CDF, F_ref,
// is the piecewise-linear curve through the points (q_i, i / (Q - 1)): 0
// below q_0, 1 from q_{Q-1} on, and where quantiles tie (a value that fills
// more than one quantile step) a jump, taken right-continuous like an
// empirical CDF. The live side is the empirical CDF F_live of the window. The
// statistic is D = sup_x |F_ref(x) - F_live(x)|, found exactly: both curves
// are monotone, so the supremum sits at a live value (on either side of its
// step). A column drifts when D exceeds c(alpha) * sqrt((n + m) / (n m)),
// with c(alpha) = sqrt(-ln(alpha / 2) / 2), n = window and m the reference's
// sample count (m = 0, unknown, counts as infinitely many: sqrt(1 / n)).
//
// Guarantees: D is in [0, 1]; NaN and infinite values are skipped, never
// counted; each column keeps at most `window` live values (a ring: the newest
// replaces the oldest); a column whose reference is empty is never tested.
// The arithmetic uses det_log and a fixed order, so reports are the same bits
// everywhere, and save()/load() continue bit for bit.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "models/model_file.hpp"

namespace verity {

class StateWriter;
class StateReader;

struct DriftConfig {
  /// A stated ceiling for the window: columns x window floats are kept.
  static constexpr std::size_t kMaxWindow = 100'000;

  std::size_t window = 1440;     // live values kept per column (a ring)
  std::size_t check_every = 240;  // rows between tests, once a window is full
  double alpha = 0.01;            // the test's significance level
  std::size_t min_columns = 1;    // drifted columns that make the report drifted

  /// The first bad field, named ("drift.alpha ...").
  std::expected<void, std::string> validate() const;
};

struct ColumnDrift {
  std::string name;
  double d = 0;              // the KS statistic (0 when not tested)
  double critical = 0;       // the value d must exceed to drift (0 when not tested)
  bool drifted = false;      // d > critical
  bool tested = false;       // false: the reference is empty or the window is not full yet
  std::size_t live_values = 0;  // values in the column's window
};

struct DriftReport {
  std::uint64_t row = 0;  // rows seen when the test ran
  std::vector<ColumnDrift> columns;  // in column order, every column
  std::size_t drifted_columns = 0;
  bool drifted = false;  // drifted_columns >= min_columns
};

/// Builds a reference from training values: per column, `quantiles` (>= 2,
/// asserted) evenly spaced quantiles of its finite values, interpolated
/// linearly between order statistics (q at probability p is the value at
/// rank p (N - 1), Hyndman and Fan's type 7). NaN and infinite values are
/// skipped; a column with none gets no quantiles and is never tested.
/// `samples` is the smallest count of finite values of any non-empty column
/// (the conservative choice for the critical value), 0 when all are empty.
DriftReference make_drift_reference(const std::vector<std::vector<double>>& columns_values, std::size_t quantiles = 101);

/// F_ref(x) through `quantiles` (ascending, not empty), right-continuous.
double reference_cdf(std::span<const double> quantiles, double x);
/// The KS statistic of `live` (finite values, any order) against
/// `quantiles` (ascending, not empty). 0 when `live` is empty.
double ks_statistic(std::span<const double> quantiles, std::vector<double> live);
/// c(alpha) * sqrt((n + m) / (n m)); m = 0 means a reference of unknown,
/// large size: c(alpha) * sqrt(1 / n). n > 0 and 0 < alpha < 1.
double ks_critical_value(double alpha, std::uint64_t n, std::uint64_t m);

class DriftDetector {
 public:
  /// Validates the configuration and that the reference fits the columns
  /// (one quantile list per name, each ascending and finite), then constructs.
  static std::expected<DriftDetector, std::string> make(DriftReference ref, std::vector<std::string> column_names,
                                                        DriftConfig config);

  /// The arguments must pass make()'s checks (asserted).
  DriftDetector(DriftReference ref, std::vector<std::string> column_names, DriftConfig config);

  /// One row of raw feature values, one per column (the size is asserted);
  /// NaN marks a value that is not there. Every check_every rows, when at
  /// least one column can be tested, returns the test's report.
  std::optional<DriftReport> on_row(std::span<const float> raw_values_or_nan);
  /// The test on the windows as they are now, whatever the row count.
  DriftReport check() const;

  std::size_t columns() const { return names_.size(); }
  std::uint64_t rows() const { return rows_; }
  /// Values in column `c`'s window (at most config().window).
  std::size_t live_values(std::size_t c) const { return filled_[c]; }
  const DriftConfig& config() const { return config_; }
  const DriftReference& reference() const { return ref_; }

  /// The windows (all columns x window values, about 460 KB for 40 columns
  /// of 1440) and the row count; the column count and window are written and
  /// load() fails when they differ from this object's.
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  ColumnDrift test_column(std::size_t c) const;

  DriftReference ref_;
  std::vector<std::string> names_;
  DriftConfig config_;
  double critical_ = 0;  // ks_critical_value(alpha, window, samples): the same for every column
  std::uint64_t rows_ = 0;
  std::vector<float> values_;  // column-major rings: column c owns [c * window, (c + 1) * window)
  std::vector<std::size_t> filled_;  // per column: values in the ring
  std::vector<std::size_t> next_;    // per column: the slot the next value goes into
};

}  // namespace verity
