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

FtmoConfig ftmo_config() {
  FtmoConfig c;
  c.guard_daily_loss_pct = 5;  // 5'000 USD of 100'000: new risk stops there
  return c;
}

/// An engine whose fills cost `cost_per_side_bps` (p90: half spread,
/// slippage and fee) on every pair, with a quantity step of 1e-6.
RiskEngine make(const RiskConfig& c = risk_config(), double cost_per_side_bps = 0) {
  return RiskEngine(c, ftmo_config(), kInitial, 1e-6,
                    [cost_per_side_bps](std::string_view, std::int64_t) { return cost_per_side_bps; });
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
  RiskEngine r = make();
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
  RiskEngine r = make();
  // 500 USD over a 0.1 stop would be 5'000 units = 500'000 USD; the cap is 50'000 USD / 100 = 500 units.
  const RiskVerdict v = r.evaluate("BTC", k20240115T2200Z, signal(Direction::UP, 100, 99.9));
  ASSERT_TRUE(v.approved) << v.detail;
  EXPECT_DOUBLE_EQ(v.orders.back().qty, 500);
}

TEST(RiskEngine, LossAtStopFitsTheRemainingDailyHeadroom) {
  RiskConfig c = risk_config();
  c.risk_per_trade_pct = 2;
  RiskEngine r = make(c);
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
  RiskEngine r = make(risk_config(), /*cost_per_side_bps=*/10);
  r.on_account(account(k20240115T2200Z, kInitial, kInitial));
  const RiskVerdict v = r.evaluate("BTC", k20240115T2200Z + 1, signal(Direction::UP, 100, 95));
  ASSERT_TRUE(v.approved) << v.detail;
  const double qty = v.orders.back().qty;
  const double risk_usd = kInitial * risk_config().risk_per_trade_pct / 100.0;
  const double capped = std::min(risk_usd / 5.195, risk_config().max_position_usd / 100);
  EXPECT_NEAR(qty, capped, 1e-6);  // floored to the 1e-6 quantity step
  EXPECT_LE(qty, capped);
  EXPECT_LE(qty * 5.195, risk_usd + 1e-9);

  // Near the daily limit the headroom bounds the loss with costs, too.
  r.on_account(account(k20240115T2200Z + 2, kInitial, 95'600));
  const RiskVerdict tight = r.evaluate("BTC", k20240115T2200Z + 3, signal(Direction::UP, 100, 95));
  ASSERT_TRUE(tight.approved) << tight.detail;
  EXPECT_LE(tight.orders.back().qty * 5.195, 600 + 1e-9);
}

TEST(RiskEngine, PastTheDailyLimitAnEntryFromFlatIsRefused) {
  RiskEngine r = make();
  r.on_account(account(k20240115T2200Z + 1, 95'000, 95'000));  // 5'000 realized today
  const RiskVerdict v = r.evaluate("BTC", k20240115T2200Z + 2, signal(Direction::UP, 100, 95));
  EXPECT_FALSE(v.approved);
  EXPECT_EQ(v.reason, RejectReason::DAILY_LOSS);
  EXPECT_TRUE(v.orders.empty());
}

TEST(RiskEngine, KillSwitchRejectsEverything) {
  RiskEngine r = make();
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
  RiskEngine on = make(c);
  EXPECT_EQ(on.evaluate("BTC", k20240115T2200Z, signal(Direction::UP, 100, 95)).reason, RejectReason::KILL_SWITCH);
}

TEST(RiskEngine, DayStartBalanceIsTheBalanceAtPragueMidnightInWinter) {
  RiskEngine r = make();
  EXPECT_EQ(r.daily_guard_usd(), 5'000);
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
  EXPECT_NE(v.detail.find("daily guardrail"), std::string::npos) << v.detail;
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
  RiskEngine r = make();
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
  RiskEngine r = make();
  r.on_account(account(k20240115T2200Z, kInitial, 98'000, 1));
  r.on_account(account(k20240115T2200Z + 2 * kHourNs, kInitial, 98'000, 1));
  EXPECT_EQ(r.day_start_balance_usd(), kInitial);
  EXPECT_DOUBLE_EQ(r.daily_loss_usd(), 2'000);
}

TEST(RiskEngine, EvaluateRollsTheDayWithoutAnAccountUpdate) {
  RiskEngine r = make();
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
  RiskEngine r = make();
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
  RiskEngine r = make();
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
  RiskEngine r = make();
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
  RiskEngine r = make();
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

// ---------------------------------------------------------------------------
// The challenge inside risk

AccountView with_btc(AccountView a, double qty, double mark) {
  a.position_qty["BTC"] = qty;
  a.mark["BTC"] = mark;
  return a;
}

TEST(RiskEngine, ABreachEndsTheChallengeAndFlattensEverything) {
  RiskEngine r = make();
  r.on_account(account(k20240115T2200Z, kInitial, kInitial));
  // Long 100 BTC at 100, then equity falls 5'000.01 in the day: the firm's
  // 5% daily limit (5'000 USD) is broken.
  AccountView a = with_btc(account(k20240115T2200Z + 1, kInitial, 94'999.99), 100, 50);
  a.mark["ETH"] = 10;
  a.position_qty["ETH"] = -2;
  a.trades = 2;
  const auto e = r.on_account(a);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->state, schema::ChallengeState::BREACHED);
  ASSERT_TRUE(e->breach.has_value());
  EXPECT_EQ(e->breach->rule, FtmoRule::daily_loss);
  EXPECT_NEAR(e->breach->loss_usd, 5'000.01, 1e-6);
  EXPECT_EQ(e->breach->limit_usd, 5'000);
  EXPECT_TRUE(r.challenge_over());
  // Every position closes, reduce-only, in symbol order.
  const auto flat = r.flatten_orders();
  ASSERT_EQ(flat.size(), 2u);
  EXPECT_EQ(flat[0].symbol, "BTC");
  EXPECT_EQ(flat[0].side, Side::SELL);
  EXPECT_EQ(flat[0].qty, 100);
  EXPECT_EQ(flat[1].symbol, "ETH");
  EXPECT_EQ(flat[1].side, Side::BUY);
  EXPECT_EQ(flat[1].qty, 2);
  for (const auto& o : flat) EXPECT_TRUE(o.reduce_only);
  // Nothing is approved afterwards, not even a close, and the reason says why.
  for (const SignalSpec& s : {signal(Direction::UP, 100, 95), signal(Direction::FLAT, 100, 0)}) {
    const RiskVerdict v = r.evaluate("BTC", k20240115T2200Z + 2, s);
    EXPECT_FALSE(v.approved);
    EXPECT_EQ(v.reason, RejectReason::CHALLENGE_OVER);
    EXPECT_NE(v.detail.find("daily_loss"), std::string::npos) << v.detail;
  }
  // Later updates do not report the breach again.
  EXPECT_FALSE(r.on_account(account(k20240115T2200Z + 3, kInitial, 90'000)).has_value());
}

TEST(RiskEngine, TwoStepPassesPhaseOneThenVerification) {
  RiskEngine r = make();
  // Four trading days (fills on four Prague days), then the balance reaches
  // +10% with no position open: phase 1 passes.
  std::int64_t t = k20240115T2200Z + 2 * kHourNs;  // 01:00 Prague on the 16th
  std::uint64_t trades = 0;
  for (int day = 0; day < 4; ++day) {
    AccountView a = account(t + day * 24 * kHourNs, kInitial + 2'000 * day, kInitial + 2'000 * day);
    a.trades = ++trades;
    EXPECT_FALSE(r.on_account(a).has_value());
  }
  AccountView pass = account(t + 3 * 24 * kHourNs + kHourNs, 110'000, 110'000);
  pass.trades = ++trades;
  auto e = r.on_account(pass);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->state, schema::ChallengeState::PHASE_PASSED);
  EXPECT_EQ(e->phase, 1);
  EXPECT_EQ(r.phase(), 2);
  EXPECT_FALSE(r.challenge_over());
  EXPECT_EQ(r.ftmo().phase_start_balance_usd(), 110'000);
  // Verification: +5% of initial (5'000) from where it started, four new trading days.
  const std::int64_t v0 = t + 5 * 24 * kHourNs;
  for (int day = 0; day < 3; ++day) {
    AccountView a = account(v0 + day * 24 * kHourNs, 115'000, 115'000);
    a.trades = ++trades;
    EXPECT_FALSE(r.on_account(a).has_value()) << "day " << day << ": only " << day + 1 << " trading days";
  }
  AccountView done = account(v0 + 3 * 24 * kHourNs, 115'000, 115'000);
  done.trades = ++trades;
  e = r.on_account(done);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->state, schema::ChallengeState::PASSED);
  EXPECT_EQ(e->phase, 2);
  EXPECT_EQ(e->trading_days, 4);
  EXPECT_TRUE(r.challenge_over());
  EXPECT_EQ(r.evaluate("BTC", v0 + 4 * 24 * kHourNs, signal(Direction::UP, 100, 95)).reason,
            RejectReason::CHALLENGE_OVER);
}

TEST(RiskEngine, OpenPositionsAtTheirStopsUseUpTheGuardrailRoom) {
  RiskConfig c = risk_config();
  c.risk_per_trade_pct = 3;  // 3'000 USD a trade: the room binds, not the risk share
  c.max_position_usd = 1e6;
  c.leverage_min = c.leverage_max = 5;
  RiskEngine r = make(c);
  r.on_account(account(k20240115T2200Z, kInitial, kInitial));
  // ETH long approved: 3'000 USD over a 10 USD stop = 300 units.
  const RiskVerdict eth = r.evaluate("ETH", k20240115T2200Z + 1, SignalSpec{Direction::UP, 1'000, 990, 0, 0.6});
  ASSERT_TRUE(eth.approved) << eth.detail;
  EXPECT_DOUBLE_EQ(eth.orders.back().qty, 300);
  EXPECT_DOUBLE_EQ(eth.worst_loss_usd, 3'000);
  AccountView a = account(k20240115T2200Z + 2, kInitial, kInitial);
  a.position_qty["ETH"] = 300;
  a.mark["ETH"] = 1'000;
  a.trades = 1;
  r.on_account(a);
  EXPECT_DOUBLE_EQ(r.open_risk_usd(k20240115T2200Z + 2), 3'000);
  // The daily guardrail is 5'000: 2'000 is left for BTC, 400 units over 5 USD.
  const RiskVerdict btc = r.evaluate("BTC", k20240115T2200Z + 3, signal(Direction::UP, 100, 95));
  ASSERT_TRUE(btc.approved) << btc.detail;
  EXPECT_DOUBLE_EQ(btc.orders.back().qty, 400);
  EXPECT_DOUBLE_EQ(btc.headroom_usd, 2'000);
  // Once the ETH position is seen closed its stop no longer counts.
  AccountView closed = account(k20240115T2200Z + 4, kInitial, kInitial);
  closed.trades = 2;
  r.on_account(closed);
  EXPECT_DOUBLE_EQ(r.open_risk_usd(k20240115T2200Z + 4), 0);
}

TEST(RiskEngine, RateLimitsPerTierOverARollingHour) {
  RiskEngine r = make();
  const std::int64_t t0 = k20240115T2200Z + 2 * kHourNs;
  auto entry = [&](const char* symbol, std::int64_t t, schema::Tier tier) {
    return r.evaluate(symbol, t, signal(Direction::UP, 100, 99.9), tier);
  };
  // High tier: 5 an hour. Each entry uses a new symbol (one position each).
  const char* symbols[] = {"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"};
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(entry(symbols[i], t0 + i, schema::Tier::HIGH).approved) << i;
  const RiskVerdict sixth = entry(symbols[5], t0 + 5, schema::Tier::HIGH);
  EXPECT_FALSE(sixth.approved);
  EXPECT_EQ(sixth.reason, RejectReason::RATE_LIMIT);
  EXPECT_NE(sixth.detail.find("tier high"), std::string::npos) << sixth.detail;
  // The low tier has its own budget of 10.
  EXPECT_TRUE(entry(symbols[5], t0 + 6, schema::Tier::LOW).approved);
  // An hour after the first high entry, one high slot frees up.
  EXPECT_TRUE(entry(symbols[6], t0 + kHourNs, schema::Tier::HIGH).approved);
  EXPECT_FALSE(entry(symbols[7], t0 + kHourNs, schema::Tier::HIGH).approved);
}

TEST(RiskEngine, TwoLossesWithinAnHourCutRiskUntilTheyAgeOut) {
  RiskEngine r = make();
  const std::int64_t t0 = k20240115T2200Z + 2 * kHourNs;
  auto close_at_loss = [&](std::int64_t t, double balance, std::uint64_t trades) {
    AccountView open = with_btc(account(t, balance + 100, balance + 50), 1, 100);
    open.trades = trades;
    r.on_account(open);
    AccountView closed = account(t + 1, balance, balance);
    closed.trades = trades + 1;
    r.on_account(closed);
  };
  close_at_loss(t0, 99'900, 1);
  EXPECT_FALSE(r.backoff_active(t0 + 2));
  close_at_loss(t0 + 30 * 60 * kNs, 99'800, 3);
  EXPECT_TRUE(r.backoff_active(t0 + 30 * 60 * kNs + 2));
  // Risk 0.5% of 99'800 = 499 USD, cut by 50%: 249.5 over a 5 USD stop = 49.9 units.
  const RiskVerdict v = r.evaluate("BTC", t0 + 30 * 60 * kNs + 3, signal(Direction::UP, 100, 95));
  ASSERT_TRUE(v.approved) << v.detail;
  EXPECT_NEAR(v.orders.back().qty, 49.9, 1e-9);
  EXPECT_EQ(v.reason, RejectReason::BACKOFF);
  EXPECT_NE(v.detail.find("backoff"), std::string::npos);
  // 60 minutes after the first loss it ages out.
  EXPECT_FALSE(r.backoff_active(t0 + 60 * 60 * kNs + 2));
}

TEST(RiskEngine, LeverageRisesWithConfidenceFromOneToFive) {
  RiskEngine r = make();
  EXPECT_DOUBLE_EQ(r.leverage(0.2), 1);
  EXPECT_DOUBLE_EQ(r.leverage(0.55), 1);
  EXPECT_DOUBLE_EQ(r.leverage(0.70), 3);  // halfway from 0.55 to 0.85
  EXPECT_DOUBLE_EQ(r.leverage(0.85), 5);
  EXPECT_DOUBLE_EQ(r.leverage(0.99), 5);
  // A tight stop at low confidence is capped by 1x leverage: equity / price.
  RiskConfig c = risk_config();
  c.max_position_usd = 1e9;
  RiskEngine low = make(c);
  SignalSpec s = signal(Direction::UP, 100, 99.99);
  s.confidence = 0.5;
  EXPECT_DOUBLE_EQ(low.evaluate("BTC", k20240115T2200Z, s).orders.back().qty, 1'000);  // 100'000 USD / 100
  s.confidence = 0.85;
  EXPECT_DOUBLE_EQ(low.evaluate("ETH", k20240115T2200Z, s).orders.back().qty, 5'000);
}

}  // namespace
}  // namespace verity
