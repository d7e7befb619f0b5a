// KlineStream against the mock exchange on 127.0.0.1, its clock running at
// a few milliseconds a bar: every closed bar arrives exactly once, in order,
// from the resume point on, across a dropped connection, a stalled one and
// malformed frames; stop() is prompt. The checks wait for conditions with
// generous deadlines and compare against the mock's own series.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "actors/runtime/clock.hpp"
#include "live/binance/kline_stream.hpp"
#include "tests/support/mock_binance.hpp"

namespace verity {
namespace {

using namespace std::chrono_literals;
using testing::MockBinance;
using testing::MockBinanceOptions;

bool eventually(const std::function<bool()>& condition, double seconds = 20.0) {
  const Stopwatch watch;
  while (!condition()) {
    if (watch.elapsed_s() > seconds) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

/// What the stream delivered, per symbol, as it arrived.
struct Received {
  std::mutex m;
  std::map<std::string, std::vector<Candle>> bars;
  std::vector<Trade> trades;
  std::vector<StreamStatus> statuses;

  KlineStreamCallbacks callbacks() {
    KlineStreamCallbacks cb;
    cb.on_bar = [this](const std::string& symbol, const Candle& c) {
      std::lock_guard lock(m);
      bars[symbol].push_back(c);
    };
    cb.on_trade = [this](const Trade& t) {
      std::lock_guard lock(m);
      trades.push_back(t);
    };
    cb.on_status = [this](const StreamStatus& s) {
      std::lock_guard lock(m);
      statuses.push_back(s);
    };
    return cb;
  }
  std::size_t count(const std::string& symbol) {
    std::lock_guard lock(m);
    return bars[symbol].size();
  }
  std::vector<Candle> of(const std::string& symbol) {
    std::lock_guard lock(m);
    return bars[symbol];
  }
  std::size_t trade_count() {
    std::lock_guard lock(m);
    return trades.size();
  }
};

std::unique_ptr<MockBinance> start_mock(std::size_t start_bar = 1500) {
  MockBinanceOptions o;
  o.series["BTCUSDT"] = testing::synthetic_candles(11, 20'000, 50'000);
  o.series["BNBUSDT"] = testing::synthetic_candles(12, 20'000, 300, /*gap_probability=*/0.01);
  o.start_bar = start_bar;
  auto mock = MockBinance::start(std::move(o));
  if (!mock) ADD_FAILURE() << mock.error();
  return mock ? std::move(*mock) : nullptr;
}

KlineStreamOptions stream_options(const MockBinance& mock, std::int64_t resume_from_ms) {
  KlineStreamOptions o;
  o.endpoints.rest_base = mock.rest_base();
  o.endpoints.ws_base = mock.ws_base();
  o.symbols = {"BTCUSDT", "BNBUSDT"};
  o.resume_from_open_ms = resume_from_ms;
  o.stale_after = 2s;
  o.reconnect_base = 20ms;
  o.reconnect_max = 200ms;
  o.seed = 5;
  o.rest.timeout = 5s;
  return o;
}

/// The mock's closed bars of `symbol` from `from_ms` on.
std::vector<Candle> expected_from(const MockBinance& mock, const std::string& symbol, std::int64_t from_ms) {
  std::vector<Candle> out;
  for (const Candle& c : mock.closed_bars(symbol)) {
    if (c.open_time_ns / 1'000'000 >= from_ms) out.push_back(c);
  }
  return out;
}

/// Pauses the mock and waits until the stream has caught up with it.
void settle_and_compare(MockBinance& mock, Received& got, std::int64_t from_ms) {
  mock.pause();
  for (const std::string symbol : {"BTCUSDT", "BNBUSDT"}) {
    const auto want = expected_from(mock, symbol, from_ms);
    ASSERT_TRUE(eventually([&] { return got.count(symbol) >= want.size(); }))
        << symbol << ": " << got.count(symbol) << " of " << want.size() << " bars";
    const auto have = got.of(symbol);
    ASSERT_EQ(have.size(), want.size()) << symbol;
    for (std::size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(have[i], want[i]) << symbol << " bar " << i << " (open " << want[i].open_time_ns << ")";
    }
  }
}

TEST(BinanceStream, DeliversEveryClosedBarOnceFromTheResumePoint) {
  auto mock = start_mock();
  ASSERT_TRUE(mock);
  const std::int64_t from_ms = mock->now_ms() - 100 * 60'000;  // 100 bars ago
  const std::size_t backfill = expected_from(*mock, "BTCUSDT", from_ms).size();
  ASSERT_EQ(backfill, 100u);
  Received got;
  KlineStream stream(stream_options(*mock, from_ms), got.callbacks());
  ASSERT_TRUE(stream.start());
  // The backfill comes first, then live bars.
  ASSERT_TRUE(eventually([&] { return got.count("BTCUSDT") >= backfill; }));
  ASSERT_TRUE(eventually([&] { return stream.status().connected; }));
  mock->run(5ms);
  ASSERT_TRUE(eventually([&] { return got.count("BTCUSDT") >= backfill + 150; }));
  settle_and_compare(*mock, got, from_ms);
  const StreamStatus s = stream.status();
  EXPECT_EQ(s.malformed_frames, 0u);
  EXPECT_GE(s.bars_backfilled, backfill);
  EXPECT_GT(s.bars_delivered, s.bars_backfilled);  // some came live
  EXPECT_GT(s.last_message_ns, 0);
  stream.stop();
}

TEST(BinanceStream, SurvivesDropStallAndMalformedFramesWithoutLosingOrRepeatingABar) {
  auto mock = start_mock();
  ASSERT_TRUE(mock);
  const std::int64_t from_ms = mock->now_ms() - 50 * 60'000;
  Received got;
  KlineStreamOptions o = stream_options(*mock, from_ms);
  o.stale_after = 300ms;
  KlineStream stream(o, got.callbacks());
  ASSERT_TRUE(stream.start());
  ASSERT_TRUE(eventually([&] { return stream.status().connected && got.count("BTCUSDT") >= 50; }));
  mock->run(5ms);

  // 1. The venue drops the connection.
  ASSERT_TRUE(eventually([&] { return got.count("BTCUSDT") >= 100; }));
  mock->inject_drop_ws();
  ASSERT_TRUE(eventually([&] { return stream.status().reconnects >= 1 && stream.status().connected; }));
  // 2. It stalls: the socket stays open, no frame comes.
  ASSERT_TRUE(eventually([&] { return mock->stats().ws_open == 1; }));
  const std::size_t before_stall = got.count("BTCUSDT");
  mock->inject_ws_stall(1500ms);
  ASSERT_TRUE(eventually([&] { return stream.status().reconnects >= 2 && stream.status().connected; }));
  ASSERT_TRUE(eventually([&] { return got.count("BTCUSDT") > before_stall + 20; }));
  // 3. Frames that are not JSON, and JSON without the close price.
  mock->inject_ws_malformed(7);
  mock->inject_ws_missing_fields(7);
  ASSERT_TRUE(eventually([&] { return mock->stats().ws_malformed_sent >= 14; }));
  ASSERT_TRUE(eventually([&] { return stream.status().malformed_frames >= 1; }));
  const std::size_t after_malformed = got.count("BTCUSDT");
  ASSERT_TRUE(eventually([&] { return got.count("BTCUSDT") > after_malformed + 20; }));

  settle_and_compare(*mock, got, from_ms);
  const StreamStatus s = stream.status();
  EXPECT_GE(s.reconnects, 2u);
  // All 14 unless a reconnect happened to lose some still in flight.
  EXPECT_GE(s.malformed_frames, 1u);
  EXPECT_LE(s.malformed_frames, 14u);
  EXPECT_FALSE(s.last_error.empty());
  EXPECT_GT(s.bars_delivered, s.bars_backfilled);
  stream.stop();
}

TEST(BinanceStream, RealBtcAndBnbDataAcrossADrop) {
  std::string why;
  auto btc = testing::real_binance_candles("BTC_USDT-1m.json", why);
  auto bnb = btc ? testing::real_binance_candles("BNB_USDT-1m.json", why) : std::nullopt;
  if (!btc || !bnb) GTEST_SKIP() << "real data not available: " << why;
  MockBinanceOptions mo;
  mo.series["BTCUSDT"] = *btc;
  mo.series["BNBUSDT"] = *bnb;
  mo.start_bar = 10'000;
  auto started = MockBinance::start(std::move(mo));
  ASSERT_TRUE(started) << started.error();
  MockBinance& mock = **started;
  const std::int64_t from_ms = mock.now_ms() - 1500 * 60'000;  // a backfill of two pages and more
  Received got;
  KlineStream stream(stream_options(mock, from_ms), got.callbacks());
  ASSERT_TRUE(stream.start());
  ASSERT_TRUE(eventually([&] { return stream.status().connected && got.count("BTCUSDT") >= 1400; }));
  mock.run(3ms);
  ASSERT_TRUE(eventually([&] { return got.count("BTCUSDT") >= 1600; }));
  mock.inject_drop_ws();
  ASSERT_TRUE(eventually([&] { return stream.status().reconnects >= 1 && got.count("BTCUSDT") >= 1700; }));
  settle_and_compare(mock, got, from_ms);
  stream.stop();
}

TEST(BinanceStream, WithoutAResumePointStartsAtTheFirstLiveClosedBar) {
  auto mock = start_mock();
  ASSERT_TRUE(mock);
  Received got;
  KlineStreamOptions o = stream_options(*mock, -1);
  o.symbols = {"BTCUSDT"};
  o.trades = true;
  KlineStream stream(o, got.callbacks());
  ASSERT_TRUE(stream.start());
  ASSERT_TRUE(eventually([&] { return stream.status().connected && mock->stats().ws_open == 1; }));
  EXPECT_EQ(got.count("BTCUSDT"), 0u);
  mock->advance(3);
  ASSERT_TRUE(eventually([&] { return got.count("BTCUSDT") >= 3; }));
  const auto bars = got.of("BTCUSDT");
  const auto closed = mock->closed_bars("BTCUSDT");
  ASSERT_EQ(bars.size(), 3u);
  EXPECT_EQ(bars[0], closed[closed.size() - 3]);
  EXPECT_EQ(bars[2], closed.back());
  ASSERT_TRUE(eventually([&] { return got.trade_count() >= 9; }));  // 3 trades a bar
  std::lock_guard lock(got.m);
  EXPECT_EQ(got.trades[0].symbol, "BTCUSDT");
  EXPECT_GT(got.trades[0].price, 0.0);
}

TEST(BinanceStream, StopIsPromptWhileConnectedAndWhileReconnecting) {
  auto mock = start_mock();
  ASSERT_TRUE(mock);
  {
    Received got;
    KlineStreamOptions o = stream_options(*mock, -1);
    o.stale_after = 60s;
    KlineStream stream(o, got.callbacks());
    ASSERT_TRUE(stream.start());
    ASSERT_TRUE(eventually([&] { return stream.status().connected; }));
    const Stopwatch watch;
    stream.stop();
    EXPECT_LT(watch.elapsed_s(), 5.0);
    stream.stop();  // idempotent
  }
  {
    Received got;
    KlineStreamOptions o = stream_options(*mock, 0);
    o.endpoints.ws_base = "ws://127.0.0.1:1";  // nobody there: it keeps retrying
    o.reconnect_base = 10s;
    o.reconnect_max = 10s;
    KlineStream stream(o, got.callbacks());
    ASSERT_TRUE(stream.start());
    ASSERT_TRUE(eventually([&] { return !stream.status().last_error.empty(); }));
    const Stopwatch watch;
    stream.stop();
    EXPECT_LT(watch.elapsed_s(), 5.0);
  }
}

TEST(BinanceStream, RejectsBadOptions) {
  Received got;
  KlineStream none(KlineStreamOptions{}, got.callbacks());
  EXPECT_FALSE(none.start());
  KlineStreamOptions o;
  o.symbols = {"btc-usdt"};
  KlineStream bad(o, got.callbacks());
  auto r = bad.start();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("BTC-USDT"), std::string::npos) << r.error();
  KlineStreamOptions ok;
  ok.symbols = {"btcusdt", "BNBUSDT"};
  ok.trades = true;
  KlineStream url(ok, got.callbacks());
  EXPECT_EQ(url.url(), "wss://stream.binance.com:9443/stream?streams=btcusdt@kline_1m/btcusdt@trade/bnbusdt@kline_1m/bnbusdt@trade");
}

}  // namespace
}  // namespace verity
