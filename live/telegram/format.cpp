#include "live/telegram/format.hpp"

#include "actors/runtime/ascii.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <utility>

#include "actors/runtime/calendar.hpp"

namespace verity {

namespace {


std::string pct(double v) { return std::isfinite(v) ? fmt::format("{:.2f}%", v) : "n/a"; }
std::string signed_pct(double v) { return std::isfinite(v) ? fmt::format("{:+.2f}%", v) : "n/a"; }

std::string when(std::int64_t t_ns) { return t_ns > 0 ? format_iso8601_ms(t_ns) : "(no time)"; }

/// "3d 4h 5m", "4h 5m", "5m 6s", "6s".
std::string duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "n/a";
  const auto s = static_cast<std::int64_t>(seconds);
  const std::int64_t d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;
  if (d > 0) return fmt::format("{}d {}h {}m", d, h, m);
  if (h > 0) return fmt::format("{}h {}m", h, m);
  if (m > 0) return fmt::format("{}m {}s", m, sec);
  return fmt::format("{}s", sec);
}

/// A level worth printing: prices are positive.
std::string level(double v) { return v > 0 && std::isfinite(v) ? group_number(v, v < 10 ? 4 : 2) : ""; }

bool has_status(const LiveStatus& s) { return s.now_ns > 0; }

constexpr std::string_view kCommandList =
    "/check - system status: feed, journal, kill switch, equity, positions\n"
    "/stats - performance over 7 and 30 days\n"
    "/ftmo_status - the challenge: profit vs target, losses vs limits, trading days\n"
    "/threshold <n> - set the signal confidence threshold, n from 0.50 to 0.99\n"
    "/kill_switch on|off - block or allow new risk\n"
    "/help - this list";

constexpr std::string_view kNoStatus = "No status yet: the live runner has not published a snapshot.";

constexpr std::array<std::pair<AlertKind, std::string_view>, 7> kAlertNames = {{
    {AlertKind::kill_switch_signal_blocked, "kill_switch_signal_blocked"},
    {AlertKind::guardrail_breach_attempt, "guardrail_breach_attempt"},
    {AlertKind::drawdown_over_10pct, "drawdown_over_10pct"},
    {AlertKind::volatility_spike, "volatility_spike"},
    {AlertKind::venue_api_failure, "venue_api_failure"},
    {AlertKind::feed_stale, "feed_stale"},
    {AlertKind::generic, "generic"},
}};

std::string_view alert_title(AlertKind kind) {
  switch (kind) {
    case AlertKind::kill_switch_signal_blocked: return "Kill switch is on: signal blocked";
    case AlertKind::guardrail_breach_attempt: return "Guardrail: an order that would breach a limit was blocked";
    case AlertKind::drawdown_over_10pct: return "Drawdown over 10%";
    case AlertKind::volatility_spike: return "Volatility spike";
    case AlertKind::venue_api_failure: return "Venue API failure";
    case AlertKind::feed_stale: return "Market data feed is stale";
    case AlertKind::generic: return "Alert";
  }
  return "Alert";
}

}  // namespace

std::string mode_tag(std::string_view mode) { return mode.empty() ? "[?]" : "[" + ascii_upper(mode) + "]"; }

std::string group_number(double v, int decimals) {
  if (!std::isfinite(v)) return "n/a";
  std::string s = fmt::format("{:.{}f}", std::fabs(v), decimals);
  const auto dot = s.find('.');
  const std::size_t int_end = dot == std::string::npos ? s.size() : dot;
  std::string out;
  for (std::size_t i = 0; i < int_end; ++i) {
    if (i > 0 && (int_end - i) % 3 == 0) out += ',';
    out += s[i];
  }
  out += s.substr(int_end);
  // "-0.00" reads oddly: a value that rounds to zero has no sign.
  const bool zero = out.find_first_not_of("0.,") == std::string::npos;
  return (v < 0 && !zero ? "-" : "") + out;
}

