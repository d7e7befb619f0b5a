// The FTMO challenge rules as a plain state machine over account updates
// (DESIGN.md, "FTMO rules"). Every equity update is checked; the first
// breach ends the attempt with its rule, time and the numbers behind it. A
// pass needs the profit target on balance with no open position, the
// minimum trading days, and (1-Step) the best-day rule.
//
// 2-Step: target 10% (phase 1) or 5% (verification); daily loss 5% of
// initial capital on equity against the balance at the previous Prague
// midnight; max loss 10% static (equity stays at or above 90% of initial);
// at least 4 trading days.
// 1-Step: target 10%; daily loss 3%; max loss 10% trailing from the highest
// end-of-day balance; the best day is at most 50% of total profit.
//
// Internal guardrails (default 4.5% daily, 9% total) are stricter copies of
// the two loss limits: new risk is refused before the firm's limit is near.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace verity {

enum class FtmoVariant { two_step, one_step };

struct FtmoConfig;

struct FtmoRules {
  FtmoVariant variant = FtmoVariant::two_step;
  double initial_balance_usd = 100'000;
  double profit_target_pct = 10;
  double max_daily_loss_pct = 5;
  double max_loss_pct = 10;
  bool trailing_max_loss = false;       // from the highest end-of-day balance
  int min_trading_days = 4;
  double best_day_max_share_pct = 0;    // 0: no best-day rule
  double guard_daily_loss_pct = 4.5;    // internal guardrails
  double guard_max_loss_pct = 9;

  static FtmoRules two_step_phase1(double initial_usd);
  static FtmoRules two_step_verification(double initial_usd);
  static FtmoRules one_step(double initial_usd);
  /// The rules of `phase` (1, or 2 for the 2-Step verification) as configured.
  static FtmoRules from_config(const FtmoConfig& config, double initial_usd, int phase);

  template <class W>
  void save(W& w) const {
    w.put_all(variant, initial_balance_usd, profit_target_pct, max_daily_loss_pct, max_loss_pct, trailing_max_loss,
              min_trading_days, best_day_max_share_pct, guard_daily_loss_pct, guard_max_loss_pct);
  }
  template <class R>
  void load(R& r) {
    r.get_all(variant, initial_balance_usd, profit_target_pct, max_daily_loss_pct, max_loss_pct, trailing_max_loss,
              min_trading_days, best_day_max_share_pct, guard_daily_loss_pct, guard_max_loss_pct);
  }
};

enum class FtmoRule { none, daily_loss, max_loss };
std::string_view ftmo_rule_name(FtmoRule r);

struct FtmoBreach {
  FtmoRule rule = FtmoRule::none;
  std::int64_t time_ns = 0;
  double equity_usd = 0;
  double reference_usd = 0;  // day-start balance (daily) or the max-loss floor's base
  double limit_usd = 0;      // the loss allowed
  double loss_usd = 0;       // the loss at the breach
  std::string describe() const;

  template <class W>
  void save(W& w) const { w.put_all(rule, time_ns, equity_usd, reference_usd, limit_usd, loss_usd); }
  template <class R>
  void load(R& r) { r.get_all(rule, time_ns, equity_usd, reference_usd, limit_usd, loss_usd); }
};

enum class FtmoStatus { running, passed, breached };

class FtmoTracker {
 public:
  explicit FtmoTracker(FtmoRules rules);

  /// Starts the next phase (2-Step verification) at `time_ns` on the account
  /// as it stands. The firm gives a fresh account of the initial capital; the
  /// sim keeps one account, so the phase's target and static max loss are
  /// measured from the balance it starts with (`phase_start_balance_usd`),
  /// in USD of initial capital. Trading days and the best day start over.
  void start_phase(FtmoRules rules, std::int64_t time_ns, double balance_usd, double equity_usd);
  double phase_start_balance_usd() const { return phase_start_usd_; }

  /// An account update at `time_ns` (balance: closed P&L and fees; equity:
  /// plus floating P&L). `open_positions`: whether any position is open.
  /// Returns the status after the update; a breach or a pass is final.
  FtmoStatus on_account(std::int64_t time_ns, double balance_usd, double equity_usd, bool open_positions);
  /// Moves the calendar to `time_ns` without an account update: a Prague
  /// midnight passed since the last update rolls the daily reference.
  void advance_to(std::int64_t time_ns) { roll_day(time_ns); }
  /// A fill at `time_ns`: the Prague day it falls on counts as a trading day.
  void on_trade(std::int64_t time_ns);

  /// What new risk may lose at most right now without crossing a guardrail
  /// (daily or total); 0 when nothing may be added.
  double guard_headroom_usd() const;
  /// The two rooms behind it: to the daily guardrail and to the total one
  /// (either may be negative once crossed).
  double guard_daily_room_usd() const;
  double guard_total_room_usd() const;

  FtmoStatus status() const { return status_; }
  const std::optional<FtmoBreach>& breach() const { return breach_; }
  std::int64_t passed_at_ns() const { return passed_at_ns_; }
  int trading_days() const { return trading_days_; }
  double day_start_balance_usd() const { return day_start_balance_usd_; }
  double max_loss_floor_usd() const;
  double best_day_profit_usd() const { return best_day_profit_usd_; }
  const FtmoRules& rules() const { return rules_; }

  /// The whole state, rules included (a later phase has other rules).
  template <class W>
  void save(W& w) const {
    w.put_all(rules_, status_, breach_, passed_at_ns_, day_, phase_start_usd_, balance_usd_, equity_usd_,
              day_start_balance_usd_, highest_eod_balance_usd_, best_day_profit_usd_, trading_days_, last_trade_day_);
  }
  template <class R>
  void load(R& r) {
    r.get_all(rules_, status_, breach_, passed_at_ns_, day_, phase_start_usd_, balance_usd_, equity_usd_,
              day_start_balance_usd_, highest_eod_balance_usd_, best_day_profit_usd_, trading_days_, last_trade_day_);
  }

 private:
  void roll_day(std::int64_t time_ns);
  bool best_day_ok(double total_profit) const;

  FtmoRules rules_;
  FtmoStatus status_ = FtmoStatus::running;
  std::optional<FtmoBreach> breach_;
  std::int64_t passed_at_ns_ = 0;

  std::optional<std::int64_t> day_;           // Prague day of the last update
  double phase_start_usd_;                    // initial capital, or the balance a later phase began with
  double balance_usd_, equity_usd_;
  double day_start_balance_usd_;
  double highest_eod_balance_usd_;
  double best_day_profit_usd_ = 0;
  int trading_days_ = 0;
  std::optional<std::int64_t> last_trade_day_;
};

}  // namespace verity
