// The model registry: every trained model version Verity knows, what it was
// trained on, how it scored, whether it passed the promotion gates, and when
// it was in force. The model actor loads the promoted version from here.
//
// A registry is a folder: `db/` is a RocksDB database whose `registry` column
// family holds one JSON record per version, and `files/` holds a copy of each
// registered model file. It guarantees that:
//   - a record names its file by the xxh3-128 of the file's bytes, and a file
//     that changed after registration never loads (the error names both hashes);
//   - a broken file (bad magic, truncated, wrong tensor shape) is refused when
//     it is added, and again whenever it is loaded;
//   - a gate that fails stays failed: promotion is refused, listing every
//     failed gate, unless an override reason is given, and that reason is kept
//     in the record and shown by every later `ls` and `show`;
//   - at most one version of a name is promoted, and every promotion and
//     retirement is kept in its record's deployment history.
// docs/REGISTRY.md describes the layout, the gates and the commands.
//
// Not thread-safe: one ModelRegistry per thread. RocksDB's lock lets one
// process at a time open a registry for writing; read-only opens may run
// beside it and see the records as of their open.
#pragma once

#include <nlohmann/json.hpp>

#include <compare>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/runtime/hash.hpp"
#include "models/model_file.hpp"

namespace verity {

class RocksDbStore;

/// A semantic version, MAJOR.MINOR.PATCH, compared numerically (1.10.0 >
/// 1.9.0). Pre-release and build suffixes are not accepted.
struct SemVer {
  std::uint32_t major = 0, minor = 0, patch = 0;

  /// Digits only, no leading zeros, each part below 2^32.
  static std::optional<SemVer> parse(std::string_view text);
  std::string text() const;
  friend auto operator<=>(const SemVer&, const SemVer&) = default;
};

/// The thresholds a version must meet to be promoted. Defaults come from the
/// plan: accuracy at least 0.68 on every coin, calibration error (ECE, the
/// mean absolute gap between predicted and observed frequency) at most 5%,
/// and the leakage test passing.
struct GateConfig {
  double min_accuracy = 0.68;
  double max_calibration_mae = 0.05;
  bool require_leakage_test = true;
};

/// One gate's verdict. `value` is empty when the metric is missing or not a
/// number; such a gate has failed: a gate never passes by a metric's absence.
struct GateResult {
  std::string gate;      // "accuracy:BTCUSDT", "calibration_mae:BTCUSDT", "leakage_test"
  std::string op;        // ">=", "<=" or "==" (the leakage test: 1 means it passed)
  double threshold = 0;
  std::optional<double> value;
  bool passed = false;
  std::string detail;    // why it failed, or a note; "" for a plain pass
  friend bool operator==(const GateResult&, const GateResult&) = default;
};

/// Checks the trainer's test-split metrics against `config`. `metrics` is
///   {"per_symbol": {"BTCUSDT": {"accuracy": 0.71, "ece": 0.03, ...}, ...},
///    "leakage_test": true, ...}
/// Gates, in this order: for every symbol in `per_symbol` or in `symbols`
/// (the model file's, which must all have metrics), sorted, an accuracy gate
/// and a calibration gate; then the leakage test. With no symbols at all,
/// one failed accuracy gate and one failed calibration gate say so. When
/// `require_leakage_test` is off the leakage gate is still listed, passed,
/// with a detail saying it was not required and what the metric said.
std::vector<GateResult> evaluate_gates(const nlohmann::json& metrics, const GateConfig& config,
                                       const std::vector<std::string>& symbols = {});

/// One period in force. `retired_ns` is 0 while it lasts.
struct Deployment {
  std::uint64_t seq = 0;            // order of promotions within a name, from 1
  std::int64_t promoted_ns = 0;     // UTC
  std::int64_t retired_ns = 0;      // UTC; 0 while in force
  std::string by;                   // "promote" or "rollback"
  std::string override_reason;      // non-empty: promoted with failed gates
  std::vector<std::string> overridden_gates;  // the failed gates' names at that time
  friend bool operator==(const Deployment&, const Deployment&) = default;
};

enum class ModelStatus : std::uint8_t { candidate, promoted, retired };
std::string_view model_status_name(ModelStatus s);

/// One registered version. Stored as JSON (record_to_json); `tag` and
/// `status` are derived, written for readers, and never trusted on read.
struct ModelRecord {
  std::string name;
  std::string version;              // MAJOR.MINOR.PATCH
  std::string file;                 // relative to the registry folder: "files/<name>-<version>.vmodel"
  Hash128 file_hash;                // xxh3-128 of the file's bytes
  NetShape shape;
  std::uint64_t parameters = 0;
  std::vector<std::string> features;
  std::vector<std::string> symbols;
  std::int64_t horizon_bars = 0;
  std::uint64_t seed = 0;
  Hash128 train_data_hash;
  nlohmann::json train_options = nlohmann::json::object();  // as given by the trainer
  nlohmann::json metrics = nlohmann::json::object();        // as given by the trainer
  GateConfig gate_config;           // what the gates were evaluated against
  std::vector<GateResult> gates;
  std::int64_t created_ns = 0;      // UTC
  std::vector<Deployment> deployments;  // oldest first

