#include "live/binance_adapters.hpp"

#include <algorithm>
#include <cmath>

#include "actors/feed/timeframe.hpp"
#include "actors/runtime/clock.hpp"
#include "actors/runtime/prng.hpp"
#include "sim/session_inputs.hpp"

namespace verity {

namespace {
constexpr std::int64_t kNsPerMs = 1'000'000;

Timeframe timeframe_of(const Config& c) { return *parse_timeframe(c.session.timeframe); }

std::string base_asset_of(const std::string& symbol) {
  for (const char* quote : {"USDT", "USDC", "BUSD", "FDUSD", "USD"}) {
    const std::string q(quote);
    if (symbol.size() > q.size() && symbol.ends_with(q)) return symbol.substr(0, symbol.size() - q.size());
  }
  return symbol;
}

schema::OrderStatus status_of(const std::string& s) {
  if (s == "FILLED") return schema::OrderStatus::FILLED;
  if (s == "PARTIALLY_FILLED") return schema::OrderStatus::PARTIALLY_FILLED;
  if (s == "CANCELED" || s == "PENDING_CANCEL") return schema::OrderStatus::CANCELED;
  if (s == "REJECTED") return schema::OrderStatus::REJECTED;
  if (s == "EXPIRED" || s == "EXPIRED_IN_MATCH") return schema::OrderStatus::EXPIRED;
  return schema::OrderStatus::NEW;
}
}  // namespace

BinanceRestOptions binance_rest_options(const Config& config) {
  BinanceRestOptions o;
  o.endpoints.rest_base = config.live.rest_base;
  o.endpoints.ws_base = config.live.ws_base;
  o.recv_window_ms = config.live.recv_window_ms;
  o.seed = PrngStreams(config.session.seed).stream("live-rest").next_u64();
  return o;
}

// --- the feed ---------------------------------------------------------------------

BinanceFeed::BinanceFeed(const Config& config, std::chrono::milliseconds stale_after)
    : config_(config), stale_after_(stale_after), rest_(std::make_unique<BinanceRest>(binance_rest_options(config))) {}

BinanceFeed::~BinanceFeed() { stop(); }

std::expected<std::vector<Candle>, std::string> BinanceFeed::history(const std::string& symbol, std::int64_t count) {
  const Timeframe tf = timeframe_of(config_);
  const std::int64_t interval_ms = timeframe_ns(tf) / kNsPerMs;
  auto now = rest_->server_time();
  if (!now) return std::unexpected("server time: " + now.error().text());
  // Only candles closed by the venue's clock: the newest one may still be forming.
  const std::int64_t end_ms = *now / interval_ms * interval_ms;
  auto candles = rest_->klines(symbol, tf, end_ms - count * interval_ms, end_ms);
  if (!candles) return std::unexpected(candles.error().text());
  std::erase_if(*candles, [&](const Candle& c) { return c.open_time_ns / kNsPerMs + interval_ms > *now; });
  return std::move(*candles);
}

std::expected<void, std::string> BinanceFeed::start(const std::map<std::string, std::int64_t>& after_open_ns,
                                                    std::function<void(LiveBar)> sink) {
  auto symbols = split_symbols(config_.session.symbols);
  if (!symbols) return std::unexpected(symbols.error());
  const Timeframe tf = timeframe_of(config_);
  KlineStreamOptions o;
  o.endpoints.rest_base = config_.live.rest_base;
  o.endpoints.ws_base = config_.live.ws_base;
  o.symbols = *symbols;
  o.timeframe = tf;
  o.stale_after = stale_after_;
  o.seed = PrngStreams(config_.session.seed).stream("live-ws").next_u64();
  o.rest = binance_rest_options(config_);
  // From the bar after the last one stepped; a symbol that was ahead sees
  // its last bars again, and the session drops them.
  if (!after_open_ns.empty()) {
    std::int64_t from = after_open_ns.begin()->second;
    for (const auto& [symbol, open_ns] : after_open_ns) from = std::min(from, open_ns);
    o.resume_from_open_ms = (from + timeframe_ns(tf)) / kNsPerMs;
  }
  KlineStreamCallbacks cb;
  cb.on_bar = [sink = std::move(sink)](const std::string& symbol, const Candle& c) {
    LiveClock clock;
    sink(LiveBar{symbol, c, clock.now_ns()});
  };
  stream_ = std::make_unique<KlineStream>(std::move(o), std::move(cb));
  return stream_->start();
}

void BinanceFeed::stop() {
  if (stream_) stream_->stop();
}

MarketFeed::State BinanceFeed::state() const {
  State s;
  if (!stream_) return s;
  const StreamStatus st = stream_->status();
  s.connected = st.connected;
  s.reconnects = st.reconnects;
  s.malformed = st.malformed_frames;
  s.last_error = st.last_error;
  return s;
}

// --- the venue ----------------------------------------------------------------------

BinanceGateway::BinanceGateway(const Config& config, BinanceCredentials credentials)
    : config_(config), rest_(std::make_unique<BinanceRest>(binance_rest_options(config), std::move(credentials))) {}

BinanceGateway::~BinanceGateway() { stop(); }

std::expected<std::string, std::string> BinanceGateway::reconcile() {
  auto symbols = split_symbols(config_.session.symbols);
  if (!symbols) return std::unexpected(symbols.error());
  if (auto synced = rest_->sync_time(); !synced) return std::unexpected("server time: " + synced.error().text());
  auto account = rest_->account();
  if (!account) return std::unexpected("account: " + account.error().text());
  if (!account->can_trade) return std::unexpected("account: the API key may not trade (canTrade is false)");
  std::string out;
  std::vector<std::string> assets = {"USDT"};
  for (const std::string& s : *symbols) assets.push_back(base_asset_of(s));
  for (const std::string& a : assets) {
    const Balance* b = account->find(a);
    out += (out.empty() ? "" : "; ") + a + " free " + std::to_string(b ? b->free : 0.0) + " locked " +
           std::to_string(b ? b->locked : 0.0);
  }
  for (const std::string& s : *symbols) {
    auto filters = rest_->exchange_info(s);
    if (!filters) return std::unexpected("exchangeInfo " + s + ": " + filters.error().text());
    filters_[s] = *filters;
    auto open = rest_->open_orders(s);
    if (!open) return std::unexpected("openOrders " + s + ": " + open.error().text());
    out += "; " + s + ": " + std::to_string(open->size()) + " open order(s)";
    for (const OrderResult& o : *open) out += " [" + o.client_order_id + " " + o.side + " " + std::to_string(o.orig_qty) + "]";
  }
  return out;
}

void BinanceGateway::start(std::function<void(LiveReport)> sink) {
  sink_ = std::move(sink);
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void BinanceGateway::send(OutboundOrder order) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(order));
  }
  cv_.notify_one();
}

