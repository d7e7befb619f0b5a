// The Binance gateway's refusals: what the exchange says about the order
// itself reaches the graph as that reason (insufficientMargin, minNotional,
// precision), and only a venue that failed is venueUnavailable, the reason
// that counts as a venue failure and alerts. Against the mock exchange on
// loopback, through the same signed REST calls as live.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "live/binance_adapters.hpp"
#include "tests/support/live_rig.hpp"

namespace verity {
namespace {

BinanceError refused(int code, std::string message) {
  BinanceError e;
  e.kind = BinanceError::Kind::rejected;
  e.http_status = 400;
  e.code = code;
  e.message = std::move(message);
  return e;
}

TEST(BinanceGateway, RejectReasonsFollowBinanceCodes) {
  using R = schema::RejectReason;
  EXPECT_EQ(reject_reason_of(refused(-2010, "Account has insufficient balance for requested action.")),
            R::INSUFFICIENT_MARGIN);
  EXPECT_EQ(reject_reason_of(refused(-1013, "Filter failure: NOTIONAL")), R::MIN_NOTIONAL);
  EXPECT_EQ(reject_reason_of(refused(-1013, "Filter failure: MIN_NOTIONAL")), R::MIN_NOTIONAL);
  EXPECT_EQ(reject_reason_of(refused(-1013, "Filter failure: LOT_SIZE")), R::PRECISION);
  EXPECT_EQ(reject_reason_of(refused(-1013, "Filter failure: PRICE_FILTER")), R::PRECISION);
  EXPECT_EQ(reject_reason_of(refused(-1111, "Precision is over the maximum defined for this asset.")), R::PRECISION);
  // Refusals that say nothing about the order's terms, and failures.
  EXPECT_EQ(reject_reason_of(refused(-2010, "Duplicate order sent.")), R::VENUE_UNAVAILABLE);
  EXPECT_EQ(reject_reason_of(refused(-1013, "Market is closed.")), R::VENUE_UNAVAILABLE);
  EXPECT_EQ(reject_reason_of(refused(-1022, "Signature for this request is not valid.")), R::VENUE_UNAVAILABLE);
  BinanceError down;
  down.kind = BinanceError::Kind::server;
  down.http_status = 503;
  EXPECT_EQ(reject_reason_of(down), R::VENUE_UNAVAILABLE);
  BinanceError limited = refused(-1003, "Too many requests.");
  limited.kind = BinanceError::Kind::rate_limited;
  EXPECT_EQ(reject_reason_of(limited), R::VENUE_UNAVAILABLE);
}

TEST(BinanceGateway, TheMockExchangesRefusalsArriveWithTheirReason) {
  // No BTC held: spot cannot sell it (no short), and $1 is under the
  // mock's $5 minimum notional.
  auto mock = testing::start_pairs_mock({{"BTCUSDT", "BTC", 50'000.0, 0.0}}, 120, 60, 100'000.0, 17);
  ASSERT_TRUE(mock) << mock.error();
  Config config;
  config.session.symbols = "BTCUSDT";
  config.execution.venue = "binance";
  config.live.rest_base = (*mock)->rest_base();
  config.live.ws_base = (*mock)->ws_base();
  config.live.recv_window_ms = 60'000;
  BinanceGateway gateway(config,
                         BinanceCredentials{Secret(testing::kMockApiKey), Secret(testing::kMockApiSecret)});
  auto reconciled = gateway.reconcile();
  ASSERT_TRUE(reconciled) << reconciled.error();

  std::mutex mu;
  std::condition_variable cv;
  std::vector<FillSpec> reports;
  gateway.start([&](LiveReport r) {
    std::lock_guard lock(mu);
    reports.push_back(std::move(r.report));
    cv.notify_all();
  });
  auto order = [](std::uint64_t id, schema::Side side, double qty) {
    OutboundOrder o;
    o.order.order_id = id;
    o.order.symbol = "BTCUSDT";
    o.order.side = side;
    o.order.qty = qty;
    o.client_order_id = "gw-test-" + std::to_string(id);
    return o;
  };
  gateway.send(order(1, schema::Side::SELL, 0.01));
  gateway.send(order(2, schema::Side::BUY, 0.00002));
  gateway.send(order(3, schema::Side::BUY, 0.001));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return reports.size() >= 3; }))
        << "the gateway answered " << reports.size() << " of 3 orders";
  }
  gateway.stop();

  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[0].order_id, 1u);
  EXPECT_EQ(reports[0].status, schema::OrderStatus::REJECTED);
  EXPECT_EQ(reports[0].reject_reason, schema::RejectReason::INSUFFICIENT_MARGIN) << reports[0].detail;
  EXPECT_NE(reports[0].detail.find("-2010"), std::string::npos) << reports[0].detail;
  EXPECT_EQ(reports[1].order_id, 2u);
  EXPECT_EQ(reports[1].status, schema::OrderStatus::REJECTED);
  EXPECT_EQ(reports[1].reject_reason, schema::RejectReason::MIN_NOTIONAL) << reports[1].detail;
  EXPECT_EQ(reports[2].order_id, 3u);
  EXPECT_EQ(reports[2].status, schema::OrderStatus::FILLED) << reports[2].detail;
  EXPECT_EQ(gateway.errors(), 0u) << "the venue refused orders; it did not fail";
}

}  // namespace
}  // namespace verity
