// Pre-trade risk: turns a signal into sized orders or a rejection with its
// reason. Rules, in the order they are checked:
//   1. the kill switch (always wins: nothing is approved while it is on);
//   2. a close (direction flat) is approved whenever there is a position:
//      reducing risk is never blocked by a loss limit;
//   3. one position per symbol (a signal in the held direction is refused);
//   4. the daily loss limit: equity against the balance at the last Prague
//      midnight, as a percentage of initial capital. Once reached, a
//      reversal only closes the open position;
//   5. a valid stop (below entry for longs, above for shorts);
//   6. size from risk % and the loss per unit at the stop (stop distance plus
//      worst-case trading costs on both legs), capped by max position
//      notional and shrunk so that loss cannot cross the daily limit;
//   7. minimum notional.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/model/ema_cross.hpp"
#include "schema/order.capnp.h"

namespace verity {

struct RiskConfig;

struct AccountView {
  std::int64_t time_ns = 0;
  double balance_usd = 0, equity_usd = 0;
  std::map<std::string, double> position_qty;  // signed
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
};

class RiskEngine {
 public:
  /// `cost_per_side_bps`: the worst trading cost of one fill (half spread,
  /// slippage and taker fee), counted on entry and exit in the loss at the stop.
  RiskEngine(const RiskConfig& config, double initial_balance_usd, double cost_per_side_bps = 0.0,
             double daily_limit_pct = 4.5);

  void on_account(const AccountView& account);
  void set_kill_switch(bool on) { kill_switch_ = on; }
  bool kill_switch() const { return kill_switch_; }
  RiskVerdict evaluate(const std::string& symbol, std::int64_t time_ns, const SignalSpec& signal);

  double day_start_balance_usd() const { return day_start_balance_usd_; }
  double daily_loss_limit_usd() const { return daily_limit_usd_; }
  /// Loss since the last Prague midnight on current equity (positive = loss).
  double daily_loss_usd() const { return day_start_balance_usd_ - account_.equity_usd; }

 private:
  void roll_day(std::int64_t time_ns);

  double risk_per_trade_pct_, max_position_usd_, min_notional_usd_, cost_per_side_;
  double daily_limit_usd_;
  bool kill_switch_;
  AccountView account_;
  std::optional<std::int64_t> day_;  // Prague calendar day of the last update
  double day_start_balance_usd_;
};

}  // namespace verity
