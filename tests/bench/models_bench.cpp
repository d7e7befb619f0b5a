// Model inference latency in the graph (issue 6): the native forward pass of
// an LSTM with 64 hidden units over 60 steps (target p99 <= 1 ms on one
// core), and of the default ensemble (that LSTM plus the Transformer, width
// 32, 4 heads, one layer, over the same window), per bar per pair. Weights
// are seeded random: latency does not depend on their values. p50 and p99
// come from timing every call separately.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <vector>

#include "actors/runtime/clock.hpp"
#include "actors/runtime/prng.hpp"
#include "models/confidence.hpp"
#include "models/native_net.hpp"

namespace verity {
namespace {

NativeNet random_net(const NetShape& shape, std::uint64_t seed) {
  Prng prng(seed);
  auto tensors = expected_tensors(shape);
  for (auto& t : tensors) {
    t.values.resize(t.numel());
    for (auto& v : t.values) v = static_cast<float>((prng.uniform01() - 0.5) * 0.2);
  }
  return *NativeNet::make(shape, tensors);
}

std::vector<float> random_window(std::size_t n, std::uint64_t seed) {
  Prng prng(seed);
  std::vector<float> w(n);
  for (auto& v : w) v = static_cast<float>(prng.normal());
  return w;
}

void report(benchmark::State& state, std::vector<double>& us) {
  std::sort(us.begin(), us.end());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[us.size() * 99 / 100];
  state.counters["max_us"] = us.back();
}

constexpr std::uint32_t kInputs = 17;  // the default train.features

void BM_LstmInference(benchmark::State& state) {
  const NativeNet net = random_net({NetKind::lstm, kInputs, 60, 64, 1, 0, 0}, 1);
  const auto window = random_window(kInputs * 60, 2);
  std::vector<float> embedding;
  std::vector<double> us;
  for (auto _ : state) {
    Stopwatch watch;
    benchmark::DoNotOptimize(net.forward(window, embedding));
    us.push_back(watch.elapsed_s() * 1e6);
  }
  report(state, us);
}
BENCHMARK(BM_LstmInference)->Iterations(5000)->Unit(benchmark::kMicrosecond);

void BM_EnsembleInference(benchmark::State& state) {
  const NativeNet lstm = random_net({NetKind::lstm, kInputs, 60, 64, 1, 0, 0}, 1);
  const NativeNet transformer = random_net({NetKind::transformer, kInputs, 60, 32, 1, 4, 64}, 3);
  const auto window = random_window(kInputs * 60, 2);
  std::vector<float> e1, e2;
  std::vector<double> us;
  for (auto _ : state) {
    Stopwatch watch;
    const double a = det_sigmoidf(lstm.forward(window, e1));
    const double b = det_sigmoidf(transformer.forward(window, e2));
    const std::pair<double, double> members[] = {{0.5, a}, {0.5, b}};
    benchmark::DoNotOptimize(ensemble_probability(members));
    us.push_back(watch.elapsed_s() * 1e6);
  }
  report(state, us);
}
BENCHMARK(BM_EnsembleInference)->Iterations(2000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace verity
