// Journal benchmarks: what writing every message (level full) costs against a
// raw RocksDB WriteBatch of the same bytes, and where the difference goes.
//
// The messages are the sim's real mix (bars, forwards, feature vectors,
// signals, orders, reports, account snapshots): the first kTemplates records
// of a sim run at level full, captured once. A JournalWriter asserts gapless
// seqs from 1, so the benchmarks feed it frames made from those templates
// with the seq restamped (and the checksum redone), a chunk at a time with
// the timer paused. Chunks are small enough to stay in cache, as a frame the
// engine has just built is; a pool of a million ready frames would instead
// measure DRAM misses (about 200 ns a message on this machine).
//
// This file also holds the executable's main(): after the usual table it
// prints the ratios and targets of docs/BENCHMARKS.md, each computed from
// figures measured in the same run.
#include <benchmark/benchmark.h>
#include <capnp/schema.h>
#include <unistd.h>

#include <bit>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "actors/runtime/assert.hpp"
#include "tests/bench/bench_support.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/envelope.hpp"
#include "actors/runtime/hash.hpp"
#include "actors/runtime/journal_writer.hpp"
#include "actors/runtime/memory_store.hpp"
#include "actors/runtime/rocksdb_store.hpp"
#include "sim/sim_runner.hpp"

namespace verity {
namespace {

std::string_view as_chars(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

static_assert(std::endian::native == std::endian::little, "restamping writes Cap'n Proto's little-endian words");

/// Messages appended per benchmark run: a multiple of every step size used.
constexpr std::size_t kRunMessages = 1'000'000;
/// Distinct sim messages the runs cycle through (about 12,000 bars' worth).
constexpr std::size_t kTemplates = 65'536;
/// Frames made per pause of the timer: about 400 KiB with their readers.
constexpr std::size_t kChunkFrames = 1'024;

/// A store that keeps the first `limit` records of the journal family and
/// drops everything else. It lets a sim run at level full hand over its bytes.
class CaptureStore final : public JournalStore {
 public:
  explicit CaptureStore(std::size_t limit) : limit_(limit) { records_.reserve(limit); }

  void put(Family family, std::string_view key, std::string_view value) override {
    if (family == Family::journal && records_.size() < limit_) records_.emplace_back(value);
  }
  void erase_range(Family, std::string_view, std::string_view) override {}
  Status commit() override { return {}; }
  Status flush() override { return {}; }
  std::expected<std::optional<std::string>, std::string> get(Family, std::string_view) override {
    return std::optional<std::string>{};
  }
  Status scan(Family, std::string_view, std::string_view, const ScanFn&) override { return {}; }
  std::string describe() const override { return "capture store"; }

  std::vector<std::string> take() { return std::move(records_); }

 private:
  std::size_t limit_;
  std::vector<std::string> records_;
};

/// Byte offset of the envelope's seq: the root struct's data section starts
/// at kChecksumOffset, and a UInt64 slot's offset counts 8-byte words.
std::size_t seq_byte_offset() {
  auto field = capnp::Schema::from<schema::Envelope>().getFieldByName("seq");
  return kChecksumOffset + 8 * field.getProto().getSlot().getOffset();
}

/// A copy of a sealed record with another seq, sealed again: byte for byte
/// what Session::emit makes for the same message at that seq.
FramePtr restamp(const std::string& record, std::uint64_t seq, std::size_t seq_offset) {
  auto words = kj::heapArray<capnp::word>(record.size() / sizeof(capnp::word));
  auto* bytes = reinterpret_cast<std::uint8_t*>(words.begin());
  std::memcpy(bytes, record.data(), record.size());
  std::memcpy(bytes + seq_offset, &seq, sizeof(seq));
  const std::uint64_t sum = seal_checksum({bytes, record.size()}, kChecksumOffset);
  std::memcpy(bytes + kChecksumOffset, &sum, sizeof(sum));
  return std::make_shared<const Frame>(std::move(words));
}

struct Templates {
  std::vector<std::string> records;  // seqs 1..kTemplates of one sim run
  std::uint64_t session = 0;
  std::size_t seq_offset = 0;
  std::uint64_t mean_bytes = 0;
};

/// Captured on first use and shared by every benchmark in this file.
const Templates& templates() {
  static const Templates t = [] {
    Config config;
    config.log.level = "off";
    config.session.bars = kTemplates / 4;  // the sim makes about 5.5 messages per bar
    config.journal.level = JournalLevel::FULL;
    CaptureStore capture(kTemplates);
    auto result = run_sim(config, capture, "verity_bench templates");
    VERITY_ASSERT(result.has_value(), "the template sim run must succeed");
    Templates out;
    out.records = capture.take();
    VERITY_ASSERT(out.records.size() == kTemplates, "the template sim run must make enough messages");
    out.seq_offset = seq_byte_offset();
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < out.records.size(); ++i) {
      // Restamping a record with its own seq must give back its exact bytes.
      const FramePtr same = restamp(out.records[i], i + 1, out.seq_offset);
      VERITY_ASSERT(as_chars(same->bytes()) == out.records[i], "restamping must reproduce the sealed record");
      total += out.records[i].size();
    }
    auto first = Frame::decode({reinterpret_cast<const std::uint8_t*>(out.records[0].data()), out.records[0].size()});
    VERITY_ASSERT(first.has_value(), "the first template must decode");
    out.session = (*first)->envelope().getSession();
    out.mean_bytes = total / out.records.size();
    return out;
  }();
  return t;
}

/// Hands out frames with seqs 1, 2, 3... made from the templates in order,
/// a chunk at a time with the benchmark's timer paused.
class FrameFeed {
 public:
  explicit FrameFeed(benchmark::State& state) : state_(state), templates_(templates()) { chunk_.reserve(kChunkFrames); }

