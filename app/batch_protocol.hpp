// The messages between `verity challenge --workers` (the coordinator) and
// `verity batch worker` over CAF's middleman (docs/DISTRIBUTED.md). Only
// built-in CAF types travel (atoms, std::string, std::uint64_t), so nothing
// needs type registration and both ends agree as long as they are the same
// CAF version.
//
//   coordinator -> worker:
//     (run_range_atom, secret, canonical config TOML, scenario, seeds, from, to, tag)
//   worker -> coordinator (sent to the request's sender, tag echoed):
//     (range_done_atom, tag, partial result JSON text)   attempts [from, to), as --partial writes
//     (refused_atom,    tag, reason)                     the secret did not match; nothing ran
//     (range_failed_atom, tag, reason)                   the config or the range was bad
//
// The tag names one dispatch, so the coordinator drops a late answer for a
// range it already gave to another worker.
#pragma once

#include <caf/atom.hpp>

#include <cstdint>
#include <string_view>

namespace verity::app {

using run_range_atom = caf::atom_constant<caf::atom("runrange")>;
using range_done_atom = caf::atom_constant<caf::atom("rangedone")>;
using range_failed_atom = caf::atom_constant<caf::atom("rangefail")>;
using refused_atom = caf::atom_constant<caf::atom("refused")>;

/// The variable (or VAR_FILE, a file holding it) both ends read the shared
/// secret from (live/secrets.hpp). Not VERITY_*: load_config refuses unknown
/// VERITY_ variables.
inline constexpr std::string_view kBatchSecretVar = "BATCH_SECRET";

/// True when `given` equals `expected`, in time that depends only on
/// expected's length, so a wrong guess learns nothing from how long the
/// refusal took.
inline bool secret_matches(std::string_view given, std::string_view expected) {
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff |= static_cast<unsigned char>(g ^ static_cast<unsigned char>(expected[i]));
  }
  return diff == 0;
}

}  // namespace verity::app
