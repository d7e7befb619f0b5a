// What runs a session's actors. Either gives the same messages, in the same
// order, with the same bytes and final hash (docs/DETERMINISM.md).
#pragma once

#include <optional>
#include <string_view>

namespace verity {

/// `caf`: CAF's deterministic `testing` scheduler, the actors as CAF typed
/// actors. `direct`: the same handlers on the direct dispatcher
/// (actors/runtime/direct_dispatch.hpp), which keeps the testing
/// scheduler's order without CAF's cost per hop. Batches run direct;
/// everything else runs on CAF unless told otherwise.
enum class Dispatch { caf, direct };

inline std::string_view dispatch_name(Dispatch d) { return d == Dispatch::caf ? "caf" : "direct"; }
inline std::optional<Dispatch> parse_dispatch(std::string_view s) {
  if (s == "caf") return Dispatch::caf;
  if (s == "direct") return Dispatch::direct;
  return std::nullopt;
}

}  // namespace verity
