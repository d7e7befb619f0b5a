#include "tests/support/mock_binance.hpp"

#include "actors/runtime/ascii.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "actors/feed/candle_file.hpp"
#include "actors/runtime/prng.hpp"
#include "live/binance/binance_json.hpp"
#include "live/binance/signing.hpp"

namespace verity::testing {

using nlohmann::json;
using net::HttpRequest;
using net::HttpResponse;

namespace {

constexpr std::int64_t kMaxRecvWindowMs = 60'000;  // Binance's widest recvWindow

std::int64_t to_i64(const std::string& s) { return static_cast<std::int64_t>(std::strtoll(s.c_str(), nullptr, 10)); }

std::string dec(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.8f", v);
  return buf;
}

HttpResponse json_response(int status, const json& j) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json;charset=UTF-8";
  r.body = j.dump();
  return r;
}

HttpResponse api_error(int status, int code, const std::string& msg) {
  return json_response(status, json{{"code", code}, {"msg", msg}});
}

HttpResponse missing(const std::string& name) {
  return api_error(400, -1102, "Mandatory parameter '" + name + "' was not sent, was empty/null, or malformed.");
}

/// Splits the raw "...&signature=HEX..." out of a query or body.
std::string strip_signature(const std::string& raw, std::string& signature) {
  std::size_t at = std::string::npos;
  if (raw.starts_with("signature=")) at = 0;
  else if (auto p = raw.find("&signature="); p != std::string::npos) at = p + 1;
  if (at == std::string::npos) return raw;
  const std::size_t end = raw.find('&', at);
  signature = raw.substr(at + 10, end == std::string::npos ? std::string::npos : end - at - 10);
  std::string out = raw.substr(0, at == 0 ? 0 : at - 1);
  if (end != std::string::npos) out += (out.empty() ? "" : "&") + raw.substr(end + 1);
  return out;
}

bool multiple_of(double value, double step) {
  if (!(step > 0)) return true;
  const double n = value / step;
  return std::fabs(n - std::round(n)) < 1e-6;
}

struct MockFill {
  double price = 0, qty = 0, commission = 0;
  std::string asset;
  std::int64_t trade_id = 0;
};

struct MockOrder {
  std::string symbol;
  std::int64_t id = 0;
  std::string cid;
  std::string side, type, tif;
  double price = 0, orig_qty = 0, executed_qty = 0, cum_quote = 0;
  std::string status = "NEW";
  std::int64_t time_ms = 0, update_ms = 0;
  std::vector<MockFill> fills;
  double locked = 0;
  std::string locked_asset;
  bool open() const { return status == "NEW" || status == "PARTIALLY_FILLED"; }
};

struct WsSub {
  std::shared_ptr<net::WsConnection> conn;
  std::set<std::string> streams;
  bool combined = true;
  std::int64_t stalled_until_ms = 0;  // wall ms
};

struct RestFault {
  enum class Kind { s429, s418, s500, s500_after, delay };
  Kind kind = Kind::s500;
  int remaining = 0;
  int retry_after_s = 1;
  std::chrono::milliseconds ms{0};
  RestFaultFilter filter;
};

struct Balance {
  double free = 0, locked = 0;
};

}  // namespace

struct MockBinance::State {
  MockBinanceOptions options;
  mutable std::mutex mutex;
  mutable LiveClock wall;  // for server time within a bar and stalls; read under `mutex`
  std::int64_t now_close_ms = 0;
  std::int64_t last_advance_wall_ms = 0;
  /// The runner's steps within the widest recvWindow, oldest first: when
  /// each was taken (wall ms) and the server time just before it.
  struct LapseStep {
    std::int64_t wall_ms = 0;
    std::int64_t server_before_ms = 0;
  };
  std::deque<LapseStep> lapse_steps;
  std::map<std::string, std::map<std::int64_t, std::size_t>> index;  // symbol -> open ms -> bar
  std::map<std::int64_t, MockOrder> orders;
  std::int64_t next_order_id = 1;
  std::int64_t next_trade_id = 1;
  std::int64_t next_cancel_id = 1;
  std::map<std::string, Balance> balances;
  std::map<std::uint64_t, WsSub> subs;
  std::uint64_t next_sub = 0;
  std::deque<RestFault> rest_faults;
  int ws_malformed = 0;
  int ws_missing = 0;
  std::int64_t weight_minute = -1;
  std::int64_t weight_used = 0;
  MockBinanceStats stats;
  Prng prng{20210402};

  std::mutex run_mutex;
  std::condition_variable run_cv;
  bool running = false;
  std::thread runner;

  // --- time -----------------------------------------------------------------------
  std::int64_t wall_ms() const { return wall.now_ns() / 1'000'000; }
  std::int64_t server_ms() const {
    if (!options.server_time_runs_within_bar) return now_close_ms;
    const std::int64_t within = std::clamp<std::int64_t>(wall_ms() - last_advance_wall_ms, 0, options.interval_ms - 1);
    return now_close_ms + within;
  }

  /// The oldest timestamp a signed request may carry: the server's time
  /// `window_ms` of wall time ago. Without run() that is Binance's rule, now
  /// less the window. run() is a time lapse, a bar per tick, but the network
  /// is no faster for it: each tick in the window is unwound (the server's
  /// time before it, less the wall time back to the window's start), so an
  /// offset measured before a tick is as fresh as on a real venue. advance()
  /// is a jump of the clock, not a tick: it clears lapse_steps, and an
  /// offset measured before it is refused.
  std::int64_t oldest_fresh_ms(std::int64_t window_ms) const {
    std::int64_t oldest = server_ms() - window_ms;
    const std::int64_t since = wall_ms() - window_ms;
    for (auto it = lapse_steps.rbegin(); it != lapse_steps.rend() && it->wall_ms >= since; ++it) {
      oldest = std::min(oldest, it->server_before_ms - (it->wall_ms - since));
    }
    return oldest;
  }