std::string format_signal(std::string_view mode, const TelegramSignal& s) {
  std::string out = fmt::format("{} SIGNAL {} {}", mode_tag(mode), s.symbol, ascii_upper(s.side));
  out += fmt::format("\nTier {}, confidence {:.2f}", s.tier.empty() ? "n/a" : s.tier, s.confidence);
  std::string levels;
  if (auto e = level(s.entry); !e.empty()) levels += "Entry " + e;
  if (auto tp = level(s.take_profit); !tp.empty()) levels += (levels.empty() ? "" : ", ") + std::string("TP ") + tp;
  if (auto sl = level(s.stop_loss); !sl.empty()) levels += (levels.empty() ? "" : ", ") + std::string("SL ") + sl;
  if (s.entry > 0 && s.take_profit > 0 && s.stop_loss > 0 && s.entry != s.stop_loss) {
    levels += fmt::format(", R:R {:.2f}", std::fabs(s.take_profit - s.entry) / std::fabs(s.entry - s.stop_loss));
  }
  if (!levels.empty()) out += "\n" + levels;
  if (!s.decision.empty()) out += "\nDecision: " + s.decision;
  out += "\n" + when(s.time_ns);
  return clamp_message(out);
}

std::string_view alert_kind_name(AlertKind kind) {
  for (const auto& [k, name] : kAlertNames) {
    if (k == kind) return name;
  }
  return "generic";
}

