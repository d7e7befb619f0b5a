#include "tests/support/fake_mt5.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace verity::testing {

namespace {

using Json = nlohmann::json;

net::HttpResponse json_response(int status, const Json& body) {
  net::HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump();
  return r;
}

net::HttpResponse error_response(int status, const std::string& code, const std::string& message) {
  return json_response(status, {{"error", {{"code", code}, {"retcode", 0}, {"message", message}}}});
}

Json record_json(const FakeMt5Order& o) {
  Json fills = Json::array();
  for (const FakeMt5Fill& f : o.fills) {
    fills.push_back(
        {{"price", f.price}, {"volume", f.volume_lots}, {"commission", f.commission}, {"time_ms", f.time_ms}});
  }
  Json j = {{"client_id", o.client_id}, {"ticket", o.ticket}, {"symbol", o.symbol},     {"side", o.side},
            {"type", o.type},           {"volume", o.volume_lots}, {"price", o.price}, {"sl", o.sl},
            {"tp", o.tp},               {"reduce_only", o.reduce_only}, {"status", o.status}, {"time_ms", o.time_ms},
            {"fills", fills}};
  if (!o.error_code.empty()) {
    j["error"] = {{"code", o.error_code}, {"retcode", o.retcode}, {"message", o.error_message}};
  }
  return j;
}

/// `volume` is a whole number of `step`s (within float noise).
bool on_step(double volume, double step) {
  const double n = volume / step;
  return std::abs(n - std::round(n)) < 1e-6;
}

}  // namespace

FakeMt5::FakeMt5(std::string token, double balance, std::string currency)
    : token_(std::move(token)), currency_(std::move(currency)), balance_(balance) {
  net::Routes routes;
  auto handler = [this](const net::HttpRequest& req) { return handle(req); };
  for (const char* method : {"GET", "POST", "DELETE"}) routes.prefix(method, "/", handler);
  net::ServerOptions options;
  options.threads = 2;
  auto server = net::HttpServer::start(options, std::move(routes));
  if (!server) {
    std::fprintf(stderr, "fake mt5: cannot start: %s\n", server.error().c_str());
    std::abort();
  }
  server_ = std::move(*server);
}

FakeMt5::~FakeMt5() { stop(); }

void FakeMt5::stop() {
  if (server_) server_->stop();
}

std::string FakeMt5::base_url() const { return server_->base_url(); }

void FakeMt5::add_symbol(const std::string& mt5_symbol, FakeMt5Symbol spec) {
  std::lock_guard lock(mutex_);
  symbols_[mt5_symbol] = spec;
}

void FakeMt5::set_price(const std::string& mt5_symbol, double price) {
  std::lock_guard lock(mutex_);
  symbols_[mt5_symbol].price = price;
}

void FakeMt5::set_commission_per_lot(double commission) {
  std::lock_guard lock(mutex_);
  commission_per_lot_ = commission;
}

void FakeMt5::set_time_ms(std::int64_t time_ms) {
  std::lock_guard lock(mutex_);
  time_ms_ = time_ms;
}

void FakeMt5::set_quote(FakeMt5QuoteFn quote) {
  std::lock_guard lock(mutex_);
  quote_ = std::move(quote);
}

void FakeMt5::set_terminal_connected(bool connected) {
  std::lock_guard lock(mutex_);
  terminal_connected_ = connected;
}

bool FakeMt5::fill_resting(const std::string& client_id, double price) {
  std::lock_guard lock(mutex_);
  const auto it = by_client_id_.find(client_id);
  if (it == by_client_id_.end()) return false;
  FakeMt5Order& o = orders_[it->second];
  if (o.status != "placed") return false;
  fill(o, o.volume_lots, price, time_ms_);
  o.status = "filled";
  return true;
}

void FakeMt5::fail_next(int calls) {
  std::lock_guard lock(mutex_);
  fail_next_ = calls;
}

void FakeMt5::fail_after_processing_next_post(int then_fail) {
  std::lock_guard lock(mutex_);
  fail_after_post_ = true;
  fail_after_post_then_ = then_fail;
}

void FakeMt5::reject_next_post(std::string code, int retcode, std::string message) {
  std::lock_guard lock(mutex_);
  FakeMt5Order e;
  e.error_code = std::move(code);
  e.retcode = retcode;
  e.error_message = std::move(message);
  reject_next_ = std::move(e);
}

std::vector<FakeMt5Order> FakeMt5::orders() const {
  std::lock_guard lock(mutex_);
  return orders_;
}

std::optional<FakeMt5Order> FakeMt5::order(const std::string& client_id) const {
  std::lock_guard lock(mutex_);
  const auto it = by_client_id_.find(client_id);
  if (it == by_client_id_.end()) return std::nullopt;
  return orders_[it->second];
}