  // --- market data ------------------------------------------------------------------
  bool known(const std::string& symbol) const { return options.series.contains(symbol); }
  const Candle* bar_at(const std::string& symbol, std::int64_t open_ms) const {
    auto s = index.find(symbol);
    if (s == index.end()) return nullptr;
    auto it = s->second.find(open_ms);
    return it == s->second.end() ? nullptr : &options.series.at(symbol)[it->second];
  }
  /// The newest bar of `symbol` closed by now.
  const Candle* last_closed(const std::string& symbol) const {
    auto s = index.find(symbol);
    if (s == index.end()) return nullptr;
    auto it = s->second.upper_bound(now_close_ms - options.interval_ms);
    if (it == s->second.begin()) return nullptr;
    --it;
    return &options.series.at(symbol)[it->second];
  }
  static std::string base_of(const std::string& symbol) {
    for (const char* q : {"USDT", "BUSD", "USDC", "BTC", "ETH"}) {
      const std::string quote(q);
      if (symbol.size() > quote.size() && symbol.ends_with(quote)) return symbol.substr(0, symbol.size() - quote.size());
    }
    return symbol.substr(0, symbol.size() / 2);
  }
  static std::string quote_of(const std::string& symbol) { return symbol.substr(base_of(symbol).size()); }

  json kline_json(const std::string& symbol, const Candle& c, std::int64_t open_ms, bool closed, double share) const {
    const std::int64_t first_trade = open_ms / 1000;
    return json{{"t", open_ms},
                {"T", open_ms + options.interval_ms - 1},
                {"s", symbol},
                {"i", "1m"},
                {"f", first_trade},
                {"L", first_trade + 99},
                {"o", dec(c.open)},
                {"c", dec(c.close)},
                {"h", dec(c.high)},
                {"l", dec(c.low)},
                {"v", dec(c.volume * share)},
                {"n", 100},
                {"x", closed},
                {"q", dec(c.volume * share * c.close)},
                {"V", dec(c.volume * share / 2)},
                {"Q", dec(c.volume * share / 2 * c.close)},
                {"B", "0"}};
  }

  // --- WebSocket ----------------------------------------------------------------------
  void send(WsSub& sub, const std::string& stream, json data) {
    if (!sub.conn->open()) return;
    if (sub.stalled_until_ms > wall_ms()) return;
    std::string text;
    if (ws_malformed > 0) {
      --ws_malformed;
      ++stats.ws_malformed_sent;
      text = R"({"stream":")" + stream + R"(","data":{"e":"kline","E":)";  // cut short: not JSON
    } else {
      if (ws_missing > 0) {
        --ws_missing;
        ++stats.ws_malformed_sent;
        if (data.contains("k")) data["k"].erase("c");
        else data.erase("p");
      }
      text = sub.combined ? json{{"stream", stream}, {"data", std::move(data)}}.dump() : data.dump();
    }
    sub.conn->send_text(std::move(text));
    ++stats.ws_frames_sent;
  }

  void prune_subs() {
    std::erase_if(subs, [](const auto& kv) { return !kv.second.conn->open(); });
    stats.ws_open = subs.size();
  }

  void publish_bar(const std::string& symbol, const Candle& bar, std::int64_t open_ms) {
    const std::string kline_stream = ascii_lower(symbol) + "@kline_1m";
    const std::string trade_stream = ascii_lower(symbol) + "@trade";
    const std::int64_t event_ms = open_ms + options.interval_ms;
    // Two updates while the bar forms, trades, then the final kline.
    Candle early = bar;
    early.close = early.high = early.low = bar.open;
    Candle mid = bar;
    mid.close = (bar.open + bar.close) / 2;
    mid.high = std::max(bar.open, mid.close);
    mid.low = std::min(bar.open, mid.close);
    std::vector<json> trades;
    for (int i = 0; i < options.trades_per_bar; ++i) {
      const double price = bar.low + prng.uniform01() * (bar.high - bar.low);
      trades.push_back(json{{"e", "trade"},
                            {"E", open_ms + (i + 1) * options.interval_ms / (options.trades_per_bar + 1)},
                            {"s", symbol},
                            {"t", next_trade_id++},
                            {"p", dec(price)},
                            {"q", dec(std::max(bar.volume / std::max(options.trades_per_bar, 1), 0.00001))},
                            {"T", open_ms + (i + 1) * options.interval_ms / (options.trades_per_bar + 1)},
                            {"m", prng.bernoulli(0.5)},
                            {"M", true}});
    }
    for (auto& [id, sub] : subs) {
      const bool klines = sub.streams.contains(kline_stream);
      const bool trade_sub = sub.streams.contains(trade_stream);
      auto event = [&](const Candle& c, bool closed, double share) {
        return json{{"e", "kline"}, {"E", event_ms}, {"s", symbol}, {"k", kline_json(symbol, c, open_ms, closed, share)}};
      };
      if (klines) send(sub, kline_stream, event(early, false, 0.3));
      if (klines) send(sub, kline_stream, event(mid, false, 0.6));
      if (trade_sub) {
        for (const json& t : trades) send(sub, trade_stream, t);
      }
      if (klines) send(sub, kline_stream, event(bar, true, 1.0));
    }
  }

  // --- orders ---------------------------------------------------------------------------
  void fill(MockOrder& o, double price) {
    const std::string base = base_of(o.symbol);
    const std::string quote = quote_of(o.symbol);
    if (o.locked > 0) {
      balances[o.locked_asset].locked -= o.locked;
      balances[o.locked_asset].free += o.locked;
      o.locked = 0;
    }
    const double qty = o.orig_qty - o.executed_qty;
    const double notional = price * qty;
    MockFill f;
    f.price = price;
    f.qty = qty;
    f.trade_id = next_trade_id++;
    if (o.side == "BUY") {
      balances[quote].free -= notional;
      f.commission = qty * options.commission_rate;
      f.asset = base;
      balances[base].free += qty - f.commission;
    } else {
      balances[base].free -= qty;
      f.commission = notional * options.commission_rate;
      f.asset = quote;
      balances[quote].free += notional - f.commission;
    }
    o.fills.push_back(f);
    o.executed_qty += qty;
    o.cum_quote += notional;
    o.status = "FILLED";
    o.update_ms = server_ms();
  }

