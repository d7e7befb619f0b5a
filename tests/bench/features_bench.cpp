// Feature set 2 over a million 1-minute bars on one core (target: 5M bars/s),
// against the reference library in the same run.
//
// BM_FeatureEngine times FeatureEngine::update over the bars, every column
// of every row, by wall time and by the thread's CPU time (on a shared
// machine the two differ). BM_FeaturesVsTaLib times the same engine (best
// of 3), then runs the node reference (tests/reference/features_reference.js
// bench: TA-Lib's C code as WebAssembly over the same bars, written to a
// temporary file) and reports both rates and their ratios: against every
// reference column (TA-Lib calls, the JavaScript resampling for the 15m/1h
// columns, Intl's time zones for the sessions) and against the TA-Lib calls
// alone. The reference's figures are its own timing of the computation,
// best of 3, without node's start-up or file reading.
// BM_Indicator/* split the engine's cost by part, for the profile in
// docs/BENCHMARKS.md.
#include <benchmark/benchmark.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "actors/runtime/clock.hpp"
#include "actors/features/indicators.hpp"
#include "actors/runtime/assert.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/detmath.hpp"

// tests/support/candles.hpp finds the shared data through VERITY_SOURCE_DIR;
// the benchmark never reads it, but the header needs the name.
#ifndef VERITY_SOURCE_DIR
#define VERITY_SOURCE_DIR VERITY_FEATURES_SOURCE_DIR
#endif
#include "tests/support/candles.hpp"

