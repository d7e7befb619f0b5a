// The execution actor: the simulated venue behind a mailbox. Every order and
// every bracket exit produces an ExecutionReport, sent to portfolio (which
// books fills) and to notify.
#include "actors/execution/sim_venue.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/convert.hpp"
#include "actors/runtime/interfaces.hpp"
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
    r.setCumQty(f.qty);
    r.setLeavesQty(0);
    r.setFeeUsd(f.fee_usd);
    r.setLiquidity(f.liquidity);
    r.setRejectReason(f.reject_reason);
    r.setDetail(f.detail);
  };
  Session& s = *w->session;
  if (f.status != schema::OrderStatus::REJECTED) {
    self->send(w->portfolio, s.emit<schema::ExecutionReport>(ActorId::EXECUTION, ActorId::PORTFOLIO, write));
  }
  self->send(w->notify, s.emit<schema::ExecutionReport>(ActorId::EXECUTION, ActorId::NOTIFY, write));
}
}  // namespace

namespace {
execution_actor::behavior_type execution_behavior(execution_actor::stateful_pointer<execution_state> self,
                                                  const Wiring* w) {
  self->state.venue.emplace(w->config->execution);
  return {
      [=](const Msg<schema::Bar>& in) {
        for (const FillSpec& f : self->state.venue->on_bar(to_bar_data(in.get()))) report(self, w, f);
      },
      [=](const Msg<schema::Order>& in) {
        auto o = in.get();
        OrderSpec spec{text_of(o.getSymbol()), o.getSide(),     o.getQty(),       o.getRefPrice(),
                       o.getStopLoss(),        o.getTakeProfit(), o.getReduceOnly()};
        report(self, w, self->state.venue->on_order(o.getOrderId(), spec));
      },
  };
}

}  // namespace

execution_actor spawn_execution(caf::actor_system& system, const Wiring* w) { return system.spawn(execution_behavior, w); }

}  // namespace verity
