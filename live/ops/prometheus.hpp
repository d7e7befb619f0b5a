// Prometheus metrics and their text exposition format (version 0.0.4), for
// GET /metrics. Metrics are registered once and then updated from any
// thread without locks on the hot path (counters and gauges are atomics; a
// histogram takes a short mutex so a scrape sees count == the +Inf bucket).
// The rendering is deterministic: families by name, children by label
// values, each family's HELP and TYPE lines first.
//
// A bad metric or label name, a negative counter increment or histogram
// buckets that do not increase are bugs: they abort (VERITY_ASSERT), as do
// re-registering a name with another type, label names or buckets.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace verity {

/// Label (name, value) pairs, in the order the family declared them.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

/// A value that only goes up (resets only when the process restarts).
class Counter {
 public:
  /// Adds `v` (finite, >= 0).
  void inc(double v = 1);
  /// Raises the value to `total` if it is higher: lets a counter follow a
  /// running total kept elsewhere (LiveStatus) without double counting.
  void advance_to(double total);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

/// A value that goes up and down.
class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double v);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

/// Observations counted into buckets with upper bounds `le`; +Inf is implicit.
class Histogram {
 public:
  /// `upper_bounds`: finite, strictly increasing, at least one.
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double v);

  struct Snapshot {
    std::vector<double> upper_bounds;
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& upper_bounds() const { return upper_bounds_; }

 private:
  std::vector<double> upper_bounds_;
  mutable std::mutex mutex_;
  std::vector<std::uint64_t> counts_;  // per bucket, not cumulative; last is +Inf
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

/// Buckets from 50 µs to 1 s in a 1-2.5-5 progression (seconds), for the
/// decision and step latency histograms.
std::vector<double> latency_buckets_s();

/// Owns every metric and renders them. Registration returns a reference that
/// stays valid for the registry's lifetime; registering the same name and
/// label values again returns the same metric.
class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  Counter& counter(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, const std::vector<double>& upper_bounds,
                       const MetricLabels& labels = {});

  /// The text exposition format 0.0.4; serve as "text/plain; version=0.0.4".
  std::string render() const;

  struct Family;

 private:
  Family& family(std::string_view name, std::string_view help, int type, const MetricLabels& labels,
                 const std::vector<double>* upper_bounds);
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;
};

inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

/// A sample value: the shortest decimal that reads back to `v`, in fixed
/// notation for decimal exponents -4..15 and exponent notation outside
/// them (0.0005, 5e-05, 1e+16); "+Inf", "-Inf" or "NaN".
std::string prometheus_number(double v);
/// A label value with \ " and line feed escaped.
std::string prometheus_escape_label(std::string_view value);
/// HELP text with \ and line feed escaped.
std::string prometheus_escape_help(std::string_view help);

}  // namespace verity
