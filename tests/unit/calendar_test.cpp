// Calendar arithmetic: the Prague-midnight rule the FTMO daily loss limit
// depends on, and ISO 8601 parsing of config timestamps. Expected instants are
// written as epoch seconds computed by hand (and cross-checked with Python's
// datetime), never with the functions under test.
#include "actors/runtime/calendar.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace verity {
namespace {

constexpr std::int64_t kNs = 1'000'000'000;
constexpr std::int64_t kHourS = 3600;

// Days since 1970-01-01 of a few dates, and the epoch seconds of UTC instants.
constexpr std::int64_t kDay20240115 = 19737;
constexpr std::int64_t kDay20240331 = 19813;
constexpr std::int64_t kDay20241027 = 20023;
constexpr std::int64_t k20240114T2300Z = 1'705'273'200;  // Prague midnight of 2024-01-15 (CET)
constexpr std::int64_t k20240714T2200Z = 1'720'994'400;  // Prague midnight of 2024-07-15 (CEST)
constexpr std::int64_t k20240330T2300Z = 1'711'839'600;  // Prague midnight of 2024-03-31 (still CET)
constexpr std::int64_t k20240331T0100Z = 1'711'846'800;  // summer time starts
constexpr std::int64_t k20240331T2200Z = 1'711'922'400;  // Prague midnight of 2024-04-01 (CEST)
constexpr std::int64_t k20241026T2200Z = 1'729'980'000;  // Prague midnight of 2024-10-27 (still CEST)
constexpr std::int64_t k20241027T0100Z = 1'729'990'800;  // summer time ends
constexpr std::int64_t k20241027T2300Z = 1'730'070'000;  // Prague midnight of 2024-10-28 (CET)

TEST(Calendar, DaysFromCivilKnownDates) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(days_from_civil(2000, 1, 1), 10957);
  EXPECT_EQ(days_from_civil(2024, 1, 1), 19723);
  EXPECT_EQ(days_from_civil(2024, 2, 29), 19782);
  EXPECT_EQ(days_from_civil(2024, 1, 15), kDay20240115);
  EXPECT_EQ(days_from_civil(2024, 3, 31), kDay20240331);
  EXPECT_EQ(days_from_civil(2024, 10, 27), kDay20241027);
  // Century years: 1900 and 2100 are not leap years, 1600 is.
  EXPECT_EQ(days_from_civil(1900, 3, 1), -25508);
  EXPECT_EQ(days_from_civil(2100, 3, 1), 47541);
  EXPECT_EQ(days_from_civil(1600, 2, 29), -135081);
}

TEST(Calendar, WeekdayFromDaysKnownDates) {
  EXPECT_EQ(weekday_from_days(0), 4u);       // 1970-01-01 was a Thursday
  EXPECT_EQ(weekday_from_days(-1), 3u);      // 1969-12-31, a Wednesday: negative days must not wrap wrongly
  EXPECT_EQ(weekday_from_days(10957), 6u);   // 2000-01-01, Saturday
  EXPECT_EQ(weekday_from_days(19723), 1u);   // 2024-01-01, Monday
  EXPECT_EQ(weekday_from_days(19782), 4u);   // 2024-02-29, Thursday
  EXPECT_EQ(weekday_from_days(kDay20240331), 0u);  // the DST Sundays
  EXPECT_EQ(weekday_from_days(kDay20241027), 0u);
  EXPECT_EQ(weekday_from_days(-25508), 4u);  // 1900-03-01, Thursday
  EXPECT_EQ(weekday_from_days(-135081), 2u); // 1600-02-29, Tuesday
}

TEST(Calendar, WinterDayMidnightIs2300UtcTheDayBefore) {
  const std::int64_t noon = (k20240114T2300Z + 13 * kHourS) * kNs;  // 2024-01-15 12:00 UTC
  EXPECT_EQ(prague_day(noon), kDay20240115);
  EXPECT_EQ(prague_midnight_ns(noon), k20240114T2300Z * kNs);
  EXPECT_EQ(prague_utc_offset_s(noon / kNs), 3600);
  // The boundary itself belongs to the new day; a nanosecond earlier does not.
  EXPECT_EQ(prague_day(k20240114T2300Z * kNs), kDay20240115);
  EXPECT_EQ(prague_midnight_ns(k20240114T2300Z * kNs), k20240114T2300Z * kNs);
  EXPECT_EQ(prague_day(k20240114T2300Z * kNs - 1), kDay20240115 - 1);
  EXPECT_EQ(prague_midnight_ns(k20240114T2300Z * kNs - 1), (k20240114T2300Z - 24 * kHourS) * kNs);
}