  void match_limits(const std::string& symbol, const Candle& bar) {
    for (auto& [id, o] : orders) {
      if (o.symbol != symbol || !o.open() || o.type != "LIMIT") continue;
      if (o.side == "BUY" && bar.low <= o.price) fill(o, o.price);
      else if (o.side == "SELL" && bar.high >= o.price) fill(o, o.price);
    }
  }

  json order_json(const MockOrder& o, bool full) const {
    json j{{"symbol", o.symbol},
           {"orderId", o.id},
           {"orderListId", -1},
           {"clientOrderId", o.cid},
           {"price", dec(o.price)},
           {"origQty", dec(o.orig_qty)},
           {"executedQty", dec(o.executed_qty)},
           {"cummulativeQuoteQty", dec(o.cum_quote)},
           {"status", o.status},
           {"timeInForce", o.tif},
           {"type", o.type},
           {"side", o.side},
           {"selfTradePreventionMode", "EXPIRE_MAKER"}};
    if (full) {
      j["transactTime"] = o.time_ms;
      j["workingTime"] = o.time_ms;
      json fills = json::array();
      for (const MockFill& f : o.fills) {
        fills.push_back(json{{"price", dec(f.price)},
                             {"qty", dec(f.qty)},
                             {"commission", dec(f.commission)},
                             {"commissionAsset", f.asset},
                             {"tradeId", f.trade_id}});
      }
      j["fills"] = fills;
    } else {
      j["stopPrice"] = dec(0);
      j["icebergQty"] = dec(0);
      j["time"] = o.time_ms;
      j["updateTime"] = o.update_ms;
      j["isWorking"] = true;
      j["workingTime"] = o.time_ms;
      j["origQuoteOrderQty"] = dec(0);
    }
    return j;
  }

  MockOrder* find_order(const std::map<std::string, std::string>& p) {
    MockOrder* found = nullptr;
    if (auto cid = p.find("origClientOrderId"); cid != p.end()) {
      for (auto& [id, o] : orders) {
        if (o.cid == cid->second && o.symbol == p.at("symbol")) found = &o;  // the newest with that id
      }
    } else if (auto oid = p.find("orderId"); oid != p.end()) {
      auto it = orders.find(to_i64(oid->second));
      if (it != orders.end() && it->second.symbol == p.at("symbol")) found = &it->second;
    }
    return found;
  }

  // --- REST -------------------------------------------------------------------------------
  static int weight_of(const std::string& method, const std::string& path) {
    if (path == "/api/v3/exchangeInfo" || path == "/api/v3/account") return 20;
    if (path == "/api/v3/klines") return 2;
    if (path == "/api/v3/openOrders") return 6;
    if (path == "/api/v3/order") return method == "GET" ? 4 : 1;
    return 1;
  }

  std::optional<HttpResponse> check_signed(const HttpRequest& req, const std::map<std::string, std::string>& p) {
    auto key = req.headers.find("x-mbx-apikey");
    if (key == req.headers.end() || key->second.empty()) return api_error(401, -2014, "API-key format invalid.");
    if (key->second != options.api_key) return api_error(401, -2015, "Invalid API-key, IP, or permissions for action.");
    if (!p.contains("timestamp")) return missing("timestamp");
    if (!p.contains("signature")) return missing("signature");
    const std::int64_t recv_window = p.contains("recvWindow") ? to_i64(p.at("recvWindow")) : 5000;
    if (recv_window <= 0 || recv_window > kMaxRecvWindowMs) return api_error(400, -1131, "recvWindow must be less than 60000");
    std::string signature;
    const std::size_t q = req.target.find('?');
    const std::string raw_query = q == std::string::npos ? std::string() : req.target.substr(q + 1);
    const std::string total = strip_signature(raw_query, signature) + strip_signature(req.body, signature);
    if (binance::hmac_sha256_hex(options.api_secret, total) != signature) {
      ++stats.signature_failures;
      return api_error(400, -1022, "Signature for this request is not valid.");
    }
    const std::int64_t ts = to_i64(p.at("timestamp"));
    if (ts > server_ms() + 1000 || ts < oldest_fresh_ms(recv_window)) {
      ++stats.timestamp_failures;
      return api_error(400, -1021, "Timestamp for this request is outside of the recvWindow.");
    }
    return std::nullopt;
  }

  HttpResponse klines(const std::map<std::string, std::string>& p) {
    if (!p.contains("symbol")) return missing("symbol");
    if (!p.contains("interval")) return missing("interval");
    const std::string symbol = ascii_upper(p.at("symbol"));
    if (!known(symbol)) return api_error(400, -1121, "Invalid symbol.");
    if (p.at("interval") != "1m") return api_error(400, -1120, "Invalid interval.");
    std::int64_t limit = p.contains("limit") ? to_i64(p.at("limit")) : 500;
    limit = std::clamp<std::int64_t>(limit, 1, 1000);
    const auto& idx = index.at(symbol);
    const auto& series = options.series.at(symbol);
    const std::int64_t newest_open = now_close_ms - options.interval_ms;  // closed bars only
    std::int64_t end_open = newest_open;
    if (p.contains("endTime")) end_open = std::min(end_open, to_i64(p.at("endTime")));
    std::vector<std::size_t> picked;
    if (p.contains("startTime")) {
      for (auto it = idx.lower_bound(to_i64(p.at("startTime")));
           it != idx.end() && it->first <= end_open && static_cast<std::int64_t>(picked.size()) < limit; ++it) {
        picked.push_back(it->second);
      }
    } else {
      auto it = idx.upper_bound(end_open);
      while (it != idx.begin() && static_cast<std::int64_t>(picked.size()) < limit) picked.push_back((--it)->second);
      std::reverse(picked.begin(), picked.end());
    }
    json rows = json::array();
    for (std::size_t i : picked) {
      const Candle& c = series[i];
      const std::int64_t open_ms = c.open_time_ns / 1'000'000;
      rows.push_back(json::array({open_ms, dec(c.open), dec(c.high), dec(c.low), dec(c.close), dec(c.volume),
                                  open_ms + options.interval_ms - 1, dec(c.volume * c.close), 100, dec(c.volume / 2),
                                  dec(c.volume / 2 * c.close), "0"}));
    }
    return json_response(200, rows);
  }

