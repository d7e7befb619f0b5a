#include "live/mt5/mt5_bridge.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <optional>

#include "actors/runtime/clock.hpp"
#include "actors/runtime/prng.hpp"
#include "live/binance/binance_rest.hpp"
#include "live/net/http_client.hpp"

namespace verity {

namespace {

using Json = nlohmann::json;
using R = schema::RejectReason;

constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::size_t kMaxBodyInError = 200;  // characters of a shim's body quoted in an error
constexpr std::size_t kMaxPollsPerRound = 64;  // resting orders looked up per poll round

Json parse_json(const std::string& body) { return Json::parse(body, nullptr, /*allow_exceptions=*/false); }

std::optional<double> number_at(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  const double v = it->get<double>();
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

/// A positive finite number at `key`, or 0 when it is missing, not a number or not positive.
double positive_at(const Json& j, const char* key) {
  if (!j.is_object()) return 0;
  const double v = number_at(j, key).value_or(0);
  return v > 0 ? v : 0;
}

std::optional<std::string> string_at(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<bool> bool_at(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}

std::int64_t int_at(const Json& j, const char* key, std::int64_t fallback) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return fallback;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  const double v = it->get<double>();
  return std::isfinite(v) ? static_cast<std::int64_t>(v) : fallback;
}

/// A number without float noise for a summary: 0.1, 100000, 1.25.
std::string num(double v) { return fmt::format("{}", v); }
std::string money(double v) { return fmt::format("{:.2f}", v); }

bool is_auth_failure(int status) { return status == 401 || status == 403; }
bool is_server_error(int status) { return status >= 500; }

/// libcurl could not resolve or connect (CURLE_COULDNT_RESOLVE_PROXY,
/// _HOST, _CONNECT): the request never left, so nothing can have been placed.
bool never_sent(const std::string& transport_error) {
  return transport_error.ends_with("(curl 5)") || transport_error.ends_with("(curl 6)") ||
         transport_error.ends_with("(curl 7)");
}

/// The shim's error code (docs/MT5.md) as the graph's reason.
R reason_of(const std::string& code) {
  if (code == "no_money") return R::INSUFFICIENT_MARGIN;
  if (code == "invalid_volume") return R::PRECISION;
  if (code == "invalid_price") return R::PRECISION;
  if (code == "invalid_stops") return R::INVALID_STOP;
  if (code == "too_many_requests") return R::RATE_LIMIT;
  if (code == "limit_positions" || code == "limit_volume") return R::MAX_POSITION;
  if (code == "no_position") return R::NO_POSITION;
  // market_closed, trade_disabled, no_connection, unknown_symbol, requote,
  // bad_request and anything new: the venue could not take the order.
  return R::VENUE_UNAVAILABLE;
}

std::string body_excerpt(const std::string& body) {
  if (body.size() <= kMaxBodyInError) return body;
  return body.substr(0, kMaxBodyInError) + "...";
}

std::string side_name(schema::Side s) { return s == schema::Side::BUY ? "buy" : "sell"; }

}  // namespace

// --- the shim's order record (docs/MT5.md, "Order record") --------------------------

struct Mt5Gateway::Record {
  struct Fill {
    double price = 0, volume_lots = 0, commission = 0;
    std::int64_t time_ms = 0;
  };
  std::string client_id;
  std::uint64_t ticket = 0;
  std::string symbol, side, type;
  std::string status;  // pending | placed | filled | canceled | rejected
  double volume_lots = 0;
  std::int64_t time_ms = 0;
  std::vector<Fill> fills;
  std::string error_code, error_message;
  std::int64_t retcode = 0;
};

struct Mt5Gateway::Failure {
  std::string text;          // names the method and path, never the token
  bool unauthorised = false;
  bool maybe_sent = true;    // a POST that may have reached the shim
};

namespace {

std::expected<Mt5Gateway::Record, std::string> parse_record(const Json& j) {
  if (!j.is_object()) return std::unexpected("expected an order record (a JSON object)");
  Mt5Gateway::Record r;
  auto status = string_at(j, "status");
  if (!status) return std::unexpected("expected \"status\": pending|placed|filled|canceled|rejected");
  r.status = *status;
  if (r.status != "pending" && r.status != "placed" && r.status != "filled" && r.status != "canceled" &&
      r.status != "rejected") {
    return std::unexpected("expected \"status\" pending|placed|filled|canceled|rejected, got \"" + r.status + "\"");
  }
  r.client_id = string_at(j, "client_id").value_or("");
  r.ticket = static_cast<std::uint64_t>(std::max<std::int64_t>(0, int_at(j, "ticket", 0)));
  r.symbol = string_at(j, "symbol").value_or("");
  r.side = string_at(j, "side").value_or("");
  r.type = string_at(j, "type").value_or("");
  r.volume_lots = number_at(j, "volume").value_or(0);
  r.time_ms = int_at(j, "time_ms", 0);
  if (const auto fills = j.find("fills"); fills != j.end() && !fills->is_null()) {
    if (!fills->is_array()) return std::unexpected("expected \"fills\" to be an array");
    for (const Json& f : *fills) {
      Mt5Gateway::Record::Fill fill;
      fill.price = positive_at(f, "price");
      fill.volume_lots = positive_at(f, "volume");
      if (fill.price == 0) return std::unexpected("expected each fill to have a positive \"price\"");
      if (fill.volume_lots == 0) return std::unexpected("expected each fill to have a positive \"volume\" (lots)");
      fill.commission = number_at(f, "commission").value_or(0);
      fill.time_ms = int_at(f, "time_ms", r.time_ms);
      r.fills.push_back(fill);
    }
  }
  if (r.status == "filled" && r.fills.empty()) return std::unexpected("status \"filled\" without fills");
  if (const auto e = j.find("error"); e != j.end() && e->is_object()) {
    r.error_code = string_at(*e, "code").value_or("");
    r.error_message = string_at(*e, "message").value_or("");
    r.retcode = int_at(*e, "retcode", 0);
  }
  return r;
}

/// {"error": {"code", "message"}} of a 4xx answer, as text.
std::string error_text(const net::HttpResult& r) {
  const Json j = parse_json(r.body);
  if (j.is_object()) {
    if (const auto e = j.find("error"); e != j.end() && e->is_object()) {
      return string_at(*e, "code").value_or("error") + ": " + string_at(*e, "message").value_or("");
    }
  }
  return body_excerpt(r.body);
}

}  // namespace

struct Mt5Gateway::Tracked {
  OutboundOrder order;
  Mt5SymbolSpec spec;
  double volume_lots = 0;      // as sent
  double cum_units = 0;        // fills reported so far
  std::size_t fills_seen = 0;  // of the record's fills
  bool terminal = false;       // a final report went out
  bool resting = false;        // placed in the terminal, not done: polled
  std::uint64_t seq = 0;       // insertion order, for forgetting the oldest

