#include "actors/runtime/journal_writer.hpp"

#include "actors/runtime/assert.hpp"

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
    store_.put(Family::journal, key_,
               std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
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
  if (head_.level == JournalLevel::HASH) return {};  // the head is written at close
  if (step_first_output_ != 0) stage_digest();
  stage_head();
  return store_.commit();
}

Status JournalWriter::close() {
  if (auto ok = commit_step(); !ok) return ok;
  head_.closed = true;
  stage_head();
  if (auto ok = store_.commit(); !ok) return ok;
  return store_.flush();
}

}  // namespace verity
