#include "actors/execution/sim_venue.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "actors/execution/instrument.hpp"
#include "actors/risk/risk_engine.hpp"
#include "actors/runtime/detmath.hpp"

namespace verity {

namespace {
constexpr std::int64_t kMinuteNs = 60'000'000'000;

bool is_buy(schema::Side s) { return s == schema::Side::BUY; }
double sign_of(schema::Side s) { return is_buy(s) ? 1.0 : -1.0; }

std::string num(double v) {
  // Shortest round-trip text, so details name the exact values checked.
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  char shorter[32];
  for (int digits = 1; digits < 17; ++digits) {
    std::snprintf(shorter, sizeof shorter, "%.*g", digits, v);
    if (std::strtod(shorter, nullptr) == v) return shorter;
  }
  return s;
}
}  // namespace

VenueOrder VenueOrder::from_spec(std::uint64_t order_id, const OrderSpec& spec, std::int64_t time_ns) {
  VenueOrder o;
  o.order_id = order_id;
  o.symbol = spec.symbol;
  o.side = spec.side;
  o.type = schema::OrderType::MARKET;
  o.qty = spec.qty;
  o.stop_loss = spec.stop_loss;
  o.take_profit = spec.take_profit;
  o.reduce_only = spec.reduce_only;
  o.ref_price = spec.ref_price;
  o.time_ns = time_ns;
  return o;
}

SimVenue::SimVenue(const Config& config, const ExecutionMetrics* metrics, Prng prng)
    : exec_(config.execution),
      stress_(config.stress),
      min_notional_usd_(config.risk.min_notional_usd),
      costs_(exec_, metrics),
      prng_(prng),
      ledger_(config.portfolio.initial_balance_usd) {}

SimVenue::SimVenue(const Config& config, const ExecutionMetrics* metrics)
    : SimVenue(config, metrics, PrngStreams(config.session.seed).stream("execution")) {}

double SimVenue::position(const std::string& symbol) const {
  auto it = ledger_.positions().find(symbol);
  return it == ledger_.positions().end() ? 0.0 : it->second.qty;
}

// --- stress windows -------------------------------------------------------

bool SimVenue::in_window(std::int64_t time_ns, std::int64_t at_min, std::int64_t minutes) const {
  if (at_min < 0 || minutes <= 0 || !first_bar_ns_) return false;
  const std::int64_t start = *first_bar_ns_ + at_min * kMinuteNs;
  return time_ns >= start && time_ns < start + minutes * kMinuteNs;
}

bool SimVenue::outage_at(std::int64_t t) const { return in_window(t, stress_.outage_at_min, stress_.outage_minutes); }
bool SimVenue::reject_storm_at(std::int64_t t) const {
  return in_window(t, stress_.reject_storm_at_min, stress_.reject_storm_minutes);
}
bool SimVenue::latency_spike_at(std::int64_t t) const {
  return in_window(t, stress_.latency_spike_at_min, stress_.latency_spike_minutes);
}

// --- helpers --------------------------------------------------------------

std::int64_t SimVenue::arrival_time(const VenueOrder& o) const { return o.time_ns != 0 ? o.time_ns : now_ns_; }

double SimVenue::draw_latency_ms(std::int64_t time_ns) {
  // Exponential with the configured mean: -mean ln(1 - u), u in [0, 1).
  const double u = prng_.uniform01();
  double ms = exec_.latency_ms > 0 ? -exec_.latency_ms * det_log(1.0 - u) : 0.0;
  if (latency_spike_at(time_ns)) ms += static_cast<double>(stress_.latency_spike_ms);
  return ms;
}

double SimVenue::budget(double volume) const {
  if (!(volume > 0)) return 0.0;
  const double cap = volume * exec_.participation_pct / 100.0;
  return exec_.qty_step > 0 ? floor_to_step(cap, exec_.qty_step) : cap;
}

double SimVenue::reducible(const std::string& symbol, schema::Side side) const {
  const double q = position(symbol);
  const bool reduces = (is_buy(side) && q < 0) || (!is_buy(side) && q > 0);
  return reduces ? std::fabs(q) : 0.0;
}

bool SimVenue::margin_ok(const std::string& symbol, schema::Side side, double qty, double price) const {
  const double q = position(symbol);
  const double after = q + sign_of(side) * qty;
  if (std::fabs(after) <= std::fabs(q)) return true;  // it shrinks exposure: never refused for margin
  double notional = std::fabs(after) * price;
  for (const auto& [s, p] : ledger_.positions()) {
    if (s != symbol) notional += std::fabs(p.qty) * p.mark;
  }
  return notional <= ledger_.equity_usd() * exec_.max_leverage * (1 + 1e-9);
}

double SimVenue::fee_usd(double qty, double price, schema::Liquidity liq) const {
  const double bps = liq == schema::Liquidity::MAKER ? costs_.maker_fee_bps() : costs_.taker_fee_bps();
  return qty * price * bps / 1e4;
}

double SimVenue::taker_price(const std::string& symbol, schema::Side side, double reference, std::int64_t time_ns,
                             bool late) {
  // Both draws happen on every taker fill, so the stream advances the same
  // way whether or not the latency budget was exceeded.
  const double spread = costs_.draw_spread_bps(symbol, time_ns, prng_);
  double slip = costs_.draw_slippage_bps(symbol, time_ns, prng_);
  if (late) slip = costs_.p90_slippage_bps(symbol, time_ns);
  const double cost = (spread / 2.0 + slip) / 1e4;
  return is_buy(side) ? reference * (1 + cost) : reference * (1 - cost);
}

void SimVenue::book(const std::string& symbol, schema::Side side, double qty, double price, double fee) {
  ledger_.apply_fill(symbol, side, qty, price, fee);
  if (position(symbol) == 0) brackets_.erase(symbol);
}

FillSpec SimVenue::report(const VenueOrder& o, schema::OrderStatus status, std::int64_t time_ns, std::string detail) {
  FillSpec f;
  f.order_id = o.order_id;
  f.exec_id = next_exec_id_++;
  f.symbol = o.symbol;
  f.side = o.side;
  f.status = status;
  f.time_ns = time_ns;
  f.detail = std::move(detail);
  return f;
}

FillSpec SimVenue::rejected(const VenueOrder& o, schema::RejectReason reason, std::string detail,
                            std::int64_t time_ns) {
  FillSpec f = report(o, schema::OrderStatus::REJECTED, time_ns, std::move(detail));
  f.reject_reason = reason;
  return f;
}

FillSpec SimVenue::fill_order(Working& w, double qty, double price, schema::Liquidity liq, std::int64_t time_ns,
                              std::string detail) {
  const VenueOrder& o = w.order;
  const double before = position(o.symbol);
  const double fee = fee_usd(qty, price, liq);
  book(o.symbol, o.side, qty, price, fee);
  const double after = position(o.symbol);
  // Only an order that opened, added to or flipped the position sets its
  // bracket; one that shrank it leaves the bracket of what remains alone.
  const bool grew = std::fabs(after) > std::fabs(before) || (after != 0 && (after > 0) != (before > 0));
  if (!o.reduce_only && after != 0 && grew) {
    Bracket& b = brackets_[o.symbol];
    b = Bracket{o.stop_loss, o.take_profit, o.order_id, false, 0.0};
  }
  w.cum_qty += qty;
  w.leaves_qty = qty >= w.leaves_qty ? 0.0 : w.leaves_qty - qty;
  if (w.leaves_qty <= 1e-12 * std::max(1.0, o.qty)) w.leaves_qty = 0;
  FillSpec f = report(o, w.leaves_qty == 0 ? schema::OrderStatus::FILLED : schema::OrderStatus::PARTIALLY_FILLED,
                      time_ns, std::move(detail));
  f.qty = qty;
  f.price = price;
  f.fee_usd = fee;
  f.liquidity = liq;
  f.cum_qty = w.cum_qty;
  f.leaves_qty = w.leaves_qty;
  return f;
}

// --- orders ---------------------------------------------------------------

std::vector<FillSpec> SimVenue::on_order(const VenueOrder& order) {
  switch (order.action) {
    case schema::OrderAction::CANCEL: return on_cancel(order);
    case schema::OrderAction::REPLACE: return on_replace(order);
    case schema::OrderAction::NEW: break;
  }
  return on_new(order);
}

std::vector<FillSpec> SimVenue::on_new(const VenueOrder& o) {
  using R = schema::RejectReason;
  const std::int64_t t = arrival_time(o);
  auto reject = [&](R reason, std::string detail) { return std::vector<FillSpec>{rejected(o, reason, detail, t)}; };
  if (outage_at(t)) return reject(R::VENUE_UNAVAILABLE, "venue outage");
  if (reject_storm_at(t)) return reject(R::VENUE_UNAVAILABLE, "reject storm");
  if (!(o.qty > 0)) return reject(R::ZERO_SIZE, "quantity is not positive");
  auto m = markets_.find(o.symbol);
  if (m == markets_.end() || !m->second.last_bar) return reject(R::VENUE_UNAVAILABLE, "no price for " + o.symbol + " yet");
  if (working_.count(o.order_id) != 0) return reject(R::UNKNOWN_ORDER, "order id already working");
  const bool limit = o.type == schema::OrderType::LIMIT, stop = o.type == schema::OrderType::STOP;
  if (limit && !(o.limit_price > 0)) return reject(R::PRECISION, "limit order without a limit price");
  if (stop && !(o.stop_price > 0)) return reject(R::PRECISION, "stop order without a stop price");
  if (!on_grid(o.qty, exec_.qty_step)) {
    return reject(R::PRECISION, "quantity " + num(o.qty) + " is not a multiple of the step " + num(exec_.qty_step));
  }
  if (limit && !on_grid(o.limit_price, exec_.price_tick)) {
    return reject(R::PRECISION,
                  "limit " + num(o.limit_price) + " is not a multiple of the tick " + num(exec_.price_tick));
  }
  if (stop && !on_grid(o.stop_price, exec_.price_tick)) {
    return reject(R::PRECISION, "stop " + num(o.stop_price) + " is not a multiple of the tick " + num(exec_.price_tick));
  }
  double qty = o.qty;
  if (o.reduce_only) {
    const double r = reducible(o.symbol, o.side);
    if (!(r > 0)) return reject(R::NO_POSITION, "reduce-only order with nothing to reduce");
    qty = std::min(qty, r);
  }
  const double price = limit ? o.limit_price : (stop ? o.stop_price : m->second.last_bar->close);
  if (!o.reduce_only && qty * price < min_notional_usd_) {
    return reject(R::MIN_NOTIONAL, "notional " + num(qty * price) + " USD is below the venue minimum " +
                                       num(min_notional_usd_) + " USD");
  }
  if (!o.reduce_only && !margin_ok(o.symbol, o.side, qty, price)) {
    return reject(R::INSUFFICIENT_MARGIN, "open notional would exceed equity x " + num(exec_.max_leverage));
  }
  const double latency = draw_latency_ms(t);
  Working& w = working_[o.order_id];
  w.order = o;
  w.order.qty = qty;
  w.leaves_qty = qty;
  return on_arrival(w, t, latency);
}

std::vector<FillSpec> SimVenue::on_arrival(Working& w, std::int64_t t, double latency_ms) {
  const VenueOrder& o = w.order;
  const BarData& last = *markets_.at(o.symbol).last_bar;
  const bool buy = is_buy(o.side);
  const bool late = latency_ms > exec_.latency_budget_ms;
  const std::string note =
      late ? " (latency " + std::to_string(std::llround(latency_ms)) + " ms over budget: p90 slippage)" : "";
  double cap = std::min(w.leaves_qty, budget(last.volume));
  if (o.reduce_only) cap = std::min(cap, reducible(o.symbol, o.side));
  std::vector<FillSpec> out;
  auto rest = [&](std::string detail) {
    FillSpec f = report(o, schema::OrderStatus::NEW, t, std::move(detail));
    f.cum_qty = w.cum_qty;
    f.leaves_qty = w.leaves_qty;
    out.push_back(f);
  };
  switch (o.type) {
    case schema::OrderType::MARKET:
      if (cap > 0) {
        const double price = taker_price(o.symbol, o.side, last.close, t, late);
        out.push_back(fill_order(w, cap, price, schema::Liquidity::TAKER, t, "market" + note));
      } else {
        rest("market (resting: the last bar leaves nothing under the participation cap)");
      }
      break;
    case schema::OrderType::LIMIT: {
      const bool marketable = buy ? o.limit_price >= last.close : o.limit_price <= last.close;
      if (marketable && cap > 0) {
        const double taker = taker_price(o.symbol, o.side, last.close, t, late);
        const double price = buy ? std::min(o.limit_price, taker) : std::max(o.limit_price, taker);
        out.push_back(fill_order(w, cap, price, schema::Liquidity::TAKER, t, "limit (marketable on arrival)" + note));
      } else {
        rest("limit (resting)");
      }
      break;
    }
    case schema::OrderType::STOP: {
      const bool beyond = buy ? last.close >= o.stop_price : last.close <= o.stop_price;
      if (beyond) w.triggered = true;
      if (beyond && cap > 0) {
        const double price = taker_price(o.symbol, o.side, last.close, t, late);
        out.push_back(fill_order(w, cap, price, schema::Liquidity::TAKER, t, "stop order (triggered on arrival)" + note));
      } else {
        rest(beyond ? "stop order (triggered on arrival; resting: nothing under the participation cap)"
                    : "stop order (resting)");
      }
      break;
    }
  }
  if (w.leaves_qty == 0) working_.erase(o.order_id);
  return out;
}

std::vector<FillSpec> SimVenue::on_cancel(const VenueOrder& o) {
  const std::int64_t t = arrival_time(o);
  if (outage_at(t)) return {rejected(o, schema::RejectReason::VENUE_UNAVAILABLE, "venue outage", t)};
  auto it = working_.find(o.target_order_id);
  if (it == working_.end()) {
    return {rejected(o, schema::RejectReason::UNKNOWN_ORDER,
                     "cancel of order " + std::to_string(o.target_order_id) + ", which is not working", t)};
  }
  const Working& w = it->second;
  FillSpec f = report(w.order, schema::OrderStatus::CANCELED, t, "canceled by order " + std::to_string(o.order_id));
  f.cum_qty = w.cum_qty;
  f.leaves_qty = 0;
  working_.erase(it);
  return {f};
}

std::vector<FillSpec> SimVenue::on_replace(const VenueOrder& o) {
  using R = schema::RejectReason;
  const std::int64_t t = arrival_time(o);
  auto reject = [&](R reason, std::string detail) { return std::vector<FillSpec>{rejected(o, reason, detail, t)}; };
  if (outage_at(t)) return reject(R::VENUE_UNAVAILABLE, "venue outage");
  if (reject_storm_at(t)) return reject(R::VENUE_UNAVAILABLE, "reject storm");
  auto it = working_.find(o.target_order_id);
  const std::string target = std::to_string(o.target_order_id);
  if (it == working_.end()) return reject(R::UNKNOWN_ORDER, "replace of order " + target + ", which is not working");
  Working& w = it->second;
  const bool limit = w.order.type == schema::OrderType::LIMIT, stop = w.order.type == schema::OrderType::STOP;
  if (!(limit || (stop && !w.triggered))) {
    return reject(R::UNKNOWN_ORDER, "order " + target + " is not a resting limit or stop order");
  }
  const double qty = o.qty > 0 ? o.qty : w.order.qty;
  const double limit_price = limit && o.limit_price > 0 ? o.limit_price : w.order.limit_price;
  const double stop_price = stop && o.stop_price > 0 ? o.stop_price : w.order.stop_price;
  if (!on_grid(qty, exec_.qty_step)) return reject(R::PRECISION, "quantity " + num(qty) + " is not on the step");
  if (limit && !on_grid(limit_price, exec_.price_tick)) return reject(R::PRECISION, "limit is not on the tick");
  if (stop && !on_grid(stop_price, exec_.price_tick)) return reject(R::PRECISION, "stop is not on the tick");
  if (!(qty > w.cum_qty)) return reject(R::ZERO_SIZE, "replace quantity is not above the filled quantity");
  const double price = limit ? limit_price : stop_price;
  if (!w.order.reduce_only && qty > w.order.qty && !margin_ok(w.order.symbol, w.order.side, qty - w.cum_qty, price)) {
    return reject(R::INSUFFICIENT_MARGIN, "open notional would exceed equity x " + num(exec_.max_leverage));
  }
  w.order.qty = qty;
  w.order.limit_price = limit_price;
  w.order.stop_price = stop_price;
  w.leaves_qty = qty - w.cum_qty;
  // A replaced order is checked like a new arrival (a limit moved through
  // the market fills now as taker); no new latency is drawn.
  std::vector<FillSpec> out = on_arrival(w, t, 0.0);
  for (FillSpec& f : out) f.detail = "replaced by order " + std::to_string(o.order_id) + ": " + f.detail;
  return out;
}

// --- bars -----------------------------------------------------------------

std::vector<FillSpec> SimVenue::on_bar(const BarData& bar) {
  if (!first_bar_ns_) first_bar_ns_ = bar.open_time_ns;
  now_ns_ = std::max(now_ns_, bar.open_time_ns + bar.interval_ns);
  std::vector<FillSpec> out;
  // During an outage the venue fills nothing, even if a bar reaches it.
  if (!outage_at(bar.open_time_ns)) work_bar(bar, out);
  markets_[bar.symbol].last_bar = bar;
  ledger_.mark(bar.symbol, bar.close);
  return out;
}

void SimVenue::work_bar(const BarData& bar, std::vector<FillSpec>& out) {
  // The bracket first: it protects what is already open. Then working
  // orders in the order they arrived (order ids rise with arrival).
  work_bracket(bar, out);
  std::vector<std::uint64_t> ids;
  for (const auto& [id, w] : working_) {
    if (w.order.symbol == bar.symbol) ids.push_back(id);
  }
  for (std::uint64_t id : ids) {
    auto it = working_.find(id);
    if (it != working_.end()) work_order(it->second, bar, out);
  }
}

void SimVenue::work_bracket(const BarData& bar, std::vector<FillSpec>& out) {
  auto it = brackets_.find(bar.symbol);
  if (it == brackets_.end()) return;
  const double q = position(bar.symbol);
  if (q == 0) {
    brackets_.erase(it);
    return;
  }
  Bracket& b = it->second;
  const bool is_long = q > 0;
  const double size = std::fabs(q);
  const schema::Side exit_side = is_long ? schema::Side::SELL : schema::Side::BUY;
  const std::int64_t t = bar.open_time_ns + bar.interval_ns;
  const double qty = std::min(size, budget(bar.volume));
  auto exit = [&](double price, schema::Liquidity liq, std::string detail) {
    if (!(qty > 0)) return;
    const double fee = fee_usd(qty, price, liq);
    b.exit_cum_qty += qty;
    VenueOrder o;
    o.order_id = b.entry_order_id;  // exits report against the entry order
    o.symbol = bar.symbol;
    o.side = exit_side;
    const double leaves = qty == size ? 0.0 : size - qty;
    FillSpec f = report(o, leaves == 0 ? schema::OrderStatus::FILLED : schema::OrderStatus::PARTIALLY_FILLED, t,
                        std::move(detail));
    f.qty = qty;
    f.price = price;
    f.fee_usd = fee;
    f.liquidity = liq;
    f.cum_qty = b.exit_cum_qty;
    f.leaves_qty = leaves;
    book(bar.symbol, exit_side, qty, price, fee);  // may erase the bracket: `b` is not used after this
    out.push_back(std::move(f));
  };
  if (b.stop_triggered) {
    // A stop that fired on an earlier bar is a market exit now: it fills from the open.
    exit(taker_price(bar.symbol, exit_side, bar.open, t, false), schema::Liquidity::TAKER, "stop");
    return;
  }
  if (b.stop_loss > 0) {
    const bool gapped = is_long ? bar.open <= b.stop_loss : bar.open >= b.stop_loss;
    const bool touched = is_long ? bar.low <= b.stop_loss : bar.high >= b.stop_loss;
    if (touched) {
      // A stop becomes a market order: it pays half the spread and the
      // slippage, from the open if the bar gapped through. The target is gone.
      b.stop_triggered = true;
      const double trigger = gapped ? bar.open : b.stop_loss;
      exit(taker_price(bar.symbol, exit_side, trigger, t, false), schema::Liquidity::TAKER,
           gapped ? "stop (gap through)" : "stop");
      return;
    }
  }
  if (b.take_profit > 0) {
    const bool gapped = is_long ? bar.open >= b.take_profit : bar.open <= b.take_profit;
    const bool touched = is_long ? bar.high >= b.take_profit : bar.low <= b.take_profit;
    if (touched) exit(gapped ? bar.open : b.take_profit, schema::Liquidity::MAKER, "target");
  }
}

void SimVenue::work_order(Working& w, const BarData& bar, std::vector<FillSpec>& out) {
  const VenueOrder& o = w.order;
  const std::uint64_t id = o.order_id;
  const bool buy = is_buy(o.side);
  const std::int64_t t = bar.open_time_ns + bar.interval_ns;
  auto cancel_rest = [&](const char* why) {
    FillSpec f = report(o, schema::OrderStatus::CANCELED, t, why);
    f.cum_qty = w.cum_qty;
    out.push_back(std::move(f));
    working_.erase(id);
  };
  if (o.reduce_only && reducible(o.symbol, o.side) == 0) return cancel_rest("reduce-only: nothing left to reduce");
  double qty = std::min(w.leaves_qty, budget(bar.volume));
  if (o.reduce_only) qty = std::min(qty, reducible(o.symbol, o.side));
  bool filled = false;
  if (o.type == schema::OrderType::MARKET || w.triggered) {
    if (qty > 0) {
      const double price = taker_price(o.symbol, o.side, bar.open, t, false);
      out.push_back(fill_order(w, qty, price, schema::Liquidity::TAKER, t, w.triggered ? "stop order" : "market"));
      filled = true;
    }
  } else if (o.type == schema::OrderType::STOP) {
    const bool touched = buy ? bar.high >= o.stop_price : bar.low <= o.stop_price;
    if (touched) {
      w.triggered = true;
      const bool gapped = buy ? bar.open >= o.stop_price : bar.open <= o.stop_price;
      if (qty > 0) {
        const double price = taker_price(o.symbol, o.side, gapped ? bar.open : o.stop_price, t, false);
        out.push_back(fill_order(w, qty, price, schema::Liquidity::TAKER, t,
                                 gapped ? "stop order (gap through)" : "stop order"));
        filled = true;
      }
    }
  } else {  // LIMIT: rests until the bar trades through it; fills at the limit or the better open
    const bool touched = buy ? bar.low <= o.limit_price : bar.high >= o.limit_price;
    if (touched && qty > 0) {
      const double price = buy ? std::min(bar.open, o.limit_price) : std::max(bar.open, o.limit_price);
      out.push_back(fill_order(w, qty, price, schema::Liquidity::MAKER, t, "limit"));
      filled = true;
    }
  }
  if (!filled) return;
  if (w.leaves_qty == 0) {
    working_.erase(id);
  } else if (o.reduce_only && reducible(o.symbol, o.side) == 0) {
    cancel_rest("reduce-only: nothing left to reduce");
  }
}

}  // namespace verity