  double ordered_units() const { return volume_lots * spec.contract_size; }
};

// --- free functions ------------------------------------------------------------------

std::expected<Mt5Options, std::string> mt5_options(const Config& config) {
  Mt5Options o;
  auto symbols = parse_mt5_symbol_map(config.mt5.symbols);
  if (!symbols) return std::unexpected("mt5.symbols: " + symbols.error());
  o.symbols = std::move(*symbols);
  o.account_currency = config.mt5.account_currency;
  o.usd_per_account_unit = config.mt5.usd_per_account_unit;
  o.attach_brackets = config.mt5.attach_brackets;
  o.max_attempts = static_cast<int>(config.mt5.max_attempts);
  o.timeout = std::chrono::milliseconds(config.mt5.timeout_ms);
  o.connect_timeout = std::chrono::milliseconds(config.mt5.connect_timeout_ms);
  o.open_order_poll = std::chrono::milliseconds(config.mt5.open_order_poll_ms);
  o.seed = PrngStreams(config.session.seed).stream("live-mt5").next_u64();
  return o;
}

double mt5_lots_of(double units, const Mt5SymbolSpec& spec) {
  if (!(spec.contract_size > 0) || !std::isfinite(units) || units <= 0) return 0;
  return round_down_to_step(units / spec.contract_size, spec.volume_step_lots);
}

// --- the gateway ---------------------------------------------------------------------

Mt5Gateway::Mt5Gateway(std::string base_url, Secret token, Mt5Options options)
    : base_url_(std::move(base_url)),
      token_(std::move(token)),
      options_(std::move(options)),
      backoff_(options_.base_delay, options_.max_delay, options_.seed, /*stream=*/0x4D54) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  if (!options_.sleep) options_.sleep = real_sleep();
  options_.max_attempts = std::max(1, options_.max_attempts);
  options_.max_queued = std::max<std::size_t>(1, options_.max_queued);
  options_.max_tracked = std::max<std::size_t>(1, options_.max_tracked);
}

Mt5Gateway::~Mt5Gateway() { stop(); }

Mt5Stats Mt5Gateway::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

std::vector<std::string> Mt5Gateway::unknown_orders() const {
  std::lock_guard lock(stats_mu_);
  return {unknown_.begin(), unknown_.end()};
}

std::string Mt5Gateway::redacted(std::string text) const { return redact(std::move(text), {&token_}); }

void Mt5Gateway::wait_before(int attempt) {
  std::chrono::milliseconds d;
  {
    std::lock_guard lock(stats_mu_);
    d = backoff_.delay(attempt - 1);
    ++stats_.retries;
  }
  options_.sleep(d);
}

std::expected<net::HttpResult, std::string> Mt5Gateway::once(const std::string& method, const std::string& path,
                                                              const std::string& body) {
  net::HttpCall c;
  c.method = method;
  c.url = base_url_ + path;
  c.body = body;
  c.timeout = options_.timeout;
  c.connect_timeout = options_.connect_timeout;
  c.max_response_bytes = std::size_t{8} << 20;
  c.headers.emplace_back("Authorization", "Bearer " + token_.reveal());
  c.headers.emplace_back("Accept", "application/json");
  if (!body.empty()) c.headers.emplace_back("Content-Type", "application/json");
  {
    std::lock_guard lock(stats_mu_);
    ++stats_.calls;
  }
  auto r = net::http_call(c);
  if (!r) return std::unexpected(redacted(r.error()));
  return r;
}

std::expected<net::HttpResult, Mt5Gateway::Failure> Mt5Gateway::call(const std::string& method,
                                                                       const std::string& path,
                                                                       const std::string& body) {
  const std::string where = method + " " + path;
  std::string last;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    if (attempt > 1) wait_before(attempt - 1);
    auto r = once(method, path, body);
    if (!r) {
      last = r.error();
      continue;
    }
    if (is_auth_failure(r->status)) {
      return std::unexpected(Failure{where + ": unauthorised (HTTP " + std::to_string(r->status) +
                                         "): the MT5 bridge refused the bearer token; check MT5_BRIDGE_TOKEN",
                                     true, false});
    }
    if (is_server_error(r->status)) {
      last = "HTTP " + std::to_string(r->status) + ": " + redacted(body_excerpt(r->body));
      continue;
    }
    return std::move(*r);
  }
  return std::unexpected(Failure{where + ": no usable answer after " + std::to_string(options_.max_attempts) +
                                     " attempt(s); last: " + last,
                                 false, true});
}

