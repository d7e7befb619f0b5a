// The portfolio actor: books fills and marks positions to each bar's close.
// It sends an AccountSnapshot to risk after every fill and every mark that
// moves equity; a mark with no open position changes nothing and sends nothing.
#include <optional>

#include "actors/portfolio/portfolio.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/convert.hpp"
#include "actors/runtime/direct_dispatch.hpp"
#include "actors/runtime/interfaces.hpp"
#include "actors/runtime/snapshot.hpp"
#include "actors/runtime/session.hpp"

namespace verity {

struct portfolio_state {
  std::optional<Portfolio> book;
  static inline const char* name = "portfolio";
};

namespace {
template <class Self>
void snapshot(Self self, const Wiring* w) {
  const Portfolio& pf = *self->state.book;
  Session& s = *w->session;
  self->send(w->risk, s.emit<schema::AccountSnapshot>(ActorId::PORTFOLIO, ActorId::RISK, [&](auto a) {
    a.setTimeNs(s.now_ns());
    a.setBalanceUsd(pf.balance_usd());
    a.setEquityUsd(pf.equity_usd());
    a.setRealizedPnlUsd(pf.realized_usd());
    a.setUnrealizedPnlUsd(pf.unrealized_usd());
    a.setFeesUsd(pf.fees_usd());
    a.setTrades(pf.fills());
    std::size_t open = 0;
    for (const auto& [sym, p] : pf.positions()) open += p.qty != 0;
    auto list = a.initPositions(static_cast<unsigned>(open));
    unsigned i = 0;
    for (const auto& [sym, p] : pf.positions()) {
      if (p.qty == 0) continue;
      auto out = list[i++];
      out.setSymbol(sym);
      out.setQty(p.qty);
      out.setAvgPrice(p.avg_price);
      out.setMarkPrice(p.mark);
      out.setUnrealizedPnlUsd(p.unrealized_usd());
      out.setRealizedPnlUsd(p.realized_usd);
    }
  }));
}
}  // namespace

namespace {
template <class Self>
auto portfolio_handlers(Self self, const Wiring* w) {
  self->state.book.emplace(w->config->portfolio.initial_balance_usd);
  w->snapshots->add(
      ActorId::PORTFOLIO, [self](StateWriter& out) { out.put(*self->state.book); },
      [self](StateReader& in) { in.get(*self->state.book); });
  return std::make_tuple(
      [=](const Msg<schema::Bar>& in) {
        auto b = in.get();
        if (self->state.book->mark(text_of(b.getSymbol()), b.getClose())) snapshot(self, w);
      },
      [=](const Msg<schema::ExecutionReport>& in) {
        auto r = in.get();
        if (r.getLastQty() <= 0) return;
        self->state.book->apply_fill(text_of(r.getSymbol()), r.getSide(), r.getLastQty(), r.getLastPrice(),
                                     r.getFeeUsd());
        snapshot(self, w);
      });
}

portfolio_actor::behavior_type portfolio_behavior(portfolio_actor::stateful_pointer<portfolio_state> self, const Wiring* w) {
  return behavior_of<portfolio_actor>(portfolio_handlers(self, w));
}

}  // namespace

portfolio_actor spawn_portfolio(caf::actor_system& system, const Wiring* w) { return system.spawn(portfolio_behavior, w); }

void add_direct_portfolio(DirectDispatcher& d, const Wiring* w) {
  d.add<portfolio_state>(ActorId::PORTFOLIO, [w](auto self) { return portfolio_handlers(self, w); });
}

}  // namespace verity