  json symbol_json(const std::string& symbol) const {
    return json{{"symbol", symbol},
                {"status", "TRADING"},
                {"baseAsset", base_of(symbol)},
                {"baseAssetPrecision", 8},
                {"quoteAsset", quote_of(symbol)},
                {"quotePrecision", 8},
                {"quoteAssetPrecision", 8},
                {"orderTypes", json::array({"LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"})},
                {"icebergAllowed", true},
                {"ocoAllowed", true},
                {"isSpotTradingAllowed", true},
                {"isMarginTradingAllowed", false},
                {"filters",
                 json::array({json{{"filterType", "PRICE_FILTER"},
                                   {"minPrice", dec(options.tick_size)},
                                   {"maxPrice", dec(1'000'000)},
                                   {"tickSize", dec(options.tick_size)}},
                              json{{"filterType", "LOT_SIZE"},
                                   {"minQty", dec(options.min_qty)},
                                   {"maxQty", dec(9000)},
                                   {"stepSize", dec(options.step_size)}},
                              json{{"filterType", "NOTIONAL"},
                                   {"minNotional", dec(options.min_notional)},
                                   {"applyMinToMarket", true},
                                   {"maxNotional", dec(9'000'000)},
                                   {"applyMaxToMarket", false},
                                   {"avgPriceMins", 5}}})},
                {"permissions", json::array({"SPOT"})},
                {"defaultSelfTradePreventionMode", "EXPIRE_MAKER"},
                {"allowedSelfTradePreventionModes", json::array({"EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"})}};
  }

  HttpResponse exchange_info(const std::map<std::string, std::string>& p) {
    json symbols = json::array();
    if (p.contains("symbol")) {
      const std::string symbol = ascii_upper(p.at("symbol"));
      if (!known(symbol)) return api_error(400, -1121, "Invalid symbol.");
      symbols.push_back(symbol_json(symbol));
    } else {
      for (const auto& [symbol, series] : options.series) symbols.push_back(symbol_json(symbol));
    }
    json limits = json::array({json{{"rateLimitType", "REQUEST_WEIGHT"}, {"interval", "MINUTE"}, {"intervalNum", 1}, {"limit", options.weight_limit_1m}},
                               json{{"rateLimitType", "ORDERS"}, {"interval", "SECOND"}, {"intervalNum", 10}, {"limit", 100}},
                               json{{"rateLimitType", "ORDERS"}, {"interval", "DAY"}, {"intervalNum", 1}, {"limit", 200000}},
                               json{{"rateLimitType", "RAW_REQUESTS"}, {"interval", "MINUTE"}, {"intervalNum", 5}, {"limit", 61000}}});
    return json_response(200, json{{"timezone", "UTC"},
                                   {"serverTime", server_ms()},
                                   {"rateLimits", limits},
                                   {"exchangeFilters", json::array()},
                                   {"symbols", symbols}});
  }

  HttpResponse new_order(const std::map<std::string, std::string>& p) {
    for (const char* name : {"symbol", "side", "type"}) {
      if (!p.contains(name)) return missing(name);
    }
    const std::string symbol = ascii_upper(p.at("symbol"));
    if (!known(symbol)) return api_error(400, -1121, "Invalid symbol.");
    const std::string side = p.at("side");
    const std::string type = p.at("type");
    if (side != "BUY" && side != "SELL") return api_error(400, -1117, "Invalid side.");
    if (type != "MARKET" && type != "LIMIT") return api_error(400, -1116, "Invalid orderType.");
    if (!p.contains("quantity")) return missing("quantity");
    const auto qty = binance::parse_decimal(p.at("quantity"));
    if (!qty || *qty <= 0) return api_error(400, -1100, "Illegal characters found in parameter 'quantity'.");
    double price = 0;
    if (type == "LIMIT") {
      if (!p.contains("timeInForce")) return missing("timeInForce");
      if (p.at("timeInForce") != "GTC") return api_error(400, -1115, "Invalid timeInForce.");
      if (!p.contains("price")) return missing("price");
      const auto pr = binance::parse_decimal(p.at("price"));
      if (!pr || *pr <= 0) return api_error(400, -1100, "Illegal characters found in parameter 'price'.");
      price = *pr;
      if (!multiple_of(price, options.tick_size)) return api_error(400, -1013, "Filter failure: PRICE_FILTER");
    }
    if (*qty < options.min_qty || !multiple_of(*qty, options.step_size)) {
      return api_error(400, -1013, "Filter failure: LOT_SIZE");
    }
    std::string cid = p.contains("newClientOrderId") ? p.at("newClientOrderId") : "";
    if (cid.empty()) cid = "mock" + std::to_string(next_order_id);
    for (const auto& [id, o] : orders) {
      if (o.cid == cid && o.open()) return api_error(400, -2010, "Duplicate order sent.");
    }
    const Candle* last = last_closed(symbol);
    if (last == nullptr) return api_error(400, -1013, "Market is closed.");
    const double slip = options.slippage_bps / 10'000.0;
    const double market_price = last->close * (side == "BUY" ? 1 + slip : 1 - slip);
    const double ref_price = type == "MARKET" ? market_price : price;
    if (ref_price * *qty < options.min_notional) return api_error(400, -1013, "Filter failure: NOTIONAL");
    const std::string base = base_of(symbol);
    const std::string quote = quote_of(symbol);
    const double need = side == "BUY" ? ref_price * *qty : *qty;
    const std::string need_asset = side == "BUY" ? quote : base;
    if (balances[need_asset].free + 1e-9 < need) {
      return api_error(400, -2010, "Account has insufficient balance for requested action.");
    }
    MockOrder o;
    o.symbol = symbol;
    o.id = next_order_id++;
    o.cid = cid;
    o.side = side;
    o.type = type;
    o.tif = type == "LIMIT" ? "GTC" : "GTC";
    o.price = price;
    o.orig_qty = *qty;
    o.time_ms = o.update_ms = server_ms();
    ++stats.orders_created;
    ++stats.orders_by_client_id[cid];
    if (type == "MARKET") {
      fill(o, market_price);
    } else if ((side == "BUY" && last->close <= price) || (side == "SELL" && last->close >= price)) {
      fill(o, last->close);  // marketable: takes at the current price
    } else {
      o.locked = need;
      o.locked_asset = need_asset;
      balances[need_asset].free -= need;
      balances[need_asset].locked += need;
    }
    auto& stored = orders[o.id] = std::move(o);
    return json_response(200, order_json(stored, true));
  }

