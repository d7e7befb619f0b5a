// The risk engine, tested without an actor system. Every expected number
// is worked out by hand in the comments beside it.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "actors/execution/sim_venue.hpp"
#include "actors/feed/bar.hpp"
#include "actors/model/ema_cross.hpp"
#include "actors/risk/risk_engine.hpp"
#include "actors/runtime/config.hpp"

namespace verity {
namespace {

using schema::Direction;
using schema::Liquidity;
using schema::OrderStatus;
using schema::RejectReason;
using schema::Side;

constexpr std::int64_t kMinuteNs = 60'000'000'000;
constexpr std::int64_t kNs = 1'000'000'000;
// ---------------------------------------------------------------------------
// RiskEngine

constexpr double kInitial = 100'000;
// 2024-01-15 22:00 UTC is 23:00 in Prague (CET): Prague midnight is 23:00 UTC.
constexpr std::int64_t k20240115T2200Z = 1'705'356'000 * kNs;
// 2024-07-15 21:00 UTC is 23:00 in Prague (CEST): Prague midnight is 22:00 UTC.
constexpr std::int64_t k20240715T2100Z = 1'721'077'200 * kNs;
constexpr std::int64_t kHourNs = 3600 * kNs;

RiskConfig risk_config() {
  RiskConfig c;
  c.kill_switch = false;
  c.risk_per_trade_pct = 0.5;
  c.max_position_usd = 50'000;
  c.min_notional_usd = 10;
  return c;
}

AccountView account(std::int64_t t, double balance, double equity, double position = 0) {
  AccountView a;
  a.time_ns = t;
  a.balance_usd = balance;
  a.equity_usd = equity;
  if (position != 0) a.position_qty["BTC"] = position;
  return a;
}

SignalSpec signal(Direction d, double entry, double stop, double target = 0) {
  SignalSpec s;
  s.direction = d;
  s.entry = entry;
  s.stop_loss = stop;
  s.take_profit = target;
  s.confidence = 0.6;
  return s;
}

TEST(RiskEngine, SizesFromRiskPercentAndStopDistance) {
  RiskEngine r(risk_config(), kInitial, 0, 5);
  r.on_account(account(k20240115T2200Z, kInitial, kInitial));
  // Risk 0.5% of 100'000 = 500 USD over a 5 USD stop: 100 units, 10'000 USD.
  const RiskVerdict v = r.evaluate("BTC", k20240115T2200Z, signal(Direction::UP, 100, 95, 115));
  ASSERT_TRUE(v.approved) << v.detail;
  ASSERT_EQ(v.orders.size(), 1u);
  const OrderSpec& o = v.orders[0];
  EXPECT_EQ(o.symbol, "BTC");
  EXPECT_EQ(o.side, Side::BUY);
  EXPECT_DOUBLE_EQ(o.qty, 100);
  EXPECT_EQ(o.ref_price, 100);
  EXPECT_EQ(o.stop_loss, 95);
  EXPECT_EQ(o.take_profit, 115);
  EXPECT_FALSE(o.reduce_only);

  // Shorts size the same way, and risk is a share of equity, not balance:
  // 0.5% of 98'000 = 490 USD over a 7 USD stop is 70 units.
  r.on_account(account(k20240115T2200Z + 1, 100'000, 98'000));
  const RiskVerdict s = r.evaluate("BTC", k20240115T2200Z + 1, signal(Direction::DOWN, 200, 207, 180));
  ASSERT_TRUE(s.approved) << s.detail;
  EXPECT_EQ(s.orders.back().side, Side::SELL);
  EXPECT_DOUBLE_EQ(s.orders.back().qty, 70);
}

TEST(RiskEngine, SizeIsCappedByMaxPositionNotional) {
  RiskEngine r(risk_config(), kInitial, 0, 5);
  // 500 USD over a 0.1 stop would be 5'000 units = 500'000 USD; the cap is 50'000 USD / 100 = 500 units.
  const RiskVerdict v = r.evaluate("BTC", k20240115T2200Z, signal(Direction::UP, 100, 99.9));
  ASSERT_TRUE(v.approved) << v.detail;
  EXPECT_DOUBLE_EQ(v.orders.back().qty, 500);
}

TEST(RiskEngine, LossAtStopFitsTheRemainingDailyHeadroom) {
  RiskConfig c = risk_config();
  c.risk_per_trade_pct = 2;
  RiskEngine r(c, kInitial, 0, 5);
  r.on_account(account(k20240115T2200Z, kInitial, kInitial));
  // Today's loss is 4'400 of 5'000: 600 USD left. 2% of 95'600 = 1'912 USD
  // would be 382.4 units over 5 USD; the headroom allows 120.
  r.on_account(account(k20240115T2200Z + 1, kInitial, 95'600));
  EXPECT_DOUBLE_EQ(r.daily_loss_usd(), 4'400);
  const RiskVerdict v = r.evaluate("BTC", k20240115T2200Z + 2, signal(Direction::UP, 100, 95));
  ASSERT_TRUE(v.approved) << v.detail;
  EXPECT_DOUBLE_EQ(v.orders.back().qty, 120);
  EXPECT_LE(v.orders.back().qty * 5, 600 + 1e-9);

  // With 0.01 USD left the order would be under the minimum notional.
  r.on_account(account(k20240115T2200Z + 3, kInitial, 95'000.01));
  const RiskVerdict z = r.evaluate("BTC", k20240115T2200Z + 4, signal(Direction::UP, 100, 95));
  EXPECT_FALSE(z.approved);
  EXPECT_EQ(z.reason, RejectReason::MIN_NOTIONAL);
}

TEST(RiskEngine, LossAtTheStopIncludesTradingCostsOnBothLegs) {
  // 10 bps a side: the loss per unit at a stop of 95 from 100 is
  // 5 + 0.001 * (100 + 95) = 5.195 USD, not 5.
  RiskEngine r(risk_config(), kInitial, /*cost_per_side_bps=*/10, 5);
  r.on_account(account(k20240115T2200Z, kInitial, kInitial));
  const RiskVerdict v = r.evaluate("BTC", k20240115T2200Z + 1, signal(Direction::UP, 100, 95));
  ASSERT_TRUE(v.approved) << v.detail;
  const double qty = v.orders.back().qty;
  const double risk_usd = kInitial * risk_config().risk_per_trade_pct / 100.0;
  const double capped = std::min(risk_usd / 5.195, risk_config().max_position_usd / 100);
  EXPECT_DOUBLE_EQ(qty, capped);
  EXPECT_LE(qty * 5.195, risk_usd + 1e-9);

  // Near the daily limit the headroom bounds the loss with costs, too.
  r.on_account(account(k20240115T2200Z + 2, kInitial, 95'600));
  const RiskVerdict tight = r.evaluate("BTC", k20240115T2200Z + 3, signal(Direction::UP, 100, 95));
  ASSERT_TRUE(tight.approved) << tight.detail;
  EXPECT_LE(tight.orders.back().qty * 5.195, 600 + 1e-9);
}

TEST(RiskEngine, PastTheDailyLimitAnEntryFromFlatIsRefused) {
  RiskEngine r(risk_config(), kInitial, 0, 5);
  r.on_account(account(k20240115T2200Z + 1, 95'000, 95'000));  // 5'000 realized today
  const RiskVerdict v = r.evaluate("BTC", k20240115T2200Z + 2, signal(Direction::UP, 100, 95));
  EXPECT_FALSE(v.approved);
  EXPECT_EQ(v.reason, RejectReason::DAILY_LOSS);
  EXPECT_TRUE(v.orders.empty());
}

TEST(RiskEngine, KillSwitchRejectsEverything) {
  RiskEngine r(risk_config(), kInitial, 0, 5);
  r.on_account(account(k20240115T2200Z, kInitial, kInitial, /*position=*/2));
  r.set_kill_switch(true);
  EXPECT_TRUE(r.kill_switch());
  for (const SignalSpec& s : {signal(Direction::UP, 100, 95), signal(Direction::DOWN, 100, 105),
                              signal(Direction::FLAT, 100, 0)}) {
    const RiskVerdict v = r.evaluate("BTC", k20240115T2200Z, s);
    EXPECT_FALSE(v.approved);
    EXPECT_EQ(v.reason, RejectReason::KILL_SWITCH);
    EXPECT_TRUE(v.orders.empty());
  }
  r.set_kill_switch(false);
  EXPECT_TRUE(r.evaluate("BTC", k20240115T2200Z, signal(Direction::FLAT, 100, 0)).approved);

  // The config can start with it on.
  RiskConfig c = risk_config();
  c.kill_switch = true;
  RiskEngine on(c, kInitial);
  EXPECT_EQ(on.evaluate("BTC", k20240115T2200Z, signal(Direction::UP, 100, 95)).reason, RejectReason::KILL_SWITCH);
}

TEST(RiskEngine, DayStartBalanceIsTheBalanceAtPragueMidnightInWinter) {
  RiskEngine r(risk_config(), kInitial, 0, 5);
  EXPECT_EQ(r.daily_loss_limit_usd(), 5'000);
  r.on_account(account(k20240115T2200Z, kInitial, kInitial));               // 23:00 Prague
  r.on_account(account(k20240115T2200Z + kHourNs / 2, 97'000, 97'000));     // 23:30 Prague: a losing close
  EXPECT_EQ(r.day_start_balance_usd(), kInitial);  // still the 15th: no roll at 22:30 UTC in winter
  EXPECT_DOUBLE_EQ(r.daily_loss_usd(), 3'000);

  // 23:30 UTC is 00:30 on the 16th in Prague: the reference is the balance at
  // midnight (97'000), and a floating loss of 500 counts against it.
  r.on_account(account(k20240115T2200Z + 3 * kHourNs / 2, 97'000, 96'500, 1));
  EXPECT_EQ(r.day_start_balance_usd(), 97'000);
  EXPECT_DOUBLE_EQ(r.daily_loss_usd(), 500);

  // Later that day equity reaches 97'000 - 5'000: every new entry is refused.
  // A reversal still closes the open long (reducing risk is never blocked);
  // only its new short entry is refused.
  r.on_account(account(k20240115T2200Z + 12 * kHourNs, 95'000, 92'000, 1));
  const RiskVerdict v = r.evaluate("BTC", k20240115T2200Z + 12 * kHourNs, signal(Direction::DOWN, 100, 105));
  EXPECT_TRUE(v.approved);
  EXPECT_EQ(v.reason, RejectReason::DAILY_LOSS);
  EXPECT_NE(v.detail.find("5000.00"), std::string::npos) << v.detail;
  ASSERT_EQ(v.orders.size(), 1u);
  EXPECT_TRUE(v.orders[0].reduce_only);
  EXPECT_EQ(v.orders[0].side, Side::SELL);
  EXPECT_DOUBLE_EQ(v.orders[0].qty, 1);
  // A close signal is approved as well.
  EXPECT_TRUE(r.evaluate("BTC", k20240115T2200Z + 12 * kHourNs, signal(Direction::FLAT, 100, 0)).approved);
  EXPECT_EQ(r.day_start_balance_usd(), 97'000);  // intraday balance changes do not move the reference

  // Next Prague midnight: the reference becomes the last balance, 95'000.
  r.on_account(account(k20240115T2200Z + 25 * kHourNs + 1, 95'000, 94'000, 1));
  EXPECT_EQ(r.day_start_balance_usd(), 95'000);
  EXPECT_DOUBLE_EQ(r.daily_loss_usd(), 1'000);
}

TEST(RiskEngine, DayStartBalanceIsTheBalanceAtPragueMidnightInSummer) {
  RiskEngine r(risk_config(), kInitial, 0, 5);
  r.on_account(account(k20240715T2100Z, kInitial, 99'000, 1));  // 23:00 CEST, floating loss
  r.on_account(account(k20240715T2100Z + kHourNs - 1, 98'000, 98'000));  // 23:59:59.999 CEST
  EXPECT_EQ(r.day_start_balance_usd(), kInitial);
  // 22:00 UTC is midnight in summer (it would still be 23:00 in winter).
  r.on_account(account(k20240715T2100Z + kHourNs, 98'000, 98'000));
  EXPECT_EQ(r.day_start_balance_usd(), 98'000);
  EXPECT_DOUBLE_EQ(r.daily_loss_usd(), 0);
}

TEST(RiskEngine, ReferenceIsBalanceNotEquityAtMidnight) {
  // A position losing 2'000 across midnight: the new day starts 2'000 down.
  RiskEngine r(risk_config(), kInitial, 0, 5);
  r.on_account(account(k20240115T2200Z, kInitial, 98'000, 1));
  r.on_account(account(k20240115T2200Z + 2 * kHourNs, kInitial, 98'000, 1));
  EXPECT_EQ(r.day_start_balance_usd(), kInitial);
  EXPECT_DOUBLE_EQ(r.daily_loss_usd(), 2'000);
}

TEST(RiskEngine, EvaluateRollsTheDayWithoutAnAccountUpdate) {
  RiskEngine r(risk_config(), kInitial, 0, 5);
  r.on_account(account(k20240115T2200Z, 96'000, 96'000));
  // Still the 15th: 4'000 lost today.
  EXPECT_DOUBLE_EQ(r.daily_loss_usd(), 4'000);
  // A signal after midnight: the day rolls on the signal's time, so the
  // reference is 96'000 and the loss is zero.
  const RiskVerdict v = r.evaluate("BTC", k20240115T2200Z + 2 * kHourNs, signal(Direction::UP, 100, 95));
  EXPECT_TRUE(v.approved) << v.detail;
  EXPECT_EQ(r.day_start_balance_usd(), 96'000);
  EXPECT_DOUBLE_EQ(r.daily_loss_usd(), 0);
}

TEST(RiskEngine, WrongSideStopIsInvalid) {
  RiskEngine r(risk_config(), kInitial, 0, 5);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const SignalSpec& s : {signal(Direction::UP, 100, 101), signal(Direction::UP, 100, 100),
                              signal(Direction::DOWN, 100, 99), signal(Direction::DOWN, 100, 100),
                              signal(Direction::UP, 100, nan), signal(Direction::UP, 0, -5)}) {
    const RiskVerdict v = r.evaluate("BTC", k20240115T2200Z, s);
    EXPECT_FALSE(v.approved);
    EXPECT_EQ(v.reason, RejectReason::INVALID_STOP) << v.detail;
    EXPECT_TRUE(v.orders.empty());
  }
}

TEST(RiskEngine, SameDirectionWhileHoldingIsRefused) {
  RiskEngine r(risk_config(), kInitial, 0, 5);
  r.on_account(account(k20240115T2200Z, kInitial, kInitial, 2));
  RiskVerdict v = r.evaluate("BTC", k20240115T2200Z, signal(Direction::UP, 100, 95));
  EXPECT_FALSE(v.approved);
  EXPECT_EQ(v.reason, RejectReason::MAX_POSITION);
  r.on_account(account(k20240115T2200Z, kInitial, kInitial, -2));
  v = r.evaluate("BTC", k20240115T2200Z, signal(Direction::DOWN, 100, 105));
  EXPECT_EQ(v.reason, RejectReason::MAX_POSITION);
  // Another symbol is not held.
  EXPECT_TRUE(r.evaluate("ETH", k20240115T2200Z, signal(Direction::DOWN, 100, 105)).approved);
}

TEST(RiskEngine, ReversalClosesThenEnters) {
  RiskEngine r(risk_config(), kInitial, 0, 5);
  r.on_account(account(k20240115T2200Z, kInitial, kInitial, 3));
  const RiskVerdict v = r.evaluate("BTC", k20240115T2200Z, signal(Direction::DOWN, 100, 105, 90));
  ASSERT_TRUE(v.approved) << v.detail;
  ASSERT_EQ(v.orders.size(), 2u);
  EXPECT_EQ(v.orders[0].side, Side::SELL);
  EXPECT_EQ(v.orders[0].qty, 3);
  EXPECT_TRUE(v.orders[0].reduce_only);
  EXPECT_EQ(v.orders[1].side, Side::SELL);
  EXPECT_DOUBLE_EQ(v.orders[1].qty, 100);  // 500 USD over 5 USD
  EXPECT_FALSE(v.orders[1].reduce_only);
  EXPECT_EQ(v.orders[1].stop_loss, 105);
  EXPECT_EQ(v.orders[1].take_profit, 90);
}

TEST(RiskEngine, FlatClosesThePositionOrSaysThereIsNone) {
  RiskEngine r(risk_config(), kInitial, 0, 5);
  RiskVerdict v = r.evaluate("BTC", k20240115T2200Z, signal(Direction::FLAT, 100, 0));
  EXPECT_FALSE(v.approved);
  EXPECT_EQ(v.reason, RejectReason::NO_POSITION);
  r.on_account(account(k20240115T2200Z, kInitial, kInitial, -1.5));
  v = r.evaluate("BTC", k20240115T2200Z, signal(Direction::FLAT, 100, 0));
  ASSERT_TRUE(v.approved);
  ASSERT_EQ(v.orders.size(), 1u);
  EXPECT_EQ(v.orders[0].side, Side::BUY);
  EXPECT_EQ(v.orders[0].qty, 1.5);
  EXPECT_TRUE(v.orders[0].reduce_only);
}

}  // namespace
}  // namespace verity
