#include "live/binance/binance_json.hpp"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

namespace verity::binance {

using nlohmann::json;

namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;

std::string type_of(const json& j) {
  if (j.is_string()) return "the string \"" + j.get_ref<const std::string&>().substr(0, 40) + "\"";
  if (j.is_discarded()) return "nothing";
  std::string dumped = j.dump();
  if (dumped.size() > 40) dumped = dumped.substr(0, 40) + "...";
  return std::string(j.type_name()) + " " + dumped;
}

/// Reads fields of one JSON object; the first problem is kept, later reads
/// return defaults, and ok()/error() report it. Never throws.
class Fields {
 public:
  Fields(const json& obj, std::string where) : obj_(obj), where_(std::move(where)) {
    if (!obj_.is_object()) error_ = where_ + ": expected a JSON object, got " + type_of(obj_);
  }

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  const json* get(const char* key, const char* expected) {
    if (!ok()) return nullptr;
    auto it = obj_.find(key);
    if (it == obj_.end()) {
      error_ = where_ + ": field \"" + key + "\" is missing; expected " + expected;
      return nullptr;
    }
    return &*it;
  }
  bool has(const char* key) const { return obj_.is_object() && obj_.contains(key); }

  std::string str(const char* key) {
    const json* v = get(key, "a string");
    if (v == nullptr) return {};
    if (!v->is_string()) return fail(key, "a string", *v), std::string();
    return v->get<std::string>();
  }
  double decimal(const char* key) {
    const json* v = get(key, "a decimal string");
    if (v == nullptr) return 0;
    std::optional<double> d;
    if (v->is_string()) d = parse_decimal(v->get_ref<const std::string&>());
    else if (v->is_number()) d = v->get<double>();
    if (!d) return fail(key, "a decimal string such as \"0.0010\"", *v), 0.0;
    return *d;
  }
  std::int64_t integer(const char* key) {
    const json* v = get(key, "an integer");
    if (v == nullptr) return 0;
    if (!v->is_number_integer()) return fail(key, "an integer", *v), 0;
    return v->get<std::int64_t>();
  }
  bool boolean(const char* key) {
    const json* v = get(key, "true or false");
    if (v == nullptr) return false;
    if (!v->is_boolean()) return fail(key, "true or false", *v), false;
    return v->get<bool>();
  }
  const json* array(const char* key) {
    const json* v = get(key, "an array");
    if (v == nullptr) return nullptr;
    if (!v->is_array()) return fail(key, "an array", *v), nullptr;
    return v;
  }
  const json* object(const char* key) {
    const json* v = get(key, "an object");
    if (v == nullptr) return nullptr;
    if (!v->is_object()) return fail(key, "an object", *v), nullptr;
    return v;
  }
  /// Takes on a nested reader's error.
  void absorb(const Fields& other) {
    if (ok() && !other.ok()) error_ = other.error_;
  }
  void fail_with(std::string message) {
    if (ok()) error_ = where_ + ": " + std::move(message);
  }

 private:
  void fail(const char* key, const char* expected, const json& got) {
    error_ = where_ + ": field \"" + key + "\": expected " + expected + ", got " + type_of(got);
  }

  const json& obj_;
  std::string where_;
  std::string error_;
};

std::expected<json, std::string> parse_json(std::string_view body, std::string_view what) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    std::string head(body.substr(0, 60));
    return std::unexpected(std::string(what) + ": not valid JSON (starts \"" + head + "\")");
  }
  return j;
}

std::expected<OrderResult, std::string> read_order(const json& j, const std::string& where) {
  Fields f(j, where);
  OrderResult o;
  o.symbol = f.str("symbol");
  o.order_id = f.integer("orderId");
  // A cancel answers with the original id in origClientOrderId and a new one in clientOrderId.
  o.client_order_id = f.has("origClientOrderId") ? f.str("origClientOrderId") : f.str("clientOrderId");
  o.status = f.str("status");
  o.price = f.decimal("price");
  o.orig_qty = f.decimal("origQty");
  o.executed_qty = f.decimal("executedQty");
  o.cumulative_quote_qty = f.decimal("cummulativeQuoteQty");  // sic: Binance's spelling
  if (f.has("type")) o.type = f.str("type");
  if (f.has("side")) o.side = f.str("side");
  if (f.has("timeInForce")) o.time_in_force = f.str("timeInForce");
  if (f.has("transactTime")) o.time_ms = f.integer("transactTime");
  else if (f.has("updateTime")) o.time_ms = f.integer("updateTime");
  if (f.has("fills")) {
    if (const json* fills = f.array("fills")) {
      for (std::size_t i = 0; i < fills->size() && f.ok(); ++i) {
        Fields ff((*fills)[i], where + ".fills[" + std::to_string(i) + "]");
        Fill fill;
        fill.price = ff.decimal("price");
        fill.qty = ff.decimal("qty");
        fill.commission = ff.decimal("commission");
        fill.commission_asset = ff.str("commissionAsset");
        if (ff.has("tradeId")) fill.trade_id = ff.integer("tradeId");
        f.absorb(ff);
        o.fills.push_back(std::move(fill));
      }
    }
  }
  if (!f.ok()) return std::unexpected(f.error());
  return o;
}

