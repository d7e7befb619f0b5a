// The notify actor: a log sink, and the graph's outbound alerts. Decisions
// and fills are logged at debug, rejections at info, quarantined data at
// warn. Alerts leave as Notification messages to `external` (journaled;
// the live runner sends them to Telegram, docs/LIVE.md):
//   kill_switch_signal_blocked  a signal refused because the kill switch is on
//   guardrail_breach_attempt    a signal refused by the daily or total loss guardrail
//   venue_api_failure           an order the venue could not take (venueUnavailable)
//   challenge_passed / challenge_breached
// and every warning or alert another actor sends (volatility_spike from
// feed, drawdown_over_10pct from risk, feature_drift and retrain_trigger
// from learning). Each carries the session's mode.
#include "actors/runtime/convert.hpp"
#include "actors/runtime/direct_dispatch.hpp"
#include "actors/runtime/interfaces.hpp"
#include "actors/runtime/session.hpp"

namespace verity {

struct notify_state {
  static inline const char* name = "notify";
};

namespace {
void alert(const Wiring* w, std::int64_t time_ns, schema::Severity severity, const std::string& event,
           const std::string& symbol, const std::string& text) {
  Session& s = *w->session;
  s.emit<schema::Notification>(ActorId::NOTIFY, ActorId::EXTERNAL, [&](auto n) {
    n.setTimeNs(time_ns);
    n.setMode(s.mode());
    n.setSeverity(severity);
    n.setEvent(event);
    n.setSymbol(symbol);
    n.setText(text);
  });
}

template <class Self>
auto notify_handlers(Self self, const Wiring* w) {
  return std::make_tuple(
      [=](const Msg<schema::RiskDecision>& in) {
        const Logger& log = w->session->log();
        auto d = in.get();
        auto intent = d.getIntent();
        const auto reason = d.getReason();
        if (reason == schema::RejectReason::KILL_SWITCH) {
          alert(w, in.time_ns(), schema::Severity::ALERT, "kill_switch_signal_blocked", text_of(intent.getSymbol()),
                "a signal was refused: the kill switch is on");
        } else if (reason == schema::RejectReason::DAILY_LOSS || reason == schema::RejectReason::MAX_LOSS) {
          alert(w, in.time_ns(), schema::Severity::ALERT, "guardrail_breach_attempt", text_of(intent.getSymbol()),
                enum_name(reason) + ": " + text_of(d.getDetail()));
        }
        const LogLevel level = d.getApproved() ? LogLevel::debug : LogLevel::info;
        if (!log.enabled(level)) return;
        log.event(level, in.time_ns(), in.frame->seq(), "risk", d.getApproved() ? "signal_approved" : "signal_rejected",
                  {{"pair", text_of(intent.getSymbol())},
                   {"entry", intent.getRefPrice()},
                   {"tp", intent.getTakeProfit()},
                   {"sl", intent.getStopLoss()},
                   {"reason", enum_name(d.getReason())},
                   {"detail", text_of(d.getDetail())}});
      },
      [=](const Msg<schema::ExecutionReport>& in) {
        const Logger& log = w->session->log();
        auto r = in.get();
        const auto status = r.getStatus();
        const bool rejected = status == schema::OrderStatus::REJECTED;
        if (rejected && r.getRejectReason() == schema::RejectReason::VENUE_UNAVAILABLE) {
          alert(w, in.time_ns(), schema::Severity::ALERT, "venue_api_failure", text_of(r.getSymbol()),
                "order " + std::to_string(r.getOrderId()) + ": " + text_of(r.getDetail()));
        }
        const LogLevel level = rejected ? LogLevel::info : LogLevel::debug;
        if (!log.enabled(level)) return;
        const char* event = rejected                                     ? "order_rejected"
                            : status == schema::OrderStatus::CANCELED    ? "order_canceled"
                            : status == schema::OrderStatus::NEW         ? "order_accepted"
                            : status == schema::OrderStatus::EXPIRED     ? "order_expired"
                                                                         : "fill";
        log.event(level, in.time_ns(), in.frame->seq(), "execution", event,
                  {{"pair", text_of(r.getSymbol())},
                   {"order_id", r.getOrderId()},
                   {"side", r.getSide() == schema::Side::BUY ? "buy" : "sell"},
                   {"qty", r.getLastQty()},
                   {"price", r.getLastPrice()},
                   {"fee_usd", r.getFeeUsd()},
                   {"reason", enum_name(r.getRejectReason())},
                   {"detail", text_of(r.getDetail())}});
      },
      [=](const Msg<schema::Quarantine>& in) {
        auto q = in.get();
        w->session->log().event(LogLevel::warn, in.time_ns(), in.frame->seq(), "feed", "quarantine",
                                {{"pair", text_of(q.getSymbol())},
                                 {"field", text_of(q.getField())},
                                 {"reason", text_of(q.getReason())}});
      },
      [=](const Msg<schema::ChallengeStatus>& in) {
        auto c = in.get();
        const bool breached = c.getState() == schema::ChallengeState::BREACHED;
        if (breached || c.getState() == schema::ChallengeState::PASSED) {
          alert(w, in.time_ns(), breached ? schema::Severity::CRITICAL : schema::Severity::INFO,
                breached ? "challenge_breached" : "challenge_passed", "",
                breached ? "rule " + text_of(c.getRule()) + ", equity " + std::to_string(c.getEquityUsd()) : "passed");
        }
        w->session->log().event(breached ? LogLevel::warn : LogLevel::info, in.time_ns(), in.frame->seq(), "risk",
                                "challenge_" + std::string(enum_name(c.getState())),
                                {{"phase", c.getPhase()},
                                 {"rule", text_of(c.getRule())},
                                 {"equity_usd", c.getEquityUsd()},
                                 {"reference_usd", c.getReferenceUsd()},
                                 {"limit_usd", c.getLimitUsd()},
                                 {"loss_usd", c.getLossUsd()},
                                 {"trading_days", c.getTradingDays()},
                                 {"detail", text_of(c.getDetail())}});
      },
      [=](const Msg<schema::Notification>& in) {
        auto n = in.get();
        if (n.getSeverity() >= schema::Severity::WARNING) {
          alert(w, n.getTimeNs(), n.getSeverity(), text_of(n.getEvent()), text_of(n.getSymbol()), text_of(n.getText()));
        }
        w->session->log().event(LogLevel::info, in.time_ns(), in.frame->seq(), "notify", text_of(n.getEvent()),
                                {{"text", text_of(n.getText())}});
      });
}

notify_actor::behavior_type notify_behavior(notify_actor::stateful_pointer<notify_state> self, const Wiring* w) {
  return behavior_of<notify_actor>(notify_handlers(self, w));
}

}  // namespace

notify_actor spawn_notify(caf::actor_system& system, const Wiring* w) { return system.spawn(notify_behavior, w); }

void add_direct_notify(DirectDispatcher& d, const Wiring* w) {
  d.add<notify_state>(ActorId::NOTIFY, [w](auto self) { return notify_handlers(self, w); });
}

}  // namespace verity
