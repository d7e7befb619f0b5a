// The models one session runs: which registry models its strategy needs for
// its symbols, loaded once, checked against the registry's recorded hash,
// and named in the session manifest (name, version, file hash) so that a
// replay loads exactly the same files or refuses to run.
#pragma once

#include <expected>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/runtime/config.hpp"
#include "actors/runtime/journal_records.hpp"
#include "models/model_file.hpp"

namespace verity {

struct LoadedModel {
  std::string role;  // "lstm", "transformer", "logistic"
  std::string name, version;
  Hash128 file_hash;
  ModelFile file;
};

struct SessionModels {
  std::vector<LoadedModel> models;  // sorted by name
  std::vector<ModelVersionInfo> versions() const;
  const LoadedModel* find(const std::string& name) const;
};

/// The symbols a session trades: market.symbol on the generator, else
/// session.symbols.
std::vector<std::string> session_symbols(const Config& config);

/// For each model the strategy needs, its role and name: per coin
/// "lstm-SYM" and "logistic-SYM", and one "transformer", each only when its
/// ensemble weight (or the single-model strategy) asks for it. Empty for the
/// baseline.
std::vector<std::pair<std::string, std::string>> required_models(const Config& config);

/// The graph labels and scores at one horizon: every model must share it.
std::expected<void, std::string> check_horizons(const SessionModels& models);

/// "lstm-BTCUSDT@1.2.0" -> {"lstm-BTCUSDT", "1.2.0"}: what-if pins.
std::expected<std::map<std::string, std::string>, std::string> parse_model_pins(const std::vector<std::string>& tags);

/// Loads what `config` needs from config.model.registry: the promoted
/// version of each, or the version the config pins (model.*_version), or a
/// pin from `pins` (by name). Null for the baseline strategy.
std::expected<std::shared_ptr<const SessionModels>, std::string> load_session_models(
    const Config& config, const std::map<std::string, std::string>& pins = {});

/// Loads exactly the recorded versions from `registry_dir`, each checked
/// against its recorded file hash; `pins` replace some of them (a what-if).
std::expected<std::shared_ptr<const SessionModels>, std::string> load_recorded_models(
    const std::string& registry_dir, const std::vector<ModelVersionInfo>& recorded,
    const std::map<std::string, std::string>& pins = {});

}  // namespace verity
