// A fake MT5 REST shim on 127.0.0.1 (an ephemeral port), for tests of the
// MT5 bridge against real HTTP. It speaks the contract in docs/MT5.md: an
// account, symbols with contract sizes and volume steps, market orders
// filled at once at a price the test sets, limit orders resting until the
// test fills them, a netted position per symbol, orders recorded by
// client_id (a repeated POST answers the first order's record and creates
// nothing), and the bearer token checked on every call (401 otherwise).
//
// A quote function (set_quote) may stand in for the fixed prices: market
// orders then fill at what it says, e.g. the mock exchange's newest close,
// so a live session's fills follow its bars.
//
// Fault injection: the next N calls answer 500 before doing anything; the
// next POST /orders is processed and then answers 500 (its answer is lost);
// the next POST is rejected with a given MT5 error; stop() makes the shim
// unreachable (connection refused).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "live/net/http_server.hpp"

namespace verity::testing {

struct FakeMt5Fill {
  double price = 0, volume_lots = 0, commission = 0;
  std::int64_t time_ms = 0;
};

/// An order as the fake holds it (and answers it).
struct FakeMt5Order {
  std::string client_id;
  std::uint64_t ticket = 0;
  std::string symbol, side, type;  // side buy|sell, type market|limit
  double volume_lots = 0, price = 0, sl = 0, tp = 0;
  bool reduce_only = false;
  std::string status;              // placed | filled | canceled | rejected
  std::vector<FakeMt5Fill> fills;
  std::string error_code, error_message;
  int retcode = 0;
  std::int64_t time_ms = 0;
};

struct FakeMt5Symbol {
  double contract_size = 1.0;
  double volume_step = 0.01, volume_min = 0.01;
  double price = 0;  // market orders fill here
};

/// Where a market order fills: a price and the time stamped on the fill.
struct FakeMt5Quote {
  double price = 0;
  std::int64_t time_ms = 0;
};
/// The quote of an MT5 symbol now; nullopt: the symbol's fixed price and
/// the fake's time. Called under the fake's lock: it must not call the fake.
using FakeMt5QuoteFn = std::function<std::optional<FakeMt5Quote>(const std::string& mt5_symbol)>;

class FakeMt5 {
 public:
  /// Starts the server; aborts the test binary (a bug in the test setup)
  /// if it cannot bind. The account starts with `balance` in `currency`.
  explicit FakeMt5(std::string token, double balance = 100'000.0, std::string currency = "USD");
  ~FakeMt5();
  FakeMt5(const FakeMt5&) = delete;
  FakeMt5& operator=(const FakeMt5&) = delete;

  /// "http://127.0.0.1:PORT": the bridge's base URL.
  std::string base_url() const;

  void add_symbol(const std::string& mt5_symbol, FakeMt5Symbol spec);
  void set_price(const std::string& mt5_symbol, double price);
  /// Charged per lot on every fill, in the account's currency.
  void set_commission_per_lot(double commission);
  /// The time stamped on orders and fills from now on.
  void set_time_ms(std::int64_t time_ms);
  /// Market orders fill at `quote`'s answer from now on (empty: the fixed prices).
  void set_quote(FakeMt5QuoteFn quote);
  void set_terminal_connected(bool connected);
  /// Fills a resting limit order in full at `price`; false if it is not resting.
  bool fill_resting(const std::string& client_id, double price);

  // --- faults ----------------------------------------------------------------------
  void fail_next(int calls);                       // HTTP 500, nothing done
  /// The next POST /orders is processed, then answers 500; the `then_fail`
  /// calls after it answer 500 too (lookups that cannot settle its fate).
  void fail_after_processing_next_post(int then_fail = 0);
  void reject_next_post(std::string code, int retcode, std::string message);
  /// Closes the server: every later call is refused. Idempotent.
  void stop();

  // --- what it saw -----------------------------------------------------------------
  std::vector<FakeMt5Order> orders() const;  // in arrival order
  std::optional<FakeMt5Order> order(const std::string& client_id) const;
  /// The signed net position in lots (buy positive).
  double position_lots(const std::string& mt5_symbol) const;
  double balance() const;
  std::size_t posts() const;               // POST /orders requests that reached a handler
  std::size_t duplicate_posts() const;     // of them, client ids already known
  std::map<std::string, std::size_t> posts_by_client_id() const;  // POSTs that reached a handler, per client id
  std::size_t lookups() const;             // GET /orders/{client_id}
  std::size_t deletes() const;
  std::size_t unauthorized_calls() const;
  std::size_t calls() const;               // every request, faults included

 private:
  struct Position {
    double lots = 0;  // signed
    double price_open = 0;
  };
  net::HttpResponse handle(const net::HttpRequest& req);
  net::HttpResponse post_order(const net::HttpRequest& req);
  net::HttpResponse lookup(const std::string& client_id);
  net::HttpResponse cancel(const std::string& client_id);
  net::HttpResponse route(const net::HttpRequest& req);
  /// Books a fill of `lots` at `price`, at `time_ms`, on the order and the position.
  void fill(FakeMt5Order& o, double lots, double price, std::int64_t time_ms);

  std::string token_;
  std::string currency_;
  mutable std::mutex mutex_;
  double balance_ = 0;
  double commission_per_lot_ = 0;
  std::int64_t time_ms_ = 1'700'000'000'000;
  bool terminal_connected_ = true;
  std::map<std::string, FakeMt5Symbol> symbols_;
  std::map<std::string, Position> positions_;
  std::map<std::string, std::size_t> by_client_id_;  // -> index in orders_
  std::map<std::string, std::size_t> posts_by_client_id_;
  FakeMt5QuoteFn quote_;
  std::vector<FakeMt5Order> orders_;
  std::uint64_t next_ticket_ = 50'000'001;
  int fail_next_ = 0;
  bool fail_after_post_ = false;
  int fail_after_post_then_ = 0;
  std::optional<FakeMt5Order> reject_next_;  // its error fields
  std::size_t posts_ = 0, duplicate_posts_ = 0, lookups_ = 0, deletes_ = 0, unauthorized_ = 0, calls_ = 0;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace verity::testing