std::expected<Mt5Gateway::Record, Mt5Gateway::Failure> Mt5Gateway::submit(const std::string& client_id,
                                                                           const std::string& body) {
  const std::string lookup_path = "/orders/" + net::url_encode(client_id);
  bool need_lookup = false;  // a POST's fate is unknown: ask before sending again
  bool maybe_sent = false;
  std::string last;
  auto unreadable = [&](const std::string& where, const std::string& why) {
    return std::unexpected(Failure{where + ": unreadable answer: " + why, false, true});
  };
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    if (attempt > 1) wait_before(attempt - 1);
    if (need_lookup) {
      {
        std::lock_guard lock(stats_mu_);
        ++stats_.order_lookups;
      }
      auto r = once("GET", lookup_path, {});
      if (!r) {
        last = "GET " + lookup_path + ": " + r.error();
        continue;
      }
      if (is_auth_failure(r->status)) {
        return std::unexpected(Failure{"GET " + lookup_path + ": unauthorised (HTTP " + std::to_string(r->status) + ")",
                                       true, maybe_sent});
      }
      if (is_server_error(r->status)) {
        last = "GET " + lookup_path + ": HTTP " + std::to_string(r->status);
        continue;
      }
      if (r->status == 404) {
        // The shim never saw it: sending it again cannot make a second order.
        need_lookup = false;
        maybe_sent = false;
      } else if (r->status == 200) {
        auto rec = parse_record(parse_json(r->body));
        if (!rec) return unreadable("GET " + lookup_path, rec.error());
        if (rec->status != "pending") return std::move(*rec);
        last = "GET " + lookup_path + ": the bridge still has the order pending";
        continue;  // ask again after the backoff
      } else {
        return std::unexpected(Failure{"GET " + lookup_path +
                                           ": expected 200 (the order) or 404 (never seen), got HTTP " +
                                           std::to_string(r->status) + ": " + redacted(error_text(*r)),
                                       false, maybe_sent});
      }
    }
    {
      std::lock_guard lock(stats_mu_);
      ++stats_.orders_posted;
    }
    auto r = once("POST", "/orders", body);
    if (!r) {
      last = "POST /orders: " + r.error();
      if (!never_sent(r.error())) {
        maybe_sent = true;
        need_lookup = true;
      }
      continue;
    }
    if (is_auth_failure(r->status)) {
      return std::unexpected(Failure{"POST /orders: unauthorised (HTTP " + std::to_string(r->status) +
                                         "): the MT5 bridge refused the bearer token; check MT5_BRIDGE_TOKEN",
                                     true, false});
    }
    if (is_server_error(r->status)) {
      last = "POST /orders: HTTP " + std::to_string(r->status) + ": " + redacted(body_excerpt(r->body));
      maybe_sent = true;
      need_lookup = true;
      continue;
    }
    if (r->status == 200 || r->status == 201) {
      auto rec = parse_record(parse_json(r->body));
      if (!rec) return unreadable("POST /orders", rec.error());
      if (rec->status != "pending") return std::move(*rec);
      last = "POST /orders: the bridge answered pending";
      maybe_sent = true;
      need_lookup = true;
      continue;
    }
    // 400, 422, ...: the shim refused the request itself; nothing was placed.
    Record refused;
    refused.status = "rejected";
    const Json j = parse_json(r->body);
    refused.error_code = "bad_request";
    refused.error_message = "HTTP " + std::to_string(r->status) + ": " + redacted(error_text(*r));
    if (j.is_object()) {
      if (const auto e = j.find("error"); e != j.end() && e->is_object()) {
        refused.error_code = string_at(*e, "code").value_or("bad_request");
        refused.retcode = int_at(*e, "retcode", 0);
      }
    }
    return refused;
  }
  std::string text = "the MT5 bridge gave no usable answer after " + std::to_string(options_.max_attempts) +
                     " attempt(s) (last: " + last + ")";
  return std::unexpected(Failure{std::move(text), false, maybe_sent});
}

