#include "actors/risk/risk_engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "actors/runtime/calendar.hpp"
#include "actors/runtime/config.hpp"

namespace verity {

namespace {
RiskVerdict reject(schema::RejectReason reason, std::string detail) {
  RiskVerdict v;
  v.reason = reason;
  v.detail = std::move(detail);
  return v;
}
}  // namespace

RiskEngine::RiskEngine(const RiskConfig& c, double initial_balance_usd, double cost_per_side_bps,
                       double daily_limit_pct)
    : risk_per_trade_pct_(c.risk_per_trade_pct),
      max_position_usd_(c.max_position_usd),
      min_notional_usd_(c.min_notional_usd),
      cost_per_side_(cost_per_side_bps / 1e4),
      daily_limit_usd_(daily_limit_pct / 100.0 * initial_balance_usd),
      kill_switch_(c.kill_switch),
      day_start_balance_usd_(initial_balance_usd) {
  account_.balance_usd = account_.equity_usd = initial_balance_usd;
}

void RiskEngine::roll_day(std::int64_t time_ns) {
  const std::int64_t day = prague_day(time_ns);
  if (day_ && *day_ != day) {
    // Balance moves only on fills, and every fill brings a snapshot, so the
    // last balance seen is the balance at midnight.
    day_start_balance_usd_ = account_.balance_usd;
  }
  day_ = day;
}

void RiskEngine::on_account(const AccountView& account) {
  roll_day(account.time_ns);
  account_ = account;
}

RiskVerdict RiskEngine::evaluate(const std::string& symbol, std::int64_t time_ns, const SignalSpec& s) {
  roll_day(time_ns);
  if (kill_switch_) return reject(schema::RejectReason::KILL_SWITCH, "kill switch is on");

  const auto held = account_.position_qty.find(symbol);
  const double position = held == account_.position_qty.end() ? 0.0 : held->second;
  auto close_order = [&] {
    return OrderSpec{symbol, position > 0 ? schema::Side::SELL : schema::Side::BUY, std::fabs(position), s.entry, 0, 0,
                     true};
  };
  RiskVerdict v;
  if (s.direction == schema::Direction::FLAT) {
    if (position == 0) return reject(schema::RejectReason::NO_POSITION, "no position in " + symbol + " to close");
    v.approved = true;
    v.orders.push_back(close_order());
    return v;
  }
  const bool up = s.direction == schema::Direction::UP;
  if ((up && position > 0) || (!up && position < 0)) {
    return reject(schema::RejectReason::MAX_POSITION,
                  fmt::format("already {} {} {}", position > 0 ? "long" : "short", std::fabs(position), symbol));
  }

  const double loss = daily_loss_usd();
  if (loss >= daily_limit_usd_) {
    const std::string why = fmt::format("daily loss {:.2f} USD has reached the limit {:.2f} USD", loss, daily_limit_usd_);
    if (position == 0) return reject(schema::RejectReason::DAILY_LOSS, why);
    // A reversal still closes the open position; only the new entry is refused.
    v.approved = true;
    v.reason = schema::RejectReason::DAILY_LOSS;
    v.detail = "closed the open position; new entry refused: " + why;
    v.orders.push_back(close_order());
    return v;
  }
  if (!(s.entry > 0) || !std::isfinite(s.entry) || (up && !(s.stop_loss < s.entry)) ||
      (!up && !(s.stop_loss > s.entry))) {
    return reject(schema::RejectReason::INVALID_STOP,
                  fmt::format("stop {} is on the wrong side of entry {}", s.stop_loss, s.entry));
  }

  // Loss per unit if the stop fills: the distance, plus costs on both legs.
  const double loss_per_unit = std::fabs(s.entry - s.stop_loss) + cost_per_side_ * (s.entry + s.stop_loss);
  const double risk_usd = account_.equity_usd * risk_per_trade_pct_ / 100.0;
  double qty = std::min(risk_usd / loss_per_unit, max_position_usd_ / s.entry);
  // The loss at the stop must fit in what is left of today's limit.
  const double headroom_usd = daily_limit_usd_ - std::max(loss, 0.0);
  qty = std::min(qty, headroom_usd / loss_per_unit);
  if (!(qty > 0) || !std::isfinite(qty)) {
    return reject(schema::RejectReason::ZERO_SIZE, fmt::format("size {} is not a positive quantity", qty));
  }
  if (qty * s.entry < min_notional_usd_) {
    return reject(schema::RejectReason::MIN_NOTIONAL,
                  fmt::format("size {:.8f} is {:.2f} USD, under the minimum {:.2f} USD", qty, qty * s.entry,
                              min_notional_usd_));
  }
  v.approved = true;
  if (position != 0) v.orders.push_back(close_order());  // reverse: close the opposite position first
  v.orders.push_back({symbol, up ? schema::Side::BUY : schema::Side::SELL, qty, s.entry, s.stop_loss, s.take_profit,
                      false});
  return v;
}

}  // namespace verity
