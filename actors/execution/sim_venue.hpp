// The simulated venue: a plain class (no CAF) that takes orders and bars and
// returns execution reports. It fills market, limit and stop orders against
// bars, caps each order's fills at a share of the bar's volume, charges
// maker and taker fees, draws spread, slippage and latency from the session's
// seeded "execution" stream (CostModel), refuses what a real venue would
// refuse (margin, minimum notional, precision, no market, stress windows),
// and holds each position's stop-loss/take-profit bracket. docs/VENUE.md has
// the rules and the reasons behind them.
//
// Intrabar rule (conservative): when one bar touches both the stop and the
// target, the stop fills first. A bar that opens beyond the stop fills at the
// open (a gap through the stop is reported as such, never hidden).
//
// Guarantees: no clock and no unseeded randomness (time comes from bars and
// from each order's arrival time); ordered containers only; the same config,
// metrics, seed, orders and bars give the same reports, bit for bit.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/execution/cost_model.hpp"
#include "actors/feed/bar.hpp"
#include "actors/portfolio/portfolio.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/prng.hpp"
#include "schema/order.capnp.h"

namespace verity {

struct OrderSpec;

/// What an Order message asks of the venue, in plain C++ form.
struct VenueOrder {
  std::uint64_t order_id = 0;
  schema::OrderAction action = schema::OrderAction::NEW;
  std::uint64_t target_order_id = 0;  // cancel / replace: the order to act on
  std::string symbol;
  schema::Side side = schema::Side::BUY;
  schema::OrderType type = schema::OrderType::MARKET;
  double qty = 0;
  double limit_price = 0;  // limit orders; replace: 0 keeps the old one
  double stop_price = 0;   // stop orders; replace: 0 keeps the old one
  double stop_loss = 0, take_profit = 0;  // the bracket (0: none)
  bool reduce_only = false;
  schema::TimeInForce time_in_force = schema::TimeInForce::GTC;  // every value is treated as GTC (VENUE.md)
  double ref_price = 0;    // the price risk decided at (informative only)
  std::int64_t time_ns = 0;  // arrival; 0: the close of the last bar the venue saw

  /// A market order (with its bracket) from risk's OrderSpec.
  static VenueOrder from_spec(std::uint64_t order_id, const OrderSpec& spec, std::int64_t time_ns = 0);

  template <class W>
  void save(W& w) const {
    w.put_all(order_id, action, target_order_id, symbol, side, type, qty, limit_price, stop_price, stop_loss,
              take_profit, reduce_only, time_in_force, ref_price, time_ns);
  }
  template <class R>
  void load(R& r) {
    r.get_all(order_id, action, target_order_id, symbol, side, type, qty, limit_price, stop_price, stop_loss,
              take_profit, reduce_only, time_in_force, ref_price, time_ns);
  }
};

/// One execution report, before it becomes an ExecutionReport message.
struct FillSpec {
  std::uint64_t order_id = 0;
  std::uint64_t exec_id = 0;
  std::string symbol;
  schema::Side side = schema::Side::BUY;
  schema::OrderStatus status = schema::OrderStatus::FILLED;
  double qty = 0, price = 0, fee_usd = 0;  // this fill (0 when nothing filled)
  double cum_qty = 0, leaves_qty = 0;      // of the order (a bracket exit: of the exit)
  schema::Liquidity liquidity = schema::Liquidity::TAKER;
  schema::RejectReason reject_reason = schema::RejectReason::NONE;
  std::int64_t time_ns = 0;
  std::string detail;  // "market", "limit", "stop order", "stop", "stop (gap through)", "target", or why
  bool is_fill() const { return qty > 0; }
};

class SimVenue {
 public:
  /// Reads execution.*, stress.* (venue-side events), risk.min_notional_usd
  /// and portfolio.initial_balance_usd from `config`. `metrics` may be null
  /// and must outlive the venue. `prng` is the session's "execution" stream.
  SimVenue(const Config& config, const ExecutionMetrics* metrics, Prng prng);
  /// The same, with the stream PrngStreams(config.session.seed).stream("execution").
  explicit SimVenue(const Config& config, const ExecutionMetrics* metrics = nullptr);

  /// A new order, a cancel or a replace. Returns its reports in order: a
  /// rejection, an acceptance (NEW, nothing filled yet), a fill, or a cancel.
  std::vector<FillSpec> on_order(const VenueOrder& order);
  /// Fills resting orders and brackets against the bar, then marks the
  /// venue's ledger at the close. Returns the reports in the order they happened.
  std::vector<FillSpec> on_bar(const BarData& bar);

  /// The signed position the venue holds for `symbol`.
  double position(const std::string& symbol) const;
  /// The venue's own account: fed its own fills and each bar's close.
  const Portfolio& ledger() const { return ledger_; }

