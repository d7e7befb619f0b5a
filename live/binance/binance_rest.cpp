#include "live/binance/binance_rest.hpp"

#include "actors/execution/instrument.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "live/binance/binance_json.hpp"
#include "live/net/http_client.hpp"

namespace verity {

namespace {

constexpr std::int64_t kKlinesPageLimit = 1000;

BinanceError make_error(BinanceError::Kind kind, std::string message, int http_status = 0, int code = 0) {
  BinanceError e;
  e.kind = kind;
  e.message = std::move(message);
  e.http_status = http_status;
  e.code = code;
  return e;
}

std::int64_t header_int(const net::HttpResult& r, const std::string& name, std::int64_t fallback) {
  auto it = r.headers.find(name);
  if (it == r.headers.end()) return fallback;
  std::int64_t v = 0;
  const std::string& s = it->second;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return fallback;
  return v;
}

bool valid_client_order_id(const std::string& id) {
  if (id.empty() || id.size() > 36) return false;
  for (const char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == ':' || c == '/' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

/// Whether the venue's `o` is the order `n` asks for (same side, type,
/// quantity and, for LIMIT, price): a duplicate client id is then a retry.
bool same_order(const OrderResult& o, const NewOrder& n) {
  const auto close = [](double a, double b) { return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b)); };
  const bool side = o.side.empty() || o.side == (n.side == OrderSide::buy ? "BUY" : "SELL");
  const bool type = o.type.empty() || o.type == (n.type == OrderType::market ? "MARKET" : "LIMIT");
  const bool price = n.type == OrderType::market || close(o.price, n.price);
  return side && type && price && close(o.orig_qty, n.quantity);
}

}  // namespace

std::string_view binance_error_kind_name(BinanceError::Kind kind) {
  switch (kind) {
    case BinanceError::Kind::transport: return "transport error";
    case BinanceError::Kind::server: return "server error";
    case BinanceError::Kind::rejected: return "rejected";
    case BinanceError::Kind::rate_limited: return "rate limited";
    case BinanceError::Kind::banned: return "banned";
    case BinanceError::Kind::parse: return "unreadable answer";
    case BinanceError::Kind::unknown_order: return "order status unknown";
    case BinanceError::Kind::cancelled: return "cancelled";
    case BinanceError::Kind::usage: return "usage error";
  }
  return "error";
}

std::string BinanceError::text() const {
  std::string out(binance_error_kind_name(kind));
  if (http_status != 0 || code != 0) {
    out += " (";
    if (http_status != 0) out += "HTTP " + std::to_string(http_status);
    if (code != 0) out += std::string(http_status != 0 ? ", " : "") + "code " + std::to_string(code);
    out += ")";
  }
  return out + ": " + message;
}

double round_down_to_step(double value, double step) {
  if (!(step > 0) || !std::isfinite(value)) return value;
  // The grid rule risk sizes with (never above `value` beyond rounding), then
  // through the decimal text and back: 0.1 * 3 becomes 0.3, not 0.30000000000000004.
  const double rounded = floor_to_step(value, step);
  auto d = binance::parse_decimal(binance::format_decimal(rounded));
  return d ? *d : rounded;
}

BinanceRest::BinanceRest(BinanceRestOptions options, BinanceCredentials credentials)
    : options_(std::move(options)),
      credentials_(std::move(credentials)),
      backoff_(options_.retry.base_delay, options_.retry.max_delay, options_.seed, /*stream=*/0xB1),
      weight_(options_.retry.weight_limit_1m, options_.retry.weight_throttle_share) {
  if (!options_.sleep) options_.sleep = real_sleep();
  if (options_.clock == nullptr) {
    own_clock_ = std::make_unique<LiveClock>();
    options_.clock = own_clock_.get();
  }
  while (!options_.endpoints.rest_base.empty() && options_.endpoints.rest_base.back() == '/') {
    options_.endpoints.rest_base.pop_back();
  }
}

BinanceRest::~BinanceRest() = default;

BinanceRestStats BinanceRest::stats() const {
  std::lock_guard lock(mutex_);
  BinanceRestStats s = stats_;
  s.used_weight_1m = weight_.used();
  s.time_offset_ms = time_offset_ms_;
  return s;
}

bool BinanceRest::cancelled() const { return options_.cancelled && options_.cancelled(); }

std::int64_t BinanceRest::local_ms() {
  std::lock_guard lock(mutex_);
  return options_.clock->now_ns() / 1'000'000;
}

std::string BinanceRest::redacted(std::string text) const {
  return redact(std::move(text), {&credentials_.api_key, &credentials_.api_secret});
}

BinanceResult<void> BinanceRest::wait(std::chrono::milliseconds d) {
  if (cancelled()) return std::unexpected(make_error(BinanceError::Kind::cancelled, "stopped while waiting to retry"));
  options_.sleep(d);
  if (cancelled()) return std::unexpected(make_error(BinanceError::Kind::cancelled, "stopped while waiting to retry"));
  return {};
}

BinanceResult<void> BinanceRest::throttle() {
  std::int64_t wait_ms = 0;
  {
    std::lock_guard lock(mutex_);
    if (!weight_.over_threshold()) return {};
    // Wait for the venue's next minute: its weight counter starts over then.
    const std::int64_t server_now = options_.clock->now_ns() / 1'000'000 + time_offset_ms_;
    wait_ms = 60'000 - (((server_now % 60'000) + 60'000) % 60'000) + 100;
    weight_.reset();
    ++stats_.throttle_waits;
  }
  return wait(std::chrono::milliseconds(wait_ms));
}

