// The scan cycle (actors/model/scan_schedule.hpp): one scan per cycle
// period on the clock, the first bar of a period scanning, a gap delaying a
// scan without skipping a period that has a bar, and a saved schedule going
// on where it stopped.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <vector>

#include "actors/model/scan_schedule.hpp"

namespace verity {
namespace {

constexpr std::int64_t kMinuteNs = 60'000'000'000;
constexpr std::int64_t kStart = 1'617'321'600LL * 1'000'000'000;  // 2021-04-02T00:00Z, an even minute

TEST(ScanSchedule, EveryOtherMinuteOnEvenMinutes) {
  ScanSchedule s(2 * kMinuteNs);
  std::vector<int> scanned;
  for (int m = 1; m <= 10; ++m)
    if (s.due("BTCUSDT", kStart + m * kMinuteNs)) scanned.push_back(m);
  // The first bar scans; then each bar closing on an even minute.
  EXPECT_EQ(scanned, (std::vector<int>{1, 2, 4, 6, 8, 10}));
}

TEST(ScanSchedule, OneMinuteScansEveryBar) {
  ScanSchedule s(kMinuteNs);
  for (int m = 1; m <= 100; ++m) EXPECT_TRUE(s.due("ETHUSDT", kStart + m * kMinuteNs)) << m;
}

TEST(ScanSchedule, AGapDelaysTheScanToTheNextBar) {
  ScanSchedule s(5 * kMinuteNs);
  EXPECT_TRUE(s.due("BTCUSDT", kStart + 5 * kMinuteNs));
  EXPECT_FALSE(s.due("BTCUSDT", kStart + 9 * kMinuteNs));
  // The bar closing at minute 10 is missing: minute 11 is the period's scan.
  EXPECT_TRUE(s.due("BTCUSDT", kStart + 11 * kMinuteNs));
  EXPECT_FALSE(s.due("BTCUSDT", kStart + 14 * kMinuteNs));
  EXPECT_TRUE(s.due("BTCUSDT", kStart + 15 * kMinuteNs));
  // A gap over whole periods: the next bar scans once, not once per period missed.
  EXPECT_TRUE(s.due("BTCUSDT", kStart + 42 * kMinuteNs));
  EXPECT_FALSE(s.due("BTCUSDT", kStart + 43 * kMinuteNs));
}

TEST(ScanSchedule, SymbolsAreIndependent) {
  ScanSchedule s(2 * kMinuteNs);
  EXPECT_TRUE(s.due("BTCUSDT", kStart + 2 * kMinuteNs));
  EXPECT_TRUE(s.due("ETHUSDT", kStart + 2 * kMinuteNs));
  EXPECT_FALSE(s.due("BTCUSDT", kStart + 3 * kMinuteNs));
  EXPECT_TRUE(s.due("SOLUSDT", kStart + 3 * kMinuteNs));  // its first bar
}

TEST(ScanSchedule, TimesBeforeTheEpochFloorToTheirPeriod) {
  ScanSchedule s(2 * kMinuteNs);
  EXPECT_TRUE(s.due("X", -3 * kMinuteNs));
  EXPECT_TRUE(s.due("X", -2 * kMinuteNs));
  EXPECT_FALSE(s.due("X", -1 * kMinuteNs));
  EXPECT_TRUE(s.due("X", 0));
}

RC_GTEST_PROP(ScanSchedule, ExactlyOneScanPerPeriodWithABarAndResumesFromASave, ()) {
  const auto cycle = *rc::gen::inRange<std::int64_t>(1, 61) * kMinuteNs;
  // Increasing close times with random gaps of 1..7 minutes.
  const auto steps = *rc::gen::container<std::vector<int>>(*rc::gen::inRange<std::size_t>(1, 400), rc::gen::inRange(1, 8));
  const auto cut = *rc::gen::inRange<std::size_t>(0, steps.size());
  ScanSchedule whole(cycle), first(cycle);
  std::int64_t t = kStart;
  std::int64_t last_period = INT64_MIN;
  std::vector<bool> a, b;
  ScanSchedule second(cycle);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    t += steps[i] * kMinuteNs;
    const bool due = whole.due("BTCUSDT", t);
    const std::int64_t period = floor_div(t, cycle);
    RC_ASSERT(due == (period != last_period));  // the first bar of each period with a bar, and only it
    last_period = period;
    a.push_back(due);
    if (i < cut) {
      b.push_back(first.due("BTCUSDT", t));
      if (i + 1 == cut) {
        StateWriter w;
        first.save(w);
        StateReader r(w.bytes(), "scan schedule");
        second.load(r);
        RC_ASSERT(r.ok());
      }
    } else {
      b.push_back((cut == 0 ? first : second).due("BTCUSDT", t));
    }
  }
  RC_ASSERT(a == b);
}

}  // namespace
}  // namespace verity
