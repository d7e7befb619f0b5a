// Challenge batches (issue 4): `verity challenge`'s throughput on this
// machine, against a plain loop over the same bars, and against an
// independent backtesting engine over the same bars.
//
// The target: 10,000 attempts of 30 days of 1-minute bars (432M
// bars) at journal level hash in at most 3 minutes on both cores, that is
// at least 2.4M bars/s. A full run takes far longer than a benchmark should,
// so each case here runs kAttempts attempts of scenarios/ftmo_2step_100k.toml
// and projects: 432M bars / (bars/s). Passes and breaches stop attempts
// early, so the figures count the bars actually run (BatchSummary::bars).
//
//  - BM_ChallengeBatch/threads:T/direct:D: run_challenge on T threads (one
//    session per thread, journal level hash in memory), as `verity
//    challenge` runs: on the direct dispatcher (D 1, the default), or on
//    CAF's testing scheduler (D 0, `--dispatch caf`). The batch hash is
//    checked to be the same in every case.
//  - BM_PlainLoopCeiling/T: the same attempts' bars (attempt_config and
//    make_session_inputs: the same generator, seeds and bar counts) through
//    the same FeatureEngine and EmaCrossStrategy the features and model
//    actors use, in a plain loop: no actors, no messages, no journal, no
//    risk or venue. The ceiling for the engine around them.
//  - BM_PlainLoopEmaCross/T: the same bars through the EMA 50/200 cross
//    alone (two Ema and a side), the least any EMA-crossover backtest does.
//  - BM_GeneratorOnly/T: the same bars, generated and dropped: what the
//    generator alone costs.
//  - BM_ReferenceGrademark: grademark, a JavaScript backtester on data-forge
//    (tests/bench/reference), runs the EMA 50/200 crossover over the same
//    bars, one backtest per attempt, on one core (node is single-threaded).
//    Skipped, with the reason, without node or `npm ci --prefix
//    tests/bench/reference`.
//
// Every case runs once (Iterations(1)) and times itself by wall clock; it
// also reports the process's CPU seconds over the wall seconds (cores_used:
// about 2 when both cores work). Rates per core are bars/s / threads.
#include <benchmark/benchmark.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "actors/features/indicators.hpp"
#include "actors/model/ema_cross.hpp"
#include "actors/runtime/assert.hpp"
#include "actors/runtime/clock.hpp"
#include "tests/bench/bench_support.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/prng.hpp"
#include "sim/challenge_runner.hpp"
#include "sim/session_inputs.hpp"
#include "sim/stress.hpp"