  HttpResponse query_order(const std::map<std::string, std::string>& p) {
    if (!p.contains("symbol")) return missing("symbol");
    if (!p.contains("origClientOrderId") && !p.contains("orderId")) return missing("orderId");
    MockOrder* o = find_order(p);
    if (o == nullptr) return api_error(400, -2013, "Order does not exist.");
    return json_response(200, order_json(*o, false));
  }

  HttpResponse cancel_order(const std::map<std::string, std::string>& p) {
    if (!p.contains("symbol")) return missing("symbol");
    if (!p.contains("origClientOrderId") && !p.contains("orderId")) return missing("orderId");
    MockOrder* o = find_order(p);
    if (o == nullptr || !o->open()) return api_error(400, -2011, "Unknown order sent.");
    if (o->locked > 0) {
      balances[o->locked_asset].locked -= o->locked;
      balances[o->locked_asset].free += o->locked;
      o->locked = 0;
    }
    o->status = "CANCELED";
    o->update_ms = server_ms();
    json j = order_json(*o, false);
    j["origClientOrderId"] = o->cid;
    j["clientOrderId"] = "cancel" + std::to_string(next_cancel_id++);
    j["transactTime"] = o->update_ms;
    return json_response(200, j);
  }

  HttpResponse open_orders(const std::map<std::string, std::string>& p) {
    json out = json::array();
    const std::string symbol = p.contains("symbol") ? ascii_upper(p.at("symbol")) : "";
    if (!symbol.empty() && !known(symbol)) return api_error(400, -1121, "Invalid symbol.");
    for (const auto& [id, o] : orders) {
      if (o.open() && (symbol.empty() || o.symbol == symbol)) out.push_back(order_json(o, false));
    }
    return json_response(200, out);
  }

  HttpResponse account() {
    json balances_json = json::array();
    for (const auto& [asset, b] : balances) {
      balances_json.push_back(json{{"asset", asset}, {"free", dec(b.free)}, {"locked", dec(b.locked)}});
    }
    return json_response(200, json{{"makerCommission", 10},
                                   {"takerCommission", 10},
                                   {"buyerCommission", 0},
                                   {"sellerCommission", 0},
                                   {"canTrade", true},
                                   {"canWithdraw", true},
                                   {"canDeposit", true},
                                   {"brokered", false},
                                   {"requireSelfTradePrevention", false},
                                   {"preventSor", false},
                                   {"updateTime", server_ms()},
                                   {"accountType", "SPOT"},
                                   {"balances", balances_json},
                                   {"permissions", json::array({"SPOT"})},
                                   {"uid", 354937868}});
  }

  HttpResponse route(const HttpRequest& req, const std::map<std::string, std::string>& p) {
    const std::string& m = req.method;
    const std::string& path = req.path;
    if (path == "/api/v3/ping" && m == "GET") return json_response(200, json::object());
    if (path == "/api/v3/time" && m == "GET") return json_response(200, json{{"serverTime", server_ms()}});
    if (path == "/api/v3/exchangeInfo" && m == "GET") return exchange_info(p);
    if (path == "/api/v3/klines" && m == "GET") return klines(p);
    const bool signed_call = path == "/api/v3/order" || path == "/api/v3/openOrders" || path == "/api/v3/account";
    if (!signed_call) return api_error(404, -1000, "Unknown endpoint " + m + " " + path);
    if (auto refusal = check_signed(req, p)) return *refusal;
    if (path == "/api/v3/order") {
      if (m == "POST") return new_order(p);
      if (m == "GET") return query_order(p);
      if (m == "DELETE") return cancel_order(p);
    }
    if (path == "/api/v3/openOrders" && m == "GET") return open_orders(p);
    if (path == "/api/v3/account" && m == "GET") return account();
    return api_error(405, -1000, "Method " + m + " not supported on " + path);
  }

  std::optional<RestFault> take_fault(const HttpRequest& req) {
    for (auto it = rest_faults.begin(); it != rest_faults.end(); ++it) {
      const bool method_ok = it->filter.method.empty() || it->filter.method == req.method;
      const bool path_ok = it->filter.path.empty() || req.path.starts_with(it->filter.path);
      if (!method_ok || !path_ok) continue;
      RestFault f = *it;
      if (--it->remaining <= 0) rest_faults.erase(it);
      ++stats.faults_fired;
      return f;
    }
    return std::nullopt;
  }

  HttpResponse handle_api(const HttpRequest& req) {
    std::unique_lock lock(mutex);
    ++stats.rest_requests;
    const std::int64_t minute = server_ms() / 60'000;
    if (minute != weight_minute) {
      weight_minute = minute;
      weight_used = 0;
    }
    weight_used += weight_of(req.method, req.path);
    std::map<std::string, std::string> params = req.query;
    if (!req.body.empty()) {
      for (auto& [k, v] : net::parse_query(req.body)) params.try_emplace(k, v);  // the query string wins
    }
    const auto fault = take_fault(req);
    const std::int64_t to_next_minute_s = std::max<std::int64_t>(1, (60'000 - server_ms() % 60'000 + 999) / 1000);
    HttpResponse response;
    std::chrono::milliseconds delay{0};
    if (fault && fault->kind == RestFault::Kind::s429) {
      response = api_error(429, -1003, "Too many requests; current limit of IP(127.0.0.1) request weight is " +
                                           std::to_string(options.weight_limit_1m) + " per 1 MINUTE.");
      response.headers["Retry-After"] = std::to_string(fault->retry_after_s);
    } else if (fault && fault->kind == RestFault::Kind::s418) {
      response = api_error(418, -1003, "Way too many requests; IP(127.0.0.1) banned until " +
                                           std::to_string(server_ms() + fault->retry_after_s * 1000LL) + ".");
      response.headers["Retry-After"] = std::to_string(fault->retry_after_s);
    } else if (fault && fault->kind == RestFault::Kind::s500) {
      response = api_error(500, -1001, "Internal error; unable to process your request. Please try again.");
    } else if (weight_used > options.weight_limit_1m) {
      response = api_error(429, -1003, "Too many requests; current limit of IP(127.0.0.1) request weight is " +
                                           std::to_string(options.weight_limit_1m) + " per 1 MINUTE.");
      response.headers["Retry-After"] = std::to_string(to_next_minute_s);
    } else {
      response = route(req, params);
      if (fault && fault->kind == RestFault::Kind::s500_after) {
        response = api_error(500, -1001, "Internal error; unable to process your request. Please try again.");
      } else if (fault && fault->kind == RestFault::Kind::delay) {
        delay = fault->ms;
      }
    }
    response.headers["X-MBX-USED-WEIGHT-1M"] = std::to_string(weight_used);
    lock.unlock();
    // Held back outside the lock: the answer arrives late (or, past the
    // client's timeout, never), the work is done.
    for (std::int64_t waited = 0; waited < delay.count() && !req.server_stopping(); waited += 5) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return response;
  }

