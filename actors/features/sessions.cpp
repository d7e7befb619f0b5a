#include "actors/features/sessions.hpp"

#include "actors/runtime/calendar.hpp"
#include "actors/runtime/state_archive.hpp"

namespace verity {

namespace {
constexpr std::int64_t kDay = 86'400;

/// Open from `open_h` to `close_h` local time on a local Monday to Friday.
bool session_open(std::int64_t t_s, std::int64_t offset_s, int open_h, int close_h) {
  const std::int64_t local_s = t_s + offset_s;
  const std::int64_t day = floor_div(local_s, kDay);
  const unsigned weekday = weekday_from_days(day);  // 0 = Sunday
  if (weekday == 0 || weekday == 6) return false;
  const std::int64_t hour = (local_s - day * kDay) / 3600;
  return hour >= open_h && hour < close_h;
}
}  // namespace

SessionFlags session_flags_at(std::int64_t t_ns) {
  const std::int64_t t_s = floor_div(t_ns, 1'000'000'000);
  SessionFlags f;
  f.tokyo = session_open(t_s, 9 * 3600, 9, 18);
  f.london = session_open(t_s, london_is_summer_time(t_s) ? 3600 : 0, 8, 17);
  f.new_york = session_open(t_s, new_york_is_summer_time(t_s) ? -4 * 3600 : -5 * 3600, 8, 17);
  const std::int64_t day = floor_div(t_s, kDay);
  f.day_of_week = static_cast<int>((weekday_from_days(day) + 6) % 7);
  f.hour_utc = static_cast<int>((t_s - day * kDay) / 3600);
  return f;
}

const SessionFlags& SessionClock::at(std::int64_t t_ns) {
  if (t_ns < hour_start_ns_ || t_ns >= hour_end_ns_) {
    constexpr std::int64_t kHourNs = 3'600'000'000'000;
    hour_start_ns_ = floor_div(t_ns, kHourNs) * kHourNs;
    hour_end_ns_ = hour_start_ns_ + kHourNs;
    flags_ = session_flags_at(hour_start_ns_);
  }
  return flags_;
}

void SessionFlags::save(StateWriter& w) const { w.put_all(tokyo, london, new_york, day_of_week, hour_utc); }
void SessionFlags::load(StateReader& r) { r.get_all(tokyo, london, new_york, day_of_week, hour_utc); }

void SessionClock::save(StateWriter& w) const { w.put_all(hour_start_ns_, hour_end_ns_, flags_); }
void SessionClock::load(StateReader& r) { r.get_all(hour_start_ns_, hour_end_ns_, flags_); }

}  // namespace verity
