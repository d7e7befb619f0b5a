// The simulated venue, tested without an actor system. Every expected
// number is worked out by hand in the comments beside it. Unless a test says
// otherwise the venue uses fixed costs (spread 1 bps, slippage 0.5 bps: a
// taker pays 0.5 + 0.5 = 1 bps), no latency, and bars with so much volume
// that the participation cap does not bite.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "actors/execution/instrument.hpp"
#include "actors/execution/sim_venue.hpp"
#include "actors/feed/bar.hpp"
#include "actors/portfolio/portfolio.hpp"
#include "actors/risk/risk_engine.hpp"
#include "actors/runtime/config.hpp"

namespace verity {
namespace {

using schema::Liquidity;
using schema::OrderAction;
using schema::OrderStatus;
using schema::OrderType;
using schema::RejectReason;
using schema::Side;

constexpr std::int64_t kMinuteNs = 60'000'000'000;
constexpr std::int64_t kStart = 1'705'276'800'000'000'000;  // 2024-01-15T00:00Z

Config venue_config() {
  Config c;
  c.execution.cost_model = "fixed";
  c.execution.taker_fee_bps = 4;
  c.execution.maker_fee_bps = 2;
  c.execution.spread_bps = 1;  // market orders pay half: 0.5 bps
  c.execution.slippage_bps = 0.5;
  c.execution.latency_ms = 0;
  c.risk.min_notional_usd = 10;
  c.portfolio.initial_balance_usd = 100'000;
  return c;
}

VenueOrder order(std::uint64_t id, Side side, double qty, OrderType type = OrderType::MARKET, double price = 0) {
  VenueOrder o;
  o.order_id = id;
  o.symbol = "BTC";
  o.side = side;
  o.type = type;
  o.qty = qty;
  if (type == OrderType::LIMIT) o.limit_price = price;
  if (type == OrderType::STOP) o.stop_price = price;
  return o;
}

VenueOrder market(std::uint64_t id, Side side, double qty, double stop = 0, double target = 0,
                  bool reduce_only = false) {
  VenueOrder o = order(id, side, qty);
  o.stop_loss = stop;
  o.take_profit = target;
  o.reduce_only = reduce_only;
  return o;
}

VenueOrder cancel(std::uint64_t id, std::uint64_t target) {
  VenueOrder o;
  o.order_id = id;
  o.action = OrderAction::CANCEL;
  o.target_order_id = target;
  o.symbol = "BTC";
  return o;
}

BarData venue_bar(double open, double high, double low, double close, std::int64_t minute = 1, double volume = 1e9,
                  const char* symbol = "BTC") {
  BarData b;
  b.symbol = symbol;
  b.open_time_ns = kStart + minute * kMinuteNs;
  b.interval_ns = kMinuteNs;
  b.open = open;
  b.high = high;
  b.low = low;
  b.close = close;
  b.volume = volume;
  return b;
}

/// The one report an order produced.
FillSpec one(const std::vector<FillSpec>& reports) {
  EXPECT_EQ(reports.size(), 1u);
  return reports.empty() ? FillSpec{} : reports.front();
}

// --- market orders and brackets (the behaviour before the rewrite) -------------

TEST(SimVenue, MarketOrdersPayHalfSpreadPlusSlippageAndTakerFee) {
  SimVenue v(venue_config());
  EXPECT_TRUE(v.on_bar(venue_bar(100, 101, 99, 100)).empty());
  // Cost 0.5 + 0.5 = 1 bps on the last close.
  const FillSpec buy = one(v.on_order(market(7, Side::BUY, 2)));
  EXPECT_EQ(buy.status, OrderStatus::FILLED);
  EXPECT_EQ(buy.order_id, 7u);
  EXPECT_DOUBLE_EQ(buy.price, 100 * 1.0001);
  EXPECT_DOUBLE_EQ(buy.fee_usd, 2 * 100.01 * 4e-4);
  EXPECT_EQ(buy.liquidity, Liquidity::TAKER);
  EXPECT_EQ(buy.detail, "market");
  EXPECT_EQ(buy.cum_qty, 2);
  EXPECT_EQ(buy.leaves_qty, 0);
  EXPECT_EQ(v.position("BTC"), 2);

  // The venue prices from its own last close, not the order's reference; a
  // sell receives less than the mid.
  EXPECT_TRUE(v.on_bar(venue_bar(100, 201, 99, 200, 2)).empty());
  VenueOrder s = market(8, Side::SELL, 2);
  s.ref_price = 100;
  const FillSpec sell = one(v.on_order(s));
  EXPECT_DOUBLE_EQ(sell.price, 200 * 0.9999);
  EXPECT_DOUBLE_EQ(sell.fee_usd, 2 * 199.98 * 4e-4);
  EXPECT_GT(sell.exec_id, buy.exec_id);
  EXPECT_EQ(v.position("BTC"), 0);
}

TEST(SimVenue, RejectsWhatCannotFill) {
  SimVenue v(venue_config());
  // No bar yet: the venue has no market for the symbol.
  FillSpec f = one(v.on_order(market(1, Side::BUY, 1)));
  EXPECT_EQ(f.status, OrderStatus::REJECTED);
  EXPECT_EQ(f.reject_reason, RejectReason::VENUE_UNAVAILABLE);
  EXPECT_EQ(f.detail, "no price for BTC yet");

  v.on_bar(venue_bar(100, 101, 99, 100));
  f = one(v.on_order(market(2, Side::SELL, 1, 0, 0, /*reduce_only=*/true)));
  EXPECT_EQ(f.status, OrderStatus::REJECTED);
  EXPECT_EQ(f.reject_reason, RejectReason::NO_POSITION);
  EXPECT_EQ(v.position("BTC"), 0);

  f = one(v.on_order(market(3, Side::BUY, 0)));
  EXPECT_EQ(f.reject_reason, RejectReason::ZERO_SIZE);
  EXPECT_EQ(f.qty, 0);
  EXPECT_EQ(f.cum_qty, 0);

  // Reduce-only in the direction of the position does not reduce it.
  ASSERT_EQ(one(v.on_order(market(4, Side::BUY, 1))).status, OrderStatus::FILLED);
  f = one(v.on_order(market(5, Side::BUY, 1, 0, 0, true)));
  EXPECT_EQ(f.reject_reason, RejectReason::NO_POSITION);
  EXPECT_EQ(v.position("BTC"), 1);
}

TEST(SimVenue, ReduceOnlyIsClippedToThePosition) {
  SimVenue v(venue_config());
  v.on_bar(venue_bar(100, 101, 99, 100));
  v.on_order(market(1, Side::SELL, 3, 110, 90));
  const FillSpec f = one(v.on_order(market(2, Side::BUY, 10, 0, 0, true)));
  EXPECT_EQ(f.status, OrderStatus::FILLED);
  EXPECT_EQ(f.qty, 3);
  EXPECT_EQ(f.cum_qty, 3);
  EXPECT_EQ(f.leaves_qty, 0);
  EXPECT_EQ(v.position("BTC"), 0);
  // The bracket went with the position: a later bar through the old stop does nothing.
  EXPECT_TRUE(v.on_bar(venue_bar(100, 120, 80, 100, 2)).empty());
}

TEST(SimVenue, AnOrderThatShrinksThePositionKeepsItsBracket) {
  SimVenue v(venue_config());
  v.on_bar(venue_bar(100, 101, 99, 100));
  v.on_order(market(1, Side::BUY, 3, /*stop=*/95, /*target=*/110));
  // A plain (not reduce-only) sell of 1 shrinks the long; its own levels are
  // for a short and must not replace the long's stop and target.
  v.on_order(market(2, Side::SELL, 1, /*stop=*/105, /*target=*/90));
  EXPECT_EQ(v.position("BTC"), 2);
  EXPECT_TRUE(v.on_bar(venue_bar(100, 104, 96, 100, 2)).empty()) << "the short's stop at 105 must not be live";
  const auto fills = v.on_bar(venue_bar(100, 101, 94, 96, 3));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].detail, "stop");
  EXPECT_EQ(fills[0].qty, 2);
}