  // --- stepping --------------------------------------------------------------------------
  /// One bar on: a tick of the time lapse (run()) or a jump of the clock (advance()).
  void step(bool lapse) {
    if (lapse) {
      lapse_steps.push_back({wall_ms(), server_ms()});
      while (lapse_steps.front().wall_ms < lapse_steps.back().wall_ms - kMaxRecvWindowMs) lapse_steps.pop_front();
    } else {
      lapse_steps.clear();
    }
    now_close_ms += options.interval_ms;
    last_advance_wall_ms = wall_ms();
    ++stats.bars_advanced;
    prune_subs();
    const std::int64_t open_ms = now_close_ms - options.interval_ms;
    for (const auto& [symbol, series] : options.series) {
      const Candle* bar = bar_at(symbol, open_ms);
      if (bar == nullptr) continue;
      match_limits(symbol, *bar);
      publish_bar(symbol, *bar, open_ms);
    }
  }

  std::int64_t end_close_ms() const {
    std::int64_t end = 0;
    for (const auto& [symbol, series] : options.series) {
      if (!series.empty()) end = std::max(end, series.back().open_time_ns / 1'000'000 + options.interval_ms);
    }
    return end;
  }

  // --- WebSocket subscriptions --------------------------------------------------------------
  void accept_ws(std::shared_ptr<net::WsConnection> conn, const HttpRequest& upgrade) {
    WsSub sub;
    sub.conn = conn;
    std::string list;
    if (upgrade.path == "/stream" || upgrade.path == "/stream/") {
      sub.combined = true;
      if (auto it = upgrade.query.find("streams"); it != upgrade.query.end()) list = it->second;
    } else if (upgrade.path.starts_with("/ws/")) {
      sub.combined = false;
      list = upgrade.path.substr(4);
    } else {
      sub.combined = upgrade.path.starts_with("/stream");
    }
    for (std::size_t start = 0; start < list.size();) {
      const std::size_t slash = list.find('/', start);
      const std::string s = list.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
      if (!s.empty()) sub.streams.insert(ascii_lower(s));
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    std::lock_guard lock(mutex);
    const std::uint64_t id = next_sub++;
    std::weak_ptr<net::WsConnection> weak = conn;
    conn->on_message([this, id, weak](std::string text) { on_ws_message(id, weak, text); });
    subs.emplace(id, std::move(sub));
    ++stats.ws_connections;
    stats.ws_open = subs.size();
  }

  /// {"method":"SUBSCRIBE"|"UNSUBSCRIBE"|"LIST_SUBSCRIPTIONS","params":[...],"id":N}
  void on_ws_message(std::uint64_t id, const std::weak_ptr<net::WsConnection>& weak, const std::string& text) {
    auto conn = weak.lock();
    if (!conn) return;
    json j = json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("method")) {
      conn->send_text(json{{"error", {{"code", 2}, {"msg", "Invalid request"}}}}.dump());
      return;
    }
    std::lock_guard lock(mutex);
    auto it = subs.find(id);
    if (it == subs.end()) return;
    const std::string method = j.value("method", "");
    json result = nullptr;
    if (j.contains("params") && j["params"].is_array()) {
      for (const json& s : j["params"]) {
        if (!s.is_string()) continue;
        if (method == "SUBSCRIBE") it->second.streams.insert(ascii_lower(s.get<std::string>()));
        if (method == "UNSUBSCRIBE") it->second.streams.erase(ascii_lower(s.get<std::string>()));
      }
    }
    if (method == "LIST_SUBSCRIPTIONS") {
      result = json::array();
      for (const std::string& s : it->second.streams) result.push_back(s);
    }
    conn->send_text(json{{"result", result}, {"id", j.value("id", json(nullptr))}}.dump());
  }
};

// --- MockBinance ---------------------------------------------------------------------------

