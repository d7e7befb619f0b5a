// The model strategy (docs/MODELS.md): every feature vector of a symbol goes
// into its members' windows (push), and each scan (model.scan_minutes, the
// model actor's ScanSchedule) runs that symbol's member networks over the
// windows as they stand, combines their calibrated
// probabilities with the configured ensemble weights, takes off the
// conservative bias, tiers the confidence with hysteresis, applies the
// per-pattern sample floor, and turns a new call into a signal with an ATR
// stop and target (the baseline's distances, strategy.stop_atr/target_atr).
//
// A signal is made when a call becomes tradeable (tier in force at least
// low, pattern over its floor) in a direction other than the last signal's;
// a scan with no tradeable call re-arms the symbol. So a call held for many
// scans is one signal, not one per bar. Domain logic only: the model actor
// sends what a scan returns.
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "actors/model/ema_cross.hpp"
#include "models/confidence.hpp"
#include "models/predictor.hpp"
#include "models/session_models.hpp"

namespace verity {

struct Config;

struct MemberScan {
  const LoadedModel* model = nullptr;
  ModelOutput output;
};

struct Scan {
  std::vector<MemberScan> members;      // those whose window was full
  bool scored = false;                  // every member of the symbol scored
  double p_up = 0.5;                    // the ensemble's, calibrated
  Call call;                            // direction and confidence after the bias
  TierLevel tier = TierLevel::none;     // in force, after hysteresis
  std::string pattern;
  bool over_floor = false;
  std::optional<SignalSpec> signal;
};

class EnsembleStrategy {
 public:
  /// `models` must outlive the strategy.
  static std::expected<EnsembleStrategy, std::string> make(const Config& config, const SessionModels& models);

  /// One feature vector of `symbol` into every member's window.
  void push(const std::string& symbol, std::int64_t close_time_ns, std::span<const double> values);
  /// A scan of `symbol` after its latest push, whose feature vector is
  /// `values` (for the close, ATR, regime and sessions of a signal).
  Scan scan(const std::string& symbol, std::span<const double> values);

  /// The runner of a member by registry name (online learning updates its head).
  ModelRunner* runner(const std::string& name);

  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  struct Member {
    std::string name;
    double weight = 0;
  };
  struct SymbolState {
    TierTracker tracker;
    int last_signal_direction = 0;
  };
  const Config* config_ = nullptr;
  const SessionModels* models_ = nullptr;
  std::map<std::string, ModelRunner> runners_;            // by model name
  std::map<std::string, std::vector<Member>> members_;    // by symbol
  std::map<std::string, SymbolState> symbols_;
  std::size_t close_column_ = 0, atr_column_ = 0, regime_column_ = 0, tokyo_column_ = 0, london_column_ = 0,
              new_york_column_ = 0;
};

}  // namespace verity
