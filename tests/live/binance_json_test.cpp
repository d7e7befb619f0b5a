// The Binance codecs and helpers without a network: signing against the
// example in Binance's API documentation, decimal formatting, every parser
// on good input and on input with a field missing or of the wrong type (the
// error names the field), and the backoff's jitter.
#include <gtest/gtest.h>

#include <set>

#include "live/binance/binance_json.hpp"
#include "live/binance/binance_rest.hpp"
#include "live/binance/retry.hpp"
#include "live/binance/signing.hpp"

namespace verity {
namespace {

using namespace std::chrono_literals;

TEST(BinanceSigning, MatchesTheDocumentedExample) {
  // Binance's "SIGNED endpoint examples for POST /api/v3/order".
  const std::string secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
  const std::string query =
      "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
  EXPECT_EQ(binance::hmac_sha256_hex(secret, query), "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
  EXPECT_EQ(binance::encode_params({{"a", "1"}, {"b", "x y"}, {"c", "A/B"}}), "a=1&b=x%20y&c=A%2FB");
}

TEST(BinanceSigning, DecimalsHaveNoExponentAndNoTrailingZeros) {
  EXPECT_EQ(binance::format_decimal(0.1), "0.1");
  EXPECT_EQ(binance::format_decimal(1e-8), "0.00000001");
  EXPECT_EQ(binance::format_decimal(58720.45), "58720.45");
  EXPECT_EQ(binance::format_decimal(100.0), "100");
  EXPECT_EQ(binance::format_decimal(-0.0), "0");
  EXPECT_DOUBLE_EQ(round_down_to_step(0.123456789, 0.00001), 0.12345);
  EXPECT_EQ(binance::format_decimal(round_down_to_step(0.3, 0.1)), "0.3");
  EXPECT_DOUBLE_EQ(round_down_to_step(1.7, 0), 1.7);
}

TEST(BinanceJson, KlinesRowsAndTheirErrors) {
  const std::string body =
      R"([[1499040000000,"0.01634790","0.80000000","0.01575800","0.01577100","148976.11427815",1499644799999,"2434.19055334",308,"1756.87402397","28.46694368","0"]])";
  auto rows = binance::parse_klines(body);
  ASSERT_TRUE(rows) << rows.error();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].open_ms, 1499040000000);
  EXPECT_EQ((*rows)[0].close_ms, 1499644799999);
  EXPECT_EQ((*rows)[0].candle.open_time_ns, 1499040000000LL * 1'000'000);
  EXPECT_DOUBLE_EQ((*rows)[0].candle.high, 0.8);
  EXPECT_DOUBLE_EQ((*rows)[0].candle.volume, 148976.11427815);

  auto bad = binance::parse_klines(R"([[1499040000000,"0.1","x","0.1","0.1","1",1499644799999]])");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("field 2 (high)"), std::string::npos) << bad.error();
  EXPECT_FALSE(binance::parse_klines("{not json"));
  EXPECT_FALSE(binance::parse_klines(R"({"code":-1121,"msg":"Invalid symbol."})"));
  auto short_row = binance::parse_klines(R"([[1,"1"]])");
  ASSERT_FALSE(short_row);
  EXPECT_NE(short_row.error().find("at least 7"), std::string::npos);
}

TEST(BinanceJson, ApiErrorAndServerTime) {
  auto e = binance::parse_api_error(R"({"code":-1022,"msg":"Signature for this request is not valid."})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, -1022);
  EXPECT_FALSE(binance::parse_api_error("<html>"));
  EXPECT_EQ(*binance::parse_server_time(R"({"serverTime":1499827319559})"), 1499827319559);
  auto t = binance::parse_server_time(R"({"serverTime":"soon"})");
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().find("\"serverTime\""), std::string::npos) << t.error();
  EXPECT_NE(t.error().find("integer"), std::string::npos) << t.error();
}

TEST(BinanceJson, StreamFramesCombinedRawAndBroken) {
  const std::string kline =
      R"({"e":"kline","E":1672515782136,"s":"BNBBTC","k":{"t":1672515780000,"T":1672515839999,"s":"BNBBTC","i":"1m","f":100,"L":200,"o":"0.0010","c":"0.0020","h":"0.0025","l":"0.0015","v":"1000","n":100,"x":false,"q":"1.0000","V":"500","Q":"0.500","B":"123456"}})";
  auto raw = binance::parse_stream_frame(kline);
  ASSERT_TRUE(raw) << raw.error();
  EXPECT_EQ(raw->kind, binance::StreamFrame::Kind::kline);
  EXPECT_EQ(raw->kline.symbol, "BNBBTC");
  EXPECT_EQ(raw->kline.interval, "1m");
  EXPECT_FALSE(raw->kline.closed);
  EXPECT_DOUBLE_EQ(raw->kline.candle.close, 0.002);
  auto combined = binance::parse_stream_frame(R"({"stream":"bnbbtc@kline_1m","data":)" + kline + "}");
  ASSERT_TRUE(combined) << combined.error();
  EXPECT_EQ(combined->stream, "bnbbtc@kline_1m");
  EXPECT_EQ(combined->kline.open_ms, 1672515780000);

  auto trade = binance::parse_stream_frame(
      R"({"stream":"bnbbtc@trade","data":{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":1672515782136,"m":true,"M":true}})");
  ASSERT_TRUE(trade) << trade.error();
  EXPECT_EQ(trade->kind, binance::StreamFrame::Kind::trade);
  EXPECT_EQ(trade->trade.trade_id, 12345);
  EXPECT_TRUE(trade->trade.buyer_is_maker);

  auto reply = binance::parse_stream_frame(R"({"result":null,"id":1})");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->kind, binance::StreamFrame::Kind::reply);

  std::string no_close = kline;
  no_close.replace(no_close.find(R"("c":"0.0020",)"), 13, "");
  auto missing = binance::parse_stream_frame(no_close);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("\"c\" is missing"), std::string::npos) << missing.error();
  EXPECT_FALSE(binance::parse_stream_frame(R"({"stream":"x","data":{"e":"kline","E":)"));
  auto wrong_type = binance::parse_stream_frame(
      R"({"e":"kline","E":1,"s":"A","k":{"t":1,"T":2,"s":"A","i":"1m","o":"1","c":"1","h":"1","l":"1","v":"1","x":"yes"}})");
  ASSERT_FALSE(wrong_type);
  EXPECT_NE(wrong_type.error().find("\"x\": expected true or false"), std::string::npos) << wrong_type.error();
}

