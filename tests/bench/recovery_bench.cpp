// Recovery time with snapshots (issue 5): a session of 210,000 generated bars
// (about 1.06M messages) is recorded at level full with a snapshot every
// 20,000 steps (the default), then resumed as after a crash at its last
// step: the latest snapshot (seq after step 200,000) is loaded, the 200,000
// bars before it are drawn and dropped, and the 10,000 steps after it are run
// again and checked against the journal. Target: at most 1 s.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "actors/runtime/assert.hpp"
#include "actors/runtime/clock.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/rocksdb_store.hpp"
#include "tests/bench/bench_support.hpp"
#include "sim/sim_runner.hpp"

namespace verity {
namespace {

void BM_RecoveryWithSnapshots(benchmark::State& state) {
  const bench::TempDir scratch("recovery");
  const std::string dir = scratch.path() + "/journal";
  Config config;
  config.log.level = "off";
  config.session.bars = 210'000;
  config.journal.level = JournalLevel::FULL;
  config.journal.durability = Durability::async;
  std::uint64_t messages = 0, from = 0;
  {
    auto store = RocksDbStore::open(dir, config.journal.durability);
    VERITY_ASSERT(store.has_value(), "the benchmark journal must open");
    auto r = run_sim(config, **store, "verity_bench recovery");
    VERITY_ASSERT(r.has_value(), "the recording must run");
    messages = r->messages;
  }
  double total_s = 0;
  for (auto _ : state) {
    Stopwatch watch;
    auto store = RocksDbStore::open(dir, config.journal.durability);
    VERITY_ASSERT(store.has_value(), "the benchmark journal must reopen");
    SimHooks hooks;
    hooks.resume = true;
    auto r = run_sim(config, **store, "verity_bench recovery", hooks);
    if (!r) {
      state.SkipWithError(r.error().c_str());
      return;
    }
    from = r->resumed_from_snapshot;
    total_s += watch.elapsed_s();
  }
  state.counters["messages"] = static_cast<double>(messages);
  state.counters["snapshot_seq"] = static_cast<double>(from);
  state.counters["recovery_s"] = total_s / static_cast<double>(state.iterations());
}

BENCHMARK(BM_RecoveryWithSnapshots)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace verity
