#include "actors/risk/ftmo_rules.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "actors/runtime/calendar.hpp"
#include "actors/runtime/config.hpp"

namespace verity {

FtmoRules FtmoRules::two_step_phase1(double initial_usd) {
  FtmoRules r;
  r.initial_balance_usd = initial_usd;
  return r;
}

FtmoRules FtmoRules::two_step_verification(double initial_usd) {
  FtmoRules r = two_step_phase1(initial_usd);
  r.profit_target_pct = 5;
  return r;
}

FtmoRules FtmoRules::one_step(double initial_usd) {
  FtmoRules r;
  r.variant = FtmoVariant::one_step;
  r.initial_balance_usd = initial_usd;
  r.profit_target_pct = 10;
  r.max_daily_loss_pct = 3;
  r.max_loss_pct = 10;
  r.trailing_max_loss = true;
  r.min_trading_days = 0;
  r.best_day_max_share_pct = 50;
  r.guard_daily_loss_pct = 2.7;
  r.guard_max_loss_pct = 9;
  return r;
}

FtmoRules FtmoRules::from_config(const FtmoConfig& c, double initial_usd, int phase) {
  FtmoRules r;
  r.variant = c.variant == "1step" ? FtmoVariant::one_step : FtmoVariant::two_step;
  r.initial_balance_usd = initial_usd;
  r.profit_target_pct = phase == 2 ? c.verification_target_pct : c.profit_target_pct;
  r.max_daily_loss_pct = c.max_daily_loss_pct;
  r.max_loss_pct = c.max_loss_pct;
  r.trailing_max_loss = c.trailing_max_loss;
  r.min_trading_days = static_cast<int>(c.min_trading_days);
  r.best_day_max_share_pct = c.best_day_max_share_pct;
  r.guard_daily_loss_pct = c.guard_daily_loss_pct;
  r.guard_max_loss_pct = c.guard_max_loss_pct;
  return r;
}

std::string_view ftmo_rule_name(FtmoRule r) {
  switch (r) {
    case FtmoRule::none: return "none";
    case FtmoRule::daily_loss: return "daily_loss";
    case FtmoRule::max_loss: return "max_loss";
  }
  return "none";
}

std::string FtmoBreach::describe() const {
  return fmt::format("{} breached at {}: equity {:.2f} USD, loss {:.2f} USD against {:.2f} USD allowed from {:.2f} USD",
                     ftmo_rule_name(rule), format_iso8601_ms(time_ns), equity_usd, loss_usd, limit_usd,
                     reference_usd);
}

FtmoTracker::FtmoTracker(FtmoRules rules)
    : rules_(rules),
      phase_start_usd_(rules.initial_balance_usd),
      balance_usd_(rules.initial_balance_usd),
      equity_usd_(rules.initial_balance_usd),
      day_start_balance_usd_(rules.initial_balance_usd),
      highest_eod_balance_usd_(rules.initial_balance_usd) {}

void FtmoTracker::start_phase(FtmoRules rules, std::int64_t time_ns, double balance_usd, double equity_usd) {
  roll_day(time_ns);
  rules_ = rules;
  status_ = FtmoStatus::running;
  breach_.reset();
  passed_at_ns_ = 0;
  balance_usd_ = balance_usd;
  equity_usd_ = equity_usd;
  phase_start_usd_ = balance_usd;
  highest_eod_balance_usd_ = balance_usd;
  best_day_profit_usd_ = 0;
  trading_days_ = 0;
  last_trade_day_.reset();
  // The daily reference stays the balance at the last Prague midnight: the
  // day the phase starts in is still that day.
}

void FtmoTracker::roll_day(std::int64_t time_ns) {
  const std::int64_t day = prague_day(time_ns);
  if (day_ && *day_ != day) {
    // The balance seen last is the balance at midnight: it changes only on
    // fills, and every fill comes with an update.
    const double day_profit = balance_usd_ - day_start_balance_usd_;
    best_day_profit_usd_ = std::max(best_day_profit_usd_, day_profit);
    highest_eod_balance_usd_ = std::max(highest_eod_balance_usd_, balance_usd_);
    day_start_balance_usd_ = balance_usd_;
  }
  day_ = day;
}

double FtmoTracker::max_loss_floor_usd() const {
  const double base = rules_.trailing_max_loss ? highest_eod_balance_usd_ : phase_start_usd_;
  return base - rules_.max_loss_pct / 100.0 * rules_.initial_balance_usd;
}

bool FtmoTracker::best_day_ok(double total_profit) const {
  if (rules_.best_day_max_share_pct <= 0) return true;
  // Today counts as a day too, on its closed P&L so far.
  const double best = std::max(best_day_profit_usd_, balance_usd_ - day_start_balance_usd_);
  return best <= rules_.best_day_max_share_pct / 100.0 * total_profit;
}

FtmoStatus FtmoTracker::on_account(std::int64_t time_ns, double balance_usd, double equity_usd, bool open_positions) {
  if (status_ != FtmoStatus::running) return status_;
  roll_day(time_ns);
  balance_usd_ = balance_usd;
  equity_usd_ = equity_usd;

  const double initial = rules_.initial_balance_usd;
  const double daily_limit = rules_.max_daily_loss_pct / 100.0 * initial;
  const double daily_loss = day_start_balance_usd_ - equity_usd;
  if (daily_loss > daily_limit) {
    breach_ = FtmoBreach{FtmoRule::daily_loss, time_ns, equity_usd, day_start_balance_usd_, daily_limit, daily_loss};
  } else if (equity_usd < max_loss_floor_usd()) {
    const double base = rules_.trailing_max_loss ? highest_eod_balance_usd_ : phase_start_usd_;
    breach_ = FtmoBreach{FtmoRule::max_loss, time_ns, equity_usd, base, rules_.max_loss_pct / 100.0 * initial,
                         base - equity_usd};
  }
  if (breach_) return status_ = FtmoStatus::breached;

  const double profit = balance_usd - phase_start_usd_;
  const bool target = profit >= rules_.profit_target_pct / 100.0 * initial;
  if (target && !open_positions && trading_days_ >= rules_.min_trading_days && best_day_ok(profit)) {
    passed_at_ns_ = time_ns;
    return status_ = FtmoStatus::passed;
  }
  return status_;
}

void FtmoTracker::on_trade(std::int64_t time_ns) {
  const std::int64_t day = prague_day(time_ns);
  if (!last_trade_day_ || *last_trade_day_ != day) {
    ++trading_days_;
    last_trade_day_ = day;
  }
}

double FtmoTracker::guard_daily_room_usd() const {
  return rules_.guard_daily_loss_pct / 100.0 * rules_.initial_balance_usd - (day_start_balance_usd_ - equity_usd_);
}

double FtmoTracker::guard_total_room_usd() const {
  const double base = rules_.trailing_max_loss ? highest_eod_balance_usd_ : phase_start_usd_;
  return equity_usd_ - (base - rules_.guard_max_loss_pct / 100.0 * rules_.initial_balance_usd);
}

double FtmoTracker::guard_headroom_usd() const {
  if (status_ != FtmoStatus::running) return 0;
  return std::max(0.0, std::min(guard_daily_room_usd(), guard_total_room_usd()));
}

}  // namespace verity