std::expected<std::unique_ptr<MockBinance>, std::string> MockBinance::start(MockBinanceOptions options) {
  if (options.series.empty()) return std::unexpected("mock binance: no series");
  const auto& first = options.series.begin()->second;
  if (first.empty()) return std::unexpected("mock binance: the first series is empty");
  if (options.start_bar >= first.size()) options.start_bar = first.size() - 1;
  std::unique_ptr<MockBinance> mock(new MockBinance());
  mock->state_ = std::make_unique<State>();
  State& s = *mock->state_;
  s.options = std::move(options);
  for (const auto& [symbol, series] : s.options.series) {
    auto& idx = s.index[symbol];
    for (std::size_t i = 0; i < series.size(); ++i) idx[series[i].open_time_ns / 1'000'000] = i;
  }
  for (const auto& [asset, amount] : s.options.balances) s.balances[asset].free = amount;
  for (const auto& [symbol, series] : s.options.series) {
    s.balances[State::base_of(symbol)];
    s.balances[State::quote_of(symbol)];
  }
  s.now_close_ms = first[s.options.start_bar].open_time_ns / 1'000'000 + s.options.interval_ms;
  s.last_advance_wall_ms = s.wall_ms();

  net::Routes routes;
  State* state = mock->state_.get();
  auto api = [state](const HttpRequest& r) { return state->handle_api(r); };
  for (const char* m : {"GET", "POST", "DELETE", "PUT"}) routes.prefix(m, "/api/", api);
  routes.websocket("/stream", [state](std::shared_ptr<net::WsConnection> c, const HttpRequest& r) { state->accept_ws(std::move(c), r); });
  routes.websocket("/ws", [state](std::shared_ptr<net::WsConnection> c, const HttpRequest& r) { state->accept_ws(std::move(c), r); });
  MockBinance* self = mock.get();
  routes.post("/mock/fault", [self](const HttpRequest& r) {
    const std::string kind = r.query.contains("kind") ? r.query.at("kind") : "";
    const int count = r.query.contains("count") ? std::atoi(r.query.at("count").c_str()) : 1;
    const auto ms = std::chrono::milliseconds(r.query.contains("ms") ? to_i64(r.query.at("ms")) : 0);
    RestFaultFilter f;
    if (r.query.contains("path")) f.path = r.query.at("path");
    if (r.query.contains("method")) f.method = r.query.at("method");
    const int retry_after = r.query.contains("retry_after") ? std::atoi(r.query.at("retry_after").c_str()) : -1;
    if (kind == "drop_ws") self->inject_drop_ws();
    else if (kind == "rest_429") self->inject_rest_429(count, retry_after < 0 ? 1 : retry_after, f);
    else if (kind == "rest_418") self->inject_rest_418(count, retry_after < 0 ? 120 : retry_after, f);
    else if (kind == "rest_500") self->inject_rest_500(count, f);
    else if (kind == "rest_500_after") self->inject_rest_500_after(count, f);
    else if (kind == "rest_delay") self->inject_rest_delay(count, ms, f);
    else if (kind == "ws_malformed") self->inject_ws_malformed(count);
    else if (kind == "ws_missing_fields") self->inject_ws_missing_fields(count);
    else if (kind == "ws_stall") self->inject_ws_stall(ms);
    else if (kind == "clear") self->clear_faults();
    else {
      return HttpResponse{400, "text/plain; charset=utf-8", {},
                          "unknown fault kind \"" + kind +
                              "\"; expected drop_ws, rest_429, rest_418, rest_500, rest_500_after, rest_delay, "
                              "ws_malformed, ws_missing_fields, ws_stall or clear\n"};
    }
    return HttpResponse{200, "text/plain; charset=utf-8", {}, "ok\n"};
  });
  routes.post("/mock/advance", [self](const HttpRequest& r) {
    self->advance(r.query.contains("n") ? std::atoi(r.query.at("n").c_str()) : 1);
    return json_response(200, json{{"now_ms", self->now_ms()}});
  });
  routes.post("/mock/run", [self](const HttpRequest& r) {
    const auto ms = r.query.contains("ms_per_bar") ? to_i64(r.query.at("ms_per_bar")) : 50;
    self->run(std::chrono::milliseconds(std::max<long long>(ms, 1)));
    return HttpResponse{200, "text/plain; charset=utf-8", {}, "running\n"};
  });
  routes.post("/mock/pause", [self](const HttpRequest&) {
    self->pause();
    return HttpResponse{200, "text/plain; charset=utf-8", {}, "paused\n"};
  });
  routes.get("/mock/stats", [self](const HttpRequest&) {
    const MockBinanceStats st = self->stats();
    return json_response(200, json{{"now_ms", self->now_ms()},
                                   {"rest_requests", st.rest_requests},
                                   {"orders_created", st.orders_created},
                                   {"signature_failures", st.signature_failures},
                                   {"timestamp_failures", st.timestamp_failures},
                                   {"faults_fired", st.faults_fired},
                                   {"ws_connections", st.ws_connections},
                                   {"ws_open", st.ws_open},
                                   {"ws_frames_sent", st.ws_frames_sent},
                                   {"ws_malformed_sent", st.ws_malformed_sent},
                                   {"bars_advanced", st.bars_advanced},
                                   {"orders_by_client_id", st.orders_by_client_id}});
  });

  net::ServerOptions server_options;
  server_options.threads = 2;
  auto server = net::HttpServer::start(server_options, std::move(routes));
  if (!server) return std::unexpected("mock binance: " + server.error());
  mock->server_ = std::move(*server);
  return mock;
}

MockBinance::~MockBinance() {
  pause();
  if (server_) server_->stop();  // handlers use the state: stop them first
}

std::string MockBinance::rest_base() const { return server_->base_url(); }
std::string MockBinance::ws_base() const { return server_->ws_url(); }
std::uint16_t MockBinance::port() const { return server_->port(); }

std::int64_t MockBinance::now_ms() const {
  std::lock_guard lock(state_->mutex);
  return state_->now_close_ms;
}

std::int64_t MockBinance::server_time_ms() const {
  std::lock_guard lock(state_->mutex);
  return state_->server_ms();
}

void MockBinance::advance(int n) {
  std::lock_guard lock(state_->mutex);
  for (int i = 0; i < n; ++i) state_->step(/*lapse=*/false);
}

void MockBinance::run(std::chrono::milliseconds per_bar) {
  pause();
  std::lock_guard lock(state_->run_mutex);
  state_->running = true;
  state_->runner = std::thread([this, per_bar] {
    std::unique_lock run_lock(state_->run_mutex);
    while (state_->running) {
      if (state_->run_cv.wait_for(run_lock, per_bar, [&] { return !state_->running; })) break;
      std::lock_guard lock(state_->mutex);
      if (state_->now_close_ms >= state_->end_close_ms()) break;  // the data ran out
      state_->step(/*lapse=*/true);
    }
  });
}

void MockBinance::pause() {
  std::thread runner;
  {
    std::lock_guard lock(state_->run_mutex);
    state_->running = false;
    runner = std::move(state_->runner);
  }
  state_->run_cv.notify_all();
  if (runner.joinable()) runner.join();
}

