// Properties of pre-trade risk over random account states and signals: an
// approved entry can never lose more at its stop than what is left of today's
// loss limit, and the kill switch approves nothing.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>

#include "actors/risk/risk_engine.hpp"
#include "actors/runtime/config.hpp"

namespace verity {
namespace {

constexpr std::int64_t kNs = 1'000'000'000;
// 2024-01-15 12:00 UTC (13:00 in Prague) and the same time one day later.
constexpr std::int64_t kDay1Noon = 1'705'320'000 * kNs;
constexpr std::int64_t kDay2Noon = kDay1Noon + 86'400 * kNs;

/// An integer in [lo, hi), uniform at every case: rapidcheck scales inRange
/// with its size, which starts at 0, and early cases would all sit at `lo`.
int int_in(int lo, int hi) { return *rc::gen::resize(rc::kNominalSize, rc::gen::inRange(lo, hi)); }

/// A real number in [lo, hi] on a grid of a million steps: rapidcheck's own
/// double generator produces infinities and huge exponents we do not want here.
double real_in(double lo, double hi) {
  const int step = int_in(0, 1'000'001);
  return lo + (hi - lo) * static_cast<double>(step) / 1e6;
}

struct Scenario {
  RiskConfig config;
  double initial = 0;
  double balance_at_midnight = 0;  // the last balance seen on day 1
  AccountView now;                 // the account on day 2
  SignalSpec signal;
  double cost_per_side_bps = 0;    // half spread + slippage + taker fee
  double daily_limit_pct = 5;
};

Scenario random_scenario() {
  Scenario s;
  s.initial = real_in(1'000, 1'000'000);
  s.config.kill_switch = false;
  s.config.risk_per_trade_pct = real_in(0.01, 10);
  s.config.max_position_usd = real_in(1, 100 * s.initial);
  s.daily_limit_pct = real_in(0.1, 100);
  s.config.min_notional_usd = real_in(0, 1'000);
  s.cost_per_side_bps = real_in(0, 50);
  s.balance_at_midnight = s.initial * real_in(0.5, 1.5);
  s.now.time_ns = kDay2Noon;
  s.now.balance_usd = s.balance_at_midnight * real_in(0.5, 1.5);
  s.now.equity_usd = s.now.balance_usd * real_in(0.8, 1.2);
  const int held = int_in(-1, 2);  // short, flat or long
  if (held != 0) s.now.position_qty["BTC"] = held * real_in(0.001, 10);
  const int dir = int_in(0, 3);
  s.signal.direction =
      dir == 0 ? schema::Direction::FLAT : (dir == 1 ? schema::Direction::UP : schema::Direction::DOWN);
  s.signal.entry = real_in(0.01, 100'000);
  // Mostly stops on the right side, sometimes on the wrong one.
  const double distance = s.signal.entry * real_in(0.0001, 0.5);
  const bool right_side = int_in(0, 10) != 0;
  const bool up = s.signal.direction == schema::Direction::UP;
  s.signal.stop_loss = (up == right_side) ? s.signal.entry - distance : s.signal.entry + distance;
  s.signal.take_profit = up ? s.signal.entry + distance : s.signal.entry - distance;
  return s;
}

/// Replays day 1 (ending at `balance_at_midnight`) and day 2's account into a
/// fresh engine.
RiskEngine engine_for(const Scenario& s) {
  RiskEngine r(s.config, s.initial, s.cost_per_side_bps, s.daily_limit_pct);
  AccountView day1;
  day1.time_ns = kDay1Noon;
  day1.balance_usd = s.balance_at_midnight;
  day1.equity_usd = s.balance_at_midnight;
  r.on_account(day1);
  r.on_account(s.now);
  return r;
}

RC_GTEST_PROP(RiskProperties, ApprovedEntryLossAtStopFitsDailyHeadroom, ()) {
  const Scenario s = random_scenario();
  RiskEngine r = engine_for(s);
  // The reference is day 1's last balance, and the limit a share of initial capital.
  RC_ASSERT(r.day_start_balance_usd() == s.balance_at_midnight);
  const double limit = s.daily_limit_pct / 100.0 * s.initial;
  const double loss = s.balance_at_midnight - s.now.equity_usd;
  RC_ASSERT(std::fabs(r.daily_loss_limit_usd() - limit) <= 1e-9 * limit);

  const RiskVerdict v = r.evaluate("BTC", kDay2Noon, s.signal);
  RC_TAG(v.approved ? "approved" : "rejected");
  if (!v.approved) {
    RC_ASSERT(v.orders.empty());
    RC_ASSERT(v.reason != schema::RejectReason::NONE);
    return;
  }
  // Past the limit only closes are approved: reducing risk is never blocked.
  if (loss >= limit) {
    for (const OrderSpec& o : v.orders) RC_ASSERT(o.reduce_only);
  }
  const double cost = s.cost_per_side_bps / 1e4;
  for (const OrderSpec& o : v.orders) {
    RC_ASSERT(o.qty > 0);
    if (o.reduce_only) continue;  // closing risk, not adding it
    // The loss if the stop fills: distance plus the worst cost of both legs.
    const double loss_at_stop = o.qty * (std::fabs(o.ref_price - o.stop_loss) + cost * (o.ref_price + o.stop_loss));
    RC_ASSERT(loss_at_stop <= std::max(0.0, limit - loss) + 1e-9);
    // And the size limits hold too.
    RC_ASSERT(o.qty * o.ref_price <= s.config.max_position_usd * (1 + 1e-12));
    RC_ASSERT(o.qty * o.ref_price >= s.config.min_notional_usd);
    RC_ASSERT(loss_at_stop <= s.now.equity_usd * s.config.risk_per_trade_pct / 100.0 * (1 + 1e-12));
  }
  // Only the last order opens risk; anything before it is a reduce-only close.
  for (std::size_t i = 0; i + 1 < v.orders.size(); ++i) RC_ASSERT(v.orders[i].reduce_only);
}

RC_GTEST_PROP(RiskProperties, KillSwitchApprovesNothing, ()) {
  Scenario s = random_scenario();
  const bool from_config = *rc::gen::arbitrary<bool>();
  s.config.kill_switch = from_config;
  RiskEngine r = engine_for(s);
  if (!from_config) r.set_kill_switch(true);
  const RiskVerdict v = r.evaluate("BTC", kDay2Noon, s.signal);
  RC_ASSERT(!v.approved);
  RC_ASSERT(v.orders.empty());
  RC_ASSERT(v.reason == schema::RejectReason::KILL_SWITCH);
}

}  // namespace
}  // namespace verity
