// The mock exchange itself: it serves the real 2021 data when present, is
// driven over HTTP by another process, fills LIMIT orders when a bar
// crosses them, speaks raw and combined streams (and SUBSCRIBE), counts
// request weight per minute, and refuses a duplicate client order id the
// way Binance does.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "actors/runtime/clock.hpp"
#include "live/binance/binance_rest.hpp"
#include "live/net/http_client.hpp"
#include "live/net/ws_client.hpp"
#include "tests/support/mock_binance.hpp"

namespace verity {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::MockBinance;
using testing::MockBinanceOptions;

std::unique_ptr<MockBinance> start_mock(MockBinanceOptions o = {}) {
  if (o.series.empty()) o.series["BTCUSDT"] = testing::synthetic_candles(3, 3000, 50'000);
  auto mock = MockBinance::start(std::move(o));
  if (!mock) ADD_FAILURE() << mock.error();
  return mock ? std::move(*mock) : nullptr;
}

net::HttpResult call(const std::string& method, const std::string& url) {
  net::HttpCall c;
  c.method = method;
  c.url = url;
  auto r = net::http_call(c);
  if (!r) ADD_FAILURE() << r.error();
  return r ? *r : net::HttpResult{};
}

BinanceRest client(const MockBinance& mock) {
  BinanceRestOptions o;
  o.endpoints.rest_base = mock.rest_base();
  o.sleep = [](std::chrono::milliseconds) {};
  return BinanceRest(o, {Secret(testing::kMockApiKey), Secret(testing::kMockApiSecret)});
}

TEST(MockBinance, ServesTheRealBtcDataThroughKlines) {
  std::string why;
  auto btc = testing::real_binance_candles("BTC_USDT-1m.json", why);
  if (!btc) GTEST_SKIP() << "real data not available: " << why;
  ASSERT_GT(btc->size(), 5000u);
  MockBinanceOptions o;
  o.series["BTCUSDT"] = *btc;
  o.start_bar = 3000;
  auto mock = start_mock(std::move(o));
  ASSERT_TRUE(mock);
  BinanceRest rest = client(*mock);
  const std::int64_t first_ms = btc->front().open_time_ns / 1'000'000;
  auto bars = rest.klines("BTCUSDT", Timeframe::m1, first_ms, mock->now_ms());
  ASSERT_TRUE(bars) << bars.error().text();
  const auto closed = mock->closed_bars("BTCUSDT");
  EXPECT_EQ(*bars, closed);
  ASSERT_GE(bars->size(), 3001u);  // more if the file has gaps before bar 3000
  EXPECT_EQ(bars->front(), btc->front());
  EXPECT_DOUBLE_EQ(bars->front().open, 58720.45);  // 2021-04-02T00:00Z in the file
}

TEST(MockBinance, IsDrivenOverHttpByAnotherProcess) {
  auto mock = start_mock();
  ASSERT_TRUE(mock);
  const std::string base = mock->rest_base();
  EXPECT_EQ(call("POST", base + "/mock/fault?kind=rest_500&count=2").status, 200);
  EXPECT_EQ(call("GET", base + "/api/v3/time").status, 500);
  EXPECT_EQ(call("GET", base + "/api/v3/time").status, 500);
  EXPECT_EQ(call("GET", base + "/api/v3/time").status, 200);
  EXPECT_EQ(call("POST", base + "/mock/fault?kind=rest_418&count=1&retry_after=7").status, 200);
  const auto banned = call("GET", base + "/api/v3/ping");
  EXPECT_EQ(banned.status, 418);
  EXPECT_EQ(banned.headers.at("retry-after"), "7");
  EXPECT_EQ(call("POST", base + "/mock/fault?kind=nonsense").status, 400);

  const std::int64_t before = mock->now_ms();
  const auto advanced = call("POST", base + "/mock/advance?n=3");
  EXPECT_EQ(advanced.status, 200);
  EXPECT_EQ(mock->now_ms(), before + 3 * 60'000);
  const json stats = json::parse(call("GET", base + "/mock/stats").body);
  EXPECT_EQ(stats["bars_advanced"], 3);
  EXPECT_EQ(stats["faults_fired"], 3);
  EXPECT_EQ(stats["now_ms"], mock->now_ms());
}

TEST(MockBinance, TimeAndWeightHeaders) {
  MockBinanceOptions o;
  o.series["BTCUSDT"] = testing::synthetic_candles(3, 3000, 50'000);
  o.server_time_runs_within_bar = false;
  o.weight_limit_1m = 30;
  auto mock = start_mock(std::move(o));
  ASSERT_TRUE(mock);
  const std::string base = mock->rest_base();
  const auto t = call("GET", base + "/api/v3/time");
  EXPECT_EQ(json::parse(t.body)["serverTime"], mock->now_ms());
  EXPECT_EQ(t.headers.at("x-mbx-used-weight-1m"), "1");
  EXPECT_EQ(call("GET", base + "/api/v3/exchangeInfo?symbol=BTCUSDT").headers.at("x-mbx-used-weight-1m"), "21");
  const auto over = call("GET", base + "/api/v3/exchangeInfo");
  EXPECT_EQ(over.status, 429);  // 41 > 30
  EXPECT_TRUE(over.headers.contains("retry-after"));
  mock->advance(1);  // a new minute
  EXPECT_EQ(call("GET", base + "/api/v3/time").headers.at("x-mbx-used-weight-1m"), "1");
}

TEST(MockBinance, LimitOrdersRestLockFundsAndFillWhenABarCrosses) {
  auto mock = start_mock();
  ASSERT_TRUE(mock);
  BinanceRest rest = client(*mock);
  // A buy limit at the lowest low of the next 20 bars, which must fill by then.
  const auto& series = mock->series("BTCUSDT");
  const std::size_t now_index = mock->closed_bars("BTCUSDT").size();
  double low = series[now_index].low;
  for (std::size_t i = now_index; i < now_index + 20; ++i) low = std::min(low, series[i].low);
  const double price = round_down_to_step(low, 0.01) + 0.01;
  ASSERT_LT(price, series[now_index - 1].close);
  auto placed = rest.new_order({"BTCUSDT", OrderSide::buy, OrderType::limit, 0.1, price, "limit-1"});
  ASSERT_TRUE(placed) << placed.error().text();
  EXPECT_EQ(placed->status, "NEW");
  auto locked = rest.account();
  ASSERT_TRUE(locked);
  EXPECT_NEAR(locked->find("USDT")->locked, price * 0.1, 1e-6);
  // The id of an open order: the mock refuses it as Binance does. The
  // client reads that as a retry when the order is the same one (and
  // returns it), and as an error when it is another order.
  auto retry = rest.new_order({"BTCUSDT", OrderSide::buy, OrderType::limit, 0.1, price, "limit-1"});
  ASSERT_TRUE(retry) << retry.error().text();
  EXPECT_EQ(retry->order_id, placed->order_id);
  auto dup = rest.new_order({"BTCUSDT", OrderSide::buy, OrderType::limit, 0.2, price, "limit-1"});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, -2010);
  EXPECT_NE(dup.error().message.find("Duplicate order sent"), std::string::npos);
  EXPECT_EQ(mock->stats().orders_by_client_id.at("limit-1"), 1u);

  mock->advance(20);
  auto filled = rest.query_order("BTCUSDT", "limit-1");
  ASSERT_TRUE(filled) << filled.error().text();
  EXPECT_EQ(filled->status, "FILLED");
  EXPECT_DOUBLE_EQ(filled->executed_qty, 0.1);
  auto after = rest.account();
  ASSERT_TRUE(after);
  EXPECT_NEAR(after->find("USDT")->locked, 0.0, 1e-9);
  EXPECT_NEAR(after->find("USDT")->free, 100'000.0 - price * 0.1, 1e-6);
  EXPECT_NEAR(after->find("BTC")->free, 0.1 * 0.999, 1e-12);
  // The id of a finished order may be used again (Binance checks open orders only).
  auto again = rest.new_order({"BTCUSDT", OrderSide::sell, OrderType::market, 0.05, 0, "limit-1"});
  ASSERT_TRUE(again) << again.error().text();
  EXPECT_EQ(mock->stats().orders_by_client_id.at("limit-1"), 2u);
}

TEST(MockBinance, RawAndCombinedStreamsAndSubscribe) {
  auto mock = start_mock();
  ASSERT_TRUE(mock);
  auto raw = net::WsClient::connect(mock->ws_base() + "/ws/btcusdt@kline_1m");
  ASSERT_TRUE(raw) << raw.error();
  auto combined = net::WsClient::connect(mock->ws_base() + "/stream");
  ASSERT_TRUE(combined) << combined.error();
  ASSERT_TRUE((*combined)->send_text(R"({"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":7})", 5s));
  auto reply = (*combined)->read(10s);
  ASSERT_TRUE(reply && !reply->timeout);
  EXPECT_EQ(json::parse(reply->text), json::parse(R"({"result":null,"id":7})"));
  // Both connections are registered before the bar moves.
  const Stopwatch watch;
  while (mock->stats().ws_open < 2 && watch.elapsed_s() < 10) std::this_thread::sleep_for(5ms);
  mock->advance(1);

  std::vector<json> klines;
  for (int i = 0; i < 3; ++i) {
    auto r = (*raw)->read(10s);
    ASSERT_TRUE(r && !r->timeout);
    klines.push_back(json::parse(r->text));
  }
  EXPECT_EQ(klines[0]["e"], "kline");
  EXPECT_FALSE(klines[0]["k"]["x"].get<bool>());
  EXPECT_TRUE(klines[2]["k"]["x"].get<bool>());
  const Candle bar = mock->closed_bars("BTCUSDT").back();  // a copy: closed_bars returns by value
  EXPECT_EQ(klines[2]["k"]["t"], bar.open_time_ns / 1'000'000);
  EXPECT_EQ(klines[2]["k"]["T"], bar.open_time_ns / 1'000'000 + 59'999);

  for (int i = 0; i < 3; ++i) {
    auto r = (*combined)->read(10s);
    ASSERT_TRUE(r && !r->timeout);
    const json j = json::parse(r->text);
    EXPECT_EQ(j["stream"], "btcusdt@trade");
    EXPECT_EQ(j["data"]["e"], "trade");
  }
}

}  // namespace
}  // namespace verity
