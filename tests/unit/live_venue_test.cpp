// LiveVenue: the graph's side of a real venue. Orders go out as they are;
// fills keep a net position per symbol with one bracket on it, set by the
// order that opened, added to or flipped it; the first bar through the stop
// or the target makes exactly one reduce-only market exit for the position;
// an exit the venue refuses re-arms the bracket; reduce-only orders are cut
// to the position or refused without leaving; the state survives a snapshot.
#include <gtest/gtest.h>

#include "actors/execution/live_venue.hpp"
#include "actors/runtime/state_archive.hpp"

namespace verity {
namespace {

constexpr std::int64_t kMinute = 60'000'000'000;

VenueOrder entry(std::uint64_t id, schema::Side side, double qty, double stop, double target) {
  VenueOrder o;
  o.order_id = id;
  o.symbol = "BTCUSDT";
  o.side = side;
  o.qty = qty;
  o.stop_loss = stop;
  o.take_profit = target;
  return o;
}

FillSpec fill(std::uint64_t id, double qty, double price, schema::OrderStatus status = schema::OrderStatus::FILLED) {
  FillSpec f;
  f.order_id = id;
  f.symbol = "BTCUSDT";
  f.qty = qty;
  f.price = price;
  f.status = status;
  return f;
}

BarData bar(std::int64_t minute, double low, double high) {
  BarData b;
  b.symbol = "BTCUSDT";
  b.open_time_ns = minute * kMinute;
  b.interval_ns = kMinute;
  b.open = b.close = (low + high) / 2;
  b.low = low;
  b.high = high;
  b.volume = 1;
  return b;
}

TEST(LiveVenue, OrdersLeaveAsTheyAreAndUnknownCancelsGoNowhere) {
  LiveVenue v;
  auto out = v.on_order(entry(1, schema::Side::BUY, 0.5, 90, 120)).send;
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].order_id, 1u);
  EXPECT_EQ(v.working(), 1u);
  VenueOrder cancel;
  cancel.order_id = 2;
  cancel.action = schema::OrderAction::CANCEL;
  cancel.target_order_id = 77;
  EXPECT_TRUE(v.on_order(cancel).send.empty());
  EXPECT_FALSE(v.on_report(fill(77, 1, 100))) << "a report for an order never sent is not booked";
}

TEST(LiveVenue, AFilledEntryExitsOnceAtItsStop) {
  LiveVenue v;
  v.on_order(entry(1, schema::Side::BUY, 0.5, 90, 120));
  EXPECT_TRUE(v.on_bar(bar(1, 80, 130)).empty()) << "no bracket before the entry fills";
  ASSERT_TRUE(v.on_report(fill(1, 0.5, 100)));
  EXPECT_EQ(v.working(), 0u);
  EXPECT_TRUE(v.on_bar(bar(2, 95, 110)).empty()) << "inside the bracket";
  auto exits = v.on_bar(bar(3, 89, 101));
  ASSERT_EQ(exits.size(), 1u);
  const VenueOrder& x = exits[0];
  EXPECT_EQ(x.side, schema::Side::SELL);
  EXPECT_EQ(x.type, schema::OrderType::MARKET);
  EXPECT_TRUE(x.reduce_only);
  EXPECT_DOUBLE_EQ(x.qty, 0.5);
  EXPECT_DOUBLE_EQ(x.ref_price, 90);
  EXPECT_GE(x.order_id, std::uint64_t{1} << 63) << "exit ids never meet risk's";
  EXPECT_TRUE(v.on_bar(bar(4, 80, 85)).empty()) << "one exit per excursion";
  ASSERT_TRUE(v.on_report(fill(x.order_id, 0.5, 89.5)));
  EXPECT_TRUE(v.on_bar(bar(5, 10, 500)).empty()) << "the position is closed";
  EXPECT_EQ(v.working(), 0u);
}

