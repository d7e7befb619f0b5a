// Trading metrics of one attempt and of a batch; the definitions are in
// sim/metrics.hpp.
#include "sim/metrics.hpp"

#include <algorithm>
#include <cmath>

#include "actors/execution/execution_metrics.hpp"
#include "actors/runtime/calendar.hpp"
#include "actors/runtime/detmath.hpp"

namespace verity {

namespace {

constexpr std::int64_t kNsPerHour = 3'600'000'000'000;
constexpr std::int64_t kNsPerDay = 24 * kNsPerHour;
constexpr double kDaysPerYear = 365.0;
constexpr double kFlatTolerance = 1e-9;  // relative: what is left of a position below this is flat
constexpr double kMaxCagrExponent = 230.0;  // e^230 ~ 1e100: finite, and so are sums over a batch

/// Appends `p`, or replaces the last point when `p` is not later than it.
void push_point(std::vector<EquityPoint>& curve, EquityPoint p) {
  if (!curve.empty() && p.time_ns <= curve.back().time_ns) {
    curve.back().equity_usd = p.equity_usd;
    return;
  }
  curve.push_back(p);
}

double pct(double part, double whole) { return whole > 0 ? part / whole * 100.0 : 0.0; }

}  // namespace

std::string_view outcome_name(AttemptOutcome o) {
  switch (o) {
    case AttemptOutcome::passed: return "passed";
    case AttemptOutcome::breached: return "breached";
    case AttemptOutcome::expired: return "expired";
    case AttemptOutcome::failed: return "failed";
  }
  return "failed";
}

// --- MetricsRecorder ---------------------------------------------------------

MetricsRecorder::MetricsRecorder(double initial_equity_usd, std::int64_t start_time_ns, bool keep_curve)
    : initial_(initial_equity_usd),
      start_ns_(start_time_ns),
      keep_curve_(keep_curve),
      equity_(initial_equity_usd),
      peak_(initial_equity_usd),
      last_update_ns_(start_time_ns),
      first_day_(floor_div(start_time_ns, kNsPerDay)),
      cur_day_(first_day_),
      clock_ns_(start_time_ns) {
  if (keep_curve_) curve_.push_back({start_ns_, initial_});
}

void MetricsRecorder::advance_time(std::int64_t t_ns) {
  if (t_ns <= clock_ns_) return;
  if (open_) exposed_ns_ += t_ns - clock_ns_;
  clock_ns_ = t_ns;
}

void MetricsRecorder::on_bar(std::string_view symbol, std::int64_t close_time_ns, double close) {
  advance_time(close_time_ns);
  if (!have_bench_) {
    have_bench_ = true;
    bench_symbol_ = std::string(symbol);
    bench_first_ = close;
  }
  if (symbol == bench_symbol_) bench_last_ = close;
}

void MetricsRecorder::on_equity(std::int64_t time_ns, double equity_usd, bool any_position_open) {
  advance_time(time_ns);
  open_ = any_position_open;

  // Daily closes: every day before this update's day is over.
  const std::int64_t day = floor_div(time_ns, kNsPerDay);
  for (; cur_day_ < day; ++cur_day_) closes_.push_back(equity_);
  equity_ = equity_usd;
  last_update_ns_ = std::max(last_update_ns_, time_ns);

  peak_ = std::max(peak_, equity_usd);
  if (peak_ > 0) max_dd_pct_ = std::max(max_dd_pct_, (peak_ - std::max(equity_usd, 0.0)) / peak_ * 100.0);

  if (keep_curve_) {
    const std::int64_t hour = floor_div(time_ns, kNsPerHour);
    if (have_pending_ && hour != pending_hour_) push_point(curve_, pending_);
    pending_ = {time_ns, equity_usd};
    pending_hour_ = hour;
    have_pending_ = true;
  }
}

void MetricsRecorder::on_order_stop(std::uint64_t order_id, double stop_price) { stops_[order_id] = stop_price; }

double MetricsRecorder::stop_of(std::uint64_t order_id) const {
  const auto it = stops_.find(order_id);
  return it == stops_.end() ? 0.0 : it->second;
}

void MetricsRecorder::open_trade(OpenTrade& t, std::uint64_t order_id, std::string_view symbol,
                                 std::int64_t time_ns, bool buy, double qty, double price, double fee_usd) {
  t = OpenTrade{};
  t.rec.symbol = std::string(symbol);
  t.rec.is_long = buy;
  t.rec.entry_time_ns = time_ns;
  t.opening_order = order_id;
  t.stop = stop_of(order_id);
  add_to_trade(t, order_id, qty, price, fee_usd);
}

void MetricsRecorder::add_to_trade(OpenTrade& t, std::uint64_t order_id, double qty, double price,
                                   double fee_usd) {
  t.position += t.rec.is_long ? qty : -qty;
  t.entry_notional += qty * price;
  t.entry_qty += qty;
  t.rec.fees_usd += fee_usd;
  t.rec.qty = std::max(t.rec.qty, std::fabs(t.position));
  if (order_id == t.opening_order && t.stop > 0) t.rec.risk_usd += qty * std::fabs(price - t.stop);
}

void MetricsRecorder::close_trade(OpenTrade& t, std::int64_t time_ns) {
  TradeRecord rec = std::move(t.rec);
  rec.exit_time_ns = time_ns;
  rec.entry_price = t.entry_qty > 0 ? t.entry_notional / t.entry_qty : 0.0;
  rec.exit_price = t.exit_qty > 0 ? t.exit_notional / t.exit_qty : 0.0;
  const double side = rec.is_long ? 1.0 : -1.0;
  rec.pnl_usd = side * (t.exit_notional - t.entry_notional) - rec.fees_usd;
  trades_.push_back(std::move(rec));
}

void MetricsRecorder::on_fill(std::uint64_t order_id, std::string_view symbol, std::int64_t time_ns, bool buy,
                              double qty, double price, double fee_usd) {
  if (!(qty > 0)) return;  // nothing traded
  auto it = positions_.find(symbol);
  if (it == positions_.end()) {
    it = positions_.emplace(std::string(symbol), OpenTrade{}).first;
    open_trade(it->second, order_id, symbol, time_ns, buy, qty, price, fee_usd);
    return;
  }
  OpenTrade& t = it->second;
  if (buy == t.rec.is_long) {
    add_to_trade(t, order_id, qty, price, fee_usd);
    return;
  }
  // Against the position: reduce it, close it, or close it and open the
  // other way with the rest.
  const double held = std::fabs(t.position);
  const double tol = kFlatTolerance * std::max(held, qty);
  double closing = std::min(qty, held);
  double rest = qty - closing;
  if (rest <= tol) {
    closing = qty;  // dust beyond flat belongs to this trade
    rest = 0;
  }
  const double closing_fee = rest > 0 ? fee_usd * (closing / qty) : fee_usd;
  const double rest_fee = fee_usd - closing_fee;
  t.exit_notional += closing * price;
  t.exit_qty += closing;
  t.rec.fees_usd += closing_fee;
  t.position += t.rec.is_long ? -closing : closing;
  if (std::fabs(t.position) > tol) return;  // reduced, still open

  close_trade(t, time_ns);
  if (rest > 0) {
    open_trade(t, order_id, symbol, time_ns, buy, rest, price, rest_fee);
  } else {
    positions_.erase(it);
  }
}

std::vector<EquityPoint> MetricsRecorder::curve() const {
  if (!keep_curve_) return {};
  std::vector<EquityPoint> out = curve_;
  if (have_pending_) push_point(out, pending_);
  if (finished_) push_point(out, {end_ns_, equity_});
  return out;
}

AttemptMetrics MetricsRecorder::finish(std::int64_t end_time_ns) {
  finished_ = true;
  end_ns_ = end_time_ns;
  AttemptMetrics m;

  // Equity.
  m.return_pct = initial_ > 0 ? (equity_ / initial_ - 1.0) * 100.0 : 0.0;
  m.max_drawdown_pct = std::min(max_dd_pct_, 100.0);
  m.days = static_cast<double>(end_time_ns - start_ns_) / static_cast<double>(kNsPerDay);
  if (m.days > 0 && initial_ > 0) {
    if (equity_ <= 0) {
      m.cagr_pct = -100.0;
    } else {
      const double exponent = std::min(det_log(equity_ / initial_) * (kDaysPerYear / m.days), kMaxCagrExponent);
      m.cagr_pct = (det_exp(exponent) - 1.0) * 100.0;
    }
  }
  m.mar = m.max_drawdown_pct > 0 ? m.cagr_pct / m.max_drawdown_pct : 0.0;

  // Daily returns: the recorded closes, today's, then carried days to the end.
  std::vector<double> closes = closes_;
  closes.push_back(equity_);
  const std::int64_t last_day = std::max(cur_day_, floor_div(end_time_ns - 1, kNsPerDay));
  for (std::int64_t d = cur_day_; d < last_day; ++d) closes.push_back(equity_);
  std::vector<double>& returns = m.daily_returns;
  returns.reserve(closes.size());
  double prev = initial_;
  for (const double c : closes) {
    returns.push_back(prev > 0 ? c / prev - 1.0 : 0.0);
    prev = c;
  }
  if (returns.size() >= 2) {
    const double n = static_cast<double>(returns.size());
    double sum = 0;
    for (const double r : returns) sum += r;
    const double mean = sum / n;
    double sq = 0, down = 0;
    for (const double r : returns) {
      sq += (r - mean) * (r - mean);
      const double neg = std::min(r, 0.0);
      down += neg * neg;
    }
    const double sd = std::sqrt(sq / (n - 1.0));
    const double dd = std::sqrt(down / n);
    const double annual = std::sqrt(kDaysPerYear);
    m.sharpe = sd > 0 ? mean / sd * annual : 0.0;
    m.sortino = dd > 0 ? mean / dd * annual : 0.0;
  }

  // Trades.
  m.trades = trades_.size();
  double gross_profit = 0, gross_loss = 0, pnl_sum = 0, r_sum = 0;
  std::uint64_t wins = 0, with_risk = 0;
  for (const TradeRecord& t : trades_) {
    pnl_sum += t.pnl_usd;
    const bool win = t.pnl_usd > 0;
    if (win) {
      ++wins;
      gross_profit += t.pnl_usd;
    } else if (t.pnl_usd < 0) {
      gross_loss -= t.pnl_usd;
    }
    if (t.risk_usd > 0) {
      r_sum += t.pnl_usd / t.risk_usd;
      ++with_risk;
    }
    const auto s = static_cast<std::size_t>(session_of(t.entry_time_ns));
    ++m.session_trades[s];
    if (win) ++m.session_wins[s];
  }
  if (m.trades > 0) {
    m.win_rate_pct = static_cast<double>(wins) / static_cast<double>(m.trades) * 100.0;
    m.expectancy_usd = pnl_sum / static_cast<double>(m.trades);
  }
  m.profit_factor = gross_loss > 0 ? gross_profit / gross_loss : 0.0;
  m.avg_r = with_risk > 0 ? r_sum / static_cast<double>(with_risk) : 0.0;

  // Exposure up to the end.
  std::int64_t exposed = exposed_ns_;
  if (open_ && end_time_ns > clock_ns_) exposed += end_time_ns - clock_ns_;
  if (end_time_ns > start_ns_) {
    m.exposure_pct = std::clamp(
        static_cast<double>(exposed) / static_cast<double>(end_time_ns - start_ns_) * 100.0, 0.0, 100.0);
  }

  // Benchmark.
  if (have_bench_ && bench_first_ > 0) m.buy_hold_return_pct = (bench_last_ / bench_first_ - 1.0) * 100.0;
  return m;
}

// --- batch -------------------------------------------------------------------

std::map<std::string, double> metric_values(const AttemptMetrics& m) {
  std::map<std::string, double> v;
  v["return_pct"] = m.return_pct;
  v["sharpe"] = m.sharpe;
  v["sortino"] = m.sortino;
  v["max_drawdown_pct"] = m.max_drawdown_pct;
  v["cagr_pct"] = m.cagr_pct;
  v["mar"] = m.mar;
  v["trades"] = static_cast<double>(m.trades);
  v["win_rate_pct"] = m.win_rate_pct;
  v["profit_factor"] = m.profit_factor;
  v["expectancy_usd"] = m.expectancy_usd;
  v["avg_r"] = m.avg_r;
  v["exposure_pct"] = m.exposure_pct;
  v["buy_hold_return_pct"] = m.buy_hold_return_pct;
  for (const TradingSession s : kTradingSessions) {
    const auto i = static_cast<std::size_t>(s);
    v["hit_rate_" + std::string(session_name(s)) + "_pct"] =
        pct(static_cast<double>(m.session_wins[i]), static_cast<double>(m.session_trades[i]));
  }
  return v;
}

AggregateMetrics aggregate(std::span<const AttemptMetrics> attempts) {
  std::map<std::string, std::vector<double>> columns;
  for (const auto& [name, value] : metric_values(AttemptMetrics{})) columns[name];
  for (const AttemptMetrics& a : attempts) {
    for (const auto& [name, value] : metric_values(a)) columns[name].push_back(value);
  }
  AggregateMetrics out;
  for (auto& [name, values] : columns) {
    double sum = 0;
    for (const double x : values) sum += x;
    out.mean[name] = values.empty() ? 0.0 : sum / static_cast<double>(values.size());
    out.median[name] = median(std::move(values));
  }
  for (const TradingSession s : kTradingSessions) {
    const auto i = static_cast<std::size_t>(s);
    std::uint64_t wins = 0, trades = 0;
    for (const AttemptMetrics& a : attempts) {
      wins += a.session_wins[i];
      trades += a.session_trades[i];
    }
    const std::string name = "hit_rate_" + std::string(session_name(s)) + "_pct";
    const double pooled = pct(static_cast<double>(wins), static_cast<double>(trades));
    out.mean[name] = pooled;
    out.median[name] = pooled;
  }
  return out;
}

Wilson wilson_ci95(std::uint64_t successes, std::uint64_t n) {
  if (n == 0) return {0.0, 0.0};
  constexpr double z = 1.959963984540054;
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(std::min(successes, n)) / nn;
  const double z2 = z * z;
  const double denom = 1.0 + z2 / nn;
  const double centre = (p + z2 / (2.0 * nn)) / denom;
  const double half = z * std::sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / denom;
  // At 0 and n the bounds are exactly 0 and 1; pin them against rounding.
  const double low = successes == 0 ? 0.0 : std::clamp(centre - half, 0.0, 1.0);
  const double high = successes >= n ? 1.0 : std::clamp(centre + half, 0.0, 1.0);
  return {std::min(low, p), std::max(high, p)};
}

double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

}  // namespace verity