// --- reconciliation: each answer checked and summarised on its own -----------------

namespace {

using Summary = std::expected<std::string, std::string>;

Summary health_summary(const Json& j) {
  const auto connected = bool_at(j, "terminal_connected");
  const auto trade_allowed = bool_at(j, "trade_allowed");
  if (!j.is_object() || !connected || !trade_allowed) {
    return std::unexpected("GET /health: expected {ok, terminal_connected, trade_allowed} with booleans, got: " +
                           body_excerpt(j.dump()));
  }
  if (!*connected) {
    return std::unexpected("GET /health: the terminal is not connected to its trade server (terminal_connected false)");
  }
  if (!*trade_allowed) {
    return std::unexpected(
        "GET /health: trading is not allowed in the terminal (trade_allowed false: enable Algo Trading)");
  }
  return "bridge ok (terminal connected, trading allowed)";
}

Summary account_summary(const Json& j, const Mt5Options& options) {
  const auto currency = string_at(j, "currency");
  const auto balance = number_at(j, "balance");
  const auto equity = number_at(j, "equity");
  const auto margin = number_at(j, "margin");
  if (!j.is_object() || !currency || !balance || !equity || !margin) {
    return std::unexpected("GET /account: expected {login, currency, balance, equity, margin} (currency a string, "
                           "the rest numbers), got: " + body_excerpt(j.dump()));
  }
  if (*currency != options.account_currency) {
    return std::unexpected("GET /account: the account is in " + *currency + ", expected " + options.account_currency +
                           " (set the bridge's account currency and its USD rate)");
  }
  std::string out = "account " + std::to_string(int_at(j, "login", 0));
  if (auto server = string_at(j, "server")) out += " on " + *server;
  return out + ": " + *currency + " balance " + money(*balance) + " equity " + money(*equity) + " margin " +
         money(*margin);
}

/// GET /symbols/{s}: the symbol exists and trades in the lots the map says.
Summary symbol_summary(const std::string& path, const std::string& symbol, const Mt5SymbolSpec& spec,
                       const net::HttpResult& r) {
  if (r.status == 404) {
    return std::unexpected("GET " + path + ": the terminal has no symbol " + spec.mt5_symbol + " (mapped from " +
                           symbol + ")");
  }
  const Json j = parse_json(r.body);
  const double contract = positive_at(j, "contract_size");
  const double vmin = positive_at(j, "volume_min");
  const double vstep = positive_at(j, "volume_step");
  if (r.status != 200 || contract == 0 || vmin == 0 || vstep == 0) {
    return std::unexpected("GET " + path + ": expected 200 with {symbol, contract_size, volume_min, volume_step} " +
                           "(positive numbers), got HTTP " + std::to_string(r.status) + ": " + body_excerpt(r.body));
  }
  if (std::abs(contract - spec.contract_size) > 1e-9 * std::max(1.0, contract)) {
    return std::unexpected("GET " + path + ": the terminal's contract size for " + spec.mt5_symbol + " is " +
                           num(contract) + ", the symbol map says " + num(spec.contract_size) +
                           ": fix the map before trading");
  }
  // The map's volumes must be volumes the terminal takes: its step a whole
  // multiple of the terminal's, its minimum at least the terminal's.
  const double steps = spec.volume_step_lots / vstep;
  if (steps < 1 - 1e-9 || std::abs(steps - std::round(steps)) > 1e-6 || spec.volume_min_lots < vmin * (1 - 1e-9)) {
    return std::unexpected("GET " + path + ": the terminal trades " + spec.mt5_symbol + " in steps of " + num(vstep) +
                           " lots from " + num(vmin) + ", the symbol map says steps of " +
                           num(spec.volume_step_lots) + " from " + num(spec.volume_min_lots));
  }
  return symbol + "=" + spec.mt5_symbol + " (contract " + num(spec.contract_size) + ", step " +
         num(spec.volume_step_lots) + " lots)";
}

Summary positions_summary(const Json& j, const Mt5Options& options) {
  if (!j.is_array()) return std::unexpected("GET /positions: expected a JSON array, got: " + body_excerpt(j.dump()));
  std::map<std::string, std::string> verity_of;  // MT5 symbol -> Verity symbol
  for (const auto& [symbol, spec] : options.symbols) verity_of[spec.mt5_symbol] = symbol;
  std::string out = std::to_string(j.size()) + " position(s)";
  for (const Json& p : j) {
    if (!p.is_object()) return std::unexpected("GET /positions: expected each position to be an object");
    const std::string s = string_at(p, "symbol").value_or("?");
    const double lots = number_at(p, "volume").value_or(0);
    out += " [" + s + " " + string_at(p, "side").value_or("?") + " " + num(lots) + " lots";
    if (const auto v = verity_of.find(s); v != verity_of.end()) {
      out += " = " + num(lots * options.symbols.at(v->second).contract_size) + " " + v->second;
    }
    if (auto open = number_at(p, "price_open")) out += " @ " + num(*open);
    out += "]";
  }
  return out;
}

Summary orders_summary(const Json& j) {
  if (!j.is_array()) return std::unexpected("GET /orders: expected a JSON array, got: " + body_excerpt(j.dump()));
  std::string out = std::to_string(j.size()) + " open order(s)";
  for (const Json& o : j) {
    auto rec = parse_record(o);
    if (!rec) return std::unexpected("GET /orders: " + rec.error());
    out += " [" + rec->client_id + " " + rec->symbol + " " + rec->side + " " + rec->type + " " +
           num(rec->volume_lots) + " lots]";
  }
  return out;
}

}  // namespace

