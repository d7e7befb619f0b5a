#include "actors/runtime/journal_writer.hpp"

#include "actors/runtime/assert.hpp"
#include "actors/runtime/snapshot.hpp"

namespace verity {

JournalWriter::JournalWriter(JournalStore& store, ManifestInfo manifest)
    : store_(store), manifest_(std::move(manifest)) {
  head_.session = manifest_.session;
  head_.level = manifest_.level;
  key_.reserve(16);
}

std::expected<std::unique_ptr<JournalWriter>, std::string> JournalWriter::create(JournalStore& store,
                                                                                 ManifestInfo manifest,
                                                                                 bool replace_existing) {
  const std::uint64_t session = manifest.session;
  auto existing = store.get(Family::meta, keys::meta(session, keys::kManifest));
  if (!existing) return std::unexpected(existing.error());
  if (existing->has_value()) {
    if (!replace_existing) {
      return std::unexpected("session " + std::to_string(session) + " is already in the " + store.describe() +
                             "; choose another folder or allow replacing it");
    }
    store.erase_range(Family::journal, keys::record(session, 0), keys::session_end(session));
    store.erase_range(Family::meta, keys::meta(session, '\0'), keys::session_end(session));
  }
  std::unique_ptr<JournalWriter> w(new JournalWriter(store, std::move(manifest)));
  store.put(Family::meta, keys::meta(session, keys::kManifest), encode(w->manifest_));
  w->stage_head();
  if (auto ok = store.commit(); !ok) return std::unexpected(ok.error());
  return w;
}

std::expected<std::unique_ptr<JournalWriter>, std::string> JournalWriter::resume(JournalStore& store,
                                                                                 ManifestInfo manifest) {
  const std::uint64_t session = manifest.session;
  auto stored_manifest = store.get(Family::meta, keys::meta(session, keys::kManifest));
  if (!stored_manifest) return std::unexpected(stored_manifest.error());
  if (!stored_manifest->has_value()) return create(store, std::move(manifest), /*replace_existing=*/false);
  auto m = decode_manifest(**stored_manifest);
  if (!m) return std::unexpected("session " + std::to_string(session) + ": its manifest cannot be read: " + m.error());
  if (m->config_hash != manifest.config_hash || m->root_seed != manifest.root_seed || m->level != manifest.level) {
    return std::unexpected("the journal's session " + std::to_string(session) +
                           " was recorded with another config, seed or level; it cannot be resumed with these");
  }
  auto stored_head = store.get(Family::meta, keys::meta(session, keys::kHead));
  if (!stored_head) return std::unexpected(stored_head.error());
  if (!stored_head->has_value()) return std::unexpected("session " + std::to_string(session) + " has no head record");
  auto head = decode_head(**stored_head);
  if (!head) return std::unexpected("session " + std::to_string(session) + ": its head cannot be read: " + head.error());
  std::unique_ptr<JournalWriter> w(new JournalWriter(store, std::move(*m)));
  w->catch_up_until_ = head->last_seq;
  w->resumed_chain_ = head->chain;
  return w;
}

void JournalWriter::record(const Frame& frame) {
  const std::uint64_t seq = frame.seq();
  VERITY_ASSERT(seq == head_.last_seq + 1, "journal records must arrive in gapless seq order");
  const bool input = frame.source() == ActorId::EXTERNAL;
  if (input && step_first_output_ != 0) {
    // An input after outputs in the same step (a live clock reading, say):
    // the outputs so far get their digest now, with the chain value before
    // this input, so no digest straddles an input.
    stage_digest();
  }
  auto bytes = frame.bytes();
  chain_.append(bytes);
  head_.last_seq = seq;
  head_.messages += 1;
  head_.last_time_ns = frame.time_ns();
  step_dirty_ = true;

  const bool store_it = head_.level == JournalLevel::FULL || (input && head_.level == JournalLevel::INPUTS);
  if (store_it) {
    key_.clear();
    keys::append_be64(key_, head_.session);
    keys::append_be64(key_, seq);
    const std::string_view value(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (seq <= catch_up_until_) {
      // Resuming: the journal has this record already; it must be the same.
      auto stored = store_.get(Family::journal, key_);
      if (catch_up_error_.empty() && (!stored || !stored->has_value() || **stored != value)) {
        catch_up_error_ = "seq " + std::to_string(seq) + ": the resumed run made another message than the journal holds" +
                          (stored ? "" : " (" + stored.error() + ")");
      }
    } else {
      store_.put(Family::journal, key_, value);
    }
    head_.stored += 1;
  }
  if (!input && head_.level == JournalLevel::INPUTS) {
    if (step_first_output_ == 0) step_first_output_ = seq;
    step_last_output_ = seq;
  }
}

void JournalWriter::stage_digest() {
  // The chain value after the last output: the current head, because the
  // digest is staged before any later record is hashed.
  StepDigestInfo d{head_.session, step_first_output_, step_last_output_, chain_.head()};
  store_.put(Family::meta, keys::meta_seq(head_.session, keys::kDigest, d.first_seq), encode(d));
  step_first_output_ = step_last_output_ = 0;
}

void JournalWriter::stage_head() {
  head_.chain = chain_.head();
  store_.put(Family::meta, keys::meta(head_.session, keys::kHead), encode(head_));
}

Status JournalWriter::commit_step() {
  if (!step_dirty_) return {};
  step_dirty_ = false;
  head_.steps += 1;
  if (!catch_up_error_.empty()) return std::unexpected(catch_up_error_);
  if (catch_up_until_ != 0 && head_.last_seq <= catch_up_until_) {
    // Resuming: the step is in the journal already; write nothing. At the
    // step the head named, the chain must be the one it recorded.
    step_first_output_ = step_last_output_ = 0;
    if (head_.last_seq == catch_up_until_ && chain_.head() != resumed_chain_) {
      catch_up_error_ = "seq " + std::to_string(head_.last_seq) + ": the resumed run's chain " + chain_.head().hex() +
                        " differs from the journal head's " + resumed_chain_.hex();
      return std::unexpected(catch_up_error_);
    }
    return {};
  }
  if (head_.level == JournalLevel::HASH) return {};  // the head is written at close
  if (step_first_output_ != 0) stage_digest();
  stage_head();
  return store_.commit();
}

Status JournalWriter::close() {
  if (auto ok = commit_step(); !ok) return ok;
  if (head_.last_seq < catch_up_until_) {
    return std::unexpected("the resumed run ended at seq " + std::to_string(head_.last_seq) +
                           ", before the journal's last seq " + std::to_string(catch_up_until_));
  }
  head_.closed = true;
  stage_head();
  if (auto ok = store_.commit(); !ok) return ok;
  return store_.flush();
}

Status JournalWriter::write_snapshot(const SnapshotInfo& snapshot) {
  if (head_.level == JournalLevel::HASH || snapshot.seq <= catch_up_until_) return {};
  store_.put(Family::snapshots, keys::record(head_.session, snapshot.seq), encode(snapshot));
  return store_.commit();
}

void JournalWriter::restore_position(std::uint64_t last_seq, const Hash128& chain, std::uint64_t messages,
                                     std::uint64_t steps) {
  head_.last_seq = last_seq;
  head_.messages = messages;
  head_.steps = steps;
  // What the level stored up to here: every message, or one input a step.
  head_.stored = head_.level == JournalLevel::FULL ? messages : head_.level == JournalLevel::INPUTS ? steps : 0;
  chain_.reset(chain);
}

}  // namespace verity

