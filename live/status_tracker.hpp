// Reads a live session's messages as they are made (Session::set_observer,
// on the session's thread) and keeps what the status board shows: bars per
// symbol, signals and what risk decided, orders, fills, rejections, equity,
// positions, the FTMO figures (an FtmoTracker fed the same account
// snapshots risk sees), the kill switch and threshold, 7- and 30-day
// performance. It only reads frames; the runner publishes snapshot() copies.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "actors/risk/ftmo_rules.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/envelope.hpp"
#include "live/ops/status.hpp"

namespace verity {

class StatusTracker {
 public:
  StatusTracker(const Config& config, std::string mode, std::string session_hex, std::int64_t started_ns);

  void on_frame(const FramePtr& frame);

  /// The status now; `now_ns` is the live clock's reading, stamped on it.
  LiveStatus snapshot(std::int64_t now_ns) const;

  /// Set by the runner from its I/O threads' states between steps.
  void set_feed(bool connected, std::uint64_t reconnects) {
    status_.feed_connected = connected;
    status_.reconnects = reconnects;
  }
  void add_venue_error() { ++status_.venue_errors; }
  void set_journal_ok(bool ok) { status_.journal_ok = ok; }
  void set_kill_switch_source(std::string source) { status_.kill_switch_source = std::move(source); }

 private:
  void on_account(std::int64_t time_ns, double balance, double equity);

  LiveStatus status_;
  double initial_usd_;
  FtmoTracker ftmo_;
  std::map<std::uint64_t, std::size_t> signal_index_;  // signal id -> position in recent_signals
  std::uint64_t signals_dropped_ = 0;                  // recent_signals trimmed from the front
  std::map<std::int64_t, double> day_close_;           // UTC day -> last equity that day
  struct Closed {
    std::int64_t time_ns;
    bool win;
  };
  std::deque<Closed> fills_;  // realized P&L changes of the last 30 days: closes, for /stats
  double last_realized_ = 0;
};

}  // namespace verity
