// Trading metrics of one challenge attempt, and their means and medians over
// a batch (verity challenge). Plain code fed in time order by the runner: no
// actors, no wall clock, no unordered containers, exp/log through
// det_exp/det_log, so the same events give the same bits everywhere.
//
// Definitions (the fields are in sim/challenge_types.hpp):
//
// Trades. A trade is a round trip in one symbol from flat to flat. Fills in
// the direction of the position add to it; fills against it reduce it. A
// fill that flips the position closes the trade with the part that reaches
// flat and opens a new trade with the rest; its fee is split pro rata by
// quantity. A position is flat when what is left is within 1e-9 (relative)
// of zero, so sums of partial fills do not leave dust open.
//   entry_price / exit_price  volume-weighted prices of the adding / reducing fills
//   qty                       largest absolute size held during the trade
//   pnl_usd                   (exit notional - entry notional) x side - fees:
//                             exactly the cash the fills moved
//   risk_usd                  sum over the opening order's fills of
//                             qty x |fill price - stop|, the stop given by
//                             on_order_stop for that order (0 = none); later
//                             adds from other orders add no risk
// Trades still open at finish() are not counted (the runner flattens first).
// A trade wins when pnl_usd > 0 and loses when pnl_usd < 0 (0 is neither).
//   win_rate_pct    wins / trades x 100 (0 without trades)
//   profit_factor   gross profit / gross loss. Undefined without a losing
//                   trade: reported 0 then, since JSON has no infinity
//                   (look at win_rate_pct to tell "all won" from "none")
//   expectancy_usd  mean pnl_usd per trade
//   avg_r           mean of pnl_usd / risk_usd over trades with risk_usd > 0
//   session_*       by the session (session_of: asia, europe, us UTC blocks)
//                   of the trade's entry time: trades and wins
//
// Equity. The equity starts at the constructor's value and changes only
// through on_equity.
//   return_pct        (last equity / initial - 1) x 100
//   max_drawdown_pct  the largest (peak - equity) / peak x 100 over every
//                     update, the peak starting at the initial equity;
//                     equity below 0 counts as 0, so it stays in [0, 100]
//   days              (end - start) / 86400e9
//   cagr_pct          ((end / start)^(365 / days) - 1) x 100 via det_exp and
//                     det_log; 0 when days <= 0 or the initial equity <= 0;
//                     -100 when the end equity <= 0. The growth factor is
//                     capped at e^230 (~1e100) so a big gain over a few
//                     hours stays finite, and so do means over a batch
//   mar               cagr_pct / max_drawdown_pct; 0 when there was no drawdown
// Daily returns. Each UTC day from the start's day to the later of the day
// of (end - 1 ns) and the day of the last update has a close: its last
// equity, or the previous close when it had no update. The first day's
// return is measured from the initial equity; a return after a close <= 0
// is 0.
//   sharpe   mean / sample sd (n - 1) x sqrt(365)
//   sortino  mean / sqrt(mean over all days of min(r, 0)^2) x sqrt(365)
//   both 0 with fewer than 2 daily returns or a zero denominator.
// Exposure. Bars and equity updates advance time; the span from one event
// to the next is exposed when the last on_equity said a position was open.
//   exposure_pct   exposed time from start to end / (end - start) x 100
// Benchmark. The first symbol ever passed to on_bar is buy-and-hold:
//   buy_hold_return_pct  (its last close / its first close - 1) x 100
//
// Curve (only when keep_curve): the initial equity at the start, the last
// equity update of each UTC hour at that update's time, and the last equity
// at the end; points strictly increase in time (a point at the same time as
// the previous one replaces it).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/challenge_types.hpp"

namespace verity {

class MetricsRecorder {
 public:
  MetricsRecorder(double initial_equity_usd, std::int64_t start_time_ns, bool keep_curve);

