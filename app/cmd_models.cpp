// `verity models ls | show | promote | rollback | add`: the model registry
// (models/registry.hpp) from the command line. ls and show open the registry
// read-only; promote, rollback and add write it. docs/REGISTRY.md.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "actors/runtime/calendar.hpp"
#include "actors/runtime/clock.hpp"
#include "actors/runtime/config.hpp"
#include "app/commands.hpp"
#include "models/registry.hpp"

namespace verity::app {

namespace {

using nlohmann::json;

constexpr const char* kGroupDescription =
    "Model registry: list, show, promote and roll back trained model versions; register model files.";

struct ModelsArgs {
  std::string registry;     // --registry; empty: see registry_dir()
  std::string config_path;  // --config
  std::string tag;          // a tag, a name, or a file (add)
  std::string now;          // ISO 8601 UTC; empty: the wall clock
  bool json = false;
};

/// The config, with the registry folder from --registry, else the config key
/// model.registry that `verity train` writes to and `verity sim` reads
/// ($VERITY_MODEL_REGISTRY, a --config file, default verity-data/models).
/// Validated like every command's config: an unknown VERITY_* variable fails.
std::expected<Config, std::string> models_config(const ModelsArgs& a, std::vector<ConfigOverride> overrides = {}) {
  if (!a.registry.empty()) overrides.push_back({"model.registry", a.registry, "--registry"});
  return load_config(a.config_path, overrides, verity_environment());
}

/// Prints "verity models <cmd>: <message>" to stderr and returns `rc`.
int fail(const char* cmd, const std::string& message, int rc) {
  std::fprintf(stderr, "verity models %s: %s\n", cmd, message.c_str());
  return rc;
}

std::expected<std::int64_t, std::string> now_ns(const std::string& now) {
  if (now.empty()) {
    LiveClock clock;
    return clock.now_ns();
  }
  auto t = parse_iso8601_ns(now);
  if (!t) return std::unexpected("--now \"" + now + "\" is not an ISO 8601 UTC time (YYYY-MM-DD[THH:MM:SS[.fff]][Z])");
  return *t;
}

std::string fixed4(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

/// "BTCUSDT=0.7120 ETHUSDT=0.6900" from metrics.per_symbol.*.<metric>; "-" if none.
std::string per_symbol(const ModelRecord& r, const char* metric) {
  std::string out;
  const auto it = r.metrics.find("per_symbol");
  if (it != r.metrics.end() && it->is_object()) {
    for (const auto& item : it->items()) {
      if (!item.value().is_object()) continue;
      const auto m = item.value().find(metric);
      if (m == item.value().end() || !m->is_number()) continue;
      out += (out.empty() ? "" : " ") + item.key() + "=" + fixed4(m->get<double>());
    }
  }
  return out.empty() ? "-" : out;
}

std::string gates_summary(const ModelRecord& r) {
  const auto failed = r.failed_gates().size();
  if (failed == 0) return std::to_string(r.gates.size()) + "/" + std::to_string(r.gates.size()) + " passed";
  return std::to_string(failed) + "/" + std::to_string(r.gates.size()) + " FAILED";
}

std::string gate_value(const GateResult& g) { return g.value ? fixed4(*g.value) : std::string("missing"); }

/// "name (detail)" for each gate, comma-separated.
std::string gate_list(const std::vector<GateResult>& gates) {
  std::string out;
  for (const auto& g : gates) {
    out += (out.empty() ? "" : ", ") + g.gate + " (" + (g.detail.empty() ? gate_value(g) : g.detail) + ")";
  }
  return out;
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

/// The WARNING line for a promotion that overrode failed gates.
void warn_overridden(const Promotion& p) {
  if (p.overridden.empty()) return;
  const Deployment& d = p.promoted.deployments.back();
  std::fprintf(stderr, "WARNING: %s is in force with %zu failed gate%s overridden: %s; reason: %s\n",
               p.promoted.tag().c_str(), p.overridden.size(), p.overridden.size() == 1 ? "" : "s",
               gate_list(p.overridden).c_str(), d.override_reason.c_str());
}

// --- ls, show -------------------------------------------------------------------

int ls(const ModelsArgs& a) {
  auto config = models_config(a);
  if (!config) return fail("ls", config.error(), kExitError);
  const std::string& dir = config->model.registry;
  auto reg = ModelRegistry::open_read_only(dir);
  if (!reg) return fail("ls", reg.error(), kExitError);
  auto all = a.tag.empty() ? reg->list() : reg->versions(a.tag);
  if (!all) return fail("ls", all.error(), kExitError);
  if (!a.tag.empty() && all->empty()) {
    auto r = reg->get(a.tag);  // says what the registry holds
    return fail("ls", r ? "no versions of " + a.tag : r.error(), kExitError);
  }
  if (a.json) {
    for (const auto& r : *all) std::printf("%s\n", record_to_json(r).dump().c_str());
    return kExitOk;
  }
  if (all->empty()) {
    std::printf("no models in the registry at %s\n", dir.c_str());
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows{{"TAG", "KIND", "STATUS", "CREATED", "ACCURACY", "ECE", "GATES"}};
  for (const auto& r : *all) {
    rows.push_back({r.tag(), r.kind(), r.status_text(), format_iso8601_ms(r.created_ns), per_symbol(r, "accuracy"),
                    per_symbol(r, "ece"), gates_summary(r)});
  }
  print_table(rows);
  return kExitOk;
}

void show_text(const ModelRegistry& reg, const ModelRecord& r) {
  const auto& s = r.shape;
  auto joined = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
    return out.empty() ? std::string("-") : out;
  };
  std::printf("model %s\n", r.tag().c_str());
  std::printf("  status           %s\n", r.status_text().c_str());
  std::printf("  file             %s\n", reg.file_path(r).c_str());
  std::printf("  file_hash        %s\n", r.file_hash.hex().c_str());
  std::printf("  kind             %s\n", r.kind().c_str());
  std::printf("  shape            inputs %u, window %u, hidden %u, layers %u, heads %u, ff %u\n", s.inputs, s.window,
              s.hidden, s.layers, s.heads, s.ff);
  std::printf("  parameters       %llu\n", static_cast<unsigned long long>(r.parameters));
  std::printf("  features         %s\n", joined(r.features).c_str());
  std::printf("  symbols          %s\n", joined(r.symbols).c_str());
  std::printf("  horizon_bars     %lld\n", static_cast<long long>(r.horizon_bars));
  std::printf("  seed             %llu\n", static_cast<unsigned long long>(r.seed));
  std::printf("  train_data_hash  %s\n", r.train_data_hash.hex().c_str());
  std::printf("  created          %s\n", format_iso8601_ms(r.created_ns).c_str());
  std::printf("  train_options    %s\n", r.train_options.dump().c_str());
  std::printf("  metrics          %s\n", r.metrics.dump().c_str());
  const auto& c = r.gate_config;
  std::printf("gates (%s; config: accuracy >= %s, calibration_mae <= %s, leakage test %s)\n", gates_summary(r).c_str(),
              fixed4(c.min_accuracy).c_str(), fixed4(c.max_calibration_mae).c_str(),
              c.require_leakage_test ? "required" : "not required");
  std::size_t width = 0;
  for (const auto& g : r.gates) width = std::max(width, g.gate.size());
  for (const auto& g : r.gates) {
    // "  FAIL  calibration_mae:BTCUSDT   0.0700 <= 0.0500  (0.0700 > 0.0500)"
    std::printf("  %s  %-*s  %7s %s %s%s\n", g.passed ? "PASS" : "FAIL", static_cast<int>(width), g.gate.c_str(),
                gate_value(g).c_str(), g.op.c_str(), fixed4(g.threshold).c_str(),
                g.detail.empty() ? "" : ("  (" + g.detail + ")").c_str());
  }
  std::printf("deployments%s\n", r.deployments.empty() ? ": never promoted" : "");
  for (const auto& d : r.deployments) {
    std::string line = "  #" + std::to_string(d.seq) + " " + d.by + " " + format_iso8601_ms(d.promoted_ns) + " -> " +
                       (d.retired_ns == 0 ? std::string("in force") : "retired " + format_iso8601_ms(d.retired_ns));
    if (!d.override_reason.empty()) {
      std::string gates;
      for (const auto& g : d.overridden_gates) gates += (gates.empty() ? "" : ", ") + g;
      line += "; gates overridden (" + gates + "): " + d.override_reason;
    }
    std::printf("%s\n", line.c_str());
  }
}

int show(const ModelsArgs& a) {
  auto config = models_config(a);
  if (!config) return fail("show", config.error(), kExitError);
  auto reg = ModelRegistry::open_read_only(config->model.registry);
  if (!reg) return fail("show", reg.error(), kExitError);
  auto r = reg->get(a.tag);
  if (!r) return fail("show", r.error(), kExitError);
  if (a.json) {
    std::printf("%s\n", record_to_json(*r).dump(2).c_str());
  } else {
    show_text(*reg, *r);
  }
  return kExitOk;
}

// --- promote, rollback --------------------------------------------------------

struct PromoteArgs : ModelsArgs {
  std::string override_reason;
};

int promote(const PromoteArgs& a) {
  auto t = now_ns(a.now);
  if (!t) return fail("promote", t.error(), kExitError);
  auto config = models_config(a);
  if (!config) return fail("promote", config.error(), kExitError);
  auto reg = ModelRegistry::open(config->model.registry, false);
  if (!reg) return fail("promote", reg.error(), kExitError);
  // Bad input (an unknown tag) is exit 2; a refusal of a known version is exit 1.
  if (a.tag.find('@') == std::string::npos) {
    return fail("promote", "promote needs NAME@VERSION, not \"" + a.tag + "\" (`verity models ls` lists the versions)",
                kExitError);
  }
  auto target = reg->get(a.tag);
  if (!target) return fail("promote", target.error(), kExitError);
  auto p = reg->promote(a.tag, *t, a.override_reason);
  if (!p) return fail("promote", p.error(), kExitFailed);
  warn_overridden(*p);
  if (!a.override_reason.empty() && p->overridden.empty()) {
    std::fprintf(stderr, "verity models promote: every gate of %s passed; the --override reason was not needed and "
                         "is not recorded\n", p->promoted.tag().c_str());
  }
  std::printf("promoted %s%s\n", p->promoted.tag().c_str(),
              p->retired ? (" (retired " + p->retired->tag() + ")").c_str() : "");
  return kExitOk;
}

int rollback(const ModelsArgs& a) {
  auto t = now_ns(a.now);
  if (!t) return fail("rollback", t.error(), kExitError);
  auto config = models_config(a);
  if (!config) return fail("rollback", config.error(), kExitError);
  auto reg = ModelRegistry::open(config->model.registry, false);
  if (!reg) return fail("rollback", reg.error(), kExitError);
  if (a.tag.find('@') != std::string::npos) {
    if (auto r = reg->get(a.tag); !r) return fail("rollback", r.error(), kExitError);
  } else {
    auto vs = reg->versions(a.tag);
    if (!vs) return fail("rollback", vs.error(), kExitError);
    if (vs->empty()) return fail("rollback", reg->get(a.tag).error(), kExitError);
  }
  auto p = reg->rollback(a.tag, *t);
  if (!p) return fail("rollback", p.error(), kExitFailed);
  warn_overridden(*p);
  if (p->retired) {
    std::printf("rolled back %s: %s retired, %s promoted\n", p->promoted.name.c_str(), p->retired->tag().c_str(),
                p->promoted.tag().c_str());
  } else {
    std::printf("rolled back %s: %s promoted\n", p->promoted.name.c_str(), p->promoted.tag().c_str());
  }
  return kExitOk;
}

// --- add --------------------------------------------------------------------------

struct AddArgs : ModelsArgs {
  std::string metrics_path, options_path;
  std::string min_accuracy, max_calibration_mae;  // empty: the config's
  bool no_leakage_test = false;
};

std::expected<json, std::string> read_json_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(std::string("cannot read ") + what + " file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) return std::unexpected(std::string(what) + " file " + path + " is not valid JSON");
  return j;
}

int add(const AddArgs& a) {
  auto t = now_ns(a.now);
  if (!t) return fail("add", t.error(), kExitError);
  auto metrics = read_json_file(a.metrics_path, "metrics");
  if (!metrics) return fail("add", metrics.error(), kExitError);
  json options = json::object();
  if (!a.options_path.empty()) {
    auto o = read_json_file(a.options_path, "train options");
    if (!o) return fail("add", o.error(), kExitError);
    options = std::move(*o);
  }
  // The gates come from the train.gate_* keys, as for `verity train`; the flags override them.
  std::vector<ConfigOverride> overrides;
  if (!a.min_accuracy.empty()) overrides.push_back({"train.gate_min_accuracy", a.min_accuracy, "--min-accuracy"});
  if (!a.max_calibration_mae.empty()) {
    overrides.push_back({"train.gate_max_calibration_mae", a.max_calibration_mae, "--max-calibration-mae"});
  }
  if (a.no_leakage_test) overrides.push_back({"train.gate_leakage_test", "false", "--no-leakage-test"});
  auto config = models_config(a, overrides);
  if (!config) return fail("add", config.error(), kExitError);
  const GateConfig gates{config->train.gate_min_accuracy, config->train.gate_max_calibration_mae,
                         config->train.gate_leakage_test};
  auto reg = ModelRegistry::open(config->model.registry, true);
  if (!reg) return fail("add", reg.error(), kExitError);
  auto r = reg->add(a.tag, std::move(options), std::move(*metrics), gates, *t);
  if (!r) return fail("add", r.error(), kExitError);
  if (a.json) {
    std::printf("%s\n", record_to_json(*r).dump().c_str());
    return kExitOk;
  }
  std::printf("registered %s (%s, %llu parameters, file hash %s); gates %s\n", r->tag().c_str(), r->kind().c_str(),
              static_cast<unsigned long long>(r->parameters), r->file_hash.hex().c_str(), gates_summary(*r).c_str());
  for (const auto& g : r->failed_gates()) {
    std::printf("  FAIL %s: %s %s %s required (%s)\n", g.gate.c_str(), gate_value(g).c_str(), g.op.c_str(),
                fixed4(g.threshold).c_str(), g.detail.c_str());
  }
  return kExitOk;
}

// --- command-line wiring --------------------------------------------------------

void add_registry_option(CLI::App* c, const std::shared_ptr<ModelsArgs>& args) {
  c->add_option("--registry", args->registry,
                "registry folder; default: model.registry ($VERITY_MODEL_REGISTRY, or from --config), "
                "else verity-data/models");
  c->add_option("--config", args->config_path, "config TOML file (for model.registry and the train.gate_* keys)");
}

void add_now_option(CLI::App* c, const std::shared_ptr<ModelsArgs>& args) {
  c->add_option("--now", args->now, "take this ISO 8601 UTC time as now (tests); default: the wall clock");
}

void add_ls(CLI::App& models, std::function<int()>& run) {
  models.description(kGroupDescription);
  auto args = std::make_shared<ModelsArgs>();
  auto* c = models.add_subcommand(
      "ls", "List registered model versions: tag, kind, status, created, accuracy and ECE per symbol, gates.");
  c->footer(
      "Sorted by name, then version (numerically). STATUS is candidate (never promoted), promoted, or retired;\n"
      "a version promoted with failed gates shows \"promoted (gates overridden: REASON)\". Times are UTC.\n"
      "--json prints each record as one JSON line (the fields of `show --json`). Opens the registry read-only.\n"
      "Exit 0; 2 when the registry or NAME does not exist or cannot be read.");
  c->add_option("name", args->tag, "only the versions of this model name");
  add_registry_option(c, args);
  c->add_flag("--json", args->json, "one JSON record per line instead of the table");
  c->callback([&run, args] { run = [args] { return ls(*args); }; });
}

void add_show(CLI::App& models, std::function<int()>& run) {
  models.description(kGroupDescription);
  auto args = std::make_shared<ModelsArgs>();
  auto* c = models.add_subcommand(
      "show", "Everything the registry records about one version: file and hash, network, training data, "
              "metrics, each gate (PASS/FAIL, value vs threshold) and the deployment history.");
  c->footer(
      "TAG is NAME@VERSION, or NAME for its promoted version. Deployment times are UTC; an override's reason\n"
      "and the gates it overrode are shown with its deployment. --json prints the record as JSON. Exit 0; 2\n"
      "when the tag is unknown (the message lists what the registry holds) or the registry cannot be read.");
  c->add_option("tag", args->tag, "NAME@VERSION, or NAME for the promoted version")->required();
  add_registry_option(c, args);
  c->add_flag("--json", args->json, "the record as JSON");
  c->callback([&run, args] { run = [args] { return show(*args); }; });
}

void add_promote(CLI::App& models, std::function<int()>& run) {
  models.description(kGroupDescription);
  auto args = std::make_shared<PromoteArgs>();
  auto* c = models.add_subcommand(
      "promote", "Put NAME@VERSION in force (the model actor loads it), retiring the version that was.");
  c->footer(
      "Every promotion gate recorded when the version was registered must have passed (accuracy per symbol,\n"
      "calibration MAE, the leakage test; docs/REGISTRY.md). Otherwise the promotion is refused: exit 1 with\n"
      "each failed gate printed. --override REASON promotes it anyway: a WARNING line names the overridden\n"
      "gates, and the reason is recorded and shown by every later ls and show. Exit 0 promoted; 1 refused\n"
      "(failed gates, already promoted); 2 unknown tag, missing registry or I/O error.");
  c->add_option("tag", args->tag, "NAME@VERSION")->required();
  c->add_option("--override", args->override_reason,
                "promote despite failed gates; the reason is recorded with the deployment");
  add_registry_option(c, args);
  add_now_option(c, args);
  c->callback([&run, args] { run = [args] { return promote(*args); }; });
}

void add_rollback(CLI::App& models, std::function<int()>& run) {
  models.description(kGroupDescription);
  auto args = std::make_shared<ModelsArgs>();
  auto* c = models.add_subcommand(
      "rollback", "Undo the last promotion of NAME (put back the version in force before it), or put NAME@VERSION "
                  "back in force.");
  c->footer(
      "With NAME: retires the promoted version and re-promotes the one in force just before it, by deployment\n"
      "history (two rollbacks in a row return to the start). With NAME@VERSION: promotes exactly that version.\n"
      "Gates apply as in promote; a version once promoted with --override keeps its recorded reason, with a\n"
      "WARNING line. Exit 0; 1 nothing to roll back to, or refused by gates; 2 unknown name or tag, missing\n"
      "registry or I/O error.");
  c->add_option("target", args->tag, "NAME or NAME@VERSION")->required();
  add_registry_option(c, args);
  add_now_option(c, args);
  c->callback([&run, args] { run = [args] { return rollback(*args); }; });
}

void add_add(CLI::App& models, std::function<int()>& run) {
  models.description(kGroupDescription);
  auto args = std::make_shared<AddArgs>();
  auto* c = models.add_subcommand(
      "add", "Register a model file made elsewhere, with its test-split metrics; gates are evaluated now.");
  c->footer(
      "The file is decoded (a truncated, corrupted or wrongly shaped file is refused with its error), copied\n"
      "into the registry's files/ folder and recorded under the name and version it carries, as a candidate.\n"
      "METRICS.json: {\"per_symbol\": {\"BTCUSDT\": {\"accuracy\": 0.71, \"ece\": 0.03}, ...}, \"leakage_test\": true}.\n"
      "A missing metric fails its gate. Creates the registry if needed. Exit 0 registered (even with failed\n"
      "gates: they are listed, and promote will refuse); 2 bad file, bad JSON, duplicate version or I/O error.");
  c->add_option("file", args->tag, "model file (.vmodel)")->required();
  c->add_option("--metrics", args->metrics_path, "JSON file of test-split metrics")->required();
  c->add_option("--train-options", args->options_path, "JSON file of the training options to record");
  c->add_option("--min-accuracy", args->min_accuracy,
                "accuracy gate: per symbol, at least (train.gate_min_accuracy, default 0.68)");
  c->add_option("--max-calibration-mae", args->max_calibration_mae,
                "calibration gate: ECE per symbol, at most (train.gate_max_calibration_mae, default 0.05)");
  c->add_flag("--no-leakage-test", args->no_leakage_test,
              "do not require the leakage test (train.gate_leakage_test = false); its gate is still listed, "
              "marked not required");
  add_registry_option(c, args);
  add_now_option(c, args);
  c->add_flag("--json", args->json, "print the stored record as JSON");
  c->callback([&run, args] { run = [args] { return add(*args); }; });
}

}  // namespace

const Registrar register_models_add("models", "add", add_add);
const Registrar register_models_ls("models", "ls", add_ls);
const Registrar register_models_show("models", "show", add_show);
const Registrar register_models_promote("models", "promote", add_promote);
const Registrar register_models_rollback("models", "rollback", add_rollback);

}  // namespace verity::app
