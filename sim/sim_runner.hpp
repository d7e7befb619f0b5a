// `verity sim`: one seeded session of the generator through the whole graph,
// journaled. The result names the run by its final hash.
#pragma once

#include <array>
#include <expected>
#include <functional>
#include <string>

#include "actors/runtime/config.hpp"
#include "actors/runtime/dispatch.hpp"
#include "actors/runtime/journal_store.hpp"
#include "actors/runtime/session.hpp"

namespace verity {

struct SimResult {
  std::uint64_t seed = 0;
  std::int64_t bars = 0;
  std::uint64_t session = 0;
  std::uint64_t messages = 0;
  std::uint64_t stored = 0;
  std::uint64_t hops = 0;
  Hash128 final_hash;
  double equity_end_usd = 0;
  double balance_end_usd = 0;
  std::uint64_t trades = 0;
  std::array<std::uint64_t, kKindCount> by_kind{};
  double elapsed_s = 0;
  JournalLevel level = JournalLevel::FULL;
  std::uint64_t resumed_at = 0;  // the journal's last seq when resumed; 0: a fresh run
  std::uint64_t resumed_from_snapshot = 0;  // the snapshot seq a resume started from; 0: the first input
};

/// What a caller may add to a session: an observer of every message (see
/// Session::set_observer), and a test between steps that ends the session
/// early (besides the graph's own stop request, e.g. a breached challenge).
struct SimHooks {
  Session::Observer observer;
  std::function<bool()> stop;
  /// Continue the session if the store holds it (a killed run): the run
  /// starts over, checks every message the journal already has instead of
  /// writing it, and appends from there (JournalWriter::resume).
  bool resume = false;
  /// What runs the actors (actors/runtime/graph.hpp). Either gives the same
  /// messages and final hash; direct skips CAF's cost per hop.
  Dispatch dispatch = Dispatch::caf;
};

/// Runs the session into `store`. `command` is recorded in the manifest;
/// logs go to stderr at config.log.level. With any stress.* bar event on,
/// the bars pass through StressedBarSource (sim/stress.hpp) first.
std::expected<SimResult, std::string> run_sim(const Config& config, JournalStore& store, const std::string& command,
                                              const SimHooks& hooks = {});

/// The summary line: one JSON object (the last line `verity sim` prints).
std::string summary_json(const SimResult& r, const std::string& journal_dir);

}  // namespace verity
