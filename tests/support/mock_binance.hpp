// A mock Binance spot exchange on 127.0.0.1 for tests and accelerated live
// sessions: a real HTTP/WebSocket server (live/net) speaking Binance's REST
// and stream formats, over candle series held in memory, with a market clock
// the test moves, a matching engine for MARKET and LIMIT orders, signature
// checks, request-weight accounting and injectable faults. docs/BINANCE.md
// describes what it supports and how a separate process drives it over HTTP
// (/mock/...).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "actors/feed/candle.hpp"
#include "actors/runtime/clock.hpp"
#include "live/net/http_server.hpp"

namespace verity::testing {

/// The key and secret the mock accepts (from Binance's API docs' example).
inline constexpr const char* kMockApiKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
inline constexpr const char* kMockApiSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

struct MockBinanceOptions {
  /// Candles per symbol ("BTCUSDT"), in open-time order; gaps allowed.
  std::map<std::string, std::vector<Candle>> series;
  std::int64_t interval_ms = 60'000;  // the series' interval: only "1m" is served
  /// The clock starts at the close of this bar of the first symbol's series.
  std::size_t start_bar = 1500;
  std::string api_key = kMockApiKey;
  std::string api_secret = kMockApiSecret;
  double slippage_bps = 0;          // MARKET fills: close * (1 +- bps/1e4)
  double commission_rate = 0.001;   // 0.1% of what the fill brings in
  std::map<std::string, double> balances = {{"USDT", 100'000.0}};
  std::int64_t weight_limit_1m = 6000;  // beyond it, 429 as Binance does
  int trades_per_bar = 3;               // trade events sent on each advance
  /// /api/v3/time runs with the wall clock inside the current bar (up to
  /// its end), as a real server's does; the market clock itself moves only
  /// with advance()/run(). false: /api/v3/time is the bar close exactly.
  bool server_time_runs_within_bar = true;
  double tick_size = 0.01, step_size = 0.00001, min_qty = 0.00001, min_notional = 5.0;
};

/// What the mock saw, for assertions.
struct MockBinanceStats {
  std::uint64_t rest_requests = 0;    // /api/ calls, faults included
  std::uint64_t orders_created = 0;
  std::uint64_t signature_failures = 0;  // -1022
  std::uint64_t timestamp_failures = 0;  // -1021
  std::uint64_t faults_fired = 0;        // REST faults applied
  std::uint64_t ws_connections = 0;      // accepted, ever
  std::uint64_t ws_open = 0;             // open now
  std::uint64_t ws_frames_sent = 0;
  std::uint64_t ws_malformed_sent = 0;
  std::uint64_t bars_advanced = 0;
  std::map<std::string, std::uint64_t> orders_by_client_id;  // orders created per newClientOrderId
};

/// Selects the REST calls a fault applies to: all /api/ calls by default.
struct RestFaultFilter {
  std::string method;  // "" = any
  std::string path;    // prefix; "" = any /api/ path
};

class MockBinance {
 public:
  static std::expected<std::unique_ptr<MockBinance>, std::string> start(MockBinanceOptions options);
  ~MockBinance();
  MockBinance(const MockBinance&) = delete;
  MockBinance& operator=(const MockBinance&) = delete;

  std::string rest_base() const;  // "http://127.0.0.1:PORT"
  std::string ws_base() const;    // "ws://127.0.0.1:PORT"
  std::uint16_t port() const;

  // --- the market clock ----------------------------------------------------------
  /// Close time (ms) of the newest closed bar: the mock's "now".
  std::int64_t now_ms() const;
  /// What /api/v3/time answers at this moment.
  std::int64_t server_time_ms() const;
  /// Moves the clock n bars; each step sends kline updates, a few trades and
  /// the closing kline (x=true) to subscribers, and fills crossing LIMIT orders.
  void advance(int n = 1);
  /// Advances one bar every `per_bar` on a thread until pause() or the end.
  void run(std::chrono::milliseconds per_bar);
  void pause();
  /// The candles of `symbol` closed by now, in order.
  std::vector<Candle> closed_bars(const std::string& symbol) const;
  const std::vector<Candle>& series(const std::string& symbol) const;

  // --- faults --------------------------------------------------------------------
  void inject_drop_ws();                                   // abrupt close of every WebSocket now
  void inject_rest_429(int count, int retry_after_s = 1, RestFaultFilter f = {});
  void inject_rest_418(int count, int retry_after_s = 120, RestFaultFilter f = {});
  void inject_rest_500(int count, RestFaultFilter f = {});        // refused before it is processed
  void inject_rest_500_after(int count, RestFaultFilter f = {});  // processed (an order exists), then 500
  void inject_rest_delay(int count, std::chrono::milliseconds ms, RestFaultFilter f = {});  // processed, answer held back
  void inject_ws_malformed(int count);       // the next frames are not JSON
  void inject_ws_missing_fields(int count);  // the next frames are JSON without k.c / p
  void inject_ws_stall(std::chrono::milliseconds ms);  // open sockets get no frames for a while
  void set_used_weight(std::int64_t weight);           // pretend others used this much of the minute
  void clear_faults();

  MockBinanceStats stats() const;
  double balance(const std::string& asset) const;  // free + locked

  struct State;

 private:
  MockBinance() = default;
  std::unique_ptr<State> state_;
  std::unique_ptr<net::HttpServer> server_;
};

/// A seeded random walk of `n` 1-minute candles from 2021-04-02T00:00Z
/// without gaps (or with, at `gap_probability` per bar).
std::vector<Candle> synthetic_candles(std::uint64_t seed, std::size_t n, double start_price = 50'000.0,
                                      double gap_probability = 0.0);

/// The real BTC/BNB 2021 1-minute files in ../shared/data when present
/// ("BTC_USDT-1m.json"), loaded once per process; nullopt with `why` when absent.
std::optional<std::vector<Candle>> real_binance_candles(const std::string& file_name, std::string& why);

}  // namespace verity::testing
