#include "actors/execution/live_venue.hpp"

namespace verity {

namespace {
bool terminal(schema::OrderStatus s) {
  return s == schema::OrderStatus::FILLED || s == schema::OrderStatus::CANCELED ||
         s == schema::OrderStatus::REJECTED || s == schema::OrderStatus::EXPIRED;
}
}  // namespace

std::vector<VenueOrder> LiveVenue::on_order(const VenueOrder& order) {
  if (order.action != schema::OrderAction::NEW && !working_.contains(order.target_order_id)) return {};
  if (order.action == schema::OrderAction::NEW) working_[order.order_id] = Working{order, 0, 0};
  return {order};
}

bool LiveVenue::on_report(const FillSpec& r) {
  auto it = working_.find(r.order_id);
  if (it == working_.end()) return false;
  Working& w = it->second;
  if (r.is_fill()) {
    w.filled += r.qty;
    if (w.entry != 0) {
      // An exit: its fills shrink the bracket; a full exit ends it.
      auto b = brackets_.find(w.entry);
      if (b != brackets_.end()) {
        b->second.qty -= r.qty;
        if (b->second.qty <= 1e-12) brackets_.erase(b);
      }
    } else if (w.order.stop_loss > 0 || w.order.take_profit > 0) {
      Bracket& b = brackets_[r.order_id];
      b.symbol = w.order.symbol;
      b.exit_side = w.order.side == schema::Side::BUY ? schema::Side::SELL : schema::Side::BUY;
      b.qty += r.qty;
      b.stop = w.order.stop_loss;
      b.target = w.order.take_profit;
    }
  }
  if (terminal(r.status)) {
    if (w.entry != 0 && r.status != schema::OrderStatus::FILLED) {
      // An exit that did not fill: the bracket is armed again.
      auto b = brackets_.find(w.entry);
      if (b != brackets_.end()) b->second.exiting = false;
    }
    working_.erase(it);
  }
  return true;
}

std::vector<VenueOrder> LiveVenue::on_bar(const BarData& bar) {
  std::vector<VenueOrder> exits;
  for (auto& [entry, b] : brackets_) {
    if (b.exiting || b.symbol != bar.symbol || b.qty <= 0) continue;
    const bool long_position = b.exit_side == schema::Side::SELL;
    const bool stopped = b.stop > 0 && (long_position ? bar.low <= b.stop : bar.high >= b.stop);
    const bool target = b.target > 0 && (long_position ? bar.high >= b.target : bar.low <= b.target);
    if (!stopped && !target) continue;
    VenueOrder o;
    o.order_id = next_exit_id_++;
    o.symbol = b.symbol;
    o.side = b.exit_side;
    o.type = schema::OrderType::MARKET;
    o.qty = b.qty;
    o.reduce_only = true;
    o.ref_price = stopped ? b.stop : b.target;
    o.time_ns = bar.open_time_ns + bar.interval_ns;
    working_[o.order_id] = Working{o, 0, entry};
    b.exiting = true;
    exits.push_back(o);
  }
  return exits;
}

}  // namespace verity
