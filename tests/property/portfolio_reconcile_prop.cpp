// Reconciliation over random order flow: a SimVenue takes random market,
// limit and stop orders (both sides, reduce-only, brackets, cancels and
// replaces) in several symbols between random bars, and a Portfolio books
// its reports as the portfolio actor does. Then:
//   - each position is the signed sum of its fills;
//   - the balance is initial capital plus realized P&L minus fees, both
//     recomputed from the fill list with average-cost accounting, and equity
//     adds qty x (mark - average) at the latest marks;
//   - the venue's own ledger equals the portfolio booked from the reports;
//   - every report's quantities are consistent (cumQty, leavesQty, status).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "tests/support/rc_gen.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "actors/execution/instrument.hpp"
#include "actors/execution/sim_venue.hpp"
#include "actors/portfolio/portfolio.hpp"
#include "actors/runtime/config.hpp"

namespace verity {
namespace {

using testing::int_in;

using schema::OrderAction;
using schema::OrderStatus;
using schema::OrderType;
using schema::Side;

constexpr std::int64_t kMinuteNs = 60'000'000'000;
constexpr std::int64_t kStart = 1'705'276'800'000'000'000;  // 2024-01-15T00:00Z
constexpr double kStep = 0.001, kTick = 0.01;

bool chance(int percent) { return int_in(0, 100) < percent; }
double on_tick(double price) { return std::max(kTick, std::round(price / kTick) * kTick); }

bool close_to(double a, double b) { return std::fabs(a - b) <= 1e-9 * std::max({1.0, std::fabs(a), std::fabs(b)}); }

/// Average-cost accounting written out from the fill list, independently of
/// Portfolio: what the balance and equity must be.
struct Recomputed {
  struct Pos {
    double qty = 0, avg = 0, mark = 0;
  };
  std::map<std::string, Pos> pos;
  double realized = 0, fees = 0;

