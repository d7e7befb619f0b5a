#include "actors/runtime/snapshot.hpp"

#include "actors/runtime/journal_store.hpp"
#include "actors/runtime/log.hpp"

namespace verity {

std::map<ActorId, std::string> SnapshotRegistry::save_all() const {
  std::map<ActorId, std::string> out;
  for (const auto& [actor, fns] : entries_) {
    StateWriter w;
    fns.first(w);
    out[actor] = w.bytes();
  }
  return out;
}

std::expected<void, std::string> SnapshotRegistry::load_all(const std::map<ActorId, std::string>& states,
                                                            const std::string& what) const {
  for (const auto& [actor, state] : states) {
    if (!entries_.contains(actor)) {
      return std::unexpected(what + " holds a state for " + std::string(actor_name(actor)) +
                             ", which this graph does not have");
    }
  }
  for (const auto& [actor, fns] : entries_) {
    const auto it = states.find(actor);
    if (it == states.end()) return std::unexpected(what + " has no state for " + std::string(actor_name(actor)));
    StateReader r(it->second, what + ", " + std::string(actor_name(actor)));
    fns.second(r);
    if (r.ok() && !r.at_end()) r.fail("bytes left over after the state");
    if (!r.ok()) return std::unexpected(r.error());
  }
  return {};
}

std::expected<std::vector<std::uint64_t>, std::string> snapshot_seqs(JournalStore& store, std::uint64_t session) {
  std::vector<std::uint64_t> out;
  auto ok = store.scan(Family::snapshots, keys::record(session, 0), keys::session_end(session),
                       [&](std::string_view key, std::string_view) {
                         if (key.size() == 16) {
                           std::uint64_t seq = 0;
                           for (int i = 8; i < 16; ++i) seq = (seq << 8) | static_cast<std::uint8_t>(key[i]);
                           out.push_back(seq);
                         }
                         return true;
                       });
  if (!ok) return std::unexpected(ok.error());
  return out;
}

std::expected<SnapshotInfo, std::string> read_snapshot(JournalStore& store, std::uint64_t session, std::uint64_t seq) {
  auto bytes = store.get(Family::snapshots, keys::record(session, seq));
  if (!bytes) return std::unexpected(bytes.error());
  const std::string what = "the snapshot at seq " + std::to_string(seq) + " of session " + session_hex(session);
  if (!bytes->has_value()) return std::unexpected(what + " is not in the journal");
  auto s = decode_snapshot(**bytes);
  if (!s) return std::unexpected(what + ": " + s.error());
  if (s->session != session || s->seq != seq) return std::unexpected(what + " names another session or seq");
  return s;
}

std::expected<std::uint64_t, std::string> latest_snapshot_seq(JournalStore& store, std::uint64_t session,
                                                              std::uint64_t seq) {
  auto seqs = snapshot_seqs(store, session);
  if (!seqs) return std::unexpected(seqs.error());
  std::uint64_t pick = 0;
  for (std::uint64_t s : *seqs) {
    if (s <= seq) pick = s;
  }
  return pick;
}

}  // namespace verity
