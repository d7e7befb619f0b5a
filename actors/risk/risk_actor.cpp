// The risk actor: RiskEngine behind a mailbox. Every signal gets a
// RiskDecision (to notify); approved ones become orders (to execution) with
// deterministic ids. Account snapshots run the FTMO checks: a change of the
// challenge's state goes to notify as a ChallengeStatus, a breach flattens
// every position, and a breach or final pass asks the driver to stop.
#include <optional>

#include "actors/execution/cost_model.hpp"
#include "actors/risk/risk_engine.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/convert.hpp"
#include "actors/runtime/direct_dispatch.hpp"
#include "actors/runtime/interfaces.hpp"
#include "actors/runtime/snapshot.hpp"
#include "actors/runtime/session.hpp"

namespace verity {

struct risk_state {
  std::optional<CostModel> costs;
  std::optional<RiskEngine> engine;
  std::uint64_t next_order_id = 1;
  double peak_equity_usd = 0;      // for the drawdown alert
  bool drawdown_alerted = false;   // re-armed when the drawdown is back under half the threshold
  static inline const char* name = "risk";
};

namespace {

template <class Self>
void send_orders(Self self, const Wiring* w, const std::vector<OrderSpec>& orders, std::uint64_t signal_id,
                 std::int64_t time_ns) {
  Session& s = *w->session;
  for (const OrderSpec& o : orders) {
    const std::uint64_t order_id = self->state.next_order_id++;
    self->send(w->execution, s.emit<schema::Order>(ActorId::RISK, ActorId::EXECUTION, [&](auto out) {
      out.setOrderId(order_id);
      out.setClientOrderId(client_order_id(s.id(), order_id));
      out.setSymbol(o.symbol);
      out.setSide(o.side);
      out.setType(schema::OrderType::MARKET);
      out.setQty(o.qty);
      out.setStopLoss(o.stop_loss);
      out.setTakeProfit(o.take_profit);
      out.setReduceOnly(o.reduce_only);
      out.setTimeInForce(schema::TimeInForce::GTC);
      out.setTimeNs(time_ns);
      out.setSignalId(signal_id);
      out.setRefPrice(o.ref_price);
      out.setAction(schema::OrderAction::NEW);
    }));
  }
}

/// Tells notify of a challenge state change; a breach flattens every
/// position; a breach or a final pass ends the attempt.
template <class Self>
void on_challenge_event(Self self, const Wiring* w, const ChallengeEvent& e) {
  Session& s = *w->session;
  self->send(w->notify, s.emit<schema::ChallengeStatus>(ActorId::RISK, ActorId::NOTIFY, [&](auto c) {
    c.setTimeNs(e.time_ns);
    c.setState(e.state);
    c.setPhase(static_cast<std::uint8_t>(e.phase));
    c.setEquityUsd(e.equity_usd);
    c.setBalanceUsd(e.balance_usd);
    c.setTradingDays(static_cast<std::uint32_t>(e.trading_days));
    if (e.breach) {
      c.setRule(std::string(ftmo_rule_name(e.breach->rule)));
      c.setReferenceUsd(e.breach->reference_usd);
      c.setLimitUsd(e.breach->limit_usd);
      c.setLossUsd(e.breach->loss_usd);
      c.setDetail(e.breach->describe());
    }
  }));
  if (e.state == schema::ChallengeState::BREACHED) {
    send_orders(self, w, self->state.engine->flatten_orders(), 0, e.time_ns);
  }
  if (e.state == schema::ChallengeState::BREACHED || e.state == schema::ChallengeState::PASSED) s.request_stop();
}

template <class Self>
auto risk_handlers(Self self, const Wiring* w) {
  const Config& cfg = *w->config;
  self->state.costs.emplace(cfg.execution, w->metrics);
  const CostModel* costs = &*self->state.costs;
  self->state.engine.emplace(cfg.risk, cfg.ftmo, cfg.portfolio.initial_balance_usd, cfg.execution.qty_step,
                             [costs](std::string_view pair, std::int64_t t) { return costs->worst_cost_bps(pair, t); });
  w->snapshots->add(
      ActorId::RISK,
      [self](StateWriter& out) {
        out.put_all(*self->state.engine, self->state.next_order_id, self->state.peak_equity_usd,
                    self->state.drawdown_alerted);
      },
      [self](StateReader& in) {
        in.get_all(*self->state.engine, self->state.next_order_id, self->state.peak_equity_usd,
                   self->state.drawdown_alerted);
      });
  return std::make_tuple(
      [=](const Msg<schema::Signal>& in) {
        Session& s = *w->session;
        auto sig = in.get();
        const std::string symbol = text_of(sig.getSymbol());
        SignalSpec spec{sig.getDirection(), sig.getEntry(), sig.getStopLoss(), sig.getTakeProfit(),
                        sig.getConfidence()};
        const RiskVerdict v = self->state.engine->evaluate(symbol, in.time_ns(), spec, sig.getTier());
        self->send(w->notify, s.emit<schema::RiskDecision>(ActorId::RISK, ActorId::NOTIFY, [&](auto d) {
          d.setSignalId(sig.getSignalId());
          d.setTimeNs(in.time_ns());
          d.setApproved(v.approved);
          d.setReason(v.reason);
          d.setDetail(v.detail);
          d.setWorstLossUsd(v.worst_loss_usd);
          d.setHeadroomUsd(v.headroom_usd);
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
        send_orders(self, w, v.orders, sig.getSignalId(), in.time_ns());
      },
      [=](const Msg<schema::AccountSnapshot>& in) {
        auto a = in.get();
        AccountView view;
        view.time_ns = a.getTimeNs();
        view.balance_usd = a.getBalanceUsd();
        view.equity_usd = a.getEquityUsd();
        view.trades = a.getTrades();
        for (auto p : a.getPositions()) {
          const std::string symbol = text_of(p.getSymbol());
          view.position_qty[symbol] = p.getQty();
          view.mark[symbol] = p.getMarkPrice();
        }
        if (auto e = self->state.engine->on_account(view)) on_challenge_event(self, w, *e);
        // The drawdown alert: once per excursion past the threshold.
        auto& st = self->state;
        st.peak_equity_usd = std::max(st.peak_equity_usd, view.equity_usd);
        const double dd_pct = st.peak_equity_usd > 0 ? (1.0 - view.equity_usd / st.peak_equity_usd) * 100.0 : 0.0;
        const double limit = w->config->risk.alert_drawdown_pct;
        if (!st.drawdown_alerted && dd_pct > limit) {
          st.drawdown_alerted = true;
          Session& s = *w->session;
          self->send(w->notify, s.emit<schema::Notification>(ActorId::RISK, ActorId::NOTIFY, [&](auto n) {
            n.setTimeNs(view.time_ns);
            n.setMode(s.mode());
            n.setSeverity(schema::Severity::ALERT);
            n.setEvent("drawdown_over_10pct");
            n.setText("equity " + std::to_string(view.equity_usd) + " is " + std::to_string(dd_pct) +
                      "% below its peak " + std::to_string(st.peak_equity_usd) + " (alert above " +
                      std::to_string(limit) + "%)");
          }));
        } else if (st.drawdown_alerted && dd_pct < limit / 2) {
          st.drawdown_alerted = false;
        }
      },
      [=](const Msg<schema::ControlCommand>& in) {
        auto c = in.get();
        if (c.getCommand().isKillSwitch()) {
          self->state.engine->set_kill_switch(c.getCommand().getKillSwitch());
          w->session->log().event(LogLevel::warn, in.time_ns(), in.frame->seq(), "risk", "kill_switch",
                                  {{"on", c.getCommand().getKillSwitch()}, {"source", enum_name(c.getSource())}});
        } else if (c.getCommand().isWarmUp()) {
          self->state.engine->set_warm_up(c.getCommand().getWarmUp());
          w->session->log().event(LogLevel::info, in.time_ns(), in.frame->seq(), "risk", "warm_up",
                                  {{"on", c.getCommand().getWarmUp()}});
        } else if (c.getCommand().isThreshold()) {
          self->state.engine->set_threshold(c.getCommand().getThreshold());
          w->session->log().event(LogLevel::warn, in.time_ns(), in.frame->seq(), "risk", "threshold",
                                  {{"value", c.getCommand().getThreshold()}, {"source", enum_name(c.getSource())}});
        }
      });
}

risk_actor::behavior_type risk_behavior(risk_actor::stateful_pointer<risk_state> self, const Wiring* w) {
  return behavior_of<risk_actor>(risk_handlers(self, w));
}

}  // namespace

risk_actor spawn_risk(caf::actor_system& system, const Wiring* w) { return system.spawn(risk_behavior, w); }

void add_direct_risk(DirectDispatcher& d, const Wiring* w) {
  d.add<risk_state>(ActorId::RISK, [w](auto self) { return risk_handlers(self, w); });
}

}  // namespace verity