TEST(SimVenue, StopFillsBeforeTargetWhenOneBarTouchesBoth) {
  SimVenue v(venue_config());
  v.on_bar(venue_bar(100, 101, 99, 100));
  v.on_order(market(11, Side::BUY, 2, /*stop=*/95, /*target=*/110));
  const auto fills = v.on_bar(venue_bar(100, 111, 94, 105, 2));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].detail, "stop");
  EXPECT_EQ(fills[0].order_id, 11u);  // exits report against the entry order
  EXPECT_EQ(fills[0].side, Side::SELL);
  EXPECT_EQ(fills[0].qty, 2);
  EXPECT_EQ(fills[0].status, OrderStatus::FILLED);
  // A triggered stop is a market order: half the spread and the slippage, 1 bps.
  EXPECT_DOUBLE_EQ(fills[0].price, 95 * (1 - 1e-4));
  EXPECT_EQ(fills[0].liquidity, Liquidity::TAKER);
  EXPECT_DOUBLE_EQ(fills[0].fee_usd, 2 * fills[0].price * 4e-4);
  EXPECT_EQ(v.position("BTC"), 0);
  EXPECT_TRUE(v.on_bar(venue_bar(100, 111, 94, 105, 3)).empty());
}

TEST(SimVenue, GapThroughStopFillsAtTheOpen) {
  SimVenue v(venue_config());
  v.on_bar(venue_bar(100, 101, 99, 100));
  v.on_order(market(1, Side::BUY, 1, 95, 110));
  auto fills = v.on_bar(venue_bar(90, 92, 89, 91, 2));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].detail, "stop (gap through)");
  EXPECT_DOUBLE_EQ(fills[0].price, 90 * (1 - 1e-4));

  // A short's stop is above: a gap up fills at the open, plus costs.
  v.on_order(market(2, Side::SELL, 1, 105, 90));
  fills = v.on_bar(venue_bar(108, 109, 107, 108, 3));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].side, Side::BUY);
  EXPECT_EQ(fills[0].detail, "stop (gap through)");
  EXPECT_DOUBLE_EQ(fills[0].price, 108 * (1 + 1e-4));
}

