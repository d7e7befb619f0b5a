// `verity challenge`: N seeded FTMO challenge attempts, each a whole session
// of the actor graph, spread over threads (one session per core at a time).
//
// Attempt i runs with seed Prng(root seed, stream i).next_u64() on a window
// the scenario names: generator paths starting at a seeded minute of the
// year after market.start_time, or (session.source "store") a seeded window
// of the imported candles. The attempt's clock starts at its first bar (the
// strategy stays flat until its own inputs are warm: 200 minutes for the
// EMA baseline) and runs until risk reports a pass or a breach, or
// challenge.max_days pass (expired), or the data ends.
//
// Results depend only on the config and the attempt count: each attempt is
// one deterministic session, results are stored by index, and the batch
// hash chains the attempts' final hashes in index order, so the thread
// count and scheduling never change the summary (except elapsed times).
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "actors/runtime/config.hpp"
#include "actors/runtime/dispatch.hpp"
#include "sim/challenge_types.hpp"

namespace verity {

struct ChallengeOptions {
  std::string scenario;               // the scenario file as given, for the report
  std::uint64_t attempts = 20;
  unsigned threads = 0;               // 0: every core
  std::optional<std::uint64_t> only;  // run just this attempt (to re-verify its hash)
  /// Run just attempts [from, to) of the batch of `attempts`: one piece of a
  /// batch spread over machines (verity challenge --range; sim/partial_result.hpp).
  struct Range {
    std::uint64_t from = 0, to = 0;
  };
  std::optional<Range> range;
  std::string command;                // recorded in each session's manifest
  std::string journal_dir;            // empty: attempts journal in memory, final hash only
  Dispatch dispatch = Dispatch::direct;  // what runs the actors: the same hashes either way
  /// Called after each attempt, from the worker that ran it, under a lock.
  std::function<void(std::uint64_t done, std::uint64_t total, const AttemptResult&)> progress;
};

struct ChallengeRun {
  BatchSpec batch;
  BatchSummary summary;                 // over the attempts run (with `range` or `only`: just those)
  std::vector<AttemptResult> attempts;  // by index
};

/// The batch's identity and summary settings: the scenario as given, the
/// config's canonical hash, this binary's build id, the root seed, `seeds`,
/// the variant, the stress checks and the gate.
BatchSpec batch_spec(const Config& config, const std::string& scenario, std::uint64_t seeds);

/// The summary of `attempts` (in index order) under `batch`: counts, pass
/// rate and interval, breaches, checks, metrics, and the final hash over the
/// attempts' hashes in index order. The gate is judged only when `whole`
/// (the attempts are the batch from index 0). threads and elapsed_s stay 0:
/// they are the caller's (per run, not deterministic). A single run and a
/// merge of partial runs (verity report merge) both summarize through this.
BatchSummary summarize_batch(const BatchSpec& batch, const std::vector<AttemptResult>& attempts, bool whole);

/// The span of stored candles a store-sourced session may use: the first
/// symbol's candles within [session.from, session.to). Fails when there are
/// none, naming the symbol and the folder.
struct StoredWindow {
  std::int64_t from_ns = 0, to_ns = 0;  // to: the end of the last candle
};
std::expected<StoredWindow, std::string> stored_window(const Config& base);

/// The config attempt `index` runs with: its seed and its window.
/// Fails when a stored window cannot be found (no data for the symbol).
std::expected<Config, std::string> attempt_config(const Config& base, std::uint64_t index);

/// One attempt, never throwing: a session error becomes outcome `failed`.
/// With `journal_dir`, the attempt is journaled at base.journal.level into
/// journal_dir/attempt-<index> (RocksDB); else in memory at level hash.
/// Attempts run on the direct dispatcher unless told otherwise: the result
/// and hash are the same on CAF, only slower (actors/runtime/graph.hpp).
AttemptResult run_attempt(const Config& base, std::uint64_t index, const std::string& command,
                          const std::string& journal_dir = "", Dispatch dispatch = Dispatch::direct);

/// A session already configured (seed, window) run as an attempt: the
/// metrics, outcome and checks of AttemptTap, ended by a pass, a breach,
/// challenge.max_days or the data's end. Journaled into `journal_path`
/// (RocksDB) when given, else in memory at config.journal.level. Never throws.
AttemptResult run_configured_attempt(const Config& config, std::uint64_t index, bool keep_curve,
                                     const std::string& command, const std::string& journal_path = "",
                                     Dispatch dispatch = Dispatch::direct);

std::expected<ChallengeRun, std::string> run_challenge(const Config& config, const ChallengeOptions& options);

/// Checks that only a challenge needs, on top of load_config's: the scenario's
/// symbols must be ones the data or the generator can provide.
std::expected<void, std::string> validate_challenge(const Config& config);

}  // namespace verity
