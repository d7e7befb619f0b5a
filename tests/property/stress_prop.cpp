// Properties of StressedBarSource (sim/stress.hpp, docs/STRESS.md) over
// random bar streams (random walks with random ranges and volumes, one or
// two symbols, any start time and bar interval) and random stress configs
// within the config's ranges: every bar out is well-formed (low <= open,
// close <= high; prices positive and finite; open times strictly increasing
// per symbol), is one of the bars in (same symbol, time, interval, volume),
// no bar opens inside the outage, no weekend bar survives a weekend gap, and
// the output is a function of (bars, config, seed) alone.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include "actors/runtime/prng.hpp"
#include "sim/bar_source.hpp"
#include "sim/stress.hpp"

namespace verity {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kDay = 1440 * kMinute;
constexpr std::int64_t kMon20240101 = 1'704'067'200 * kSecond;

/// An integer in [lo, hi), uniform at every case: rapidcheck scales inRange
/// with its size, which starts at 0, and early cases would all sit at `lo`.
std::int64_t int_in(std::int64_t lo, std::int64_t hi) {
  return *rc::gen::resize(rc::kNominalSize, rc::gen::inRange(lo, hi));
}

/// A real number in [lo, hi] on a grid of a million steps: rapidcheck's own
/// double generator produces infinities and huge exponents we do not want here.
double real_in(double lo, double hi) {
  const std::int64_t step = int_in(0, 1'000'001);
  return lo + (hi - lo) * static_cast<double>(step) / 1e6;
}

/// -1 (off) about a third of the time, else a minute in [0, hi).
std::int64_t at_or_off(std::int64_t hi) { return int_in(0, 3) == 0 ? -1 : int_in(0, hi); }

int weekday(std::int64_t t_ns) { return static_cast<int>(((t_ns / kDay + 3) % 7 + 7) % 7); }

/// A random walk in log price, with a random range around each bar's body.
std::vector<BarData> random_walk(const std::string& symbol, std::int64_t start, std::int64_t interval, int count) {
  std::vector<BarData> out;
  const double sigma = real_in(0.0, 0.003);
  double price = real_in(0.01, 100'000);
  // The walk's steps come from a seeded stream, not one rapidcheck draw per bar.
  Prng steps(static_cast<std::uint64_t>(int_in(0, 1'000'000'000)));
  for (int i = 0; i < count; ++i) {
    BarData b;
    b.symbol = symbol;
    b.open_time_ns = start + i * interval;
    b.interval_ns = interval;
    b.open = price;
    price *= std::exp(sigma * steps.normal());
    b.close = price;
    b.high = std::max(b.open, b.close) * (1 + sigma * steps.uniform01());
    b.low = std::min(b.open, b.close) * (1 - sigma * steps.uniform01());
    b.volume = steps.uniform01() < 0.05 ? 0.0 : 1000 * steps.uniform01();
    out.push_back(b);
  }
  return out;
}

struct Case {
  std::vector<std::vector<BarData>> streams;  // one per symbol
  StressConfig config;
  std::uint64_t seed = 0;
  std::int64_t span_minutes = 0;
  std::int64_t t0 = 0;
};

Case random_case() {
  Case k;
  constexpr std::int64_t kIntervals[] = {kMinute, 5 * kMinute, 15 * kMinute, 60 * kMinute};
  const std::int64_t interval = kIntervals[int_in(0, 4)];
  const int count = static_cast<int>(int_in(1, 2500));
  // Any minute of two weeks from a Monday, so some streams cross a weekend.
  k.t0 = kMon20240101 + int_in(0, 14 * 1440) * kMinute;
  const int symbols = static_cast<int>(int_in(1, 3));
  for (int s = 0; s < symbols; ++s) k.streams.push_back(random_walk(s == 0 ? "BTCUSDT" : "ETHUSDT", k.t0, interval, count));
  const std::int64_t span = count * interval / kMinute;
  k.span_minutes = std::max<std::int64_t>(1, span);
  StressConfig& c = k.config;
  c.flash_crash_at_min = at_or_off(span + 1);
  c.flash_crash_drop_pct = real_in(0, 99);
  c.flash_crash_minutes = int_in(1, 600);
  c.flash_crash_recovery_minutes = int_in(1, 2000);
  c.vol_spike_at_min = at_or_off(span + 1);
  c.vol_spike_factor = real_in(1, 100);
  c.vol_spike_minutes = int_in(1, 3000);
  c.outage_at_min = at_or_off(span + 1);
  c.outage_minutes = int_in(1, 1000);
  c.feed_gaps = int_in(0, 3) == 0 ? 0 : int_in(0, 30);
  c.feed_gap_minutes = int_in(1, 200);
  c.weekend_gap_pct = int_in(0, 2) == 0 ? 0.0 : real_in(0, 90);
  k.seed = static_cast<std::uint64_t>(int_in(0, 1'000'000'000));
  return k;
}

struct Output {
  std::vector<BarData> bars;
  std::uint64_t dropped = 0;
};

Output stress(const Case& k) {
  std::vector<std::unique_ptr<BarSource>> sources;
  for (const auto& bars : k.streams) sources.push_back(std::make_unique<VectorBarSource>(bars, "vec"));
  StressedBarSource s(std::make_unique<MergedBarSource>(std::move(sources)), k.config, Prng(k.seed), k.span_minutes);
  Output out;
  while (auto b = s.next()) out.bars.push_back(*b);
  out.dropped = s.dropped();
  return out;
}

auto fields(const BarData& b) {
  return std::tie(b.symbol, b.open_time_ns, b.interval_ns, b.open, b.high, b.low, b.close, b.volume);
}

RC_GTEST_PROP(StressProp, EveryBarIsWellFormedAndComesFromTheInput, ()) {
  const Case k = random_case();
  const Output out = stress(k);
  std::map<std::pair<std::string, std::int64_t>, const BarData*> in;
  std::size_t total = 0;
  for (const auto& bars : k.streams) {
    total += bars.size();
    for (const BarData& b : bars) in[{b.symbol, b.open_time_ns}] = &b;
  }
  RC_ASSERT(out.bars.size() + out.dropped == total);
  std::map<std::string, std::int64_t> last_open;
  std::int64_t last_close = 0;
  for (const BarData& b : out.bars) {
    for (double x : {b.open, b.high, b.low, b.close}) RC_ASSERT(std::isfinite(x) && x > 0);
    RC_ASSERT(b.low <= std::min(b.open, b.close));
    RC_ASSERT(b.high >= std::max(b.open, b.close));
    // One of the bars in: same symbol, time, interval and volume.
    const auto it = in.find({b.symbol, b.open_time_ns});
    RC_ASSERT(it != in.end());
    RC_ASSERT(b.interval_ns == it->second->interval_ns);
    RC_ASSERT(b.volume == it->second->volume);
    // Times: strictly increasing per symbol, the merge's order kept.
    if (last_open.contains(b.symbol)) RC_ASSERT(b.open_time_ns > last_open[b.symbol]);
    last_open[b.symbol] = b.open_time_ns;
    RC_ASSERT(close_time_ns(b) >= last_close);
    last_close = close_time_ns(b);
  }
}

RC_GTEST_PROP(StressProp, NoBarInsideTheOutageOrOnAWeekend, ()) {
  const Case k = random_case();
  const Output out = stress(k);
  const StressConfig& c = k.config;
  for (const BarData& b : out.bars) {
    const std::int64_t m = (b.open_time_ns - k.t0) / kMinute;
    if (c.outage_at_min >= 0) RC_ASSERT(m < c.outage_at_min || m >= c.outage_at_min + c.outage_minutes);
    if (c.weekend_gap_pct > 0) RC_ASSERT(weekday(b.open_time_ns) < 5);
  }
  // Without bar-side stress nothing is dropped and nothing moves.
  if (!has_bar_stress(c)) {
    RC_ASSERT(out.dropped == 0u);
    std::size_t total = 0;
    for (const auto& bars : k.streams) total += bars.size();
    RC_ASSERT(out.bars.size() == total);
  }
}

RC_GTEST_PROP(StressProp, TheOutputIsAFunctionOfInputConfigAndSeed, ()) {
  const Case k = random_case();
  const Output a = stress(k), b = stress(k);
  RC_ASSERT(a.dropped == b.dropped);
  RC_ASSERT(a.bars.size() == b.bars.size());
  for (std::size_t i = 0; i < a.bars.size(); ++i) {
    // Bit for bit: == on doubles, and no NaN could pass it.
    RC_ASSERT(fields(a.bars[i]) == fields(b.bars[i]));
  }
}

}  // namespace
}  // namespace verity
