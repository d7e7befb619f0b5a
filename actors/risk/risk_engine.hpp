// Pre-trade risk and the FTMO challenge (DESIGN.md, "risk" and "FTMO
// rules"). A plain class: the risk actor is a thin wrapper around it.
//
// Every account update runs the FTMO checks (FtmoTracker). A breach ends
// the attempt: nothing is approved afterwards, and the actor flattens every
// position. A pass of the last phase ends it too.
//
// A signal is decided by these rules, in order; each rejection carries its
// reason and the numbers behind it:
//   1. the kill switch (always wins: nothing is approved while it is on);
//   2. the challenge is over (breached or passed);
//   3. a close (direction flat) is approved whenever there is a position:
//      reducing risk is never blocked by a limit;
//   4. one position per symbol (a signal in the held direction is refused);
//   5. the internal guardrails: when the room to the daily (4.5%) or total
//      (9%) guardrail, less the loss every open position would take at its
//      stop, is gone, no new risk; a reversal then only closes;
//   6. the per-tier rate limit on new entries (rolling hour);
//   7. a valid stop (below entry for longs, above for shorts);
//   8. size: risk % of equity (cut by the backoff share while the backoff
//      is on: backoff_losses losing closes within backoff_window_min) over
//      the loss per unit at the stop, with p90 trading costs on both legs;
//      capped by max position notional and by leverage (1-5x, linear in
//      confidence); shrunk so the loss at the stop fits the guardrail room;
//      floored to the venue's quantity step;
//   9. minimum notional.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/model/ema_cross.hpp"
#include "actors/risk/ftmo_rules.hpp"
#include "actors/runtime/config.hpp"
#include "schema/account.capnp.h"
#include "schema/order.capnp.h"
#include "schema/signal.capnp.h"

namespace verity {

struct AccountView {
  std::int64_t time_ns = 0;
  double balance_usd = 0, equity_usd = 0;
  std::uint64_t trades = 0;                    // fills so far
  std::map<std::string, double> position_qty;  // signed; open positions only
  std::map<std::string, double> mark;          // latest price of each open position

  template <class W>
  void save(W& w) const { w.put_all(time_ns, balance_usd, equity_usd, trades, position_qty, mark); }
  template <class R>
  void load(R& r) { r.get_all(time_ns, balance_usd, equity_usd, trades, position_qty, mark); }
};

struct OrderSpec {
  std::string symbol;
  schema::Side side = schema::Side::BUY;
  double qty = 0;
  double ref_price = 0, stop_loss = 0, take_profit = 0;
  bool reduce_only = false;
};

struct RiskVerdict {
  bool approved = false;
  schema::RejectReason reason = schema::RejectReason::NONE;
  std::string detail;
  std::vector<OrderSpec> orders;  // in the order they must be sent
  double worst_loss_usd = 0;      // the new entry's loss at its stop with p90 costs (0: no entry)
  double headroom_usd = 0;        // what new risk could lose before a guardrail, at decision time
};

/// A change of the challenge's state, for the ChallengeStatus message.
struct ChallengeEvent {
  schema::ChallengeState state = schema::ChallengeState::RUNNING;
  int phase = 1;
  std::int64_t time_ns = 0;
  double balance_usd = 0, equity_usd = 0;
  int trading_days = 0;
  std::optional<FtmoBreach> breach;
};

/// p90 cost of one taker fill in bps of price for a pair at a time (half the
/// spread, slippage and taker fee): CostModel::worst_cost_bps.
using WorstCostFn = std::function<double(std::string_view pair, std::int64_t time_ns)>;

class RiskEngine {
 public:
  RiskEngine(const RiskConfig& risk, const FtmoConfig& ftmo, double initial_balance_usd, double qty_step,
             WorstCostFn worst_cost_bps);

  /// An account update: books trading days and losing closes, then runs the
  /// FTMO checks. Returns the event when the challenge's state changed.
  std::optional<ChallengeEvent> on_account(const AccountView& account);
  void set_kill_switch(bool on) { kill_switch_ = on; }
  bool kill_switch() const { return kill_switch_; }
  /// The operator's confidence threshold (/threshold): a signal below it is
  /// refused (below_threshold). 0, the start: the strategy's own floor only.
  void set_threshold(double t) { threshold_ = t; }
  /// A live session's warm-up (ControlCommand warmUp): while on, every
  /// signal is refused with warmUp, so history is never traded.
  void set_warm_up(bool on) { warm_up_ = on; }
  double threshold() const { return threshold_; }
  RiskVerdict evaluate(const std::string& symbol, std::int64_t time_ns, const SignalSpec& signal,
                       schema::Tier tier = schema::Tier::LOW);

  /// Reduce-only market orders closing every open position.
  std::vector<OrderSpec> flatten_orders() const;
  /// Breached, or passed the last phase: nothing more is approved.
  bool challenge_over() const { return over_; }
  const FtmoTracker& ftmo() const { return tracker_; }
  double day_start_balance_usd() const { return tracker_.day_start_balance_usd(); }
  /// Loss since the last Prague midnight on current equity (positive = loss).
  double daily_loss_usd() const { return tracker_.day_start_balance_usd() - account_.equity_usd; }
  /// The daily guardrail in USD: new risk stops when the daily loss reaches it.
  double daily_guard_usd() const { return ftmo_cfg_.guard_daily_loss_pct / 100.0 * initial_usd_; }
  int phase() const { return phase_; }
  /// What every open position would lose from here at its stop, p90 costs included.
  double open_risk_usd(std::int64_t time_ns) const;
  bool backoff_active(std::int64_t time_ns);
  double leverage(double confidence) const;

  /// The state that changes with messages (the configs and the cost
  /// function come from the constructor).
  template <class W>
  void save(W& w) const {
    w.put_all(kill_switch_, threshold_, warm_up_, tracker_, phase_, over_, account_, stops_, entries_, losses_);
  }
  template <class R>
  void load(R& r) {
    r.get_all(kill_switch_, threshold_, warm_up_, tracker_, phase_, over_, account_, stops_, entries_, losses_);
  }

 private:
  double mark_of(const std::string& symbol) const;
  /// What one open position would lose from here at its stop, p90 costs included.
  double position_risk_usd(const std::string& symbol, double qty, std::int64_t time_ns) const;
  double loss_per_unit(const std::string& symbol, std::int64_t time_ns, double from, double stop) const;

  RiskConfig risk_;
  FtmoConfig ftmo_cfg_;
  double initial_usd_, qty_step_;
  WorstCostFn worst_cost_bps_;
  bool kill_switch_;
  double threshold_ = 0;
  bool warm_up_ = false;
  FtmoTracker tracker_;
  int phase_ = 1;
  bool over_ = false;
  AccountView account_;
  struct Stop {
    bool is_long = true;
    double price = 0;
    bool seen_open = false;  // a snapshot has shown the position: its closing ends the stop
    template <class W>
    void save(W& w) const { w.put_all(is_long, price, seen_open); }
    template <class R>
    void load(R& r) { r.get_all(is_long, price, seen_open); }
  };
  std::map<std::string, Stop> stops_;  // the stop of each approved entry, until its position closes
  std::map<schema::Tier, std::deque<std::int64_t>> entries_;  // approval times per tier, last hour
  std::deque<std::int64_t> losses_;                             // losing closes, last window
};

}  // namespace verity