TEST(Calendar, SummerDayMidnightIs2200UtcTheDayBefore) {
  const std::int64_t day_20240715 = kDay20240115 + 182;
  const std::int64_t noon = (k20240714T2200Z + 14 * kHourS) * kNs;  // 2024-07-15 12:00 UTC
  EXPECT_EQ(prague_day(noon), day_20240715);
  EXPECT_EQ(prague_midnight_ns(noon), k20240714T2200Z * kNs);
  EXPECT_EQ(prague_utc_offset_s(noon / kNs), 7200);
  EXPECT_EQ(prague_day(k20240714T2200Z * kNs), day_20240715);
  EXPECT_EQ(prague_day(k20240714T2200Z * kNs - 1), day_20240715 - 1);
  // 22:30 UTC is already tomorrow in summer but would still be today in winter.
  EXPECT_EQ(prague_midnight_ns((k20240714T2200Z + 1800) * kNs), k20240714T2200Z * kNs);
}

TEST(Calendar, SpringForwardDayIs23HoursLong) {
  // 2024-03-31: CET until 01:00 UTC, CEST after.
  EXPECT_FALSE(prague_is_summer_time(k20240331T0100Z - 1));
  EXPECT_TRUE(prague_is_summer_time(k20240331T0100Z));
  EXPECT_EQ(prague_utc_offset_s(k20240331T0100Z - 1), 3600);
  EXPECT_EQ(prague_utc_offset_s(k20240331T0100Z), 7200);

  // Just after the switch and late in the evening: still 2024-03-31, whose
  // midnight was at 23:00 UTC the day before (CET).
  for (std::int64_t t_s : {k20240330T2300Z, k20240331T0100Z - 1, k20240331T0100Z, k20240331T2200Z - 1}) {
    EXPECT_EQ(prague_day(t_s * kNs), kDay20240331) << t_s;
    EXPECT_EQ(prague_midnight_ns(t_s * kNs), k20240330T2300Z * kNs) << t_s;
  }
  // The first CEST midnight is at 22:00 UTC.
  EXPECT_EQ(prague_day(k20240331T2200Z * kNs), kDay20240331 + 1);
  EXPECT_EQ(prague_midnight_ns(k20240331T2200Z * kNs), k20240331T2200Z * kNs);
  EXPECT_EQ(prague_midnight_ns((k20240331T2200Z + 5 * kHourS) * kNs), k20240331T2200Z * kNs);
  EXPECT_EQ(k20240331T2200Z - k20240330T2300Z, 23 * kHourS);
}

TEST(Calendar, FallBackDayIs25HoursLong) {
  // 2024-10-27: CEST until 01:00 UTC, CET after.
  EXPECT_TRUE(prague_is_summer_time(k20241027T0100Z - 1));
  EXPECT_FALSE(prague_is_summer_time(k20241027T0100Z));
  EXPECT_EQ(prague_utc_offset_s(k20241027T0100Z - 1), 7200);
  EXPECT_EQ(prague_utc_offset_s(k20241027T0100Z), 3600);

  for (std::int64_t t_s : {k20241026T2200Z, k20241027T0100Z - 1, k20241027T0100Z, k20241027T2300Z - 1}) {
    EXPECT_EQ(prague_day(t_s * kNs), kDay20241027) << t_s;
    EXPECT_EQ(prague_midnight_ns(t_s * kNs), k20241026T2200Z * kNs) << t_s;
  }
  // 22:30 UTC on the 27th is 23:30 CET: still the 27th in Prague.
  EXPECT_EQ(prague_day((k20241027T2300Z - 1800) * kNs), kDay20241027);
  EXPECT_EQ(prague_day(k20241027T2300Z * kNs), kDay20241027 + 1);
  EXPECT_EQ(prague_midnight_ns(k20241027T2300Z * kNs), k20241027T2300Z * kNs);
  EXPECT_EQ(k20241027T2300Z - k20241026T2200Z, 25 * kHourS);
}

TEST(Calendar, SwitchDatesFollowTheLastSundayIn2025) {
  // 2025: the last Sundays are 30 March and 26 October (not the 31st), so the
  // "last Sunday" search is exercised away from the month's last day.
  constexpr std::int64_t k20250330T0100Z = 1'743'296'400;
  constexpr std::int64_t k20251026T0100Z = 1'761'440'400;
  EXPECT_FALSE(prague_is_summer_time(k20250330T0100Z - 1));
  EXPECT_TRUE(prague_is_summer_time(k20250330T0100Z));
  EXPECT_TRUE(prague_is_summer_time(k20251026T0100Z - 1));
  EXPECT_FALSE(prague_is_summer_time(k20251026T0100Z));
}

