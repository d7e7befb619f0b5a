// The Binance spot REST client: market data (server time, klines with
// pagination, symbol filters) and, with credentials, signed trading calls
// (new order, query, cancel, open orders, account).
//
// What it guarantees:
//   - Retries only what is safe: transport errors and 5xx of read-only
//     calls, with exponential backoff and full jitter from a seeded Prng;
//     a 429 waits its Retry-After; a 418 (IP ban) stops at once; no other
//     4xx is ever retried.
//   - One newClientOrderId is never two orders: when a new order's fate is
//     unknown (transport error or 5xx), the order is looked up by its client
//     id before anything is resent.
//   - The request weight Binance reports is tracked; above the configured
//     share of the limit, the next call waits for the next minute.
//   - No key, secret or signature appears in an error: URLs are shown
//     without their query, exchange messages pass through `redact`.
// Thread-safe: calls may come from several threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/feed/candle.hpp"
#include "actors/feed/timeframe.hpp"
#include "actors/runtime/clock.hpp"
#include "live/binance/binance_types.hpp"
#include "live/binance/retry.hpp"
#include "live/binance/signing.hpp"
#include "live/secrets.hpp"

namespace verity::net {
struct HttpResult;
}

namespace verity {

struct BinanceCredentials {
  Secret api_key;
  Secret api_secret;
};

struct BinanceRestOptions {
  BinanceEndpoints endpoints;
  RetryPolicy retry;
  std::uint64_t seed = 0;  // the jitter's Prng seed: same seed, same delays
  std::int64_t recv_window_ms = 5000;
  std::chrono::milliseconds timeout{10'000};  // one HTTP call
  std::chrono::milliseconds connect_timeout{5'000};
  SleepFn sleep;                    // how to wait; default: sleep the calling thread
  std::function<bool()> cancelled;  // checked before each attempt and wait; true: give up (Kind::cancelled)
  Clock* clock = nullptr;           // wall time for signed timestamps; null: an internal LiveClock
};

/// Counters for tests, metrics and the ops page.
struct BinanceRestStats {
  std::uint64_t calls = 0;              // public calls made
  std::uint64_t attempts = 0;           // HTTP requests sent
  std::uint64_t retries = 0;            // attempts after the first, for any reason
  std::uint64_t throttle_waits = 0;     // waits because the weight neared the limit
  std::uint64_t time_syncs = 0;         // /api/v3/time calls to learn the offset
  std::uint64_t order_lookups = 0;      // new orders whose fate was settled by a query
  std::int64_t used_weight_1m = 0;      // as last reported
  std::int64_t time_offset_ms = 0;      // server minus local
};

class BinanceRest {
 public:
  explicit BinanceRest(BinanceRestOptions options = {}, BinanceCredentials credentials = {});
  ~BinanceRest();
  BinanceRest(const BinanceRest&) = delete;
  BinanceRest& operator=(const BinanceRest&) = delete;

  /// GET /api/v3/time: the venue's time in ms.
  BinanceResult<std::int64_t> server_time();
  /// Measures the offset between the venue's clock and ours, used for the
  /// `timestamp` of signed calls. Done on the first signed call and again
  /// when the venue answers -1021 (timestamp outside recvWindow).
  BinanceResult<void> sync_time();

  /// Every candle of `symbol` with open time in [start_ms, end_ms), in
  /// open-time order without duplicates, fetched 1000 at a time. A candle
  /// that has not closed yet is included if the range asks for it.
  BinanceResult<std::vector<Candle>> klines(const std::string& symbol, Timeframe timeframe, std::int64_t start_ms,
                                            std::int64_t end_ms);
  /// Tick size, step size and minimum notional of `symbol`.
  BinanceResult<SymbolFilters> exchange_info(const std::string& symbol);

  // --- signed -------------------------------------------------------------------
  /// MARKET or LIMIT (GTC) order, FULL response. See the header comment for
  /// what happens when the answer is lost.
  BinanceResult<OrderResult> new_order(const NewOrder& order);
  BinanceResult<OrderResult> query_order(const std::string& symbol, const std::string& client_order_id);
  BinanceResult<OrderResult> cancel_order(const std::string& symbol, const std::string& client_order_id);
  BinanceResult<std::vector<OrderResult>> open_orders(const std::string& symbol);
  BinanceResult<AccountInfo> account();

  BinanceRestStats stats() const;
  const BinanceRestOptions& options() const { return options_; }

 private:
  struct Request {
    std::string method;
    std::string path;
    binance::Params params;
    bool is_signed = false;
    bool retry_unknown = true;  // retry transport errors and 5xx (false for a new order)
    int weight = 1;             // for the record; the venue's header is what counts
  };
  BinanceResult<net::HttpResult> execute(const Request& request);
  bool cancelled() const;
  BinanceResult<void> wait(std::chrono::milliseconds d);
  BinanceResult<void> throttle();
  std::int64_t local_ms();
  std::string redacted(std::string text) const;

  BinanceRestOptions options_;
  BinanceCredentials credentials_;
  std::unique_ptr<LiveClock> own_clock_;

  mutable std::mutex mutex_;  // guards everything below
  Backoff backoff_;
  WeightBudget weight_;
  BinanceRestStats stats_;
  bool time_synced_ = false;
  std::int64_t time_offset_ms_ = 0;
};

/// `value` rounded down to a multiple of `step` (no-op when step <= 0),
/// with the binary noise removed: what a quantity or price must be before
/// it is sent.
double round_down_to_step(double value, double step);

}  // namespace verity