namespace verity {
namespace {

/// Attempts per case: 2.07M bars when all expire at 30 days (as they do with
/// seed 42), about 4.3 s on two cores and 8.4 s on one here.
constexpr std::uint64_t kAttempts = 48;

using bench::cpu_seconds;

/// The embedded scenario, logs off, the environment ignored.
const std::expected<Config, std::string>& scenario() {
  static const std::expected<Config, std::string> config =
      load_config(std::string(VERITY_FEATURES_SOURCE_DIR) + "/scenarios/ftmo_2step_100k.toml",
                  {{"log.level", "off", "challenge_bench"}}, {});
  return config;
}

/// What a batch of kAttempts ran: each attempt's bar count (the plain loops
/// run the same bars) and the batch hash (the same on any thread count).
struct BatchPlan {
  std::vector<std::uint64_t> bars;
  std::string final_hash;
};
std::optional<BatchPlan>& plan_cache() {
  static std::optional<BatchPlan> plan;
  return plan;
}

std::expected<ChallengeRun, std::string> run_batch(unsigned threads, Dispatch dispatch = Dispatch::direct) {
  const auto& config = scenario();
  if (!config) return std::unexpected(config.error());
  ChallengeOptions o;
  o.scenario = "scenarios/ftmo_2step_100k.toml";
  o.attempts = kAttempts;
  o.threads = threads;
  o.command = "verity_bench challenge";
  o.dispatch = dispatch;
  auto run = run_challenge(*config, o);
  if (run && !plan_cache()) {
    BatchPlan plan;
    for (const AttemptResult& a : run->attempts) plan.bars.push_back(a.bars);
    plan.final_hash = run->summary.final_hash;
    plan_cache() = std::move(plan);
  }
  return run;
}

/// The plan, running the batch untimed when no BM_ChallengeBatch ran yet.
std::expected<const BatchPlan*, std::string> plan() {
  if (!plan_cache()) {
    auto run = run_batch(2);
    if (!run) return std::unexpected(run.error());
  }
  return &*plan_cache();
}

struct Timing {
  double wall_s = 0, cpu_s = 0;
};

/// work(k) for k in [0, n) on `threads` threads, each taking the next k.
template <class F>
Timing run_parallel(unsigned threads, std::size_t n, F&& work) {
  const double cpu0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  const Stopwatch wall;
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t k = next++; k < n; k = next++) work(k);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  return {wall.elapsed_s(), cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0};
}

void set_rates(benchmark::State& state, double bars, unsigned threads, const Timing& t) {
  state.SetIterationTime(t.wall_s);
  state.SetItemsProcessed(static_cast<std::int64_t>(bars));
  const double rate = bars / t.wall_s;
  state.counters["bars"] = bars;
  state.counters["bars_per_s"] = rate;
  state.counters["bars_per_s_per_core"] = rate / threads;
  state.counters["bars_per_cpu_s"] = bars / t.cpu_s;
  state.counters["cores_used"] = t.cpu_s / t.wall_s;
  state.counters["projected_432M_s"] = bench::kChallengeBars / rate;
}

// --- the challenge ------------------------------------------------------------

void BM_ChallengeBatch(benchmark::State& state) {
  const auto threads = static_cast<unsigned>(state.range(0));
  std::optional<ChallengeRun> run;
  Timing t;
  for (auto _ : state) {
    const double cpu0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
    const Stopwatch wall;
    auto r = run_batch(threads, state.range(1) != 0 ? Dispatch::direct : Dispatch::caf);
    t = {wall.elapsed_s(), cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0};
    if (!r) {
      state.SkipWithError(r.error().c_str());
      return;
    }
    run = std::move(*r);
  }
  const BatchSummary& s = run->summary;
  if (s.outcomes.at("failed") > 0) {
    state.SkipWithError("an attempt failed");
    return;
  }
  if (s.final_hash != plan_cache()->final_hash) {
    state.SkipWithError("the batch hash differs from the first batch's: the thread count or dispatcher changed it");
    return;
  }
  set_rates(state, static_cast<double>(s.bars), s.threads, t);
  double messages = 0;
  for (const AttemptResult& a : run->attempts) messages += static_cast<double>(a.messages);
  state.counters["messages_per_bar"] = messages / static_cast<double>(s.bars);
  state.counters["attempts"] = static_cast<double>(s.attempts);
  state.counters["passed"] = static_cast<double>(s.passed);
  state.SetLabel("batch_hash=" + s.final_hash.substr(0, 16));
}
BENCHMARK(BM_ChallengeBatch)
    ->ArgNames({"threads", "direct"})
    ->Args({2, 1})
    ->Args({1, 1})
    ->Args({2, 0})
    ->Args({1, 0})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);

// --- the same bars in a plain loop ------------------------------------------

enum class Loop { generator, ema_cross, ceiling, capture };

