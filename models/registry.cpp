#include "models/registry.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "actors/runtime/calendar.hpp"
#include "actors/runtime/rocksdb_store.hpp"

namespace verity {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// --- keys ---------------------------------------------------------------------
//
// registry family:
//   "m:format"                                   -> kFormat
//   'r' name 0x00 be32(major) be32(minor) be32(patch) -> record JSON
// Names never contain 0x00, so byte order is name order, then version order.

constexpr std::string_view kFormatKey = "m:format";
constexpr std::string_view kFormat = "verity-model-registry 1";
constexpr char kRecordTag = 'r';

void append_be32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::string name_prefix(const std::string& name) {
  std::string k(1, kRecordTag);
  k += name;
  k.push_back('\0');
  return k;
}

std::string name_prefix_end(const std::string& name) {
  std::string k(1, kRecordTag);
  k += name;
  k.push_back('\x01');
  return k;
}

std::string record_key(const std::string& name, const SemVer& v) {
  std::string k = name_prefix(name);
  append_be32(k, v.major);
  append_be32(k, v.minor);
  append_be32(k, v.patch);
  return k;
}

const std::string kAllRecordsFrom(1, kRecordTag);
const std::string kAllRecordsTo(1, static_cast<char>(kRecordTag + 1));

std::string file_name_of(const std::string& name, const std::string& version) {
  return "files/" + name + "-" + version + ".vmodel";
}

std::string fmt_value(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

std::string utc(std::int64_t t_ns) { return format_iso8601_ms(t_ns); }

// --- JSON ------------------------------------------------------------------------

json shape_to_json(const NetShape& s) {
  json j;
  j["kind"] = std::string(net_kind_name(s.kind));
  j["inputs"] = s.inputs;
  j["window"] = s.window;
  j["hidden"] = s.hidden;
  j["layers"] = s.layers;
  j["heads"] = s.heads;
  j["ff"] = s.ff;
  return j;
}

NetShape shape_from_json(const json& j) {
  NetShape s;
  auto kind = parse_net_kind(j.at("kind").get<std::string>());
  if (!kind) throw std::runtime_error("shape.kind: " + kind.error());
  s.kind = *kind;
  s.inputs = j.at("inputs").get<std::uint32_t>();
  s.window = j.at("window").get<std::uint32_t>();
  s.hidden = j.at("hidden").get<std::uint32_t>();
  s.layers = j.at("layers").get<std::uint32_t>();
  s.heads = j.at("heads").get<std::uint32_t>();
  s.ff = j.at("ff").get<std::uint32_t>();
  return s;
}

json gate_to_json(const GateResult& g) {
  json j;
  j["gate"] = g.gate;
  j["op"] = g.op;
  j["threshold"] = g.threshold;
  j["value"] = g.value ? json(*g.value) : json(nullptr);
  j["passed"] = g.passed;
  j["detail"] = g.detail;
  return j;
}

GateResult gate_from_json(const json& j) {
  GateResult g;
  g.gate = j.at("gate").get<std::string>();
  g.op = j.at("op").get<std::string>();
  g.threshold = j.at("threshold").get<double>();
  if (!j.at("value").is_null()) g.value = j.at("value").get<double>();
  g.passed = j.at("passed").get<bool>();
  g.detail = j.at("detail").get<std::string>();
  return g;
}

json deployment_to_json(const Deployment& d) {
  json j;
  j["seq"] = d.seq;
  j["promoted_ns"] = d.promoted_ns;
  j["retired_ns"] = d.retired_ns;
  j["by"] = d.by;
  j["override_reason"] = d.override_reason;
  j["overridden_gates"] = d.overridden_gates;
  return j;
}

Deployment deployment_from_json(const json& j) {
  Deployment d;
  d.seq = j.at("seq").get<std::uint64_t>();
  d.promoted_ns = j.at("promoted_ns").get<std::int64_t>();
  d.retired_ns = j.at("retired_ns").get<std::int64_t>();
  d.by = j.at("by").get<std::string>();
  d.override_reason = j.at("override_reason").get<std::string>();
  d.overridden_gates = j.at("overridden_gates").get<std::vector<std::string>>();
  return d;
}

json gate_config_to_json(const GateConfig& c) {
  json j;
  j["min_accuracy"] = c.min_accuracy;
  j["max_calibration_mae"] = c.max_calibration_mae;
  j["require_leakage_test"] = c.require_leakage_test;
  return j;
}

GateConfig gate_config_from_json(const json& j) {
  GateConfig c;
  c.min_accuracy = j.at("min_accuracy").get<double>();
  c.max_calibration_mae = j.at("max_calibration_mae").get<double>();
  c.require_leakage_test = j.at("require_leakage_test").get<bool>();
  return c;
}

Hash128 hash_from_json(const json& j, const char* field) {
  Hash128 h;
  if (!Hash128::from_hex(j.at(field).get<std::string>(), h)) {
    throw std::runtime_error(std::string(field) + " is not 32 hex digits");
  }
  return h;
}

// --- gates -----------------------------------------------------------------------

std::string_view json_type(const json& j) { return j.type_name(); }

/// One per-symbol gate: per_symbol.<symbol>.<metric> compared with `threshold`.
GateResult metric_gate(const json* per_symbol, const std::string& symbol, const char* metric, const char* gate,
                       const char* op, double threshold) {
  GateResult g{std::string(gate) + ":" + symbol, op, threshold, std::nullopt, false, ""};
  const std::string path = "per_symbol." + symbol + "." + metric;
  const json* entry = nullptr;
  if (per_symbol != nullptr) {
    auto it = per_symbol->find(symbol);
    if (it != per_symbol->end() && it->is_object() && it->contains(metric)) entry = &(*it)[metric];
  }
  if (entry == nullptr) {
    g.detail = "metric " + path + " missing";
    return g;
  }
  if (!entry->is_number()) {
    g.detail = "metric " + path + " is not a number (it is " + std::string(json_type(*entry)) + ")";
    return g;
  }
  const double v = entry->get<double>();
  if (!std::isfinite(v)) {
    g.detail = "metric " + path + " is not a finite number";
    return g;
  }
  g.value = v;
  if (v < 0.0 || v > 1.0) {
    g.detail = "metric " + path + " = " + fmt_value(v) + " is outside [0, 1]";
    return g;
  }
  const bool at_least = std::string_view(op) == ">=";
  g.passed = at_least ? v >= threshold : v <= threshold;
  if (!g.passed) g.detail = fmt_value(v) + (at_least ? " < " : " > ") + fmt_value(threshold);
  return g;
}

GateResult leakage_gate(const json& metrics, const GateConfig& config) {
  GateResult g{"leakage_test", "==", 1.0, std::nullopt, false, ""};
  std::string said;
  if (!metrics.is_object() || !metrics.contains("leakage_test")) {
    g.detail = "metric leakage_test missing";
    said = "missing";
  } else if (!metrics["leakage_test"].is_boolean()) {
    g.detail = "metric leakage_test is not a boolean (it is " + std::string(json_type(metrics["leakage_test"])) +
               "; true means the leakage test passed)";
    said = "not a boolean";
  } else {
    const bool passed = metrics["leakage_test"].get<bool>();
    g.value = passed ? 1.0 : 0.0;
    g.passed = passed;
    if (!passed) g.detail = "the leakage test failed";
    said = passed ? "passed" : "failed";
  }
  if (!config.require_leakage_test) {
    g.passed = true;
    g.detail = "not required by the gate config (the test " + said + ")";
  }
  return g;
}

std::string gate_line(const GateResult& g) {
  std::string line = g.gate + ": ";
  line += g.value ? fmt_value(*g.value) : std::string("missing");
  line += " " + g.op + " " + fmt_value(g.threshold) + " required";
  if (!g.detail.empty()) line += " (" + g.detail + ")";
  return line;
}

std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// --- files -----------------------------------------------------------------------

std::expected<std::string, std::string> read_bounded(const std::string& path, std::uint64_t max_bytes) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::unexpected("cannot read model file " + path + ": no such file");
  const auto size = fs::file_size(path, ec);
  if (ec) return std::unexpected("cannot read model file " + path + ": " + ec.message());
  if (size > max_bytes) {
    return std::unexpected("model file " + path + " is " + std::to_string(size) + " bytes, over the limit of " +
                           std::to_string(max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("cannot open model file " + path + ": " + std::strerror(errno));
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uint64_t>(in.gcount()) != size) {
    return std::unexpected("cannot read model file " + path + ": it changed while being read");
  }
  return bytes;
}

/// Writes `bytes` to `path` through a synced temporary file and a rename, so
/// the file appears whole or not at all.
std::expected<void, std::string> write_synced(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return std::unexpected("cannot write " + tmp + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return std::unexpected("cannot write " + tmp + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return std::unexpected("cannot sync " + tmp + ": " + why);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return std::unexpected("cannot rename " + tmp + " to " + path + ": " + why);
  }
  const std::string parent = fs::path(path).parent_path().string();
  const int dfd = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

std::string gate_config_error(const GateConfig& c) {
  auto bad = [](double v) { return !std::isfinite(v) || v < 0.0 || v > 1.0; };
  if (bad(c.min_accuracy)) return "gate min_accuracy " + fmt_value(c.min_accuracy) + " is not in [0, 1]";
  if (bad(c.max_calibration_mae)) {
    return "gate max_calibration_mae " + fmt_value(c.max_calibration_mae) + " is not in [0, 1]";
  }
  return "";
}

}  // namespace

// --- SemVer ----------------------------------------------------------------------

std::optional<SemVer> SemVer::parse(std::string_view text) {
  std::uint32_t parts[3] = {0, 0, 0};
  std::size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    if (i > 0) {
      if (pos >= text.size() || text[pos] != '.') return std::nullopt;
      ++pos;
    }
    const std::size_t start = pos;
    std::uint64_t v = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      v = v * 10 + static_cast<std::uint64_t>(text[pos] - '0');
      if (v > 0xffffffffull) return std::nullopt;
      ++pos;
    }
    if (pos == start) return std::nullopt;
    if (pos - start > 1 && text[start] == '0') return std::nullopt;  // no leading zeros
    parts[i] = static_cast<std::uint32_t>(v);
  }
  if (pos != text.size()) return std::nullopt;
  return SemVer{parts[0], parts[1], parts[2]};
}

std::string SemVer::text() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

// --- gates -----------------------------------------------------------------------

std::vector<GateResult> evaluate_gates(const json& metrics, const GateConfig& config,
                                       const std::vector<std::string>& symbols) {
  std::vector<GateResult> out;
  std::set<std::string> all(symbols.begin(), symbols.end());
  const json* per_symbol = nullptr;
  std::string problem = metrics.is_object() ? "metric per_symbol missing" : "metrics are not a JSON object";
  if (metrics.is_object() && metrics.contains("per_symbol")) {
    const json& p = metrics["per_symbol"];
    if (p.is_object()) {
      per_symbol = &p;
      for (const auto& item : p.items()) all.insert(item.key());
      problem = "metric per_symbol lists no symbols";
    } else {
      problem = "metric per_symbol is not an object (it is " + std::string(json_type(p)) + ")";
    }
  }
  if (all.empty()) {
    out.push_back({"accuracy", ">=", config.min_accuracy, std::nullopt, false, problem});
    out.push_back({"calibration_mae", "<=", config.max_calibration_mae, std::nullopt, false, problem});
  }
  for (const auto& s : all) {
    out.push_back(metric_gate(per_symbol, s, "accuracy", "accuracy", ">=", config.min_accuracy));
    out.push_back(metric_gate(per_symbol, s, "ece", "calibration_mae", "<=", config.max_calibration_mae));
  }
  out.push_back(leakage_gate(metrics, config));
  return out;
}

// --- records ---------------------------------------------------------------------

std::string_view model_status_name(ModelStatus s) {
  switch (s) {
    case ModelStatus::candidate: return "candidate";
    case ModelStatus::promoted: return "promoted";
    case ModelStatus::retired: return "retired";
  }
  return "unknown";
}

std::string ModelRecord::tag() const { return name + "@" + version; }

const Deployment* ModelRecord::current_deployment() const {
  if (deployments.empty() || deployments.back().retired_ns != 0) return nullptr;
  return &deployments.back();
}

ModelStatus ModelRecord::status() const {
  if (deployments.empty()) return ModelStatus::candidate;
  return current_deployment() ? ModelStatus::promoted : ModelStatus::retired;
}

std::string ModelRecord::status_text() const {
  std::string s(model_status_name(status()));
  if (const Deployment* d = current_deployment(); d && !d->override_reason.empty()) {
    s += " (gates overridden: " + d->override_reason + ")";
  }
  return s;
}

bool ModelRecord::gates_passed() const {
  return std::all_of(gates.begin(), gates.end(), [](const GateResult& g) { return g.passed; });
}

std::vector<GateResult> ModelRecord::failed_gates() const {
  std::vector<GateResult> out;
  for (const auto& g : gates) {
    if (!g.passed) out.push_back(g);
  }
  return out;
}

json record_to_json(const ModelRecord& r) {
  json j;
  j["name"] = r.name;
  j["version"] = r.version;
  j["tag"] = r.tag();
  j["status"] = r.status_text();
  j["file"] = r.file;
  j["file_hash"] = r.file_hash.hex();
  j["kind"] = r.kind();
  j["shape"] = shape_to_json(r.shape);
  j["parameters"] = r.parameters;
  j["features"] = r.features;
  j["symbols"] = r.symbols;
  j["horizon_bars"] = r.horizon_bars;
  j["seed"] = r.seed;
  j["train_data_hash"] = r.train_data_hash.hex();
  j["train_options"] = r.train_options;
  j["metrics"] = r.metrics;
  j["gate_config"] = gate_config_to_json(r.gate_config);
  j["gates"] = json::array();
  for (const auto& g : r.gates) j["gates"].push_back(gate_to_json(g));
  j["created_ns"] = r.created_ns;
  j["deployments"] = json::array();
  for (const auto& d : r.deployments) j["deployments"].push_back(deployment_to_json(d));
  return j;
}

std::expected<ModelRecord, std::string> record_from_json(const json& j) {
  ModelRecord r;
  try {
    r.name = j.at("name").get<std::string>();
    r.version = j.at("version").get<std::string>();
    r.file = j.at("file").get<std::string>();
    r.file_hash = hash_from_json(j, "file_hash");
    r.shape = shape_from_json(j.at("shape"));
    r.parameters = j.at("parameters").get<std::uint64_t>();
    r.features = j.at("features").get<std::vector<std::string>>();
    r.symbols = j.at("symbols").get<std::vector<std::string>>();
    r.horizon_bars = j.at("horizon_bars").get<std::int64_t>();
    r.seed = j.at("seed").get<std::uint64_t>();
    r.train_data_hash = hash_from_json(j, "train_data_hash");
    r.train_options = j.at("train_options");
    r.metrics = j.at("metrics");
    r.gate_config = gate_config_from_json(j.at("gate_config"));
    for (const auto& g : j.at("gates")) r.gates.push_back(gate_from_json(g));
    r.created_ns = j.at("created_ns").get<std::int64_t>();
    for (const auto& d : j.at("deployments")) r.deployments.push_back(deployment_from_json(d));
  } catch (const std::exception& e) {
    return std::unexpected(std::string("a field is missing or has the wrong type: ") + e.what());
  }
  if (!valid_model_name(r.name)) return std::unexpected("name \"" + r.name + "\" is not a valid model name");
  if (!SemVer::parse(r.version)) return std::unexpected("version \"" + r.version + "\" is not MAJOR.MINOR.PATCH");
  if (r.file != file_name_of(r.name, r.version)) {
    return std::unexpected("file \"" + r.file + "\" is not " + file_name_of(r.name, r.version));
  }
  for (std::size_t i = 0; i + 1 < r.deployments.size(); ++i) {
    if (r.deployments[i].retired_ns == 0) {
      return std::unexpected("deployment " + std::to_string(i + 1) + " is not the last but was never retired");
    }
  }
  return r;
}

namespace {

std::expected<ModelRecord, std::string> parse_record(std::string_view value) {
  json j = json::parse(value, nullptr, false);
  if (j.is_discarded()) return std::unexpected(std::string("it is not JSON"));
  return record_from_json(j);
}

}  // namespace

bool valid_model_name(std::string_view name) {
  if (name.empty() || name.size() > 100) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

// --- the registry ------------------------------------------------------------------

ModelRegistry::ModelRegistry(std::string dir, std::unique_ptr<RocksDbStore> store, bool read_only)
    : dir_(std::move(dir)), store_(std::move(store)), read_only_(read_only) {}
ModelRegistry::ModelRegistry(ModelRegistry&&) noexcept = default;
ModelRegistry& ModelRegistry::operator=(ModelRegistry&&) noexcept = default;
ModelRegistry::~ModelRegistry() = default;

std::expected<ModelRegistry, std::string> ModelRegistry::open(const std::string& dir, bool create) {
  return open_impl(dir, create, false);
}

std::expected<ModelRegistry, std::string> ModelRegistry::open_read_only(const std::string& dir) {
  return open_impl(dir, false, true);
}

std::expected<ModelRegistry, std::string> ModelRegistry::open_impl(const std::string& dir, bool create,
                                                                   bool read_only) {
  const fs::path db = fs::path(dir) / "db";
  std::error_code ec;
  const bool existed = fs::exists(db / "CURRENT", ec);
  if (!existed && !create) {
    return std::unexpected("no model registry at " + dir + " (there is no " + (db / "CURRENT").string() +
                           "): make one by training a model with `verity train`, or register a model file with "
                           "`verity models add FILE --metrics METRICS.json --registry " +
                           dir + "`");
  }
  if (!read_only) {
    fs::create_directories(fs::path(dir) / "files", ec);
    if (ec) return std::unexpected("cannot create the model registry folder " + dir + ": " + ec.message());
  }
  auto store = read_only ? RocksDbStore::open_read_only(db.string()) : RocksDbStore::open(db.string(), Durability::synced);
  if (!store) {
    return std::unexpected("cannot open the model registry at " + dir + ": " + store.error() +
                           (read_only ? "" : " (is another process writing to it?)"));
  }
  auto format = (*store)->get(Family::registry, kFormatKey);
  if (!format) return std::unexpected("cannot read the model registry at " + dir + ": " + format.error());
  if (!*format) {
    bool empty = true;
    auto scanned = (*store)->scan(Family::registry, "", std::string(1, '\xff'), [&](std::string_view, std::string_view) {
      empty = false;
      return false;
    });
    if (!scanned) return std::unexpected("cannot read the model registry at " + dir + ": " + scanned.error());
    if (read_only || !empty || (existed && !create)) {
      return std::unexpected(db.string() + " is a RocksDB database but not a model registry (it has no \"" +
                             std::string(kFormatKey) + "\" marker)");
    }
    (*store)->put(Family::registry, kFormatKey, kFormat);
    if (auto ok = (*store)->commit(); !ok) {
      return std::unexpected("cannot initialise the model registry at " + dir + ": " + ok.error());
    }
  } else if (**format != kFormat) {
    return std::unexpected("the model registry at " + dir + " has format \"" + **format + "\"; this build reads \"" +
                           std::string(kFormat) + "\"");
  }
  return ModelRegistry(dir, std::move(*store), read_only);
}

std::expected<void, std::string> ModelRegistry::writable(const char* what) const {
  if (read_only_) {
    return std::unexpected(std::string("cannot ") + what + ": the model registry at " + dir_ + " was opened read-only");
  }
  return {};
}

std::string ModelRegistry::file_path(const ModelRecord& record) const {
  return (fs::path(dir_) / record.file).string();
}

std::expected<std::vector<ModelRecord>, std::string> ModelRegistry::list() {
  std::vector<ModelRecord> out;
  std::string damaged;
  auto ok = store_->scan(Family::registry, kAllRecordsFrom, kAllRecordsTo, [&](std::string_view key, std::string_view value) {
    auto r = parse_record(value);
    if (!r) {
      damaged = "a record in the model registry at " + dir_ + " is damaged: " + r.error();
      return false;
    }
    if (key != record_key(r->name, *SemVer::parse(r->version))) {
      damaged = "record " + r->tag() + " in the model registry at " + dir_ + " is stored under another key";
      return false;
    }
    out.push_back(std::move(*r));
    return true;
  });
  if (!ok) return std::unexpected("cannot read the model registry at " + dir_ + ": " + ok.error());
  if (!damaged.empty()) return std::unexpected(damaged);
  return out;
}

std::expected<std::vector<ModelRecord>, std::string> ModelRegistry::versions(const std::string& name) {
  std::vector<ModelRecord> out;
  if (!valid_model_name(name)) return out;
  std::string damaged;
  auto ok = store_->scan(Family::registry, name_prefix(name), name_prefix_end(name),
                         [&](std::string_view, std::string_view value) {
                           auto r = parse_record(value);
                           if (!r) {
                             damaged = "a record of " + name + " in the model registry at " + dir_ +
                                       " is damaged: " + r.error();
                             return false;
                           }
                           out.push_back(std::move(*r));
                           return true;
                         });
  if (!ok) return std::unexpected("cannot read the model registry at " + dir_ + ": " + ok.error());
  if (!damaged.empty()) return std::unexpected(damaged);
  return out;
}

std::expected<std::optional<ModelRecord>, std::string> ModelRegistry::find(const std::string& name,
                                                                           const SemVer& version) {
  auto value = store_->get(Family::registry, record_key(name, version));
  if (!value) return std::unexpected("cannot read the model registry at " + dir_ + ": " + value.error());
  if (!*value) return std::optional<ModelRecord>{};
  auto r = parse_record(**value);
  if (!r) {
    return std::unexpected("record " + name + "@" + version.text() + " in the model registry at " + dir_ +
                           " is damaged: " + r.error());
  }
  return std::optional<ModelRecord>{std::move(*r)};
}

std::string ModelRegistry::missing_tag_error(const std::string& what) {
  auto all = list();
  if (!all) return "no model " + what + " in the registry at " + dir_ + " (and it cannot be listed: " + all.error() + ")";
  if (all->empty()) {
    return "no model " + what + " in the registry at " + dir_ +
           ": it is empty (register one with `verity train` or `verity models add`)";
  }
  constexpr std::size_t kListed = 50;
  std::string held;
  for (std::size_t i = 0; i < all->size() && i < kListed; ++i) {
    held += (i ? ", " : "") + (*all)[i].tag();
    if ((*all)[i].status() == ModelStatus::promoted) held += " (promoted)";
  }
  if (all->size() > kListed) held += " and " + std::to_string(all->size() - kListed) + " more";
  return "no model " + what + " in the registry at " + dir_ + "; it holds: " + held;
}

std::string ModelRegistry::no_promoted_error(const std::string& name) const {
  return "no promoted version of " + name + " in registry " + dir_ + ": promote one with `verity models promote " +
         name + "@VERSION`";
}

std::expected<ModelRecord, std::string> ModelRegistry::get_exact(const std::string& name, const std::string& version) {
  const auto v = SemVer::parse(version);
  if (!valid_model_name(name) || !v) {
    return std::unexpected("\"" + name + "@" + version +
                           "\" is not a model tag: expected NAME@MAJOR.MINOR.PATCH (e.g. lstm-BTCUSDT@1.0.0) or NAME");
  }
  auto r = find(name, *v);
  if (!r) return std::unexpected(r.error());
  if (!*r) return std::unexpected(missing_tag_error(name + "@" + version));
  return std::move(**r);
}

std::expected<ModelRecord, std::string> ModelRegistry::get(const std::string& tag) {
  const auto at = tag.find('@');
  if (at != std::string::npos) return get_exact(tag.substr(0, at), tag.substr(at + 1));
  if (!valid_model_name(tag)) {
    return std::unexpected("\"" + tag +
                           "\" is not a model tag: expected NAME@MAJOR.MINOR.PATCH (e.g. lstm-BTCUSDT@1.0.0) or NAME");
  }
  auto p = promoted(tag);
  if (!p) return std::unexpected(p.error());
  if (*p) return std::move(**p);
  auto vs = versions(tag);
  if (!vs) return std::unexpected(vs.error());
  if (vs->empty()) return std::unexpected(missing_tag_error(tag));
  return std::unexpected(no_promoted_error(tag));
}

std::expected<std::optional<ModelRecord>, std::string> ModelRegistry::promoted(const std::string& name) {
  auto vs = versions(name);
  if (!vs) return std::unexpected(vs.error());
  std::optional<ModelRecord> found;
  for (auto& r : *vs) {
    if (r.status() != ModelStatus::promoted) continue;
    if (found) {
      return std::unexpected("the model registry at " + dir_ + " is damaged: both " + found->tag() + " and " +
                             r.tag() + " are promoted");
    }
    found = std::move(r);
  }
  return found;
}

std::expected<std::string, std::string> ModelRegistry::next_version(const std::string& name) {
  auto vs = versions(name);
  if (!vs) return std::unexpected(vs.error());
  if (vs->empty()) return std::string("1.0.0");
  SemVer latest = *SemVer::parse(vs->back().version);
  if (latest.minor == 0xffffffffu) {
    return std::unexpected("cannot bump the minor version of " + vs->back().tag() + ": choose a new major version");
  }
  return SemVer{latest.major, latest.minor + 1, 0}.text();
}

std::expected<ModelRecord, std::string> ModelRegistry::add(const std::string& model_path, json train_options,
                                                           json metrics, const GateConfig& gates, std::int64_t now_ns) {
  if (auto w = writable("add a model"); !w) return std::unexpected(w.error());
  if (auto bad = gate_config_error(gates); !bad.empty()) return std::unexpected(bad);
  if (!metrics.is_object()) {
    return std::unexpected("the metrics must be a JSON object (the trainer's test-split metrics), not " +
                           std::string(json_type(metrics)));
  }
  if (train_options.is_null()) train_options = json::object();
  if (!train_options.is_object()) {
    return std::unexpected("the train options must be a JSON object, not " + std::string(json_type(train_options)));
  }
  if (metrics.dump().size() > kMaxJsonBytes || train_options.dump().size() > kMaxJsonBytes) {
    return std::unexpected("the metrics or train options are over " + std::to_string(kMaxJsonBytes) + " bytes");
  }
  // Read once: the bytes decoded are the bytes hashed and copied.
  auto bytes = read_bounded(model_path, kMaxModelFileBytes);
  if (!bytes) return std::unexpected(bytes.error());
  auto model = decode_model(*bytes, model_path);
  if (!model) return std::unexpected("refused " + model_path + ": " + model.error());
  if (!valid_model_name(model->name)) {
    return std::unexpected("refused " + model_path + ": its model name \"" + model->name +
                           "\" is not a registry name (1 to 100 of A-Z a-z 0-9 . _ -)");
  }
  const auto version = SemVer::parse(model->version);
  if (!version) {
    return std::unexpected("refused " + model_path + ": its version \"" + model->version +
                           "\" is not a semantic version MAJOR.MINOR.PATCH");
  }
  auto existing = find(model->name, *version);
  if (!existing) return std::unexpected(existing.error());
  if (*existing) {
    auto next = next_version(model->name);
    return std::unexpected("refused " + model_path + ": " + (*existing)->tag() + " is already registered (file hash " +
                           (*existing)->file_hash.hex() + ", created " + utc((*existing)->created_ns) +
                           "); a retrained model needs a new version" +
                           (next ? ", e.g. " + *next : std::string()));
  }

  ModelRecord r;
  r.name = model->name;
  r.version = version->text();
  r.file = file_name_of(r.name, r.version);
  r.file_hash = hash128(std::string_view(*bytes));
  r.shape = model->shape;
  r.parameters = model->parameters();
  r.features = model->features;
  r.symbols = model->symbols;
  r.horizon_bars = model->horizon_bars;
  r.seed = model->seed;
  r.train_data_hash = model->train_data_hash;
  r.train_options = std::move(train_options);
  r.metrics = std::move(metrics);
  r.gate_config = gates;
  r.gates = evaluate_gates(r.metrics, gates, r.symbols);
  r.created_ns = now_ns;

  const std::string copy = file_path(r);
  if (auto ok = write_synced(copy, *bytes); !ok) return std::unexpected(ok.error());
  // The copy must read back as what was checked, before any record names it.
  if (auto back = load_model_file(copy, &r.file_hash); !back) {
    std::error_code ec;
    fs::remove(copy, ec);
    return std::unexpected("the registry's copy of " + model_path + " does not read back: " + back.error());
  }
  store_->put(Family::registry, record_key(r.name, *version), record_to_json(r).dump());
  if (auto ok = store_->commit(); !ok) {
    std::error_code ec;
    fs::remove(copy, ec);
    return std::unexpected("cannot store the record of " + r.tag() + ": " + ok.error());
  }
  return r;
}

std::expected<Promotion, std::string> ModelRegistry::put_in_force(ModelRecord target, std::int64_t now_ns,
                                                                  const std::string& by,
                                                                  const std::string& override_reason) {
  if (now_ns <= 0) return std::unexpected("the promotion time " + std::to_string(now_ns) + " ns is not after 1970");
  const auto failed = target.failed_gates();
  const std::string reason = trimmed(override_reason);
  if (!failed.empty() && reason.empty()) {
    std::string msg = "refused: " + target.tag() + " failed " + std::to_string(failed.size()) + " of " +
                      std::to_string(target.gates.size()) + " promotion gates:";
    for (const auto& g : failed) msg += "\n  FAIL " + gate_line(g);
    msg += "\nfix the model, or promote it with --override REASON to deploy it anyway (the reason is recorded and "
           "shown by `verity models ls` and `show`)";
    return std::unexpected(msg);
  }
  // The model actor will load this file: a broken or changed one is never put in force.
  if (auto m = load(target); !m) return std::unexpected("refused: " + m.error());
  auto vs = versions(target.name);
  if (!vs) return std::unexpected(vs.error());
  std::uint64_t seq = 0;
  std::optional<ModelRecord> current;
  for (const auto& r : *vs) {
    for (const auto& d : r.deployments) seq = std::max(seq, d.seq);
    if (r.status() == ModelStatus::promoted) {
      if (current) {
        return std::unexpected("the model registry at " + dir_ + " is damaged: both " + current->tag() + " and " +
                               r.tag() + " are promoted");
      }
      current = r;
    }
  }
  Promotion out;
  if (current) {
    current->deployments.back().retired_ns = now_ns;
    store_->put(Family::registry, record_key(current->name, *SemVer::parse(current->version)),
                record_to_json(*current).dump());
    out.retired = *current;
  }
  Deployment d;
  d.seq = seq + 1;
  d.promoted_ns = now_ns;
  d.by = by;
  if (!failed.empty()) {
    d.override_reason = reason;
    for (const auto& g : failed) d.overridden_gates.push_back(g.gate);
  }
  target.deployments.push_back(d);
  store_->put(Family::registry, record_key(target.name, *SemVer::parse(target.version)),
              record_to_json(target).dump());
  // Both records in one batch: there is never a moment with two versions in force.
  if (auto ok = store_->commit(); !ok) {
    return std::unexpected("cannot store the promotion of " + target.tag() + ": " + ok.error());
  }
  out.promoted = std::move(target);
  out.overridden = failed;
  return out;
}

std::expected<Promotion, std::string> ModelRegistry::promote(const std::string& tag, std::int64_t now_ns,
                                                             const std::string& override_reason) {
  if (auto w = writable("promote"); !w) return std::unexpected(w.error());
  if (tag.find('@') == std::string::npos) {
    return std::unexpected("promote needs NAME@VERSION, not \"" + tag + "\" (`verity models ls` lists the versions)");
  }
  auto target = get(tag);
  if (!target) return std::unexpected(target.error());
  if (const Deployment* d = target->current_deployment()) {
    return std::unexpected(target->tag() + " is already promoted (since " + utc(d->promoted_ns) + "); nothing changed");
  }
  return put_in_force(std::move(*target), now_ns, "promote", override_reason);
}

namespace {

/// The reason `r` was last promoted with an override, or "".
std::string last_override_reason(const ModelRecord& r) {
  for (auto it = r.deployments.rbegin(); it != r.deployments.rend(); ++it) {
    if (!it->override_reason.empty()) return it->override_reason;
  }
  return "";
}

}  // namespace

std::expected<Promotion, std::string> ModelRegistry::rollback(const std::string& name_or_tag, std::int64_t now_ns) {
  if (auto w = writable("roll back"); !w) return std::unexpected(w.error());
  std::optional<ModelRecord> target;
  if (name_or_tag.find('@') != std::string::npos) {
    auto r = get(name_or_tag);
    if (!r) return std::unexpected(r.error());
    if (const Deployment* d = r->current_deployment()) {
      return std::unexpected(r->tag() + " is already promoted (since " + utc(d->promoted_ns) + "); nothing changed");
    }
    target = std::move(*r);
  } else {
    const std::string& name = name_or_tag;
    if (!valid_model_name(name)) {
      return std::unexpected("\"" + name + "\" is not a model name or tag: expected NAME or NAME@MAJOR.MINOR.PATCH");
    }
    auto vs = versions(name);
    if (!vs) return std::unexpected(vs.error());
    if (vs->empty()) return std::unexpected(missing_tag_error(name));
    const ModelRecord* current = nullptr;
    for (const auto& r : *vs) {
      if (r.status() == ModelStatus::promoted) current = &r;
    }
    if (current == nullptr) {
      return std::unexpected("nothing to roll back: no version of " + name + " is promoted in the registry at " + dir_);
    }
    const std::uint64_t current_seq = current->current_deployment()->seq;
    // The version in force just before the current deployment began.
    const ModelRecord* previous = nullptr;
    std::uint64_t previous_seq = 0;
    for (const auto& r : *vs) {
      if (r.version == current->version) continue;
      for (const auto& d : r.deployments) {
        if (d.seq < current_seq && d.seq > previous_seq) {
          previous_seq = d.seq;
          previous = &r;
        }
      }
    }
    if (previous == nullptr) {
      return std::unexpected("nothing to roll back to: " + current->tag() + " is the first version of " + name +
                             " that was promoted; name a version to promote instead");
    }
    target = *previous;
  }
  const std::string reason = last_override_reason(*target);
  auto out = put_in_force(*target, now_ns, "rollback", reason);
  if (!out && !target->gates_passed() && reason.empty()) {
    return std::unexpected("rollback to " + target->tag() + ": " + out.error() + "\n" + target->tag() +
                           " was never promoted with an override; use `verity models promote " + target->tag() +
                           " --override REASON`");
  }
  return out;
}

std::expected<ModelFile, std::string> ModelRegistry::load(const ModelRecord& record) const {
  const std::string path = file_path(record);
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return std::unexpected("model " + record.tag() + ": its file " + path + " is missing from the registry at " + dir_);
  }
  auto m = load_model_file(path, &record.file_hash);
  if (!m) return std::unexpected("model " + record.tag() + " does not load: " + m.error());
  if (m->name != record.name || m->version != record.version) {
    return std::unexpected("model " + record.tag() + ": its file " + path + " holds " + m->name + "@" + m->version);
  }
  return m;
}

std::expected<ModelFile, std::string> ModelRegistry::load_promoted(const std::string& name) {
  auto r = resolve(name, "");
  if (!r) return std::unexpected(r.error());
  return std::move(r->second);
}

std::expected<std::pair<ModelRecord, ModelFile>, std::string> ModelRegistry::resolve(
    const std::string& name, const std::string& version_or_promoted) {
  std::optional<ModelRecord> record;
  if (version_or_promoted.empty() || version_or_promoted == "promoted") {
    if (!valid_model_name(name)) return std::unexpected("\"" + name + "\" is not a model name");
    auto p = promoted(name);
    if (!p) return std::unexpected(p.error());
    if (!*p) return std::unexpected(no_promoted_error(name));
    record = std::move(**p);
  } else {
    auto r = get_exact(name, version_or_promoted);
    if (!r) return std::unexpected(r.error());
    record = std::move(*r);
  }
  auto m = load(*record);
  if (!m) return std::unexpected(m.error());
  return std::pair<ModelRecord, ModelFile>{std::move(*record), std::move(*m)};
}

}  // namespace verity
