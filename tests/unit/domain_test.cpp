// The pure domain logic of the feed, model, portfolio, execution and risk
// actors, tested without an actor system (STYLE.md rule 3). Every expected
// number is worked out by hand in the comments beside it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "actors/execution/sim_venue.hpp"
#include "actors/feed/bar.hpp"
#include "actors/features/indicators.hpp"
#include "actors/model/ema_cross.hpp"
#include "actors/portfolio/portfolio.hpp"
#include "actors/risk/risk_engine.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/prng.hpp"

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
// check_bar

BarData good_bar() {
  BarData b;
  b.symbol = "BTCUSDT";
  b.open_time_ns = 10 * kMinuteNs;
  b.interval_ns = kMinuteNs;
  b.open = 100;
  b.high = 105;
  b.low = 95;
  b.close = 102;
  b.volume = 3;
  return b;
}

void expect_problem(const BarData& b, std::optional<std::int64_t> prev, const std::string& field,
                    const std::string& reason_part) {
  const auto p = check_bar(b, prev);
  ASSERT_TRUE(p.has_value()) << "expected a problem with " << field;
  EXPECT_EQ(p->field, field);
  EXPECT_NE(p->reason.find(reason_part), std::string::npos) << p->reason;
}

TEST(CheckBar, AcceptsAGoodBarFirstAndAfterAnEarlierOne) {
  EXPECT_FALSE(check_bar(good_bar(), std::nullopt).has_value());
  EXPECT_FALSE(check_bar(good_bar(), 9 * kMinuteNs).has_value());
  // A bar whose open, close, high and low are all equal is still a bar.
  BarData flat = good_bar();
  flat.open = flat.high = flat.low = flat.close = 100;
  EXPECT_FALSE(check_bar(flat, std::nullopt).has_value());
}

TEST(CheckBar, RejectsNonPositivePrices) {
  for (const char* field : {"open", "high", "low", "close"}) {
    for (double bad : {0.0, -1.0}) {
      BarData b = good_bar();
      if (std::string(field) == "open") b.open = bad;
      if (std::string(field) == "high") b.high = bad;
      if (std::string(field) == "low") b.low = bad;
      if (std::string(field) == "close") b.close = bad;
      expect_problem(b, std::nullopt, field, "not positive");
    }
  }
}

TEST(CheckBar, RejectsNonFiniteNumbers) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  BarData b = good_bar();
  b.close = nan;
  expect_problem(b, std::nullopt, "close", "finite");
  b = good_bar();
  b.high = inf;
  expect_problem(b, std::nullopt, "high", "finite");
  b = good_bar();
  b.volume = nan;
  expect_problem(b, std::nullopt, "volume", "finite");
}

TEST(CheckBar, RejectsNegativeVolume) {
  BarData b = good_bar();
  b.volume = -0.5;
  expect_problem(b, std::nullopt, "volume", "negative");
}

TEST(CheckBar, RejectsInconsistentRange) {
  BarData b = good_bar();
  b.high = 94;  // below low 95
  b.open = b.close = 94.5;
  expect_problem(b, std::nullopt, "high", "below low");

  b = good_bar();
  b.open = 106;  // above high 105
  expect_problem(b, std::nullopt, "open", "outside");
  b = good_bar();
  b.open = 94;
  expect_problem(b, std::nullopt, "open", "outside");

  b = good_bar();
  b.close = 105.5;
  expect_problem(b, std::nullopt, "close", "outside");
  b = good_bar();
  b.close = 94.9;
  expect_problem(b, std::nullopt, "close", "outside");
}

TEST(CheckBar, RejectsNonPositiveInterval) {
  BarData b = good_bar();
  b.interval_ns = 0;
  expect_problem(b, std::nullopt, "interval", "not positive");
}

TEST(CheckBar, RejectsDuplicateAndOutOfOrderTimes) {
  const BarData b = good_bar();
  expect_problem(b, b.open_time_ns, "open_time", "duplicate");
  expect_problem(b, b.open_time_ns + kMinuteNs, "open_time", "out of order");
}

// ---------------------------------------------------------------------------
// EmaCrossStrategy

