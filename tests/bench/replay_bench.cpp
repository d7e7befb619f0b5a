// Replay verification against recording, in the same run: a session of
// 200,000 generated bars (about 1M messages) is recorded at level full
// (durability async, as `verity sim` does by default), then `replay_verify`
// re-runs it from the journal and compares every message. The target
// (issue 5): verification at least twice the recording speed.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "actors/runtime/assert.hpp"
#include "actors/runtime/clock.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/rocksdb_store.hpp"
#include "tests/bench/bench_support.hpp"
#include "replay/replay.hpp"
#include "sim/sim_runner.hpp"

namespace verity {
namespace {

void BM_RecordThenReplay(benchmark::State& state) {
  const bench::TempDir scratch("replay");
  const std::string dir = scratch.path() + "/journal";
  Config config;
  config.log.level = "off";
  config.session.bars = 200'000;
  config.journal.level = JournalLevel::FULL;
  config.journal.durability = Durability::async;
  double record_s = 0, replay_s = 0;
  std::uint64_t messages = 0;
  for (auto _ : state) {
    std::filesystem::remove_all(dir);
    Stopwatch record;
    {
      auto store = RocksDbStore::open(dir, config.journal.durability);
      VERITY_ASSERT(store.has_value(), "the benchmark journal must open");
      auto r = run_sim(config, **store, "verity_bench replay");
      if (!r) {
        state.SkipWithError(r.error().c_str());
        return;
      }
      messages = r->messages;
    }
    record_s += record.elapsed_s();
    Stopwatch replay;
    auto store = RocksDbStore::open_read_only(dir);
    VERITY_ASSERT(store.has_value(), "the benchmark journal must reopen");
    auto session = pick_session(**store, "");
    VERITY_ASSERT(session.has_value(), "one session");
    auto v = replay_verify(**store, *session);
    if (!v || !v->identical) {
      state.SkipWithError(v ? "replay diverged" : v.error().c_str());
      return;
    }
    replay_s += replay.elapsed_s();
  }
  const double n = static_cast<double>(messages) * static_cast<double>(state.iterations());
  state.counters["messages"] = static_cast<double>(messages);
  state.counters["record_msgs_per_s"] = n / record_s;
  state.counters["replay_msgs_per_s"] = n / replay_s;
  state.counters["replay_over_record"] = record_s / replay_s;
}

BENCHMARK(BM_RecordThenReplay)->Iterations(2)->UseRealTime()->Unit(benchmark::kSecond);

}  // namespace
}  // namespace verity