void BinanceGateway::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BinanceGateway::run() {
  for (;;) {
    OutboundOrder o;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left: orders already queued are still sent
      o = std::move(queue_.front());
      queue_.pop_front();
    }
    if (o.order.action == schema::OrderAction::NEW) {
      place(o);
    } else {
      cancel(o);
    }
  }
}

double BinanceGateway::step_size(const std::string& symbol) {
  const auto it = filters_.find(symbol);
  return it == filters_.end() ? config_.execution.qty_step : it->second.step_size;
}

schema::RejectReason reject_reason_of(const BinanceError& error) {
  if (error.kind != BinanceError::Kind::rejected) return schema::RejectReason::VENUE_UNAVAILABLE;
  const auto says = [&](std::string_view what) { return error.message.find(what) != std::string::npos; };
  switch (error.code) {
    case -2010:
      if (says("insufficient balance")) return schema::RejectReason::INSUFFICIENT_MARGIN;
      break;
    case -1013:
      if (says("NOTIONAL")) return schema::RejectReason::MIN_NOTIONAL;  // NOTIONAL and MIN_NOTIONAL
      if (says("LOT_SIZE") || says("PRICE_FILTER")) return schema::RejectReason::PRECISION;
      break;
    case -1111:  // "Precision is over the maximum defined for this asset."
      return schema::RejectReason::PRECISION;
    default:
      break;
  }
  return schema::RejectReason::VENUE_UNAVAILABLE;
}

