// The execution actor: a venue behind a mailbox. With execution.venue
// "sim" it is the simulated venue (SimVenue): it turns Order messages into
// VenueOrders, feeds bars to the venue and sends every report it returns:
// fills to portfolio (which books them) and notify; rejections, acceptances
// and cancels to notify only. With a live venue ("binance" or "mt5",
// is_live_venue) it is LiveVenue: orders and bracket exits leave as Order
// messages to `external` (the live runner hands them to the venue gateway
// after the step commits), and the venue's reports enter as
// ExecutionReport inputs, routed on the same way.
#include <optional>

#include "actors/execution/live_venue.hpp"
#include "actors/execution/sim_venue.hpp"
#include "actors/execution/venue_messages.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/convert.hpp"
#include "actors/runtime/direct_dispatch.hpp"
#include "actors/runtime/interfaces.hpp"
#include "actors/runtime/snapshot.hpp"
#include "actors/runtime/prng.hpp"
#include "actors/runtime/session.hpp"

namespace verity {

struct execution_state {
  std::optional<SimVenue> venue;
  std::optional<LiveVenue> live;
  static inline const char* name = "execution";
};

namespace {
template <class Self>
void report(Self self, const Wiring* w, const FillSpec& f) {
  auto write = [&](schema::ExecutionReport::Builder r) { write_report(r, f, w->session->now_ns()); };
  Session& s = *w->session;
  if (f.is_fill()) {
    self->send(w->portfolio, s.emit<schema::ExecutionReport>(ActorId::EXECUTION, ActorId::PORTFOLIO, write));
  }
  self->send(w->notify, s.emit<schema::ExecutionReport>(ActorId::EXECUTION, ActorId::NOTIFY, write));
}

/// An outbound request: an Order to `external`, journaled, sent to no actor.
void request(const Wiring* w, const VenueOrder& o, std::uint64_t signal_id) {
  w->session->emit<schema::Order>(ActorId::EXECUTION, ActorId::EXTERNAL, [&](schema::Order::Builder b) {
    b.setOrderId(o.order_id);
    b.setClientOrderId(client_order_id(w->session->id(), o.order_id));
    b.setSymbol(o.symbol);
    b.setSide(o.side);
    b.setType(o.type);
    b.setQty(o.qty);
    b.setLimitPrice(o.limit_price);
    b.setStopPrice(o.stop_price);
    b.setTakeProfit(o.take_profit);
    b.setStopLoss(o.stop_loss);
    b.setReduceOnly(o.reduce_only);
    b.setTimeInForce(o.time_in_force);
    b.setTimeNs(w->session->now_ns());
    b.setSignalId(signal_id);
    b.setRefPrice(o.ref_price);
    b.setAction(o.action);
    b.setTargetOrderId(o.target_order_id);
  });
}

template <class Self>
auto live_handlers(Self self, const Wiring* w) {
  self->state.live.emplace();
  w->snapshots->add(
      ActorId::EXECUTION, [self](StateWriter& out) { out.put(*self->state.live); },
      [self](StateReader& in) { in.get(*self->state.live); });
  return std::make_tuple(
      [=](const Msg<schema::Bar>& in) {
        for (const VenueOrder& o : self->state.live->on_bar(to_bar_data(in.get()))) request(w, o, 0);
      },
      [=](const Msg<schema::Order>& in) {
        const VenueOrder order = venue_order_of(in.get(), w->session->now_ns());
        const LiveVenue::Outcome outcome = self->state.live->on_order(order);
        for (const VenueOrder& o : outcome.send) request(w, o, in.get().getSignalId());
        for (const FillSpec& f : outcome.reports) report(self, w, f);
      },
      [=](const Msg<schema::ExecutionReport>& in) {
        const FillSpec f = fill_of(in.get());
        if (!self->state.live->on_report(f)) {
          w->session->log().event(LogLevel::warn, in.time_ns(), in.frame->seq(), "execution", "unknown_order_report",
                                  {{"order_id", f.order_id}, {"symbol", f.symbol}});
        }
        report(self, w, f);
      });
}

template <class Self>
auto sim_handlers(Self self, const Wiring* w) {
  self->state.venue.emplace(*w->config, w->metrics, PrngStreams(w->config->session.seed).stream("execution"));
  w->snapshots->add(
      ActorId::EXECUTION, [self](StateWriter& out) { out.put(*self->state.venue); },
      [self](StateReader& in) { in.get(*self->state.venue); });
  return std::make_tuple(
      [=](const Msg<schema::Bar>& in) {
        for (const FillSpec& f : self->state.venue->on_bar(to_bar_data(in.get()))) report(self, w, f);
      },
      [=](const Msg<schema::Order>& in) {
        const VenueOrder order = venue_order_of(in.get(), w->session->now_ns());
        for (const FillSpec& f : self->state.venue->on_order(order)) report(self, w, f);
      },
      [=](const Msg<schema::ExecutionReport>& in) {
        // A venue report from outside while the simulated venue is in force:
        // a journal made with another venue. Said, never booked.
        w->session->log().event(LogLevel::warn, in.time_ns(), in.frame->seq(), "execution", "venue_report_ignored",
                                {{"reason", "execution.venue is sim"}});
      });
}

execution_actor::behavior_type execution_behavior(execution_actor::stateful_pointer<execution_state> self, const Wiring* w) {
  if (is_live_venue(w->config->execution.venue)) return behavior_of<execution_actor>(live_handlers(self, w));
  return behavior_of<execution_actor>(sim_handlers(self, w));
}

}  // namespace

execution_actor spawn_execution(caf::actor_system& system, const Wiring* w) { return system.spawn(execution_behavior, w); }

void add_direct_execution(DirectDispatcher& d, const Wiring* w) {
  if (is_live_venue(w->config->execution.venue)) {
    d.add<execution_state>(ActorId::EXECUTION, [w](auto self) { return live_handlers(self, w); });
  } else {
    d.add<execution_state>(ActorId::EXECUTION, [w](auto self) { return sim_handlers(self, w); });
  }
}

}  // namespace verity