StrategyConfig strategy_config() {
  StrategyConfig c;
  c.stop_atr = 2.0;
  c.target_atr = 3.0;
  c.confidence = 0.6;
  return c;
}

FeatureRow row(double fast, double slow, double close = 100.0, double atr = 1.5, bool ready = true) {
  FeatureRow r;
  r.close = close;
  r.ema_fast = fast;
  r.ema_slow = slow;
  r.sma = close;
  r.atr = atr;
  r.ready = ready;
  return r;
}

TEST(EmaCross, NoSignalUntilWarm) {
  EmaCrossStrategy s(strategy_config());
  // Crosses while not ready are ignored and do not even set the side.
  EXPECT_FALSE(s.on_features(row(1, 2, 100, 1.5, false)));
  EXPECT_FALSE(s.on_features(row(2, 1, 100, 1.5, false)));
  // The first warm bar only records which side fast is on.
  EXPECT_FALSE(s.on_features(row(1, 2)));
  EXPECT_FALSE(s.on_features(row(1, 3)));
  // Now a real cross signals.
  EXPECT_TRUE(s.on_features(row(3, 2)));
}

TEST(EmaCross, CrossUpIsLongWithStopBelowAndTargetAbove) {
  EmaCrossStrategy s(strategy_config());
  ASSERT_FALSE(s.on_features(row(99, 100)));
  const auto sig = s.on_features(row(101, 100, 200.0, 4.0));
  ASSERT_TRUE(sig.has_value());
  EXPECT_EQ(sig->direction, Direction::UP);
  EXPECT_EQ(sig->entry, 200.0);
  EXPECT_DOUBLE_EQ(sig->stop_loss, 200.0 - 2.0 * 4.0);
  EXPECT_DOUBLE_EQ(sig->take_profit, 200.0 + 3.0 * 4.0);
  EXPECT_EQ(sig->confidence, 0.6);
  // Staying above is not another cross.
  EXPECT_FALSE(s.on_features(row(102, 100)));
}

TEST(EmaCross, CrossDownIsShortWithStopAboveAndTargetBelow) {
  EmaCrossStrategy s(strategy_config());
  ASSERT_FALSE(s.on_features(row(101, 100)));
  const auto sig = s.on_features(row(99, 100, 50.0, 0.5));
  ASSERT_TRUE(sig.has_value());
  EXPECT_EQ(sig->direction, Direction::DOWN);
  EXPECT_DOUBLE_EQ(sig->stop_loss, 50.0 + 2.0 * 0.5);
  EXPECT_DOUBLE_EQ(sig->take_profit, 50.0 - 3.0 * 0.5);
  EXPECT_FALSE(s.on_features(row(98, 100)));
}

TEST(EmaCross, TieKeepsTheLastSideAndZeroAtrIsIgnored) {
  EmaCrossStrategy s(strategy_config());
  ASSERT_FALSE(s.on_features(row(101, 100)));
  EXPECT_FALSE(s.on_features(row(100, 100)));  // a tie is not a cross
  EXPECT_FALSE(s.on_features(row(101, 100)));  // back above: no cross happened
  EXPECT_FALSE(s.on_features(row(99, 100, 100, 0.0)));  // no ATR, no stop: no signal, side unchanged
  const auto sig = s.on_features(row(99, 100));  // the cross is seen on the next bar with an ATR
  ASSERT_TRUE(sig.has_value());
  EXPECT_EQ(sig->direction, Direction::DOWN);
}