TEST(SimVenue, ShortStopTouchedIntrabarFillsAtTheStop) {
  SimVenue v(venue_config());
  v.on_bar(venue_bar(100, 101, 99, 100));
  v.on_order(market(1, Side::SELL, 1, 105, 90));
  EXPECT_TRUE(v.on_bar(venue_bar(100, 104.9, 91, 101, 2)).empty());  // neither touched
  EXPECT_EQ(v.position("BTC"), -1);
  const auto fills = v.on_bar(venue_bar(101, 106, 89, 100, 3));  // both touched: stop wins
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].detail, "stop");
  EXPECT_DOUBLE_EQ(fills[0].price, 105 * (1 + 1e-4));
}

TEST(SimVenue, TargetFillsAsMakerAtTheTargetOrBetter) {
  SimVenue v(venue_config());
  v.on_bar(venue_bar(100, 101, 99, 100));
  v.on_order(market(1, Side::BUY, 2, 95, 110));
  auto fills = v.on_bar(venue_bar(100, 111, 99, 109, 2));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].detail, "target");
  EXPECT_EQ(fills[0].price, 110);
  EXPECT_EQ(fills[0].liquidity, Liquidity::MAKER);
  EXPECT_DOUBLE_EQ(fills[0].fee_usd, 2 * 110 * 2e-4);
  EXPECT_EQ(v.position("BTC"), 0);

  // Opening beyond the target fills at the better open price.
  v.on_order(market(2, Side::BUY, 1, 95, 110));
  fills = v.on_bar(venue_bar(112, 113, 111, 112, 3));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].price, 112);
}

// --- limit and stop orders ----------------------------------------------------

TEST(SimVenue, LimitRestsUntilTheBarTradesThroughItAndFillsAsMaker) {
  SimVenue v(venue_config());
  v.on_bar(venue_bar(100, 101, 99, 100));
  FillSpec f = one(v.on_order(order(1, Side::BUY, 2, OrderType::LIMIT, 98)));
  EXPECT_EQ(f.status, OrderStatus::NEW);
  EXPECT_EQ(f.qty, 0);
  EXPECT_EQ(f.leaves_qty, 2);
  EXPECT_TRUE(v.is_working(1));
  EXPECT_TRUE(v.on_bar(venue_bar(100, 101, 98.01, 99, 2)).empty());  // low above the limit
  f = one(v.on_bar(venue_bar(99, 99.5, 97.5, 98.5, 3)));
  EXPECT_EQ(f.status, OrderStatus::FILLED);
  EXPECT_EQ(f.detail, "limit");
  EXPECT_EQ(f.price, 98);  // min(open 99, limit 98)
  EXPECT_EQ(f.liquidity, Liquidity::MAKER);
  EXPECT_DOUBLE_EQ(f.fee_usd, 2 * 98 * 2e-4);
  EXPECT_FALSE(v.is_working(1));

  // A bar that opens below a buy limit fills at the open (still as maker).
  v.on_order(order(2, Side::BUY, 1, OrderType::LIMIT, 97));
  f = one(v.on_bar(venue_bar(96, 96.5, 95, 96, 4)));
  EXPECT_EQ(f.price, 96);
  EXPECT_EQ(f.liquidity, Liquidity::MAKER);

  // A sell limit: high at or above it; max(open, limit).
  v.on_order(order(3, Side::SELL, 3, OrderType::LIMIT, 101));
  f = one(v.on_bar(venue_bar(99, 101, 98, 100, 5)));
  EXPECT_EQ(f.price, 101);
  f = one(v.on_order(order(4, Side::SELL, 1, OrderType::LIMIT, 102)));
  EXPECT_EQ(f.status, OrderStatus::NEW);
  f = one(v.on_bar(venue_bar(103, 104, 102.5, 103, 6)));
  EXPECT_EQ(f.price, 103);
  EXPECT_EQ(v.position("BTC"), 2 + 1 - 3 - 1);
}

TEST(SimVenue, LimitMarketableOnArrivalFillsAsTaker) {
  SimVenue v(venue_config());
  v.on_bar(venue_bar(100, 101, 99, 100));
  // A buy limit above the last close: taker price 100.01, better than the limit.
  FillSpec f = one(v.on_order(order(1, Side::BUY, 1, OrderType::LIMIT, 101)));
  EXPECT_EQ(f.status, OrderStatus::FILLED);
  EXPECT_EQ(f.liquidity, Liquidity::TAKER);
  EXPECT_DOUBLE_EQ(f.price, 100.01);
  EXPECT_DOUBLE_EQ(f.fee_usd, 100.01 * 4e-4);
  EXPECT_EQ(f.detail, "limit (marketable on arrival)");
  // A limit at the close is marketable too, but never fills beyond its limit.
  f = one(v.on_order(order(2, Side::BUY, 1, OrderType::LIMIT, 100)));
  EXPECT_EQ(f.price, 100);
  EXPECT_EQ(f.liquidity, Liquidity::TAKER);
}

