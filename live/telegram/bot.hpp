// The Telegram bot: a polling thread that long-polls getUpdates and turns
// each text message into a TelegramCommand, and a sender thread that
// delivers replies, signals and alerts with retries (docs/TELEGRAM.md).
//
// Guarantees:
// - Only allow-listed chats have any effect. Any other chat gets
//   "Not authorised." and a warning naming its chat id and the command word,
//   never the rest of its text.
// - Each update is handled once: the offset advances past every update
//   received (skipped ones too), and an update below the offset is ignored.
// - Valid commands from allowed chats go to on_command, on the polling
//   thread, in update order. Queries (/start /check /stats /ftmo_status
//   /help) are also answered at once with reply_builder; controls
//   (/threshold /kill_switch) are answered by the runner once they took
//   effect. A bad argument or unknown text is answered here and not passed
//   on.
// - Errors back off exponentially with jitter from a seeded Prng; a 429
//   waits retry_after. Every queue and retry loop is bounded.
// - stop() is prompt and joins both threads. It wakes every wait at once,
//   and if a long poll is in flight it ends it the way Telegram does: a
//   second getUpdates makes the server answer the waiting one with 409
//   Conflict (net::http_call cannot be cancelled from another thread). That
//   call also confirms the updates handled so far. Against a server that
//   does not do this, stop() waits out the poll (poll_timeout_s at most).
//   Callbacks are never called after stop() returns; updates fetched while
//   stopping are neither handled nor confirmed, so the next start sees them.
// - No token in any warning: TelegramBotApi errors are redacted.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "actors/runtime/prng.hpp"
#include "live/ops/status.hpp"
#include "live/telegram/commands.hpp"
#include "live/telegram/telegram_api.hpp"

namespace verity {

struct TelegramBotOptions {
  std::string mode = "dryrun";  // the tag on every message: [DRYRUN], [LIVE]
  std::vector<std::int64_t> allowed_chat_ids;
  /// The bot's username without "@": "/check@other_bot" is then ignored.
  /// Empty: any "@name" suffix is accepted.
  std::string bot_username;
  /// getUpdates long-poll timeout (seconds, 0..50).
  int poll_timeout_s = 25;
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30'000};
  /// Seeds the jitter: the same seed gives the same sequence of waits.
  std::uint64_t jitter_seed = 0x7e1e;
  /// Outgoing messages waiting to be sent; beyond it send() refuses.
  std::size_t send_queue_limit = 256;
  /// Tries per outgoing message (transport, 5xx and 429 are retried;
  /// other API refusals are not).
  int send_attempts = 5;
};

struct TelegramBotCallbacks {
  /// Every valid command (query or control) from an allowed chat, on the
  /// polling thread. The runner journals it as an input.
  std::function<void(const TelegramCommand&)> on_command;
  /// The reply to a query, an invalid command or unknown text. Unset: the
  /// help and usage texts, and "No status yet" for status queries (use
  /// status_reply_builder to answer from a StatusBoard).
  std::function<std::string(const TelegramCommand&)> reply_builder;
  /// Token-free warnings (strangers, skipped updates, API errors, drops).
  std::function<void(std::string_view)> on_warning;
};

struct TelegramBotStats {
  std::uint64_t polls = 0, poll_errors = 0;
  std::uint64_t messages = 0, skipped_updates = 0;
  std::uint64_t commands = 0, unauthorised = 0;
  std::uint64_t sent = 0, send_retries = 0, send_failures = 0, dropped = 0;
  std::int64_t next_offset = 0;
};

/// The wait after `failures` consecutive failures (1, 2, ...):
/// initial * 2^(failures-1), capped at max, times a jitter factor in
/// [0.5, 1.0] drawn from `prng`. A 429's retry_after (seconds, > 0)
/// replaces it with retry_after plus up to 250 ms of jitter.
std::chrono::milliseconds telegram_backoff(int failures, std::chrono::milliseconds initial,
                                           std::chrono::milliseconds max, int retry_after_s, Prng& prng);

/// A reply_builder answering from the board's latest snapshot with
/// default_reply (live/telegram/format.hpp).
std::function<std::string(const TelegramCommand&)> status_reply_builder(const StatusBoard& board, std::string mode);

class TelegramBot {
 public:
  TelegramBot(TelegramBotApi api, TelegramBotOptions options, TelegramBotCallbacks callbacks);
  ~TelegramBot();
  TelegramBot(const TelegramBot&) = delete;
  TelegramBot& operator=(const TelegramBot&) = delete;

  /// Starts the polling and sender threads; a second call does nothing.
  void start();
  /// Stops and joins both threads; queued messages not yet sent are dropped
  /// (counted in stats().dropped). Idempotent.
  void stop();

  /// Queues `text` for `chat_id`; false when the queue is full or stopped.
  bool send(std::int64_t chat_id, std::string text);
  /// Queues `text` for every allow-listed chat; returns how many were queued.
  std::size_t broadcast(const std::string& text);
  /// Waits until the send queue is empty and nothing is in flight, or the
  /// timeout passes; true if idle.
  bool wait_idle(std::chrono::milliseconds timeout);

  bool allowed(std::int64_t chat_id) const { return allowed_.contains(chat_id); }
  TelegramBotStats stats() const;

 private:
  struct Outgoing {
    std::int64_t chat_id = 0;
    std::string text;
  };

  void poll_loop();
  void send_loop();
  void handle(const TelegramMessage& m);
  void reply(std::int64_t chat_id, std::string text, bool from_stranger);
  /// Waits `d` unless stop() is called first; false if stopping.
  bool sleep_for(std::chrono::milliseconds d);
  void warn(const std::string& text);

  TelegramBotApi api_;
  TelegramBotOptions options_;
  TelegramBotCallbacks callbacks_;
  std::set<std::int64_t> allowed_;

  std::mutex warn_mutex_;  // serialises on_warning
  mutable std::mutex mutex_;
  std::condition_variable wake_;      // stop, new outgoing message
  std::condition_variable idle_cv_;   // the send queue drained
  bool running_ = false;
  bool stopping_ = false;
  bool sending_ = false;  // a message is in flight
  bool in_poll_ = false;  // a getUpdates is in flight on the polling thread
  std::int64_t confirmed_ = 0;  // updates below this are confirmed to the server
  std::deque<Outgoing> queue_;
  TelegramBotStats stats_;
  std::int64_t offset_ = 0;

  std::thread poller_, sender_;
};

}  // namespace verity
