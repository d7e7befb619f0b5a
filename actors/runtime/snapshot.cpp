#include "actors/runtime/snapshot.hpp"

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

}  // namespace verity
