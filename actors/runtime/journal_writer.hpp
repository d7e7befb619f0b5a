// The journal's write side for one session: it hashes every message into the
// chain, stores what the journal level asks for, and commits one batch per
// step with the head record that names the last complete step.
#pragma once

#include <memory>

#include "actors/runtime/envelope.hpp"
#include "actors/runtime/journal_records.hpp"
#include "actors/runtime/journal_store.hpp"

namespace verity {

class JournalWriter {
 public:
  /// Starts a session: writes its manifest and an empty head. A session with
  /// the same id already in the store is an error unless `replace_existing`,
  /// in which case its records are removed first.
  static std::expected<std::unique_ptr<JournalWriter>, std::string> create(JournalStore& store,
                                                                           ManifestInfo manifest,
                                                                           bool replace_existing);

  /// Continues a session the store already holds, e.g. a run that was
  /// killed: its head names the last committed step. The caller runs the
  /// session again from its start; every message up to that step is checked
  /// against the journal instead of written again (its stored bytes where
  /// the level stored them, and the chain at that step against the head),
  /// then appending resumes after it. A session not in the store starts
  /// fresh, as create() would. A difference is an error from commit_step.
  static std::expected<std::unique_ptr<JournalWriter>, std::string> resume(JournalStore& store,
                                                                           ManifestInfo manifest);
  /// True while messages are checked against the journal, not written.
  bool catching_up() const { return head_.last_seq < catch_up_until_; }
  /// The last seq the journal held when resumed (0: a fresh start).
  std::uint64_t resumed_at() const { return catch_up_until_; }

  /// Stores a snapshot taken after the last committed step (levels full and
  /// inputs: at level hash there is no journal tail to replay after it).
  Status write_snapshot(const struct SnapshotInfo& snapshot);
  /// Continues from a snapshot's position: a replay's scratch writer, or a
  /// resumed one (which then checks only the journal after the snapshot).
  void restore_position(std::uint64_t last_seq, const Hash128& chain, std::uint64_t messages, std::uint64_t steps);
  std::uint64_t steps() const { return head_.steps; }

  /// Takes the next envelope, in seq order. Inputs (source `external`) are
  /// stored at levels full and inputs; outputs only at full.
  void record(const Frame& frame);
  /// Commits the step: its records, its digest (level inputs) and the head,
  /// in one batch.
  Status commit_step();
  /// Marks the head closed and makes everything durable.
  Status close();

  std::uint64_t session() const { return head_.session; }
  const Hash128& chain() const { return chain_.head(); }
  std::uint64_t messages() const { return head_.messages; }
  std::uint64_t stored() const { return head_.stored; }
  std::uint64_t last_seq() const { return head_.last_seq; }
  JournalLevel level() const { return head_.level; }
  const ManifestInfo& manifest() const { return manifest_; }

 private:
  JournalWriter(JournalStore& store, ManifestInfo manifest);
  void stage_head();
  void stage_digest();

  JournalStore& store_;
  ManifestInfo manifest_;
  HeadInfo head_;
  HashChain chain_;
  std::string key_;                       // reused record key
  std::uint64_t step_first_output_ = 0;   // 0: no output yet in this step
  std::uint64_t step_last_output_ = 0;
  bool step_dirty_ = false;
  // Resuming: the head found in the store, and the first difference seen.
  std::uint64_t catch_up_until_ = 0;
  Hash128 resumed_chain_{};
  std::string catch_up_error_;
};

}  // namespace verity
