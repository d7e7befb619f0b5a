#include "tests/support/fake_telegram.hpp"

#include "actors/runtime/clock.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace verity::testing {

namespace {

using Json = nlohmann::json;

net::HttpResponse envelope(int status, const Json& body) {
  net::HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump();
  return r;
}

net::HttpResponse api_error(int status, const std::string& description, int retry_after_s = 0) {
  Json j = {{"ok", false}, {"error_code", status}, {"description", description}};
  if (retry_after_s > 0) j["parameters"] = {{"retry_after", retry_after_s}};
  return envelope(status, j);
}

/// A parameter as an integer, whether it came as a JSON number or text.
std::int64_t int_param(const Json& params, const char* key, std::int64_t fallback) {
  const auto it = params.find(key);
  if (it == params.end()) return fallback;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_string()) {
    try {
      return std::stoll(it->get<std::string>());
    } catch (...) {
      return fallback;
    }
  }
  return fallback;
}

}  // namespace

FakeTelegram::FakeTelegram(std::string token) : token_(std::move(token)) {
  net::Routes routes;
  auto handler = [this](const net::HttpRequest& req) { return handle(req); };
  routes.prefix("POST", "/bot", handler);
  routes.prefix("GET", "/bot", handler);
  net::ServerOptions options;
  options.threads = 2;
  auto server = net::HttpServer::start(options, std::move(routes));
  if (!server) {
    std::fprintf(stderr, "fake telegram: cannot start: %s\n", server.error().c_str());
    std::abort();
  }
  server_ = std::move(*server);
}

FakeTelegram::~FakeTelegram() { stop(); }

void FakeTelegram::stop() {
  if (server_) server_->stop();
  changed_.notify_all();
}

std::string FakeTelegram::base_url() const { return server_->base_url(); }
std::uint16_t FakeTelegram::port() const { return server_->port(); }

std::int64_t FakeTelegram::push_text(std::int64_t chat_id, const std::string& user, const std::string& text) {
  Json update = {{"message",
                  {{"message_id", next_update_id_ + 5000},
                   {"from", {{"id", chat_id}, {"is_bot", false}, {"first_name", user}, {"username", user}}},
                   {"chat", {{"id", chat_id}, {"type", "private"}, {"username", user}}},
                   {"date", 1'700'000'000},
                   {"text", text}}}};
  return push_update(std::move(update));
}

std::int64_t FakeTelegram::push_update(Json update) {
  std::lock_guard lock(mutex_);
  const std::int64_t id = next_update_id_++;
  update["update_id"] = id;
  updates_.push_back(std::move(update));
  changed_.notify_all();
  return id;
}

std::vector<FakeSentMessage> FakeTelegram::sent() const {
  std::lock_guard lock(mutex_);
  return sent_;
}

bool FakeTelegram::wait_for_sent(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return sent_.size() >= n; });
}

bool FakeTelegram::wait_for_polls(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return get_updates_calls_ >= n; });
}

void FakeTelegram::fail_next(int calls) {
  std::lock_guard lock(mutex_);
  fail_next_ = calls;
}

void FakeTelegram::rate_limit_next(int calls, int retry_after_s) {
  std::lock_guard lock(mutex_);
  rate_limit_next_ = calls;
  retry_after_s_ = retry_after_s;
}

void FakeTelegram::malformed_next_get_updates() {
  std::lock_guard lock(mutex_);
  malformed_next_ = true;
}

std::size_t FakeTelegram::get_updates_calls() const {
  std::lock_guard lock(mutex_);
  return get_updates_calls_;
}

std::size_t FakeTelegram::send_message_calls() const {
  std::lock_guard lock(mutex_);
  return send_message_calls_;
}

std::size_t FakeTelegram::unauthorized_calls() const {
  std::lock_guard lock(mutex_);
  return unauthorized_calls_;
}

std::size_t FakeTelegram::pending_updates() const {
  std::lock_guard lock(mutex_);
  return updates_.size();
}

std::int64_t FakeTelegram::last_offset() const {
  std::lock_guard lock(mutex_);
  return last_offset_;
}

std::size_t FakeTelegram::conflicts() const {
  std::lock_guard lock(mutex_);
  return conflicts_;
}

int FakeTelegram::max_timeout_requested() const {
  std::lock_guard lock(mutex_);
  return max_timeout_;
}