/// The venue's refusal of order `id`, for `reason`.
FillSpec refusal(std::uint64_t id, schema::RejectReason reason) {
  FillSpec f = fill(id, 0, 0, schema::OrderStatus::REJECTED);
  f.reject_reason = reason;
  return f;
}

TEST(LiveVenue, AShortTakesItsTargetAndARefusedExitRearms) {
  LiveVenue v;
  v.on_order(entry(3, schema::Side::SELL, 2, 110, 80));
  v.on_report(fill(3, 2, 100));
  auto exits = v.on_bar(bar(1, 79, 95));
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].side, schema::Side::BUY);
  EXPECT_DOUBLE_EQ(exits[0].ref_price, 80);
  v.on_report(refusal(exits[0].order_id, schema::RejectReason::VENUE_UNAVAILABLE));
  auto again = v.on_bar(bar(2, 78, 90));
  ASSERT_EQ(again.size(), 1u) << "the venue refused the exit: the bracket tries again";
  EXPECT_NE(again[0].order_id, exits[0].order_id);
}

TEST(LiveVenue, DustTheVenueRefusesIsNotRetriedEveryBar) {
  LiveVenue v;
  v.on_order(entry(4, schema::Side::BUY, 0.00004, 90, 120));
  v.on_report(fill(4, 0.00004, 100));
  auto exits = v.on_bar(bar(1, 89, 100));
  ASSERT_EQ(exits.size(), 1u);
  ASSERT_TRUE(v.on_report(refusal(exits[0].order_id, schema::RejectReason::MIN_NOTIONAL)));
  EXPECT_EQ(v.working(), 0u);
  EXPECT_TRUE(v.on_bar(bar(2, 80, 100)).empty()) << "below the venue's minimum: no exit is sent again";
  EXPECT_DOUBLE_EQ(v.position("BTCUSDT"), 0.00004) << "the dust stays booked";
  // An entry that grows the position brings a bracket back, for all of it.
  v.on_order(entry(6, schema::Side::BUY, 0.5, 95, 130));
  v.on_report(fill(6, 0.5, 100));
  auto again = v.on_bar(bar(3, 94, 100));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_DOUBLE_EQ(again[0].qty, 0.50004);
}

TEST(LiveVenue, PartialFillsExitWhatFilled) {
  LiveVenue v;
  v.on_order(entry(5, schema::Side::BUY, 1, 90, 0));
  v.on_report(fill(5, 0.25, 100, schema::OrderStatus::PARTIALLY_FILLED));
  v.on_report(fill(5, 0.5, 100, schema::OrderStatus::PARTIALLY_FILLED));
  auto exits = v.on_bar(bar(1, 85, 100));
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_DOUBLE_EQ(exits[0].qty, 0.75);
}

TEST(LiveVenue, TheStateSurvivesASnapshot) {
  LiveVenue v;
  v.on_order(entry(1, schema::Side::BUY, 0.5, 90, 120));
  v.on_report(fill(1, 0.5, 100));
  StateWriter out;
  out.put(v);
  LiveVenue restored;
  StateReader in(out.bytes(), "live venue");
  in.get(restored);
  auto a = v.on_bar(bar(2, 89, 100));
  auto b = restored.on_bar(bar(2, 89, 100));
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].order_id, b[0].order_id);
  EXPECT_DOUBLE_EQ(a[0].qty, b[0].qty);
}

VenueOrder close(std::uint64_t id, schema::Side side, double qty) {
  VenueOrder o = entry(id, side, qty, 0, 0);
  o.reduce_only = true;
  return o;
}