BinanceResult<net::HttpResult> BinanceRest::execute(const Request& request) {
  const RetryPolicy& policy = options_.retry;
  const int max_attempts = std::max(1, policy.max_attempts);
  {
    std::lock_guard lock(mutex_);
    ++stats_.calls;
  }
  if (request.is_signed && (credentials_.api_key.empty() || credentials_.api_secret.empty())) {
    return std::unexpected(make_error(BinanceError::Kind::usage, request.path + " needs an API key and secret"));
  }
  bool resynced = false;
  BinanceError last;
  for (int attempt = 1;; ++attempt) {
    if (cancelled()) return std::unexpected(make_error(BinanceError::Kind::cancelled, "stopped before " + request.path));
    if (auto t = throttle(); !t) return std::unexpected(t.error());
    if (request.is_signed) {
      bool synced = false;
      {
        std::lock_guard lock(mutex_);
        synced = time_synced_;
      }
      if (!synced) {
        if (auto s = sync_time(); !s) return std::unexpected(s.error());
      }
    }

    net::HttpCall call;
    call.method = request.method;
    call.timeout = options_.timeout;
    call.connect_timeout = options_.connect_timeout;
    binance::Params params = request.params;
    if (request.is_signed) {
      std::int64_t offset = 0;
      {
        std::lock_guard lock(mutex_);
        offset = time_offset_ms_;
      }
      params.emplace_back("recvWindow", std::to_string(options_.recv_window_ms));
      params.emplace_back("timestamp", std::to_string(local_ms() + offset));
    }
    std::string payload = binance::encode_params(params);
    if (request.is_signed) {
      payload += "&signature=" + binance::hmac_sha256_hex(credentials_.api_secret.reveal(), payload);
    }
    const std::string url = options_.endpoints.rest_base + request.path;
    if (request.method == "POST" || request.method == "PUT") {
      call.url = url;
      call.body = payload;
      call.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    } else {
      call.url = payload.empty() ? url : url + "?" + payload;
    }
    if (!credentials_.api_key.empty()) call.headers.emplace_back("X-MBX-APIKEY", credentials_.api_key.reveal());

    {
      std::lock_guard lock(mutex_);
      ++stats_.attempts;
      if (attempt > 1) ++stats_.retries;
    }
    auto response = net::http_call(call);
    int delay_attempt = attempt - 1;
    if (!response) {
      last = make_error(BinanceError::Kind::transport, redacted(response.error()));
      if (!request.retry_unknown || attempt >= max_attempts) return std::unexpected(last);
    } else {
      const net::HttpResult& r = *response;
      {
        std::lock_guard lock(mutex_);
        weight_.observe(header_int(r, "x-mbx-used-weight-1m", weight_.used()));
      }
      if (r.status >= 200 && r.status < 300) return *response;
      const auto api = binance::parse_api_error(r.body);
      const int code = api ? api->code : 0;
      const std::string msg = redacted(api ? api->msg : r.body.substr(0, 200));
      const std::int64_t retry_after_s = header_int(r, "retry-after", -1);
      const std::string where = request.method + " " + request.path + ": ";
      if (r.status == 418) {
        BinanceError e = make_error(BinanceError::Kind::banned,
                                    where + "the IP is banned" +
                                        (retry_after_s >= 0 ? " for " + std::to_string(retry_after_s) + " s (Retry-After)"
                                                            : std::string()) +
                                        "; not retrying: " + msg,
                                    r.status, code);
        e.retry_after = std::chrono::milliseconds(std::max<std::int64_t>(retry_after_s, 0) * 1000);
        return std::unexpected(e);
      }
      if (r.status == 429) {
        last = make_error(BinanceError::Kind::rate_limited, where + msg, r.status, code);
        std::chrono::milliseconds pause = retry_after_s >= 0 ? std::chrono::milliseconds(retry_after_s * 1000) : std::chrono::milliseconds(-1);
        if (pause.count() < 0) {
          std::lock_guard lock(mutex_);
          pause = backoff_.delay(delay_attempt);
        }
        last.retry_after = pause;
        if (attempt >= max_attempts) return std::unexpected(last);
        if (pause > policy.max_retry_after) {
          last.message += " (Retry-After " + std::to_string(pause.count()) + " ms is beyond the " +
                          std::to_string(policy.max_retry_after.count()) + " ms the policy waits)";
          return std::unexpected(last);
        }
        if (auto w = wait(pause); !w) return std::unexpected(w.error());
        continue;
      }
      if (r.status >= 500) {
        last = make_error(BinanceError::Kind::server, where + msg, r.status, code);
        if (!request.retry_unknown || attempt >= max_attempts) return std::unexpected(last);
      } else {
        if (code == -1021 && request.is_signed && !resynced) {
          // Our clock drifted from the venue's (or the venue's jumped): measure again, send again.
          resynced = true;
          if (auto s = sync_time(); !s) return std::unexpected(s.error());
          continue;
        }
        return std::unexpected(make_error(BinanceError::Kind::rejected, where + msg, r.status, code));
      }
    }
    std::chrono::milliseconds pause;
    {
      std::lock_guard lock(mutex_);
      pause = backoff_.delay(delay_attempt);
    }
    if (auto w = wait(pause); !w) return std::unexpected(w.error());
  }
}

