// Conversions between Cap'n Proto payloads and the plain structs the domain
// classes use. Kept in one place so every actor reads a bar the same way.
#pragma once

#include <capnp/schema.h>

#include <cstdio>
#include <string>

#include "actors/feed/bar.hpp"
#include "actors/runtime/log.hpp"
#include "schema/market.capnp.h"

namespace verity {

/// The clientOrderId an order carries to a venue: "v<session hex>-<id>",
/// at most 36 characters of [0-9a-z-] as Binance requires. Ids with the top
/// bit set (the live venue's bracket exits) are written "x<hex of the rest>".
inline std::string client_order_id(std::uint64_t session, std::uint64_t order_id) {
  constexpr std::uint64_t kTop = std::uint64_t{1} << 63;
  if (order_id < kTop) return "v" + session_hex(session) + "-" + std::to_string(order_id);
  char buf[20];
  std::snprintf(buf, sizeof buf, "x%llx", static_cast<unsigned long long>(order_id & ~kTop));
  return "v" + session_hex(session) + "-" + buf;
}

inline BarData to_bar_data(schema::Bar::Reader r) {
  BarData b;
  auto s = r.getSymbol();
  b.symbol.assign(s.begin(), s.size());
  b.open_time_ns = r.getOpenTimeNs();
  b.interval_ns = r.getIntervalNs();
  b.open = r.getOpen();
  b.high = r.getHigh();
  b.low = r.getLow();
  b.close = r.getClose();
  b.volume = r.getVolume();
  return b;
}

inline void fill_bar(schema::Bar::Builder out, const BarData& b) {
  out.setSymbol(b.symbol);
  out.setOpenTimeNs(b.open_time_ns);
  out.setIntervalNs(b.interval_ns);
  out.setOpen(b.open);
  out.setHigh(b.high);
  out.setLow(b.low);
  out.setClose(b.close);
  out.setVolume(b.volume);
}

inline std::string text_of(capnp::Text::Reader t) { return std::string(t.begin(), t.size()); }

/// The schema name of any generated enum value: "killSwitch", "filled", ...
template <class E>
std::string enum_name(E value) {
  auto enumerants = capnp::Schema::from<E>().getEnumerants();
  const auto i = static_cast<unsigned>(value);
  if (i >= enumerants.size()) return "unknown(" + std::to_string(i) + ")";
  return text_of(enumerants[i].getProto().getName());
}

}  // namespace verity