/// Attempt k's bars, as its session reads them, through `loop`. Returns a
/// figure that depends on every bar, so nothing is optimized away; fills
/// `capture` with the bars for Loop::capture.
double plain_attempt(const Config& base, std::uint64_t index, std::uint64_t bars, Loop loop,
                     std::vector<BarData>* capture = nullptr) {
  auto config = attempt_config(base, index);
  VERITY_ASSERT(config.has_value(), "a generator attempt's config always builds");
  const PrngStreams streams(config->session.seed);
  auto inputs = make_session_inputs(*config, streams);
  VERITY_ASSERT(inputs.has_value(), "the scenario's inputs load");
  if (has_bar_stress(config->stress)) {  // as run_sim does (the scenario has none)
    inputs->bars = std::make_unique<StressedBarSource>(std::move(inputs->bars), config->stress,
                                                       streams.stream("stress"),
                                                       std::max<std::int64_t>(config->session.bars * config->market.bar_interval_s / 60, 1));
  }
  BarSource& source = *inputs->bars;
  double sink = 0;
  switch (loop) {
    case Loop::generator:
      for (std::uint64_t i = 0; i < bars; ++i) sink += source.next()->close;
      break;
    case Loop::ema_cross: {
      Ema fast(static_cast<std::size_t>(config->features.ema_fast));
      Ema slow(static_cast<std::size_t>(config->features.ema_slow));
      int last = 0;
      for (std::uint64_t i = 0; i < bars; ++i) {
        const double close = source.next()->close;
        const double f = fast.update(close), s = slow.update(close);
        if (!slow.ready()) continue;
        const int side = f > s ? 1 : (f < s ? -1 : 0);
        if (side != 0 && last != 0 && side != last) sink += side;  // a cross
        if (side != 0) last = side;
      }
      break;
    }
    case Loop::ceiling: {
      // The features actor's engine and the model actor's strategy, fed
      // as the model feeds it: its own four columns, warm when none is NaN.
      FeatureEngine engine(config->features);
      EmaCrossStrategy strategy(config->strategy);
      for (std::uint64_t i = 0; i < bars; ++i) {
        const FeatureRow full = engine.update(*source.next());
        FeatureRow row;
        row.close = full.close;
        row.ema_fast = full.ema_fast;
        row.ema_slow = full.ema_slow;
        row.atr = full.atr;
        row.ready = !std::isnan(row.close) && !std::isnan(row.ema_fast) && !std::isnan(row.ema_slow) &&
                    !std::isnan(row.atr);
        if (auto signal = strategy.on_features(row)) sink += signal->stop_loss;
      }
      break;
    }
    case Loop::capture:
      for (std::uint64_t i = 0; i < bars; ++i) capture->push_back(*source.next());
      break;
  }
  return sink;
}

void run_plain(benchmark::State& state, Loop loop) {
  const auto threads = static_cast<unsigned>(state.range(0));
  const auto& config = scenario();
  if (!config) {
    state.SkipWithError(config.error().c_str());
    return;
  }
  auto p = plan();
  if (!p) {
    state.SkipWithError(p.error().c_str());
    return;
  }
  const std::vector<std::uint64_t>& bars = (*p)->bars;
  double total = 0;
  for (std::uint64_t b : bars) total += static_cast<double>(b);
  Timing t;
  for (auto _ : state) {
    std::vector<double> sinks(bars.size());
    t = run_parallel(threads, bars.size(), [&](std::size_t k) { sinks[k] = plain_attempt(*config, k, bars[k], loop); });
    benchmark::DoNotOptimize(sinks.data());
  }
  set_rates(state, total, threads, t);
}

void BM_PlainLoopCeiling(benchmark::State& state) { run_plain(state, Loop::ceiling); }
void BM_PlainLoopEmaCross(benchmark::State& state) { run_plain(state, Loop::ema_cross); }
void BM_GeneratorOnly(benchmark::State& state) { run_plain(state, Loop::generator); }
BENCHMARK(BM_PlainLoopCeiling)->Arg(2)->Arg(1)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PlainLoopEmaCross)->Arg(2)->Arg(1)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GeneratorOnly)->Arg(2)->Arg(1)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

