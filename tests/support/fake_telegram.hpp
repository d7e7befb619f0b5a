// A fake Telegram Bot API on 127.0.0.1 (an ephemeral port), for tests of
// the bot against real HTTP: /bot<token>/getUpdates with real long polling
// (waits up to `timeout` seconds for an update; `offset` confirms earlier
// updates, which are then forgotten) and /bot<token>/sendMessage (recorded).
// A wrong token gets Telegram's 401 envelope; an unknown method 404.
// Parameters are read from a JSON body, a form body or the query string,
// as the real API accepts them.
//
// As the real API does, a getUpdates that arrives while another one is
// waiting ends the waiting one with 409 Conflict.
//
// Fault injection, in call order across both methods: the next N calls
// answer 500, or 429 with parameters.retry_after; the next getUpdates
// answers a body that is not JSON.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "live/net/http_server.hpp"

namespace verity::testing {

struct FakeSentMessage {
  std::int64_t chat_id = 0;
  std::string text;
  std::string parse_mode;  // "" when none was given
};

class FakeTelegram {
 public:
  /// Starts the server; aborts the test binary (a bug in the test setup)
  /// if it cannot bind.
  explicit FakeTelegram(std::string token);
  ~FakeTelegram();
  FakeTelegram(const FakeTelegram&) = delete;
  FakeTelegram& operator=(const FakeTelegram&) = delete;

  /// "http://127.0.0.1:PORT": the bot's base_url.
  std::string base_url() const;
  std::uint16_t port() const;

  /// Queues a text message from `user` (a username, without "@") in a
  /// private chat; wakes a waiting getUpdates. Returns its update_id.
  std::int64_t push_text(std::int64_t chat_id, const std::string& user, const std::string& text);
  /// Queues a raw update (anything); update_id is added. Returns it.
  std::int64_t push_update(nlohmann::json update);

  std::vector<FakeSentMessage> sent() const;
  /// Waits until at least `n` messages were sent; true if they were.
  bool wait_for_sent(std::size_t n, std::chrono::milliseconds timeout) const;
  /// Waits until getUpdates was called at least `n` times.
  bool wait_for_polls(std::size_t n, std::chrono::milliseconds timeout) const;

  void fail_next(int calls);                           // HTTP 500, ok:false
  void rate_limit_next(int calls, int retry_after_s);  // HTTP 429 with retry_after
  void malformed_next_get_updates();                   // 200 with a body that is not JSON

  std::size_t get_updates_calls() const;
  std::size_t send_message_calls() const;
  std::size_t unauthorized_calls() const;
  /// Updates queued and not yet confirmed by an offset.
  std::size_t pending_updates() const;
  /// The offset of the latest getUpdates (-1 before any).
  std::int64_t last_offset() const;
  /// Waiting getUpdates ended with 409 by a newer one.
  std::size_t conflicts() const;
  /// The largest long-poll timeout requested (seconds).
  int max_timeout_requested() const;

  void stop();

 private:
  net::HttpResponse handle(const net::HttpRequest& req);
  net::HttpResponse get_updates(const net::HttpRequest& req, const nlohmann::json& params);
  net::HttpResponse send_message(const nlohmann::json& params);

  std::string token_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::deque<nlohmann::json> updates_;
  std::int64_t next_update_id_ = 100;
  std::vector<FakeSentMessage> sent_;
  int fail_next_ = 0;
  int rate_limit_next_ = 0;
  int retry_after_s_ = 1;
  bool malformed_next_ = false;
  std::size_t get_updates_calls_ = 0, send_message_calls_ = 0, unauthorized_calls_ = 0;
  std::int64_t last_offset_ = -1;
  int max_timeout_ = 0;
  std::uint64_t poll_generation_ = 0;
  std::size_t conflicts_ = 0;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace verity::testing
