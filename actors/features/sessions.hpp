// Calendar features of a bar: which of the Tokyo, London and New York
// trading sessions are open, the UTC day of week and hour. Pure integer
// arithmetic on UTC timestamps with the London and New York DST rules of
// actors/runtime/calendar.hpp; no time-zone database, no system clock.
//
// Session hours, in each city's local time, Monday to Friday (local day):
//   Tokyo     09:00-18:00 JST (UTC+9, no DST):       00:00-09:00 UTC
//   London    08:00-17:00 GMT/BST (UTC+0 / UTC+1):   08:00-17:00 UTC in winter, 07:00-16:00 UTC in summer
//   New York  08:00-17:00 EST/EDT (UTC-5 / UTC-4):   13:00-22:00 UTC in winter, 12:00-21:00 UTC in summer
#pragma once

#include <cstdint>
#include <limits>

namespace verity {

class StateWriter;
class StateReader;

struct SessionFlags {
  bool tokyo = false, london = false, new_york = false;
  int day_of_week = 0;  // UTC: 0 = Monday ... 6 = Sunday
  int hour_utc = 0;     // 0..23
  void save(StateWriter& w) const;
  void load(StateReader& r);
};

/// The flags at UTC instant `t_ns`.
SessionFlags session_flags_at(std::int64_t t_ns);

/// session_flags_at, computed once per UTC hour. Every session boundary is a
/// whole local hour, every UTC offset a whole number of hours and every DST
/// switch falls on a whole UTC hour, so the flags cannot change within one.
class SessionClock {
 public:
  const SessionFlags& at(std::int64_t t_ns);
  /// The cached hour and its flags (all state, no configuration).
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  std::int64_t hour_start_ns_ = std::numeric_limits<std::int64_t>::max();  // empty until the first call
  std::int64_t hour_end_ns_ = std::numeric_limits<std::int64_t>::min();
  SessionFlags flags_;
};

}  // namespace verity
