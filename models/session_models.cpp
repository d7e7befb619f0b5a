#include "models/session_models.hpp"

#include <algorithm>

#include "models/registry.hpp"
#include "sim/session_inputs.hpp"

namespace verity {

std::vector<ModelVersionInfo> SessionModels::versions() const {
  std::vector<ModelVersionInfo> out;
  for (const auto& m : models) out.push_back({m.name, m.version, m.file_hash});
  return out;
}

const LoadedModel* SessionModels::find(const std::string& name) const {
  for (const auto& m : models)
    if (m.name == name) return &m;
  return nullptr;
}

std::expected<void, std::string> check_horizons(const SessionModels& s) {
  for (const auto& m : s.models)
    if (m.file.horizon_bars != s.models.front().file.horizon_bars)
      return std::unexpected(m.name + "@" + m.version + " predicts " + std::to_string(m.file.horizon_bars) +
                             " bars ahead and " + s.models.front().name + "@" + s.models.front().version + " " +
                             std::to_string(s.models.front().file.horizon_bars) +
                             ": the models of one session must share one horizon");
  return {};
}

std::vector<std::string> session_symbols(const Config& config) {
  if (config.session.source != "store") return {config.market.symbol};
  auto list = split_symbols(config.session.symbols);
  return list ? *list : std::vector<std::string>{};
}

std::vector<std::pair<std::string, std::string>> required_models(const Config& config) {
  const auto& m = config.model;
  const bool ensemble = m.strategy == "ensemble";
  auto wants = [&](const char* role, double weight) { return ensemble ? weight > 0 : m.strategy == role; };
  std::vector<std::pair<std::string, std::string>> out;
  if (m.strategy == "baseline") return out;
  if (wants("transformer", m.transformer_weight)) out.emplace_back("transformer", "transformer");
  for (const auto& sym : session_symbols(config)) {
    if (wants("lstm", m.lstm_weight)) out.emplace_back("lstm", "lstm-" + sym);
    if (wants("logistic", m.logistic_weight)) out.emplace_back("logistic", "logistic-" + sym);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  return out;
}

std::expected<std::map<std::string, std::string>, std::string> parse_model_pins(const std::vector<std::string>& tags) {
  std::map<std::string, std::string> pins;
  for (const auto& tag : tags) {
    const auto at = tag.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == tag.size())
      return std::unexpected("--model '" + tag + "': expected NAME@VERSION, e.g. lstm-BTCUSDT@1.1.0");
    pins[tag.substr(0, at)] = tag.substr(at + 1);
  }
  return pins;
}

namespace {
std::expected<ModelRegistry, std::string> open_registry(const std::string& dir) {
  auto r = ModelRegistry::open_read_only(dir);
  if (!r) return std::unexpected("model registry " + dir + ": " + r.error());
  return r;
}

std::string version_for(const Config& config, const std::string& role) {
  if (role == "lstm") return config.model.lstm_version;
  if (role == "transformer") return config.model.transformer_version;
  return config.model.logistic_version;
}

/// What both loaders end with: every pin names a model the session runs,
/// and the models share one horizon.
std::expected<std::shared_ptr<const SessionModels>, std::string> finish(
    std::shared_ptr<SessionModels> out, const std::map<std::string, std::string>& pins, const char* runs) {
  for (const auto& [name, version] : pins)
    if (!out->find(name))
      return std::unexpected("--model " + name + "@" + version + ": the session " + runs + " no model named " + name);
  if (auto ok = check_horizons(*out); !ok) return std::unexpected(ok.error());
  return std::shared_ptr<const SessionModels>(std::move(out));
}

std::string role_of(const std::string& name) {
  if (name.starts_with("lstm")) return "lstm";
  if (name.starts_with("transformer")) return "transformer";
  return "logistic";
}
}  // namespace

std::expected<std::shared_ptr<const SessionModels>, std::string> load_session_models(
    const Config& config, const std::map<std::string, std::string>& pins) {
  const auto needed = required_models(config);
  if (needed.empty()) return nullptr;
  auto registry = open_registry(config.model.registry);
  if (!registry) return std::unexpected(registry.error());
  auto out = std::make_shared<SessionModels>();
  for (const auto& [role, name] : needed) {
    auto pin = pins.find(name);
    const std::string version = pin != pins.end() ? pin->second : version_for(config, role);
    auto resolved = registry->resolve(name, version);
    if (!resolved) return std::unexpected("model.strategy " + config.model.strategy + " needs " + name + ": " + resolved.error());
    auto& [record, file] = *resolved;
    if (file.shape.kind != *parse_net_kind(role))
      return std::unexpected(name + "@" + record.version + " is a " + std::string(net_kind_name(file.shape.kind)) +
                             " network; the " + role + " member needs a " + role);
    const Hash128 hash = record.file_hash;
    out->models.push_back({role, name, record.version, hash, std::move(file)});
  }
  return finish(std::move(out), pins, "runs");
}

std::expected<std::shared_ptr<const SessionModels>, std::string> load_recorded_models(
    const std::string& registry_dir, const std::vector<ModelVersionInfo>& recorded,
    const std::map<std::string, std::string>& pins) {
  if (recorded.empty()) {
    if (!pins.empty()) return std::unexpected("--model: the session ran no models (model.strategy baseline)");
    return nullptr;
  }
  auto registry = open_registry(registry_dir);
  if (!registry) return std::unexpected(registry.error());
  auto out = std::make_shared<SessionModels>();
  for (const auto& v : recorded) {
    auto pin = pins.find(v.name);
    const std::string version = pin != pins.end() ? pin->second : v.version;
    auto resolved = registry->resolve(v.name, version);
    if (!resolved) return std::unexpected("the session ran " + v.name + "@" + v.version + ": " + resolved.error());
    auto& [record, file] = *resolved;
    const Hash128 hash = record.file_hash;
    if (pin == pins.end() && !(hash == v.file_hash))
      return std::unexpected("the session ran " + v.name + "@" + v.version + " with file hash " + v.file_hash.hex() +
                             "; the registry's file has hash " + hash.hex() +
                             ": a different model under the same version, so a replay would not be faithful");
    out->models.push_back({role_of(v.name), v.name, record.version, hash, std::move(file)});
  }
  return finish(std::move(out), pins, "ran");
}

}  // namespace verity
