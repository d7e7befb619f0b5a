// Live closed candles from Binance's WebSocket streams, with no bar missed
// or repeated across disconnects.
//
// One I/O thread holds one combined-stream connection
// (/stream?streams=btcusdt@kline_1m/...) for N symbols. After every connect
// (the first one too, from `resume_from_open_ms`), it backfills through REST
// from the last delivered bar to the newest closed one, delivers those, and
// then the live ones, dropping duplicates. A closed kline that arrives after
// a gap (a frame lost to a malformed message, say) first fills the gap from
// REST. So on_bar sees each closed candle exactly once per (symbol, open
// time), in open-time order per symbol, and never a candle still forming.
//
// A connection silent for `stale_after` is dead; reconnects back off with
// jitter from a seeded Prng. A malformed frame is counted and reported, and
// the stream goes on. Trades are best effort: those sent while disconnected
// are not recovered. Callbacks run on the I/O thread, one at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "actors/feed/candle.hpp"
#include "actors/feed/timeframe.hpp"
#include "actors/runtime/clock.hpp"
#include "live/binance/binance_json.hpp"
#include "live/binance/binance_rest.hpp"
#include "live/binance/binance_types.hpp"
#include "live/net/ws_client.hpp"

namespace verity {

struct StreamStatus {
  bool connected = false;
  std::uint64_t reconnects = 0;        // connections made after the first
  std::uint64_t malformed_frames = 0;  // frames that did not parse; each was skipped
  std::int64_t last_message_ns = 0;    // wall time of the last frame (LiveClock), 0 before any
  std::string last_error;              // the latest problem, for the operator; empty if none
  std::uint64_t bars_delivered = 0;    // on_bar calls, backfilled ones included
  std::uint64_t bars_backfilled = 0;   // of those, bars that came from REST
  std::uint64_t duplicates_dropped = 0;
  std::uint64_t trades_delivered = 0;
};

struct KlineStreamOptions {
  BinanceEndpoints endpoints;
  std::vector<std::string> symbols;  // "BTCUSDT"; at most 500
  Timeframe timeframe = Timeframe::m1;
  bool trades = false;  // also subscribe to <symbol>@trade
  /// Open time (ms) of the first bar wanted, for every symbol. -1: start
  /// with the first closed bar the live stream sends.
  std::int64_t resume_from_open_ms = -1;
  /// No frame for this long: the connection is dead (Binance pings every 20 s).
  std::chrono::milliseconds stale_after{60'000};
  std::chrono::milliseconds reconnect_base{500};
  std::chrono::milliseconds reconnect_max{30'000};
  std::uint64_t seed = 0;  // reconnect jitter
  net::WsClientOptions ws;
  /// For backfill. Its endpoints are replaced by `endpoints`; its sleep and
  /// cancellation by the stream's own, so stop() interrupts a backfill.
  BinanceRestOptions rest;
  /// Bars fetched per REST range during a backfill (memory bound; the
  /// backfill itself has no length limit).
  std::int64_t backfill_chunk_bars = 5000;
};

struct KlineStreamCallbacks {
  std::function<void(const std::string& symbol, const Candle&)> on_bar;
  std::function<void(const Trade&)> on_trade;
  std::function<void(const StreamStatus&)> on_status;  // on connect, disconnect, malformed frames, errors
};

class KlineStream {
 public:
  KlineStream(KlineStreamOptions options, KlineStreamCallbacks callbacks);
  ~KlineStream();
  KlineStream(const KlineStream&) = delete;
  KlineStream& operator=(const KlineStream&) = delete;

  /// Checks the options and starts the I/O thread; once.
  std::expected<void, std::string> start();
  /// Closes the connection, interrupts waits and backfills, joins the
  /// thread. Idempotent; also in the destructor.
  void stop();

  StreamStatus status() const;
  /// The combined-stream URL it connects to.
  std::string url() const;

 private:
  void run();
  std::expected<void, std::string> session(net::WsClient& client);
  std::expected<void, std::string> backfill_all();
  std::expected<void, std::string> fill(const std::string& symbol, std::int64_t to_open_ms);
  std::expected<void, std::string> on_kline(const binance::KlineEvent& e);
  void deliver(const std::string& symbol, const Candle& c, bool backfilled);
  void set_status(const std::function<void(StreamStatus&)>& change, bool report);
  bool wait_for(std::chrono::milliseconds d);  // false when stopping

  KlineStreamOptions options_;
  KlineStreamCallbacks callbacks_;
  std::int64_t interval_ms_;
  std::unique_ptr<BinanceRest> rest_;
  LiveClock clock_;  // I/O thread only: last_message_ns

  /// Per symbol: the open time of the next bar to deliver; every earlier
  /// bar was delivered or confirmed absent by REST. Absent until known.
  std::map<std::string, std::int64_t> next_open_ms_;

  mutable std::mutex mutex_;  // guards status_, client_, stopping_ waits
  std::condition_variable cv_;
  StreamStatus status_;
  net::WsClient* client_ = nullptr;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  std::thread thread_;
};

}  // namespace verity
