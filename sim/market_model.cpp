#include "sim/market_model.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <vector>

#include "actors/runtime/project_path.hpp"
#include "actors/runtime/hash.hpp"

namespace verity {

MarketModelParams::MarketModelParams() {
  volatility_hourly.fill(1.0);
  volatility_weekday.fill(1.0);
  volume_hourly.fill(1.0);
  volume_weekday.fill(1.0);
  regime_multiplier.fill(1.0);
  for (int i = 0; i < kRegimes; ++i) {
    for (int j = 0; j < kRegimes; ++j) regime_transition[i][j] = i == j ? 1.0 : 0.0;
  }
}

namespace {

/// Shortest digits that read back as the same double.
std::string real_text(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

template <std::size_t N>
std::string array_text(const std::array<double, N>& a) {
  std::string s = "[";
  for (std::size_t i = 0; i < N; ++i) s += (i ? ", " : "") + real_text(a[i]);
  return s + "]";
}

/// A number key: where it lives and what it may be. Bounds are closed unless
/// the *_open flag says otherwise.
struct RealKey {
  const char* section;
  const char* name;
  double min, max;
  bool min_open, max_open;
  const char* doc;
  std::function<double&(MarketModelParams&)> field;
};

struct ArrayKey {
  const char* section;
  const char* name;
  std::size_t size;
  double min, max;  // min is open: factors and multipliers are positive
  const char* doc;
  std::function<double*(MarketModelParams&)> field;
};

const std::vector<RealKey>& real_keys() {
  static const std::vector<RealKey> keys = {
      {"market", "drift_per_bar", -0.01, 0.01, false, false, "mean log return per bar",
       [](MarketModelParams& p) -> double& { return p.drift_per_bar; }},
      {"garch", "omega", 0, 1, true, false, "GARCH(1,1) constant, squared log return",
       [](MarketModelParams& p) -> double& { return p.garch_omega; }},
      {"garch", "alpha", 0, 1, false, true, "weight of the last squared shock",
       [](MarketModelParams& p) -> double& { return p.garch_alpha; }},
      {"garch", "beta", 0, 1, false, true, "weight of the last variance",
       [](MarketModelParams& p) -> double& { return p.garch_beta; }},
      {"jumps", "threshold_sigma", 1, 20, false, false, "a standardised return beyond this is a jump",
       [](MarketModelParams& p) -> double& { return p.jump_threshold_sigma; }},
      {"jumps", "probability", 0, 0.5, false, false, "jump probability per bar",
       [](MarketModelParams& p) -> double& { return p.jump_probability; }},
      {"jumps", "up_probability", 0, 1, false, false, "share of jumps that go up",
       [](MarketModelParams& p) -> double& { return p.jump_up_probability; }},
      {"jumps", "excess_mean_sigma", 0, 100, true, false, "mean of |z| - threshold over jumps, in sigma",
       [](MarketModelParams& p) -> double& { return p.jump_excess_mean; }},
      {"jumps", "tail_shape", 0, 0.9, false, false, "generalised Pareto shape of the excess; 0 is exponential",
       [](MarketModelParams& p) -> double& { return p.jump_tail_shape; }},
      {"jumps", "excess_max_sigma", 0, 1000, true, false, "cap on the excess, in sigma",
       [](MarketModelParams& p) -> double& { return p.jump_excess_max; }},
      {"volume", "log_intercept", -50, 50, false, false, "intercept of log volume",
       [](MarketModelParams& p) -> double& { return p.volume_log_intercept; }},
      {"volume", "abs_z_beta", -10, 10, false, false, "log volume per unit of |z| (capped at 20)",
       [](MarketModelParams& p) -> double& { return p.volume_abs_z_beta; }},
      {"volume", "log_sigma_beta", -10, 10, false, false, "log volume per unit of log conditional sigma",
       [](MarketModelParams& p) -> double& { return p.volume_log_sigma_beta; }},
      {"volume", "ar1", -1, 1, true, true, "AR(1) coefficient of the log-volume residual",
       [](MarketModelParams& p) -> double& { return p.volume_ar1; }},
      {"volume", "residual_sd", 0, 10, false, false, "innovation sd of the log-volume residual",
       [](MarketModelParams& p) -> double& { return p.volume_residual_sd; }},
  };
  return keys;
}

const std::vector<ArrayKey>& array_keys() {
  static const std::vector<ArrayKey> keys = {
      {"seasonality", "volatility_hourly", kHours, 0, 100, "volatility factor per UTC hour 0..23",
       [](MarketModelParams& p) { return p.volatility_hourly.data(); }},
      {"seasonality", "volatility_weekday", kWeekdays, 0, 100, "volatility factor per weekday, Sunday first",
       [](MarketModelParams& p) { return p.volatility_weekday.data(); }},
      {"seasonality", "volume_hourly", kHours, 0, 100, "volume factor per UTC hour 0..23",
       [](MarketModelParams& p) { return p.volume_hourly.data(); }},
      {"seasonality", "volume_weekday", kWeekdays, 0, 100, "volume factor per weekday, Sunday first",
       [](MarketModelParams& p) { return p.volume_weekday.data(); }},
      {"regimes", "volatility_multiplier", kRegimes, 0, 100, "volatility multiplier per regime: low, normal, high",
       [](MarketModelParams& p) { return p.regime_multiplier.data(); }},
  };
  return keys;
}

// Keys read outside the two tables above.
const std::vector<std::string>& other_keys() {
  static const std::vector<std::string> keys = {"model.version", "market.symbol", "market.bar_interval_s",
                                                "market.substeps", "regimes.transition"};
  return keys;
}

bool in_range(double v, double min, double max, bool min_open, bool max_open) {
  if (!std::isfinite(v)) return false;
  if (min_open ? v <= min : v < min) return false;
  if (max_open ? v >= max : v > max) return false;
  return true;
}

std::string range_text(double min, double max, bool min_open, bool max_open) {
  return std::string(min_open ? "(" : "[") + real_text(min) + ", " + real_text(max) + (max_open ? ")" : "]");
}

std::optional<double> as_real(const toml::node* n) {
  if (!n) return std::nullopt;
  if (auto v = n->value_exact<double>()) return *v;
  if (auto v = n->value_exact<std::int64_t>()) return static_cast<double>(*v);
  return std::nullopt;
}

class Reader {
 public:
  Reader(const toml::table& root, const std::string& origin) : root_(root), origin_(origin) {}

  std::string error(const std::string& key, const std::string& what) const {
    return "calibration " + origin_ + ": " + key + ": " + what;
  }
  const toml::node* find(const std::string& section, const std::string& name) const {
    const auto* sec = root_[section].as_table();
    return sec ? sec->get(name) : nullptr;
  }

 private:
  const toml::table& root_;
  const std::string& origin_;
};

std::expected<void, std::string> check_unknown(const toml::table& root, const std::string& origin) {
  std::vector<std::string> known = other_keys();
  for (const auto& k : real_keys()) known.push_back(std::string(k.section) + "." + k.name);
  for (const auto& k : array_keys()) known.push_back(std::string(k.section) + "." + k.name);
  for (auto&& [section, node] : root) {
    const auto* table = node.as_table();
    const std::string sec(section.str());
    if (!table) return std::unexpected("calibration " + origin + ": '" + sec + "' must be a [section]");
    for (auto&& [name, value] : *table) {
      const std::string full = sec + "." + std::string(name.str());
      bool found = false;
      for (const auto& k : known) found = found || k == full;
      if (!found) {
        return std::unexpected("calibration " + origin + ": unknown key " + full + " (line " +
                               std::to_string(value.source().begin.line) + "); see docs/GENERATOR.md");
      }
    }
  }
  return {};
}

std::expected<void, std::string> read_header(const Reader& r, MarketModelParams& p) {
  const auto* version = r.find("model", "version");
  if (!version) return std::unexpected(r.error("model.version", "missing"));
  if (version->value_exact<std::int64_t>() != kModelVersion) {
    return std::unexpected(r.error("model.version", "expected " + std::to_string(kModelVersion)));
  }
  const auto* symbol = r.find("market", "symbol");
  if (!symbol) return std::unexpected(r.error("market.symbol", "missing"));
  auto s = symbol->value_exact<std::string>();
  if (!s || s->empty()) return std::unexpected(r.error("market.symbol", "expected a non-empty string"));
  p.symbol = *s;
  struct IntKey {
    const char* name;
    std::int64_t min, max;
    std::int64_t* field;
  };
  std::int64_t substeps = 0;
  for (const IntKey& k :
       {IntKey{"bar_interval_s", 1, 604800, &p.bar_interval_s}, IntKey{"substeps", 1, 64, &substeps}}) {
    const std::string key = std::string("market.") + k.name;
    const auto* n = r.find("market", k.name);
    if (!n) return std::unexpected(r.error(key, "missing"));
    auto v = n->value_exact<std::int64_t>();
    if (!v || *v < k.min || *v > k.max) {
      return std::unexpected(
          r.error(key, "expected an integer in [" + std::to_string(k.min) + ", " + std::to_string(k.max) + "]"));
    }
    *k.field = *v;
  }
  p.substeps = static_cast<int>(substeps);
  return {};
}

std::expected<void, std::string> read_transition(const Reader& r, MarketModelParams& p) {
  const std::string key = "regimes.transition";
  const auto* n = r.find("regimes", "transition");
  if (!n) return std::unexpected(r.error(key, "missing"));
  const auto* rows = n->as_array();
  const std::string shape = "expected " + std::to_string(kRegimes) + " rows of " + std::to_string(kRegimes) +
                            " probabilities in [0, 1], each row summing to 1";
  if (!rows || rows->size() != kRegimes) return std::unexpected(r.error(key, shape));
  for (int i = 0; i < kRegimes; ++i) {
    const auto* row = (*rows)[static_cast<std::size_t>(i)].as_array();
    if (!row || row->size() != kRegimes) return std::unexpected(r.error(key, shape));
    double sum = 0;
    for (int j = 0; j < kRegimes; ++j) {
      auto v = as_real(row->get(static_cast<std::size_t>(j)));
      if (!v || !in_range(*v, 0, 1, false, false)) {
        return std::unexpected(r.error(key + "[" + std::to_string(i) + "][" + std::to_string(j) + "]", shape));
      }
      p.regime_transition[i][j] = *v;
      sum += *v;
    }
    if (std::fabs(sum - 1.0) > 1e-9) {
      return std::unexpected(r.error(key + "[" + std::to_string(i) + "]", "sums to " + real_text(sum) + "; " + shape));
    }
  }
  return {};
}

}  // namespace

std::string market_model_toml(const MarketModelParams& p, const CalibrationProvenance& prov) {
  std::ostringstream os;
  os << "# Verity market generator calibration (docs/GENERATOR.md). Written by `verity data calibrate`:\n"
     << "# edit by re-running it, not by hand.\n";
  if (!prov.command.empty()) os << "# command: " << prov.command << "\n";
  if (!prov.source_file.empty()) {
    os << "# source: " << prov.source_file << "\n"
       << "# source rows: " << prov.source_rows << "\n"
       << "# source xxh3-128: " << prov.source_hash << "\n";
  }
  std::istringstream notes(prov.notes);
  for (std::string line; std::getline(notes, line);) os << "# " << line << "\n";
  os << "\n[model]\nversion = " << kModelVersion << "\n";
  os << "\n[market]\n"
     << "symbol = \"" << p.symbol << "\"\n"
     << "bar_interval_s = " << p.bar_interval_s << "\n"
     << "substeps = " << p.substeps << "\n";
  MarketModelParams& mp = const_cast<MarketModelParams&>(p);
  std::string section = "market";
  for (const auto& k : real_keys()) {
    if (k.section != section) {
      section = k.section;
      os << "\n[" << section << "]\n";
    }
    os << k.name << " = " << real_text(k.field(mp)) << "  # " << k.doc << "\n";
  }
  section.clear();
  for (const auto& k : array_keys()) {
    if (k.section != section) {
      section = k.section;
      os << "\n[" << section << "]\n";
    }
    os << "# " << k.doc << "\n" << k.name << " = [";
    const double* a = k.field(mp);
    for (std::size_t i = 0; i < k.size; ++i) os << (i ? ", " : "") << real_text(a[i]);
    os << "]\n";
  }
  os << "# per-bar transition probabilities: row = from, column = to (low, normal, high)\ntransition = [\n";
  for (int i = 0; i < kRegimes; ++i) os << "  " << array_text(p.regime_transition[i]) << ",\n";
  os << "]\n";
  return os.str();
}

std::expected<MarketModelParams, std::string> parse_market_model(const std::string& text, const std::string& origin) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << "calibration " << origin << " line " << e.source().begin.line << ", column " << e.source().begin.column
       << ": " << e.description();
    return std::unexpected(os.str());
  }
  if (auto ok = check_unknown(root, origin); !ok) return std::unexpected(ok.error());
  const Reader r(root, origin);
  MarketModelParams p;
  if (auto ok = read_header(r, p); !ok) return std::unexpected(ok.error());
  for (const auto& k : real_keys()) {
    const std::string key = std::string(k.section) + "." + k.name;
    const auto* n = r.find(k.section, k.name);
    if (!n) return std::unexpected(r.error(key, "missing (" + std::string(k.doc) + ")"));
    auto v = as_real(n);
    if (!v || !in_range(*v, k.min, k.max, k.min_open, k.max_open)) {
      return std::unexpected(r.error(key, "expected a number in " + range_text(k.min, k.max, k.min_open, k.max_open)));
    }
    k.field(p) = *v;
  }
  for (const auto& k : array_keys()) {
    const std::string key = std::string(k.section) + "." + k.name;
    const auto* n = r.find(k.section, k.name);
    if (!n) return std::unexpected(r.error(key, "missing (" + std::string(k.doc) + ")"));
    const std::string want =
        "expected " + std::to_string(k.size) + " numbers in " + range_text(k.min, k.max, true, false);
    const auto* arr = n->as_array();
    if (!arr || arr->size() != k.size) return std::unexpected(r.error(key, want));
    double* out = k.field(p);
    for (std::size_t i = 0; i < k.size; ++i) {
      auto v = as_real(arr->get(i));
      if (!v || !in_range(*v, k.min, k.max, true, false)) {
        return std::unexpected(r.error(key + "[" + std::to_string(i) + "]", want));
      }
      out[i] = *v;
    }
  }
  if (auto ok = read_transition(r, p); !ok) return std::unexpected(ok.error());
  // The recursion's mean shock is 1 without jumps and k^2 on a jump bar (the clip).
  const double k2 = p.jump_threshold_sigma * p.jump_threshold_sigma;
  const double persistence = p.garch_alpha * (1.0 - p.jump_probability + p.jump_probability * k2) + p.garch_beta;
  if (!(persistence < 1.0)) {
    return std::unexpected(r.error(
        "garch.alpha", "alpha * (1 + jumps.probability * (threshold_sigma^2 - 1)) + beta = " + real_text(persistence) +
                           "; expected below 1 (a stationary variance)"));
  }
  return p;
}

std::expected<LoadedMarketModel, std::string> load_market_model(const std::string& path) {
  auto resolved = resolve_project_path(path, "market.calibration", PathKind::file);
  if (!resolved) return std::unexpected(resolved.error());
  std::ifstream in(*resolved, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in.good() && !in.eof()) return std::unexpected("calibration " + *resolved + ": cannot read the file");
  const std::string text = ss.str();
  auto params = parse_market_model(text, *resolved);
  if (!params) return std::unexpected(params.error());
  return LoadedMarketModel{*resolved, hash128(text), *params};
}

}  // namespace verity