TEST(Calendar, MidnightIsAtOrBeforeTheInstantAndWithin25Hours) {
  // Every hour across both 2024 switches: the midnight never lies in the
  // future, and consecutive Prague days start 23, 24 or 25 hours apart.
  for (std::int64_t t_s = k20240330T2300Z - 48 * kHourS; t_s < k20241027T2300Z + 48 * kHourS; t_s += kHourS) {
    const std::int64_t t = t_s * kNs;
    const std::int64_t m = prague_midnight_ns(t);
    ASSERT_LE(m, t);
    ASSERT_LT(t - m, 25 * kHourS * kNs);
    ASSERT_EQ(prague_day(m), prague_day(t));
    ASSERT_EQ(prague_day(m - 1), prague_day(t) - 1);
  }
}

TEST(Calendar, ParsesAcceptedForms) {
  const std::int64_t jan1 = 1'704'067'200 * kNs;
  EXPECT_EQ(parse_iso8601_ns("2024-01-01"), jan1);
  EXPECT_EQ(parse_iso8601_ns("2024-01-01T00:00:00Z"), jan1);
  EXPECT_EQ(parse_iso8601_ns("2024-01-01T00:00:00"), jan1);
  EXPECT_EQ(parse_iso8601_ns("2024-01-01 00:00:00"), jan1);
  EXPECT_EQ(parse_iso8601_ns("2024-01-01T12:34:56Z"), jan1 + (12 * 3600 + 34 * 60 + 56) * kNs);
  EXPECT_EQ(parse_iso8601_ns("2024-01-01T00:00:00.5Z"), jan1 + 500'000'000);
  EXPECT_EQ(parse_iso8601_ns("2024-01-01T00:00:00.123Z"), jan1 + 123'000'000);
  EXPECT_EQ(parse_iso8601_ns("2024-01-01T00:00:00.123456789"), jan1 + 123'456'789);
  EXPECT_EQ(parse_iso8601_ns("2024-02-29"), 19782 * 86'400 * kNs);
  EXPECT_EQ(parse_iso8601_ns("1969-12-31T23:59:59Z"), -kNs);
}

TEST(Calendar, RejectsImpossibleDatesAndJunk) {
  for (const char* bad : {"2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "2024-01-00", "2024-01-32",
                          "2024-04-31", "abc", "", "2024", "2024-1-01", "2024/01/01", "2024-01-01junk",
                          "2024-01-01T00:00:00Zjunk", "2024-01-01T00:00:00ZZ", "2024-01-01T", "2024-01-01T00:00",
                          "2024-01-01T24:00:00", "2024-01-01T00:60:00", "2024-01-01T00:00:60",
                          "2024-01-01T00:00:00.", "2024-01-01T00:00:00.1234567890", "2024-01-01T00:00:00+01:00",
                          " 2024-01-01"}) {
    EXPECT_FALSE(parse_iso8601_ns(bad).has_value()) << '"' << bad << '"';
  }
}

TEST(Calendar, FormatsMillisecondsAndRoundTrips) {
  EXPECT_EQ(format_iso8601_ms(1'704'067'200 * kNs), "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601_ms(k20241027T0100Z * kNs + 7'000'000), "2024-10-27T01:00:00.007Z");
  // Sub-millisecond digits are truncated toward the past, also before 1970.
  EXPECT_EQ(format_iso8601_ms(1'704'067'200 * kNs + 999'999), "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601_ms(-1), "1969-12-31T23:59:59.999Z");

  for (const char* text : {"2024-02-29T23:59:59.999Z", "1970-01-01T00:00:00.000Z", "2000-12-31T12:00:00.500Z",
                           "1969-07-20T20:17:40.000Z", "2099-03-01T00:00:00.001Z"}) {
    const auto t = parse_iso8601_ns(text);
    ASSERT_TRUE(t.has_value()) << text;
    EXPECT_EQ(format_iso8601_ms(*t), text);
  }
  // Any millisecond instant survives format then parse.
  for (std::int64_t t_ms = -86'400'123; t_ms < 5'000'000'000'000; t_ms += 123'456'789'013) {
    const auto back = parse_iso8601_ns(format_iso8601_ms(t_ms * 1'000'000));
    ASSERT_TRUE(back.has_value()) << t_ms;
    EXPECT_EQ(*back, t_ms * 1'000'000);
  }
}

}  // namespace
}  // namespace verity
