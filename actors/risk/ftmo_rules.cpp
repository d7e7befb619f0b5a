#include "actors/risk/ftmo_rules.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "actors/runtime/calendar.hpp"

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
      balance_usd_(rules.initial_balance_usd),
      equity_usd_(rules.initial_balance_usd),
      day_start_balance_usd_(rules.initial_balance_usd),
      highest_eod_balance_usd_(rules.initial_balance_usd) {}

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
  const double base = rules_.trailing_max_loss ? highest_eod_balance_usd_ : rules_.initial_balance_usd;
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
    const double base = rules_.trailing_max_loss ? highest_eod_balance_usd_ : initial;
    breach_ = FtmoBreach{FtmoRule::max_loss, time_ns, equity_usd, base, rules_.max_loss_pct / 100.0 * initial,
                         base - equity_usd};
  }
  if (breach_) return status_ = FtmoStatus::breached;

  const double profit = balance_usd - initial;
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

double FtmoTracker::guard_headroom_usd() const {
  if (status_ != FtmoStatus::running) return 0;
  const double initial = rules_.initial_balance_usd;
  const double daily_room = rules_.guard_daily_loss_pct / 100.0 * initial - (day_start_balance_usd_ - equity_usd_);
  const double base = rules_.trailing_max_loss ? highest_eod_balance_usd_ : initial;
  const double total_room = equity_usd_ - (base - rules_.guard_max_loss_pct / 100.0 * initial);
  return std::max(0.0, std::min(daily_room, total_room));
}

}  // namespace verity