TEST(EmaCross, SignalsExactlyAtCrossesOfARandomWalk) {
  FeaturesConfig fc;
  fc.ema_fast = 5;
  fc.ema_slow = 13;
  fc.sma = 20;
  fc.atr = 7;
  FeatureEngine features(fc);
  EmaCrossStrategy s(strategy_config());
  Prng prng(99);
  double price = 1000;
  int last_side = 0, signals = 0;
  for (int i = 0; i < 3000; ++i) {
    BarData b = good_bar();
    b.open_time_ns = i * kMinuteNs;
    b.open = price;
    price *= 1.0 + 0.003 * prng.normal();
    b.close = price;
    b.high = std::max(b.open, b.close) * 1.001;
    b.low = std::min(b.open, b.close) * 0.999;
    const FeatureRow r = features.update(b);
    const auto sig = s.on_features(r);
    const int side = !r.ready ? 0 : (r.ema_fast > r.ema_slow ? 1 : (r.ema_fast < r.ema_slow ? -1 : 0));
    const bool crossed = side != 0 && last_side != 0 && side != last_side;
    ASSERT_EQ(sig.has_value(), crossed) << "bar " << i;
    if (sig) {
      ++signals;
      EXPECT_EQ(sig->direction, side > 0 ? Direction::UP : Direction::DOWN);
      EXPECT_EQ(sig->entry, r.close);
    }
    if (side != 0) last_side = side;
  }
  EXPECT_GT(signals, 10);  // the walk must actually exercise crosses
}

// ---------------------------------------------------------------------------
// Portfolio

