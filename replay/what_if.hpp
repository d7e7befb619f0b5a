// What-if replays: the same journaled inputs under another config, compared
// with the session as recorded (re-run from its manifest, so a journal at
// level inputs works too).
//
// Both runs keep the recorded session id, so their envelopes are byte-equal
// until the first seq where the change makes a difference: that is the first
// divergence. After it seqs shift, so the rest is compared by content:
// signals (time, symbol, direction), risk decisions (time, symbol), round-trip
// trades, P&L and equity, and the FTMO outcome of each run.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <map>
#include <string>
#include <vector>

#include "actors/runtime/journal_store.hpp"
#include "replay/replay.hpp"
#include "sim/challenge_types.hpp"

namespace verity {

struct WhatIfRun {
  std::string hash;           // the run's chain
  std::uint64_t messages = 0;
  AttemptResult result;       // outcome, breach, metrics, hourly curve (sim/attempt_tap.hpp)
  std::vector<TradeRecord> trades;
};

struct WhatIfResult {
  std::uint64_t session = 0;
  std::vector<std::string> changed_keys;  // "risk.risk_per_trade_pct: 0.5 -> 1.0"
  std::optional<Divergence> first_divergence;
  std::vector<std::string> signals_added, signals_removed;
  std::vector<std::string> decisions_changed;
  std::vector<std::string> trades_added, trades_removed;
  WhatIfRun baseline, variant;
  std::vector<std::string> warnings;
};

/// `override_path`: a TOML file whose keys replace the recorded config's.
/// `model_pins` (name -> version) run other registry versions of the
/// session's models, from `registry_dir` ("": model.registry).
std::expected<WhatIfResult, std::string> replay_what_if(JournalStore& store, std::uint64_t session,
                                                        const std::string& override_path,
                                                        const std::map<std::string, std::string>& model_pins = {},
                                                        const std::string& registry_dir = "");

/// The result as JSON: `full` for the report file (every signal, decision
/// and trade listed, both equity curves and their delta), else the summary
/// line (counts only).
std::string what_if_json(const WhatIfResult& r, bool full);

/// A plain-text summary for the terminal.
std::string what_if_text(const WhatIfResult& r);

}  // namespace verity