// --- the generator's draws ----------------------------------------------------
//
// A calibrated bar takes 32 standard normals (scenarios/market/btcusdt_1m.toml:
// substeps = 32). BM_PrngNormals/1 draws them as the generator does, with
// Prng::normals (uniforms four PCG steps at a time, the polar tries without
// branches, the logarithms in AVX2 lanes); BM_PrngNormals/0 with 32 calls
// of Prng::normal(), the same values one by one. Items are normals.

void BM_PrngNormals(benchmark::State& state) {
  const bool batch = state.range(0) != 0;
  Prng prng(42, 7);
  double out[32];
  for (auto _ : state) {
    if (batch) {
      prng.normals(out, 32);
    } else {
      for (double& x : out) x = prng.normal();
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 32);
}
BENCHMARK(BM_PrngNormals)->Arg(1)->Arg(0);

// --- a reference engine -------------------------------------------------------

double json_number(const std::string& text, const std::string& key) {
  const auto at = text.find("\"" + key + "\":");
  return at == std::string::npos ? 0 : std::strtod(text.c_str() + at + key.size() + 3, nullptr);
}

void BM_ReferenceGrademark(benchmark::State& state) {
  const std::string dir = std::string(VERITY_FEATURES_SOURCE_DIR) + "/tests/bench/reference";
  if (std::system("command -v node >/dev/null 2>&1") != 0) {
    state.SkipWithError("node is not installed");
    return;
  }
  if (!std::filesystem::exists(dir + "/node_modules/grademark")) {
    state.SkipWithError("tests/bench/reference/node_modules is missing: npm ci --prefix tests/bench/reference");
    return;
  }
  const auto& config = scenario();
  if (!config) {
    state.SkipWithError(config.error().c_str());
    return;
  }
  auto p = plan();
  if (!p) {
    state.SkipWithError(p.error().c_str());
    return;
  }
  // The batch's bars, [attempt, open_time_ms, open, high, low, close, volume].
  const std::string bin = (std::filesystem::temp_directory_path() /
                           ("verity-challenge-bench-" + std::to_string(::getpid()) + ".bin")).string();
  double total = 0;
  {
    std::vector<double> rec;
    for (std::size_t k = 0; k < (*p)->bars.size(); ++k) {
      std::vector<BarData> bars;
      plain_attempt(*config, k, (*p)->bars[k], Loop::capture, &bars);
      for (const BarData& b : bars) {
        rec.insert(rec.end(), {static_cast<double>(k), static_cast<double>(b.open_time_ns / 1'000'000), b.open, b.high,
                               b.low, b.close, b.volume});
      }
      total += static_cast<double>(bars.size());
    }
    std::ofstream out(bin, std::ios::binary);
    out.write(reinterpret_cast<const char*>(rec.data()), static_cast<std::streamsize>(rec.size() * sizeof(double)));
  }
  std::string output;
  for (auto _ : state) {
    const std::string cmd = "node " + dir + "/ema_cross_grademark.js " + bin + " 1 2>&1";
    if (std::FILE* pipe = ::popen(cmd.c_str(), "r")) {
      char buf[4096];
      while (std::fgets(buf, sizeof buf, pipe)) output += buf;
      ::pclose(pipe);
    }
    state.SetIterationTime(json_number(output, "wall_s"));
  }
  std::filesystem::remove(bin);
  const double rate = json_number(output, "bars_per_s");
  if (rate == 0 || json_number(output, "bars") != total) {
    state.SkipWithError(("the reference failed: " + output).c_str());
    return;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
  state.counters["bars"] = total;
  state.counters["bars_per_s"] = rate;
  state.counters["bars_per_s_per_core"] = rate;
  state.counters["bars_per_cpu_s"] = json_number(output, "bars_per_cpu_s");
  state.counters["trades"] = json_number(output, "trades");
  state.counters["projected_432M_s"] = bench::kChallengeBars / rate;
  state.SetLabel("grademark 0.3.0, node, 1 thread");
}
BENCHMARK(BM_ReferenceGrademark)->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);

}  // namespace
}  // namespace verity
