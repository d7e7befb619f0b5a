#include "live/ops/prometheus.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "actors/runtime/assert.hpp"

namespace verity {

namespace {

enum FamilyType { kCounter = 0, kGauge = 1, kHistogram = 2 };

const char* type_name(int type) {
  switch (type) {
    case kCounter: return "counter";
    case kGauge: return "gauge";
    default: return "histogram";
  }
}

bool valid_name(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
    const bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

void atomic_add(std::atomic<double>& a, double v) {
  double cur = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

std::string label_block(const std::vector<std::string>& names, const std::vector<std::string>& values,
                        std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i] + "=\"" + prometheus_escape_label(values[i]) + "\"";
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += std::string(extra_name) + "=\"" + std::string(extra_value) + "\"";
  }
  return out + "}";
}

}  // namespace

void Counter::inc(double v) {
  VERITY_ASSERT(std::isfinite(v), "a counter increment must be finite");
  VERITY_ASSERT(v >= 0, "a counter only goes up");
  atomic_add(value_, v);
}

void Counter::advance_to(double total) {
  VERITY_ASSERT(std::isfinite(total), "a counter total must be finite");
  double cur = value_.load(std::memory_order_relaxed);
  while (total > cur && !value_.compare_exchange_weak(cur, total, std::memory_order_relaxed)) {
  }
}

void Gauge::add(double v) { atomic_add(value_, v); }

Histogram::Histogram(std::vector<double> upper_bounds) : upper_bounds_(std::move(upper_bounds)) {
  VERITY_ASSERT(!upper_bounds_.empty(), "a histogram needs at least one bucket");
  for (std::size_t i = 0; i < upper_bounds_.size(); ++i) {
    VERITY_ASSERT(std::isfinite(upper_bounds_[i]), "bucket bounds are finite (+Inf is implicit)");
    if (i > 0) VERITY_ASSERT(upper_bounds_[i] > upper_bounds_[i - 1], "bucket bounds strictly increase");
  }
  counts_.assign(upper_bounds_.size() + 1, 0);
}

void Histogram::observe(double v) {
  // The first bucket whose bound is >= v; NaN lands in +Inf only.
  const auto it = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), v);
  const std::size_t bucket = std::isnan(v) ? upper_bounds_.size() : static_cast<std::size_t>(it - upper_bounds_.begin());
  std::lock_guard lock(mutex_);
  ++counts_[bucket];
  sum_ += v;
  ++count_;
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.upper_bounds = upper_bounds_;
  std::lock_guard lock(mutex_);
  std::uint64_t running = 0;
  for (std::uint64_t c : counts_) {
    running += c;
    s.cumulative.push_back(running);
  }
  s.sum = sum_;
  s.count = count_;
  return s;
}

std::vector<double> latency_buckets_s() {
  return {50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 500e-3, 1.0};
}

struct MetricsRegistry::Family {
  std::string name, help;
  int type = kCounter;
  std::vector<std::string> label_names;
  std::vector<double> upper_bounds;
  struct Child {
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  std::map<std::vector<std::string>, Child> children;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricsRegistry::Family& MetricsRegistry::family(std::string_view name, std::string_view help, int type,
                                                 const MetricLabels& labels, const std::vector<double>* upper_bounds) {
  VERITY_ASSERT(valid_name(name, true), "a metric name matches [a-zA-Z_:][a-zA-Z0-9_:]*");
  std::vector<std::string> label_names;
  for (const auto& [label, value] : labels) {
    VERITY_ASSERT(valid_name(label, false), "a label name matches [a-zA-Z_][a-zA-Z0-9_]*");
    VERITY_ASSERT(!label.starts_with("__"), "label names starting with __ are reserved");
    VERITY_ASSERT(!(type == kHistogram && label == "le"), "a histogram cannot have a label named le");
    label_names.push_back(label);
  }
  auto it = families_.find(name);
  if (it == families_.end()) {
    auto f = std::make_unique<Family>();
    f->name = std::string(name);
    f->help = std::string(help);
    f->type = type;
    f->label_names = label_names;
    if (upper_bounds != nullptr) f->upper_bounds = *upper_bounds;
    it = families_.emplace(std::string(name), std::move(f)).first;
  }
  Family& f = *it->second;
  VERITY_ASSERT(f.type == type, "a metric name is registered with one type");
  VERITY_ASSERT(f.label_names == label_names, "a metric family has one set of label names, in one order");
  if (upper_bounds != nullptr) VERITY_ASSERT(f.upper_bounds == *upper_bounds, "a histogram family has one set of buckets");
  return f;
}

namespace {
std::vector<std::string> label_values(const MetricLabels& labels) {
  std::vector<std::string> v;
  for (const auto& [name, value] : labels) v.push_back(value);
  return v;
}
}  // namespace

Counter& MetricsRegistry::counter(std::string_view name, std::string_view help, const MetricLabels& labels) {
  std::lock_guard lock(mutex_);
  auto& child = family(name, help, kCounter, labels, nullptr).children[label_values(labels)];
  if (!child.counter) child.counter = std::make_unique<Counter>();
  return *child.counter;
}

Gauge& MetricsRegistry::gauge(std::string_view name, std::string_view help, const MetricLabels& labels) {
  std::lock_guard lock(mutex_);
  auto& child = family(name, help, kGauge, labels, nullptr).children[label_values(labels)];
  if (!child.gauge) child.gauge = std::make_unique<Gauge>();
  return *child.gauge;
}

Histogram& MetricsRegistry::histogram(std::string_view name, std::string_view help,
                                      const std::vector<double>& upper_bounds, const MetricLabels& labels) {
  std::lock_guard lock(mutex_);
  auto& child = family(name, help, kHistogram, labels, &upper_bounds).children[label_values(labels)];
  if (!child.histogram) child.histogram = std::make_unique<Histogram>(upper_bounds);
  return *child.histogram;
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + prometheus_escape_help(f->help) + "\n";
    out += "# TYPE " + name + " " + type_name(f->type) + "\n";
    for (const auto& [values, child] : f->children) {
      if (child.counter) {
        out += name + label_block(f->label_names, values) + " " + prometheus_number(child.counter->value()) + "\n";
      } else if (child.gauge) {
        out += name + label_block(f->label_names, values) + " " + prometheus_number(child.gauge->value()) + "\n";
      } else if (child.histogram) {
        const Histogram::Snapshot s = child.histogram->snapshot();
        for (std::size_t i = 0; i < s.cumulative.size(); ++i) {
          const std::string le = i < s.upper_bounds.size() ? prometheus_number(s.upper_bounds[i]) : "+Inf";
          out += name + "_bucket" + label_block(f->label_names, values, "le", le) + " " +
                 std::to_string(s.cumulative[i]) + "\n";
        }
        out += name + "_sum" + label_block(f->label_names, values) + " " + prometheus_number(s.sum) + "\n";
        out += name + "_count" + label_block(f->label_names, values) + " " + std::to_string(s.count) + "\n";
      }
    }
  }
  return out;
}

std::string prometheus_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Shortest round-trip digits; fixed notation for decimal exponents -4..15
  // and exponent notation outside them, as Python's repr writes floats
  // (0.0005, 5e-05, 123456789, 1e+16), so bucket bounds read naturally.
  char buf[64];
  const auto sci = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  const std::string scientific(buf, sci.ptr);
  const int exponent = std::stoi(scientific.substr(scientific.find('e') + 1));
  if (exponent < -4 || exponent >= 16) return scientific;
  const auto fixed = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, fixed.ptr);
}

std::string prometheus_escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string prometheus_escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

}  // namespace verity