std::expected<KlineEvent, std::string> read_kline_event(const json& data) {
  Fields f(data, "kline event");
  KlineEvent e;
  e.event_ms = f.integer("E");
  e.symbol = f.str("s");
  const json* k = f.object("k");
  if (!f.ok()) return std::unexpected(f.error());
  Fields kf(*k, "kline event field k");
  e.open_ms = kf.integer("t");
  e.close_ms = kf.integer("T");
  const std::string ksymbol = kf.str("s");
  e.interval = kf.str("i");
  e.candle.open = kf.decimal("o");
  e.candle.high = kf.decimal("h");
  e.candle.low = kf.decimal("l");
  e.candle.close = kf.decimal("c");
  e.candle.volume = kf.decimal("v");
  e.closed = kf.boolean("x");
  if (!kf.ok()) return std::unexpected(kf.error());
  if (ksymbol != e.symbol) {
    return std::unexpected("kline event: k.s \"" + ksymbol + "\" differs from s \"" + e.symbol + "\"");
  }
  if (e.close_ms < e.open_ms) return std::unexpected("kline event: k.T is before k.t");
  e.candle.open_time_ns = e.open_ms * kNsPerMs;
  return e;
}

std::expected<Trade, std::string> read_trade_event(const json& data) {
  Fields f(data, "trade event");
  Trade t;
  t.symbol = f.str("s");
  t.trade_id = f.integer("t");
  t.price = f.decimal("p");
  t.qty = f.decimal("q");
  t.time_ms = f.integer("T");
  t.buyer_is_maker = f.boolean("m");
  if (!f.ok()) return std::unexpected(f.error());
  return t;
}

}  // namespace

