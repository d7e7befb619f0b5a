#include "actors/risk/risk_engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "actors/execution/instrument.hpp"

namespace verity {

namespace {
constexpr std::int64_t kHourNs = 3'600'000'000'000;
constexpr std::int64_t kMinuteNs = 60'000'000'000;

RiskVerdict reject(schema::RejectReason reason, std::string detail, double headroom_usd = 0) {
  RiskVerdict v;
  v.reason = reason;
  v.detail = std::move(detail);
  v.headroom_usd = headroom_usd;
  return v;
}

std::string_view tier_name(schema::Tier t) {
  switch (t) {
    case schema::Tier::HIGH: return "high";
    case schema::Tier::MEDIUM: return "medium";
    case schema::Tier::LOW: return "low";
  }
  return "low";
}
}  // namespace

RiskEngine::RiskEngine(const RiskConfig& risk, const FtmoConfig& ftmo, double initial_balance_usd, double qty_step,
                       WorstCostFn worst_cost_bps)
    : risk_(risk),
      ftmo_cfg_(ftmo),
      initial_usd_(initial_balance_usd),
      qty_step_(qty_step),
      worst_cost_bps_(std::move(worst_cost_bps)),
      kill_switch_(risk.kill_switch),
      tracker_(FtmoRules::from_config(ftmo, initial_balance_usd, 1)) {
  account_.balance_usd = account_.equity_usd = initial_balance_usd;
}

double RiskEngine::leverage(double confidence) const {
  const double lo = risk_.confidence_low, hi = risk_.confidence_high;
  const double t = std::clamp((confidence - lo) / (hi - lo), 0.0, 1.0);
  return risk_.leverage_min + t * (risk_.leverage_max - risk_.leverage_min);
}

bool RiskEngine::backoff_active(std::int64_t time_ns) {
  const std::int64_t window = risk_.backoff_window_min * kMinuteNs;
  while (!losses_.empty() && losses_.front() <= time_ns - window) losses_.pop_front();
  return static_cast<std::int64_t>(losses_.size()) >= risk_.backoff_losses;
}

double RiskEngine::loss_per_unit(const std::string& symbol, std::int64_t time_ns, double from, double stop) const {
  // Price distance to the stop, plus the p90 cost of a fill on each leg.
  const double cost = worst_cost_bps_ ? worst_cost_bps_(symbol, time_ns) / 1e4 : 0.0;
  return std::fabs(from - stop) + cost * (from + stop);
}

double RiskEngine::mark_of(const std::string& symbol) const {
  const auto m = account_.mark.find(symbol);
  return m == account_.mark.end() ? 0.0 : m->second;
}

double RiskEngine::position_risk_usd(const std::string& symbol, double qty, std::int64_t time_ns) const {
  if (qty == 0) return 0;
  const double mark = mark_of(symbol);
  const auto s = stops_.find(symbol);
  // A position without a known stop could lose all of its notional.
  if (s == stops_.end() || s->second.is_long != (qty > 0)) return std::fabs(qty) * mark;
  const double stop = s->second.price;
  const double adverse = qty > 0 ? mark - stop : stop - mark;  // negative once past the stop
  const double cost = worst_cost_bps_ ? worst_cost_bps_(symbol, time_ns) / 1e4 : 0.0;
  return std::fabs(qty) * (std::max(adverse, 0.0) + cost * (mark + stop));
}

double RiskEngine::open_risk_usd(std::int64_t time_ns) const {
  double total = 0;
  for (const auto& [symbol, qty] : account_.position_qty) total += position_risk_usd(symbol, qty, time_ns);
  return total;
}

std::optional<ChallengeEvent> RiskEngine::on_account(const AccountView& a) {
  const AccountView before = account_;
  account_ = a;
  // A stop lives from its entry's approval until the position it protects,
  // once seen open, is closed (fills may come later, or in parts).
  for (auto it = stops_.begin(); it != stops_.end();) {
    const auto p = a.position_qty.find(it->first);
    const bool open = p != a.position_qty.end() && p->second != 0 && (p->second > 0) == it->second.is_long;
    if (open) it->second.seen_open = true;
    it = open || !it->second.seen_open ? std::next(it) : stops_.erase(it);
  }
  if (a.trades > before.trades) {
    tracker_.on_trade(a.time_ns);
    // A losing close: some position shrank and the balance fell.
    bool shrank = false;
    for (const auto& [symbol, qty] : before.position_qty) {
      const auto now = a.position_qty.find(symbol);
      const double after = now == a.position_qty.end() ? 0.0 : now->second;
      shrank = shrank || std::fabs(after) < std::fabs(qty) || (after != 0 && (after > 0) != (qty > 0));
    }
    if (shrank && a.balance_usd < before.balance_usd) losses_.push_back(a.time_ns);
  }
  if (over_) return std::nullopt;
  bool open_positions = false;
  for (const auto& [symbol, qty] : a.position_qty) open_positions = open_positions || qty != 0;
  const FtmoStatus status = tracker_.on_account(a.time_ns, a.balance_usd, a.equity_usd, open_positions);
  if (status == FtmoStatus::running) return std::nullopt;

  ChallengeEvent e;
  e.phase = phase_;
  e.time_ns = a.time_ns;
  e.balance_usd = a.balance_usd;
  e.equity_usd = a.equity_usd;
  e.trading_days = tracker_.trading_days();
  if (status == FtmoStatus::breached) {
    e.state = schema::ChallengeState::BREACHED;
    e.breach = tracker_.breach();
    over_ = true;
    return e;
  }
  const bool more_phases = ftmo_cfg_.variant == "2step" && phase_ < ftmo_cfg_.phases;
  if (!more_phases) {
    e.state = schema::ChallengeState::PASSED;
    over_ = true;
    return e;
  }
  e.state = schema::ChallengeState::PHASE_PASSED;
  ++phase_;
  tracker_.start_phase(FtmoRules::from_config(ftmo_cfg_, initial_usd_, phase_), a.time_ns, a.balance_usd,
                       a.equity_usd);
  return e;
}

std::vector<OrderSpec> RiskEngine::flatten_orders() const {
  std::vector<OrderSpec> out;
  for (const auto& [symbol, qty] : account_.position_qty) {
    if (qty == 0) continue;
    const auto m = account_.mark.find(symbol);
    out.push_back({symbol, qty > 0 ? schema::Side::SELL : schema::Side::BUY, std::fabs(qty),
                   m == account_.mark.end() ? 0.0 : m->second, 0, 0, true});
  }
  return out;
}

RiskVerdict RiskEngine::evaluate(const std::string& symbol, std::int64_t time_ns, const SignalSpec& s,
                                 schema::Tier tier) {
  tracker_.advance_to(time_ns);
  // Before the kill switch, so a warm-up's refusals raise no kill-switch alerts.
  if (warm_up_) return reject(schema::RejectReason::WARM_UP, "warm-up: the live session is stepping history");
  if (kill_switch_) return reject(schema::RejectReason::KILL_SWITCH, "kill switch is on");
  if (threshold_ > 0 && s.confidence < threshold_) {
    return reject(schema::RejectReason::BELOW_THRESHOLD,
                  "confidence " + std::to_string(s.confidence) + " is below the operator's threshold " +
                      std::to_string(threshold_));
  }
  if (over_) {
    const auto& b = tracker_.breach();
    return reject(schema::RejectReason::CHALLENGE_OVER,
                  b ? "challenge breached: " + b->describe() : std::string("challenge passed; no new trades"));
  }

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

  // Room to the guardrails, less what open positions would lose at their
  // stops. A reversal closes this symbol's position first: its stop no
  // longer counts, but the close costs up to a p90 fill.
  double open_risk = open_risk_usd(time_ns);
  if (position != 0) {
    const double cost = worst_cost_bps_ ? worst_cost_bps_(symbol, time_ns) / 1e4 : 0.0;
    open_risk += std::fabs(position) * cost * mark_of(symbol) - position_risk_usd(symbol, position, time_ns);
  }
  const double daily_room = tracker_.guard_daily_room_usd();
  const double total_room = tracker_.guard_total_room_usd();
  const double room = std::min(daily_room, total_room) - open_risk;
  if (room <= 0) {
    const bool daily = daily_room <= total_room;
    const std::string why =
        fmt::format("no room to the {} guardrail: {:.2f} USD left, open positions risk {:.2f} USD at their stops",
                    daily ? "daily" : "total", std::min(daily_room, total_room), open_risk);
    const auto reason = daily ? schema::RejectReason::DAILY_LOSS : schema::RejectReason::MAX_LOSS;
    if (position == 0) return reject(reason, why, std::max(room, 0.0));
    // A reversal still closes the open position; only the new entry is refused.
    v.approved = true;
    v.reason = reason;
    v.detail = "closed the open position; new entry refused: " + why;
    v.orders.push_back(close_order());
    return v;
  }

  const std::int64_t limit = tier == schema::Tier::HIGH ? risk_.rate_limit_high_per_hour : risk_.rate_limit_per_hour;
  auto& recent = entries_[tier];
  while (!recent.empty() && recent.front() <= time_ns - kHourNs) recent.pop_front();
  if (static_cast<std::int64_t>(recent.size()) >= limit) {
    return reject(schema::RejectReason::RATE_LIMIT,
                  fmt::format("{} entries in the last hour at tier {}; the limit is {}", recent.size(), tier_name(tier),
                              limit),
                  room);
  }

  if (!(s.entry > 0) || !std::isfinite(s.entry) || !std::isfinite(s.stop_loss) || (up && !(s.stop_loss < s.entry)) ||
      (!up && !(s.stop_loss > s.entry)) || !(s.stop_loss > 0)) {
    return reject(schema::RejectReason::INVALID_STOP,
                  fmt::format("stop {} is on the wrong side of entry {}", s.stop_loss, s.entry), room);
  }

  const double lpu = loss_per_unit(symbol, time_ns, s.entry, s.stop_loss);
  const bool backoff = backoff_active(time_ns);
  const double cut = backoff ? risk_.backoff_risk_cut_pct / 100.0 : 0.0;
  const double risk_usd = account_.equity_usd * risk_.risk_per_trade_pct / 100.0 * (1.0 - cut);
  const double lev = leverage(s.confidence);
  double qty = std::min({risk_usd / lpu, risk_.max_position_usd / s.entry, account_.equity_usd * lev / s.entry,
                         room / lpu});
  qty = floor_to_step(std::max(qty, 0.0), qty_step_);
  if (!(qty > 0) || !std::isfinite(qty)) {
    if (backoff && cut >= 1.0) {
      return reject(schema::RejectReason::BACKOFF,
                    fmt::format("{} losing closes in {} minutes: risk is cut by {}%", losses_.size(),
                                risk_.backoff_window_min, risk_.backoff_risk_cut_pct),
                    room);
    }
    return reject(schema::RejectReason::ZERO_SIZE, fmt::format("size {} is under one quantity step", qty), room);
  }
  if (qty * s.entry < risk_.min_notional_usd) {
    return reject(schema::RejectReason::MIN_NOTIONAL,
                  fmt::format("size {:.8f} is {:.2f} USD, under the minimum {:.2f} USD", qty, qty * s.entry,
                              risk_.min_notional_usd),
                  room);
  }
  v.approved = true;
  v.worst_loss_usd = qty * lpu;
  v.headroom_usd = room;
  if (backoff) {
    v.reason = schema::RejectReason::BACKOFF;
    v.detail = fmt::format("backoff: {} losing closes in {} minutes, risk cut by {}%", losses_.size(),
                           risk_.backoff_window_min, risk_.backoff_risk_cut_pct);
  }
  if (position != 0) v.orders.push_back(close_order());  // reverse: close the opposite position first
  v.orders.push_back({symbol, up ? schema::Side::BUY : schema::Side::SELL, qty, s.entry, s.stop_loss, s.take_profit,
                      false});
  recent.push_back(time_ns);
  stops_[symbol] = Stop{up, s.stop_loss};
  return v;
}

}  // namespace verity