  const Frame& next() {
    if (index_ == chunk_.size()) refill();
    return *chunk_[index_++];
  }
  std::uint64_t issued() const { return next_seq_ - 1 - (chunk_.size() - index_); }

 private:
  void refill() {
    state_.PauseTiming();
    chunk_.clear();
    for (std::size_t i = 0; i < kChunkFrames; ++i, ++next_seq_) {
      const auto& record = templates_.records[(next_seq_ - 1) % templates_.records.size()];
      chunk_.push_back(restamp(record, next_seq_, templates_.seq_offset));
    }
    index_ = 0;
    state_.ResumeTiming();
  }

  benchmark::State& state_;
  const Templates& templates_;
  std::vector<FramePtr> chunk_;
  std::size_t index_ = 0;
  std::uint64_t next_seq_ = 1;
};

using bench::TempDir;

ManifestInfo bench_manifest(std::uint64_t session, JournalLevel level) {
  ManifestInfo m;
  m.session = session;
  m.level = level;
  m.config = "# benchmark";
  m.config_hash = hash128(m.config);
  m.build_id = VERITY_BUILD_ID;
  m.command = "verity_bench";
  return m;
}

void set_message_counters(benchmark::State& state, std::uint64_t messages) {
  const std::uint64_t mean_bytes = templates().mean_bytes;
  state.SetItemsProcessed(static_cast<std::int64_t>(messages));
  state.SetBytesProcessed(static_cast<std::int64_t>(messages * mean_bytes));
  state.counters["bytes_per_msg"] = static_cast<double>(mean_bytes);
}

/// Appends `messages_per_step` frames per iteration through a JournalWriter
/// at level full and commits the step: what the sim does for every bar.
void append_through_writer(benchmark::State& state, JournalStore& store) {
  const auto k = static_cast<std::size_t>(state.range(0));
  auto writer = JournalWriter::create(store, bench_manifest(templates().session, JournalLevel::FULL), false);
  if (!writer) {
    state.SkipWithError(writer.error().c_str());
    return;
  }
  FrameFeed feed(state);
  for (auto _ : state) {
    for (std::size_t i = 0; i < k; ++i) (*writer)->record(feed.next());
    if (auto ok = (*writer)->commit_step(); !ok) {
      state.SkipWithError(ok.error().c_str());
      break;
    }
  }
  benchmark::DoNotOptimize((*writer)->chain());
  set_message_counters(state, feed.issued());
}

void BM_JournalAppendFull(benchmark::State& state) {
  templates();
  TempDir dir("journal");
  auto store = RocksDbStore::open(dir.path(), Durability::async);
  if (!store) {
    state.SkipWithError(store.error().c_str());
    return;
  }
  append_through_writer(state, **store);
}

/// The same with the WAL off (durability off, as sim batches may choose):
/// what the WAL costs at this step size.
void BM_JournalAppendFullWalOff(benchmark::State& state) {
  templates();
  TempDir dir("journal-wal-off");
  auto store = RocksDbStore::open(dir.path(), Durability::off);
  if (!store) {
    state.SkipWithError(store.error().c_str());
    return;
  }
  append_through_writer(state, **store);
}

void BM_JournalAppendMemory(benchmark::State& state) {
  templates();
  MemoryStore store;
  append_through_writer(state, store);
}

/// The raw counterpart: the same keys (session || seq, big-endian) and the
/// same value bytes, `messages_per_step` puts per WriteBatch, through
/// RocksDbStore's put and commit, which are rocksdb::WriteBatch::Put and
/// DB::Write with the journal's own options. No hash chain, no head record.
void BM_RawRocksDbWriteBatch(benchmark::State& state) {
  const std::uint64_t session = templates().session;
  const auto k = static_cast<std::size_t>(state.range(0));
  TempDir dir("raw");
  auto store = RocksDbStore::open(dir.path(), Durability::async);
  if (!store) {
    state.SkipWithError(store.error().c_str());
    return;
  }
  std::string key;
  key.reserve(16);
  FrameFeed feed(state);
  for (auto _ : state) {
    for (std::size_t i = 0; i < k; ++i) {
      const Frame& frame = feed.next();
      key.clear();
      keys::append_be64(key, session);
      keys::append_be64(key, frame.seq());
      (*store)->put(Family::journal, key, as_chars(frame.bytes()));
    }
    if (auto ok = (*store)->commit(); !ok) {
      state.SkipWithError(ok.error().c_str());
      break;
    }
  }
  set_message_counters(state, feed.issued());
}

/// Only the chain: h[n] = xxh3_128(h[n-1] || envelope bytes), one message per iteration.
void BM_HashChainOnly(benchmark::State& state) {
  templates();
  HashChain chain;
  FrameFeed feed(state);
  for (auto _ : state) benchmark::DoNotOptimize(chain.append(feed.next().bytes()));
  set_message_counters(state, feed.issued());
}

/// Only the seal: the xxh3-64 checksum every envelope carries (seal_checksum),
/// one message per iteration. With BM_HashChainOnly, the two hashes each
/// message costs whatever else changes.
void BM_SealChecksumOnly(benchmark::State& state) {
  templates();
  FrameFeed feed(state);
  for (auto _ : state) benchmark::DoNotOptimize(seal_checksum(feed.next().bytes(), kChecksumOffset));
  set_message_counters(state, feed.issued());
}

// K = 5 is the sim's messages per bar (one step per bar); K = 100 shows what
// bigger batches would buy. Each run appends kRunMessages to a fresh journal.
BENCHMARK(BM_RawRocksDbWriteBatch)->Arg(5)->Iterations(kRunMessages / 5)->UseRealTime();
BENCHMARK(BM_JournalAppendFull)->Arg(5)->Iterations(kRunMessages / 5)->UseRealTime();
BENCHMARK(BM_RawRocksDbWriteBatch)->Arg(100)->Iterations(kRunMessages / 100)->UseRealTime();
BENCHMARK(BM_JournalAppendFull)->Arg(100)->Iterations(kRunMessages / 100)->UseRealTime();
BENCHMARK(BM_JournalAppendFullWalOff)->Arg(5)->Iterations(kRunMessages / 5)->UseRealTime();
BENCHMARK(BM_JournalAppendMemory)->Arg(5)->Iterations(kRunMessages / 5)->UseRealTime();
BENCHMARK(BM_HashChainOnly);
BENCHMARK(BM_SealChecksumOnly);

// --- the summary printed after the table ------------------------------------

/// A figure from the table, compared with a target or with another figure.
struct Check {
  std::string label;
  std::string benchmark;    // function name plus "/args", without iteration or time suffixes
  std::string counter;      // for example items_per_second
  std::string baseline;     // empty: compare the figure itself with `target`
  double target = 0;        // 0: report only
  bool at_most = false;     // the figure must be at most `target` (a time), not at least
};

const std::vector<Check>& checks() {
  static const std::vector<Check> all = {
      {"journal full / raw WriteBatch, K=5", "BM_JournalAppendFull/5", "items_per_second", "BM_RawRocksDbWriteBatch/5",
       0.70},
      {"  the same by thread CPU time", "BM_JournalAppendFull/5", "items_per_cpu_second", "BM_RawRocksDbWriteBatch/5",
       0.70},
      {"journal full, async, K=5 (msgs/s)", "BM_JournalAppendFull/5", "items_per_second", "", 1e6},
      {"journal full / raw WriteBatch, K=100", "BM_JournalAppendFull/100", "items_per_second",
       "BM_RawRocksDbWriteBatch/100", 0.70},
      {"  the same by thread CPU time", "BM_JournalAppendFull/100", "items_per_cpu_second",
       "BM_RawRocksDbWriteBatch/100", 0.70},
      {"journal full, async, K=100 (msgs/s)", "BM_JournalAppendFull/100", "items_per_second", "", 1e6},
      {"journal full, WAL off, K=5 (msgs/s)", "BM_JournalAppendFullWalOff/5", "items_per_second", "", 0},
      {"CAF hops / virtual calls", "BM_CafHops/6", "items_per_second", "BM_FunctionPipeline/6", 0},
      {"CAF hops / std::function calls by value", "BM_CafHops/6", "items_per_second", "BM_StdFunctionPipeline/6", 0},
      {"CAF hops/s, 6 stages", "BM_CafHops/6", "items_per_second", "", 0},
      {"replay verify / recording, ~1M msgs (speed)", "BM_RecordThenReplay", "replay_over_record", "", 2.0},
      {"recovery of a ~1M-msg journal with snapshots (s)", "BM_RecoveryWithSnapshots", "recovery_s", "", 1.0, true},
      {"sim level hash (bars/s)", "BM_Sim/hash", "bars_per_s", "", 1e6},
      {"sim level full, async (bars/s)", "BM_Sim/full", "bars_per_s", "", 3e5},
      {"sim level full, durability off (bars/s)", "BM_Sim/full_durability_off", "bars_per_s", "", 0},
      // Challenge batches (challenge_bench.cpp): 432M bars in 3 min is 2.4M bars/s.
      {"challenge, 2 threads (bars/s)", "BM_ChallengeBatch/threads:2/direct:1", "bars_per_s", "",
       bench::kChallengeBars / bench::kChallengeTargetS},
      {"  per core (bars/s)", "BM_ChallengeBatch/threads:2/direct:1", "bars_per_s_per_core", "", 0},
      {"  10k x 30 days projected (s)", "BM_ChallengeBatch/threads:2/direct:1", "projected_432M_s", "",
       bench::kChallengeTargetS, true},
      {"  cores used (process CPU s / wall s)", "BM_ChallengeBatch/threads:2/direct:1", "cores_used", "", 0},
      {"challenge, 2 threads / 1 thread", "BM_ChallengeBatch/threads:2/direct:1", "bars_per_s",
       "BM_ChallengeBatch/threads:1/direct:1", 0},
      {"challenge, direct / CAF dispatch, 2 threads", "BM_ChallengeBatch/threads:2/direct:1", "bars_per_s",
       "BM_ChallengeBatch/threads:2/direct:0", 0},
      {"challenge messages per bar", "BM_ChallengeBatch/threads:2/direct:1", "messages_per_bar", "", 0},
      {"challenge / plain loop, 2 threads", "BM_ChallengeBatch/threads:2/direct:1", "bars_per_s",
       "BM_PlainLoopCeiling/2", 0},
      {"plain loop, 2 threads, per core (bars/s)", "BM_PlainLoopCeiling/2", "bars_per_s_per_core", "", 0},
      {"plain loop, 2 threads / 1 thread", "BM_PlainLoopCeiling/2", "bars_per_s", "BM_PlainLoopCeiling/1", 0},
      {"generator alone, 2 threads, per core (bars/s)", "BM_GeneratorOnly/2", "bars_per_s_per_core", "", 0},
      {"challenge, 1 thread / grademark (1 thread)", "BM_ChallengeBatch/threads:1/direct:1", "bars_per_s",
       "BM_ReferenceGrademark", 0},
  };
  return all;
}

/// The console table as usual, then one line per check whose figures ran.
/// Repetitions are averaged (the mean of the plain runs, not the aggregates).
class SummaryReporter final : public benchmark::ConsoleReporter {
 public:
  explicit SummaryReporter(OutputOptions options) : ConsoleReporter(options) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      std::string name = run.run_name.function_name;
      if (!run.run_name.args.empty()) name += "/" + run.run_name.args;
      for (const auto& [counter, value] : run.counters) figures_[name][counter].push_back(value.value);
      // The same rate per second of the benchmark thread's CPU time: on a
      // shared machine it moves less than wall time when others take the cores.
      auto items = run.counters.find("items_per_second");
      if (items != run.counters.end() && run.cpu_accumulated_time > 0) {
        figures_[name]["items_per_cpu_second"].push_back(items->second.value * run.real_accumulated_time /
                                                         run.cpu_accumulated_time);
      }
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    auto& out = GetOutputStream();
    bool header = false;
    for (const Check& c : checks()) {
      auto figure = mean(c.benchmark, c.counter);
      if (!figure) continue;
      double value = *figure;
      if (!c.baseline.empty()) {
        auto base = mean(c.baseline, c.counter);
        if (!base || *base == 0) continue;
        value /= *base;
      }
      if (!header) {
        out << "\nSummary (means over repetitions, same run):\n";
        header = true;
      }
      char line[256];
      const bool met = c.at_most ? value <= c.target : value >= c.target;
      const char* verdict = c.target == 0 ? "report" : (met ? "met" : "MISSED");
      if (c.baseline.empty()) {
        std::snprintf(line, sizeof(line), "  %-44s %14.*f   target %s%9.0f   %s\n", c.label.c_str(),
                      value < 100 ? 2 : 0, value, c.at_most ? "<" : " ", c.target, verdict);
      } else {
        std::snprintf(line, sizeof(line), "  %-44s %14.4g   target %10.2f   %s\n", c.label.c_str(), value, c.target,
                      verdict);
      }
      out << line;
    }
    print_challenge_floor(out);
  }

