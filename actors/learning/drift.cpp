#include "actors/learning/drift.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "actors/runtime/assert.hpp"
#include "actors/runtime/detmath.hpp"
#include "actors/runtime/state_archive.hpp"

namespace verity {

namespace {

/// F_ref just below x: the same curve, left-continuous at its jumps.
double reference_cdf_left(std::span<const double> q, double x) {
  const auto it = std::lower_bound(q.begin(), q.end(), x);  // the first q_i >= x
  if (it == q.begin()) return 0;
  const std::size_t i = static_cast<std::size_t>(it - q.begin()) - 1;  // q_i < x <= q_{i+1}
  const std::size_t last = q.size() - 1;
  if (i == last) return 1;
  return (static_cast<double>(i) + (x - q[i]) / (q[i + 1] - q[i])) / static_cast<double>(last);
}

/// A quantile list the CDF can walk: finite and ascending.
bool usable(const std::vector<double>& q) {
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (!std::isfinite(q[i])) return false;
    if (i > 0 && q[i] < q[i - 1]) return false;
  }
  return true;
}

}  // namespace

std::expected<void, std::string> DriftConfig::validate() const {
  if (window < 1 || window > kMaxWindow) {
    return std::unexpected(fmt::format("drift.window is {}; expected 1 to {}", window, kMaxWindow));
  }
  if (check_every < 1) return std::unexpected(fmt::format("drift.check_every is {}; expected at least 1", check_every));
  if (!(alpha > 0 && alpha < 1)) {
    return std::unexpected(fmt::format("drift.alpha is {}; expected a significance level between 0 and 1", alpha));
  }
  if (min_columns < 1) return std::unexpected(fmt::format("drift.min_columns is {}; expected at least 1", min_columns));
  return {};
}

DriftReference make_drift_reference(const std::vector<std::vector<double>>& columns_values, std::size_t quantiles) {
  VERITY_ASSERT(quantiles >= 2, "a drift reference needs at least two quantiles");
  DriftReference ref;
  ref.quantiles.resize(columns_values.size());
  std::uint64_t fewest = 0;
  const std::uint64_t steps = quantiles - 1;
  for (std::size_t c = 0; c < columns_values.size(); ++c) {
    std::vector<double> x;
    x.reserve(columns_values[c].size());
    for (double v : columns_values[c]) {
      if (std::isfinite(v)) x.push_back(v);
    }
    if (x.empty()) continue;
    std::sort(x.begin(), x.end());
    const std::uint64_t n = x.size();
    fewest = fewest == 0 ? n : std::min(fewest, n);
    auto& q = ref.quantiles[c];
    q.resize(quantiles);
    for (std::uint64_t i = 0; i < quantiles; ++i) {
      // Rank i (N - 1) / (Q - 1), split exactly into its whole and fractional parts.
      const std::uint64_t rank_num = i * (n - 1);
      const std::uint64_t lo = rank_num / steps;
      const std::uint64_t rem = rank_num % steps;
      if (rem == 0) {
        q[i] = x[lo];
        continue;
      }
      const double frac = static_cast<double>(rem) / static_cast<double>(steps);
      // Clamped to the upper order statistic, so rounding never breaks the order.
      q[i] = std::min(x[lo] + frac * (x[lo + 1] - x[lo]), x[lo + 1]);
    }
  }
  ref.samples = fewest;
  return ref;
}

double reference_cdf(std::span<const double> q, double x) {
  VERITY_ASSERT(!q.empty(), "a reference CDF needs at least one quantile");
  const auto it = std::upper_bound(q.begin(), q.end(), x);  // the first q_i > x
  if (it == q.begin()) return 0;
  const std::size_t i = static_cast<std::size_t>(it - q.begin()) - 1;  // q_i <= x < q_{i+1}
  const std::size_t last = q.size() - 1;
  if (i == last) return 1;
  return (static_cast<double>(i) + (x - q[i]) / (q[i + 1] - q[i])) / static_cast<double>(last);
}

double ks_statistic(std::span<const double> quantiles, std::vector<double> live) {
  VERITY_ASSERT(!quantiles.empty(), "a KS test needs at least one reference quantile");
  if (live.empty()) return 0;
  std::sort(live.begin(), live.end());
  const double n = static_cast<double>(live.size());
  double d = 0;
  // F_live steps up at each distinct live value v: from below(v) to at(v).
  // F_ref is nondecreasing, so between steps F_live - F_ref is largest just
  // after a step and F_ref - F_live just before the next one.
  for (std::size_t i = 0; i < live.size();) {
    const double v = live[i];
    std::size_t j = i;
    while (j < live.size() && live[j] == v) ++j;
    const double below = static_cast<double>(i) / n;
    const double at = static_cast<double>(j) / n;
    d = std::max(d, at - reference_cdf(quantiles, v));
    d = std::max(d, reference_cdf_left(quantiles, v) - below);
    i = j;
  }
  return std::min(d, 1.0);
}

