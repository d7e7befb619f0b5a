// The feed actor: the graph's door for market data. It checks every bar
// (check_bar) and fans good ones out to features, execution and portfolio;
// a bad bar becomes a Quarantine message to notify and goes no further.
#include <map>

#include "actors/runtime/convert.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/direct_dispatch.hpp"
#include "actors/runtime/interfaces.hpp"
#include "actors/runtime/snapshot.hpp"
#include "actors/runtime/session.hpp"

namespace verity {

struct feed_state {
  std::map<std::string, std::int64_t> last_open_time_ns;  // per symbol
  static inline const char* name = "feed";
};

namespace {
template <class Self>
auto feed_handlers(Self self, const Wiring* w) {
  w->snapshots->add(
      ActorId::FEED, [self](StateWriter& out) { out.put(self->state.last_open_time_ns); },
      [self](StateReader& in) { in.get(self->state.last_open_time_ns); });
  return std::make_tuple(
      [=](const Msg<schema::Bar>& in) {
        Session& s = *w->session;
        const BarData bar = to_bar_data(in.get());
        auto& last = self->state.last_open_time_ns;
        auto it = last.find(bar.symbol);
        std::optional<std::int64_t> prev;
        if (it != last.end()) prev = it->second;
        if (auto problem = check_bar(bar, prev)) {
          self->send(w->notify, s.emit<schema::Quarantine>(ActorId::FEED, ActorId::NOTIFY, [&](auto q) {
            q.setSymbol(bar.symbol);
            q.setTimeNs(bar.open_time_ns);
            q.setSource("feed");
            q.setField(problem->field);
            q.setReason(problem->reason);
          }));
          return;
        }
        last[bar.symbol] = bar.open_time_ns;
        const double range_pct = bar.open > 0 ? (bar.high - bar.low) / bar.open * 100.0 : 0.0;
        if (range_pct > w->config->risk.alert_volatility_pct) {
          self->send(w->notify, s.emit<schema::Notification>(ActorId::FEED, ActorId::NOTIFY, [&](auto n) {
            n.setTimeNs(bar.open_time_ns + bar.interval_ns);
            n.setMode(s.mode());
            n.setSeverity(schema::Severity::ALERT);
            n.setEvent("volatility_spike");
            n.setSymbol(bar.symbol);
            n.setText("bar range " + std::to_string(range_pct) + "% of its open (alert above " +
                      std::to_string(w->config->risk.alert_volatility_pct) + "%)");
          }));
        }
        // Made together (copies of the input, see forward_all), sent in the same order.
        auto [to_features, to_execution, to_portfolio] = s.forward_all(
            ActorId::FEED, std::array{ActorId::FEATURES, ActorId::EXECUTION, ActorId::PORTFOLIO}, in);
        self->send(w->features, std::move(to_features));
        self->send(w->execution, std::move(to_execution));
        self->send(w->portfolio, std::move(to_portfolio));
      });
}

feed_actor::behavior_type feed_behavior(feed_actor::stateful_pointer<feed_state> self, const Wiring* w) {
  return behavior_of<feed_actor>(feed_handlers(self, w));
}

}  // namespace

feed_actor spawn_feed(caf::actor_system& system, const Wiring* w) { return system.spawn(feed_behavior, w); }

void add_direct_feed(DirectDispatcher& d, const Wiring* w) {
  d.add<feed_state>(ActorId::FEED, [w](auto self) { return feed_handlers(self, w); });
}

}  // namespace verity