TEST(SimVenue, StopOrdersTriggerWhenTouchedAndFillLikeMarketOrders) {
  SimVenue v(venue_config());
  v.on_bar(venue_bar(100, 101, 99, 100));
  FillSpec f = one(v.on_order(order(1, Side::BUY, 1, OrderType::STOP, 102)));
  EXPECT_EQ(f.status, OrderStatus::NEW);
  EXPECT_EQ(f.detail, "stop order (resting)");
  EXPECT_TRUE(v.on_bar(venue_bar(100, 101.99, 99, 101, 2)).empty());
  f = one(v.on_bar(venue_bar(101, 103, 100, 102.5, 3)));
  EXPECT_EQ(f.detail, "stop order");
  EXPECT_DOUBLE_EQ(f.price, 102 * (1 + 1e-4));
  EXPECT_EQ(f.liquidity, Liquidity::TAKER);
  EXPECT_EQ(v.position("BTC"), 1);

  // A sell stop the bar gaps through fills from the open.
  v.on_order(order(2, Side::SELL, 1, OrderType::STOP, 95));
  f = one(v.on_bar(venue_bar(94, 94.5, 93, 94, 4)));
  EXPECT_EQ(f.detail, "stop order (gap through)");
  EXPECT_DOUBLE_EQ(f.price, 94 * (1 - 1e-4));
  EXPECT_EQ(v.position("BTC"), 0);

  // A stop the market is already beyond triggers on arrival.
  f = one(v.on_order(order(3, Side::SELL, 1, OrderType::STOP, 95)));
  EXPECT_EQ(f.status, OrderStatus::FILLED);
  EXPECT_EQ(f.detail, "stop order (triggered on arrival)");
  EXPECT_DOUBLE_EQ(f.price, 94 * (1 - 1e-4));
}

TEST(SimVenue, LimitAndStopEntriesCarryTheirBracketToThePosition) {
  SimVenue v(venue_config());
  v.on_bar(venue_bar(100, 101, 99, 100));
  VenueOrder o = order(1, Side::BUY, 1, OrderType::LIMIT, 99);
  o.stop_loss = 95;
  o.take_profit = 105;
  v.on_order(o);
  ASSERT_EQ(one(v.on_bar(venue_bar(100, 100, 98, 99, 2))).detail, "limit");
  const FillSpec f = one(v.on_bar(venue_bar(99, 106, 98, 105, 3)));
  EXPECT_EQ(f.detail, "target");
  EXPECT_EQ(f.order_id, 1u);
  EXPECT_EQ(v.position("BTC"), 0);

  VenueOrder s = order(2, Side::SELL, 1, OrderType::STOP, 98);
  s.stop_loss = 103;
  v.on_order(s);
  ASSERT_EQ(one(v.on_bar(venue_bar(99, 100, 97, 98, 4))).detail, "stop order");
  EXPECT_EQ(v.position("BTC"), -1);
  EXPECT_EQ(one(v.on_bar(venue_bar(99, 104, 98, 103, 5))).detail, "stop");
  EXPECT_EQ(v.position("BTC"), 0);
}

// --- participation -------------------------------------------------------------

TEST(SimVenue, ParticipationCapsEachOrderPerBarAndLeftoversFillLater) {
  SimVenue v(venue_config());  // participation 10 %
  v.on_bar(venue_bar(100, 101, 99, 100, 1, /*volume=*/10));
  // Arriving between bars: against the last bar's volume, 10 % of 10 = 1.
  FillSpec f = one(v.on_order(market(1, Side::BUY, 2.5)));
  EXPECT_EQ(f.status, OrderStatus::PARTIALLY_FILLED);
  EXPECT_EQ(f.qty, 1);
  EXPECT_EQ(f.cum_qty, 1);
  EXPECT_EQ(f.leaves_qty, 1.5);
  EXPECT_TRUE(v.is_working(1));
  // The next bar: another 1, at the open plus costs.
  f = one(v.on_bar(venue_bar(102, 103, 101, 102, 2, 10)));
  EXPECT_EQ(f.status, OrderStatus::PARTIALLY_FILLED);
  EXPECT_EQ(f.order_id, 1u);
  EXPECT_EQ(f.detail, "market");
  EXPECT_DOUBLE_EQ(f.price, 102 * 1.0001);
  EXPECT_EQ(f.cum_qty, 2);
  EXPECT_EQ(f.leaves_qty, 0.5);
  // A bar with no volume fills nothing.
  EXPECT_TRUE(v.on_bar(venue_bar(102, 103, 101, 102, 3, 0)).empty());
  f = one(v.on_bar(venue_bar(103, 104, 102, 103, 4, 10)));
  EXPECT_EQ(f.status, OrderStatus::FILLED);
  EXPECT_EQ(f.qty, 0.5);
  EXPECT_EQ(f.cum_qty, 2.5);
  EXPECT_EQ(f.leaves_qty, 0);
  EXPECT_FALSE(v.is_working(1));
  EXPECT_DOUBLE_EQ(v.position("BTC"), 2.5);
}

TEST(SimVenue, AMarketOrderAfterAnEmptyBarRestsUntilVolumeComes) {
  SimVenue v(venue_config());
  v.on_bar(venue_bar(100, 101, 99, 100, 1, 0));
  FillSpec f = one(v.on_order(market(1, Side::SELL, 1)));
  EXPECT_EQ(f.status, OrderStatus::NEW);
  EXPECT_EQ(f.leaves_qty, 1);
  f = one(v.on_bar(venue_bar(99, 100, 98, 99, 2, 1000)));
  EXPECT_EQ(f.status, OrderStatus::FILLED);
  EXPECT_DOUBLE_EQ(f.price, 99 * 0.9999);
}

