// BinanceRest against the mock exchange on 127.0.0.1: pagination, the
// retry policy (recorded through the injected sleep, so nothing waits),
// 429/418/5xx, the weight throttle, signed order round trips, a wrong
// secret, and the idempotency of new_order when an answer is lost.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "live/binance/binance_rest.hpp"
#include "tests/support/mock_binance.hpp"

namespace verity {
namespace {

using namespace std::chrono_literals;
using testing::MockBinance;
using testing::MockBinanceOptions;

/// Records each requested wait instead of sleeping.
struct SleepLog {
  std::mutex m;
  std::vector<std::chrono::milliseconds> waits;
  SleepFn fn() {
    return [this](std::chrono::milliseconds d) {
      std::lock_guard lock(m);
      waits.push_back(d);
    };
  }
  std::vector<std::chrono::milliseconds> get() {
    std::lock_guard lock(m);
    return waits;
  }
};

std::unique_ptr<MockBinance> start_mock(std::size_t bars = 3000, std::size_t start_bar = 1500) {
  MockBinanceOptions o;
  o.series["BTCUSDT"] = testing::synthetic_candles(1, bars, 50'000);
  o.series["BNBUSDT"] = testing::synthetic_candles(2, bars, 300);
  o.start_bar = start_bar;
  auto mock = MockBinance::start(std::move(o));
  if (!mock) ADD_FAILURE() << mock.error();
  return mock ? std::move(*mock) : nullptr;
}

BinanceRestOptions rest_options(const MockBinance& mock, SleepLog& log, std::uint64_t seed = 7) {
  BinanceRestOptions o;
  o.endpoints.rest_base = mock.rest_base();
  o.endpoints.ws_base = mock.ws_base();
  o.sleep = log.fn();
  o.seed = seed;
  o.timeout = 5s;
  return o;
}

BinanceCredentials mock_credentials() {
  return {Secret(testing::kMockApiKey), Secret(testing::kMockApiSecret)};
}

std::int64_t open_ms(const Candle& c) { return c.open_time_ns / 1'000'000; }

TEST(BinanceRest, KlinesPaginateAcrossPagesWithoutGapsOrDuplicates) {
  auto mock = start_mock(4000, 2600);
  ASSERT_TRUE(mock);
  SleepLog log;
  BinanceRest rest(rest_options(*mock, log));
  const auto closed = mock->closed_bars("BTCUSDT");
  ASSERT_EQ(closed.size(), 2601u);
  auto all = rest.klines("BTCUSDT", Timeframe::m1, open_ms(closed.front()), mock->now_ms() + 3'600'000);
  ASSERT_TRUE(all) << all.error().text();
  EXPECT_EQ(*all, closed);  // only closed bars: the mock serves nothing later
  EXPECT_GE(rest.stats().attempts, 3u);

  // A sub-range [start, end) is exact at both ends.
  auto part = rest.klines("BTCUSDT", Timeframe::m1, open_ms(closed[500]), open_ms(closed[1700]));
  ASSERT_TRUE(part) << part.error().text();
  ASSERT_EQ(part->size(), 1200u);
  EXPECT_EQ(part->front(), closed[500]);
  EXPECT_EQ(part->back(), closed[1699]);
  EXPECT_TRUE(log.get().empty());
}

TEST(BinanceRest, ServerErrorsAreRetriedWithGrowingJitteredBackoff) {
  auto mock = start_mock();
  ASSERT_TRUE(mock);
  std::vector<std::vector<std::chrono::milliseconds>> runs;
  for (int run = 0; run < 2; ++run) {
    mock->inject_rest_500(3);
    SleepLog log;
    BinanceRest rest(rest_options(*mock, log, /*seed=*/99));
    auto t = rest.server_time();
    ASSERT_TRUE(t) << t.error().text();
    EXPECT_EQ(rest.stats().attempts, 4u);
    runs.push_back(log.get());
  }
  ASSERT_EQ(runs[0].size(), 3u);
  EXPECT_EQ(runs[0], runs[1]);  // same seed, same delays
  Backoff bounds(250ms, 10'000ms, 0);
  for (int i = 0; i < 3; ++i) EXPECT_LE(runs[0][i], bounds.cap(i)) << "retry " << i;

  mock->inject_rest_500(10);
  SleepLog log;
  BinanceRestOptions o = rest_options(*mock, log);
  o.retry.max_attempts = 3;
  BinanceRest rest(o);
  auto t = rest.server_time();
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().kind, BinanceError::Kind::server);
  EXPECT_EQ(t.error().http_status, 500);
  EXPECT_EQ(rest.stats().attempts, 3u);
  mock->clear_faults();
}

TEST(BinanceRest, TooManyRequestsWaitsRetryAfterThenSucceeds) {
  auto mock = start_mock();
  ASSERT_TRUE(mock);
  mock->inject_rest_429(2, /*retry_after_s=*/3);
  SleepLog log;
  BinanceRest rest(rest_options(*mock, log));
  auto t = rest.server_time();
  ASSERT_TRUE(t) << t.error().text();
  EXPECT_EQ(log.get(), (std::vector<std::chrono::milliseconds>{3000ms, 3000ms}));

  // A Retry-After beyond what the policy waits fails at once.
  mock->inject_rest_429(1, 3600);
  auto again = rest.server_time();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, BinanceError::Kind::rate_limited);
  EXPECT_EQ(again.error().retry_after, 3'600'000ms);
}

TEST(BinanceRest, BanStopsAtOnceWithAClearError) {
  auto mock = start_mock();
  ASSERT_TRUE(mock);
  mock->inject_rest_418(5, /*retry_after_s=*/120);
  SleepLog log;
  BinanceRest rest(rest_options(*mock, log));
  auto t = rest.server_time();
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().kind, BinanceError::Kind::banned);
  EXPECT_EQ(t.error().http_status, 418);
  EXPECT_EQ(t.error().retry_after, 120'000ms);
  EXPECT_NE(t.error().text().find("banned for 120 s"), std::string::npos) << t.error().text();
  EXPECT_EQ(rest.stats().attempts, 1u);
  EXPECT_TRUE(log.get().empty());
}

TEST(BinanceRest, OtherClientErrorsAreNeverRetried) {
  auto mock = start_mock();
  ASSERT_TRUE(mock);
  SleepLog log;
  BinanceRest rest(rest_options(*mock, log));
  auto k = rest.klines("NOPEUSDT", Timeframe::m1, 0, 60'000'000);
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().kind, BinanceError::Kind::rejected);
  EXPECT_EQ(k.error().code, -1121);
  EXPECT_EQ(rest.stats().attempts, 1u);
  EXPECT_TRUE(log.get().empty());
}

TEST(BinanceRest, TransportErrorsAreRetriedThenReported) {
  std::string base;
  {
    auto mock = start_mock();
    ASSERT_TRUE(mock);
    base = mock->rest_base();
  }
  SleepLog log;
  BinanceRestOptions o;
  o.endpoints.rest_base = base;  // nobody listens there now
  o.sleep = log.fn();
  o.retry.max_attempts = 3;
  o.connect_timeout = 2s;
  BinanceRest rest(o, mock_credentials());
  auto a = rest.account();
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().kind, BinanceError::Kind::transport);
  EXPECT_EQ(log.get().size(), 2u);
  EXPECT_EQ(a.error().text().find("signature"), std::string::npos) << a.error().text();
  EXPECT_EQ(a.error().text().find(testing::kMockApiKey), std::string::npos);
}