namespace verity {
namespace {

constexpr std::size_t kBars = 1'000'000;

const std::vector<BarData>& bench_bars() {
  static const std::vector<BarData> bars = testing::random_minute_bars(2024, kBars, 0.001);
  return bars;
}

/// Seconds of this thread's CPU time: on a shared machine wall time also
/// counts the time other processes hold the core.
double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct PassTime {
  double wall_s = 0, cpu_s = 0;
};

/// One pass of a fresh engine over every bar, timed by the project's
/// Stopwatch (wall time stays inside actors/runtime/clock).
PassTime engine_pass(const FeaturesConfig& config) {
  const auto& bars = bench_bars();
  const Stopwatch watch;
  const double cpu_start = thread_cpu_seconds();
  FeatureEngine engine(config);
  double sink = 0;
  for (const BarData& b : bars) {
    const FeatureRow row = engine.update(b);
    sink += row.rsi_1h;
    benchmark::DoNotOptimize(row);
  }
  benchmark::DoNotOptimize(sink);
  PassTime t;
  t.cpu_s = thread_cpu_seconds() - cpu_start;
  t.wall_s = watch.elapsed_s();
  return t;
}

void BM_FeatureEngine(benchmark::State& state) {
  const FeaturesConfig config;
  bench_bars();
  double cpu = 0;
  for (auto _ : state) {
    const PassTime t = engine_pass(config);
    cpu += t.cpu_s;
    state.SetIterationTime(t.wall_s);
  }
  const double bars = static_cast<double>(kBars) * static_cast<double>(state.iterations());
  state.counters["bars_per_s"] = benchmark::Counter(bars, benchmark::Counter::kIsRate);
  state.counters["bars_per_cpu_s"] = bars / cpu;
}
BENCHMARK(BM_FeatureEngine)->Iterations(5)->UseManualTime()->Unit(benchmark::kMillisecond);

struct ReferenceRate {
  double bars_per_s = 0, bars_per_cpu_s = 0;  // every reference column
  double talib_only_bars_per_s = 0;           // the TA-Lib calls alone
};

double json_number(const std::string& text, const std::string& key) {
  const auto at = text.find("\"" + key + "\":");
  return at == std::string::npos ? 0 : std::stod(text.substr(at + key.size() + 3));
}

/// Runs the node reference over the benchmark's bars; zero rates, with
/// `why`, when it cannot run here.
ReferenceRate reference_rate(std::string& why) {
  const std::string root = VERITY_FEATURES_SOURCE_DIR;
  const std::string script = root + "/tests/reference/features_reference.js";
  if (std::system("command -v node >/dev/null 2>&1") != 0) {
    why = "node is not installed";
    return {};
  }
  if (!std::filesystem::exists(root + "/tests/reference/node_modules/talib-web")) {
    why = "tests/reference/node_modules is missing: run infra/deps.sh";
    return {};
  }
  const std::string bin = (std::filesystem::temp_directory_path() /
                           ("verity-features-bench-" + std::to_string(::getpid()) + ".bin")).string();
  {
    std::vector<double> rec;
    rec.reserve(kBars * 6);
    for (const BarData& b : bench_bars()) {
      const double time_ms = static_cast<double>(b.open_time_ns / 1'000'000);
      rec.insert(rec.end(), {time_ms, b.open, b.high, b.low, b.close, b.volume});
    }
    std::ofstream out(bin, std::ios::binary);
    out.write(reinterpret_cast<const char*>(rec.data()), static_cast<std::streamsize>(rec.size() * sizeof(double)));
  }
  const std::string cmd = "node " + script + " bench " + bin + " 3 2>&1";
  std::string output;
  if (std::FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (std::fgets(buf, sizeof buf, p)) output += buf;
    ::pclose(p);
  }
  std::filesystem::remove(bin);
  ReferenceRate r{json_number(output, "bars_per_s"), json_number(output, "bars_per_cpu_s"),
                  json_number(output, "talib_only_bars_per_s")};
  if (r.bars_per_s == 0) why = "the reference failed: " + output;
  return r;
}

void BM_FeaturesVsTaLib(benchmark::State& state) {
  const FeaturesConfig config;
  bench_bars();
  PassTime best{1e300, 1e300};
  ReferenceRate reference;
  std::string why;
  for (auto _ : state) {
    for (int i = 0; i < 3; ++i) {
      const PassTime t = engine_pass(config);
      best.wall_s = std::min(best.wall_s, t.wall_s);
      best.cpu_s = std::min(best.cpu_s, t.cpu_s);
    }
    reference = reference_rate(why);
    state.SetIterationTime(best.wall_s);
  }
  if (reference.bars_per_s == 0) {
    state.SkipWithError(why.c_str());
    return;
  }
  const double ours = static_cast<double>(kBars) / best.wall_s, ours_cpu = static_cast<double>(kBars) / best.cpu_s;
  state.counters["ours_bars_per_s"] = ours;
  state.counters["talib_bars_per_s"] = reference.bars_per_s;
  state.counters["ratio"] = ours / reference.bars_per_s;
  state.counters["ours_bars_per_cpu_s"] = ours_cpu;
  state.counters["talib_bars_per_cpu_s"] = reference.bars_per_cpu_s;
  state.counters["ratio_cpu"] = reference.bars_per_cpu_s > 0 ? ours_cpu / reference.bars_per_cpu_s : 0;
  state.counters["talib_calls_only_bars_per_s"] = reference.talib_only_bars_per_s;
  state.counters["ratio_vs_calls_only"] =
      reference.talib_only_bars_per_s > 0 ? ours / reference.talib_only_bars_per_s : 0;
}
BENCHMARK(BM_FeaturesVsTaLib)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

// --- the engine's parts -------------------------------------------------------

template <class F>
void run_part(benchmark::State& state, F&& part) {
  const auto& bars = bench_bars();
  for (auto _ : state) {
    for (const BarData& b : bars) part(b);
  }
  const double processed = static_cast<double>(kBars) * static_cast<double>(state.iterations());
  state.counters["bars_per_s"] = benchmark::Counter(processed, benchmark::Counter::kIsRate);
}

void BM_Indicator(benchmark::State& state) {
  const FeaturesConfig c;
  switch (state.range(0)) {
    case 0: {
      state.SetLabel("sma 200 (WindowSums)");
      Sma sma(200);
      run_part(state, [&](const BarData& b) { benchmark::DoNotOptimize(sma.update(b.close)); });
      break;
    }
    case 1: {
      state.SetLabel("ema x2");
      Ema a(50), b2(200);
      run_part(state, [&](const BarData& b) {
        benchmark::DoNotOptimize(a.update(b.close));
        benchmark::DoNotOptimize(b2.update(b.close));
      });
      break;
    }
    case 2: {
      state.SetLabel("rsi + macd");
      Rsi rsi(14);
      Macd macd(12, 26, 9);
      run_part(state, [&](const BarData& b) {
        benchmark::DoNotOptimize(rsi.update(b.close));
        macd.update(b.close);
        benchmark::DoNotOptimize(macd.histogram());
      });
      break;
    }
    case 3: {
      state.SetLabel("bollinger 20");
      Bollinger bb(20, 2.0);
      run_part(state, [&](const BarData& b) {
        bb.update(b.close);
        benchmark::DoNotOptimize(bb.percent_b());
      });
      break;
    }
    case 4: {
      state.SetLabel("atr + obv");
      Atr atr(14);
      Obv obv;
      run_part(state, [&](const BarData& b) {
        benchmark::DoNotOptimize(atr.update(b.high, b.low, b.close));
        benchmark::DoNotOptimize(obv.update(b.close, b.volume));
      });
      break;
    }
    case 5: {
      state.SetLabel("log return (det_log)");
      double prev = 1;
      run_part(state, [&](const BarData& b) {
        benchmark::DoNotOptimize(det_log(b.close / prev));
        prev = b.close;
      });
      break;
    }
    case 9: {
      state.SetLabel("volatility 30 (WindowSums) + sqrt");
      WindowSums<true> returns(30);
      run_part(state, [&](const BarData& b) {
        returns.push(b.close * 1e-8);
        benchmark::DoNotOptimize(std::sqrt(window_variance(returns.parts())));
      });
      break;
    }
    case 10: {
      state.SetLabel("regime 1440 (bin counts)");
      VolatilityRegime regime(1440);
      double prev = 1;
      run_part(state, [&](const BarData& b) {
        // A slowly moving positive series like a rolling volatility.
        prev = prev * 0.97 + (b.high - b.low) / b.close * 0.03;
        regime.update(prev);
        benchmark::DoNotOptimize(regime.percentile());
      });
      break;
    }
    case 6: {
      state.SetLabel("sessions (hourly cache)");
      SessionClock clock;
      run_part(state, [&](const BarData& b) { benchmark::DoNotOptimize(clock.at(b.open_time_ns).london); });
      break;
    }
    case 7: {
      state.SetLabel("15m + 1h trend");
      HtfTrend m15(kHtf15mNs, 14, 50), h1(kHtf1hNs, 14, 50);
      run_part(state, [&](const BarData& b) {
        m15.update(b);
        h1.update(b);
        benchmark::DoNotOptimize(h1.rsi());
      });
      break;
    }
    case 8: {
      state.SetLabel("feature_values (row to vector)");
      FeatureRow row;
      double values[kFeatureCount];
      run_part(state, [&](const BarData& b) {
        row.close = b.close;
        feature_values(row, values);
        benchmark::DoNotOptimize(values);
      });
      break;
    }
    default: break;
  }
}
BENCHMARK(BM_Indicator)->DenseRange(0, 10)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace verity