std::optional<double> parse_decimal(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double value = 0;
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  if (*begin == '+') return std::nullopt;
  auto [ptr, ec] = std::from_chars(begin, end, value, std::chars_format::general);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<ApiError> parse_api_error(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto code = j.find("code");
  auto msg = j.find("msg");
  if (code == j.end() || !code->is_number_integer()) return std::nullopt;
  ApiError e;
  e.code = code->get<int>();
  if (msg != j.end() && msg->is_string()) e.msg = msg->get<std::string>();
  return e;
}

std::expected<std::int64_t, std::string> parse_server_time(std::string_view body) {
  auto j = parse_json(body, "server time");
  if (!j) return std::unexpected(j.error());
  Fields f(*j, "server time");
  const std::int64_t t = f.integer("serverTime");
  if (!f.ok()) return std::unexpected(f.error());
  return t;
}

std::expected<std::vector<KlineRow>, std::string> parse_klines(std::string_view body) {
  auto j = parse_json(body, "klines");
  if (!j) return std::unexpected(j.error());
  if (!j->is_array()) return std::unexpected("klines: expected an array of rows, got " + type_of(*j));
  std::vector<KlineRow> rows;
  rows.reserve(j->size());
  for (std::size_t i = 0; i < j->size(); ++i) {
    const json& row = (*j)[i];
    const std::string where = "klines row " + std::to_string(i);
    if (!row.is_array() || row.size() < 7) {
      return std::unexpected(where + ": expected an array of at least 7 fields, got " + type_of(row));
    }
    static constexpr const char* kNames[] = {"open time", "open", "high", "low", "close", "volume", "close time"};
    KlineRow r;
    if (!row[0].is_number_integer()) return std::unexpected(where + ", field 0 (open time): expected integer ms, got " + type_of(row[0]));
    if (!row[6].is_number_integer()) return std::unexpected(where + ", field 6 (close time): expected integer ms, got " + type_of(row[6]));
    r.open_ms = row[0].get<std::int64_t>();
    r.close_ms = row[6].get<std::int64_t>();
    double values[5];
    for (int c = 1; c <= 5; ++c) {
      std::optional<double> d;
      if (row[c].is_string()) d = parse_decimal(row[c].get_ref<const std::string&>());
      if (!d) {
        return std::unexpected(where + ", field " + std::to_string(c) + " (" + kNames[c] +
                               "): expected a decimal string, got " + type_of(row[c]));
      }
      values[c - 1] = *d;
    }
    r.candle.open_time_ns = r.open_ms * kNsPerMs;
    r.candle.open = values[0];
    r.candle.high = values[1];
    r.candle.low = values[2];
    r.candle.close = values[3];
    r.candle.volume = values[4];
    rows.push_back(r);
  }
  return rows;
}

std::expected<SymbolFilters, std::string> parse_exchange_info(std::string_view body, const std::string& symbol) {
  auto j = parse_json(body, "exchangeInfo");
  if (!j) return std::unexpected(j.error());
  Fields top(*j, "exchangeInfo");
  const json* symbols = top.array("symbols");
  if (!top.ok()) return std::unexpected(top.error());
  for (std::size_t i = 0; i < symbols->size(); ++i) {
    Fields f((*symbols)[i], "exchangeInfo symbols[" + std::to_string(i) + "]");
    if (f.str("symbol") != symbol) {
      if (!f.ok()) return std::unexpected(f.error());
      continue;
    }
    SymbolFilters s;
    s.symbol = symbol;
    s.status = f.str("status");
    s.base_asset = f.str("baseAsset");
    s.quote_asset = f.str("quoteAsset");
    const json* filters = f.array("filters");
    if (!f.ok()) return std::unexpected(f.error());
    for (std::size_t k = 0; k < filters->size(); ++k) {
      Fields ff((*filters)[k], "exchangeInfo " + symbol + " filters[" + std::to_string(k) + "]");
      const std::string type = ff.str("filterType");
      if (type == "PRICE_FILTER") {
        s.min_price = ff.decimal("minPrice");
        s.max_price = ff.decimal("maxPrice");
        s.tick_size = ff.decimal("tickSize");
      } else if (type == "LOT_SIZE") {
        s.min_qty = ff.decimal("minQty");
        s.max_qty = ff.decimal("maxQty");
        s.step_size = ff.decimal("stepSize");
      } else if (type == "NOTIONAL" || type == "MIN_NOTIONAL") {
        s.min_notional = ff.decimal("minNotional");
      }
      if (!ff.ok()) return std::unexpected(ff.error());
    }
    return s;
  }
  return std::unexpected("exchangeInfo: symbol " + symbol + " is not listed");
}

std::expected<OrderResult, std::string> parse_order(std::string_view body) {
  auto j = parse_json(body, "order");
  if (!j) return std::unexpected(j.error());
  return read_order(*j, "order");
}

std::expected<std::vector<OrderResult>, std::string> parse_orders(std::string_view body) {
  auto j = parse_json(body, "openOrders");
  if (!j) return std::unexpected(j.error());
  if (!j->is_array()) return std::unexpected("openOrders: expected an array of orders, got " + type_of(*j));
  std::vector<OrderResult> out;
  for (std::size_t i = 0; i < j->size(); ++i) {
    auto o = read_order((*j)[i], "openOrders[" + std::to_string(i) + "]");
    if (!o) return std::unexpected(o.error());
    out.push_back(std::move(*o));
  }
  return out;
}

std::expected<AccountInfo, std::string> parse_account(std::string_view body) {
  auto j = parse_json(body, "account");
  if (!j) return std::unexpected(j.error());
  Fields f(*j, "account");
  AccountInfo a;
  a.can_trade = f.boolean("canTrade");
  if (f.has("updateTime")) a.update_time_ms = f.integer("updateTime");
  const json* balances = f.array("balances");
  if (!f.ok()) return std::unexpected(f.error());
  for (std::size_t i = 0; i < balances->size(); ++i) {
    Fields bf((*balances)[i], "account balances[" + std::to_string(i) + "]");
    Balance b;
    b.asset = bf.str("asset");
    b.free = bf.decimal("free");
    b.locked = bf.decimal("locked");
    if (!bf.ok()) return std::unexpected(bf.error());
    a.balances.push_back(std::move(b));
  }
  return a;
}

std::expected<StreamFrame, std::string> parse_stream_frame(std::string_view text) {
  auto j = parse_json(text, "stream frame");
  if (!j) return std::unexpected(j.error());
  if (!j->is_object()) return std::unexpected("stream frame: expected a JSON object, got " + type_of(*j));
  StreamFrame frame;
  const json* data = &*j;
  if (j->contains("stream") || j->contains("data")) {
    Fields f(*j, "combined stream frame");
    frame.stream = f.str("stream");
    data = f.object("data");
    if (!f.ok()) return std::unexpected(f.error());
  } else if (j->contains("result") && j->contains("id")) {
    frame.kind = StreamFrame::Kind::reply;
    return frame;
  }
  auto e = data->find("e");
  if (e == data->end() || !e->is_string()) {
    return std::unexpected("stream frame: field \"e\" (event type) is missing or not a string");
  }
  const std::string& type = e->get_ref<const std::string&>();
  if (type == "kline") {
    auto k = read_kline_event(*data);
    if (!k) return std::unexpected(k.error());
    frame.kind = StreamFrame::Kind::kline;
    frame.kline = std::move(*k);
  } else if (type == "trade") {
    auto t = read_trade_event(*data);
    if (!t) return std::unexpected(t.error());
    frame.kind = StreamFrame::Kind::trade;
    frame.trade = std::move(*t);
  }
  return frame;
}

}  // namespace verity::binance
