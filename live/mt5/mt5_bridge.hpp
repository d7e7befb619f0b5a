// The MT5 bridge: the live session's VenueGateway for FTMO accounts that
// trade through MetaTrader 5. MT5 has no HTTP API of its own, so orders go
// to a small REST shim that runs beside the terminal (a Python service on
// the `MetaTrader5` package, say); docs/MT5.md is that shim's contract.
//
// What it guarantees:
//   - One client id is never two orders. POST /orders is idempotent by
//     client_id on the shim's side, and when a POST's fate is unknown (a
//     transport error or a 5xx) the bridge asks GET /orders/{client_id}
//     before it sends anything again.
//   - Nothing is retried blindly and nothing waits forever: every call has a
//     timeout and a bounded number of attempts (seeded full-jitter backoff);
//     an order the shim cannot take is reported REJECTED with reason
//     venueUnavailable and a detail that says whether it was placed.
//   - Quantities cross the boundary once: the graph speaks units of the base
//     asset, MT5 speaks lots; units = lots x the symbol's contract size.
//     Fees are reported in USD.
//   - The bearer token is sent only in the Authorization header; no error,
//     detail or summary contains it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <expected>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "actors/runtime/config.hpp"
#include "live/binance/retry.hpp"
#include "live/live_session.hpp"
#include "live/secrets.hpp"

namespace verity::net {
struct HttpResult;
}

