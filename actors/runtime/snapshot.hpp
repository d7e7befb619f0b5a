// Snapshots of a session's actor states (issue 5). Each actor registers how
// to save and load its state when it is spawned; between steps, when every
// actor is idle on the session's thread, the registry saves them all, and
// before the first input of a restart it loads them. Nothing goes through
// the actors' mailboxes, so taking a snapshot never changes the messages
// or the hash chain.
#pragma once

#include <expected>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "actors/runtime/envelope.hpp"
#include "actors/runtime/hash.hpp"
#include "actors/runtime/state_archive.hpp"

namespace verity {

class SnapshotRegistry {
 public:
  using Save = std::function<void(StateWriter&)>;
  using Load = std::function<void(StateReader&)>;

  void add(ActorId actor, Save save, Load load) { entries_[actor] = {std::move(save), std::move(load)}; }

  /// Every registered actor's state, by actor.
  std::map<ActorId, std::string> save_all() const;
  /// Loads each actor's state; an actor registered but missing from
  /// `states`, a state that does not read back whole, or an unknown actor is
  /// an error naming the actor. `what` names the snapshot in errors.
  std::expected<void, std::string> load_all(const std::map<ActorId, std::string>& states,
                                            const std::string& what) const;

 private:
  std::map<ActorId, std::pair<Save, Load>> entries_;
};

/// A map of per-symbol objects that need their config to be built (a
/// FeatureEngine, a strategy): the count, then each key and its state.
template <class T>
void save_keyed(StateWriter& w, const std::map<std::string, T>& m) {
  w.put(static_cast<std::uint64_t>(m.size()));
  for (const auto& [key, value] : m) w.put_all(key, value);
}
/// Reads what save_keyed wrote, building each object with `make()` first.
template <class T, class Make>
void load_keyed(StateReader& r, std::map<std::string, T>& m, Make make) {
  std::uint64_t n = 0;
  r.get(n);
  m.clear();
  for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
    std::string key;
    r.get(key);
    T value = make();
    r.get(value);
    if (r.ok()) m.emplace(std::move(key), std::move(value));
  }
}

/// A snapshot as stored: the actors' states and the writer's position.
struct SnapshotInfo {
  std::uint64_t session = 0, seq = 0, messages = 0, steps = 0;
  std::int64_t time_ns = 0;
  Hash128 chain;
  std::map<ActorId, std::string> actors;
  std::vector<std::uint64_t> counts;
  std::string last_account;  // sealed envelope bytes, or empty
};

class JournalStore;

/// The seqs of a session's snapshots in `store`, ascending.
std::expected<std::vector<std::uint64_t>, std::string> snapshot_seqs(JournalStore& store, std::uint64_t session);
/// The seq of the session's latest snapshot at or before `seq`; 0 when none.
std::expected<std::uint64_t, std::string> latest_snapshot_seq(JournalStore& store, std::uint64_t session,
                                                              std::uint64_t seq);
/// One snapshot, verified (seal, session, seq); errors name it.
std::expected<SnapshotInfo, std::string> read_snapshot(JournalStore& store, std::uint64_t session, std::uint64_t seq);

std::string encode(const SnapshotInfo& s);
/// Verifies the seal, then decodes; errors say what is wrong.
std::expected<SnapshotInfo, std::string> decode_snapshot(std::string_view bytes);

}  // namespace verity
