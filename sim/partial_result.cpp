#include "sim/partial_result.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "actors/runtime/json_words.hpp"
#include "sim/challenge_runner.hpp"

namespace verity {
namespace {

using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

// --- writing -------------------------------------------------------------------

/// A double as a JSON number, or "nan" / "inf" / "-inf" (JSON has none).
ojson num(double v) {
  if (std::isfinite(v)) return v;
  if (std::isnan(v)) return "nan";
  return v > 0 ? "inf" : "-inf";
}

ojson doubles(const std::vector<double>& values) {
  ojson a = ojson::array();
  for (double v : values) a.push_back(num(v));
  return a;
}

ojson metrics_json(const AttemptMetrics& m) {
  ojson j;
  j["return_pct"] = num(m.return_pct);
  j["sharpe"] = num(m.sharpe);
  j["sortino"] = num(m.sortino);
  j["max_drawdown_pct"] = num(m.max_drawdown_pct);
  j["cagr_pct"] = num(m.cagr_pct);
  j["mar"] = num(m.mar);
  j["trades"] = m.trades;
  j["win_rate_pct"] = num(m.win_rate_pct);
  j["profit_factor"] = num(m.profit_factor);
  j["expectancy_usd"] = num(m.expectancy_usd);
  j["avg_r"] = num(m.avg_r);
  j["exposure_pct"] = num(m.exposure_pct);
  j["session_wins"] = m.session_wins;
  j["session_trades"] = m.session_trades;
  j["buy_hold_return_pct"] = num(m.buy_hold_return_pct);
  j["days"] = num(m.days);
  j["daily_returns"] = doubles(m.daily_returns);
  return j;
}

ojson attempt_json(const AttemptResult& a) {
  ojson j;
  j["index"] = a.index;
  j["seed"] = a.seed;
  j["outcome"] = std::string(outcome_name(a.outcome));
  j["phase"] = a.phase;
  j["days"] = num(a.days);
  j["trading_days"] = a.trading_days;
  j["start_ns"] = a.start_ns;
  j["end_ns"] = a.end_ns;
  j["bars"] = a.bars;
  j["equity_end_usd"] = num(a.equity_end_usd);
  j["final_hash"] = a.final_hash;
  j["breach_rule"] = a.breach_rule;
  j["breach_time_ns"] = a.breach_time_ns;
  j["breach_equity_usd"] = num(a.breach_equity_usd);
  j["breach_reference_usd"] = num(a.breach_reference_usd);
  j["breach_limit_usd"] = num(a.breach_limit_usd);
  j["breach_loss_usd"] = num(a.breach_loss_usd);
  j["breach_gap_through_stop"] = a.breach_gap_through_stop;
  j["detail"] = a.detail;
  j["metrics"] = metrics_json(a.metrics);
  ojson curve = ojson::array();
  for (const EquityPoint& p : a.curve) curve.push_back(ojson::array({p.time_ns, num(p.equity_usd)}));
  j["curve"] = std::move(curve);
  ojson checks = ojson::object();
  for (const auto& [name, held] : a.checks) checks[name] = held;
  j["checks"] = std::move(checks);
  j["check_failures"] = a.check_failures;
  return j;
}

ojson batch_json(const BatchSpec& b) {
  ojson j;
  j["scenario"] = b.scenario;
  j["config_hash"] = b.config_hash;
  j["build_id"] = b.build_id;
  j["variant"] = b.variant;
  j["seed"] = b.base_seed;
  j["seeds"] = b.seeds;
  j["checks"] = b.checks;
  j["gate_attempts"] = b.gate_attempts;
  j["gate_required_pct"] = num(b.gate_required_pct);
  return j;
}

// --- reading -------------------------------------------------------------------
// Decoding errors are thrown as FieldError inside this file only and turned
// into an error value by parse_partial.

struct FieldError {
  std::string message;
};

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw FieldError{path + ": " + what}; }

[[noreturn]] void wrong_type(const std::string& path, const char* expected, const json& got) {
  fail(path, fmt::format("expected {}, got {}", expected, json_type_words(got)));
}

/// One JSON object's fields, each read by name with its path in errors.
class Obj {
 public:
  Obj(const json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) wrong_type(path_.empty() ? "partial" : path_, "an object", j_);
  }