std::vector<Candle> MockBinance::closed_bars(const std::string& symbol) const {
  std::lock_guard lock(state_->mutex);
  std::vector<Candle> out;
  auto it = state_->options.series.find(symbol);
  if (it == state_->options.series.end()) return out;
  for (const Candle& c : it->second) {
    if (c.open_time_ns / 1'000'000 + state_->options.interval_ms > state_->now_close_ms) break;
    out.push_back(c);
  }
  return out;
}

const std::vector<Candle>& MockBinance::series(const std::string& symbol) const {
  return state_->options.series.at(symbol);
}

void MockBinance::inject_drop_ws() {
  std::lock_guard lock(state_->mutex);
  for (auto& [id, sub] : state_->subs) sub.conn->drop();
  state_->subs.clear();
  state_->stats.ws_open = 0;
}

void MockBinance::inject_rest_429(int count, int retry_after_s, RestFaultFilter f) {
  std::lock_guard lock(state_->mutex);
  state_->rest_faults.push_back({RestFault::Kind::s429, count, retry_after_s, {}, std::move(f)});
}

void MockBinance::inject_rest_418(int count, int retry_after_s, RestFaultFilter f) {
  std::lock_guard lock(state_->mutex);
  state_->rest_faults.push_back({RestFault::Kind::s418, count, retry_after_s, {}, std::move(f)});
}

void MockBinance::inject_rest_500(int count, RestFaultFilter f) {
  std::lock_guard lock(state_->mutex);
  state_->rest_faults.push_back({RestFault::Kind::s500, count, 0, {}, std::move(f)});
}

void MockBinance::inject_rest_500_after(int count, RestFaultFilter f) {
  std::lock_guard lock(state_->mutex);
  state_->rest_faults.push_back({RestFault::Kind::s500_after, count, 0, {}, std::move(f)});
}

void MockBinance::inject_rest_delay(int count, std::chrono::milliseconds ms, RestFaultFilter f) {
  std::lock_guard lock(state_->mutex);
  state_->rest_faults.push_back({RestFault::Kind::delay, count, 0, ms, std::move(f)});
}

void MockBinance::inject_ws_malformed(int count) {
  std::lock_guard lock(state_->mutex);
  state_->ws_malformed += count;
}

void MockBinance::inject_ws_missing_fields(int count) {
  std::lock_guard lock(state_->mutex);
  state_->ws_missing += count;
}

void MockBinance::inject_ws_stall(std::chrono::milliseconds ms) {
  std::lock_guard lock(state_->mutex);
  const std::int64_t until = state_->wall_ms() + ms.count();
  for (auto& [id, sub] : state_->subs) sub.stalled_until_ms = until;
}

void MockBinance::set_used_weight(std::int64_t weight) {
  std::lock_guard lock(state_->mutex);
  state_->weight_minute = state_->server_ms() / 60'000;
  state_->weight_used = weight;
}

void MockBinance::clear_faults() {
  std::lock_guard lock(state_->mutex);
  state_->rest_faults.clear();
  state_->ws_malformed = 0;
  state_->ws_missing = 0;
  for (auto& [id, sub] : state_->subs) sub.stalled_until_ms = 0;
}

MockBinanceStats MockBinance::stats() const {
  std::lock_guard lock(state_->mutex);
  MockBinanceStats s = state_->stats;
  std::uint64_t open = 0;
  for (const auto& [id, sub] : state_->subs) open += sub.conn->open() ? 1 : 0;
  s.ws_open = open;
  return s;
}

double MockBinance::balance(const std::string& asset) const {
  std::lock_guard lock(state_->mutex);
  auto it = state_->balances.find(asset);
  return it == state_->balances.end() ? 0.0 : it->second.free + it->second.locked;
}

// --- data -------------------------------------------------------------------------------------

std::vector<Candle> synthetic_candles(std::uint64_t seed, std::size_t n, double start_price, double gap_probability) {
  Prng prng(seed, 0xC4);
  std::vector<Candle> out;
  out.reserve(n);
  std::int64_t t = 1'617'321'600'000LL * 1'000'000;  // 2021-04-02T00:00:00Z
  double price = start_price;
  for (std::size_t i = 0; i < n; ++i) {
    Candle c;
    c.open_time_ns = t;
    c.open = price;
    c.close = std::round(price * (1.0 + 0.001 * prng.normal()) * 100.0) / 100.0;
    c.high = std::round(std::max(c.open, c.close) * (1.0 + 0.0005 * prng.uniform01()) * 100.0) / 100.0;
    c.low = std::round(std::min(c.open, c.close) * (1.0 - 0.0005 * prng.uniform01()) * 100.0) / 100.0;
    c.volume = std::round(20.0 * prng.uniform01() * 1e6) / 1e6;
    price = c.close;
    out.push_back(c);
    t += 60'000'000'000LL;
    if (gap_probability > 0 && prng.bernoulli(gap_probability)) t += 60'000'000'000LL * prng.range(1, 30);
  }
  return out;
}

std::optional<std::vector<Candle>> real_binance_candles(const std::string& file_name, std::string& why) {
  static std::mutex m;
  static std::map<std::string, std::vector<Candle>> cache;
  std::lock_guard lock(m);
  if (auto it = cache.find(file_name); it != cache.end()) return it->second;
  const auto path = std::filesystem::path(VERITY_SOURCE_DIR) / ".." / "shared" / "data" /
                    "01_binance_spot_1m_btc_bnb_2021" / file_name;
  if (!std::filesystem::exists(path)) {
    why = path.string() + " is absent";
    return std::nullopt;
  }
  auto file = load_candle_file(path.string(), "X", CandleFormat::auto_detect, 60'000'000'000LL);
  if (!file) {
    why = file.error().text();
    return std::nullopt;
  }
  std::vector<Candle> out;
  out.reserve(file->rows.size());
  for (const auto& row : file->rows) {
    Candle c;
    c.open_time_ns = row.bar.open_time_ns;
    c.open = row.bar.open;
    c.high = row.bar.high;
    c.low = row.bar.low;
    c.close = row.bar.close;
    c.volume = row.bar.volume;
    if (!out.empty() && c.open_time_ns <= out.back().open_time_ns) continue;  // keep the series strictly ordered
    out.push_back(c);
  }
  cache[file_name] = out;
  return out;
}

}  // namespace verity::testing
