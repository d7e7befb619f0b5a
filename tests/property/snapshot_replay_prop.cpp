// Snapshot plus tail equals a full replay (issue 5): a session recorded with
// frequent snapshots replays identically, message for message and to the
// same final hash, from any of its snapshots, chosen at random.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "tests/support/rc_gen.hpp"

#include "actors/runtime/memory_store.hpp"
#include "replay/replay.hpp"
#include "sim/sim_runner.hpp"

namespace verity {
namespace {

using testing::int_in;


RC_GTEST_PROP(SnapshotReplay, SnapshotPlusTailEqualsAFullReplay, ()) {
  Config config;
  config.log.level = "off";
  config.session.seed = static_cast<std::uint64_t>(int_in(0, 1'000'000));
  config.session.bars = int_in(300, 3'000);
  config.journal.level = JournalLevel::FULL;
  config.journal.snapshot_every = int_in(1, static_cast<int>(config.session.bars) + 1);  // at least one snapshot
  MemoryStore store;
  auto sim = run_sim(config, store, "verity_tests snapshot property");
  RC_ASSERT(sim.has_value());
  auto seqs = snapshot_seqs(store, sim->session);
  RC_ASSERT(seqs.has_value());
  RC_ASSERT(!seqs->empty());
  const std::uint64_t pick = (*seqs)[static_cast<std::size_t>(int_in(0, static_cast<int>(seqs->size())))];
  ReplayOptions from_snapshot;
  from_snapshot.snapshot_seq = pick;
  auto tail = replay_verify(store, sim->session, from_snapshot);
  RC_ASSERT(tail.has_value());
  RC_ASSERT(tail->from_snapshot == pick);
  RC_ASSERT(tail->identical);
  RC_ASSERT(tail->final_hash == sim->final_hash);
  RC_ASSERT(tail->from_snapshot + tail->messages == sim->messages);
  auto full = replay_verify(store, sim->session);
  RC_ASSERT(full.has_value());
  RC_ASSERT(full->identical);
  RC_ASSERT(full->final_hash == tail->final_hash);
}

TEST(SnapshotReplay, ADamagedSnapshotIsAnErrorNamingIt) {
  Config config;
  config.log.level = "off";
  config.session.bars = 500;
  config.journal.snapshot_every = 100;
  MemoryStore store;
  auto sim = run_sim(config, store, "verity_tests snapshot damage");
  ASSERT_TRUE(sim.has_value()) << sim.error();
  auto seqs = snapshot_seqs(store, sim->session);
  ASSERT_TRUE(seqs.has_value());
  ASSERT_EQ(seqs->size(), 5u);
  // Flip a byte in the middle of the last snapshot.
  auto& snaps = store.family(Family::snapshots);
  ASSERT_FALSE(snaps.empty());
  auto last = std::prev(snaps.end());
  last->second[last->second.size() / 2] ^= 0x40;
  ReplayOptions o;
  o.snapshot_seq = UINT64_MAX;
  auto r = replay_verify(store, sim->session, o);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("snapshot at seq " + std::to_string(seqs->back())), std::string::npos) << r.error();
}

}  // namespace
}  // namespace verity