double ks_critical_value(double alpha, std::uint64_t n, std::uint64_t m) {
  VERITY_ASSERT(n > 0, "a KS test needs live values");
  VERITY_ASSERT(alpha > 0 && alpha < 1, "alpha must be between 0 and 1");
  const double c = std::sqrt(-0.5 * det_log(alpha / 2.0));
  const double nd = static_cast<double>(n);
  if (m == 0) return c * std::sqrt(1.0 / nd);
  const double md = static_cast<double>(m);
  return c * std::sqrt((nd + md) / (nd * md));
}

std::expected<DriftDetector, std::string> DriftDetector::make(DriftReference ref, std::vector<std::string> column_names,
                                                              DriftConfig config) {
  if (auto ok = config.validate(); !ok) return std::unexpected(ok.error());
  if (ref.quantiles.size() != column_names.size()) {
    return std::unexpected(fmt::format("drift: the reference has {} columns but {} column names were given",
                                       ref.quantiles.size(), column_names.size()));
  }
  for (std::size_t c = 0; c < column_names.size(); ++c) {
    if (!usable(ref.quantiles[c])) {
      return std::unexpected("drift: the reference quantiles of column " + column_names[c] +
                             " are not finite and ascending");
    }
  }
  if (config.min_columns > column_names.size()) {
    return std::unexpected(fmt::format("drift.min_columns is {}; expected at most the {} columns", config.min_columns,
                                       column_names.size()));
  }
  return DriftDetector(std::move(ref), std::move(column_names), config);
}

DriftDetector::DriftDetector(DriftReference ref, std::vector<std::string> column_names, DriftConfig config)
    : ref_(std::move(ref)), names_(std::move(column_names)), config_(config) {
  VERITY_ASSERT(config_.validate().has_value(), "the drift configuration does not validate");
  VERITY_ASSERT(ref_.quantiles.size() == names_.size(), "the drift reference does not fit the columns");
  for (const auto& q : ref_.quantiles) VERITY_ASSERT(usable(q), "drift reference quantiles must be finite and ascending");
  critical_ = ks_critical_value(config_.alpha, config_.window, ref_.samples);
  values_.assign(names_.size() * config_.window, 0.0f);
  filled_.assign(names_.size(), 0);
  next_.assign(names_.size(), 0);
}

std::optional<DriftReport> DriftDetector::on_row(std::span<const float> raw_values_or_nan) {
  VERITY_ASSERT(raw_values_or_nan.size() == names_.size(), "a feature row does not have the detector's columns");
  const std::size_t window = config_.window;
  for (std::size_t c = 0; c < names_.size(); ++c) {
    const float v = raw_values_or_nan[c];
    if (!std::isfinite(v)) continue;
    values_[c * window + next_[c]] = v;
    next_[c] = (next_[c] + 1) % window;
    if (filled_[c] < window) ++filled_[c];
  }
  ++rows_;
  if (rows_ % config_.check_every != 0) return std::nullopt;
  DriftReport report = check();
  for (const auto& col : report.columns) {
    if (col.tested) return report;
  }
  return std::nullopt;
}

ColumnDrift DriftDetector::test_column(std::size_t c) const {
  ColumnDrift col;
  col.name = names_[c];
  col.live_values = filled_[c];
  if (ref_.quantiles[c].empty() || filled_[c] < config_.window) return col;
  const std::size_t window = config_.window;
  std::vector<double> live(values_.begin() + static_cast<std::ptrdiff_t>(c * window),
                           values_.begin() + static_cast<std::ptrdiff_t>((c + 1) * window));
  col.tested = true;
  col.d = ks_statistic(ref_.quantiles[c], std::move(live));
  col.critical = critical_;
  col.drifted = col.d > col.critical;
  return col;
}

DriftReport DriftDetector::check() const {
  DriftReport report;
  report.row = rows_;
  report.columns.reserve(names_.size());
  for (std::size_t c = 0; c < names_.size(); ++c) {
    report.columns.push_back(test_column(c));
    if (report.columns.back().drifted) ++report.drifted_columns;
  }
  report.drifted = report.drifted_columns >= config_.min_columns;
  return report;
}

void DriftDetector::save(StateWriter& w) const {
  w.put_all(names_.size(), config_.window, rows_, values_, filled_, next_);
}

void DriftDetector::load(StateReader& r) {
  std::size_t columns = 0, window = 0;
  r.get_all(columns, window);
  if (r.ok() && (columns != names_.size() || window != config_.window)) {
    r.fail(fmt::format("the drift detector has {} columns and a window of {} but the state is for {} and {}",
                       names_.size(), config_.window, columns, window));
    return;
  }
  std::uint64_t rows = 0;
  std::vector<float> values;
  std::vector<std::size_t> filled, next;
  r.get_all(rows, values, filled, next);
  if (!r.ok()) return;
  bool fits = values.size() == columns * window && filled.size() == columns && next.size() == columns;
  for (std::size_t c = 0; fits && c < columns; ++c) {
    fits = filled[c] <= window && next[c] < window && (filled[c] == window || next[c] == filled[c]);
  }
  if (!fits) {
    r.fail("a drift detector whose windows do not fit its columns and window length");
    return;
  }
  rows_ = rows;
  values_ = std::move(values);
  filled_ = std::move(filled);
  next_ = std::move(next);
}

}  // namespace verity