namespace verity {

// Mt5SymbolSpec and parse_mt5_symbol_map, the form of mt5.symbols, are in
// actors/runtime/config.hpp, so that a bad map fails when the config loads.

struct Mt5Options {
  /// Verity symbol ("BTCUSDT") -> the terminal's symbol and lot size. An
  /// order for a symbol missing here is rejected without a call.
  std::map<std::string, Mt5SymbolSpec> symbols;
  /// The account's currency as GET /account must report it; fees and
  /// commissions arrive in it and become USD at `usd_per_account_unit`.
  std::string account_currency = "USD";
  double usd_per_account_unit = 1.0;
  /// Send each entry's stop-loss and take-profit to the terminal as the
  /// position's SL/TP. Off by default: LiveVenue keeps the brackets and
  /// sends reduce-only exits itself, and a server-side SL that closes the
  /// position first is a close the graph never hears of (docs/MT5.md).
  bool attach_brackets = false;
  /// Attempts per call, the first included (at least 1); a POST's
  /// follow-up lookups count against the same budget.
  int max_attempts = 4;
  std::chrono::milliseconds base_delay{250};  // backoff: attempt n waits U[0, min(max, base * 2^n)]
  std::chrono::milliseconds max_delay{4'000};
  std::chrono::milliseconds timeout{10'000};  // one HTTP call
  std::chrono::milliseconds connect_timeout{3'000};
  std::uint64_t seed = 0;  // the backoff's jitter: same seed, same delays
  /// How often orders resting in the terminal (limits) are asked for new
  /// fills; 0: never (they are reported once, as placed).
  std::chrono::milliseconds open_order_poll{5'000};
  /// Orders waiting for the gateway's thread; beyond it an order is
  /// rejected (venueUnavailable) at once rather than queued.
  std::size_t max_queued = 1024;
  /// Orders remembered for cancels and polls; beyond it the oldest finished
  /// ones are forgotten (a cancel of one is then rejected as unknown).
  std::size_t max_tracked = 4096;
  /// How to wait between attempts; default: sleep the gateway's thread.
  SleepFn sleep;
};

/// The bridge's options from a config's mt5.* keys (docs/MT5.md,
/// "Configuration"), with the backoff's jitter seeded from the session's
/// root seed (stream "live-mt5"), as the Binance connector seeds its own.
/// An error names the key (mt5.symbols), though load_config has already
/// checked it for a session with execution.venue "mt5".
std::expected<Mt5Options, std::string> mt5_options(const Config& config);

/// `units` of the base asset in lots, rounded down to the volume step.
double mt5_lots_of(double units, const Mt5SymbolSpec& spec);

/// The most client ids Mt5Gateway::unknown_orders() keeps (the newest).
inline constexpr std::size_t kMaxUnknownOrders = 1024;

/// Counters for tests and the ops page.
struct Mt5Stats {
  std::uint64_t calls = 0;          // HTTP requests sent, retries included
  std::uint64_t retries = 0;        // attempts after the first, for any reason
  std::uint64_t order_lookups = 0;  // GET /orders/{client_id} after a lost POST answer
  std::uint64_t orders_posted = 0;  // POST /orders requests sent
  std::uint64_t polls = 0;          // lookups of resting orders
};

/// Orders out on its own thread, answers back as LiveReports, in the shape
/// BinanceGateway gives them: one report per fill (PARTIALLY_FILLED until
/// the order's volume is done, then FILLED), NEW for an order resting in the
/// terminal, CANCELED for a cancel or an unfilled remainder, REJECTED with
/// the terminal's reason, and REJECTED venueUnavailable when the shim could
/// not be reached.
class Mt5Gateway final : public VenueGateway {
 public:
  /// `base_url` is the shim's root ("http://127.0.0.1:8787"); `token` goes
  /// out as "Authorization: Bearer <token>".
  Mt5Gateway(std::string base_url, Secret token, Mt5Options options);
  ~Mt5Gateway() override;
  Mt5Gateway(const Mt5Gateway&) = delete;
  Mt5Gateway& operator=(const Mt5Gateway&) = delete;

  /// GET /health, /account, /symbols/{s} for each mapped symbol, /positions
  /// and /orders: a summary for the log, or an error naming the path and
  /// what was expected (a disconnected terminal, trading disabled, another
  /// currency or a contract size that differs from the map stop the start).
  std::expected<std::string, std::string> reconcile() override;
  void start(std::function<void(LiveReport)> sink) override;
  /// Queues one order (new or cancel); never blocks on the network.
  void send(OutboundOrder order) override;
  /// Sends what is queued, then joins the thread.
  void stop() override;
  /// Orders reported venueUnavailable (unreachable, 5xx, unauthorised,
  /// unreadable answers, refusals the terminal blames on itself) and polls
  /// that failed.
  std::uint64_t errors() const override { return errors_; }

  Mt5Stats stats() const;
  /// Client ids whose POST's fate stayed unknown (the shim may hold them):
  /// reported REJECTED, to be checked by hand in the terminal. The newest
  /// kMaxUnknownOrders, oldest first.
  std::vector<std::string> unknown_orders() const;

  struct Record;   // an order as the shim reports it
  struct Failure;  // a call that did not get a usable answer

 private:
  struct Tracked;  // an order this gateway sent

  void run();
  void place(const OutboundOrder& o);
  void cancel(const OutboundOrder& o);
  void poll_open();
  /// Turns what the shim says about an order into reports (only what is new).
  void apply(Tracked& t, const Record& r, bool first_answer);
  void reject(const OutboundOrder& o, schema::RejectReason reason, const std::string& why);
  void emit(FillSpec f);
  void remember(std::uint64_t order_id, Tracked t);

  /// One HTTP request, no retry: the answer, or the transport error (redacted).
  std::expected<net::HttpResult, std::string> once(const std::string& method, const std::string& path,
                                                    const std::string& body);
  /// An idempotent call with retries on transport errors and 5xx; any
  /// other status is returned for the caller to judge, except 401/403.
  std::expected<net::HttpResult, Failure> call(const std::string& method, const std::string& path,
                                               const std::string& body = {});
  /// POST /orders with the lookup-before-resend rule.
  std::expected<Record, Failure> submit(const std::string& client_id, const std::string& body);
  /// GET `path`, retried as call() does, expecting 200 with JSON shaped as
  /// `expected` (named in the error otherwise).
  std::expected<nlohmann::json, std::string> get_json(const std::string& path, const std::string& expected);
  void wait_before(int attempt);
  std::string redacted(std::string text) const;

  std::string base_url_;
  Secret token_;
  Mt5Options options_;

  mutable std::mutex stats_mu_;  // guards stats_, unknown_ and backoff_
  Mt5Stats stats_;
  std::deque<std::string> unknown_;  // oldest first, at most kMaxUnknownOrders
  Backoff backoff_;

  std::function<void(LiveReport)> sink_;
  std::map<std::uint64_t, std::unique_ptr<Tracked>> tracked_;  // by graph order id; the gateway's thread only
  std::atomic<std::uint64_t> next_exec_{1};  // reports: the gateway's thread, and send() when the queue is full
  std::uint64_t next_seq_ = 0;

  std::mutex mu_;  // guards queue_ and stopping_
  std::condition_variable cv_;
  std::deque<OutboundOrder> queue_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> errors_{0};
  std::thread thread_;
};

}  // namespace verity
