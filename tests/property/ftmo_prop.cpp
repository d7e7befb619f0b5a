// The FTMO daily reference resets exactly at Prague midnight, across DST
// changes: checked against an independent computation of Prague local time.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "actors/risk/ftmo_rules.hpp"
#include "actors/runtime/calendar.hpp"

namespace verity {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

/// Prague's offset at UTC second `t`, computed by scanning for the last
/// Sunday of March and October day by day (no shared code with calendar.cpp
/// beyond days_from_civil, itself pinned by calendar tests).
std::int64_t reference_offset_s(std::int64_t t) {
  const std::int64_t day = t >= 0 ? t / 86'400 : (t - 86'399) / 86'400;
  // Find the year by walking from 1970 (fine for the years we draw).
  std::int64_t year = 1970;
  while (days_from_civil(year + 1, 1, 1) <= day) ++year;
  auto last_sunday = [&](unsigned month) {
    for (unsigned d = 31;; --d) {
      const std::int64_t days = days_from_civil(year, month, d);
      if (((days % 7) + 7 + 4) % 7 == 0) return days;  // 1970-01-01 was a Thursday
    }
  };
  const std::int64_t start = last_sunday(3) * 86'400 + 3600, end = last_sunday(10) * 86'400 + 3600;
  return t >= start && t < end ? 7200 : 3600;
}

std::int64_t reference_local_day(std::int64_t t_ns) {
  const std::int64_t t = t_ns / kSecond;
  const std::int64_t local = t + reference_offset_s(t);
  return local >= 0 ? local / 86'400 : (local - 86'399) / 86'400;
}

RC_GTEST_PROP(FtmoProperties, DailyReferenceResetsExactlyAtPragueMidnight, ()) {
  // An instant within four days of a DST change in 2020..2035, then a
  // second one up to 30 hours later.
  const auto year = *rc::gen::inRange<std::int64_t>(2020, 2036);
  const auto month = *rc::gen::element<unsigned>(3u, 10u);
  const std::int64_t base = days_from_civil(year, month, 27) * 86'400;
  const std::int64_t t1 = (base + *rc::gen::inRange<std::int64_t>(0, 6 * 86'400)) * kSecond;
  const std::int64_t t2 = t1 + *rc::gen::inRange<std::int64_t>(1, 30 * 3600) * kSecond;

  RC_ASSERT(prague_day(t1) == reference_local_day(t1));
  RC_ASSERT(prague_day(t2) == reference_local_day(t2));

  FtmoTracker tracker(FtmoRules::two_step_phase1(100'000));
  tracker.on_account(t1, 101'000, 101'000, false);
  tracker.on_account(t2, 102'000, 102'000, false);
  const bool new_day = reference_local_day(t1) != reference_local_day(t2);
  // A new Prague day takes the balance at midnight (101'000) as reference;
  // the same day keeps the initial balance.
  RC_ASSERT(tracker.day_start_balance_usd() == (new_day ? 101'000.0 : 100'000.0));
}

}  // namespace
}  // namespace verity