 private:
  /// What a challenge bar costs at least, in this run's figures: its bars,
  /// features and strategy alone (the plain loop on one thread), plus the
  /// two hashes every message takes (BM_HashChainOnly, BM_SealChecksumOnly)
  /// times the batch's messages per bar. Nothing else the engine does is in
  /// it: not building, dispatching or reading the messages, nor risk, venue
  /// or portfolio. Against the 0.83 us a bar a core (432M bars in
  /// 180 s on 2 cores).
  void print_challenge_floor(std::ostream& out) const {
    const auto plain = mean("BM_PlainLoopCeiling/1", "bars_per_s");
    const auto chain = mean("BM_HashChainOnly", "items_per_second");
    const auto checksum = mean("BM_SealChecksumOnly", "items_per_second");
    const auto messages = mean("BM_ChallengeBatch/threads:2/direct:1", "messages_per_bar");
    if (!plain || !chain || !checksum || !messages) return;
    const double plain_us = 1e6 / *plain, hashes_us = *messages * (1e6 / *chain + 1e6 / *checksum);
    const double floor_us = plain_us + hashes_us, budget_us = 2 * bench::kChallengeTargetS / bench::kChallengeBars * 1e6;
    char line[512];
    std::snprintf(line, sizeof(line),
                  "  challenge floor, us a bar a core: plain loop %.3f + %.2f msgs x 2 hashes %.3f = %.3f; budget %.3f; "
                  "432M on 2 cores >= %.0f s   %s\n",
                  plain_us, *messages, hashes_us, floor_us, budget_us, bench::kChallengeBars * floor_us / 1e6 / 2,
                  floor_us <= budget_us ? "fits" : "ABOVE THE BUDGET");
    out << line;
  }

