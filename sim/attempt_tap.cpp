#include "sim/attempt_tap.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "actors/runtime/calendar.hpp"
#include "actors/runtime/convert.hpp"

namespace verity {

namespace {
constexpr std::int64_t kDayNs = 86'400'000'000'000;
}  // namespace

const std::vector<TradeRecord>& AttemptTap::trades() const {
  static const std::vector<TradeRecord> none;
  return metrics_ ? metrics_->trades() : none;
}

bool AttemptTap::expired() const {
  return start_ns_ && last_time_ns_ - *start_ns_ >= config_.challenge.max_days * kDayNs;
}

void AttemptTap::on_frame(const FramePtr& frame) {
  const Frame& f = *frame;
  auto e = f.envelope();
  auto p = e.getPayload();
  switch (f.kind()) {
    case Kind::BAR: {
      if (f.source() != ActorId::EXTERNAL) return;  // the feed's forwards are the same bar
      auto b = p.getBar();
      const std::int64_t close_ns = b.getOpenTimeNs() + b.getIntervalNs();
      last_time_ns_ = close_ns;
      if (!start_ns_) {
        // The attempt starts with its first bar: the strategy trades as
        // soon as its own inputs are warm, so every fill is inside it.
        start_ns_ = b.getOpenTimeNs();
        metrics_.emplace(config_.portfolio.initial_balance_usd, *start_ns_, keep_curve_);
      }
      const std::string symbol = text_of(b.getSymbol());
      book_.mark(symbol, b.getClose());
      if (metrics_) metrics_->on_bar(symbol, close_ns, b.getClose());
      return;
    }
    case Kind::ORDER: {
      auto o = p.getOrder();
      if (metrics_) metrics_->on_order_stop(o.getOrderId(), o.getStopLoss());
      return;
    }
    case Kind::EXECUTION_REPORT: {
      if (f.destination() != ActorId::PORTFOLIO) return;  // the copy to notify is the same report
      auto r = p.getExecutionReport();
      if (r.getLastQty() <= 0) return;
      const std::string symbol = text_of(r.getSymbol());
      book_.apply_fill(symbol, r.getSide(), r.getLastQty(), r.getLastPrice(), r.getFeeUsd());
      if (metrics_) {
        metrics_->on_fill(r.getOrderId(), symbol, r.getTimeNs(), r.getSide() == schema::Side::BUY, r.getLastQty(),
                          r.getLastPrice(), r.getFeeUsd());
      }
      if (text_of(r.getDetail()).find("gap through") != std::string::npos) last_gap_ns_ = r.getTimeNs();
      // Prague days with a fill: the trading days of an attempt that ends
      // without a status (risk's tracker counts the same for pass/breach).
      trading_days_.insert(prague_day(r.getTimeNs()));
      return;
    }
    case Kind::ACCOUNT_SNAPSHOT: {
      auto a = p.getAccountSnapshot();
      last_account_.emplace(frame);
      if (metrics_) metrics_->on_equity(a.getTimeNs(), a.getEquityUsd(), a.getPositions().size() > 0);
      return;
    }
    case Kind::RISK_DECISION: {
      auto d = p.getRiskDecision();
      if (d.getApproved() && status_) {
        failures_.push_back(fmt::format("guardrail: a signal was approved at {}, after the attempt ended",
                                        format_iso8601_ms(d.getTimeNs())));
        guardrail_ok_ = false;
      }
      if (d.getApproved() && d.getWorstLossUsd() > d.getHeadroomUsd() + 1e-6) {
        failures_.push_back(fmt::format("guardrail: an entry approved at {} risks {:.2f} USD at its stop with p90 "
                                        "costs, above the {:.2f} USD left to the guardrails",
                                        format_iso8601_ms(d.getTimeNs()), d.getWorstLossUsd(), d.getHeadroomUsd()));
        guardrail_ok_ = false;
      }
      return;
    }
    case Kind::CHALLENGE_STATUS: {
      auto c = p.getChallengeStatus();
      phase_ = std::max<int>(phase_, c.getPhase());
      if (c.getState() == schema::ChallengeState::PHASE_PASSED) phase_ = c.getPhase() + 1;
      if (c.getState() == schema::ChallengeState::PASSED || c.getState() == schema::ChallengeState::BREACHED) {
        status_.emplace(frame);
      }
      return;
    }
    default: return;
  }
}

void AttemptTap::finish(AttemptResult& r) {
  r.start_ns = start_ns_.value_or(0);
  r.phase = phase_;
  std::int64_t end_ns = last_time_ns_;
  if (status_) {
    auto c = (*status_)->envelope().getPayload().getChallengeStatus();
    end_ns = c.getTimeNs();
    r.trading_days = static_cast<int>(c.getTradingDays());
    if (c.getState() == schema::ChallengeState::PASSED) {
      r.outcome = AttemptOutcome::passed;
    } else {
      r.outcome = AttemptOutcome::breached;
      r.breach_rule = text_of(c.getRule());
      r.breach_time_ns = c.getTimeNs();
      r.breach_equity_usd = c.getEquityUsd();
      r.breach_reference_usd = c.getReferenceUsd();
      r.breach_limit_usd = c.getLimitUsd();
      r.breach_loss_usd = c.getLossUsd();
      r.breach_gap_through_stop = last_gap_ns_ && *last_gap_ns_ == c.getTimeNs();
      r.detail = text_of(c.getDetail());
      if (r.breach_gap_through_stop) r.detail += "; the market gapped through a stop";
    }
  } else {
    r.outcome = AttemptOutcome::expired;
    r.trading_days = static_cast<int>(trading_days_.size());
    if (!start_ns_) {
      r.detail = "no bars";
    } else if (!expired()) {
      r.detail = fmt::format("the data ended after {:.1f} of {} days", double(last_time_ns_ - *start_ns_) / kDayNs,
                             config_.challenge.max_days);
    }
  }
  r.end_ns = end_ns;
  r.days = start_ns_ ? static_cast<double>(end_ns - *start_ns_) / static_cast<double>(kDayNs) : 0.0;
  if (metrics_) {
    r.metrics = metrics_->finish(std::max(end_ns, *start_ns_));
    r.curve = metrics_->curve();
  }
  reconcile(r);
}

void AttemptTap::reconcile(AttemptResult& r) {
  bool ok = true;
  if (last_account_) {
    auto a = (*last_account_)->envelope().getPayload().getAccountSnapshot();
    auto near = [](double x, double y) { return std::fabs(x - y) <= 1e-6 * std::max(1.0, std::fabs(y)); };
    if (!near(a.getBalanceUsd(), book_.balance_usd())) {
      ok = false;
      failures_.push_back(fmt::format("reconcile: balance {:.6f} USD reported, {:.6f} USD from the fills",
                                      a.getBalanceUsd(), book_.balance_usd()));
    }
    std::map<std::string, double> reported;
    for (auto p : a.getPositions()) reported[text_of(p.getSymbol())] = p.getQty();
    for (const auto& [symbol, pos] : book_.positions()) {
      const double q = reported.contains(symbol) ? reported[symbol] : 0.0;
      if (!near(q, pos.qty)) {
        ok = false;
        failures_.push_back(fmt::format("reconcile: {} position {} reported, {} from the fills", symbol, q, pos.qty));
      }
    }
  }
  r.checks["guardrail"] = guardrail_ok_;
  r.checks["reconcile"] = ok;
  r.check_failures = failures_;
}

}  // namespace verity