BinanceResult<std::int64_t> BinanceRest::server_time() {
  auto r = execute({"GET", "/api/v3/time", {}, false, true, 1});
  if (!r) return std::unexpected(r.error());
  auto t = binance::parse_server_time(r->body);
  if (!t) return std::unexpected(make_error(BinanceError::Kind::parse, t.error()));
  return *t;
}

BinanceResult<void> BinanceRest::sync_time() {
  const std::int64_t before = local_ms();
  auto t = server_time();
  if (!t) return std::unexpected(t.error());
  const std::int64_t after = local_ms();
  std::lock_guard lock(mutex_);
  time_offset_ms_ = *t - (before + after) / 2;
  time_synced_ = true;
  ++stats_.time_syncs;
  return {};
}

BinanceResult<std::vector<Candle>> BinanceRest::klines(const std::string& symbol, Timeframe timeframe,
                                                       std::int64_t start_ms, std::int64_t end_ms) {
  const std::int64_t interval_ms = timeframe_seconds(timeframe) * 1000;
  std::map<std::int64_t, Candle> by_open;
  if (end_ms <= start_ms) return std::vector<Candle>{};
  // Bound on pages: one per 1000 intervals of the range, plus slack.
  const std::int64_t max_pages = (end_ms - start_ms) / interval_ms / kKlinesPageLimit + 3;
  std::int64_t from = start_ms;
  for (std::int64_t page = 0; from < end_ms; ++page) {
    if (page >= max_pages) {
      return std::unexpected(make_error(BinanceError::Kind::parse, "klines " + symbol + ": more than " +
                                                                        std::to_string(max_pages) +
                                                                        " pages for the range; the venue's answers do not advance"));
    }
    binance::Params params = {{"symbol", symbol},
                              {"interval", std::string(timeframe_name(timeframe))},
                              {"startTime", std::to_string(from)},
                              {"endTime", std::to_string(end_ms - 1)},
                              {"limit", std::to_string(kKlinesPageLimit)}};
    auto r = execute({"GET", "/api/v3/klines", std::move(params), false, true, 2});
    if (!r) return std::unexpected(r.error());
    auto rows = binance::parse_klines(r->body);
    if (!rows) return std::unexpected(make_error(BinanceError::Kind::parse, symbol + " " + rows.error()));
    if (rows->empty()) break;
    std::int64_t last_open = from - 1;
    for (const auto& row : *rows) {
      last_open = std::max(last_open, row.open_ms);
      if (row.open_ms < start_ms || row.open_ms >= end_ms) continue;
      by_open[row.open_ms] = row.candle;
    }
    if (last_open < from) {
      return std::unexpected(make_error(BinanceError::Kind::parse, "klines " + symbol + ": a page from " +
                                                                        std::to_string(from) + " ended before it"));
    }
    from = last_open + interval_ms;
  }
  std::vector<Candle> out;
  out.reserve(by_open.size());
  for (auto& [open, candle] : by_open) out.push_back(candle);
  return out;
}