TEST(SimVenue, ResizingLimitFillsAcrossBarsAndBracketExitsAreCappedToo) {
  SimVenue v(venue_config());
  v.on_bar(venue_bar(100, 101, 99, 100, 1, 20));  // cap 2
  VenueOrder o = order(1, Side::BUY, 3, OrderType::LIMIT, 99);
  o.stop_loss = 95;
  o.take_profit = 110;
  v.on_order(o);
  FillSpec f = one(v.on_bar(venue_bar(100, 100, 98, 99, 2, 20)));
  EXPECT_EQ(f.status, OrderStatus::PARTIALLY_FILLED);
  EXPECT_EQ(f.qty, 2);
  EXPECT_EQ(f.leaves_qty, 1);
  f = one(v.on_bar(venue_bar(99, 100, 98, 99, 3, 20)));
  EXPECT_EQ(f.status, OrderStatus::FILLED);
  EXPECT_EQ(f.cum_qty, 3);
  // The stop fires with cap 1 (volume 10): one unit exits, the rest is now a
  // market exit that fills from the next open even though the price recovered;
  // the target is gone (one cancels the other).
  f = one(v.on_bar(venue_bar(99, 99, 94, 96, 4, 10)));
  EXPECT_EQ(f.detail, "stop");
  EXPECT_EQ(f.qty, 1);
  EXPECT_EQ(f.cum_qty, 1);
  EXPECT_EQ(f.leaves_qty, 2);
  EXPECT_EQ(f.status, OrderStatus::PARTIALLY_FILLED);
  f = one(v.on_bar(venue_bar(111, 112, 110, 111, 5, 100)));
  EXPECT_EQ(f.detail, "stop");
  EXPECT_DOUBLE_EQ(f.price, 111 * 0.9999);
  EXPECT_EQ(f.qty, 2);
  EXPECT_EQ(f.cum_qty, 3);
  EXPECT_EQ(f.status, OrderStatus::FILLED);
  EXPECT_EQ(v.position("BTC"), 0);
}

// --- cancel and replace ----------------------------------------------------------

TEST(SimVenue, CancelEndsAWorkingOrderAndUnknownOrdersAreRejected) {
  SimVenue v(venue_config());
  v.on_bar(venue_bar(100, 101, 99, 100, 1, 20));
  v.on_order(order(1, Side::BUY, 5, OrderType::LIMIT, 99));
  ASSERT_EQ(one(v.on_bar(venue_bar(100, 100, 98, 99, 2, 20))).cum_qty, 2);
  FillSpec f = one(v.on_order(cancel(2, 1)));
  EXPECT_EQ(f.status, OrderStatus::CANCELED);
  EXPECT_EQ(f.order_id, 1u);
  EXPECT_EQ(f.cum_qty, 2);
  EXPECT_EQ(f.leaves_qty, 0);
  EXPECT_EQ(f.qty, 0);
  EXPECT_FALSE(v.is_working(1));
  EXPECT_TRUE(v.on_bar(venue_bar(99, 99, 90, 95, 3, 20)).empty());
  // Cancel again, or cancel a filled order: unknown.
  f = one(v.on_order(cancel(3, 1)));
  EXPECT_EQ(f.status, OrderStatus::REJECTED);
  EXPECT_EQ(f.reject_reason, RejectReason::UNKNOWN_ORDER);
  EXPECT_EQ(f.order_id, 3u);
  v.on_order(market(4, Side::BUY, 1));
  EXPECT_EQ(one(v.on_order(cancel(5, 4))).reject_reason, RejectReason::UNKNOWN_ORDER);
  EXPECT_EQ(one(v.on_order(cancel(6, 999))).reject_reason, RejectReason::UNKNOWN_ORDER);
}