  std::optional<double> mean(const std::string& benchmark, const std::string& counter) const {
    auto b = figures_.find(benchmark);
    if (b == figures_.end()) return std::nullopt;
    auto c = b->second.find(counter);
    if (c == b->second.end() || c->second.empty()) return std::nullopt;
    double sum = 0;
    for (double v : c->second) sum += v;
    return sum / static_cast<double>(c->second.size());
  }

  std::map<std::string, std::map<std::string, std::vector<double>>> figures_;
};

bool flag_given(int argc, char** argv, std::string_view prefix) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]).starts_with(prefix)) return true;
  }
  return false;
}

}  // namespace
}  // namespace verity

int main(int argc, char** argv) {
  // Read before Initialize, which removes the flags it knows from argv.
  const bool console = !verity::flag_given(argc, argv, "--benchmark_format=") ||
                       verity::flag_given(argc, argv, "--benchmark_format=console");
  const bool no_color = verity::flag_given(argc, argv, "--benchmark_color=false") ||
                        verity::flag_given(argc, argv, "--benchmark_color=no");
  const bool tabular = verity::flag_given(argc, argv, "--benchmark_counters_tabular=true");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (console) {
    int options = benchmark::ConsoleReporter::OO_None;
    if (!no_color && ::isatty(STDOUT_FILENO)) options |= benchmark::ConsoleReporter::OO_Color;
    if (tabular) options |= benchmark::ConsoleReporter::OO_Tabular;
    verity::SummaryReporter reporter(static_cast<benchmark::ConsoleReporter::OutputOptions>(options));
    benchmark::RunSpecifiedBenchmarks(&reporter);
  } else {
    benchmark::RunSpecifiedBenchmarks();
  }
  benchmark::Shutdown();
  return 0;
}
