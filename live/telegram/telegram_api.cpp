#include "live/telegram/telegram_api.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <utility>

#include "actors/runtime/json_words.hpp"
#include "live/net/http_client.hpp"
#include "live/telegram/commands.hpp"
#include "live/telegram/format.hpp"

namespace verity {

namespace {

using Json = nlohmann::json;

TelegramApiError make_error(TelegramApiError::Kind kind, int status, std::string message) {
  TelegramApiError e;
  e.kind = kind;
  e.http_status = status;
  e.message = std::move(message);
  return e;
}

/// The envelope {"ok":..,"result":..} or {"ok":false,"error_code":..,
/// "description":..,"parameters":{"retry_after":..}}; returns result.
std::expected<Json, TelegramApiError> open_envelope(std::string_view method, int status, std::string_view body) {
  const std::string where = "telegram " + std::string(method) + ": ";
  Json j = Json::parse(body, nullptr, false);
  const bool json_object = !j.is_discarded() && j.is_object();
  if (!json_object) {
    if (status < 200 || status >= 300) {
      auto kind = status == 401 ? TelegramApiError::Kind::unauthorized
                  : status == 429 ? TelegramApiError::Kind::rate_limited
                                  : TelegramApiError::Kind::http;
      auto e = make_error(kind, status, where + "HTTP " + std::to_string(status) + " with a body that is not a Bot API response (" +
                                            std::to_string(body.size()) + " bytes)");
      if (kind == TelegramApiError::Kind::rate_limited) e.retry_after_s = 1;
      return std::unexpected(e);
    }
    return std::unexpected(make_error(TelegramApiError::Kind::parse, status,
                                      where + (j.is_discarded() ? "the response body is not valid JSON"
                                                                : "expected a JSON object, found " + json_type_words(j)) +
                                          " (HTTP " + std::to_string(status) + ", " + std::to_string(body.size()) +
                                          " bytes)"));
  }
  const auto ok = j.find("ok");
  if (ok == j.end() || !ok->is_boolean()) {
    return std::unexpected(make_error(
        TelegramApiError::Kind::parse, status,
        where + (ok == j.end() ? "missing field ok" : "field ok is " + json_type_words(*ok)) + " (expected true or false)"));
  }
  if (ok->get<bool>()) {
    const auto result = j.find("result");
    if (result == j.end()) {
      return std::unexpected(make_error(TelegramApiError::Kind::parse, status,
                                        where + "missing field result in a response with ok true"));
    }
    return std::move(*result);
  }
  TelegramApiError e;
  e.http_status = status;
  if (auto code = j.find("error_code"); code != j.end() && code->is_number_integer()) {
    e.error_code = code->get<int>();
  } else {
    e.error_code = status;
  }
  std::string description = "no description";
  if (auto d = j.find("description"); d != j.end() && d->is_string()) description = truncate_utf8(d->get<std::string>(), 200);
  if (auto p = j.find("parameters"); p != j.end() && p->is_object()) {
    if (auto r = p->find("retry_after"); r != p->end() && r->is_number_integer()) {
      e.retry_after_s = static_cast<int>(std::clamp<std::int64_t>(r->get<std::int64_t>(), 1, 3600));
    }
  }
  if (e.error_code == 429 || status == 429) {
    e.kind = TelegramApiError::Kind::rate_limited;
    if (e.retry_after_s == 0) e.retry_after_s = 1;
  } else if (e.error_code == 401 || e.error_code == 404 || status == 401) {
    // Telegram answers 404 "Not Found" to a malformed token, 401 to a revoked one.
    e.kind = TelegramApiError::Kind::unauthorized;
  } else {
    e.kind = TelegramApiError::Kind::api;
  }
  e.message = where + "error " + std::to_string(e.error_code) + ": " + description;
  if (e.kind == TelegramApiError::Kind::rate_limited) e.message += " (retry after " + std::to_string(e.retry_after_s) + " s)";
  return std::unexpected(e);
}

std::string display_name(const Json& from, std::int64_t user_id) {
  if (auto u = from.find("username"); u != from.end() && u->is_string() && !u->get<std::string>().empty()) {
    return "@" + truncate_utf8(u->get<std::string>(), 64);
  }
  if (auto f = from.find("first_name"); f != from.end() && f->is_string() && !f->get<std::string>().empty()) {
    return truncate_utf8(f->get<std::string>(), 64);
  }
  return "user " + std::to_string(user_id);
}

/// One Update object: a text message, or the reason it is skipped.
std::expected<TelegramMessage, std::string> read_update(const Json& u, std::int64_t update_id) {
  const auto m = u.find("message");
  if (m == u.end()) {
    for (const auto& [key, value] : u.items()) {
      if (key != "update_id") return std::unexpected(key + " updates are not handled (only new messages)");
    }
    return std::unexpected("the update carries nothing besides update_id");
  }
  if (!m->is_object()) return std::unexpected("field message: expected an object, found " + json_type_words(*m));
  TelegramMessage msg;
  msg.update_id = update_id;
  const auto chat = m->find("chat");
  if (chat == m->end() || !chat->is_object()) return std::unexpected("field message.chat: expected an object");
  const auto chat_id = chat->find("id");
  if (chat_id == chat->end() || !chat_id->is_number_integer()) {
    return std::unexpected("field message.chat.id: expected an integer");
  }
  msg.chat_id = chat_id->get<std::int64_t>();
  if (auto t = chat->find("type"); t != chat->end() && t->is_string()) msg.chat_type = t->get<std::string>();
  const auto text = m->find("text");
  if (text == m->end()) return std::unexpected("message without text (a photo, sticker, file or service message)");
  if (!text->is_string()) return std::unexpected("field message.text: expected a string, found " + json_type_words(*text));
  msg.text = truncate_utf8(text->get<std::string>(), kMaxIncomingTextBytes);
  if (auto id = m->find("message_id"); id != m->end() && id->is_number_integer()) msg.message_id = id->get<std::int64_t>();
  if (auto d = m->find("date"); d != m->end() && d->is_number_integer()) msg.date_s = d->get<std::int64_t>();
  if (auto from = m->find("from"); from != m->end() && from->is_object()) {
    if (auto id = from->find("id"); id != from->end() && id->is_number_integer()) msg.user_id = id->get<std::int64_t>();
    msg.user = display_name(*from, msg.user_id);
  } else {
    msg.user = "chat " + std::to_string(msg.chat_id);
  }
  return msg;
}

}  // namespace

std::string_view api_error_kind_name(TelegramApiError::Kind kind) {
  switch (kind) {
    case TelegramApiError::Kind::transport: return "transport";
    case TelegramApiError::Kind::http: return "http";
    case TelegramApiError::Kind::api: return "api";
    case TelegramApiError::Kind::unauthorized: return "unauthorized";
    case TelegramApiError::Kind::rate_limited: return "rate_limited";
    case TelegramApiError::Kind::parse: return "parse";
  }
  return "api";
}

std::expected<TelegramUpdates, TelegramApiError> parse_get_updates(int http_status, std::string_view body) {
  auto result = open_envelope("getUpdates", http_status, body);
  if (!result) return std::unexpected(result.error());
  if (!result->is_array()) {
    return std::unexpected(make_error(TelegramApiError::Kind::parse, http_status,
                                      "telegram getUpdates: field result: expected an array of updates, found " +
                                          json_type_words(*result)));
  }
  TelegramUpdates out;
  for (std::size_t i = 0; i < result->size(); ++i) {
    const Json& u = (*result)[i];
    const std::string where = "update " + std::to_string(i) + ": ";
    if (!u.is_object()) {
      out.skipped.push_back({-1, where + "expected an object, found " + json_type_words(u)});
      continue;
    }
    const auto id = u.find("update_id");
    if (id == u.end() || !id->is_number_integer()) {
      out.skipped.push_back({-1, where + (id == u.end() ? "missing field update_id" : "field update_id is " + json_type_words(*id)) +
                                     " (expected an integer)"});
      continue;
    }
    const std::int64_t update_id = id->get<std::int64_t>();
    out.last_update_id = std::max(out.last_update_id.value_or(update_id), update_id);
    auto msg = read_update(u, update_id);
    if (msg) {
      out.messages.push_back(std::move(*msg));
    } else {
      out.skipped.push_back({update_id, "update " + std::to_string(update_id) + ": " + msg.error()});
    }
  }
  return out;
}

std::expected<void, TelegramApiError> parse_send_message(int http_status, std::string_view body) {
  auto result = open_envelope("sendMessage", http_status, body);
  if (!result) return std::unexpected(result.error());
  return {};
}

TelegramBotApi::TelegramBotApi(Secret token, TelegramApiOptions options)
    : token_(std::move(token)), options_(std::move(options)) {
  while (options_.base_url.ends_with('/')) options_.base_url.pop_back();
}

TelegramApiError TelegramBotApi::redacted(TelegramApiError e) const {
  e.message = redact(std::move(e.message), {&token_});
  return e;
}

std::expected<std::pair<int, std::string>, TelegramApiError> TelegramBotApi::post(std::string_view method,
                                                                                 const std::string& json,
                                                                                 std::chrono::milliseconds timeout) const {
  if (token_.empty()) {
    return std::unexpected(make_error(TelegramApiError::Kind::unauthorized, 0,
                                      "telegram " + std::string(method) + ": no bot token is set"));
  }
  net::HttpCall call;
  call.method = "POST";
  call.url = options_.base_url + "/bot" + token_.reveal() + "/" + std::string(method);
  call.body = json;
  call.headers = {{"Content-Type", "application/json"}};
  call.timeout = timeout;
  call.connect_timeout = options_.connect_timeout;
  call.max_response_bytes = std::size_t{8} << 20;
  auto r = net::http_call(call);
  if (!r) {
    // net's message names the URL, whose path holds the token: never pass it on.
    std::string detail = r.error();
    if (const auto at = detail.find(": "); at != std::string::npos) detail = detail.substr(at + 2);
    return std::unexpected(redacted(make_error(TelegramApiError::Kind::transport, 0,
                                               "telegram " + std::string(method) + ": " + detail)));
  }
  return std::pair<int, std::string>{r->status, std::move(r->body)};
}

std::expected<TelegramUpdates, TelegramApiError> TelegramBotApi::get_updates(std::int64_t offset, int timeout_s) const {
  timeout_s = std::clamp(timeout_s, 0, 50);
  Json body = {{"offset", offset}, {"timeout", timeout_s}, {"allowed_updates", Json::array({"message"})}};
  auto r = post("getUpdates", body.dump(), std::chrono::seconds(timeout_s) + options_.poll_margin);
  if (!r) return std::unexpected(r.error());
  auto parsed = parse_get_updates(r->first, r->second);
  if (!parsed) return std::unexpected(redacted(parsed.error()));
  for (auto& s : parsed->skipped) s.reason = redact(std::move(s.reason), {&token_});
  return parsed;
}

std::expected<void, TelegramApiError> TelegramBotApi::send_message(std::int64_t chat_id, std::string_view text) const {
  Json body = {{"chat_id", chat_id},
               {"text", clamp_message(text)},
               {"link_preview_options", {{"is_disabled", true}}}};
  auto r = post("sendMessage", body.dump(-1, ' ', false, Json::error_handler_t::replace), options_.request_timeout);
  if (!r) return std::unexpected(r.error());
  auto parsed = parse_send_message(r->first, r->second);
  if (!parsed) return std::unexpected(redacted(parsed.error()));
  return {};
}

}  // namespace verity
