// The notify actor in sim: a log sink. Decisions and fills are logged at
// debug, rejections at info, quarantined data at warn. In live mode (a later
// issue) the same messages go to Telegram.
#include "actors/runtime/convert.hpp"
#include "actors/runtime/interfaces.hpp"
#include "actors/runtime/session.hpp"

namespace verity {

struct notify_state {
  static inline const char* name = "notify";
};

namespace {
notify_actor::behavior_type notify_behavior(notify_actor::stateful_pointer<notify_state> self, const Wiring* w) {
  return {
      [=](const Msg<schema::RiskDecision>& in) {
        const Logger& log = w->session->log();
        auto d = in.get();
        const LogLevel level = d.getApproved() ? LogLevel::debug : LogLevel::info;
        if (!log.enabled(level)) return;
        auto intent = d.getIntent();
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
        w->session->log().event(LogLevel::info, in.time_ns(), in.frame->seq(), "notify", text_of(n.getEvent()),
                                {{"text", text_of(n.getText())}});
      },
  };
}

}  // namespace

notify_actor spawn_notify(caf::actor_system& system, const Wiring* w) { return system.spawn(notify_behavior, w); }

}  // namespace verity
