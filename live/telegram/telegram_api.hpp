// The Telegram Bot API client: getUpdates (long polling) and sendMessage
// over HTTPS through net::http_call (docs/TELEGRAM.md). Parsing is its own
// pure functions, so every malformed or surprising body is tested without a
// server: a bad envelope is an error naming the field and what was
// expected, an update that is not a new text message is skipped with a
// reason, and nothing throws.
//
// The bot token is part of every URL (/bot<token>/method), so no URL is ever
// put into an error; every error message is passed through redact() with
// the token as a last line of defence.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "live/secrets.hpp"

namespace verity {

struct TelegramApiError {
  enum class Kind {
    transport,     // no HTTP response (connection refused, timeout, TLS)
    http,          // an HTTP status with a body that is not a Bot API envelope
    api,           // {"ok":false,...}: the API refused the call
    unauthorized,  // 401 (or 404 for a malformed token): a configuration problem, retrying will not help
    rate_limited,  // 429: wait retry_after_s
    parse,         // a 2xx body that is not what the Bot API sends
  };
  Kind kind = Kind::transport;
  int http_status = 0;    // 0 for transport errors
  int error_code = 0;     // the envelope's error_code, if any
  int retry_after_s = 0;  // rate_limited: parameters.retry_after (at least 1)
  std::string message;    // never contains the token
};

/// "transport", "http", "api", "unauthorized", "rate_limited", "parse".
std::string_view api_error_kind_name(TelegramApiError::Kind kind);

/// One new text message from a chat.
struct TelegramMessage {
  std::int64_t update_id = 0;
  std::int64_t message_id = 0;
  std::int64_t chat_id = 0;
  std::string chat_type;  // "private", "group", "supergroup", "channel"
  std::int64_t user_id = 0;  // 0 when the message has no sender (channels)
  std::string user;          // "@username", else the first name, else "user <id>"
  std::int64_t date_s = 0;   // Unix time the message was sent (Telegram's clock)
  std::string text;
};

/// An update we do not act on, and why.
struct TelegramSkipped {
  std::int64_t update_id = 0;  // -1 when the update had no usable update_id
  std::string reason;
};

struct TelegramUpdates {
  std::vector<TelegramMessage> messages;  // in update_id order, as received
  std::vector<TelegramSkipped> skipped;
  /// The highest update_id seen, skipped updates included: the next offset
  /// is this + 1, so a skipped update is confirmed and never seen again.
  std::optional<std::int64_t> last_update_id;
};

/// Longest text kept from one message; longer texts are cut.
inline constexpr std::size_t kMaxIncomingTextBytes = 4096;

/// Parses a getUpdates response (HTTP status and body). `method` names the
/// call in errors.
std::expected<TelegramUpdates, TelegramApiError> parse_get_updates(int http_status, std::string_view body);
/// Parses a sendMessage response: ok, or the API's refusal.
std::expected<void, TelegramApiError> parse_send_message(int http_status, std::string_view body);

struct TelegramApiOptions {
  std::string base_url = "https://api.telegram.org";
  /// sendMessage's whole-call timeout.
  std::chrono::milliseconds request_timeout{10'000};
  /// getUpdates waits up to its long-poll timeout; the HTTP call is allowed
  /// that plus this margin before it counts as a transport error.
  std::chrono::milliseconds poll_margin{10'000};
  std::chrono::milliseconds connect_timeout{5'000};
};

class TelegramBotApi {
 public:
  TelegramBotApi(Secret token, TelegramApiOptions options = {});

  /// getUpdates with offset, timeout (seconds, long polling) and
  /// allowed_updates ["message"]. Blocks up to timeout_s + poll_margin.
  std::expected<TelegramUpdates, TelegramApiError> get_updates(std::int64_t offset, int timeout_s) const;
  /// sendMessage, plain text (no parse_mode), link previews off. `text` is
  /// cut to Telegram's 4096-character limit.
  std::expected<void, TelegramApiError> send_message(std::int64_t chat_id, std::string_view text) const;

  const TelegramApiOptions& options() const { return options_; }
  /// What a log may say about the token: "(set, 46 bytes)".
  std::string describe_token() const { return token_.describe(); }

 private:
  std::expected<std::pair<int, std::string>, TelegramApiError> post(std::string_view method, const std::string& json,
                                                                    std::chrono::milliseconds timeout) const;
  TelegramApiError redacted(TelegramApiError e) const;

  Secret token_;
  TelegramApiOptions options_;
};

}  // namespace verity
