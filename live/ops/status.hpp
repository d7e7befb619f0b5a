// The live runner's status snapshot, published after each step and read by
// the HTTP and Telegram threads. The runner owns the graph; the readers only
// ever see copies made under the board's mutex, so no I/O thread touches
// graph state (DESIGN.md, "Live I/O"). Nothing here reads a clock: now_ns is
// the live clock reading the runner stamped on the snapshot.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace verity {

struct LivePosition {
  std::string symbol;
  double qty = 0, avg_price = 0, mark_price = 0, unrealized_usd = 0;
  bool operator==(const LivePosition&) const = default;
};

/// One signal and what risk made of it. decision: "accepted" or
/// "rejected: <reason>".
struct LiveSignal {
  std::int64_t time_ns = 0;
  std::string symbol, side, tier, decision;
  double confidence = 0;
  bool operator==(const LiveSignal&) const = default;
};

/// The challenge as the FTMO tracker sees it; percentages of initial capital.
struct LiveFtmo {
  std::string state;  // e.g. "active", "passed", "breached: daily_loss"
  int phase = 1;
  double profit_pct = 0, target_pct = 0, daily_loss_pct = 0, daily_limit_pct = 0, total_loss_pct = 0, max_loss_pct = 0;
  int trading_days = 0, min_trading_days = 0;
  bool operator==(const LiveFtmo&) const = default;
};

inline constexpr std::size_t kMaxRecentSignals = 50;
inline constexpr std::size_t kMaxEquityPoints = 500;

struct LiveStatus {
  std::string mode;     // "dryrun" | "live"
  std::string session;  // hex session id
  std::int64_t started_ns = 0, now_ns = 0;  // now: the live clock at publication
  std::int64_t bar_interval_ns = 60'000'000'000;
  std::map<std::string, std::int64_t> last_bar_close_ns;  // per symbol
  std::map<std::string, std::uint64_t> bars_by_symbol;    // per symbol, for verity_bars_total{symbol}
  bool feed_connected = false;
  bool journal_ok = true;
  std::uint64_t bars = 0, signals = 0, orders = 0, fills = 0, rejections = 0, reconnects = 0, venue_errors = 0,
                telegram_commands = 0;
  double equity_usd = 0, balance_usd = 0, day_start_balance_usd = 0;
  std::vector<LivePosition> positions;
  LiveFtmo ftmo;
  std::vector<LiveSignal> recent_signals;                     // oldest first, at most kMaxRecentSignals
  std::vector<std::pair<std::int64_t, double>> equity_curve;  // (time_ns, equity), at most kMaxEquityPoints
  double return_7d_pct = 0, return_30d_pct = 0;
  std::uint64_t trades_7d = 0, trades_30d = 0;
  double win_rate_7d_pct = 0, win_rate_30d_pct = 0;
  bool kill_switch = false;
  std::string kill_switch_source;  // "env", "file", "telegram", ""
  double threshold = 0.55;

  bool operator==(const LiveStatus&) const = default;
};

/// The latest snapshot, shared between the runner (one writer) and any
/// number of reader threads. publish() trims recent_signals and
/// equity_curve to their bounds (keeping the newest), so a reader never
/// copies an unbounded snapshot.
class StatusBoard {
 public:
  void publish(LiveStatus s);
  LiveStatus read() const;
  /// How many snapshots were published; 0 means the runner has not started.
  std::uint64_t generation() const;

 private:
  mutable std::mutex mutex_;
  LiveStatus status_;
  std::uint64_t generation_ = 0;
};

/// Seconds from the newest bar close (over all symbols) to now_ns; with no
/// bar yet, from started_ns. Never negative.
double feed_staleness_s(const LiveStatus& s);

/// The snapshot as one JSON object, keys in declaration order (docs/OPS.md).
/// Non-finite numbers become null; invalid UTF-8 is replaced, never thrown.
std::string status_json(const LiveStatus& s);

/// The inverse of status_json, for clients and tests. A missing key keeps
/// the default; a key of the wrong type is an error naming it.
std::expected<LiveStatus, std::string> parse_status_json(std::string_view text);

}  // namespace verity