  std::string at(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

  const json& get(const char* key) const {
    const auto it = j_.find(key);
    if (it == j_.end()) fail(at(key), "missing");
    return *it;
  }

  std::uint64_t u64(const char* key) const { return read_u64(get(key), at(key)); }
  std::int64_t i64(const char* key) const { return read_i64(get(key), at(key)); }
  int i32(const char* key) const {
    const std::int64_t v = i64(key);
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) fail(at(key), "out of range");
    return static_cast<int>(v);
  }
  double f64(const char* key) const { return read_double(get(key), at(key)); }
  bool boolean(const char* key) const {
    const json& v = get(key);
    if (!v.is_boolean()) wrong_type(at(key), "true or false", v);
    return v.get<bool>();
  }
  std::string str(const char* key) const { return read_string(get(key), at(key)); }
  const json& array(const char* key) const {
    const json& v = get(key);
    if (!v.is_array()) wrong_type(at(key), "an array", v);
    return v;
  }

  static std::uint64_t read_u64(const json& v, const std::string& path) {
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    if (v.is_number_integer()) fail(path, "expected an integer >= 0, got a negative one");
    wrong_type(path, "an integer", v);
  }
  static std::int64_t read_i64(const json& v, const std::string& path) {
    if (v.is_number_unsigned()) {
      const auto u = v.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) fail(path, "out of range");
      return static_cast<std::int64_t>(u);
    }
    if (v.is_number_integer()) return v.get<std::int64_t>();
    wrong_type(path, "an integer", v);
  }
  static double read_double(const json& v, const std::string& path) {
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
      const auto& s = v.get_ref<const std::string&>();
      if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
      if (s == "inf") return std::numeric_limits<double>::infinity();
      if (s == "-inf") return -std::numeric_limits<double>::infinity();
    }
    wrong_type(path, "a number", v);
  }
  static std::string read_string(const json& v, const std::string& path) {
    if (!v.is_string()) wrong_type(path, "a string", v);
    return v.get<std::string>();
  }

 private:
  const json& j_;
  std::string path_;
};

std::string item(const std::string& path, std::size_t i) { return fmt::format("{}[{}]", path, i); }

std::vector<double> read_doubles(const json& a, const std::string& path) {
  std::vector<double> out;
  out.reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) out.push_back(Obj::read_double(a[i], item(path, i)));
  return out;
}

std::vector<std::string> read_strings(const Obj& o, const char* key) {
  const json& a = o.array(key);
  std::vector<std::string> out;
  out.reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) out.push_back(Obj::read_string(a[i], item(o.at(key), i)));
  return out;
}

std::array<std::uint64_t, 3> read_triple(const Obj& o, const char* key) {
  const json& a = o.array(key);
  if (a.size() != 3) fail(o.at(key), fmt::format("expected 3 counts (asia, europe, us), got {}", a.size()));
  std::array<std::uint64_t, 3> out{};
  for (std::size_t i = 0; i < 3; ++i) out[i] = Obj::read_u64(a[i], item(o.at(key), i));
  return out;
}

AttemptMetrics read_metrics(const Obj& o) {
  AttemptMetrics m;
  m.return_pct = o.f64("return_pct");
  m.sharpe = o.f64("sharpe");
  m.sortino = o.f64("sortino");
  m.max_drawdown_pct = o.f64("max_drawdown_pct");
  m.cagr_pct = o.f64("cagr_pct");
  m.mar = o.f64("mar");
  m.trades = o.u64("trades");
  m.win_rate_pct = o.f64("win_rate_pct");
  m.profit_factor = o.f64("profit_factor");
  m.expectancy_usd = o.f64("expectancy_usd");
  m.avg_r = o.f64("avg_r");
  m.exposure_pct = o.f64("exposure_pct");
  m.session_wins = read_triple(o, "session_wins");
  m.session_trades = read_triple(o, "session_trades");
  m.buy_hold_return_pct = o.f64("buy_hold_return_pct");
  m.days = o.f64("days");
  m.daily_returns = read_doubles(o.array("daily_returns"), o.at("daily_returns"));
  return m;
}

