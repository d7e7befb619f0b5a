// The scan cycle in the graph (model.scan_minutes): the baseline decides on
// scan bars only, so every signal is of a bar closing on the cycle, and a
// longer cycle sees fewer crosses (two crosses inside one cycle cancel out).
#include <gtest/gtest.h>

#include <vector>

#include "actors/runtime/memory_store.hpp"
#include "sim/sim_runner.hpp"

namespace verity {
namespace {

constexpr std::int64_t kMinuteNs = 60'000'000'000;

/// The close times of the signals of a seeded baseline sim.
std::vector<std::int64_t> signal_times(std::int64_t scan_minutes) {
  Config c;
  c.log.level = "off";
  c.session.bars = 6'000;
  c.journal.level = JournalLevel::HASH;
  c.model.scan_minutes = scan_minutes;
  MemoryStore store;
  std::vector<std::int64_t> times;
  SimHooks hooks;
  hooks.observer = [&](const FramePtr& f) {
    if (f->kind() == Kind::SIGNAL) times.push_back(f->envelope().getPayload().getSignal().getTimeNs());
  };
  auto r = run_sim(c, store, "test", hooks);
  EXPECT_TRUE(r.has_value()) << r.error();
  return times;
}

TEST(ScanCycle, BaselineSignalsOnlyOnTheCycle) {
  const auto every_bar = signal_times(1);
  const auto two = signal_times(2);
  const auto fifteen = signal_times(15);
  ASSERT_FALSE(fifteen.empty()) << "6,000 bars of a random walk cross the EMAs at 15-minute scans too";
  for (auto t : two) EXPECT_EQ(t % (2 * kMinuteNs), 0) << t;
  for (auto t : fifteen) EXPECT_EQ(t % (15 * kMinuteNs), 0) << t;
  EXPECT_LE(two.size(), every_bar.size());
  EXPECT_LT(fifteen.size(), every_bar.size()) << "a cross and its return inside 15 minutes is not seen";
}

TEST(ScanCycle, DefaultIsTwoMinutes) { EXPECT_EQ(Config{}.model.scan_minutes, 2); }

}  // namespace
}  // namespace verity
