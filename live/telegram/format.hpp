// What the Telegram bot says, as pure functions of their inputs
// (docs/TELEGRAM.md). Every message is plain text (sendMessage without
// parse_mode), so nothing taken from outside (a symbol, a rejection reason,
// a user's argument) can break the formatting, and no escaping is needed.
// Every message but "Not authorised." starts with the mode tag, e.g.
// "[DRYRUN]" or "[LIVE]", so a reader never mistakes paper for real money.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "live/ops/status.hpp"
#include "live/telegram/commands.hpp"

namespace verity {

/// Telegram's limit on one message's text. Longer texts are cut (on a UTF-8
/// boundary, bytes >= UTF-16 units) with a trailing "...".
inline constexpr std::size_t kTelegramMaxTextBytes = 4096;
/// The one reply a chat outside the allow-list ever gets.
inline constexpr std::string_view kNotAuthorised = "Not authorised.";

/// "[DRYRUN]", "[LIVE]", "[SIM]", "[REPLAY]"; "[?]" when mode is empty.
std::string mode_tag(std::string_view mode);

/// 1234567.891 -> "1,234,567.89" (fixed `decimals`); non-finite -> "n/a".
std::string group_number(double v, int decimals = 2);

/// An outbound trading signal. Levels of 0 are omitted.
struct TelegramSignal {
  std::int64_t time_ns = 0;
  std::string symbol, side, tier;  // side: "long" / "short" (or buy / sell)
  double confidence = 0;
  double entry = 0, take_profit = 0, stop_loss = 0;
  std::string decision;  // "accepted", "rejected: <reason>", or "" (not decided yet)
};
std::string format_signal(std::string_view mode, const TelegramSignal& s);

enum class AlertKind {
  kill_switch_signal_blocked,
  guardrail_breach_attempt,
  drawdown_over_10pct,
  volatility_spike,
  venue_api_failure,
  feed_stale,
  generic,
};
/// "kill_switch_signal_blocked", ..., "generic".
std::string_view alert_kind_name(AlertKind kind);
std::optional<AlertKind> parse_alert_kind(std::string_view name);

struct TelegramAlert {
  AlertKind kind = AlertKind::generic;
  std::int64_t time_ns = 0;
  std::string symbol;  // may be empty
  std::string title;   // generic alerts: the headline; other kinds have their own
  std::string detail;  // one or more lines of facts
};
std::string format_alert(std::string_view mode, const TelegramAlert& a);

/// Replies to the queries, from a status snapshot (its mode is the tag).
std::string format_check(const LiveStatus& s);
std::string format_stats(const LiveStatus& s);
std::string format_ftmo_status(const LiveStatus& s);
std::string format_help(std::string_view mode);
std::string format_start(std::string_view mode);
/// A known command with a bad argument: what is expected.
std::string format_invalid(std::string_view mode, const TelegramCommand& c);
/// Confirmations the runner sends once a control command took effect.
std::string format_threshold_set(std::string_view mode, double previous, double now);
std::string format_kill_switch_set(std::string_view mode, bool on, std::string_view by_user);

/// The default answer to a query, invalid or unknown command, from `s`:
/// /check, /stats, /ftmo_status, /help, /start, usage, help. Controls get
/// "" (the runner confirms them). Uses `fallback_mode` if s.mode is empty.
std::string default_reply(const TelegramCommand& c, const LiveStatus& s, std::string_view fallback_mode);

/// `text` cut to kTelegramMaxTextBytes.
std::string clamp_message(std::string_view text);

}  // namespace verity
