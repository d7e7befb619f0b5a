// The pure domain logic of the feed, model and portfolio actors (venue and
// risk: sim_venue_test.cpp, risk_engine_test.cpp), tested without an actor system (STYLE.md rule 3). Every expected
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

}  // namespace
}  // namespace verity