TEST(Portfolio, OpenAddPartialCloseFlipAndClose) {
  Portfolio p(10'000);
  p.apply_fill("BTC", Side::BUY, 2, 100, 1.0);
  EXPECT_EQ(p.positions().at("BTC").qty, 2);
  EXPECT_EQ(p.positions().at("BTC").avg_price, 100);
  EXPECT_DOUBLE_EQ(p.balance_usd(), 9'999);  // fees reduce balance at once

  p.apply_fill("BTC", Side::BUY, 2, 110, 1.0);  // add: avg (2*100 + 2*110) / 4 = 105
  EXPECT_EQ(p.positions().at("BTC").qty, 4);
  EXPECT_DOUBLE_EQ(p.positions().at("BTC").avg_price, 105);
  EXPECT_DOUBLE_EQ(p.realized_usd(), 0);

  EXPECT_TRUE(p.mark("BTC", 120));
  EXPECT_DOUBLE_EQ(p.unrealized_usd(), 4 * 15.0);
  EXPECT_DOUBLE_EQ(p.equity_usd(), 9'998 + 60);

  p.apply_fill("BTC", Side::SELL, 1, 120, 0.5);  // partial: realize 1 * (120 - 105) = 15
  EXPECT_EQ(p.positions().at("BTC").qty, 3);
  EXPECT_DOUBLE_EQ(p.positions().at("BTC").avg_price, 105);  // reducing does not move the average
  EXPECT_DOUBLE_EQ(p.realized_usd(), 15);
  EXPECT_DOUBLE_EQ(p.balance_usd(), 10'000 + 15 - 2.5);

  p.apply_fill("BTC", Side::SELL, 5, 100, 0.5);  // flip: close 3 at -5 each, open 2 short at 100
  EXPECT_EQ(p.positions().at("BTC").qty, -2);
  EXPECT_DOUBLE_EQ(p.positions().at("BTC").avg_price, 100);
  EXPECT_DOUBLE_EQ(p.realized_usd(), 15 - 15);
  EXPECT_DOUBLE_EQ(p.fees_usd(), 3.0);

  EXPECT_TRUE(p.mark("BTC", 90));  // short gains when price falls
  EXPECT_DOUBLE_EQ(p.unrealized_usd(), 20);
  EXPECT_DOUBLE_EQ(p.equity_usd(), 10'000 - 3 + 20);

  p.apply_fill("BTC", Side::BUY, 2, 90, 0.25);  // close: realize 2 * (100 - 90) = 20
  EXPECT_EQ(p.positions().at("BTC").qty, 0);
  EXPECT_EQ(p.positions().at("BTC").avg_price, 0);
  EXPECT_DOUBLE_EQ(p.positions().at("BTC").realized_usd, 20);
  EXPECT_DOUBLE_EQ(p.unrealized_usd(), 0);
  EXPECT_DOUBLE_EQ(p.balance_usd(), 10'000 + 20 - 3.25);
  EXPECT_DOUBLE_EQ(p.equity_usd(), p.balance_usd());
  EXPECT_EQ(p.fills(), 5u);
  // A flat position's mark does not move equity.
  EXPECT_FALSE(p.mark("BTC", 95));
  EXPECT_FALSE(p.mark("ETH", 95));
}

TEST(Portfolio, EquitySumsEverySymbol) {
  Portfolio p(1'000);
  p.apply_fill("BTC", Side::BUY, 1, 100, 0);
  p.apply_fill("ETH", Side::SELL, 10, 20, 0);
  p.mark("BTC", 90);   // -10
  p.mark("ETH", 19);   // +10
  EXPECT_DOUBLE_EQ(p.unrealized_usd(), 0);
  p.mark("ETH", 18);   // +20
  EXPECT_DOUBLE_EQ(p.equity_usd(), 1'000 - 10 + 20);
  EXPECT_FALSE(p.mark("BTC", 90));  // unchanged mark: nothing moved
}

TEST(Portfolio, ExactCloseOfFractionalQuantityLeavesZero) {
  // 0.1 + 0.2 - 0.3 is not 0 in floating point; the close must still be flat.
  Portfolio p(1'000);
  p.apply_fill("BTC", Side::BUY, 0.1, 100, 0);
  p.apply_fill("BTC", Side::BUY, 0.2, 100, 0);
  p.apply_fill("BTC", Side::SELL, 0.3, 110, 0);
  EXPECT_EQ(p.positions().at("BTC").qty, 0);
  EXPECT_NEAR(p.realized_usd(), 3.0, 1e-9);
}

// ---------------------------------------------------------------------------
// SimVenue

ExecutionConfig venue_config() {
  ExecutionConfig c;
  c.taker_fee_bps = 4;
  c.maker_fee_bps = 2;
  c.spread_bps = 1;  // market orders pay half: 0.5 bps
  c.slippage_bps = 0.5;
  return c;
}

OrderSpec market(Side side, double qty, double ref, double stop = 0, double target = 0, bool reduce_only = false) {
  return OrderSpec{"BTC", side, qty, ref, stop, target, reduce_only};
}

BarData venue_bar(double open, double high, double low, double close, std::int64_t minute = 1) {
  BarData b;
  b.symbol = "BTC";
  b.open_time_ns = minute * kMinuteNs;
  b.interval_ns = kMinuteNs;
  b.open = open;
  b.high = high;
  b.low = low;
  b.close = close;
  b.volume = 1;
  return b;
}

TEST(SimVenue, MarketOrdersPayHalfSpreadPlusSlippageAndTakerFee) {
  SimVenue v(venue_config());
  // No bar yet: the order's reference price is used. Cost 0.5 + 0.5 = 1 bps.
  const FillSpec buy = v.on_order(7, market(Side::BUY, 2, 100));
  EXPECT_EQ(buy.status, OrderStatus::FILLED);
  EXPECT_EQ(buy.order_id, 7u);
  EXPECT_DOUBLE_EQ(buy.price, 100 * 1.0001);
  EXPECT_DOUBLE_EQ(buy.fee_usd, 2 * 100.01 * 4e-4);
  EXPECT_EQ(buy.liquidity, Liquidity::TAKER);
  EXPECT_EQ(buy.detail, "market");
  EXPECT_EQ(v.position("BTC"), 2);

  // After a bar, the venue prices from its own last close, not the order's
  // reference; a sell receives less than the mid.
  EXPECT_TRUE(v.on_bar(venue_bar(100, 201, 99, 200)).empty());
  const FillSpec sell = v.on_order(8, market(Side::SELL, 2, 100));
  EXPECT_DOUBLE_EQ(sell.price, 200 * 0.9999);
  EXPECT_DOUBLE_EQ(sell.fee_usd, 2 * 199.98 * 4e-4);
  EXPECT_GT(sell.exec_id, buy.exec_id);
  EXPECT_EQ(v.position("BTC"), 0);
}

TEST(SimVenue, RejectsWhatCannotFill) {
  SimVenue v(venue_config());
  FillSpec f = v.on_order(1, market(Side::SELL, 1, 100, 0, 0, /*reduce_only=*/true));
  EXPECT_EQ(f.status, OrderStatus::REJECTED);
  EXPECT_EQ(f.reject_reason, RejectReason::NO_POSITION);
  EXPECT_EQ(v.position("BTC"), 0);

  f = v.on_order(2, market(Side::BUY, 0, 100));
  EXPECT_EQ(f.status, OrderStatus::REJECTED);
  EXPECT_EQ(f.reject_reason, RejectReason::ZERO_SIZE);

  f = v.on_order(3, market(Side::BUY, 1, 0));
  EXPECT_EQ(f.status, OrderStatus::REJECTED);
  EXPECT_EQ(f.reject_reason, RejectReason::VENUE_UNAVAILABLE);

  // Reduce-only in the direction of the position does not reduce it.
  ASSERT_EQ(v.on_order(4, market(Side::BUY, 1, 100)).status, OrderStatus::FILLED);
  f = v.on_order(5, market(Side::BUY, 1, 100, 0, 0, true));
  EXPECT_EQ(f.status, OrderStatus::REJECTED);
  EXPECT_EQ(f.reject_reason, RejectReason::NO_POSITION);
  EXPECT_EQ(v.position("BTC"), 1);
}

TEST(SimVenue, ReduceOnlyIsClippedToThePosition) {
  SimVenue v(venue_config());
  v.on_order(1, market(Side::SELL, 3, 100, 110, 90));
  const FillSpec f = v.on_order(2, market(Side::BUY, 10, 100, 0, 0, true));
  EXPECT_EQ(f.status, OrderStatus::FILLED);
  EXPECT_EQ(f.qty, 3);
  EXPECT_EQ(v.position("BTC"), 0);
  // The bracket went with the position: a later bar through the old stop does nothing.
  EXPECT_TRUE(v.on_bar(venue_bar(100, 120, 80, 100)).empty());
}

TEST(SimVenue, AnOrderThatShrinksThePositionKeepsItsBracket) {
  SimVenue v(venue_config());
  v.on_order(1, market(Side::BUY, 3, 100, /*stop=*/95, /*target=*/110));
  // A plain (not reduce-only) sell of 1 shrinks the long; its own levels are
  // for a short and must not replace the long's stop and target.
  v.on_order(2, market(Side::SELL, 1, 100, /*stop=*/105, /*target=*/90));
  EXPECT_EQ(v.position("BTC"), 2);
  EXPECT_TRUE(v.on_bar(venue_bar(100, 104, 96, 100)).empty()) << "the short's stop at 105 must not be live";
  const auto fills = v.on_bar(venue_bar(100, 101, 94, 96));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].detail, "stop");
  EXPECT_EQ(fills[0].qty, 2);
}

TEST(SimVenue, StopFillsBeforeTargetWhenOneBarTouchesBoth) {
  SimVenue v(venue_config());
  v.on_order(11, market(Side::BUY, 2, 100, /*stop=*/95, /*target=*/110));
  const auto fills = v.on_bar(venue_bar(100, 111, 94, 105));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].detail, "stop");
  EXPECT_EQ(fills[0].order_id, 11u);  // exits report against the entry order
  EXPECT_EQ(fills[0].side, Side::SELL);
  EXPECT_EQ(fills[0].qty, 2);
  EXPECT_DOUBLE_EQ(fills[0].price, 95 * (1 - 0.5e-4));  // a stop pays slippage, not the spread
  EXPECT_EQ(fills[0].liquidity, Liquidity::TAKER);
  EXPECT_DOUBLE_EQ(fills[0].fee_usd, 2 * fills[0].price * 4e-4);
  EXPECT_EQ(v.position("BTC"), 0);
  EXPECT_TRUE(v.on_bar(venue_bar(100, 111, 94, 105, 2)).empty());
}

TEST(SimVenue, GapThroughStopFillsAtTheOpen) {
  SimVenue v(venue_config());
  v.on_order(1, market(Side::BUY, 1, 100, 95, 110));
  auto fills = v.on_bar(venue_bar(90, 92, 89, 91));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].detail, "stop (gap through)");
  EXPECT_DOUBLE_EQ(fills[0].price, 90 * (1 - 0.5e-4));

  // A short's stop is above: a gap up fills at the open, plus slippage.
  v.on_order(2, market(Side::SELL, 1, 100, 105, 90));
  fills = v.on_bar(venue_bar(108, 109, 107, 108, 2));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].side, Side::BUY);
  EXPECT_EQ(fills[0].detail, "stop (gap through)");
  EXPECT_DOUBLE_EQ(fills[0].price, 108 * (1 + 0.5e-4));
}

TEST(SimVenue, ShortStopTouchedIntrabarFillsAtTheStop) {
  SimVenue v(venue_config());
  v.on_order(1, market(Side::SELL, 1, 100, 105, 90));
  EXPECT_TRUE(v.on_bar(venue_bar(100, 104.9, 91, 101)).empty());  // neither touched
  EXPECT_EQ(v.position("BTC"), -1);
  const auto fills = v.on_bar(venue_bar(101, 106, 89, 100, 2));  // both touched: stop wins
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].detail, "stop");
  EXPECT_DOUBLE_EQ(fills[0].price, 105 * (1 + 0.5e-4));
}