TEST(SimVenue, ReplaceChangesQtyAndPricesAndKeepsTheId) {
  SimVenue v(venue_config());
  v.on_bar(venue_bar(100, 101, 99, 100, 1, 20));
  v.on_order(order(1, Side::BUY, 1, OrderType::LIMIT, 97));
  v.on_order(order(2, Side::SELL, 1, OrderType::STOP, 95));
  VenueOrder r;
  r.order_id = 3;
  r.action = OrderAction::REPLACE;
  r.target_order_id = 1;
  r.qty = 3;
  r.limit_price = 98;
  FillSpec f = one(v.on_order(r));
  EXPECT_EQ(f.status, OrderStatus::NEW);
  EXPECT_EQ(f.order_id, 1u);
  EXPECT_EQ(f.leaves_qty, 3);
  EXPECT_EQ(f.detail, "replaced by order 3: limit (resting)");
  f = one(v.on_bar(venue_bar(99, 99, 97.5, 98, 2, 20)));  // stop 95 untouched; limit 98 fills 2
  EXPECT_EQ(f.order_id, 1u);
  EXPECT_EQ(f.price, 98);
  EXPECT_EQ(f.cum_qty, 2);
  EXPECT_EQ(f.leaves_qty, 1);
  // Replace below what has filled: refused, the order stays as it was.
  r.order_id = 4;
  r.qty = 2;
  f = one(v.on_order(r));
  EXPECT_EQ(f.status, OrderStatus::REJECTED);
  EXPECT_EQ(f.reject_reason, RejectReason::ZERO_SIZE);
  EXPECT_TRUE(v.is_working(1));
  // Moving the stop: it keeps its id and quantity.
  VenueOrder s;
  s.order_id = 5;
  s.action = OrderAction::REPLACE;
  s.target_order_id = 2;
  s.stop_price = 96;
  EXPECT_EQ(one(v.on_order(s)).status, OrderStatus::NEW);
  // Volume 0: the stop triggers but nothing fills.
  EXPECT_TRUE(v.on_bar(venue_bar(97, 97, 95.5, 96, 3, 0)).empty());
  // The limit at 98 is not touched (low 98.5); the triggered stop fills from the open.
  const auto fills = v.on_bar(venue_bar(99, 99.5, 98.5, 99, 4, 20));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].order_id, 2u);
  EXPECT_EQ(fills[0].detail, "stop order");
  EXPECT_DOUBLE_EQ(fills[0].price, 99 * (1 - 1e-4));
  // Replacing an unknown order is refused.
  s.target_order_id = 77;
  EXPECT_EQ(one(v.on_order(s)).reject_reason, RejectReason::UNKNOWN_ORDER);
}

// --- refusals -----------------------------------------------------------------

