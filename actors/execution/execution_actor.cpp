// The execution actor: the simulated venue (SimVenue) behind a mailbox. It
// turns Order messages into VenueOrders, feeds bars to the venue and sends
// every report it returns: fills to portfolio (which books them) and notify;
// rejections, acceptances and cancels to notify only.
#include <optional>

#include "actors/execution/sim_venue.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/convert.hpp"
#include "actors/runtime/interfaces.hpp"
#include "actors/runtime/snapshot.hpp"
#include "actors/runtime/prng.hpp"
#include "actors/runtime/session.hpp"

namespace verity {

struct execution_state {
  std::optional<SimVenue> venue;
  static inline const char* name = "execution";
};

namespace {
void report(execution_actor::stateful_pointer<execution_state> self, const Wiring* w, const FillSpec& f) {
  auto write = [&](auto r) {
    r.setOrderId(f.order_id);
    r.setExecId(f.exec_id);
    r.setSymbol(f.symbol);
    r.setSide(f.side);
    r.setStatus(f.status);
    r.setTimeNs(w->session->now_ns());
    r.setLastQty(f.qty);
    r.setLastPrice(f.price);
    r.setCumQty(f.cum_qty);
    r.setLeavesQty(f.leaves_qty);
    r.setFeeUsd(f.fee_usd);
    r.setLiquidity(f.liquidity);
    r.setRejectReason(f.reject_reason);
    r.setDetail(f.detail);
  };
  Session& s = *w->session;
  if (f.is_fill()) {
    self->send(w->portfolio, s.emit<schema::ExecutionReport>(ActorId::EXECUTION, ActorId::PORTFOLIO, write));
  }
  self->send(w->notify, s.emit<schema::ExecutionReport>(ActorId::EXECUTION, ActorId::NOTIFY, write));
}

VenueOrder to_venue_order(schema::Order::Reader o, std::int64_t time_ns) {
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

execution_actor::behavior_type execution_behavior(execution_actor::stateful_pointer<execution_state> self,
                                                  const Wiring* w) {
  self->state.venue.emplace(*w->config, w->metrics, PrngStreams(w->config->session.seed).stream("execution"));
  w->snapshots->add(
      ActorId::EXECUTION, [self](StateWriter& out) { out.put(*self->state.venue); },
      [self](StateReader& in) { in.get(*self->state.venue); });
  return {
      [=](const Msg<schema::Bar>& in) {
        for (const FillSpec& f : self->state.venue->on_bar(to_bar_data(in.get()))) report(self, w, f);
      },
      [=](const Msg<schema::Order>& in) {
        const VenueOrder order = to_venue_order(in.get(), w->session->now_ns());
        for (const FillSpec& f : self->state.venue->on_order(order)) report(self, w, f);
      },
  };
}

}  // namespace

execution_actor spawn_execution(caf::actor_system& system, const Wiring* w) { return system.spawn(execution_behavior, w); }

}  // namespace verity
