// The graph's side of a real venue (execution.venue = "binance", live mode).
//
// Nothing in the graph does I/O. An order risk approves becomes an outbound
// request: an Order message from execution to `external`, journaled like
// every message, which the live runner sends to the exchange only after the
// step has committed (live/live_session.hpp). What the exchange answers
// comes back as ExecutionReport inputs, journaled before the graph sees
// them, so a replay feeds the same answers and needs no exchange.
//
// Binance spot has no bracket orders, so the brackets live here, as in the
// simulated venue: once an entry fills, the first bar that trades through
// its stop or its take-profit makes one reduce-only market exit for the
// filled quantity. Exit order ids have the top bit set, so they never meet
// risk's ids.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/execution/sim_venue.hpp"
#include "actors/feed/bar.hpp"

namespace verity {

class LiveVenue {
 public:
  /// An order from risk: the requests to send. A new order goes out as it
  /// is; a cancel or replace of an order no longer working goes nowhere.
  std::vector<VenueOrder> on_order(const VenueOrder& order);

  /// A report the exchange sent (an input): fills grow the order's filled
  /// quantity and arm its bracket; a terminal status ends the order. False
  /// for an order this venue never sent (reported, not booked twice).
  bool on_report(const FillSpec& report);

  /// A closed bar: the exits its prices trigger.
  std::vector<VenueOrder> on_bar(const BarData& bar);

  /// Orders sent and not yet terminal, by id.
  std::size_t working() const { return working_.size(); }

  template <class W>
  void save(W& w) const {
    w.put_all(working_, brackets_, next_exit_id_);
  }
  template <class R>
  void load(R& r) {
    r.get_all(working_, brackets_, next_exit_id_);
  }

 private:
  struct Working {
    VenueOrder order;
    double filled = 0;
    std::uint64_t entry = 0;  // an exit: the entry whose bracket it closes
    template <class W>
    void save(W& w) const { w.put_all(order, filled, entry); }
    template <class R>
    void load(R& r) { r.get_all(order, filled, entry); }
  };
  struct Bracket {
    std::string symbol;
    schema::Side exit_side = schema::Side::SELL;
    double qty = 0, stop = 0, target = 0;
    bool exiting = false;  // its exit was sent
    template <class W>
    void save(W& w) const { w.put_all(symbol, exit_side, qty, stop, target, exiting); }
    template <class R>
    void load(R& r) { r.get_all(symbol, exit_side, qty, stop, target, exiting); }
  };
  std::map<std::uint64_t, Working> working_;   // by order id
  std::map<std::uint64_t, Bracket> brackets_;  // by entry order id
  std::uint64_t next_exit_id_ = std::uint64_t{1} << 63;
};

}  // namespace verity