AttemptOutcome read_outcome(const Obj& o) {
  const std::string name = o.str("outcome");
  for (AttemptOutcome a : {AttemptOutcome::passed, AttemptOutcome::breached, AttemptOutcome::expired,
                           AttemptOutcome::failed}) {
    if (outcome_name(a) == name) return a;
  }
  fail(o.at("outcome"), "\"" + name + "\" is not passed, breached, expired or failed");
}

AttemptResult read_attempt(const Obj& o) {
  AttemptResult a;
  a.index = o.u64("index");
  a.seed = o.u64("seed");
  a.outcome = read_outcome(o);
  a.phase = o.i32("phase");
  a.days = o.f64("days");
  a.trading_days = o.i32("trading_days");
  a.start_ns = o.i64("start_ns");
  a.end_ns = o.i64("end_ns");
  a.bars = o.u64("bars");
  a.equity_end_usd = o.f64("equity_end_usd");
  a.final_hash = o.str("final_hash");
  a.breach_rule = o.str("breach_rule");
  a.breach_time_ns = o.i64("breach_time_ns");
  a.breach_equity_usd = o.f64("breach_equity_usd");
  a.breach_reference_usd = o.f64("breach_reference_usd");
  a.breach_limit_usd = o.f64("breach_limit_usd");
  a.breach_loss_usd = o.f64("breach_loss_usd");
  a.breach_gap_through_stop = o.boolean("breach_gap_through_stop");
  a.detail = o.str("detail");
  a.metrics = read_metrics(Obj(o.get("metrics"), o.at("metrics")));
  const json& curve = o.array("curve");
  for (std::size_t i = 0; i < curve.size(); ++i) {
    const std::string path = item(o.at("curve"), i);
    if (!curve[i].is_array() || curve[i].size() != 2) wrong_type(path, "[time_ns, equity_usd]", curve[i]);
    a.curve.push_back({Obj::read_i64(curve[i][0], path + "[0]"), Obj::read_double(curve[i][1], path + "[1]")});
  }
  const json& checks = o.get("checks");
  if (!checks.is_object()) wrong_type(o.at("checks"), "an object", checks);
  for (const auto& [name, held] : checks.items()) {
    if (!held.is_boolean()) wrong_type(o.at("checks") + "." + name, "true or false", held);
    a.checks[name] = held.get<bool>();
  }
  a.check_failures = read_strings(o, "check_failures");
  return a;
}

BatchSpec read_batch(const Obj& o) {
  BatchSpec b;
  b.scenario = o.str("scenario");
  b.config_hash = o.str("config_hash");
  b.build_id = o.str("build_id");
  b.variant = o.str("variant");
  b.base_seed = o.u64("seed");
  b.seeds = o.u64("seeds");
  b.checks = read_strings(o, "checks");
  b.gate_attempts = o.u64("gate_attempts");
  b.gate_required_pct = o.f64("gate_required_pct");
  return b;
}

PartialResult read_partial_json(const json& j) {
  const Obj top(j, "");
  const std::string format = top.str("format");
  if (format != kPartialFormat) {
    fail("format", fmt::format("\"{}\" is not \"{}\"{}", format, kPartialFormat,
                               format.starts_with("verity-challenge-partial/")
                                   ? " (written by another version of verity: merge with the binary that ran the batch)"
                                   : ""));
  }
  PartialResult p;
  p.batch = read_batch(Obj(top.get("batch"), "batch"));
  const Obj range(top.get("range"), "range");
  p.from = range.u64("from");
  p.to = range.u64("to");
  if (p.batch.seeds == 0) fail("batch.seeds", "is 0; a batch has at least one attempt");
  if (!(p.from < p.to)) fail("range", fmt::format("[{}, {}) is empty; from must be below to", p.from, p.to));
  if (p.to > p.batch.seeds) {
    fail("range", fmt::format("[{}, {}) ends beyond the batch of {} attempts (batch.seeds)", p.from, p.to, p.batch.seeds));
  }
  const std::uint64_t threads = top.u64("threads");
  if (threads > std::numeric_limits<unsigned>::max()) fail("threads", "out of range");
  p.threads = static_cast<unsigned>(threads);
  p.elapsed_s = top.f64("elapsed_s");
  const json& attempts = top.array("attempts");
  if (attempts.size() != p.to - p.from) {
    fail("attempts", fmt::format("{} entries for the range [{}, {}); expected {}", attempts.size(), p.from, p.to,
                                 p.to - p.from));
  }
  p.attempts.reserve(attempts.size());
  for (std::size_t k = 0; k < attempts.size(); ++k) {
    const std::string path = item("attempts", k);
    p.attempts.push_back(read_attempt(Obj(attempts[k], path)));
    if (p.attempts.back().index != p.from + k) {
      fail(path + ".index", fmt::format("is {}; expected {} (attempts are in index order from range.from)",
                                        p.attempts.back().index, p.from + k));
    }
  }
  return p;
}