TEST(SimVenue, TargetFillsAsMakerAtTheTargetOrBetter) {
  SimVenue v(venue_config());
  v.on_order(1, market(Side::BUY, 2, 100, 95, 110));
  auto fills = v.on_bar(venue_bar(100, 111, 99, 109));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].detail, "target");
  EXPECT_EQ(fills[0].price, 110);
  EXPECT_EQ(fills[0].liquidity, Liquidity::MAKER);
  EXPECT_DOUBLE_EQ(fills[0].fee_usd, 2 * 110 * 2e-4);
  EXPECT_EQ(v.position("BTC"), 0);

  // Opening beyond the target fills at the better open price.
  v.on_order(2, market(Side::BUY, 1, 100, 95, 110));
  fills = v.on_bar(venue_bar(112, 113, 111, 112, 3));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].price, 112);
}

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
  c.max_daily_loss_pct = 5;  // 5'000 USD of 100'000
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
  RiskEngine r(risk_config(), kInitial);
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
  RiskEngine r(risk_config(), kInitial);
  // 500 USD over a 0.1 stop would be 5'000 units = 500'000 USD; the cap is 50'000 USD / 100 = 500 units.
  const RiskVerdict v = r.evaluate("BTC", k20240115T2200Z, signal(Direction::UP, 100, 99.9));
  ASSERT_TRUE(v.approved) << v.detail;
  EXPECT_DOUBLE_EQ(v.orders.back().qty, 500);
}

