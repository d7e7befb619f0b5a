#include "actors/execution/sim_venue.hpp"

#include <algorithm>
#include <cmath>

#include "actors/runtime/config.hpp"

namespace verity {

SimVenue::SimVenue(const ExecutionConfig& c)
    : taker_fee_bps_(c.taker_fee_bps),
      maker_fee_bps_(c.maker_fee_bps),
      half_spread_bps_(c.spread_bps / 2.0),
      slippage_bps_(c.slippage_bps) {}

double SimVenue::position(const std::string& symbol) const {
  auto it = books_.find(symbol);
  return it == books_.end() ? 0.0 : it->second.qty;
}

FillSpec SimVenue::fill(std::uint64_t order_id, Book& book, const std::string& symbol, schema::Side side, double qty,
                        double price, schema::Liquidity liquidity, std::string detail) {
  FillSpec f;
  f.order_id = order_id;
  f.exec_id = next_exec_id_++;
  f.symbol = symbol;
  f.side = side;
  f.qty = qty;
  f.price = price;
  const double fee_bps = liquidity == schema::Liquidity::MAKER ? maker_fee_bps_ : taker_fee_bps_;
  f.fee_usd = qty * price * fee_bps / 1e4;
  f.liquidity = liquidity;
  f.detail = std::move(detail);
  const double before = book.qty;
  book.qty += side == schema::Side::BUY ? qty : -qty;
  if (std::fabs(book.qty) <= 1e-12 * std::max(1.0, std::fabs(before))) book.qty = 0;
  if (book.qty == 0) book.stop_loss = book.take_profit = 0;
  return f;
}

FillSpec SimVenue::on_order(std::uint64_t order_id, const OrderSpec& o) {
  Book& book = books_[o.symbol];
  auto rejected = [&](schema::RejectReason reason, std::string detail) {
    FillSpec f;
    f.order_id = order_id;
    f.exec_id = next_exec_id_++;
    f.symbol = o.symbol;
    f.side = o.side;
    f.status = schema::OrderStatus::REJECTED;
    f.reject_reason = reason;
    f.detail = std::move(detail);
    return f;
  };
  double qty = o.qty;
  if (o.reduce_only) {
    const bool reduces = (o.side == schema::Side::SELL && book.qty > 0) || (o.side == schema::Side::BUY && book.qty < 0);
    if (!reduces) return rejected(schema::RejectReason::NO_POSITION, "reduce-only order with nothing to reduce");
    qty = std::min(qty, std::fabs(book.qty));
  }
  if (!(qty > 0)) return rejected(schema::RejectReason::ZERO_SIZE, "quantity is not positive");
  const double ref = book.last_price > 0 ? book.last_price : o.ref_price;
  if (!(ref > 0)) return rejected(schema::RejectReason::VENUE_UNAVAILABLE, "no price for " + o.symbol + " yet");
  const double cost_bps = half_spread_bps_ + slippage_bps_;
  const double price = o.side == schema::Side::BUY ? ref * (1 + cost_bps / 1e4) : ref * (1 - cost_bps / 1e4);
  const double before = book.qty;
  FillSpec f = fill(order_id, book, o.symbol, o.side, qty, price, schema::Liquidity::TAKER, "market");
  // Only an order that opened or added to the position sets its bracket; one
  // that shrank it leaves the bracket of what remains alone.
  const bool grew = std::fabs(book.qty) > std::fabs(before) || (book.qty > 0) != (before > 0);
  if (!o.reduce_only && book.qty != 0 && grew) {
    book.stop_loss = o.stop_loss;
    book.take_profit = o.take_profit;
    book.entry_order_id = order_id;
  }
  return f;
}

std::vector<FillSpec> SimVenue::on_bar(const BarData& bar) {
  std::vector<FillSpec> out;
  Book& book = books_[bar.symbol];
  book.last_price = bar.close;
  if (book.qty == 0) return out;
  const bool is_long = book.qty > 0;
  const double size = std::fabs(book.qty);
  const schema::Side exit_side = is_long ? schema::Side::SELL : schema::Side::BUY;
  const double slip = slippage_bps_ / 1e4;
  if (book.stop_loss > 0) {
    const bool gapped = is_long ? bar.open <= book.stop_loss : bar.open >= book.stop_loss;
    const bool touched = is_long ? bar.low <= book.stop_loss : bar.high >= book.stop_loss;
    if (touched) {
      // A stop becomes a market order: it pays slippage, from the open if the bar gapped through.
      const double trigger = gapped ? bar.open : book.stop_loss;
      const double price = is_long ? trigger * (1 - slip) : trigger * (1 + slip);
      out.push_back(fill(book.entry_order_id, book, bar.symbol, exit_side, size, price, schema::Liquidity::TAKER,
                         gapped ? "stop (gap through)" : "stop"));
      return out;
    }
  }
  if (book.take_profit > 0) {
    const bool gapped = is_long ? bar.open >= book.take_profit : bar.open <= book.take_profit;
    const bool touched = is_long ? bar.high >= book.take_profit : bar.low <= book.take_profit;
    if (touched) {
      const double price = gapped ? bar.open : book.take_profit;
      out.push_back(fill(book.entry_order_id, book, bar.symbol, exit_side, size, price, schema::Liquidity::MAKER,
                         "target"));
    }
  }
  return out;
}

}  // namespace verity