net::HttpResponse FakeTelegram::handle(const net::HttpRequest& req) {
  // /bot<token>/<method>
  const std::string rest = req.path.substr(4);
  const auto slash = rest.find('/');
  const std::string token = rest.substr(0, slash);
  const std::string method = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (token != token_) {
    std::lock_guard lock(mutex_);
    ++unauthorized_calls_;
    return api_error(401, "Unauthorized");
  }
  Json params = Json::object();
  if (!req.body.empty()) {
    Json body = Json::parse(req.body, nullptr, false);
    if (!body.is_discarded() && body.is_object()) {
      params = std::move(body);
    } else {
      for (const auto& [k, v] : net::parse_query(req.body)) params[k] = v;
    }
  }
  for (const auto& [k, v] : req.query) params[k] = v;

  {
    std::lock_guard lock(mutex_);
    if (method == "getUpdates") ++get_updates_calls_;
    if (method == "sendMessage") ++send_message_calls_;
    changed_.notify_all();
    if (fail_next_ > 0) {
      --fail_next_;
      return api_error(500, "Internal Server Error");
    }
    if (rate_limit_next_ > 0) {
      --rate_limit_next_;
      return api_error(429, "Too Many Requests: retry after " + std::to_string(retry_after_s_), retry_after_s_);
    }
    if (method == "getUpdates" && malformed_next_) {
      malformed_next_ = false;
      net::HttpResponse r;
      r.content_type = "application/json";
      r.body = "{\"ok\":true,\"result\":[{\"update_id\":";  // cut short
      return r;
    }
  }
  if (method == "getUpdates") return get_updates(req, params);
  if (method == "sendMessage") return send_message(params);
  return api_error(404, "Not Found: method not found");
}

net::HttpResponse FakeTelegram::get_updates(const net::HttpRequest& req, const Json& params) {
  const std::int64_t offset = int_param(params, "offset", 0);
  const int timeout_s = static_cast<int>(std::clamp<std::int64_t>(int_param(params, "timeout", 0), 0, 50));
  const std::size_t limit = static_cast<std::size_t>(std::clamp<std::int64_t>(int_param(params, "limit", 100), 1, 100));
  const Stopwatch waited;  // the long poll's own timeout, read through the project's clock
  std::unique_lock lock(mutex_);
  // As Telegram does, a newer getUpdates ends a waiting one with 409.
  const std::uint64_t generation = ++poll_generation_;
  changed_.notify_all();
  last_offset_ = offset;
  max_timeout_ = std::max(max_timeout_, timeout_s);
  // An offset confirms (and forgets) every update below it.
  if (offset > 0) {
    while (!updates_.empty() && updates_.front()["update_id"].get<std::int64_t>() < offset) updates_.pop_front();
  }
  // Long polling: wait for an update, the timeout, or the server stopping.
  while (updates_.empty() && !req.server_stopping()) {
    if (poll_generation_ != generation) {
      ++conflicts_;
      return api_error(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running");
    }
    if (waited.elapsed_s() >= timeout_s) break;
    // Wake at least every 50 ms to see the server stopping or a newer poll.
    changed_.wait_for(lock, std::chrono::milliseconds(50));
    if (offset > 0) {
      while (!updates_.empty() && updates_.front()["update_id"].get<std::int64_t>() < offset) updates_.pop_front();
    }
  }
  Json result = Json::array();
  for (const auto& u : updates_) {
    if (result.size() >= limit) break;
    result.push_back(u);
  }
  return envelope(200, {{"ok", true}, {"result", result}});
}

net::HttpResponse FakeTelegram::send_message(const Json& params) {
  const auto chat = params.find("chat_id");
  const auto text = params.find("text");
  if (chat == params.end() || text == params.end() || !text->is_string()) {
    return api_error(400, "Bad Request: chat_id and text are required");
  }
  FakeSentMessage m;
  m.chat_id = int_param(params, "chat_id", 0);
  m.text = text->get<std::string>();
  if (auto p = params.find("parse_mode"); p != params.end() && p->is_string()) m.parse_mode = p->get<std::string>();
  if (m.text.empty()) return api_error(400, "Bad Request: message text is empty");
  std::lock_guard lock(mutex_);
  sent_.push_back(std::move(m));
  changed_.notify_all();
  return envelope(200, {{"ok", true},
                        {"result",
                         {{"message_id", static_cast<std::int64_t>(sent_.size())},
                          {"chat", {{"id", sent_.back().chat_id}, {"type", "private"}}},
                          {"date", 1'700'000'000},
                          {"text", sent_.back().text}}}});
}

}  // namespace verity::testing