/// The first batch field in which two specs differ, with both values; empty when equal.
std::string first_difference(const BatchSpec& a, const BatchSpec& b) {
  auto quoted = [](const std::string& s) { return "\"" + s + "\""; };
  auto list = [](const std::vector<std::string>& v) { return "[" + fmt::format("{}", fmt::join(v, ",")) + "]"; };
  if (a.scenario != b.scenario) return fmt::format("batch.scenario ({} vs {})", quoted(a.scenario), quoted(b.scenario));
  if (a.base_seed != b.base_seed) return fmt::format("batch.seed ({} vs {})", a.base_seed, b.base_seed);
  if (a.seeds != b.seeds) return fmt::format("batch.seeds ({} vs {})", a.seeds, b.seeds);
  // The seed is in the config too: name it first, it is the likelier mistake.
  if (a.config_hash != b.config_hash) return fmt::format("batch.config_hash ({} vs {})", a.config_hash, b.config_hash);
  if (a.build_id != b.build_id) return fmt::format("batch.build_id ({} vs {})", quoted(a.build_id), quoted(b.build_id));
  if (a.variant != b.variant) return fmt::format("batch.variant ({} vs {})", quoted(a.variant), quoted(b.variant));
  if (a.checks != b.checks) return fmt::format("batch.checks ({} vs {})", list(a.checks), list(b.checks));
  if (a.gate_attempts != b.gate_attempts) {
    return fmt::format("batch.gate_attempts ({} vs {})", a.gate_attempts, b.gate_attempts);
  }
  if (a.gate_required_pct != b.gate_required_pct) {
    return fmt::format("batch.gate_required_pct ({} vs {})", a.gate_required_pct, b.gate_required_pct);
  }
  return "";
}

std::string span(std::uint64_t from, std::uint64_t to) {
  return to == from + 1 ? fmt::format("attempt {}", from) : fmt::format("attempts [{}, {})", from, to);
}

}  // namespace

IndexRange split_range(std::uint64_t seeds, std::uint64_t count, std::uint64_t index) {
  const std::uint64_t base = seeds / count, extra = seeds % count;
  IndexRange r;
  r.from = index * base + std::min(index, extra);
  r.to = r.from + base + (index < extra ? 1 : 0);
  return r;
}

std::string partial_text(const PartialResult& p) {
  ojson j;
  j["format"] = std::string(kPartialFormat);
  j["batch"] = batch_json(p.batch);
  j["range"] = ojson{{"from", p.from}, {"to", p.to}};
  j["threads"] = p.threads;
  j["elapsed_s"] = num(p.elapsed_s);
  ojson attempts = ojson::array();
  for (const AttemptResult& a : p.attempts) attempts.push_back(attempt_json(a));
  j["attempts"] = std::move(attempts);
  return j.dump(-1, ' ', false, ojson::error_handler_t::replace) + "\n";
}

std::expected<PartialResult, std::string> parse_partial(std::string_view text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 9: ..." without the tag.
    if (const auto close = what.find("] "); what.starts_with("[json.exception") && close != std::string::npos) {
      what.erase(0, close + 2);
    }
    return std::unexpected("not valid JSON (truncated or corrupt?): " + what);
  }
  try {
    return read_partial_json(j);
  } catch (const FieldError& e) {
    return std::unexpected(e.message);
  } catch (const json::exception& e) {
    return std::unexpected(std::string("unreadable field: ") + e.what());
  }
}