  /// "name@version".
  std::string tag() const;
  std::string kind() const { return std::string(net_kind_name(shape.kind)); }
  ModelStatus status() const;
  /// "candidate", "retired", "promoted", or "promoted (gates overridden: REASON)".
  std::string status_text() const;
  /// The deployment in force, if any.
  const Deployment* current_deployment() const;
  bool gates_passed() const;
  std::vector<GateResult> failed_gates() const;
};

nlohmann::json record_to_json(const ModelRecord& r);
std::expected<ModelRecord, std::string> record_from_json(const nlohmann::json& j);

/// A registry name: 1 to 100 characters from A-Z a-z 0-9 . _ - (it names a file).
bool valid_model_name(std::string_view name);

/// What promote() and rollback() changed.
struct Promotion {
  ModelRecord promoted;                 // as stored now, its new deployment last
  std::optional<ModelRecord> retired;   // the version it replaced, if one was in force
  std::vector<GateResult> overridden;   // failed gates deployed anyway (the reason is in the deployment)
};

class ModelRegistry {
 public:
  /// Opens the registry in `dir` for reading and writing. Without `create`, a
  /// missing registry is an error that says how to make one.
  static std::expected<ModelRegistry, std::string> open(const std::string& dir, bool create);
  /// Opens an existing registry for reading only (ls, show, the model actor);
  /// it takes no lock, so it works while another process writes.
  static std::expected<ModelRegistry, std::string> open_read_only(const std::string& dir);

  ModelRegistry(ModelRegistry&&) noexcept;
  ModelRegistry& operator=(ModelRegistry&&) noexcept;
  ~ModelRegistry();

  const std::string& dir() const { return dir_; }
  bool read_only() const { return read_only_; }

  /// Registers the model file at `model_path` under the name and version it
  /// carries: decodes it (a broken file is refused with its error), copies it
  /// into files/, and stores its record with the gates evaluated now.
  /// Refuses an existing name@version, a version that is not MAJOR.MINOR.PATCH,
  /// metrics that are not a JSON object, and gate thresholds outside [0, 1].
  std::expected<ModelRecord, std::string> add(const std::string& model_path, nlohmann::json train_options,
                                              nlohmann::json metrics, const GateConfig& gates,
                                              std::int64_t now_ns);

  /// The version a new training run of `name` should carry: "1.0.0" for a new
  /// name, else the latest version with its minor part bumped and patch 0
  /// (1.4.2 -> 1.5.0). A change of features or network is a new major version,
  /// which the trainer chooses itself.
  std::expected<std::string, std::string> next_version(const std::string& name);

  /// Every record, by name, then by version (numerically).
  std::expected<std::vector<ModelRecord>, std::string> list();
  /// The records of one name, oldest version first; empty if none.
  std::expected<std::vector<ModelRecord>, std::string> versions(const std::string& name);
  /// "name@version", or "name" for its promoted version. An unknown tag is an
  /// error listing what the registry holds.
  std::expected<ModelRecord, std::string> get(const std::string& tag);
  /// The promoted version of `name`, or nullopt.
  std::expected<std::optional<ModelRecord>, std::string> promoted(const std::string& name);

  /// Puts name@version in force, retiring the version that was. Refused,
  /// with every failed gate listed, unless `override_reason` is non-empty;
  /// the reason and the overridden gates are then kept in the deployment.
  std::expected<Promotion, std::string> promote(const std::string& tag, std::int64_t now_ns,
                                                const std::string& override_reason = "");
  /// With a name: retires the promoted version and puts back the version that
  /// was in force just before it (so two rollbacks return to the start). With
  /// a tag: puts exactly that version in force. Gates apply as in promote();
  /// a version that was once promoted with an override keeps its last reason.
  std::expected<Promotion, std::string> rollback(const std::string& name_or_tag, std::int64_t now_ns);

  /// The registry's copy of the record's file, decoded; refused if its hash is
  /// not the record's (the error names the file and both hashes) or it does
  /// not decode.
  std::expected<ModelFile, std::string> load(const ModelRecord& record) const;
  std::expected<ModelFile, std::string> load_promoted(const std::string& name);
  /// For the model actor: `version_or_promoted` "" or "promoted" is the
  /// promoted version, else an exact version.
  std::expected<std::pair<ModelRecord, ModelFile>, std::string> resolve(const std::string& name,
                                                                        const std::string& version_or_promoted);

  /// The absolute-or-relative path of a record's file (dir()/record.file).
  std::string file_path(const ModelRecord& record) const;

  /// Model files larger than this are refused (a transformer of the planned
  /// size is a few MB).
  static constexpr std::uint64_t kMaxModelFileBytes = 1ull << 30;
  /// Metrics and train options larger than this, serialised, are refused.
  static constexpr std::size_t kMaxJsonBytes = 1u << 20;

 private:
  ModelRegistry(std::string dir, std::unique_ptr<RocksDbStore> store, bool read_only);
  static std::expected<ModelRegistry, std::string> open_impl(const std::string& dir, bool create, bool read_only);

  std::expected<std::optional<ModelRecord>, std::string> find(const std::string& name, const SemVer& version);
  std::expected<ModelRecord, std::string> get_exact(const std::string& name, const std::string& version);
  std::string missing_tag_error(const std::string& what);
  std::string no_promoted_error(const std::string& name) const;
  std::expected<Promotion, std::string> put_in_force(ModelRecord target, std::int64_t now_ns, const std::string& by,
                                                     const std::string& override_reason);
  std::expected<void, std::string> writable(const char* what) const;

  std::string dir_;
  std::unique_ptr<RocksDbStore> store_;
  bool read_only_ = true;
};

}  // namespace verity
