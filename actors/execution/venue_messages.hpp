// Between venue structs (VenueOrder, FillSpec) and the Order and
// ExecutionReport messages: one place for both directions, used by the
// execution actor and by the live runner (which builds venue answers into
// ExecutionReport inputs and reads outbound Orders back).
#pragma once

#include "actors/execution/sim_venue.hpp"
#include "actors/runtime/convert.hpp"
#include "schema/order.capnp.h"

namespace verity {

/// The order a message asks for; `time_ns` is its arrival at the venue.
inline VenueOrder venue_order_of(schema::Order::Reader o, std::int64_t time_ns) {
  VenueOrder v;
  v.order_id = o.getOrderId();
  v.action = o.getAction();
  v.target_order_id = o.getTargetOrderId();
  v.symbol = text_of(o.getSymbol());
  v.side = o.getSide();
  v.type = o.getType();
  v.qty = o.getQty();
  v.limit_price = o.getLimitPrice();
  v.stop_price = o.getStopPrice();
  v.stop_loss = o.getStopLoss();
  v.take_profit = o.getTakeProfit();
  v.reduce_only = o.getReduceOnly();
  v.time_in_force = o.getTimeInForce();
  v.ref_price = o.getRefPrice();
  v.time_ns = time_ns;
  return v;
}

/// A report as the message carries it (time: the message's timeNs).
inline FillSpec fill_of(schema::ExecutionReport::Reader r) {
  FillSpec f;
  f.order_id = r.getOrderId();
  f.exec_id = r.getExecId();
  f.symbol = text_of(r.getSymbol());
  f.side = r.getSide();
  f.status = r.getStatus();
  f.time_ns = r.getTimeNs();
  f.qty = r.getLastQty();
  f.price = r.getLastPrice();
  f.cum_qty = r.getCumQty();
  f.leaves_qty = r.getLeavesQty();
  f.fee_usd = r.getFeeUsd();
  f.liquidity = r.getLiquidity();
  f.reject_reason = r.getRejectReason();
  f.detail = text_of(r.getDetail());
  return f;
}

/// Writes `f` into a report message stamped `time_ns`.
inline void write_report(schema::ExecutionReport::Builder r, const FillSpec& f, std::int64_t time_ns) {
  r.setOrderId(f.order_id);
  r.setExecId(f.exec_id);
  r.setSymbol(f.symbol);
  r.setSide(f.side);
  r.setStatus(f.status);
  r.setTimeNs(time_ns);
  r.setLastQty(f.qty);
  r.setLastPrice(f.price);
  r.setCumQty(f.cum_qty);
  r.setLeavesQty(f.leaves_qty);
  r.setFeeUsd(f.fee_usd);
  r.setLiquidity(f.liquidity);
  r.setRejectReason(f.reject_reason);
  r.setDetail(f.detail);
}

}  // namespace verity
