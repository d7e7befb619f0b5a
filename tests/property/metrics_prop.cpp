// Properties of the trading metrics over random fills and equity paths: the
// trades' P&L adds up to the cash the fills moved once every symbol is flat,
// percentages stay in range, the Wilson interval holds its point estimate,
// and the aggregate of identical attempts is that attempt.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "tests/support/rc_gen.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "sim/metrics.hpp"

namespace verity {
namespace {

using testing::int_in;
using testing::real_in;

constexpr std::int64_t kMinute = 60'000'000'000;
// 2024-01-01 00:00 UTC.
constexpr std::int64_t kT0 = 1'704'067'200'000'000'000;



const char* const kSymbols[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT"};

/// Feeds random fills (quantities in whole lots of 0.001, so the test can
/// flatten every symbol exactly), random stops and random equity snapshots,
/// then flattens. Returns the cash the fills moved: sells - buys - fees.
double feed_random_session(MetricsRecorder& r, std::int64_t& t) {
  std::map<std::string, long> lots;  // signed position per symbol, in lots
  double cash = 0;
  std::uint64_t order = 0;
  const int steps = int_in(0, 60);
  auto fill = [&](const std::string& sym, long signed_lots) {
    const bool buy = signed_lots > 0;
    const double qty = static_cast<double>(std::labs(signed_lots)) * 0.001;
    const double price = real_in(1, 100'000);
    const double fee = qty * price * real_in(0, 0.001);
    ++order;
    if (int_in(0, 2) == 0) r.on_order_stop(order, price * real_in(0.5, 1.5));
    r.on_fill(order, sym, t, buy, qty, price, fee);
    cash += (buy ? -1.0 : 1.0) * qty * price - fee;
    lots[sym] += signed_lots;
  };
  for (int i = 0; i < steps; ++i) {
    t += int_in(1, 600) * kMinute;
    const std::string sym = kSymbols[int_in(0, 3)];
    switch (int_in(0, 4)) {
      case 0: r.on_bar(sym, t, real_in(1, 100'000)); break;
      case 1: r.on_equity(t, real_in(-100, 200'000), int_in(0, 2) == 0); break;
      case 2: {
        // Often exactly flat or a flip of the current position.
        const long held = lots[sym];
        const int kind = int_in(0, 3);
        long q = kind == 0 ? -held : (kind == 1 ? -2 * held : 0);
        if (q == 0) q = int_in(-5000, 5001);
        if (q != 0) fill(sym, q);
        break;
      }
      default: {
        const long q = int_in(-5000, 5001);
        if (q != 0) fill(sym, q);
      }
    }
  }
  for (const auto& [sym, held] : lots) {
    if (held != 0) {
      t += kMinute;
      fill(sym, -held);
    }
  }
  return cash;
}

RC_GTEST_PROP(MetricsProperties, TradePnlAddsUpToTheCashOfTheFillsOnceFlat, ()) {
  std::int64_t t = kT0;
  MetricsRecorder r(100'000, kT0, false);
  const double cash = feed_random_session(r, t);
  double sum = 0, scale = 1;
  for (const TradeRecord& tr : r.trades()) {
    sum += tr.pnl_usd;
    scale += tr.qty * std::max(tr.entry_price, tr.exit_price) * 2;
    RC_ASSERT(tr.qty > 0);
    RC_ASSERT(tr.entry_time_ns <= tr.exit_time_ns);
    RC_ASSERT(tr.fees_usd >= 0);
    RC_ASSERT(tr.risk_usd >= 0);
    RC_ASSERT(tr.entry_price > 0);
    RC_ASSERT(tr.exit_price > 0);
  }
  RC_ASSERT(std::fabs(sum - cash) <= 1e-9 * scale);
  const AttemptMetrics m = r.finish(t);
  RC_ASSERT(m.trades == r.trades().size());
  std::uint64_t session_total = 0;
  for (const std::uint64_t n : m.session_trades) session_total += n;
  RC_ASSERT(session_total == m.trades);
}

RC_GTEST_PROP(MetricsProperties, PercentagesStayInRangeAndEverythingIsFinite, ()) {
  std::int64_t t = kT0 + int_in(0, 1440) * kMinute;
  const std::int64_t start = t;
  MetricsRecorder r(real_in(1, 200'000), start, int_in(0, 2) == 0);
  feed_random_session(r, t);
  const std::int64_t end = t + int_in(0, 3000) * kMinute;
  const AttemptMetrics m = r.finish(end);
  RC_ASSERT(m.max_drawdown_pct >= 0.0);
  RC_ASSERT(m.max_drawdown_pct <= 100.0);
  RC_ASSERT(m.win_rate_pct >= 0.0);
  RC_ASSERT(m.win_rate_pct <= 100.0);
  RC_ASSERT(m.exposure_pct >= 0.0);
  RC_ASSERT(m.exposure_pct <= 100.0);
  RC_ASSERT(m.profit_factor >= 0.0);
  RC_ASSERT(m.cagr_pct >= -100.0);
  for (const auto& [name, value] : metric_values(m)) {
    RC_ASSERT(std::isfinite(value));
    if (name.starts_with("hit_rate_")) RC_ASSERT(value >= 0.0 && value <= 100.0);
  }
  for (std::size_t i = 0; i < 3; ++i) RC_ASSERT(m.session_wins[i] <= m.session_trades[i]);
  // The curve, when kept, runs from the start to the end in strictly rising time.
  const std::vector<EquityPoint> c = r.curve();
  if (!c.empty()) {
    RC_ASSERT(c.front().time_ns == start);
    RC_ASSERT(c.back().time_ns == end);
    for (std::size_t i = 1; i < c.size(); ++i) RC_ASSERT(c[i - 1].time_ns < c[i].time_ns);
  }
}

RC_GTEST_PROP(MetricsProperties, WilsonIntervalHoldsThePointEstimate, ()) {
  const auto n = static_cast<std::uint64_t>(int_in(1, 100'000));
  const auto s = static_cast<std::uint64_t>(int_in(0, static_cast<int>(n) + 1));
  const Wilson w = wilson_ci95(s, n);
  const double p = static_cast<double>(s) / static_cast<double>(n);
  RC_ASSERT(0.0 <= w.low);
  RC_ASSERT(w.low <= p);
  RC_ASSERT(p <= w.high);
  RC_ASSERT(w.high <= 1.0);
  // Symmetry: s of n mirrors n - s of n.
  const Wilson m = wilson_ci95(n - s, n);
  RC_ASSERT(std::fabs(m.low - (1.0 - w.high)) <= 1e-12);
  RC_ASSERT(std::fabs(m.high - (1.0 - w.low)) <= 1e-12);
}

RC_GTEST_PROP(MetricsProperties, AggregateOfIdenticalAttemptsIsTheAttempt, ()) {
  std::int64_t t = kT0;
  MetricsRecorder r(real_in(1'000, 200'000), kT0, false);
  feed_random_session(r, t);
  const AttemptMetrics a = r.finish(t + int_in(1, 3000) * kMinute);
  const std::vector<AttemptMetrics> copies(static_cast<std::size_t>(int_in(1, 12)), a);
  const AggregateMetrics g = aggregate(copies);
  for (const auto& [name, value] : metric_values(a)) {
    RC_ASSERT(g.median.at(name) == value);
    RC_ASSERT(std::fabs(g.mean.at(name) - value) <= 1e-12 * std::max(1.0, std::fabs(value)));
  }
}

RC_GTEST_PROP(MetricsProperties, MedianLiesBetweenTheExtremes, ()) {
  std::vector<double> v(static_cast<std::size_t>(int_in(1, 50)));
  for (double& x : v) x = real_in(-1000, 1000);
  const double m = median(v);
  RC_ASSERT(m >= *std::min_element(v.begin(), v.end()));
  RC_ASSERT(m <= *std::max_element(v.begin(), v.end()));
  std::vector<double> rev(v.rbegin(), v.rend());
  RC_ASSERT(median(rev) == m);
}

}  // namespace
}  // namespace verity
