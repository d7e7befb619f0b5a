// The risk actor: RiskEngine behind a mailbox. Every signal gets a
// RiskDecision (to notify); approved ones become orders (to execution) with
// deterministic ids. Account snapshots and control commands update state.
#include <optional>

#include "actors/risk/risk_engine.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/convert.hpp"
#include "actors/runtime/interfaces.hpp"
#include "actors/runtime/session.hpp"

namespace verity {

struct risk_state {
  std::optional<RiskEngine> engine;
  std::uint64_t next_order_id = 1;
  static inline const char* name = "risk";
};

namespace {
risk_actor::behavior_type risk_behavior(risk_actor::stateful_pointer<risk_state> self, const Wiring* w) {
  self->state.engine.emplace(w->config->risk, w->config->portfolio.initial_balance_usd,
                             w->config->execution.worst_cost_per_side_bps(),
                             w->config->ftmo.guard_daily_loss_pct);
  return {
      [=](const Msg<schema::Signal>& in) {
        Session& s = *w->session;
        auto sig = in.get();
        const std::string symbol = text_of(sig.getSymbol());
        SignalSpec spec{sig.getDirection(), sig.getEntry(), sig.getStopLoss(), sig.getTakeProfit(),
                        sig.getConfidence()};
        const RiskVerdict v = self->state.engine->evaluate(symbol, in.time_ns(), spec);
        self->send(w->notify, s.emit<schema::RiskDecision>(ActorId::RISK, ActorId::NOTIFY, [&](auto d) {
          d.setSignalId(sig.getSignalId());
          d.setTimeNs(in.time_ns());
          d.setApproved(v.approved);
          d.setReason(v.reason);
          d.setDetail(v.detail);
          auto intent = d.initIntent();
          intent.setSignalId(sig.getSignalId());
          intent.setSymbol(symbol);
          intent.setRefPrice(spec.entry);
          intent.setStopLoss(spec.stop_loss);
          intent.setTakeProfit(spec.take_profit);
          if (!v.orders.empty()) {
            intent.setSide(v.orders.back().side);
            intent.setQty(v.orders.back().qty);
          }
        }));
        for (const OrderSpec& o : v.orders) {
          const std::uint64_t order_id = self->state.next_order_id++;
          self->send(w->execution, s.emit<schema::Order>(ActorId::RISK, ActorId::EXECUTION, [&](auto out) {
            out.setOrderId(order_id);
            out.setClientOrderId("v" + session_hex(s.id()) + "-" + std::to_string(order_id));
            out.setSymbol(o.symbol);
            out.setSide(o.side);
            out.setType(schema::OrderType::MARKET);
            out.setQty(o.qty);
            out.setStopLoss(o.stop_loss);
            out.setTakeProfit(o.take_profit);
            out.setReduceOnly(o.reduce_only);
            out.setTimeInForce(schema::TimeInForce::IOC);
            out.setTimeNs(in.time_ns());
            out.setSignalId(sig.getSignalId());
            out.setRefPrice(o.ref_price);
          }));
        }
      },
      [=](const Msg<schema::AccountSnapshot>& in) {
        auto a = in.get();
        AccountView view;
        view.time_ns = a.getTimeNs();
        view.balance_usd = a.getBalanceUsd();
        view.equity_usd = a.getEquityUsd();
        for (auto p : a.getPositions()) view.position_qty[text_of(p.getSymbol())] = p.getQty();
        self->state.engine->on_account(view);
      },
      [=](const Msg<schema::ControlCommand>& in) {
        auto c = in.get();
        if (c.getCommand().isKillSwitch()) {
          self->state.engine->set_kill_switch(c.getCommand().getKillSwitch());
          w->session->log().event(LogLevel::warn, in.time_ns(), in.frame->seq(), "risk", "kill_switch",
                                  {{"on", c.getCommand().getKillSwitch()}});
        }
      },
  };
}

}  // namespace

risk_actor spawn_risk(caf::actor_system& system, const Wiring* w) { return system.spawn(risk_behavior, w); }

}  // namespace verity