TEST(BinanceJson, OrderAccountAndExchangeInfo) {
  auto order = binance::parse_order(
      R"({"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":"6gCrw2kRUAF9CvJDGP16IP","transactTime":1507725176595,"price":"0.00000000","origQty":"10.00000000","executedQty":"10.00000000","cummulativeQuoteQty":"10.00000000","status":"FILLED","timeInForce":"GTC","type":"MARKET","side":"SELL","fills":[{"price":"4000.00000000","qty":"1.00000000","commission":"4.00000000","commissionAsset":"USDT","tradeId":56}]})");
  ASSERT_TRUE(order) << order.error();
  EXPECT_EQ(order->order_id, 28);
  EXPECT_EQ(order->status, "FILLED");
  ASSERT_EQ(order->fills.size(), 1u);
  EXPECT_DOUBLE_EQ(order->fills[0].commission, 4.0);
  EXPECT_EQ(order->fills[0].commission_asset, "USDT");
  auto bad_fill = binance::parse_order(
      R"({"symbol":"B","orderId":1,"clientOrderId":"c","price":"0","origQty":"1","executedQty":"1","cummulativeQuoteQty":"1","status":"FILLED","fills":[{"price":"1","qty":"1","commission":"x","commissionAsset":"B"}]})");
  ASSERT_FALSE(bad_fill);
  EXPECT_NE(bad_fill.error().find("fills[0]"), std::string::npos) << bad_fill.error();
  EXPECT_NE(bad_fill.error().find("\"commission\""), std::string::npos) << bad_fill.error();

  auto account = binance::parse_account(
      R"({"canTrade":true,"updateTime":123,"balances":[{"asset":"BTC","free":"4723846.89208129","locked":"0.00000000"}]})");
  ASSERT_TRUE(account) << account.error();
  ASSERT_NE(account->find("BTC"), nullptr);
  EXPECT_DOUBLE_EQ(account->find("BTC")->free, 4723846.89208129);

  const std::string info =
      R"({"symbols":[{"symbol":"ETHBTC","status":"TRADING","baseAsset":"ETH","quoteAsset":"BTC","filters":[)"
      R"({"filterType":"PRICE_FILTER","minPrice":"0.00000100","maxPrice":"100000.00000000","tickSize":"0.00000100"},)"
      R"({"filterType":"LOT_SIZE","minQty":"0.00100000","maxQty":"100000.00000000","stepSize":"0.00100000"},)"
      R"({"filterType":"MIN_NOTIONAL","minNotional":"0.00100000","applyToMarket":true,"avgPriceMins":5}]}]})";
  auto filters = binance::parse_exchange_info(info, "ETHBTC");
  ASSERT_TRUE(filters) << filters.error();
  EXPECT_DOUBLE_EQ(filters->tick_size, 0.000001);
  EXPECT_DOUBLE_EQ(filters->step_size, 0.001);
  EXPECT_DOUBLE_EQ(filters->min_notional, 0.001);
  EXPECT_EQ(filters->base_asset, "ETH");
  EXPECT_FALSE(binance::parse_exchange_info(info, "BTCUSDT"));
}

TEST(BinanceBackoff, CapsGrowDelaysCarryJitterSameSeedSameDelays) {
  Backoff a(250ms, 10'000ms, 42);
  Backoff b(250ms, 10'000ms, 42);
  Backoff c(250ms, 10'000ms, 43);
  EXPECT_EQ(a.cap(0), 250ms);
  EXPECT_EQ(a.cap(1), 500ms);
  EXPECT_EQ(a.cap(3), 2000ms);
  EXPECT_EQ(a.cap(10), 10'000ms);
  std::vector<std::int64_t> da, db, dc;
  std::set<std::int64_t> distinct;
  for (int round = 0; round < 20; ++round) {
    for (int attempt = 0; attempt < 8; ++attempt) {
      const auto d = a.delay(attempt);
      EXPECT_GE(d.count(), 0);
      EXPECT_LE(d, a.cap(attempt));
      da.push_back(d.count());
      db.push_back(b.delay(attempt).count());
      dc.push_back(c.delay(attempt).count());
      if (attempt == 7) distinct.insert(d.count());
    }
  }
  EXPECT_EQ(da, db);
  EXPECT_NE(da, dc);
  EXPECT_GT(distinct.size(), 10u);  // jitter: not the cap every time
}

TEST(BinanceWeight, ThresholdIsAShareOfTheLimit) {
  WeightBudget w(6000, 0.9);
  w.observe(5399);
  EXPECT_FALSE(w.over_threshold());
  w.observe(5400);
  EXPECT_TRUE(w.over_threshold());
  w.reset();
  EXPECT_FALSE(w.over_threshold());
}

}  // namespace
}  // namespace verity
