// Telegram commands: the text of one message turned into a typed command,
// as a pure function (docs/TELEGRAM.md). Queries (/start /check /stats
// /ftmo_status /help) only read status; controls (/threshold /kill_switch)
// change the graph's behaviour and so go to the live runner, which journals
// them as inputs before they take effect.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace verity {

enum class TelegramCommandKind {
  start,
  check,
  stats,
  ftmo_status,
  help,
  threshold,    // threshold holds the new value
  kill_switch,  // kill_switch_on holds the new state
  invalid,      // a known command with a bad argument; error says what is expected
  unknown,      // not a command we know (or plain text): answered with help
  other_bot,    // "/cmd@SomeOtherBot" in a group: not for us, ignored silently
};

/// "start", "check", ..., "invalid", "unknown", "other_bot".
std::string_view command_kind_name(TelegramCommandKind kind);
/// Queries are answered at once from status; controls go to the runner.
bool is_query(TelegramCommandKind kind);
bool is_control(TelegramCommandKind kind);

inline constexpr double kThresholdMin = 0.50;
inline constexpr double kThresholdMax = 0.99;
/// Longest message text kept in a command (bytes, cut on a UTF-8 boundary).
inline constexpr std::size_t kMaxCommandTextBytes = 256;

struct TelegramCommand {
  std::int64_t update_id = 0;
  std::int64_t chat_id = 0;
  std::string user;  // "@username", else the first name, else "user <id>"
  TelegramCommandKind kind = TelegramCommandKind::unknown;
  std::string name;      // the command word without "/" and "@bot", lower-case ("" for plain text)
  std::string argument;  // the rest of the message, trimmed
  double threshold = 0;  // kind == threshold: in [kThresholdMin, kThresholdMax]
  bool kill_switch_on = false;  // kind == kill_switch
  std::string error;     // kind == invalid: what was expected
  std::string text;      // the message text, at most kMaxCommandTextBytes
};

/// Parses one message. `bot_username` (without "@"; may be empty) decides
/// whether "/cmd@name" is for this bot; empty accepts any name. Command
/// words are case-insensitive; arguments of queries are ignored.
TelegramCommand parse_command(std::string_view text, std::string_view bot_username = {});

/// `text` cut to at most `max_bytes` without splitting a UTF-8 sequence.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes);

}  // namespace verity