TEST(SimVenue, MarginIsEquityTimesMaxLeverageAndReducingIsNeverRefused) {
  SimVenue v(venue_config());  // 100,000 USD x 5 = 500,000 of open notional
  v.on_bar(venue_bar(100, 101, 99, 100));
  FillSpec f = one(v.on_order(market(1, Side::BUY, 5001)));  // 500,100
  EXPECT_EQ(f.reject_reason, RejectReason::INSUFFICIENT_MARGIN);
  ASSERT_EQ(one(v.on_order(market(2, Side::BUY, 4000))).status, OrderStatus::FILLED);
  // Another symbol counts against the same equity.
  v.on_bar(venue_bar(10, 11, 9, 10, 1, 1e9, "ETH"));
  VenueOrder eth = market(3, Side::SELL, 12'000);
  eth.symbol = "ETH";
  EXPECT_EQ(one(v.on_order(eth)).reject_reason, RejectReason::INSUFFICIENT_MARGIN);
  // Selling (reducing the long) is never refused, nor is a reduce-only order.
  EXPECT_EQ(one(v.on_order(market(4, Side::SELL, 3000))).status, OrderStatus::FILLED);
  EXPECT_EQ(one(v.on_order(market(5, Side::SELL, 500, 0, 0, true))).status, OrderStatus::FILLED);
  EXPECT_DOUBLE_EQ(v.position("BTC"), 500);
}

TEST(SimVenue, MinimumNotionalAndPrecision) {
  SimVenue v(venue_config());
  v.on_bar(venue_bar(100, 101, 99, 100));
  FillSpec f = one(v.on_order(market(1, Side::BUY, 0.09)));  // 9 USD < 10
  EXPECT_EQ(f.reject_reason, RejectReason::MIN_NOTIONAL);
  EXPECT_EQ(one(v.on_order(market(2, Side::BUY, 0.1))).status, OrderStatus::FILLED);  // 10 USD
  // A reduce-only close below the minimum still passes: a position can always be closed.
  EXPECT_EQ(one(v.on_order(market(3, Side::SELL, 0.05, 0, 0, true))).status, OrderStatus::FILLED);
  // Off the grid: the step is 0.00001, the tick 0.01.
  f = one(v.on_order(market(4, Side::BUY, 1.000005)));
  EXPECT_EQ(f.reject_reason, RejectReason::PRECISION);
  EXPECT_EQ(one(v.on_order(order(5, Side::BUY, 1, OrderType::LIMIT, 99.995))).reject_reason, RejectReason::PRECISION);
  EXPECT_EQ(one(v.on_order(order(6, Side::BUY, 1, OrderType::STOP, 101.001))).reject_reason, RejectReason::PRECISION);
  EXPECT_EQ(one(v.on_order(order(7, Side::BUY, 1, OrderType::LIMIT, 0))).reject_reason, RejectReason::PRECISION);
  // 0.3 is not exactly 30,000 steps of 0.00001 in binary, but within the tolerance.
  EXPECT_EQ(one(v.on_order(market(8, Side::BUY, 0.3))).status, OrderStatus::FILLED);
}

TEST(Instrument, FloorToStepAndOnGrid) {
  EXPECT_DOUBLE_EQ(floor_to_step(1.23456789, 0.001), 1.234);
  EXPECT_DOUBLE_EQ(floor_to_step(0.3, 0.1), 0.3);  // 0.3 / 0.1 = 2.9999999999999996
  EXPECT_EQ(floor_to_step(0.00099, 0.001), 0);
  EXPECT_EQ(floor_to_step(5, 0), 5);
  EXPECT_TRUE(on_grid(0.3, 0.1));
  EXPECT_TRUE(on_grid(floor_to_step(0.123456789, 0.00001), 0.00001));
  EXPECT_FALSE(on_grid(0.15, 0.1));
  EXPECT_TRUE(on_grid(50'000.01, 0.01));
  EXPECT_FALSE(on_grid(50'000.015, 0.01));
}

// --- stress, latency and the empirical costs -------------------------------------

TEST(SimVenue, RejectStormAndOutageWindows) {
  Config c = venue_config();
  c.stress.reject_storm_at_min = 2;  // minutes [2, 4) after the first bar
  c.stress.reject_storm_minutes = 2;
  c.stress.outage_at_min = 6;        // minutes [6, 7)
  c.stress.outage_minutes = 1;
  SimVenue v(c);
  v.on_bar(venue_bar(100, 101, 99, 100, 0));
  auto at = [](std::int64_t minute) { return kStart + minute * kMinuteNs; };
  VenueOrder o = market(1, Side::BUY, 1);
  o.time_ns = at(1);
  EXPECT_EQ(one(v.on_order(o)).status, OrderStatus::FILLED);
  o.order_id = 2;
  o.time_ns = at(2);
  FillSpec f = one(v.on_order(o));
  EXPECT_EQ(f.reject_reason, RejectReason::VENUE_UNAVAILABLE);
  EXPECT_EQ(f.detail, "reject storm");
  o.order_id = 3;
  o.time_ns = at(4);
  EXPECT_EQ(one(v.on_order(o)).status, OrderStatus::FILLED);
  // A resting limit; during the outage it fills nothing even when a bar arrives.
  VenueOrder l = order(4, Side::BUY, 1, OrderType::LIMIT, 95);
  l.time_ns = at(5);
  v.on_order(l);
  EXPECT_TRUE(v.on_bar(venue_bar(94, 95, 93, 94, 6)).empty());
  o.order_id = 5;
  o.time_ns = at(6) + 30'000'000'000;
  f = one(v.on_order(o));
  EXPECT_EQ(f.reject_reason, RejectReason::VENUE_UNAVAILABLE);
  EXPECT_EQ(f.detail, "venue outage");
  VenueOrder c6 = cancel(6, 4);
  c6.time_ns = at(6) + 30'000'000'000;
  EXPECT_EQ(one(v.on_order(c6)).detail, "venue outage");
  // After it, the limit fills again.
  EXPECT_EQ(one(v.on_bar(venue_bar(94, 95, 93, 94, 7))).order_id, 4u);
}

ExecutionMetrics btc_metrics() {
  ExecutionMetrics m;
  PairMetrics p;
  p.pair = "BTC";
  p.all.spread_bps = Distribution{100, 2, 2, 2};      // a constant 2 bps spread
  p.all.slippage_bps = Distribution{100, 1.5, 1, 5};  // lognormal, p90 5
  m.pairs.push_back(p);
  return m;
}

TEST(SimVenue, LatencyOverBudgetPaysP90Slippage) {
  Config c = venue_config();
  c.execution.cost_model = "empirical";
  c.execution.latency_ms = 10;
  c.execution.latency_budget_ms = 250;
  c.stress.latency_spike_at_min = 1;
  c.stress.latency_spike_ms = 2000;
  c.stress.latency_spike_minutes = 1;
  const ExecutionMetrics m = btc_metrics();
  SimVenue v(c, &m);
  v.on_bar(venue_bar(100, 101, 99, 100, 0));
  EXPECT_TRUE(v.latency_spike_at(kStart + kMinuteNs));
  EXPECT_FALSE(v.latency_spike_at(kStart + 2 * kMinuteNs));
  VenueOrder o = market(1, Side::BUY, 1);
  o.time_ns = kStart + kMinuteNs;
  const FillSpec late = one(v.on_order(o));
  // 2000 ms of spike plus a draw: over budget, so slippage is the p90 5 bps;
  // with half the 2 bps spread the cost is 6 bps.
  EXPECT_EQ(late.detail.rfind("market (latency 20", 0), 0u) << late.detail;
  EXPECT_NE(late.detail.find(" ms over budget: p90 slippage)"), std::string::npos) << late.detail;
  EXPECT_DOUBLE_EQ(late.price, 100 * (1 + 6e-4));
  // Outside the spike a 10 ms mean stays within budget (P(over) = e^-25):
  // slippage is a draw, spread 2 bps constant.
  o.order_id = 2;
  o.time_ns = kStart + 2 * kMinuteNs;
  const FillSpec on_time = one(v.on_order(o));
  EXPECT_EQ(on_time.detail, "market");
  EXPECT_NE(on_time.price, 100 * (1 + 6e-4));
  EXPECT_GT(on_time.price, 100 * (1 + 1e-4));
}

TEST(SimVenue, TheSameSeedGivesTheSameFillsAndAnotherSeedOtherPrices) {
  Config c = venue_config();
  c.execution.cost_model = "empirical";
  c.execution.latency_ms = 50;
  const ExecutionMetrics m = btc_metrics();
  auto run = [&](std::uint64_t seed) {
    c.session.seed = seed;
    SimVenue v(c, &m);
    std::vector<double> prices;
    for (int i = 0; i < 20; ++i) {
      v.on_bar(venue_bar(100 + i, 101 + i, 99 + i, 100 + i, i, 30));
      for (const FillSpec& f : v.on_order(market(i + 1, i % 2 ? Side::SELL : Side::BUY, 4))) prices.push_back(f.price);
    }
    return prices;
  };
  EXPECT_EQ(run(1), run(1));
  EXPECT_NE(run(1), run(2));
}

// --- the ledger ------------------------------------------------------------------

TEST(SimVenue, ReduceOnlyRestingOrderIsCanceledWhenThePositionIsGone) {
  SimVenue v(venue_config());
  v.on_bar(venue_bar(100, 101, 99, 100));
  v.on_order(market(1, Side::BUY, 2, 90, 0));
  VenueOrder tp = order(2, Side::SELL, 2, OrderType::LIMIT, 110);
  tp.reduce_only = true;
  EXPECT_EQ(one(v.on_order(tp)).status, OrderStatus::NEW);
  // The bracket stop closes the position; the reduce-only limit, worked after
  // the bracket on the same bar, has nothing left to reduce and goes.
  const auto reports = v.on_bar(venue_bar(91, 92, 89, 90, 2));
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].detail, "stop");
  EXPECT_EQ(reports[1].status, OrderStatus::CANCELED);
  EXPECT_EQ(reports[1].order_id, 2u);
  EXPECT_EQ(reports[1].detail, "reduce-only: nothing left to reduce");
  EXPECT_EQ(reports[1].cum_qty, 0);
  EXPECT_EQ(reports[1].leaves_qty, 0);
  EXPECT_EQ(v.working_orders(), 0u);
  EXPECT_TRUE(v.on_bar(venue_bar(90, 111, 89, 110, 3)).empty());
}

TEST(Portfolio, LongAndShortPositionsInSeveralSymbols) {
  Config c = venue_config();
  c.execution.taker_fee_bps = 0;
  c.execution.spread_bps = 0;
  c.execution.slippage_bps = 0;
  SimVenue v(c);
  Portfolio book(100'000);
  auto feed = [&](const std::vector<FillSpec>& reports) {
    for (const FillSpec& f : reports) {
      if (f.is_fill()) book.apply_fill(f.symbol, f.side, f.qty, f.price, f.fee_usd);
    }
  };
  auto bar = [&](const char* sym, double px, std::int64_t minute) {
    const BarData b = venue_bar(px, px, px, px, minute, 1e9, sym);
    feed(v.on_bar(b));
    book.mark(sym, px);
  };
  auto send = [&](std::uint64_t id, const char* sym, Side side, double qty) {
    VenueOrder o = market(id, side, qty);
    o.symbol = sym;
    feed(v.on_order(o));
  };
  bar("BTC", 100, 1);
  bar("ETH", 10, 1);
  bar("SOL", 5, 1);
  send(1, "BTC", Side::BUY, 3);    // long 3 @ 100
  send(2, "ETH", Side::SELL, 20);  // short 20 @ 10
  send(3, "SOL", Side::BUY, 10);   // long 10 @ 5
  bar("BTC", 110, 2);              // +30
  bar("ETH", 9, 2);                // short gains 20
  bar("SOL", 4, 2);                // -10
  EXPECT_DOUBLE_EQ(book.unrealized_usd(), 30 + 20 - 10);
  send(4, "ETH", Side::BUY, 30);   // closes the short (+20 realized) and opens long 10 @ 9
  send(5, "BTC", Side::SELL, 1);   // realizes +10, long 2 left
  EXPECT_DOUBLE_EQ(book.realized_usd(), 30);
  EXPECT_DOUBLE_EQ(book.positions().at("ETH").qty, 10);
  EXPECT_DOUBLE_EQ(book.positions().at("ETH").avg_price, 9);
  EXPECT_DOUBLE_EQ(book.positions().at("BTC").qty, 2);
  EXPECT_DOUBLE_EQ(book.positions().at("BTC").avg_price, 100);
  EXPECT_DOUBLE_EQ(book.positions().at("SOL").qty, 10);
  EXPECT_DOUBLE_EQ(book.equity_usd(), 100'000 + 30 + 2 * 10 + 0 - 10);
  // The venue's own ledger agrees with the book kept from its reports.
  for (const auto& [sym, p] : book.positions()) {
    EXPECT_EQ(v.position(sym), p.qty) << sym;
    EXPECT_EQ(v.ledger().positions().at(sym).avg_price, p.avg_price) << sym;
  }
  EXPECT_EQ(v.ledger().equity_usd(), book.equity_usd());
  EXPECT_EQ(v.ledger().balance_usd(), book.balance_usd());
}

TEST(SimVenue, FromSpecMakesAMarketOrderWithItsBracket) {
  const OrderSpec spec{"BTC", Side::SELL, 2, 100, 105, 90, true};
  const VenueOrder o = VenueOrder::from_spec(9, spec, 123);
  EXPECT_EQ(o.order_id, 9u);
  EXPECT_EQ(o.type, OrderType::MARKET);
  EXPECT_EQ(o.action, OrderAction::NEW);
  EXPECT_EQ(o.stop_loss, 105);
  EXPECT_EQ(o.take_profit, 90);
  EXPECT_TRUE(o.reduce_only);
  EXPECT_EQ(o.time_ns, 123);
}

}  // namespace
}  // namespace verity
