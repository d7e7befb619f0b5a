// Conversions between Cap'n Proto payloads and the plain structs the domain
// classes use. Kept in one place so every actor reads a bar the same way.
#pragma once

#include <capnp/schema.h>

#include "actors/feed/bar.hpp"
#include "schema/market.capnp.h"

namespace verity {

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