double FakeMt5::position_lots(const std::string& mt5_symbol) const {
  std::lock_guard lock(mutex_);
  const auto it = positions_.find(mt5_symbol);
  return it == positions_.end() ? 0.0 : it->second.lots;
}

double FakeMt5::balance() const {
  std::lock_guard lock(mutex_);
  return balance_;
}

std::size_t FakeMt5::posts() const {
  std::lock_guard lock(mutex_);
  return posts_;
}
std::size_t FakeMt5::duplicate_posts() const {
  std::lock_guard lock(mutex_);
  return duplicate_posts_;
}
std::map<std::string, std::size_t> FakeMt5::posts_by_client_id() const {
  std::lock_guard lock(mutex_);
  return posts_by_client_id_;
}
std::size_t FakeMt5::lookups() const {
  std::lock_guard lock(mutex_);
  return lookups_;
}
std::size_t FakeMt5::deletes() const {
  std::lock_guard lock(mutex_);
  return deletes_;
}
std::size_t FakeMt5::unauthorized_calls() const {
  std::lock_guard lock(mutex_);
  return unauthorized_;
}
std::size_t FakeMt5::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

void FakeMt5::fill(FakeMt5Order& o, double lots, double price, std::int64_t time_ms) {
  const double commission = commission_per_lot_ * lots;
  o.fills.push_back(FakeMt5Fill{price, lots, commission, time_ms});
  balance_ -= commission;
  Position& p = positions_[o.symbol];
  const double signed_lots = o.side == "buy" ? lots : -lots;
  const bool adds = p.lots == 0 || (p.lots > 0) == (signed_lots > 0);
  if (adds) {
    p.price_open = (p.price_open * std::abs(p.lots) + price * lots) / (std::abs(p.lots) + lots);
  } else if (std::abs(signed_lots) > std::abs(p.lots)) {
    p.price_open = price;  // flipped: the rest opens at this price
  }
  p.lots += signed_lots;
  if (std::abs(p.lots) < 1e-9) positions_.erase(o.symbol);
}

net::HttpResponse FakeMt5::handle(const net::HttpRequest& req) {
  std::lock_guard lock(mutex_);
  ++calls_;
  if (fail_next_ > 0) {
    --fail_next_;
    return error_response(500, "internal", "injected fault");
  }
  const auto auth = req.headers.find("authorization");
  if (auth == req.headers.end() || auth->second != "Bearer " + token_) {
    ++unauthorized_;
    return error_response(401, "unauthorized", "missing or wrong bearer token");
  }
  return route(req);
}

net::HttpResponse FakeMt5::route(const net::HttpRequest& req) {
  const std::string& p = req.path;
  if (req.method == "GET" && p == "/health") {
    return json_response(200, {{"ok", true},
                               {"terminal_connected", terminal_connected_},
                               {"trade_allowed", true},
                               {"version", "fake-mt5 1"}});
  }
  if (req.method == "GET" && p == "/account") {
    return json_response(200, {{"login", 5'100'123},
                               {"server", "FTMO-Demo"},
                               {"currency", currency_},
                               {"balance", balance_},
                               {"equity", balance_},
                               {"margin", 0.0},
                               {"margin_free", balance_},
                               {"leverage", 100}});
  }
  if (req.method == "GET" && p == "/positions") {
    Json out = Json::array();
    std::uint64_t ticket = 90'000'001;
    for (const auto& [symbol, pos] : positions_) {
      out.push_back({{"ticket", ticket++},
                     {"symbol", symbol},
                     {"side", pos.lots > 0 ? "buy" : "sell"},
                     {"volume", std::abs(pos.lots)},
                     {"price_open", pos.price_open},
                     {"sl", 0.0},
                     {"tp", 0.0},
                     {"profit", 0.0},
                     {"swap", 0.0}});
    }
    return json_response(200, out);
  }
  if (req.method == "GET" && p == "/orders") {
    Json out = Json::array();
    for (const FakeMt5Order& o : orders_) {
      if (o.status == "placed") out.push_back(record_json(o));
    }
    return json_response(200, out);
  }
  if (req.method == "GET" && p.starts_with("/symbols/")) {
    const std::string name = p.substr(9);
    const auto it = symbols_.find(name);
    if (it == symbols_.end()) return error_response(404, "unknown_symbol", "no symbol " + name);
    return json_response(200, {{"symbol", name},
                               {"contract_size", it->second.contract_size},
                               {"volume_min", it->second.volume_min},
                               {"volume_step", it->second.volume_step},
                               {"volume_max", 100.0},
                               {"digits", 2}});
  }
  if (req.method == "POST" && p == "/orders") return post_order(req);
  if (req.method == "GET" && p.starts_with("/orders/")) return lookup(p.substr(8));
  if (req.method == "DELETE" && p.starts_with("/orders/")) return cancel(p.substr(8));
  return error_response(404, "not_found", req.method + " " + p);
}