BinanceResult<SymbolFilters> BinanceRest::exchange_info(const std::string& symbol) {
  auto r = execute({"GET", "/api/v3/exchangeInfo", {{"symbol", symbol}}, false, true, 20});
  if (!r) return std::unexpected(r.error());
  auto f = binance::parse_exchange_info(r->body, symbol);
  if (!f) return std::unexpected(make_error(BinanceError::Kind::parse, f.error()));
  return *f;
}

BinanceResult<OrderResult> BinanceRest::new_order(const NewOrder& order) {
  if (!valid_client_order_id(order.client_order_id)) {
    return std::unexpected(make_error(BinanceError::Kind::usage,
                                      "new order: the client order id must be 1 to 36 characters of [.A-Z:/a-z0-9_-]"));
  }
  if (order.symbol.empty() || !(order.quantity > 0)) {
    return std::unexpected(make_error(BinanceError::Kind::usage, "new order " + order.client_order_id +
                                                                     ": needs a symbol and a positive quantity"));
  }
  if (order.type == OrderType::limit && !(order.price > 0)) {
    return std::unexpected(make_error(BinanceError::Kind::usage, "new order " + order.client_order_id +
                                                                     ": a LIMIT order needs a positive price"));
  }
  binance::Params params = {{"symbol", order.symbol},
                            {"side", order.side == OrderSide::buy ? "BUY" : "SELL"},
                            {"type", order.type == OrderType::market ? "MARKET" : "LIMIT"}};
  if (order.type == OrderType::limit) params.emplace_back("timeInForce", "GTC");
  params.emplace_back("quantity", binance::format_decimal(order.quantity));
  if (order.type == OrderType::limit) params.emplace_back("price", binance::format_decimal(order.price));
  params.emplace_back("newClientOrderId", order.client_order_id);
  params.emplace_back("newOrderRespType", "FULL");
  const Request request{"POST", "/api/v3/order", std::move(params), true, false, 1};

  const int rounds = std::max(1, options_.retry.max_attempts);
  BinanceError last;
  for (int round = 0; round < rounds; ++round) {
    auto r = execute(request);
    if (r) {
      auto o = binance::parse_order(r->body);
      if (!o) return std::unexpected(make_error(BinanceError::Kind::parse, o.error()));
      return *o;
    }
    last = r.error();
    const bool duplicate = last.kind == BinanceError::Kind::rejected && last.code == -2010 &&
                           last.message.find("Duplicate") != std::string::npos;
    const bool unknown = last.kind == BinanceError::Kind::transport || last.kind == BinanceError::Kind::server;
    if (!duplicate && !unknown) return std::unexpected(last);
    // The order may exist: settle that before anything is resent.
    {
      std::lock_guard lock(mutex_);
      ++stats_.order_lookups;
    }
    auto found = query_order(order.symbol, order.client_order_id);
    if (found) {
      // A duplicate id on an open order is ours only if it is the same order.
      if (duplicate && !same_order(*found, order)) return std::unexpected(last);
      return *found;
    }
    const BinanceError& q = found.error();
    const bool absent = q.kind == BinanceError::Kind::rejected && q.code == -2013;
    if (!absent || duplicate) {
      BinanceError e = make_error(BinanceError::Kind::unknown_order,
                                  "new order " + order.client_order_id + ": " + last.text() +
                                      "; looking it up failed too (" + q.text() + "), so it was not sent again");
      return std::unexpected(e);
    }
    if (round + 1 < rounds) {
      std::chrono::milliseconds pause;
      {
        std::lock_guard lock(mutex_);
        pause = backoff_.delay(round);
      }
      if (auto w = wait(pause); !w) return std::unexpected(w.error());
    }
  }
  return std::unexpected(last);
}

