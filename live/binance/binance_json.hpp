// Reading Binance spot JSON: REST answers and WebSocket stream frames. Every
// function returns an error naming the field and what was expected instead
// of throwing; decimals arrive as strings ("0.00100000") and are read with
// from_chars, so the result does not depend on the locale.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/feed/candle.hpp"
#include "live/binance/binance_types.hpp"

namespace verity::binance {

/// Binance's {"code":-1022,"msg":"..."}; nullopt when `body` is not one.
struct ApiError {
  int code = 0;
  std::string msg;
};
std::optional<ApiError> parse_api_error(std::string_view body);

/// {"serverTime": ms}
std::expected<std::int64_t, std::string> parse_server_time(std::string_view body);

/// One kline row of /api/v3/klines: [openTime, "o", "h", "l", "c", "v", closeTime, ...].
struct KlineRow {
  Candle candle;  // open_time_ns from the row's open time in ms
  std::int64_t open_ms = 0, close_ms = 0;
};
std::expected<std::vector<KlineRow>, std::string> parse_klines(std::string_view body);

/// The filters of `symbol` in an /api/v3/exchangeInfo answer.
std::expected<SymbolFilters, std::string> parse_exchange_info(std::string_view body, const std::string& symbol);

/// An order as POST/GET/DELETE /api/v3/order answer it.
std::expected<OrderResult, std::string> parse_order(std::string_view body);
/// The array GET /api/v3/openOrders answers.
std::expected<std::vector<OrderResult>, std::string> parse_orders(std::string_view body);
std::expected<AccountInfo, std::string> parse_account(std::string_view body);

/// A kline event's payload.
struct KlineEvent {
  std::string symbol;    // upper case, as Binance sends it
  std::string interval;  // "1m"
  std::int64_t event_ms = 0;
  std::int64_t open_ms = 0, close_ms = 0;
  bool closed = false;   // k.x: the final update of this candle
  Candle candle;
};

/// One frame of a raw (/ws/<stream>) or combined (/stream?streams=) stream.
struct StreamFrame {
  enum class Kind { kline, trade, reply, other };  // reply: {"result":..,"id":..} to a (UN)SUBSCRIBE
  Kind kind = Kind::other;
  std::string stream;  // the combined stream's name; empty for raw streams
  KlineEvent kline;
  Trade trade;
};
std::expected<StreamFrame, std::string> parse_stream_frame(std::string_view text);

/// A decimal string as Binance writes it ("0.00100000"); also accepts a JSON
/// number's text. nullopt for anything else (empty, exponent-free junk, NaN).
std::optional<double> parse_decimal(std::string_view s);

}  // namespace verity::binance