net::HttpResponse FakeMt5::post_order(const net::HttpRequest& req) {
  ++posts_;
  const Json j = Json::parse(req.body, nullptr, false);
  if (!j.is_object() || !j.contains("client_id") || !j["client_id"].is_string() || !j.contains("symbol") ||
      !j["symbol"].is_string() || !j.contains("side") || !j.contains("type") || !j.contains("volume") ||
      !j["volume"].is_number()) {
    return error_response(400, "bad_request", "expected {client_id, symbol, side, type, volume, price, sl, tp}");
  }
  const std::string client_id = j["client_id"].get<std::string>();
  ++posts_by_client_id_[client_id];
  if (const auto known = by_client_id_.find(client_id); known != by_client_id_.end()) {
    // Idempotent by client_id: the first order's record, nothing new.
    ++duplicate_posts_;
    return json_response(200, record_json(orders_[known->second]));
  }
  FakeMt5Order o;
  o.client_id = client_id;
  o.ticket = next_ticket_++;
  o.symbol = j["symbol"].get<std::string>();
  o.side = j.value("side", "");
  o.type = j.value("type", "");
  o.volume_lots = j["volume"].get<double>();
  o.price = j.value("price", 0.0);
  o.sl = j.value("sl", 0.0);
  o.tp = j.value("tp", 0.0);
  o.reduce_only = j.value("reduce_only", false);
  o.time_ms = time_ms_;
  if (o.side != "buy" && o.side != "sell") return error_response(400, "bad_request", "side must be buy or sell");
  if (o.type != "market" && o.type != "limit") {
    return error_response(400, "bad_request", "type must be market or limit");
  }

  auto reject = [&](std::string code, int retcode, std::string message) {
    o.status = "rejected";
    o.error_code = std::move(code);
    o.retcode = retcode;
    o.error_message = std::move(message);
  };
  const auto sym = symbols_.find(o.symbol);
  if (reject_next_) {
    reject(reject_next_->error_code, reject_next_->retcode, reject_next_->error_message);
    reject_next_.reset();
  } else if (sym == symbols_.end()) {
    reject("unknown_symbol", 0, "no symbol " + o.symbol);
  } else if (!(o.volume_lots >= sym->second.volume_min - 1e-12) || !on_step(o.volume_lots, sym->second.volume_step)) {
    reject("invalid_volume", 10014, "Invalid volume");
  } else if (o.type == "limit") {
    if (!(o.price > 0)) {
      reject("invalid_price", 10015, "Invalid price");
    } else {
      o.status = "placed";
    }
  } else {
    double lots = o.volume_lots;
    if (o.reduce_only) {
      const auto pos = positions_.find(o.symbol);
      const double held = pos == positions_.end() ? 0.0 : pos->second.lots;
      const bool reduces = (o.side == "sell" && held > 0) || (o.side == "buy" && held < 0);
      lots = reduces ? std::min(lots, std::abs(held)) : 0.0;
    }
    std::optional<FakeMt5Quote> quote;
    if (quote_) quote = quote_(o.symbol);
    if (lots <= 0) {
      reject("no_position", 0, "no position to reduce");
    } else if (quote) {
      o.time_ms = quote->time_ms;
      fill(o, lots, quote->price, quote->time_ms);
      o.status = "filled";
    } else {
      fill(o, lots, sym->second.price, time_ms_);
      o.status = "filled";
    }
  }
  by_client_id_[client_id] = orders_.size();
  orders_.push_back(o);
  if (fail_after_post_) {
    fail_after_post_ = false;
    fail_next_ = fail_after_post_then_;
    return error_response(500, "internal", "injected fault after the order was processed");
  }
  return json_response(200, record_json(o));
}

net::HttpResponse FakeMt5::lookup(const std::string& client_id) {
  ++lookups_;
  const auto it = by_client_id_.find(client_id);
  if (it == by_client_id_.end()) return error_response(404, "unknown_client_id", "no order " + client_id);
  return json_response(200, record_json(orders_[it->second]));
}

net::HttpResponse FakeMt5::cancel(const std::string& client_id) {
  ++deletes_;
  const auto it = by_client_id_.find(client_id);
  if (it == by_client_id_.end()) return error_response(404, "unknown_client_id", "no order " + client_id);
  FakeMt5Order& o = orders_[it->second];
  if (o.status == "placed") o.status = "canceled";
  if (o.status == "canceled") return json_response(200, record_json(o));
  Json body = record_json(o);
  return json_response(409, body);
}

}  // namespace verity::testing
