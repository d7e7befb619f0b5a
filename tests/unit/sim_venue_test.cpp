// The simulated venue, tested without an actor system. Every expected
// number is worked out by hand in the comments beside it.
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

}  // namespace
}  // namespace verity
