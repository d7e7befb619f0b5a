#include "actors/model/ensemble.hpp"

#include <cmath>

#include "actors/features/indicators.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/state_archive.hpp"

namespace verity {

std::expected<EnsembleStrategy, std::string> EnsembleStrategy::make(const Config& config, const SessionModels& models) {
  EnsembleStrategy s;
  s.config_ = &config;
  s.models_ = &models;
  auto kind = parse_calibration_kind(config.model.calibration);
  if (!kind) return std::unexpected("model.calibration: " + kind.error());
  if (auto ok = check_horizons(models); !ok) return std::unexpected(ok.error());
  for (const auto& m : models.models) {
    auto runner = ModelRunner::make(m.file, *kind);
    if (!runner) return std::unexpected(runner.error());
    s.runners_.emplace(m.name, std::move(*runner));
  }
  const auto& mc = config.model;
  const bool ensemble = mc.strategy == "ensemble";
  for (const auto& sym : session_symbols(config)) {
    std::vector<Member> members;
    auto add = [&](const std::string& name, const char* role, double weight) {
      if (!models.find(name)) return;
      members.push_back({name, ensemble ? weight : (mc.strategy == role ? 1.0 : 0.0)});
    };
    add("lstm-" + sym, "lstm", mc.lstm_weight);
    add("transformer", "transformer", mc.transformer_weight);
    add("logistic-" + sym, "logistic", mc.logistic_weight);
    std::erase_if(members, [](const Member& m) { return !(m.weight > 0); });
    if (members.empty()) return std::unexpected("model.strategy " + mc.strategy + ": no model loaded for " + sym);
    s.members_[sym] = std::move(members);
    s.symbols_.emplace(sym, SymbolState{TierTracker(static_cast<int>(mc.upgrade_scans)), 0});
  }
  s.close_column_ = *feature_index("close");
  s.atr_column_ = *feature_index("atr");
  s.regime_column_ = *feature_index("vol_regime");
  s.tokyo_column_ = *feature_index("session_tokyo");
  s.london_column_ = *feature_index("session_london");
  s.new_york_column_ = *feature_index("session_new_york");
  return s;
}

ModelRunner* EnsembleStrategy::runner(const std::string& name) {
  auto it = runners_.find(name);
  return it == runners_.end() ? nullptr : &it->second;
}

void EnsembleStrategy::push(const std::string& symbol, std::int64_t close_time_ns, std::span<const double> values) {
  auto members = members_.find(symbol);
  if (members == members_.end()) return;  // a symbol the session was not set up for: no models, no calls
  for (const auto& m : members->second) runners_.at(m.name).push(symbol, close_time_ns, values);
}

Scan EnsembleStrategy::scan(const std::string& symbol, std::span<const double> values) {
  Scan scan;
  auto members = members_.find(symbol);
  if (members == members_.end()) return scan;
  std::vector<std::pair<double, double>> weighted;
  for (const auto& m : members->second) {
    ModelRunner& r = runners_.at(m.name);
    auto out = r.score(symbol);
    if (!out) continue;
    weighted.emplace_back(m.weight, out->p_up);
    scan.members.push_back({models_->find(m.name), std::move(*out)});
  }
  SymbolState& st = symbols_.at(symbol);
  if (weighted.size() != members->second.size()) {
    st.tracker.update(0, TierLevel::none);
    st.last_signal_direction = 0;
    return scan;
  }
  auto p = ensemble_probability(weighted);
  if (!p) return scan;
  const auto& mc = config_->model;
  scan.scored = true;
  scan.p_up = *p;
  scan.call = call_of(*p, mc.conservative_bias_pct);
  const TierLevel raw = tier_of(scan.call.confidence, TierThresholds{mc.min_confidence, mc.tier_medium, mc.tier_high});
  scan.tier = st.tracker.update(raw == TierLevel::none ? 0 : scan.call.direction, raw);
  const double regime = values[regime_column_];
  scan.pattern = pattern_key(scan.call.direction, std::isnan(regime) ? -1 : static_cast<int>(regime),
                             {values[tokyo_column_] == 1.0, values[london_column_] == 1.0, values[new_york_column_] == 1.0});
  const ModelFile& lead = runners_.at(members->second.front().name).file();
  scan.over_floor = meets_floor(lead.patterns, scan.pattern, static_cast<std::uint64_t>(mc.pattern_floor));
  if (scan.tier == TierLevel::none || !scan.over_floor) {
    st.last_signal_direction = 0;
    return scan;
  }
  if (scan.call.direction == st.last_signal_direction) return scan;
  const double close = values[close_column_], atr = values[atr_column_];
  if (std::isnan(close) || std::isnan(atr) || !(atr > 0)) return scan;
  const double dir = scan.call.direction;
  SignalSpec spec;
  spec.direction = dir > 0 ? schema::Direction::UP : schema::Direction::DOWN;
  spec.entry = close;
  spec.stop_loss = close - dir * config_->strategy.stop_atr * atr;
  spec.take_profit = close + dir * config_->strategy.target_atr * atr;
  spec.confidence = scan.call.confidence;
  scan.signal = spec;
  st.last_signal_direction = scan.call.direction;
  return scan;
}

void EnsembleStrategy::save(StateWriter& w) const {
  for (const auto& [name, r] : runners_) r.save(w);
  for (const auto& [sym, st] : symbols_) {
    st.tracker.save(w);
    w.put(st.last_signal_direction);
  }
}

void EnsembleStrategy::load(StateReader& r) {
  for (auto& [name, runner] : runners_) runner.load(r);
  for (auto& [sym, st] : symbols_) {
    st.tracker.load(r);
    r.get(st.last_signal_direction);
  }
}

}  // namespace verity
