// Properties of pre-trade risk over random account states and signals
// (issue 4): no approved entry whose loss at its stop, with p90 costs, would
// cross a guardrail once what open positions risk at their stops is counted;
// after a breach nothing is approved; with the kill switch on nothing is
// approved; the daily reference resets exactly at Prague midnight.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "tests/support/rc_gen.hpp"

#include <algorithm>
#include <cmath>

#include "actors/risk/risk_engine.hpp"
#include "actors/runtime/calendar.hpp"
#include "actors/runtime/config.hpp"

namespace verity {
namespace {

using testing::int_in;
using testing::real_in;

constexpr std::int64_t kNs = 1'000'000'000;
// 2024-01-15 12:00 UTC (13:00 in Prague) and the same time one day later.
constexpr std::int64_t kDay1Noon = 1'705'320'000 * kNs;
constexpr std::int64_t kDay2Noon = kDay1Noon + 86'400 * kNs;



struct Scenario {
  RiskConfig config;
  FtmoConfig ftmo;
  double initial = 0;
  double balance_at_midnight = 0;  // the last balance seen on day 1
  AccountView now;                 // the account on day 2
  SignalSpec signal;
  double cost_per_side_bps = 0;    // p90: half spread + slippage + taker fee
  // An open ETH position entered through risk (so its stop is known).
  bool eth_open = false;
  double eth_entry = 0, eth_stop = 0, eth_mark = 0;
};

Scenario random_scenario() {
  Scenario s;
  s.initial = real_in(1'000, 1'000'000);
  s.config.kill_switch = false;
  s.config.risk_per_trade_pct = real_in(0.01, 10);
  s.config.max_position_usd = real_in(1, 100 * s.initial);
  s.config.min_notional_usd = real_in(0, 1'000);
  s.config.leverage_max = real_in(1, 10);
  s.config.rate_limit_per_hour = 1'000;
  s.ftmo.max_daily_loss_pct = real_in(1, 10);
  s.ftmo.max_loss_pct = s.ftmo.max_daily_loss_pct * real_in(1, 3);
  s.ftmo.guard_daily_loss_pct = s.ftmo.max_daily_loss_pct * real_in(0.1, 1);
  s.ftmo.guard_max_loss_pct = std::max(s.ftmo.guard_daily_loss_pct, s.ftmo.max_loss_pct * real_in(0.1, 1));
  s.cost_per_side_bps = real_in(0, 50);
  // Day 1 ends within the firm's limits (a breach would freeze the tracker).
  s.balance_at_midnight = s.initial * real_in(1 - 0.9 * s.ftmo.max_daily_loss_pct / 100, 1.2);
  s.now.time_ns = kDay2Noon;
  s.now.balance_usd = s.balance_at_midnight * real_in(0.95, 1.05);
  s.now.equity_usd = s.now.balance_usd * real_in(0.95, 1.05);
  const int held = int_in(-1, 2);  // short, flat or long
  if (held != 0) {
    s.now.position_qty["BTC"] = held * real_in(0.001, 10);
    s.now.mark["BTC"] = real_in(0.01, 100'000);
  }
  s.eth_open = int_in(0, 2) == 1;
  s.eth_entry = real_in(10, 10'000);
  s.eth_stop = s.eth_entry * real_in(0.8, 0.999);
  s.eth_mark = s.eth_entry * real_in(0.7, 1.3);
  const int dir = int_in(0, 3);
  s.signal.direction =
      dir == 0 ? schema::Direction::FLAT : (dir == 1 ? schema::Direction::UP : schema::Direction::DOWN);
  s.signal.entry = real_in(0.01, 100'000);
  s.signal.confidence = real_in(0, 1);
  // Mostly stops on the right side, sometimes on the wrong one.
  const double distance = s.signal.entry * real_in(0.0001, 0.5);
  const bool right_side = int_in(0, 10) != 0;
  const bool up = s.signal.direction == schema::Direction::UP;
  s.signal.stop_loss = (up == right_side) ? s.signal.entry - distance : s.signal.entry + distance;
  s.signal.take_profit = up ? s.signal.entry + distance : s.signal.entry - distance;
  return s;
}

/// Replays day 1 (ending at `balance_at_midnight`, with the ETH entry
/// approved and filled) and day 2's account into a fresh engine.
RiskEngine engine_for(Scenario& s) {
  const double bps = s.cost_per_side_bps;
  RiskEngine r(s.config, s.ftmo, s.initial, 1e-9, [bps](std::string_view, std::int64_t) { return bps; });
  AccountView day1;
  day1.time_ns = kDay1Noon;
  day1.balance_usd = day1.equity_usd = s.balance_at_midnight;
  r.on_account(day1);
  if (s.eth_open) {
    SignalSpec eth{schema::Direction::UP, s.eth_entry, s.eth_stop, 0, 0.6};
    const RiskVerdict v = r.evaluate("ETH", kDay1Noon + 1, eth);
    if (v.approved) {
      s.now.position_qty["ETH"] = v.orders.back().qty;
      s.now.mark["ETH"] = s.eth_mark;
    } else {
      s.eth_open = false;
    }
  }
  s.now.trades = s.eth_open ? 1 : 0;
  r.on_account(s.now);
  return r;
}

RC_GTEST_PROP(RiskProperties, NoApprovedEntryCrossesAGuardrailAtItsStop, ()) {
  Scenario s = random_scenario();
  RiskEngine r = engine_for(s);
  // The reference is day 1's last balance.
  RC_ASSERT(r.day_start_balance_usd() == s.balance_at_midnight);
  const RiskVerdict v = r.evaluate("BTC", kDay2Noon, s.signal);
  RC_TAG(v.approved ? "approved" : "rejected");
  if (!v.approved) {
    RC_ASSERT(v.orders.empty());
    RC_ASSERT(v.reason != schema::RejectReason::NONE);
    return;
  }
  // Room to the guardrails, worked out here from the scenario's numbers.
  const double cost = s.cost_per_side_bps / 1e4;
  const double daily_room = s.ftmo.guard_daily_loss_pct / 100.0 * s.initial - (s.balance_at_midnight - s.now.equity_usd);
  const double total_room = s.now.equity_usd - (s.initial - s.ftmo.guard_max_loss_pct / 100.0 * s.initial);
  double open_risk = 0;  // ETH at its stop; BTC is closed by any approved BTC entry (a reversal) first
  if (s.eth_open) {
    const double qty = s.now.position_qty["ETH"];
    open_risk += qty * (std::max(s.eth_mark - s.eth_stop, 0.0) + cost * (s.eth_mark + s.eth_stop));
  }
  const double btc = s.now.position_qty.contains("BTC") ? s.now.position_qty["BTC"] : 0.0;
  if (btc != 0) open_risk += std::fabs(btc) * cost * s.now.mark["BTC"];  // closing it costs a p90 fill
  const double room = std::min(daily_room, total_room) - open_risk;
  for (const OrderSpec& o : v.orders) {
    RC_ASSERT(o.qty > 0);
    if (o.reduce_only) continue;  // closing risk, not adding it
    const double loss_at_stop = o.qty * (std::fabs(o.ref_price - o.stop_loss) + cost * (o.ref_price + o.stop_loss));
    RC_LOG() << "loss " << loss_at_stop << " room " << room << " daily " << daily_room << " total " << total_room
             << " open " << open_risk << " worst " << v.worst_loss_usd << " headroom " << v.headroom_usd
             << " btc " << btc << " eth " << s.eth_open << "\n";
    RC_ASSERT(loss_at_stop <= room + 1e-9 * std::max(1.0, s.initial));
    RC_ASSERT(std::fabs(loss_at_stop - v.worst_loss_usd) <= 1e-9 * std::max(1.0, loss_at_stop));
    // And the size limits hold too.
    RC_ASSERT(o.qty * o.ref_price <= s.config.max_position_usd * (1 + 1e-12));
    RC_ASSERT(o.qty * o.ref_price <= s.now.equity_usd * r.leverage(s.signal.confidence) * (1 + 1e-12));
    RC_ASSERT(o.qty * o.ref_price >= s.config.min_notional_usd);
    RC_ASSERT(loss_at_stop <= s.now.equity_usd * s.config.risk_per_trade_pct / 100.0 * (1 + 1e-12));
  }
  // Only the last order opens risk; anything before it is a reduce-only close.
  for (std::size_t i = 0; i + 1 < v.orders.size(); ++i) RC_ASSERT(v.orders[i].reduce_only);
}

RC_GTEST_PROP(RiskProperties, AfterABreachNothingIsApproved, ()) {
  Scenario s = random_scenario();
  RiskEngine r = engine_for(s);
  // Equity falls in random steps until a firm limit breaks.
  std::int64_t t = kDay2Noon;
  double equity = s.now.equity_usd;
  bool breached = r.challenge_over();  // the day-2 account may already break a limit
  for (int i = 0; i < 400 && !breached; ++i) {
    equity -= s.initial * real_in(0.001, 0.02);
    t += 60'000'000'000;
    AccountView a = s.now;
    a.time_ns = t;
    a.equity_usd = equity;
    if (auto e = r.on_account(a)) breached = e->state == schema::ChallengeState::BREACHED;
  }
  RC_ASSERT(breached);
  RC_ASSERT(r.challenge_over());
  for (int i = 0; i < 5; ++i) {
    Scenario next = random_scenario();
    const RiskVerdict v = r.evaluate(int_in(0, 2) ? "BTC" : "ETH", t + i, next.signal);
    RC_ASSERT(!v.approved);
    RC_ASSERT(v.orders.empty());
    RC_ASSERT(v.reason == schema::RejectReason::CHALLENGE_OVER);
  }
  // Flattening closes exactly the open positions, reduce-only.
  std::size_t open = 0;
  for (const auto& [sym, qty] : s.now.position_qty) open += qty != 0;
  const auto flat = r.flatten_orders();
  RC_ASSERT(flat.size() == open);
  for (const OrderSpec& o : flat) RC_ASSERT(o.reduce_only);
}

RC_GTEST_PROP(RiskProperties, KillSwitchApprovesNothing, ()) {
  Scenario s = random_scenario();
  const bool from_config = *rc::gen::arbitrary<bool>();
  s.config.kill_switch = from_config;
  s.eth_open = false;
  RiskEngine r = engine_for(s);
  if (!from_config) r.set_kill_switch(true);
  const RiskVerdict v = r.evaluate("BTC", kDay2Noon, s.signal);
  RC_ASSERT(!v.approved);
  RC_ASSERT(v.orders.empty());
  RC_ASSERT(v.reason == schema::RejectReason::KILL_SWITCH);
}

RC_GTEST_PROP(RiskProperties, DailyReferenceResetsExactlyAtPragueMidnight, ()) {
  // A random Prague midnight in 2020-2035, often near a DST change.
  const std::int64_t base_s = days_from_civil(int_in(2020, 2036), int_in(0, 2) ? (int_in(0, 2) ? 3 : 10) : int_in(1, 13),
                                              int_in(20, 29)) * 86'400 + int_in(0, 86'400);
  const std::int64_t midnight = prague_midnight_ns(base_s * kNs + 86'400 * kNs);
  Scenario s = random_scenario();
  s.eth_open = false;
  const double bps = s.cost_per_side_bps;
  RiskEngine r(s.config, s.ftmo, s.initial, 1e-9, [bps](std::string_view, std::int64_t) { return bps; });
  AccountView a;
  a.time_ns = midnight - 3'600 * kNs;
  a.balance_usd = a.equity_usd = s.initial * real_in(1.0, 1.04);  // a gain: no breach, no pass
  a.trades = 1;
  r.on_account(a);
  // One nanosecond before midnight: still the old day, the reference is the initial balance.
  r.ftmo();  // (no state change from reading)
  AccountView b = a;
  b.time_ns = midnight - 1;
  r.on_account(b);
  RC_ASSERT(r.day_start_balance_usd() == s.initial);
  // At midnight exactly: the balance at midnight.
  AccountView c = a;
  c.time_ns = midnight;
  r.on_account(c);
  RC_ASSERT(r.day_start_balance_usd() == a.balance_usd);
  RC_ASSERT(prague_midnight_ns(midnight) == midnight);
  RC_ASSERT(prague_day(midnight) == prague_day(midnight - 1) + 1);
}

}  // namespace
}  // namespace verity
