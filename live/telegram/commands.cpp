#include "live/telegram/commands.hpp"

#include "actors/runtime/ascii.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <utility>

namespace verity {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}


constexpr std::array<std::pair<std::string_view, TelegramCommandKind>, 7> kCommands = {{
    {"start", TelegramCommandKind::start},
    {"check", TelegramCommandKind::check},
    {"stats", TelegramCommandKind::stats},
    {"ftmo_status", TelegramCommandKind::ftmo_status},
    {"help", TelegramCommandKind::help},
    {"threshold", TelegramCommandKind::threshold},
    {"kill_switch", TelegramCommandKind::kill_switch},
}};

/// The argument as a user typed it, short enough to quote back.
std::string quoted(std::string_view arg) {
  if (arg.empty()) return "nothing";
  std::string cut = truncate_utf8(arg, 32);
  if (cut.size() < arg.size()) cut += "...";
  return "\"" + cut + "\"";
}

void parse_threshold(TelegramCommand& c) {
  const std::string_view arg = c.argument;
  double value = 0;
  const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), value);
  const bool number = !arg.empty() && ec == std::errc() && end == arg.data() + arg.size() && std::isfinite(value);
  if (number && value >= kThresholdMin && value <= kThresholdMax) {
    c.threshold = value;
    return;
  }
  c.kind = TelegramCommandKind::invalid;
  c.error = "expected /threshold <n> with n a number from 0.50 to 0.99 (the signal confidence threshold), got " +
            quoted(arg) + (number ? ", which is out of range" : "");
}

void parse_kill_switch(TelegramCommand& c) {
  const std::string arg = ascii_lower(c.argument);
  if (arg == "on" || arg == "off") {
    c.kill_switch_on = arg == "on";
    return;
  }
  c.kind = TelegramCommandKind::invalid;
  c.error = "expected /kill_switch on or /kill_switch off, got " + quoted(c.argument);
}

}  // namespace

std::string_view command_kind_name(TelegramCommandKind kind) {
  switch (kind) {
    case TelegramCommandKind::start: return "start";
    case TelegramCommandKind::check: return "check";
    case TelegramCommandKind::stats: return "stats";
    case TelegramCommandKind::ftmo_status: return "ftmo_status";
    case TelegramCommandKind::help: return "help";
    case TelegramCommandKind::threshold: return "threshold";
    case TelegramCommandKind::kill_switch: return "kill_switch";
    case TelegramCommandKind::invalid: return "invalid";
    case TelegramCommandKind::unknown: return "unknown";
    case TelegramCommandKind::other_bot: return "other_bot";
  }
  return "unknown";
}

bool is_query(TelegramCommandKind kind) {
  return kind == TelegramCommandKind::start || kind == TelegramCommandKind::check ||
         kind == TelegramCommandKind::stats || kind == TelegramCommandKind::ftmo_status ||
         kind == TelegramCommandKind::help;
}

bool is_control(TelegramCommandKind kind) {
  return kind == TelegramCommandKind::threshold || kind == TelegramCommandKind::kill_switch;
}

std::string truncate_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t cut = max_bytes;
  // Step back over continuation bytes (10xxxxxx) to the start of a sequence.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut));
}

TelegramCommand parse_command(std::string_view text, std::string_view bot_username) {
  TelegramCommand c;
  c.text = truncate_utf8(text, kMaxCommandTextBytes);
  const std::string_view t = trim(text);
  if (t.empty() || t.front() != '/') return c;  // plain text: unknown

  std::size_t word_end = 0;
  while (word_end < t.size() && !is_space(t[word_end])) ++word_end;
  std::string_view word = t.substr(1, word_end - 1);
  c.argument = std::string(trim(t.substr(word_end)));
  std::string_view addressee;
  if (const auto at = word.find('@'); at != std::string_view::npos) {
    addressee = word.substr(at + 1);
    word = word.substr(0, at);
  }
  c.name = ascii_lower(truncate_utf8(word, 32));
  if (!addressee.empty() && !bot_username.empty() && ascii_lower(addressee) != ascii_lower(bot_username)) {
    c.kind = TelegramCommandKind::other_bot;
    return c;
  }
  for (const auto& [name, kind] : kCommands) {
    if (c.name == name) c.kind = kind;
  }
  if (c.kind == TelegramCommandKind::threshold) parse_threshold(c);
  if (c.kind == TelegramCommandKind::kill_switch) parse_kill_switch(c);
  return c;
}

}  // namespace verity