std::optional<AlertKind> parse_alert_kind(std::string_view name) {
  for (const auto& [k, n] : kAlertNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

std::string format_alert(std::string_view mode, const TelegramAlert& a) {
  const std::string title =
      a.kind == AlertKind::generic && !a.title.empty() ? a.title : std::string(alert_title(a.kind));
  std::string out = mode_tag(mode) + " ALERT: " + title;
  if (!a.symbol.empty()) out += "\nSymbol: " + a.symbol;
  if (!a.detail.empty()) out += "\n" + a.detail;
  out += "\n" + when(a.time_ns);
  return clamp_message(out);
}

std::string format_check(const LiveStatus& s) {
  std::string out = mode_tag(s.mode) + " System check";
  if (!has_status(s)) return out + "\n" + std::string(kNoStatus);
  out += "\nSession " + (s.session.empty() ? std::string("n/a") : s.session) + ", up " +
         duration(static_cast<double>(s.now_ns - s.started_ns) / 1e9);
  std::string symbols;
  for (const auto& [symbol, t] : s.last_bar_close_ns) symbols += (symbols.empty() ? "" : ", ") + symbol;
  out += fmt::format("\nFeed: {}, newest bar {} ago{}", s.feed_connected ? "connected" : "DISCONNECTED",
                     duration(feed_staleness_s(s)), symbols.empty() ? "" : " (" + symbols + ")");
  out += std::string("\nJournal: ") + (s.journal_ok ? "ok" : "FAILING");
  out += std::string("\nKill switch: ") + (s.kill_switch ? "ON" : "OFF");
  if (s.kill_switch && !s.kill_switch_source.empty()) out += " (" + s.kill_switch_source + ")";
  out += fmt::format("\nThreshold: {:.2f}", s.threshold);
  out += "\nEquity " + group_number(s.equity_usd) + " USD, balance " + group_number(s.balance_usd) + " USD";
  out += fmt::format("\nOpen positions: {}", s.positions.size());
  for (const auto& p : s.positions) {
    out += fmt::format("\n  {} {} @ {}, unrealized {} USD", p.symbol, group_number(p.qty, 6), group_number(p.avg_price),
                       group_number(p.unrealized_usd));
  }
  out += fmt::format("\nBars {}, signals {}, orders {}, fills {}, rejections {}, venue errors {}, reconnects {}", s.bars,
                     s.signals, s.orders, s.fills, s.rejections, s.venue_errors, s.reconnects);
  out += "\nAs of " + when(s.now_ns);
  return clamp_message(out);
}

std::string format_stats(const LiveStatus& s) {
  std::string out = mode_tag(s.mode) + " Performance";
  if (!has_status(s)) return out + "\n" + std::string(kNoStatus);
  out += fmt::format("\n7 days: return {}, {} trades, win rate {}", signed_pct(s.return_7d_pct), s.trades_7d,
                     s.trades_7d > 0 ? pct(s.win_rate_7d_pct) : "n/a");
  out += fmt::format("\n30 days: return {}, {} trades, win rate {}", signed_pct(s.return_30d_pct), s.trades_30d,
                     s.trades_30d > 0 ? pct(s.win_rate_30d_pct) : "n/a");
  out += "\nEquity " + group_number(s.equity_usd) + " USD";
  out += "\nAs of " + when(s.now_ns);
  return clamp_message(out);
}

std::string format_ftmo_status(const LiveStatus& s) {
  std::string out = mode_tag(s.mode) + " FTMO status";
  if (!has_status(s)) return out + "\n" + std::string(kNoStatus);
  const LiveFtmo& f = s.ftmo;
  out += "\nState: " + (f.state.empty() ? std::string("n/a") : f.state) + fmt::format(", phase {}", f.phase);
  out += "\nProfit: " + signed_pct(f.profit_pct) + " of " + pct(f.target_pct) + " target";
  out += "\nDaily loss: " + pct(f.daily_loss_pct) + " of " + pct(f.daily_limit_pct) + " limit";
  out += "\nTotal loss: " + pct(f.total_loss_pct) + " of " + pct(f.max_loss_pct) + " limit";
  out += fmt::format("\nTrading days: {} of {} minimum", f.trading_days, f.min_trading_days);
  out += "\nAs of " + when(s.now_ns);
  return clamp_message(out);
}

std::string format_help(std::string_view mode) { return mode_tag(mode) + " Commands\n" + std::string(kCommandList); }

std::string format_start(std::string_view mode) {
  return mode_tag(mode) + " Verity is running and this chat is allow-listed.\nCommands\n" + std::string(kCommandList);
}

std::string format_invalid(std::string_view mode, const TelegramCommand& c) {
  return clamp_message(mode_tag(mode) + " /" + c.name + ": " + c.error);
}

std::string format_threshold_set(std::string_view mode, double previous, double now) {
  return fmt::format("{} Threshold set to {:.2f} (was {:.2f}).", mode_tag(mode), now, previous);
}

std::string format_kill_switch_set(std::string_view mode, bool on, std::string_view by_user) {
  std::string out = mode_tag(mode) + " Kill switch " + (on ? "ON: no new risk will be taken." : "OFF: trading resumes.");
  if (!by_user.empty()) out += " (by " + std::string(by_user) + ")";
  return clamp_message(out);
}

std::string default_reply(const TelegramCommand& c, const LiveStatus& status, std::string_view fallback_mode) {
  LiveStatus s_copy;
  const LiveStatus* s = &status;
  if (status.mode.empty() && !fallback_mode.empty()) {
    s_copy = status;
    s_copy.mode = std::string(fallback_mode);
    s = &s_copy;
  }
  const std::string_view mode = s->mode;
  switch (c.kind) {
    case TelegramCommandKind::check: return format_check(*s);
    case TelegramCommandKind::stats: return format_stats(*s);
    case TelegramCommandKind::ftmo_status: return format_ftmo_status(*s);
    case TelegramCommandKind::start: return format_start(mode);
    case TelegramCommandKind::help:
    case TelegramCommandKind::unknown: return format_help(mode);
    case TelegramCommandKind::invalid: return format_invalid(mode, c);
    case TelegramCommandKind::threshold:
    case TelegramCommandKind::kill_switch:
    case TelegramCommandKind::other_bot: return "";
  }
  return "";
}

std::string clamp_message(std::string_view text) {
  if (text.size() <= kTelegramMaxTextBytes) return std::string(text);
  return truncate_utf8(text, kTelegramMaxTextBytes - 3) + "...";
}

}  // namespace verity
