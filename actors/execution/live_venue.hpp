// The graph's side of a real venue (a live venue: execution.venue "binance"
// or "mt5", live mode).
//
// Nothing in the graph does I/O. An order risk approves becomes an outbound
// request: an Order message from execution to `external`, journaled like
// every message, which the live runner sends to the exchange only after the
// step has committed (live/live_session.hpp). What the exchange answers
// comes back as ExecutionReport inputs, journaled before the graph sees
// them, so a replay feeds the same answers and needs no exchange.
//
// Brackets and reduce-only live here, as in the simulated venue, because
// Binance spot has neither (and the MT5 bridge leaves them to the graph by
// default). The venue's fills of the orders sent here keep a net position
// per symbol, and each symbol has at most one bracket, on that position:
// a fill of an order that opened, added to or flipped it sets the bracket
// to that order's stop and take-profit; the position back at zero removes
// it. The first bar that trades through the stop or the target makes one
// reduce-only market exit for the whole position; exit order ids have the
// top bit set, so they never meet risk's ids. An exit the venue refuses is
// tried again on the next bar through the stop or target, unless it was
// refused as below the minimum notional: that dust keeps no bracket. A reduce-only order from
// risk is cut to what the position can reduce, and refused here, without a
// request, when there is nothing to reduce: a spot venue would take it as
// an ordinary order and trade.
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
  /// What an order from risk comes to: the requests to send, and reports
  /// made here for orders that never leave (a refused reduce-only).
  struct Outcome {
    std::vector<VenueOrder> send;
    std::vector<FillSpec> reports;
  };
  /// A new order goes out (a reduce-only one cut to the position, or
  /// refused with noPosition); a cancel or replace of an order no longer
  /// working goes nowhere.
  Outcome on_order(const VenueOrder& order);

  /// A report the venue sent (an input): fills move the position and set
  /// or clear its bracket; a terminal status ends the order, and an exit
  /// that ended unfilled re-arms the bracket. False for an order this venue
  /// never sent (reported, not booked).
  bool on_report(const FillSpec& report);

  /// A closed bar: the exit its prices trigger, if any.
  std::vector<VenueOrder> on_bar(const BarData& bar);

  /// Orders sent and not yet terminal.
  std::size_t working() const { return working_.size(); }
  /// The net position of `symbol` from the venue's fills (buy +, sell -).
  double position(const std::string& symbol) const;

  template <class W>
  void save(W& w) const {
    w.put_all(working_, positions_, brackets_, next_exit_id_);
  }
  template <class R>
  void load(R& r) {
    r.get_all(working_, positions_, brackets_, next_exit_id_);
  }

 private:
  /// `qty` less what reduce-only orders on `side` still working could take
  /// off `symbol`'s position, subtracted one order at a time.
  double less_reducing(double qty, const std::string& symbol, schema::Side side) const;

  struct Working {
    VenueOrder order;
    double filled = 0;
    bool exit = false;  // a bracket's exit
    template <class W>
    void save(W& w) const { w.put_all(order, filled, exit); }
    template <class R>
    void load(R& r) { r.get_all(order, filled, exit); }
  };
  struct Bracket {
    double stop = 0, target = 0;
    bool exiting = false;  // its exit is working
    template <class W>
    void save(W& w) const { w.put_all(stop, target, exiting); }
    template <class R>
    void load(R& r) { r.get_all(stop, target, exiting); }
  };
  std::map<std::uint64_t, Working> working_;     // by order id
  std::map<std::string, double> positions_;      // by symbol; no entry: flat
  std::map<std::string, Bracket> brackets_;      // by symbol
  std::uint64_t next_exit_id_ = std::uint64_t{1} << 63;
};

}  // namespace verity