TEST(LiveVenue, AClosedPositionLeavesNoBracketBehind) {
  // Long, closed by risk's reduce-only sell, then short: only the short's
  // bracket exists; the long's stop (90) and target (120) fire nothing.
  LiveVenue v;
  v.on_order(entry(1, schema::Side::BUY, 0.5, 90, 120));
  v.on_report(fill(1, 0.5, 100));
  ASSERT_EQ(v.on_order(close(2, schema::Side::SELL, 0.5)).send.size(), 1u);
  v.on_report(fill(2, 0.5, 101));
  EXPECT_EQ(v.position("BTCUSDT"), 0.0);
  EXPECT_TRUE(v.on_bar(bar(1, 80, 130)).empty()) << "flat: no bracket";
  v.on_order(entry(3, schema::Side::SELL, 0.4, 110, 95));
  v.on_report(fill(3, 0.4, 100));
  EXPECT_TRUE(v.on_bar(bar(2, 96, 109)).empty()) << "inside the short's bracket, through nothing of the long's";
  auto exits = v.on_bar(bar(3, 96, 111));
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].side, schema::Side::BUY);
  EXPECT_DOUBLE_EQ(exits[0].qty, 0.4);
  EXPECT_DOUBLE_EQ(exits[0].ref_price, 110);
}

TEST(LiveVenue, AFlipMovesTheBracketToTheNewSide) {
  LiveVenue v;
  v.on_order(entry(1, schema::Side::BUY, 1, 90, 120));
  v.on_report(fill(1, 1, 100));
  v.on_order(entry(2, schema::Side::SELL, 3, 105, 80));  // not reduce-only: flips to short 2
  v.on_report(fill(2, 3, 100));
  EXPECT_DOUBLE_EQ(v.position("BTCUSDT"), -2);
  auto exits = v.on_bar(bar(1, 89, 104));
  EXPECT_TRUE(exits.empty()) << "the long's stop at 90 no longer guards anything";
  exits = v.on_bar(bar(2, 95, 106));
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].side, schema::Side::BUY);
  EXPECT_DOUBLE_EQ(exits[0].qty, 2);
}

TEST(LiveVenue, ReduceOnlyIsCutToThePositionOrRefusedWithoutLeaving) {
  LiveVenue v;
  auto flat = v.on_order(close(1, schema::Side::SELL, 0.5));
  EXPECT_TRUE(flat.send.empty()) << "a spot venue would sell what the graph does not hold";
  ASSERT_EQ(flat.reports.size(), 1u);
  EXPECT_EQ(flat.reports[0].status, schema::OrderStatus::REJECTED);
  EXPECT_EQ(flat.reports[0].reject_reason, schema::RejectReason::NO_POSITION);
  EXPECT_EQ(flat.reports[0].order_id, 1u);
  EXPECT_EQ(v.working(), 0u);

  v.on_order(entry(2, schema::Side::BUY, 0.3, 90, 120));
  v.on_report(fill(2, 0.3, 100));
  EXPECT_TRUE(v.on_order(close(3, schema::Side::BUY, 0.1)).send.empty()) << "a buy reduces no long";
  auto cut = v.on_order(close(4, schema::Side::SELL, 1.0)).send;
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_DOUBLE_EQ(cut[0].qty, 0.3) << "cut to the position";
  EXPECT_TRUE(v.on_order(close(5, schema::Side::SELL, 0.1)).send.empty()) << "the working close covers it all";
  EXPECT_TRUE(v.on_bar(bar(1, 80, 100)).empty()) << "no exit on top of the working close";
}

TEST(LiveVenue, ExitsCoverTheNetPositionOfSeveralEntries) {
  LiveVenue v;
  v.on_order(entry(1, schema::Side::BUY, 0.5, 90, 120));
  v.on_report(fill(1, 0.5, 100));
  v.on_order(entry(2, schema::Side::BUY, 0.25, 92, 118));  // adds: its bracket is the position's
  v.on_report(fill(2, 0.25, 101));
  EXPECT_TRUE(v.on_bar(bar(1, 93, 117)).empty()) << "inside the newest bracket";
  auto exits = v.on_bar(bar(2, 91.9, 100));  // through 92, not 90
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_DOUBLE_EQ(exits[0].qty, 0.75) << "one exit for the whole position";
}

}  // namespace
}  // namespace verity