TEST(BinanceRest, WeightNearTheLimitThrottlesTheNextCall) {
  auto mock = start_mock();
  ASSERT_TRUE(mock);
  SleepLog log;
  BinanceRest rest(rest_options(*mock, log));
  ASSERT_TRUE(rest.server_time());
  EXPECT_EQ(rest.stats().throttle_waits, 0u);
  mock->set_used_weight(5500);  // 0.9 * 6000 = 5400
  ASSERT_TRUE(rest.server_time());
  EXPECT_EQ(rest.stats().used_weight_1m, 5501);
  EXPECT_TRUE(log.get().empty());
  ASSERT_TRUE(rest.server_time());  // waits for the next minute first
  EXPECT_EQ(rest.stats().throttle_waits, 1u);
  ASSERT_EQ(log.get().size(), 1u);
  EXPECT_GT(log.get()[0], 0ms);
  EXPECT_LE(log.get()[0], 60'100ms);
}

TEST(BinanceRest, SignedOrderRoundTrip) {
  auto mock = start_mock();
  ASSERT_TRUE(mock);
  SleepLog log;
  BinanceRest rest(rest_options(*mock, log), mock_credentials());

  auto filters = rest.exchange_info("BTCUSDT");
  ASSERT_TRUE(filters) << filters.error().text();
  EXPECT_DOUBLE_EQ(filters->tick_size, 0.01);
  EXPECT_DOUBLE_EQ(filters->step_size, 0.00001);
  EXPECT_DOUBLE_EQ(filters->min_notional, 5.0);
  EXPECT_EQ(filters->base_asset, "BTC");

  auto before = rest.account();
  ASSERT_TRUE(before) << before.error().text();
  ASSERT_NE(before->find("USDT"), nullptr);
  EXPECT_DOUBLE_EQ(before->find("USDT")->free, 100'000.0);

  const double close = mock->closed_bars("BTCUSDT").back().close;
  NewOrder buy{"BTCUSDT", OrderSide::buy, OrderType::market, 0.01, 0, "verity-buy-1"};
  auto bought = rest.new_order(buy);
  ASSERT_TRUE(bought) << bought.error().text();
  EXPECT_EQ(bought->status, "FILLED");
  EXPECT_EQ(bought->client_order_id, "verity-buy-1");
  EXPECT_DOUBLE_EQ(bought->executed_qty, 0.01);
  ASSERT_EQ(bought->fills.size(), 1u);
  EXPECT_NEAR(bought->fills[0].price, close, 1e-6);
  EXPECT_NEAR(bought->fills[0].commission, 0.00001, 1e-12);
  EXPECT_EQ(bought->fills[0].commission_asset, "BTC");
  EXPECT_NEAR(bought->cumulative_quote_qty, close * 0.01, 1e-6);

  // A LIMIT sell far above the market rests; it shows in open orders, and cancels.
  const double far = round_down_to_step(close * 1.5, filters->tick_size);
  NewOrder sell{"BTCUSDT", OrderSide::sell, OrderType::limit, 0.005, far, "verity-sell-1"};
  auto resting = rest.new_order(sell);
  ASSERT_TRUE(resting) << resting.error().text();
  EXPECT_EQ(resting->status, "NEW");
  auto open = rest.open_orders("BTCUSDT");
  ASSERT_TRUE(open) << open.error().text();
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].client_order_id, "verity-sell-1");
  auto queried = rest.query_order("BTCUSDT", "verity-sell-1");
  ASSERT_TRUE(queried) << queried.error().text();
  EXPECT_EQ(queried->status, "NEW");
  EXPECT_DOUBLE_EQ(queried->price, far);
  auto cancelled = rest.cancel_order("BTCUSDT", "verity-sell-1");
  ASSERT_TRUE(cancelled) << cancelled.error().text();
  EXPECT_EQ(cancelled->status, "CANCELED");
  EXPECT_EQ(cancelled->client_order_id, "verity-sell-1");
  EXPECT_TRUE(rest.open_orders("BTCUSDT")->empty());

  auto after = rest.account();
  ASSERT_TRUE(after);
  EXPECT_NEAR(after->find("BTC")->free, 0.00999, 1e-12);
  EXPECT_NEAR(after->find("USDT")->free, 100'000.0 - close * 0.01, 1e-6);

  auto unknown = rest.query_order("BTCUSDT", "never-sent");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, -2013);
  auto too_small = rest.new_order({"BTCUSDT", OrderSide::buy, OrderType::market, 0.00001, 0, "verity-tiny"});
  ASSERT_FALSE(too_small);
  EXPECT_EQ(too_small.error().code, -1013);
  EXPECT_EQ(mock->stats().signature_failures, 0u);
}

