#include "live/telegram/bot.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "live/telegram/format.hpp"

namespace verity {

namespace {

bool retryable(const TelegramApiError& e) {
  switch (e.kind) {
    case TelegramApiError::Kind::transport:
    case TelegramApiError::Kind::rate_limited: return true;
    case TelegramApiError::Kind::http: return e.http_status >= 500 || e.http_status == 408;
    case TelegramApiError::Kind::api: return e.error_code >= 500;
    case TelegramApiError::Kind::unauthorized:
    case TelegramApiError::Kind::parse: return false;
  }
  return false;
}

/// What a warning may say about a message from a stranger: the command
/// word only, never the rest of the text.
std::string command_word(const TelegramCommand& c) {
  switch (c.kind) {
    case TelegramCommandKind::unknown: return c.name.empty() ? "a text message" : "an unknown command";
    case TelegramCommandKind::other_bot: return "a command for another bot";
    default: return "/" + c.name;
  }
}

}  // namespace

std::chrono::milliseconds telegram_backoff(int failures, std::chrono::milliseconds initial,
                                           std::chrono::milliseconds max, int retry_after_s, Prng& prng) {
  if (retry_after_s > 0) {
    return std::chrono::milliseconds(std::int64_t{retry_after_s} * 1000 + static_cast<std::int64_t>(prng.below(251)));
  }
  std::int64_t base = std::max<std::int64_t>(initial.count(), 1);
  for (int i = 1; i < failures && base < max.count(); ++i) base *= 2;
  base = std::min<std::int64_t>(base, std::max<std::int64_t>(max.count(), 1));
  // Equal jitter: half fixed, half random, so two bots never retry in step.
  const std::int64_t half = base / 2;
  return std::chrono::milliseconds(base - half + static_cast<std::int64_t>(prng.below(static_cast<std::uint64_t>(half) + 1)));
}

std::function<std::string(const TelegramCommand&)> status_reply_builder(const StatusBoard& board, std::string mode) {
  return [&board, mode = std::move(mode)](const TelegramCommand& c) { return default_reply(c, board.read(), mode); };
}

TelegramBot::TelegramBot(TelegramBotApi api, TelegramBotOptions options, TelegramBotCallbacks callbacks)
    : api_(std::move(api)),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      allowed_(options_.allowed_chat_ids.begin(), options_.allowed_chat_ids.end()) {
  options_.poll_timeout_s = std::clamp(options_.poll_timeout_s, 0, 50);
  options_.send_attempts = std::max(options_.send_attempts, 1);
  options_.send_queue_limit = std::max<std::size_t>(options_.send_queue_limit, 1);
}

TelegramBot::~TelegramBot() { stop(); }

void TelegramBot::start() {
  std::lock_guard lock(mutex_);
  if (running_) return;
  running_ = true;
  stopping_ = false;
  poller_ = std::thread([this] { poll_loop(); });
  sender_ = std::thread([this] { send_loop(); });
}

void TelegramBot::stop() {
  bool interrupt = false;
  std::int64_t offset = 0;
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    stopping_ = true;
    interrupt = in_poll_;
    offset = offset_;
  }
  wake_.notify_all();
  idle_cv_.notify_all();
  if (interrupt) {
    // Telegram answers a waiting getUpdates with 409 Conflict as soon as
    // another one arrives: a short poll from here ends the long poll now,
    // and confirms what was handled.
    if (api_.get_updates(offset, 0)) {
      std::lock_guard lock(mutex_);
      confirmed_ = std::max(confirmed_, offset);
    }
  }
  if (poller_.joinable()) poller_.join();
  if (sender_.joinable()) sender_.join();
  std::lock_guard lock(mutex_);
  stats_.dropped += queue_.size();
  queue_.clear();
  running_ = false;
}

bool TelegramBot::send(std::int64_t chat_id, std::string text) {
  if (text.empty()) return false;
  std::lock_guard lock(mutex_);
  if (stopping_ || queue_.size() >= options_.send_queue_limit) {
    ++stats_.dropped;
    return false;
  }
  queue_.push_back({chat_id, clamp_message(text)});
  wake_.notify_all();
  return true;
}

std::size_t TelegramBot::broadcast(const std::string& text) {
  std::size_t queued = 0;
  for (std::int64_t chat : allowed_) queued += send(chat, text) ? 1 : 0;
  return queued;
}

bool TelegramBot::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_cv_.wait_for(lock, timeout, [this] { return (queue_.empty() && !sending_) || stopping_; }) &&
         queue_.empty() && !sending_;
}

TelegramBotStats TelegramBot::stats() const {
  std::lock_guard lock(mutex_);
  TelegramBotStats s = stats_;
  s.next_offset = offset_;
  return s;
}

bool TelegramBot::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, d, [this] { return stopping_; });
}

void TelegramBot::warn(const std::string& text) {
  if (!callbacks_.on_warning) return;
  // One warning at a time: the callback need not be thread-safe.
  std::lock_guard lock(warn_mutex_);
  try {
    callbacks_.on_warning(text);
  } catch (...) {
  }
}

