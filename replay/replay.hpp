// Replaying a journaled session: rebuild the graph from the session's
// manifest (its canonical config, seed and data sources), feed it the
// journaled inputs in seq order, and compare what it makes with what was
// recorded.
//
// At level full every message is compared byte for byte at its seq, and the
// final hash against the recorded head. The first difference stops the
// replay and is reported with its seq, actor, kind, both messages decoded
// and a field-level diff. A journal that fails its own checks (checksum,
// seq, chain) is an error, never "identical".
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/runtime/config.hpp"
#include "actors/runtime/envelope.hpp"
#include "actors/runtime/hash.hpp"
#include "actors/runtime/journal_store.hpp"
#include "actors/runtime/snapshot.hpp"

namespace verity {

/// One field that differs between two messages: its path in the envelope
/// ("payload.accountSnapshot.equityUsd") and both values as text.
struct FieldDiff {
  std::string path, recorded, replayed;
};

/// Field-level differences between two envelopes (the checksum word is
/// left out: it differs whenever anything else does).
std::vector<FieldDiff> diff_frames(const Frame& recorded, const Frame& replayed);

struct Divergence {
  std::uint64_t seq = 0;
  std::string actor;     // the recorded message's source actor
  std::string kind;      // the recorded message's kind
  std::string recorded;  // decoded, one line; empty when the replay made a message the journal lacks
  std::string replayed;  // decoded, one line; empty when the replay made nothing at this seq
  std::vector<FieldDiff> fields;
  std::string what;      // plain words
};

struct ReplayResult {
  std::uint64_t session = 0;
  bool identical = false;
  bool partial = false;         // a range: the final hash is the chain at the range's end
  std::uint64_t from_snapshot = 0;  // the snapshot seq the replay started from; 0: the first input
  std::uint64_t messages = 0;   // messages the replay made (and compared)
  std::uint64_t inputs = 0;
  Hash128 final_hash;           // the replay's chain
  Hash128 recorded_hash;        // the journal head's chain
  std::optional<Divergence> divergence;
  std::vector<std::string> warnings;  // e.g. a different build id
  double elapsed_s = 0;
};

struct ExecutionMetrics;
class JournalReader;

/// What a replay needs from a recorded session: its manifest and head, the
/// config it ran with (plus the keys of `override_path`, for a what-if), and
/// the execution metrics it named, checked against their recorded hash.
struct SessionModels;
struct RecordedSession {
  std::uint64_t session = 0;
  Config config;
  std::shared_ptr<const ExecutionMetrics> metrics;  // null when the manifest names none
  std::shared_ptr<const SessionModels> models;      // the recorded models, by hash; null when none ran
  std::vector<std::string> warnings;
};
/// Models come from `registry_dir` ("": the config's model.registry), each
/// checked against the hash the manifest recorded; `model_pins` (name ->
/// version) replace some of them, for a what-if.
std::expected<RecordedSession, std::string> load_recorded(JournalReader& reader, const std::string& override_path = "",
                                                          const std::string& registry_dir = "",
                                                          const std::map<std::string, std::string>& model_pins = {});

/// Runs the graph with `config` over the session's journaled inputs, in seq
/// order, until they end or risk asks to stop; `observer` sees every message
/// made. Returns the chain of the run.
struct InputsRun {
  Hash128 chain;
  std::uint64_t messages = 0, inputs = 0;
  bool stopped_early = false;  // risk asked to stop before the inputs ended
};
std::expected<InputsRun, std::string> run_inputs(JournalReader& reader, const RecordedSession& recorded,
                                                 const Config& config, const std::function<void(const FramePtr&)>& observer);

/// The one session in `store`, or the one whose hex id starts with
/// `prefix` (when not empty). Errors name what is there.
std::expected<std::uint64_t, std::string> pick_session(JournalStore& store, const std::string& prefix);

/// What part of a session to replay, and who sees each replayed message.
/// The graph always starts from the session's first input (its state is
/// built by every earlier step); `from_seq` only says where comparing and
/// showing start. `to_seq` and `until_ns` end the replay after the step
/// that reaches them.
struct ReplayOptions {
  std::uint64_t from_seq = 1;
  std::uint64_t to_seq = UINT64_MAX;
  std::int64_t until_ns = INT64_MAX;  // last input time replayed
  /// Start from the latest snapshot at or before this seq (UINT64_MAX: the
  /// latest of all) instead of the first input; 0: from the start.
  std::uint64_t snapshot_seq = 0;
  /// The model registry the session's models load from ("": model.registry).
  std::string registry_dir;
  /// Sees each replayed message with seq >= from_seq, after it is compared.
  std::function<void(const Frame& replayed)> on_message;
};

/// Verifies a session recorded at level full.
std::expected<ReplayResult, std::string> replay_verify(JournalStore& store, std::uint64_t session,
                                                       const ReplayOptions& options = {});

/// The summary line `verity replay --verify` prints last.
std::string replay_json(const ReplayResult& r);

}  // namespace verity