  /// The venue's state for snapshots (configs and the cost model come from
  /// the constructor): its random stream, ledger, working orders and brackets.
  template <class W>
  void save(W& w) const {
    w.put_all(prng_, ledger_, next_exec_id_, first_bar_ns_, now_ns_, markets_, brackets_, working_);
  }
  template <class R>
  void load(R& r) {
    r.get_all(prng_, ledger_, next_exec_id_, first_bar_ns_, now_ns_, markets_, brackets_, working_);
  }
  const CostModel& costs() const { return costs_; }
  /// Orders still working (resting limits and stops, market leftovers).
  std::size_t working_orders() const { return working_.size(); }
  bool is_working(std::uint64_t order_id) const { return working_.count(order_id) != 0; }

  /// Stress windows, by minutes from the first bar the venue saw.
  bool outage_at(std::int64_t time_ns) const;
  bool reject_storm_at(std::int64_t time_ns) const;
  bool latency_spike_at(std::int64_t time_ns) const;

 private:
  /// An order the venue still works on.
  struct Working {
    VenueOrder order;
    double cum_qty = 0, leaves_qty = 0;
    bool triggered = false;  // a stop order that has become a market order
    template <class W>
    void save(W& w) const { w.put_all(order, cum_qty, leaves_qty, triggered); }
    template <class R>
    void load(R& r) { r.get_all(order, cum_qty, leaves_qty, triggered); }
  };
  /// The bracket attached to a symbol's position.
  struct Bracket {
    double stop_loss = 0, take_profit = 0;
    std::uint64_t entry_order_id = 0;
    bool stop_triggered = false;  // the stop became a market exit; the target is gone (one cancels the other)
    double exit_cum_qty = 0;
    template <class W>
    void save(W& w) const { w.put_all(stop_loss, take_profit, entry_order_id, stop_triggered, exit_cum_qty); }
    template <class R>
    void load(R& r) { r.get_all(stop_loss, take_profit, entry_order_id, stop_triggered, exit_cum_qty); }
  };
  struct Market {
    std::optional<BarData> last_bar;
    template <class W>
    void save(W& w) const { w.put(last_bar); }
    template <class R>
    void load(R& r) { r.get(last_bar); }
  };
  struct Price {
    double price = 0;
    std::string note;  // appended to the detail, e.g. the latency note
  };

  std::vector<FillSpec> on_new(const VenueOrder& order);
  std::vector<FillSpec> on_cancel(const VenueOrder& order);
  std::vector<FillSpec> on_replace(const VenueOrder& order);
  /// What the venue does the moment an order arrives or is replaced: fill it
  /// (in part) if it is marketable, else leave it resting.
  std::vector<FillSpec> on_arrival(Working& w, std::int64_t time_ns, double latency_ms);
  void work_bar(const BarData& bar, std::vector<FillSpec>& out);
  void work_bracket(const BarData& bar, std::vector<FillSpec>& out);
  void work_order(Working& w, const BarData& bar, std::vector<FillSpec>& out);

  FillSpec report(const VenueOrder& o, schema::OrderStatus status, std::int64_t time_ns, std::string detail);
  FillSpec rejected(const VenueOrder& o, schema::RejectReason reason, std::string detail, std::int64_t time_ns);
  /// Books a fill of a working order in the ledger and the bracket; fills `f`.
  FillSpec fill_order(Working& w, double qty, double price, schema::Liquidity liq, std::int64_t time_ns,
                      std::string detail);
  void book(const std::string& symbol, schema::Side side, double qty, double price, double fee_usd);
  /// A taker fill price from `reference` (the mid or trigger): half a drawn
  /// spread and a drawn slippage against the taker; p90 slippage when `late`.
  double taker_price(const std::string& symbol, schema::Side side, double reference, std::int64_t time_ns, bool late);
  double fee_usd(double qty, double price, schema::Liquidity liq) const;
  /// The most one order may fill against a bar of `volume`, on the qty grid.
  double budget(double volume) const;
  /// How much of `side` would reduce the position (0: it would not).
  double reducible(const std::string& symbol, schema::Side side) const;
  bool margin_ok(const std::string& symbol, schema::Side side, double qty, double price) const;
  bool in_window(std::int64_t time_ns, std::int64_t at_min, std::int64_t minutes) const;
  std::int64_t arrival_time(const VenueOrder& o) const;
  double draw_latency_ms(std::int64_t time_ns);

  ExecutionConfig exec_;
  StressConfig stress_;
  double min_notional_usd_;
  CostModel costs_;
  Prng prng_;
  Portfolio ledger_;
  std::uint64_t next_exec_id_ = 1;
  std::optional<std::int64_t> first_bar_ns_;  // stress windows count from here
  std::int64_t now_ns_ = 0;                   // the close of the last bar seen
  std::map<std::string, Market> markets_;
  std::map<std::string, Bracket> brackets_;
  std::map<std::uint64_t, Working> working_;  // by order id: the order they are worked in
};

}  // namespace verity