std::expected<Json, std::string> Mt5Gateway::get_json(const std::string& path, const std::string& expected) {
  auto r = call("GET", path);
  if (!r) return std::unexpected(r.error().text + "; expected " + expected);
  if (r->status != 200) {
    return std::unexpected("GET " + path + ": expected 200 with " + expected + ", got HTTP " +
                           std::to_string(r->status) + ": " + error_text(*r));
  }
  Json j = parse_json(r->body);
  if (j.is_discarded()) {
    return std::unexpected("GET " + path + ": expected JSON " + expected + ", got: " + body_excerpt(r->body));
  }
  return j;
}

std::expected<std::string, std::string> Mt5Gateway::reconcile() {
  std::vector<std::string> parts;
  auto add = [&](const Summary& s) {
    if (s) parts.push_back(*s);
    return s.has_value();
  };
  auto fail = [&](const std::string& text) { return std::unexpected(redacted(text)); };

  auto health = get_json("/health", "{ok, terminal_connected, trade_allowed}");
  if (!health) return fail(health.error());
  if (auto s = health_summary(*health); !add(s)) return fail(s.error());
  auto account = get_json("/account", "{login, currency, balance, equity, margin}");
  if (!account) return fail(account.error());
  if (auto s = account_summary(*account, options_); !add(s)) return fail(s.error());
  for (const auto& [symbol, spec] : options_.symbols) {
    const std::string path = "/symbols/" + net::url_encode(spec.mt5_symbol);
    auto r = call("GET", path);
    if (!r) return fail(r.error().text + "; expected {symbol, contract_size, volume_min, volume_step}");
    if (auto s = symbol_summary(path, symbol, spec, *r); !add(s)) return fail(s.error());
  }
  auto positions = get_json("/positions", "an array of {ticket, symbol, side, volume, price_open}");
  if (!positions) return fail(positions.error());
  if (auto s = positions_summary(*positions, options_); !add(s)) return fail(s.error());
  auto orders = get_json("/orders", "an array of order records");
  if (!orders) return fail(orders.error());
  if (auto s = orders_summary(*orders); !add(s)) return fail(s.error());

  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
  return redacted(out);
}