void TelegramBot::poll_loop() {
  Prng prng(options_.jitter_seed, 1);
  int failures = 0;
  bool last_ok = false;
  for (;;) {
    std::int64_t offset = 0;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
      offset = offset_;
      in_poll_ = true;
    }
    auto r = api_.get_updates(offset, options_.poll_timeout_s);
    {
      std::lock_guard lock(mutex_);
      in_poll_ = false;
      ++stats_.polls;
      if (!r) ++stats_.poll_errors;
      if (r) confirmed_ = std::max(confirmed_, offset);
      if (stopping_) break;  // fetched while stopping: not handled, not confirmed
    }
    last_ok = r.has_value();
    if (!r) {
      ++failures;
      const auto wait = telegram_backoff(failures, options_.backoff_initial, options_.backoff_max,
                                         r.error().kind == TelegramApiError::Kind::rate_limited ? r.error().retry_after_s : 0,
                                         prng);
      warn(r.error().message + "; polling again in " + std::to_string(wait.count()) + " ms");
      if (!sleep_for(wait)) break;
      continue;
    }
    failures = 0;
    for (const auto& s : r->skipped) {
      {
        std::lock_guard lock(mutex_);
        ++stats_.skipped_updates;
      }
      warn("telegram: skipped " + s.reason);
    }
    for (const auto& m : r->messages) {
      if (m.update_id < offset) continue;  // already handled: the server ignored our offset
      handle(m);
    }
    if (r->last_update_id) {
      std::lock_guard lock(mutex_);
      offset_ = std::max(offset_, *r->last_update_id + 1);
    }
  }
  // Confirm the last batch handled, so a restart does not see it again.
  // Best effort, and only when the API answered a moment ago.
  std::int64_t offset = 0;
  bool unconfirmed = false;
  {
    std::lock_guard lock(mutex_);
    offset = offset_;
    unconfirmed = offset_ > confirmed_;
  }
  if (last_ok && unconfirmed) {
    auto r = api_.get_updates(offset, 0);
    if (!r) warn(r.error().message + " (confirming handled updates at stop)");
  }
}

void TelegramBot::handle(const TelegramMessage& m) {
  TelegramCommand c = parse_command(m.text, options_.bot_username);
  c.update_id = m.update_id;
  c.chat_id = m.chat_id;
  c.user = m.user;
  if (!allowed(m.chat_id)) {
    {
      std::lock_guard lock(mutex_);
      ++stats_.unauthorised;
    }
    warn("telegram: chat " + std::to_string(m.chat_id) + " is not allow-listed; ignored " + command_word(c));
    if (c.kind != TelegramCommandKind::other_bot) reply(m.chat_id, std::string(kNotAuthorised), true);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    ++stats_.messages;
    if (is_query(c.kind) || is_control(c.kind)) ++stats_.commands;
  }
  if (c.kind == TelegramCommandKind::other_bot) return;
  if ((is_query(c.kind) || is_control(c.kind)) && callbacks_.on_command) {
    try {
      callbacks_.on_command(c);
    } catch (const std::exception& e) {
      warn("telegram: on_command for /" + c.name + " threw: " + e.what());
    } catch (...) {
      warn("telegram: on_command for /" + c.name + " threw");
    }
  }
  if (is_control(c.kind)) return;  // the runner confirms once it took effect
  std::string text;
  try {
    text = callbacks_.reply_builder ? callbacks_.reply_builder(c) : default_reply(c, LiveStatus{}, options_.mode);
  } catch (const std::exception& e) {
    warn("telegram: reply_builder for " + command_word(c) + " threw: " + e.what());
    text = mode_tag(options_.mode) + " Sorry, that reply could not be built; see the logs.";
  }
  if (!text.empty()) reply(m.chat_id, std::move(text), false);
}

void TelegramBot::reply(std::int64_t chat_id, std::string text, bool from_stranger) {
  std::lock_guard lock(mutex_);
  // Strangers may use at most half the queue, so they cannot crowd out alerts.
  const std::size_t limit = from_stranger ? options_.send_queue_limit / 2 : options_.send_queue_limit;
  if (stopping_ || queue_.size() >= limit) {
    ++stats_.dropped;
    return;
  }
  queue_.push_back({chat_id, clamp_message(text)});
  wake_.notify_all();
}

void TelegramBot::send_loop() {
  Prng prng(options_.jitter_seed, 2);
  for (;;) {
    Outgoing out;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      out = std::move(queue_.front());
      queue_.pop_front();
      sending_ = true;
    }
    bool stopped = false;
    for (int attempt = 1;; ++attempt) {
      auto r = api_.send_message(out.chat_id, out.text);
      if (r) {
        std::lock_guard lock(mutex_);
        ++stats_.sent;
        break;
      }
      if (!retryable(r.error()) || attempt >= options_.send_attempts) {
        warn(r.error().message + "; message to chat " + std::to_string(out.chat_id) + " dropped after " +
             std::to_string(attempt) + (attempt == 1 ? " attempt" : " attempts"));
        std::lock_guard lock(mutex_);
        ++stats_.send_failures;
        break;
      }
      {
        std::lock_guard lock(mutex_);
        ++stats_.send_retries;
      }
      const auto wait = telegram_backoff(attempt, options_.backoff_initial, options_.backoff_max,
                                         r.error().kind == TelegramApiError::Kind::rate_limited ? r.error().retry_after_s : 0,
                                         prng);
      if (!sleep_for(wait)) {
        stopped = true;
        break;
      }
    }
    std::lock_guard lock(mutex_);
    sending_ = false;
    if (stopped) {
      ++stats_.dropped;
      return;
    }
    if (queue_.empty()) idle_cv_.notify_all();
  }
}

}  // namespace verity
