#include "actors/runtime/calendar.hpp"

#include <cstdio>

namespace verity {

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

namespace {
constexpr std::int64_t kDay = 86'400;

/// UTC second of 01:00 on the last Sunday of `month` (March or October).
std::int64_t last_sunday_0100_utc(std::int64_t year, unsigned month) {
  const std::int64_t d31 = days_from_civil(year, month, 31);
  const std::int64_t sunday = d31 - weekday_from_days(d31);
  return sunday * kDay + 3600;
}
}  // namespace

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = floor_div(y, 400);
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

unsigned weekday_from_days(std::int64_t days) {
  // 1970-01-01 was a Thursday (4).
  return static_cast<unsigned>(((days % 7) + 7 + 4) % 7);
}

bool prague_is_summer_time(std::int64_t t_s) {
  std::int64_t y;
  unsigned m, d;
  civil_from_days(floor_div(t_s, kDay), y, m, d);
  return t_s >= last_sunday_0100_utc(y, 3) && t_s < last_sunday_0100_utc(y, 10);
}

std::int64_t prague_utc_offset_s(std::int64_t t_s) { return prague_is_summer_time(t_s) ? 7200 : 3600; }

bool london_is_summer_time(std::int64_t t_s) { return prague_is_summer_time(t_s); }

bool new_york_is_summer_time(std::int64_t t_s) {
  std::int64_t y;
  unsigned m, d;
  civil_from_days(floor_div(t_s, kDay), y, m, d);
  // The n-th Sunday of a month is the first Sunday on or after day 7n - 6.
  auto nth_sunday = [&](unsigned month, unsigned n) {
    const std::int64_t first = days_from_civil(y, month, 7 * n - 6);
    return first + (7 - weekday_from_days(first)) % 7;
  };
  const std::int64_t start = nth_sunday(3, 2) * kDay + 7 * 3600;
  const std::int64_t end = nth_sunday(11, 1) * kDay + 6 * 3600;
  return t_s >= start && t_s < end;
}

std::int64_t prague_day(std::int64_t t_ns) {
  const std::int64_t t_s = floor_div(t_ns, 1'000'000'000);
  return floor_div(t_s + prague_utc_offset_s(t_s), kDay);
}

std::int64_t prague_midnight_ns(std::int64_t t_ns) {
  const std::int64_t day = prague_day(t_ns);
  // Switches happen at 01:00 UTC, never within two hours of a Prague
  // midnight, so the offset an hour before UTC midnight is the one in force.
  const std::int64_t offset = prague_utc_offset_s(day * kDay - 3600);
  return (day * kDay - offset) * 1'000'000'000;
}

bool read_digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::optional<std::int64_t> parse_iso8601_ns(std::string_view s) {
  int y, mo, d, h = 0, mi = 0, sec = 0;
  if (!read_digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !read_digits(s, 5, 2, mo) || s[7] != '-' ||
      !read_digits(s, 8, 2, d)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || static_cast<unsigned>(d) > days_in_month(y, static_cast<unsigned>(mo))) {
    return std::nullopt;
  }
  std::size_t pos = 10;
  std::int64_t frac_ns = 0;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == ' ')) {
    if (!read_digits(s, pos + 1, 2, h) || pos + 3 >= s.size() || s[pos + 3] != ':' || !read_digits(s, pos + 4, 2, mi) ||
        pos + 6 >= s.size() || s[pos + 6] != ':' || !read_digits(s, pos + 7, 2, sec)) {
      return std::nullopt;
    }
    if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
    pos += 9;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      std::int64_t scale = 100'000'000;
      std::size_t start = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        frac_ns += (s[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (pos == start || pos - start > 9) return std::nullopt;
    }
  }
  if (pos < s.size() && s[pos] == 'Z') ++pos;
  if (pos != s.size()) return std::nullopt;
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 86'400 + h * 3600 + mi * 60 + sec) * 1'000'000'000) + frac_ns;
}

std::string format_iso8601_ms(std::int64_t t_ns) {
  const std::int64_t t_ms = floor_div(t_ns, 1'000'000);
  const std::int64_t days = floor_div(t_ms, 86'400'000);
  std::int64_t rem = t_ms - days * 86'400'000;
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  const int h = static_cast<int>(rem / 3'600'000);
  rem %= 3'600'000;
  const int mi = static_cast<int>(rem / 60'000);
  rem %= 60'000;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02lld.%03lldZ", static_cast<long long>(y), m, d, h, mi,
                static_cast<long long>(rem / 1000), static_cast<long long>(rem % 1000));
  return buf;
}

}  // namespace verity
