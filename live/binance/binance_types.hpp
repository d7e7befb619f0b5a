// Plain values of the Binance spot connector: endpoints, errors, orders,
// balances, symbol filters, trades. No I/O here; the JSON codecs are in
// binance_json.hpp, the REST client in binance_rest.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <vector>

namespace verity {

/// Where the connector talks to: the real venue by default, or the mock
/// exchange (tests) or the testnet ("https://testnet.binance.vision",
/// "wss://stream.testnet.binance.vision") when configured.
struct BinanceEndpoints {
  std::string rest_base = "https://api.binance.com";
  std::string ws_base = "wss://stream.binance.com:9443";
};

/// Why a call failed. `kind` says what the caller may do about it.
struct BinanceError {
  enum class Kind {
    transport,     // no HTTP answer (connect, timeout, reset): the request's fate is unknown
    server,        // HTTP 5xx: the request's fate is unknown (Binance: "execution status UNKNOWN")
    rejected,      // HTTP 4xx with Binance's {"code","msg"}: the venue refused it; never retried
    rate_limited,  // HTTP 429 and the retries (or the Retry-After budget) ran out
    banned,        // HTTP 418: the IP is banned until `retry_after` passes; nothing is retried
    parse,         // an answer that does not read as expected: the field and what was expected
    unknown_order, // an order whose status could not be settled (see new_order)
    cancelled,     // the caller asked to stop (KlineStream::stop) while waiting
    usage,         // a wrong argument (empty client order id, no credentials...)
  };
  Kind kind = Kind::transport;
  int http_status = 0;
  int code = 0;  // Binance's error code, e.g. -1022; 0 when none
  std::string message;
  std::chrono::milliseconds retry_after{0};

  /// "rejected (HTTP 400, code -1022): Signature for this request is not valid."
  std::string text() const;
};

std::string_view binance_error_kind_name(BinanceError::Kind kind);

template <class T>
using BinanceResult = std::expected<T, BinanceError>;

struct SymbolFilters {
  std::string symbol;
  std::string status;  // "TRADING"
  std::string base_asset, quote_asset;
  double tick_size = 0, min_price = 0, max_price = 0;
  double step_size = 0, min_qty = 0, max_qty = 0;
  double min_notional = 0;  // NOTIONAL or (older) MIN_NOTIONAL filter
};

enum class OrderSide : std::uint8_t { buy, sell };
enum class OrderType : std::uint8_t { market, limit };

struct NewOrder {
  std::string symbol;
  OrderSide side = OrderSide::buy;
  OrderType type = OrderType::market;
  double quantity = 0;        // base asset; already a multiple of the step size
  double price = 0;           // LIMIT only; already a multiple of the tick size
  std::string client_order_id;  // required: it makes retries safe (1..36 chars of [.A-Z:/a-z0-9_-])
};

struct Fill {
  double price = 0, qty = 0, commission = 0;
  std::string commission_asset;
  std::int64_t trade_id = 0;
};

struct OrderResult {
  std::string symbol;
  std::int64_t order_id = 0;
  std::string client_order_id;  // the order's own id (for a cancel: the original order's)
  std::string status;           // NEW, PARTIALLY_FILLED, FILLED, CANCELED, REJECTED, EXPIRED
  std::string type, side, time_in_force;
  double price = 0, orig_qty = 0, executed_qty = 0, cumulative_quote_qty = 0;
  std::int64_t time_ms = 0;  // transactTime, or the order's update time when queried
  std::vector<Fill> fills;   // FULL responses to new orders only
};

struct Balance {
  std::string asset;
  double free = 0, locked = 0;
};

struct AccountInfo {
  bool can_trade = false;
  std::int64_t update_time_ms = 0;
  std::vector<Balance> balances;  // as the venue lists them
  const Balance* find(const std::string& asset) const {
    for (const Balance& b : balances) {
      if (b.asset == asset) return &b;
    }
    return nullptr;
  }
};

struct Trade {
  std::string symbol;
  std::int64_t trade_id = 0;
  double price = 0, qty = 0;
  std::int64_t time_ms = 0;
  bool buyer_is_maker = false;
};

}  // namespace verity