  void fill(const FillSpec& f) {
    Pos& p = pos[f.symbol];
    const double signed_qty = f.side == Side::BUY ? f.qty : -f.qty;
    fees += f.fee_usd;
    p.mark = f.price;
    const bool same_way = p.qty == 0 || (p.qty > 0) == (signed_qty > 0);
    if (same_way) {
      p.avg = (std::fabs(p.qty) * p.avg + f.qty * f.price) / (std::fabs(p.qty) + f.qty);
      p.qty += signed_qty;
      return;
    }
    const double closing = std::min(f.qty, std::fabs(p.qty));
    realized += closing * (f.price - p.avg) * (p.qty > 0 ? 1 : -1);
    const double left = f.qty - closing;  // what opens the other way after a flip
    if (left > 1e-12 * f.qty) {
      p.qty = signed_qty > 0 ? left : -left;
      p.avg = f.price;
    } else {
      p.qty = p.qty > 0 ? p.qty - closing : p.qty + closing;
      if (std::fabs(p.qty) <= 1e-9) p = Pos{0, 0, p.mark};
    }
  }
  void mark(const std::string& symbol, double price) {
    auto it = pos.find(symbol);
    if (it != pos.end()) it->second.mark = price;
  }
  double equity(double initial) const {
    double e = initial + realized - fees;
    for (const auto& [s, p] : pos) e += p.qty * (p.mark - p.avg);
    return e;
  }
};

Config random_config() {
  Config c;
  c.session.seed = static_cast<std::uint64_t>(int_in(0, 1'000'000));
  c.execution.cost_model = "fixed";  // no metrics here: "empirical" would fall back to the same figures
  c.execution.spread_bps = int_in(0, 20) / 2.0;
  c.execution.slippage_bps = int_in(0, 20) / 4.0;
  c.execution.taker_fee_bps = int_in(0, 10);
  c.execution.maker_fee_bps = int_in(0, 5);
  c.execution.participation_pct = int_in(1, 101);
  c.execution.latency_ms = int_in(0, 300);
  c.execution.latency_budget_ms = int_in(50, 500);
  c.execution.qty_step = kStep;
  c.execution.price_tick = kTick;
  c.execution.max_leverage = int_in(1, 20);
  c.risk.min_notional_usd = int_in(0, 20);
  c.portfolio.initial_balance_usd = 100'000;
  return c;
}

RC_GTEST_PROP(PortfolioReconcile, BooksFromReportsMatchTheFillHistoryAndTheVenueLedger, ()) {
  const Config config = random_config();
  SimVenue venue(config);
  Portfolio book(config.portfolio.initial_balance_usd);
  Recomputed expect;
  const std::vector<std::string> symbols = {"AAA", "BBB", "CCC"};
  std::map<std::string, double> price = {{"AAA", 100}, {"BBB", 20}, {"CCC", 2.5}};
  std::map<std::string, std::int64_t> minute;
  std::vector<std::uint64_t> ids;                   // every order id sent, for cancels and replaces
  std::map<std::uint64_t, double> filled_by_order;  // orders without a bracket: the sum of their fills
  std::map<std::uint64_t, bool> bracketed;
  std::uint64_t next_id = 1;
  int fills = 0;
  std::map<std::string, int> seen;  // report kinds, to show what the cases covered

  auto take = [&](const std::vector<FillSpec>& reports) {
    for (const FillSpec& f : reports) {
      if (f.status == OrderStatus::CANCELED) ++seen["cancel"];
      if (f.status == OrderStatus::PARTIALLY_FILLED) ++seen["partial"];
      if (f.detail == "limit") ++seen["limit"];
      if (f.detail.rfind("stop order", 0) == 0) ++seen["stop order"];
      if (f.detail.rfind("stop", 0) == 0 && f.detail.rfind("stop order", 0) != 0) ++seen["bracket stop"];
      if (f.detail == "target") ++seen["target"];
      if (f.detail.rfind("replaced", 0) == 0) ++seen["replace"];
      RC_ASSERT(f.cum_qty >= 0);
      RC_ASSERT(f.leaves_qty >= 0);
      if (f.status == OrderStatus::FILLED) RC_ASSERT(f.leaves_qty == 0);
      if (f.status == OrderStatus::PARTIALLY_FILLED) RC_ASSERT(f.leaves_qty > 0);
      if (f.status == OrderStatus::REJECTED || f.status == OrderStatus::CANCELED) {
        RC_ASSERT(f.qty == 0);
        RC_ASSERT(f.leaves_qty == 0);
      }
      if (!f.is_fill()) continue;
      ++fills;
      RC_ASSERT(f.status == OrderStatus::FILLED || f.status == OrderStatus::PARTIALLY_FILLED);
      RC_ASSERT(f.price > 0);
      RC_ASSERT(f.cum_qty + 1e-12 >= f.qty);
      RC_ASSERT(on_grid(f.qty, kStep));
      if (!bracketed[f.order_id]) {
        filled_by_order[f.order_id] += f.qty;
        RC_ASSERT(close_to(filled_by_order[f.order_id], f.cum_qty));
      }
      book.apply_fill(f.symbol, f.side, f.qty, f.price, f.fee_usd);
      expect.fill(f);
    }
  };

  auto bar = [&](const std::string& s) {
    const double prev = price[s];
    const double open = on_tick(prev * (1 + int_in(-20, 21) / 1000.0));
    const double close = on_tick(open * (1 + int_in(-30, 31) / 1000.0));
    const double high = on_tick(std::max(open, close) * (1 + int_in(0, 20) / 1000.0));
    const double low = on_tick(std::min(open, close) * (1 - int_in(0, 20) / 1000.0));
    BarData b;
    b.symbol = s;
    b.open_time_ns = kStart + (minute[s]++) * kMinuteNs;
    b.interval_ns = kMinuteNs;
    b.open = open;
    b.high = high;
    b.low = low;
    b.close = close;
    b.volume = chance(10) ? 0 : int_in(1, 5000) / 10.0;
    price[s] = close;
    take(venue.on_bar(b));
    book.mark(s, close);
    expect.mark(s, close);
  };

  auto random_order = [&]() {
    VenueOrder o;
    o.order_id = next_id++;
    o.symbol = symbols[int_in(0, 3)];
    const int kind = int_in(0, 10);
    if (kind == 0 && !ids.empty()) {
      o.action = OrderAction::CANCEL;
      o.target_order_id = chance(80) ? ids[int_in(0, static_cast<int>(ids.size()))] : 999'999;
    } else if (kind == 1 && !ids.empty()) {
      o.action = OrderAction::REPLACE;
      o.target_order_id = ids[int_in(0, static_cast<int>(ids.size()))];
      o.qty = int_in(0, 3000) * kStep;
      o.limit_price = on_tick(price[o.symbol] * (1 + int_in(-30, 31) / 1000.0));
      o.stop_price = on_tick(price[o.symbol] * (1 + int_in(-30, 31) / 1000.0));
    }
    o.side = chance(50) ? Side::BUY : Side::SELL;
    if (o.action == OrderAction::NEW) {
      const int type = int_in(0, 3);
      o.type = type == 0 ? OrderType::MARKET : (type == 1 ? OrderType::LIMIT : OrderType::STOP);
      o.qty = int_in(chance(5) ? 0 : 1, 3000) * kStep * (100.0 / price[o.symbol]);
      o.qty = floor_to_step(o.qty, kStep);
      if (chance(5)) o.qty += kStep / 3;  // off the grid: refused for precision
      const double px = price[o.symbol] * (1 + int_in(-30, 31) / 1000.0);
      o.limit_price = o.type == OrderType::LIMIT ? on_tick(px) : 0;
      o.stop_price = o.type == OrderType::STOP ? on_tick(px) : 0;
      o.reduce_only = chance(20);
      if (!o.reduce_only && chance(40)) {
        const double dir = o.side == Side::BUY ? 1 : -1;
        o.stop_loss = on_tick(price[o.symbol] * (1 - dir * int_in(5, 50) / 1000.0));
        o.take_profit = on_tick(price[o.symbol] * (1 + dir * int_in(5, 80) / 1000.0));
        bracketed[o.order_id] = true;
      }
    }
    o.time_ns = kStart + minute[o.symbol] * kMinuteNs;
    ids.push_back(o.order_id);
    take(venue.on_order(o));
  };

  const int steps = int_in(10, 200);
  for (const auto& s : symbols) {
    if (chance(90)) bar(s);
  }
  for (int i = 0; i < steps; ++i) {
    if (chance(45)) bar(symbols[int_in(0, 3)]);
    else random_order();
  }

  // Positions: the signed sum of each symbol's fills.
  for (const auto& [s, p] : book.positions()) {
    RC_ASSERT(close_to(p.qty, expect.pos[s].qty));
    RC_ASSERT(venue.position(s) == p.qty);
  }
  // Cash and equity from the fill list.
  RC_ASSERT(close_to(book.fees_usd(), expect.fees));
  RC_ASSERT(close_to(book.realized_usd(), expect.realized));
  RC_ASSERT(close_to(book.balance_usd(), config.portfolio.initial_balance_usd + expect.realized - expect.fees));
  RC_ASSERT(close_to(book.equity_usd(), expect.equity(config.portfolio.initial_balance_usd)));
  // The venue's ledger saw the same fills and marks in the same order.
  const Portfolio& ledger = venue.ledger();
  RC_ASSERT(ledger.balance_usd() == book.balance_usd());
  RC_ASSERT(ledger.equity_usd() == book.equity_usd());
  RC_ASSERT(ledger.fills() == book.fills());
  RC_ASSERT(ledger.positions().size() == book.positions().size());
  for (const auto& [s, p] : book.positions()) {
    const PositionState& l = ledger.positions().at(s);
    RC_ASSERT(l.qty == p.qty);
    RC_ASSERT(l.avg_price == p.avg_price);
    RC_ASSERT(l.mark == p.mark);
  }
  RC_CLASSIFY(fills == 0, "no fills");
  RC_CLASSIFY(fills > 10, "over 10 fills");
  for (const char* kind : {"cancel", "partial", "limit", "stop order", "bracket stop", "target", "replace"}) {
    RC_CLASSIFY(seen[kind] > 0, kind);
  }
}

}  // namespace
}  // namespace verity