void BinanceGateway::reject(const OutboundOrder& o, const std::string& why, schema::RejectReason reason) {
  if (reason == schema::RejectReason::VENUE_UNAVAILABLE) ++errors_;
  FillSpec f;
  f.order_id = o.order.order_id;
  f.exec_id = next_exec_++;
  f.symbol = o.order.symbol;
  f.side = o.order.side;
  f.status = schema::OrderStatus::REJECTED;
  f.leaves_qty = 0;
  f.reject_reason = reason;
  f.detail = why;
  LiveClock clock;
  f.time_ns = clock.now_ns();
  sink_(LiveReport{f});
}

void BinanceGateway::place(const OutboundOrder& o) {
  client_ids_[o.order.order_id] = o.client_order_id;
  symbols_[o.order.order_id] = o.order.symbol;
  NewOrder n;
  n.symbol = o.order.symbol;
  n.side = o.order.side == schema::Side::BUY ? OrderSide::buy : OrderSide::sell;
  n.type = o.order.type == schema::OrderType::LIMIT ? OrderType::limit : OrderType::market;
  n.quantity = round_down_to_step(o.order.qty, step_size(o.order.symbol));
  n.price = o.order.limit_price;
  n.client_order_id = o.client_order_id;
  if (n.quantity <= 0) {
    return reject(o, "quantity " + std::to_string(o.order.qty) + " rounds to 0 at the venue's step",
                  schema::RejectReason::ZERO_SIZE);
  }
  auto placed = rest_->new_order(n);
  if (!placed) {
    return reject(o, "new order " + o.client_order_id + ": " + placed.error().text(), reject_reason_of(placed.error()));
  }
  const OrderResult& r = *placed;
  const std::string base = base_asset_of(o.order.symbol);
  double cum = 0;
  for (const Fill& fill : r.fills) {
    cum += fill.qty;
    FillSpec f;
    f.order_id = o.order.order_id;
    f.exec_id = next_exec_++;
    f.symbol = o.order.symbol;
    f.side = o.order.side;
    f.qty = fill.qty;
    f.price = fill.price;
    f.cum_qty = cum;
    f.leaves_qty = std::max(0.0, r.orig_qty - cum);
    f.status = f.leaves_qty > 0 ? schema::OrderStatus::PARTIALLY_FILLED : schema::OrderStatus::FILLED;
    f.time_ns = r.time_ms * kNsPerMs;
    if (fill.commission_asset == "USDT" || fill.commission_asset.empty()) {
      f.fee_usd = fill.commission;
    } else if (fill.commission_asset == base) {
      f.fee_usd = fill.commission * fill.price;
    } else {
      f.fee_usd = fill.qty * fill.price * config_.execution.taker_fee_bps / 10'000.0;
      f.detail = "fee paid in " + fill.commission_asset + ", estimated at taker_fee_bps";
    }
    sink_(LiveReport{f});
  }
  if (r.fills.empty()) {
    // Accepted, nothing filled yet (a resting limit), or refused after the fact.
    FillSpec f;
    f.order_id = o.order.order_id;
    f.exec_id = next_exec_++;
    f.symbol = o.order.symbol;
    f.side = o.order.side;
    f.status = status_of(r.status);
    f.cum_qty = r.executed_qty;
    f.leaves_qty = std::max(0.0, r.orig_qty - r.executed_qty);
    f.time_ns = r.time_ms * kNsPerMs;
    f.detail = "venue status " + r.status;
    sink_(LiveReport{f});
  }
}

void BinanceGateway::cancel(const OutboundOrder& o) {
  const auto id = client_ids_.find(o.order.target_order_id);
  if (id == client_ids_.end()) return reject(o, "cancel of an order this gateway never sent");
  auto done = rest_->cancel_order(symbols_[o.order.target_order_id], id->second);
  if (!done) return reject(o, "cancel " + id->second + ": " + done.error().text());
  FillSpec f;
  f.order_id = o.order.target_order_id;
  f.exec_id = next_exec_++;
  f.symbol = o.order.symbol;
  f.side = o.order.side;
  f.status = schema::OrderStatus::CANCELED;
  f.cum_qty = done->executed_qty;
  f.time_ns = done->time_ms * kNsPerMs;
  f.detail = "canceled";
  sink_(LiveReport{f});
}

}  // namespace verity