TEST(RiskEngine, LossAtStopFitsTheRemainingDailyHeadroom) {
  RiskConfig c = risk_config();
  c.risk_per_trade_pct = 2;
  RiskEngine r(c, kInitial);
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
  RiskEngine r(risk_config(), kInitial, /*cost_per_side_bps=*/10);
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
  RiskEngine r(risk_config(), kInitial);
  r.on_account(account(k20240115T2200Z + 1, 95'000, 95'000));  // 5'000 realized today
  const RiskVerdict v = r.evaluate("BTC", k20240115T2200Z + 2, signal(Direction::UP, 100, 95));
  EXPECT_FALSE(v.approved);
  EXPECT_EQ(v.reason, RejectReason::DAILY_LOSS);
  EXPECT_TRUE(v.orders.empty());
}

TEST(RiskEngine, KillSwitchRejectsEverything) {
  RiskEngine r(risk_config(), kInitial);
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
  RiskEngine r(risk_config(), kInitial);
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
  RiskEngine r(risk_config(), kInitial);
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
  RiskEngine r(risk_config(), kInitial);
  r.on_account(account(k20240115T2200Z, kInitial, 98'000, 1));
  r.on_account(account(k20240115T2200Z + 2 * kHourNs, kInitial, 98'000, 1));
  EXPECT_EQ(r.day_start_balance_usd(), kInitial);
  EXPECT_DOUBLE_EQ(r.daily_loss_usd(), 2'000);
}

TEST(RiskEngine, EvaluateRollsTheDayWithoutAnAccountUpdate) {
  RiskEngine r(risk_config(), kInitial);
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
  RiskEngine r(risk_config(), kInitial);
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
  RiskEngine r(risk_config(), kInitial);
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
  RiskEngine r(risk_config(), kInitial);
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
  RiskEngine r(risk_config(), kInitial);
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
