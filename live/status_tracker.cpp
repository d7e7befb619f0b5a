#include "live/status_tracker.hpp"

#include <algorithm>

#include "actors/runtime/convert.hpp"
#include "actors/runtime/calendar.hpp"

namespace verity {

namespace {
constexpr std::int64_t kDayNs = 86'400'000'000'000;

std::string side_name(schema::Direction d) {
  return d == schema::Direction::UP ? "long" : d == schema::Direction::DOWN ? "short" : "flat";
}
}  // namespace

StatusTracker::StatusTracker(const Config& config, std::string mode, std::string session_hex, std::int64_t started_ns)
    : initial_usd_(config.portfolio.initial_balance_usd),
      ftmo_(FtmoRules::from_config(config.ftmo, config.portfolio.initial_balance_usd, 1)) {
  status_.mode = std::move(mode);
  status_.session = std::move(session_hex);
  status_.started_ns = started_ns;
  status_.equity_usd = status_.balance_usd = status_.day_start_balance_usd = initial_usd_;
  status_.kill_switch = config.risk.kill_switch;
  if (status_.kill_switch) status_.kill_switch_source = "config";
  status_.threshold = config.model.min_confidence;
  status_.ftmo.state = "running";
  status_.ftmo.target_pct = config.ftmo.profit_target_pct;
  status_.ftmo.daily_limit_pct = config.ftmo.max_daily_loss_pct;
  status_.ftmo.max_loss_pct = config.ftmo.max_loss_pct;
  status_.ftmo.min_trading_days = static_cast<int>(config.ftmo.min_trading_days);
}

void StatusTracker::on_account(std::int64_t time_ns, double balance, double equity) {
  status_.balance_usd = balance;
  status_.equity_usd = equity;
  ftmo_.on_account(time_ns, balance, equity, !status_.positions.empty());
  status_.day_start_balance_usd = ftmo_.day_start_balance_usd();
  status_.equity_curve.emplace_back(time_ns, equity);
  if (status_.equity_curve.size() > 2 * kMaxEquityPoints) {
    status_.equity_curve.erase(status_.equity_curve.begin(),
                               status_.equity_curve.end() - static_cast<std::ptrdiff_t>(kMaxEquityPoints));
  }
  day_close_[floor_div(time_ns, kDayNs)] = equity;
  while (day_close_.size() > 40) day_close_.erase(day_close_.begin());
  LiveFtmo& f = status_.ftmo;
  f.profit_pct = (equity / initial_usd_ - 1.0) * 100.0;
  f.daily_loss_pct = std::max(0.0, (ftmo_.day_start_balance_usd() - equity) / initial_usd_ * 100.0);
  f.total_loss_pct = std::max(0.0, (initial_usd_ - equity) / initial_usd_ * 100.0);
  f.trading_days = std::max(f.trading_days, ftmo_.trading_days());
  // Performance over the last 7 and 30 days of the session, from the day closes.
  const std::int64_t today = floor_div(time_ns, kDayNs);
  auto since = [&](std::int64_t days) {
    auto it = day_close_.lower_bound(today - days);
    const double base = (it == day_close_.end() || it->first >= today) ? initial_usd_ : it->second;
    return base > 0 ? (equity / base - 1.0) * 100.0 : 0.0;
  };
  status_.return_7d_pct = since(7);
  status_.return_30d_pct = since(30);
  while (!fills_.empty() && fills_.front().time_ns < time_ns - 30 * kDayNs) fills_.pop_front();
  auto window = [&](std::int64_t days, std::uint64_t& trades, double& win_rate) {
    std::uint64_t n = 0, wins = 0;
    for (const Closed& c : fills_) {
      if (c.time_ns < time_ns - days * kDayNs) continue;
      ++n;
      wins += c.win;
    }
    trades = n;
    win_rate = n ? 100.0 * static_cast<double>(wins) / static_cast<double>(n) : 0.0;
  };
  window(7, status_.trades_7d, status_.win_rate_7d_pct);
  window(30, status_.trades_30d, status_.win_rate_30d_pct);
}

void StatusTracker::on_frame(const FramePtr& frame) {
  auto env = frame->envelope();
  auto payload = env.getPayload();
  switch (frame->kind()) {
    case Kind::BAR: {
      if (frame->source() != ActorId::EXTERNAL) break;
      auto b = payload.getBar();
      const std::string symbol = text_of(b.getSymbol());
      ++status_.bars;
      ++status_.bars_by_symbol[symbol];
      status_.last_bar_close_ns[symbol] = b.getOpenTimeNs() + b.getIntervalNs();
      status_.bar_interval_ns = b.getIntervalNs();
      ftmo_.advance_to(b.getOpenTimeNs() + b.getIntervalNs());
      break;
    }
    case Kind::SIGNAL: {
      auto s = payload.getSignal();
      ++status_.signals;
      LiveSignal ls;
      ls.time_ns = s.getTimeNs();
      ls.symbol = text_of(s.getSymbol());
      ls.side = side_name(s.getDirection());
      ls.tier = enum_name(s.getTier());
      ls.confidence = s.getConfidence();
      ls.decision = "pending";
      signal_index_[s.getSignalId()] = signals_dropped_ + status_.recent_signals.size();
      status_.recent_signals.push_back(std::move(ls));
      if (status_.recent_signals.size() > kMaxRecentSignals) {
        status_.recent_signals.erase(status_.recent_signals.begin());
        ++signals_dropped_;
        while (!signal_index_.empty() && signal_index_.begin()->second < signals_dropped_)
          signal_index_.erase(signal_index_.begin());
      }
      break;
    }
    case Kind::RISK_DECISION: {
      auto d = payload.getRiskDecision();
      if (!d.getApproved()) ++status_.rejections;
      auto it = signal_index_.find(d.getSignalId());
      if (it != signal_index_.end() && it->second >= signals_dropped_) {
        status_.recent_signals[it->second - signals_dropped_].decision =
            d.getApproved() ? "accepted" : "rejected: " + enum_name(d.getReason());
      }
      break;
    }
    case Kind::ORDER:
      // Risk's orders to execution (a venue request leaves as a second
      // Order, execution -> external, in live mode: counted once).
      if (frame->source() == ActorId::RISK) ++status_.orders;
      break;
    case Kind::EXECUTION_REPORT:
      if (frame->destination() == ActorId::PORTFOLIO) ++status_.fills;
      break;
    case Kind::ACCOUNT_SNAPSHOT: {
      auto a = payload.getAccountSnapshot();
      status_.positions.clear();
      for (auto p : a.getPositions()) {
        if (p.getQty() == 0) continue;
        status_.positions.push_back(
            {text_of(p.getSymbol()), p.getQty(), p.getAvgPrice(), p.getMarkPrice(), p.getUnrealizedPnlUsd()});
      }
      if (a.getRealizedPnlUsd() != last_realized_) {
        fills_.push_back({a.getTimeNs(), a.getRealizedPnlUsd() > last_realized_});
        last_realized_ = a.getRealizedPnlUsd();
      }
      on_account(a.getTimeNs(), a.getBalanceUsd(), a.getEquityUsd());
      break;
    }
    case Kind::CHALLENGE_STATUS: {
      auto c = payload.getChallengeStatus();
      status_.ftmo.phase = c.getPhase();
      status_.ftmo.trading_days = static_cast<int>(c.getTradingDays());
      const std::string rule = text_of(c.getRule());
      status_.ftmo.state = enum_name(c.getState()) + (rule.empty() ? "" : ": " + rule);
      break;
    }
    case Kind::CONTROL_COMMAND: {
      auto c = payload.getControlCommand();
      if (c.getSource() == schema::CommandSource::TELEGRAM) ++status_.telegram_commands;
      if (c.getCommand().isKillSwitch()) {
        status_.kill_switch = c.getCommand().getKillSwitch();
        status_.kill_switch_source = enum_name(c.getSource());
      } else if (c.getCommand().isThreshold()) {
        status_.threshold = c.getCommand().getThreshold();
      }
      break;
    }
    default:
      break;
  }
}

LiveStatus StatusTracker::snapshot(std::int64_t now_ns) const {
  LiveStatus s = status_;
  s.now_ns = now_ns;
  return s;
}

}  // namespace verity