BinanceResult<OrderResult> BinanceRest::query_order(const std::string& symbol, const std::string& client_order_id) {
  auto r = execute({"GET", "/api/v3/order", {{"symbol", symbol}, {"origClientOrderId", client_order_id}}, true, true, 4});
  if (!r) return std::unexpected(r.error());
  auto o = binance::parse_order(r->body);
  if (!o) return std::unexpected(make_error(BinanceError::Kind::parse, o.error()));
  return *o;
}

BinanceResult<OrderResult> BinanceRest::cancel_order(const std::string& symbol, const std::string& client_order_id) {
  auto r = execute({"DELETE", "/api/v3/order", {{"symbol", symbol}, {"origClientOrderId", client_order_id}}, true, true, 1});
  if (!r) {
    // A retried cancel whose first attempt went through answers "Unknown order sent.": ask.
    if (r.error().kind == BinanceError::Kind::rejected && r.error().code == -2011) {
      auto q = query_order(symbol, client_order_id);
      if (q && q->status == "CANCELED") return *q;
    }
    return std::unexpected(r.error());
  }
  auto o = binance::parse_order(r->body);
  if (!o) return std::unexpected(make_error(BinanceError::Kind::parse, o.error()));
  return *o;
}

BinanceResult<std::vector<OrderResult>> BinanceRest::open_orders(const std::string& symbol) {
  auto r = execute({"GET", "/api/v3/openOrders", {{"symbol", symbol}}, true, true, 6});
  if (!r) return std::unexpected(r.error());
  auto o = binance::parse_orders(r->body);
  if (!o) return std::unexpected(make_error(BinanceError::Kind::parse, o.error()));
  return *o;
}

BinanceResult<AccountInfo> BinanceRest::account() {
  auto r = execute({"GET", "/api/v3/account", {}, true, true, 20});
  if (!r) return std::unexpected(r.error());
  auto a = binance::parse_account(r->body);
  if (!a) return std::unexpected(make_error(BinanceError::Kind::parse, a.error()));
  return *a;
}

}  // namespace verity