void Mt5Gateway::start(std::function<void(LiveReport)> sink) {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  sink_ = std::move(sink);
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void Mt5Gateway::send(OutboundOrder order) {
  bool full = false;
  {
    std::lock_guard lock(mu_);
    full = queue_.size() >= options_.max_queued;
    if (!full) queue_.push_back(order);
  }
  if (full) {
    reject(order, R::VENUE_UNAVAILABLE,
           "the MT5 bridge's queue holds " + std::to_string(options_.max_queued) + " orders already; not sent");
    return;
  }
  cv_.notify_one();
}

void Mt5Gateway::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Mt5Gateway::run() {
  for (;;) {
    OutboundOrder o;
    bool have = false;
    {
      std::unique_lock lock(mu_);
      const bool any_resting =
          options_.open_order_poll.count() > 0 &&
          std::any_of(tracked_.begin(), tracked_.end(), [](const auto& t) { return t.second->resting; });
      auto ready = [&] { return stopping_ || !queue_.empty(); };
      if (any_resting) {
        cv_.wait_for(lock, options_.open_order_poll, ready);
      } else {
        cv_.wait(lock, ready);
      }
      if (!queue_.empty()) {
        o = std::move(queue_.front());
        queue_.pop_front();
        have = true;
      } else if (stopping_) {
        return;  // stopping, and nothing left: orders already queued are still sent
      }
    }
    if (!have) {
      poll_open();
    } else if (o.order.action == schema::OrderAction::NEW) {
      place(o);
    } else {
      cancel(o);
    }
  }
}

void Mt5Gateway::emit(FillSpec f) {
  f.exec_id = next_exec_++;
  if (sink_) sink_(LiveReport{std::move(f)});
}

void Mt5Gateway::reject(const OutboundOrder& o, schema::RejectReason reason, const std::string& why) {
  if (reason == R::VENUE_UNAVAILABLE) ++errors_;
  FillSpec f;
  f.order_id = o.order.order_id;
  f.symbol = o.order.symbol;
  f.side = o.order.side;
  f.status = schema::OrderStatus::REJECTED;
  f.leaves_qty = 0;
  f.reject_reason = reason;
  f.detail = redacted(why);
  LiveClock clock;
  f.time_ns = clock.now_ns();
  emit(std::move(f));
}

void Mt5Gateway::remember(std::uint64_t order_id, Tracked t) {
  t.seq = next_seq_++;
  tracked_[order_id] = std::make_unique<Tracked>(std::move(t));
  while (tracked_.size() > options_.max_tracked) {
    // Forget the oldest finished order; when none is finished, the oldest.
    auto victim = tracked_.end();
    for (auto it = tracked_.begin(); it != tracked_.end(); ++it) {
      if (it->first == order_id) continue;
      const bool better = victim == tracked_.end() || (it->second->terminal && !victim->second->terminal) ||
                          (it->second->terminal == victim->second->terminal && it->second->seq < victim->second->seq);
      if (better) victim = it;
    }
    if (victim == tracked_.end()) break;
    tracked_.erase(victim);
  }
}

void Mt5Gateway::place(const OutboundOrder& o) {
  const auto spec = options_.symbols.find(o.order.symbol);
  if (spec == options_.symbols.end()) {
    return reject(o, R::VENUE_UNAVAILABLE, "no MT5 symbol for " + o.order.symbol + " in the bridge's symbol map");
  }
  if (o.order.type == schema::OrderType::STOP) {
    return reject(o, R::VENUE_UNAVAILABLE, "stop orders are not part of the MT5 bridge's contract");
  }
  const double lots = mt5_lots_of(o.order.qty, spec->second);
  if (lots < spec->second.volume_min_lots * (1 - 1e-9)) {
    return reject(o, R::ZERO_SIZE,
                  num(o.order.qty) + " " + o.order.symbol + " is " + num(lots) + " lots of " + spec->second.mt5_symbol +
                      " at the step of " + num(spec->second.volume_step_lots) + ", below the minimum of " +
                      num(spec->second.volume_min_lots) + " lots");
  }
  const bool limit = o.order.type == schema::OrderType::LIMIT;
  Json body = {{"client_id", o.client_order_id},
               {"symbol", spec->second.mt5_symbol},
               {"side", side_name(o.order.side)},
               {"type", limit ? "limit" : "market"},
               {"volume", lots},
               {"price", limit ? o.order.limit_price : 0.0},
               {"sl", options_.attach_brackets ? o.order.stop_loss : 0.0},
               {"tp", options_.attach_brackets ? o.order.take_profit : 0.0},
               {"reduce_only", o.order.reduce_only}};
  Tracked t;
  t.order = o;
  t.spec = spec->second;
  t.volume_lots = lots;
  remember(o.order.order_id, std::move(t));

  auto rec = submit(o.client_order_id, body.dump());
  if (!rec) {
    const Failure& f = rec.error();
    tracked_[o.order.order_id]->terminal = true;
    std::string why = "venue unavailable: " + f.text;
    if (f.maybe_sent) {
      {
        std::lock_guard lock(stats_mu_);
        unknown_.push_back(o.client_order_id);
        if (unknown_.size() > kMaxUnknownOrders) unknown_.pop_front();
      }
      why += "; the order's fate is unknown (the bridge may have taken it): look for client id " + o.client_order_id +
             " in the terminal before acting";
    } else {
      why += "; the order was not placed";
    }
    return reject(o, R::VENUE_UNAVAILABLE, why);
  }
  apply(*tracked_[o.order.order_id], *rec, /*first_answer=*/true);
}

void Mt5Gateway::apply(Tracked& t, const Record& r, bool first_answer) {
  if (t.terminal) return;
  const OutboundOrder& o = t.order;
  const double ordered = t.ordered_units();
  const double eps = 1e-9 * std::max(1.0, ordered);
  const bool limit = o.order.type == schema::OrderType::LIMIT;
  auto base = [&] {
    FillSpec f;
    f.order_id = o.order.order_id;
    f.symbol = o.order.symbol;
    f.side = o.order.side;
    return f;
  };
  const std::string ticket = r.ticket != 0 ? "mt5 ticket " + std::to_string(r.ticket) : std::string("mt5");
  bool filled_now = false;
  for (std::size_t i = t.fills_seen; i < r.fills.size(); ++i) {
    const Record::Fill& fill = r.fills[i];
    FillSpec f = base();
    f.qty = fill.volume_lots * t.spec.contract_size;
    f.price = fill.price;
    t.cum_units += f.qty;
    f.cum_qty = t.cum_units;
    f.leaves_qty = std::max(0.0, ordered - t.cum_units);
    if (f.leaves_qty <= eps) f.leaves_qty = 0;
    f.status = f.leaves_qty > 0 ? schema::OrderStatus::PARTIALLY_FILLED : schema::OrderStatus::FILLED;
    f.fee_usd = fill.commission * options_.usd_per_account_unit;
    f.liquidity = limit ? schema::Liquidity::MAKER : schema::Liquidity::TAKER;
    f.time_ns = fill.time_ms * kNsPerMs;
    f.detail = ticket;
    filled_now = filled_now || f.status == schema::OrderStatus::FILLED;
    emit(std::move(f));
  }
  t.fills_seen = std::max(t.fills_seen, r.fills.size());
  const bool done = t.cum_units >= ordered - eps;
  const std::int64_t time_ns = r.time_ms > 0 ? r.time_ms * kNsPerMs : LiveClock().now_ns();
  auto close = [&](schema::OrderStatus status, std::string detail, R reason = R::NONE) {
    FillSpec f = base();
    f.status = status;
    f.cum_qty = t.cum_units;
    f.leaves_qty = 0;
    f.reject_reason = reason;
    f.time_ns = time_ns;
    f.detail = redacted(std::move(detail));
    emit(std::move(f));
  };
  t.resting = false;
  if (r.status == "filled" || done) {
    t.terminal = true;
    if (!done) {
      close(schema::OrderStatus::CANCELED, ticket + ": filled " + num(t.cum_units) + " of " + num(ordered) +
                                               "; the rest was canceled by the terminal");
    }
  } else if (r.status == "placed") {
    t.resting = true;
    if (first_answer && r.fills.empty()) {
      FillSpec f = base();
      f.status = schema::OrderStatus::NEW;
      f.leaves_qty = ordered;
      f.time_ns = time_ns;
      f.detail = ticket + ": placed";
      emit(std::move(f));
    }
  } else if (r.status == "canceled") {
    t.terminal = true;
    close(schema::OrderStatus::CANCELED, ticket + ": canceled");
  } else if (r.status == "rejected") {
    t.terminal = true;
    std::string why = "mt5 rejected: " + (r.error_code.empty() ? std::string("no reason given") : r.error_code);
    if (r.retcode != 0) why += " (retcode " + std::to_string(r.retcode) + ")";
    if (!r.error_message.empty()) why += ": " + r.error_message;
    const R reason = reason_of(r.error_code);
    if (reason == R::VENUE_UNAVAILABLE) ++errors_;
    if (t.cum_units > 0) {
      close(schema::OrderStatus::CANCELED, why);
    } else {
      close(schema::OrderStatus::REJECTED, why, reason);
    }
  }
}

void Mt5Gateway::cancel(const OutboundOrder& o) {
  if (o.order.action == schema::OrderAction::REPLACE) {
    return reject(o, R::UNKNOWN_ORDER, "replace is not part of the MT5 bridge's contract: cancel and send anew");
  }
  const auto it = tracked_.find(o.order.target_order_id);
  if (it == tracked_.end()) {
    return reject(o, R::UNKNOWN_ORDER, "cancel of an order this gateway never sent (or forgot)");
  }
  Tracked& t = *it->second;
  const std::string& client_id = t.order.client_order_id;
  if (t.terminal) return reject(o, R::UNKNOWN_ORDER, "cancel of " + client_id + ", which is no longer open");
  const std::string path = "/orders/" + net::url_encode(client_id);
  auto r = call("DELETE", path);
  if (!r) return reject(o, R::VENUE_UNAVAILABLE, "venue unavailable: cancel " + client_id + ": " + r.error().text);
  if (r->status == 404) {
    return reject(o, R::UNKNOWN_ORDER, "DELETE " + path + ": the bridge does not know " + client_id);
  }
  if (r->status != 200 && r->status != 409) {
    return reject(o, R::VENUE_UNAVAILABLE, "DELETE " + path + ": expected 200 or 409 with the order record, got HTTP " +
                                               std::to_string(r->status) + ": " + error_text(*r));
  }
  auto rec = parse_record(parse_json(r->body));
  if (!rec) return reject(o, R::VENUE_UNAVAILABLE, "DELETE " + path + ": unreadable answer: " + rec.error());
  // The record's news first (fills since the last poll, the cancel itself).
  apply(t, *rec, /*first_answer=*/false);
  if (r->status == 409 && rec->status != "canceled") {
    reject(o, R::UNKNOWN_ORDER, "cancel of " + client_id + ": not open in the terminal (" + rec->status + ")");
  }
}

void Mt5Gateway::poll_open() {
  std::size_t polled = 0;
  for (auto& [id, t] : tracked_) {
    if (!t->resting || t->terminal) continue;
    if (++polled > kMaxPollsPerRound) break;
    {
      std::lock_guard lock(stats_mu_);
      ++stats_.polls;
    }
    const std::string path = "/orders/" + net::url_encode(t->order.client_order_id);
    auto r = call("GET", path);
    if (!r || r->status != 200) {
      ++errors_;
      continue;  // asked again next round
    }
    auto rec = parse_record(parse_json(r->body));
    if (!rec) {
      ++errors_;
      continue;
    }
    apply(*t, *rec, /*first_answer=*/false);
  }
}

}  // namespace verity
