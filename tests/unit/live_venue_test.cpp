// LiveVenue: the graph's side of a real venue. Orders go out as they are;
// an entry's fill arms its bracket; the first bar through the stop or the
// target makes exactly one reduce-only market exit; an exit the venue
// refuses re-arms the bracket; the state survives a snapshot.
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
  auto out = v.on_order(entry(1, schema::Side::BUY, 0.5, 90, 120));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].order_id, 1u);
  EXPECT_EQ(v.working(), 1u);
  VenueOrder cancel;
  cancel.order_id = 2;
  cancel.action = schema::OrderAction::CANCEL;
  cancel.target_order_id = 77;
  EXPECT_TRUE(v.on_order(cancel).empty());
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

TEST(LiveVenue, AShortTakesItsTargetAndARefusedExitRearms) {
  LiveVenue v;
  v.on_order(entry(3, schema::Side::SELL, 2, 110, 80));
  v.on_report(fill(3, 2, 100));
  auto exits = v.on_bar(bar(1, 79, 95));
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].side, schema::Side::BUY);
  EXPECT_DOUBLE_EQ(exits[0].ref_price, 80);
  FillSpec refused = fill(exits[0].order_id, 0, 0, schema::OrderStatus::REJECTED);
  refused.reject_reason = schema::RejectReason::VENUE_UNAVAILABLE;
  v.on_report(refused);
  auto again = v.on_bar(bar(2, 78, 90));
  ASSERT_EQ(again.size(), 1u) << "the venue refused the exit: the bracket tries again";
  EXPECT_NE(again[0].order_id, exits[0].order_id);
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

}  // namespace
}  // namespace verity
