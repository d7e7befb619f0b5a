// Calendar arithmetic on UTC nanosecond timestamps: ISO-8601 parsing and
// formatting, and the rule the FTMO daily-loss limit depends on: midnight in
// Europe/Prague (CET, UTC+1; CEST, UTC+2 from the last Sunday of March 01:00
// UTC to the last Sunday of October 01:00 UTC, the EU rule since 1996).
// Pure integer arithmetic: no time-zone database, no system clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace verity {

/// a / b rounded toward negative infinity (b > 0).
std::int64_t floor_div(std::int64_t a, std::int64_t b);
/// Days since 1970-01-01 of the proleptic Gregorian date y-m-d.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);
/// The proleptic Gregorian date of day `z` since 1970-01-01.
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d);
/// Reads exactly `n` decimal digits of `s` at `pos` into `out`; false if
/// any is missing or not a digit. The building block of the date parsers.
bool read_digits(std::string_view s, std::size_t pos, std::size_t n, int& out);
/// 28 to 31; `m` is 1..12.
unsigned days_in_month(std::int64_t y, unsigned m);
/// 0 = Sunday ... 6 = Saturday.
unsigned weekday_from_days(std::int64_t days);
/// True when Prague observes summer time (CEST) at UTC second `t_s`.
bool prague_is_summer_time(std::int64_t t_s);
/// Prague's UTC offset in seconds at `t_s`: 3600 or 7200.
std::int64_t prague_utc_offset_s(std::int64_t t_s);
/// The Prague calendar day (days since 1970-01-01, local) containing `t_ns`.
std::int64_t prague_day(std::int64_t t_ns);
/// The UTC instant (ns) of the latest Prague midnight at or before `t_ns`.
std::int64_t prague_midnight_ns(std::int64_t t_ns);

/// True when London observes summer time (BST, UTC+1) at UTC second `t_s`:
/// the EU rule, so the same instants as Prague's switches.
bool london_is_summer_time(std::int64_t t_s);
/// True when New York observes daylight time (EDT, UTC-4) at UTC second
/// `t_s`: from the second Sunday of March 07:00 UTC (02:00 EST) to the first
/// Sunday of November 06:00 UTC (02:00 EDT). This is the US rule since 2007;
/// earlier years are computed with it too.
bool new_york_is_summer_time(std::int64_t t_s);

/// Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.fff]" with an optional "Z"
/// (UTC is assumed). Returns nullopt for anything else or an impossible date.
std::optional<std::int64_t> parse_iso8601_ns(std::string_view text);
/// "2024-01-01T00:00:00.000Z"
std::string format_iso8601_ms(std::int64_t t_ns);

}  // namespace verity