TEST(BinanceRest, WrongSecretIsRejectedWith1022AndNeverShown) {
  auto mock = start_mock();
  ASSERT_TRUE(mock);
  SleepLog log;
  const std::string wrong = "wrongsecretwrongsecretwrongsecret";
  BinanceRest rest(rest_options(*mock, log), {Secret(testing::kMockApiKey), Secret(wrong)});
  auto a = rest.account();
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().kind, BinanceError::Kind::rejected);
  EXPECT_EQ(a.error().code, -1022);
  EXPECT_NE(a.error().text().find("Signature for this request is not valid"), std::string::npos);
  EXPECT_EQ(a.error().text().find(wrong), std::string::npos);
  EXPECT_EQ(a.error().text().find(testing::kMockApiKey), std::string::npos);
  EXPECT_EQ(mock->stats().signature_failures, 1u);
  EXPECT_EQ(rest.stats().attempts, 2u);  // the time sync, then the refused call: no retry

  BinanceRest no_keys(rest_options(*mock, log));
  auto none = no_keys.account();
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, BinanceError::Kind::usage);
  BinanceRest wrong_key(rest_options(*mock, log), {Secret("not-the-key"), Secret(testing::kMockApiSecret)});
  auto refused = wrong_key.account();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, -2015);
}

TEST(BinanceRest, LostAnswerAfterTheOrderWasMadeNeverMakesTwo) {
  auto mock = start_mock();
  ASSERT_TRUE(mock);
  SleepLog log;
  BinanceRest rest(rest_options(*mock, log), mock_credentials());
  ASSERT_TRUE(rest.sync_time());
  // The venue makes the order, then answers 500: the client must find it.
  mock->inject_rest_500_after(1, {"POST", "/api/v3/order"});
  auto o = rest.new_order({"BTCUSDT", OrderSide::buy, OrderType::market, 0.01, 0, "cid-500-after"});
  ASSERT_TRUE(o) << o.error().text();
  EXPECT_EQ(o->status, "FILLED");
  EXPECT_EQ(mock->stats().orders_by_client_id.at("cid-500-after"), 1u);
  EXPECT_EQ(rest.stats().order_lookups, 1u);

  // The venue refuses before making it: the lookup finds nothing, one resend.
  mock->inject_rest_500(1, {"POST", "/api/v3/order"});
  auto p = rest.new_order({"BTCUSDT", OrderSide::buy, OrderType::market, 0.01, 0, "cid-500-before"});
  ASSERT_TRUE(p) << p.error().text();
  EXPECT_EQ(mock->stats().orders_by_client_id.at("cid-500-before"), 1u);
  EXPECT_EQ(rest.stats().order_lookups, 2u);
}

