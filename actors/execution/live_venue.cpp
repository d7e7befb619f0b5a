#include "actors/execution/live_venue.hpp"

#include <cmath>

namespace verity {

namespace {
bool terminal(schema::OrderStatus s) {
  return s == schema::OrderStatus::FILLED || s == schema::OrderStatus::CANCELED ||
         s == schema::OrderStatus::REJECTED || s == schema::OrderStatus::EXPIRED;
}
double sign_of(schema::Side s) { return s == schema::Side::BUY ? 1.0 : -1.0; }
/// Quantities within this of zero are zero (sums of venue fills).
constexpr double kQtyEpsilon = 1e-12;
}  // namespace

double LiveVenue::position(const std::string& symbol) const {
  auto it = positions_.find(symbol);
  return it == positions_.end() ? 0.0 : it->second;
}

double LiveVenue::less_reducing(double qty, const std::string& symbol, schema::Side side) const {
  for (const auto& [id, w] : working_)
    if (w.order.reduce_only && w.order.symbol == symbol && w.order.side == side) qty -= w.order.qty - w.filled;
  return qty;
}

LiveVenue::Outcome LiveVenue::on_order(const VenueOrder& order) {
  Outcome out;
  if (order.action != schema::OrderAction::NEW) {
    if (working_.contains(order.target_order_id)) out.send.push_back(order);
    return out;
  }
  VenueOrder o = order;
  if (o.reduce_only) {
    // What the position can still lose on this side, less the reduce-only
    // orders already working against it (a bracket exit, an earlier close).
    const double pos = position(o.symbol);
    const double room = less_reducing(pos * sign_of(o.side) < 0 ? std::fabs(pos) : 0.0, o.symbol, o.side);
    if (!(room > kQtyEpsilon)) {
      FillSpec f;
      f.order_id = o.order_id;
      f.symbol = o.symbol;
      f.side = o.side;
      f.status = schema::OrderStatus::REJECTED;
      f.reject_reason = schema::RejectReason::NO_POSITION;
      f.time_ns = o.time_ns;
      f.detail = "reduce-only with nothing left to reduce: not sent (the venue would trade it as an ordinary order)";
      out.reports.push_back(std::move(f));
      return out;
    }
    o.qty = std::min(o.qty, room);
  }
  working_[o.order_id] = Working{o, 0, false};
  out.send.push_back(o);
  return out;
}

bool LiveVenue::on_report(const FillSpec& r) {
  auto it = working_.find(r.order_id);
  if (it == working_.end()) return false;
  Working& w = it->second;
  const std::string& symbol = w.order.symbol;
  if (r.is_fill()) {
    w.filled += r.qty;
    const double before = position(symbol);
    double after = before + sign_of(w.order.side) * r.qty;
    if (std::fabs(after) <= kQtyEpsilon) after = 0;
    if (after == 0) {
      positions_.erase(symbol);
      brackets_.erase(symbol);
    } else {
      positions_[symbol] = after;
      // Only an order that opened, added to or flipped the position sets
      // the bracket; one that shrank it leaves the bracket of what remains.
      const bool grew = std::fabs(after) > std::fabs(before) || (before != 0 && (after > 0) != (before > 0));
      if (!w.order.reduce_only && grew) {
        Bracket& b = brackets_[symbol];
        b.stop = w.order.stop_loss;
        b.target = w.order.take_profit;
      }
    }
  }
  if (terminal(r.status)) {
    if (w.exit) {
      // The exit is over, filled or not: whatever position is left is
      // guarded again (an exit the venue refused is tried on the next bar
      // through the stop or target). Dust is the exception: the venue takes
      // no order below its minimum notional, so trying again each bar would
      // only be refused again; the remainder stays, unguarded, until an
      // order grows it.
      auto b = brackets_.find(symbol);
      if (b != brackets_.end()) {
        if (r.reject_reason == schema::RejectReason::MIN_NOTIONAL) {
          brackets_.erase(b);
        } else {
          b->second.exiting = false;
        }
      }
    }
    working_.erase(it);
  }
  return true;
}

std::vector<VenueOrder> LiveVenue::on_bar(const BarData& bar) {
  auto it = brackets_.find(bar.symbol);
  if (it == brackets_.end()) return {};
  Bracket& b = it->second;
  const double pos = position(bar.symbol);
  if (b.exiting || pos == 0) return {};
  const bool long_position = pos > 0;
  const bool stopped = b.stop > 0 && (long_position ? bar.low <= b.stop : bar.high >= b.stop);
  const bool target = b.target > 0 && (long_position ? bar.high >= b.target : bar.low <= b.target);
  if (!stopped && !target) return {};
  const schema::Side exit_side = long_position ? schema::Side::SELL : schema::Side::BUY;
  const double qty = less_reducing(std::fabs(pos), bar.symbol, exit_side);
  if (!(qty > kQtyEpsilon)) return {};  // closes already working cover the position
  VenueOrder o;
  o.order_id = next_exit_id_++;
  o.symbol = bar.symbol;
  o.side = exit_side;
  o.type = schema::OrderType::MARKET;
  o.qty = qty;
  o.reduce_only = true;
  o.ref_price = stopped ? b.stop : b.target;
  o.time_ns = bar.open_time_ns + bar.interval_ns;
  working_[o.order_id] = Working{o, 0, true};
  b.exiting = true;
  return {o};
}

}  // namespace verity