  /// A closed bar. The first symbol seen is the buy-and-hold benchmark; every
  /// bar advances time for exposure.
  void on_bar(std::string_view symbol, std::int64_t close_time_ns, double close);
  /// An account snapshot: the equity and whether any position is open now.
  void on_equity(std::int64_t time_ns, double equity_usd, bool any_position_open);
  /// The stop of an order that may open a position; 0 = none.
  void on_order_stop(std::uint64_t order_id, double stop_price);
  /// One execution. `qty` > 0; `buy` gives the side; `fee_usd` is charged to
  /// the trade(s) the fill belongs to.
  void on_fill(std::uint64_t order_id, std::string_view symbol, std::int64_t time_ns, bool buy, double qty,
               double price, double fee_usd);

  /// The metrics from the start to `end_time_ns`. Does not change what was
  /// recorded: calling it again gives the same answer.
  AttemptMetrics finish(std::int64_t end_time_ns);
  /// Closed trades in the order they closed.
  const std::vector<TradeRecord>& trades() const { return trades_; }
  /// Hourly-sampled equity (see the file comment); empty unless keep_curve.
  /// After finish() it ends with the end point.
  std::vector<EquityPoint> curve() const;

 private:
  struct OpenTrade {
    TradeRecord rec;
    double position = 0;         // signed: + long, - short
    double entry_notional = 0, entry_qty = 0;
    double exit_notional = 0, exit_qty = 0;
    std::uint64_t opening_order = 0;
    double stop = 0;             // the opening order's stop; 0 = none
  };
  void advance_time(std::int64_t t_ns);
  void open_trade(OpenTrade& t, std::uint64_t order_id, std::string_view symbol, std::int64_t time_ns, bool buy,
                  double qty, double price, double fee_usd);
  void add_to_trade(OpenTrade& t, std::uint64_t order_id, double qty, double price, double fee_usd);
  void close_trade(OpenTrade& t, std::int64_t time_ns);
  double stop_of(std::uint64_t order_id) const;

  double initial_;
  std::int64_t start_ns_;
  bool keep_curve_;

  // Equity.
  double equity_;
  double peak_;
  double max_dd_pct_ = 0;
  std::int64_t last_update_ns_;      // time of the last equity update (start before any)
  // Daily closes: closes_[i] is the close of day first_day_ + i, for the
  // days before cur_day_; cur_day_'s close so far is equity_.
  std::int64_t first_day_, cur_day_;
  std::vector<double> closes_;

  // Exposure.
  std::int64_t clock_ns_;            // the latest event time seen
  bool open_ = false;                // any position open, from the last on_equity
  std::int64_t exposed_ns_ = 0;

  // Benchmark.
  std::string bench_symbol_;
  bool have_bench_ = false;
  double bench_first_ = 0, bench_last_ = 0;

  // Trades.
  std::map<std::uint64_t, double> stops_;
  std::map<std::string, OpenTrade, std::less<>> positions_;  // by symbol, while not flat
  std::vector<TradeRecord> trades_;

  // Curve.
  std::vector<EquityPoint> curve_;   // completed hours
  bool have_pending_ = false;
  std::int64_t pending_hour_ = 0;
  EquityPoint pending_;
  bool finished_ = false;
  std::int64_t end_ns_ = 0;
};

/// The value of each metric of one attempt under its name: return_pct,
/// sharpe, sortino, max_drawdown_pct, cagr_pct, mar, trades, win_rate_pct,
/// profit_factor, expectancy_usd, avg_r, exposure_pct, buy_hold_return_pct,
/// hit_rate_asia_pct, hit_rate_europe_pct, hit_rate_us_pct (wins / trades x
/// 100 in the session, 0 without trades there). The one place names live.
std::map<std::string, double> metric_values(const AttemptMetrics& m);

/// Mean and median of every metric_values name over the attempts (0 for
/// none). The hit_rate_*_pct entries are pooled instead: sum of the
/// session's wins / sum of its trades x 100 over all attempts, stored as
/// both the mean and the median.
AggregateMetrics aggregate(std::span<const AttemptMetrics> attempts);

/// The Wilson score interval at 95% (z = 1.959963984540054) for a
/// proportion, within [0, 1]; n = 0 gives {0, 0}; successes > n counts as n.
struct Wilson {
  double low = 0, high = 0;
};
Wilson wilson_ci95(std::uint64_t successes, std::uint64_t n);

/// The median: 0 when empty, the mean of the middle two for an even count.
double median(std::vector<double> values);

}  // namespace verity