TEST(BinanceRest, TimedOutOrderIsLookedUpNotResent) {
  auto mock = start_mock();
  ASSERT_TRUE(mock);
  SleepLog log;
  BinanceRestOptions o = rest_options(*mock, log);
  o.timeout = 300ms;
  BinanceRest rest(o, mock_credentials());
  ASSERT_TRUE(rest.sync_time());
  mock->inject_rest_delay(1, 2000ms, {"POST", "/api/v3/order"});
  auto r = rest.new_order({"BTCUSDT", OrderSide::buy, OrderType::market, 0.01, 0, "cid-timeout"});
  ASSERT_TRUE(r) << r.error().text();
  EXPECT_EQ(r->status, "FILLED");
  EXPECT_EQ(mock->stats().orders_by_client_id.at("cid-timeout"), 1u);
  EXPECT_EQ(mock->stats().orders_created, 1u);
}

TEST(BinanceRest, ClockJumpIsResyncedOnce) {
  auto mock = start_mock();
  ASSERT_TRUE(mock);
  SleepLog log;
  BinanceRest rest(rest_options(*mock, log), mock_credentials());
  ASSERT_TRUE(rest.account());
  EXPECT_EQ(rest.stats().time_syncs, 1u);
  mock->advance(10);  // the venue's clock jumps ten minutes
  auto a = rest.account();
  ASSERT_TRUE(a) << a.error().text();
  EXPECT_EQ(rest.stats().time_syncs, 2u);
  EXPECT_EQ(mock->stats().timestamp_failures, 1u);
}

TEST(BinanceRest, TheMocksTimeLapseIsNotAClockJump) {
  auto mock = start_mock();
  ASSERT_TRUE(mock);
  SleepLog log;
  BinanceRestOptions o = rest_options(*mock, log);
  o.recv_window_ms = 1'000;
  BinanceRest rest(o, mock_credentials());
  ASSERT_TRUE(rest.account());
  EXPECT_EQ(rest.stats().time_syncs, 1u);
  // Hours of market time in a few wall milliseconds: the offset measured
  // before them is still fresh, as it would be on a venue whose clock ran
  // with the wall.
  const std::int64_t before = mock->now_ms();
  mock->run(1ms);
  while (mock->now_ms() < before + 20 * 60'000) std::this_thread::sleep_for(1ms);
  mock->pause();
  auto fresh = rest.account();
  ASSERT_TRUE(fresh) << fresh.error().text();
  EXPECT_EQ(rest.stats().time_syncs, 1u);
  EXPECT_EQ(mock->stats().timestamp_failures, 0u);
  // Past the window in wall time, the same offset is stale: one refusal, a resync.
  std::this_thread::sleep_for(1'100ms);
  auto stale = rest.account();
  ASSERT_TRUE(stale) << stale.error().text();
  EXPECT_EQ(rest.stats().time_syncs, 2u);
  EXPECT_EQ(mock->stats().timestamp_failures, 1u);
}

}  // namespace
}  // namespace verity
