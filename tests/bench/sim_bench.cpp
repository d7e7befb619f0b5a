// End-to-end benchmark: `verity sim` over a million generated bars through
// the whole actor graph, journaled into RocksDB at level hash and level full.
//
// Each case runs once (Iterations(1)): a run is long enough to time on its
// own, and a second run would only repeat the same deterministic work. Both
// levels use a RocksDbStore, as `verity sim` does; at level hash it holds
// only the manifest and the closing head. The label is the run's final hash,
// which must be the same at every level.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <string>

#include "actors/runtime/assert.hpp"
#include "tests/bench/bench_support.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/rocksdb_store.hpp"
#include "sim/sim_runner.hpp"

namespace verity {
namespace {

constexpr std::int64_t kSimBars = 1'000'000;

using bench::cpu_seconds;

void BM_Sim(benchmark::State& state, JournalLevel level, Durability durability) {
  bench::TempDir dir("sim");
  Config config;
  config.log.level = "off";
  config.session.bars = kSimBars;
  config.journal.dir = dir.path() + "/journal";
  config.journal.level = level;
  config.journal.durability = durability;
  SimResult result;
  double thread_cpu_s = 0;
  double process_cpu_s = 0;
  for (auto _ : state) {
    const double thread_start = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
    const double process_start = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
    // Opening the store is part of a run, as it is for `verity sim`; so is
    // close(), which flushes the memtables.
    auto store = RocksDbStore::open(config.journal.dir, config.journal.durability);
    if (!store) {
      state.SkipWithError(store.error().c_str());
      return;
    }
    auto r = run_sim(config, **store, "verity_bench sim");
    if (!r) {
      state.SkipWithError(r.error().c_str());
      return;
    }
    result = *r;
    store->reset();
    thread_cpu_s += cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - thread_start;
    process_cpu_s += cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - process_start;
  }
  VERITY_ASSERT(result.bars == kSimBars, "the sim must run every bar");
  const double bars = static_cast<double>(result.bars);
  const double messages = static_cast<double>(result.messages);
  state.SetItemsProcessed(static_cast<std::int64_t>(result.bars));
  state.counters["bars_per_s"] = benchmark::Counter(bars, benchmark::Counter::kIsRate);
  state.counters["msgs_per_s"] = benchmark::Counter(messages, benchmark::Counter::kIsRate);
  state.counters["hops_per_s"] = benchmark::Counter(static_cast<double>(result.hops), benchmark::Counter::kIsRate);
  state.counters["msgs_per_bar"] = messages / bars;
  // Rates per CPU second: steadier than wall time on a shared machine. The
  // process figure counts every thread, so it is what the run costs in all.
  state.counters["bars_per_thread_cpu_s"] = bars / thread_cpu_s;
  state.counters["bars_per_process_cpu_s"] = bars / process_cpu_s;
  state.counters["stored"] = static_cast<double>(result.stored);
  state.SetLabel("final_hash=" + result.final_hash.hex());
}

BENCHMARK_CAPTURE(BM_Sim, hash, JournalLevel::HASH, Durability::async)->Iterations(1)->UseRealTime()->Unit(
    benchmark::kSecond);
BENCHMARK_CAPTURE(BM_Sim, full, JournalLevel::FULL, Durability::async)->Iterations(1)->UseRealTime()->Unit(
    benchmark::kSecond);
BENCHMARK_CAPTURE(BM_Sim, full_durability_off, JournalLevel::FULL, Durability::off)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kSecond);

}  // namespace
}  // namespace verity