std::expected<void, std::string> check_partial_writable(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), ec);
    if (ec) return std::unexpected(fmt::format("cannot create {}: {}", target.parent_path().string(), ec.message()));
  }
  if (fs::is_directory(target, ec)) return std::unexpected(fmt::format("cannot write {}: Is a directory", path));
  const std::string probe = path + ".probe";
  std::FILE* f = std::fopen(probe.c_str(), "wb");
  if (!f) return std::unexpected(fmt::format("cannot write {}: {}", probe, std::strerror(errno)));
  std::fclose(f);
  fs::remove(probe, ec);
  return {};
}

std::expected<void, std::string> write_partial(const std::string& path, const PartialResult& partial) {
  if (auto ok = check_partial_writable(path); !ok) return ok;
  const std::string tmp = path + ".tmp";
  const std::string text = partial_text(partial);
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return std::unexpected(fmt::format("cannot write {}: {}", tmp, std::strerror(errno)));
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int write_errno = errno;
  if (std::fclose(f) != 0 || !written) {
    std::remove(tmp.c_str());
    return std::unexpected(fmt::format("cannot write {}: {}", tmp, std::strerror(written ? errno : write_errno)));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return std::unexpected(fmt::format("cannot rename {} to {}: {}", tmp, path, ec.message()));
  return {};
}

std::expected<PartialResult, std::string> read_partial(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return std::unexpected(path + ": is a directory, not a partial file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  std::stringstream ss;
  ss << in.rdbuf();
  auto parsed = parse_partial(ss.str());
  if (!parsed) return std::unexpected(path + ": " + parsed.error());
  return parsed;
}

std::expected<MergedBatch, std::string> merge_partials(std::vector<NamedPartial> parts) {
  if (parts.empty()) return std::unexpected("no partial files given");
  const NamedPartial& first = parts.front();
  for (const NamedPartial& p : parts) {
    const std::string diff = first_difference(first.partial.batch, p.partial.batch);
    if (!diff.empty()) {
      return std::unexpected(fmt::format("{} is not of the batch of {}: they differ in {}", p.path, first.path, diff));
    }
  }
  std::stable_sort(parts.begin(), parts.end(),
                   [](const NamedPartial& a, const NamedPartial& b) { return a.partial.from < b.partial.from; });
  const std::uint64_t seeds = first.partial.batch.seeds;
  auto range_of = [](const NamedPartial& p) { return fmt::format("{} [{}, {})", p.path, p.partial.from, p.partial.to); };
  if (parts.front().partial.from > 0) {
    return std::unexpected(fmt::format("{} of the batch of {} is in no partial file (the first, {}, starts at {})",
                                       span(0, parts.front().partial.from), seeds, range_of(parts.front()),
                                       parts.front().partial.from));
  }
  for (std::size_t k = 1; k < parts.size(); ++k) {
    const PartialResult& prev = parts[k - 1].partial;
    const PartialResult& next = parts[k].partial;
    if (next.from > prev.to) {
      return std::unexpected(fmt::format("{} of the batch of {} is in no partial file (a gap between {} and {})",
                                         span(prev.to, next.from), seeds, range_of(parts[k - 1]), range_of(parts[k])));
    }
    if (next.from < prev.to) {
      return std::unexpected(fmt::format("{} would be merged twice: {} overlaps {}",
                                         span(next.from, std::min(prev.to, next.to)), range_of(parts[k - 1]),
                                         range_of(parts[k])));
    }
  }
  if (parts.back().partial.to < seeds) {
    return std::unexpected(fmt::format("{} of the batch of {} is in no partial file (the last, {}, ends at {})",
                                       span(parts.back().partial.to, seeds), seeds, range_of(parts.back()),
                                       parts.back().partial.to));
  }
  MergedBatch m;
  m.batch = parts.front().partial.batch;
  m.attempts.reserve(seeds);
  for (NamedPartial& p : parts) {
    m.threads += p.partial.threads;
    m.elapsed_s = std::max(m.elapsed_s, p.partial.elapsed_s);
    for (AttemptResult& a : p.partial.attempts) m.attempts.push_back(std::move(a));
  }
  return m;
}

PartialResult partial_of(const ChallengeRun& run) {
  PartialResult p;
  p.batch = run.batch;
  p.from = run.attempts.front().index;
  p.to = run.attempts.back().index + 1;
  p.threads = run.summary.threads;
  p.elapsed_s = run.summary.elapsed_s;
  p.attempts = run.attempts;
  return p;
}

}  // namespace verity
