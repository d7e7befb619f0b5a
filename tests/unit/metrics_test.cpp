// Trading metrics on small hand-worked paths (sim/metrics.hpp): daily Sharpe
// and Sortino, drawdown, CAGR and MAR, round trips with a flip, fees split
// pro rata, R multiples, profit factor, session hit rates, exposure, the
// buy-and-hold benchmark, the hourly curve, the batch aggregate, and the
// Wilson interval and median.
#include "sim/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace verity {
namespace {

constexpr std::int64_t kHour = 3'600'000'000'000;
constexpr std::int64_t kDay = 24 * kHour;
// 2024-01-01 00:00 UTC.
constexpr std::int64_t kT0 = 1'704'067'200'000'000'000;

// --- equity ---------------------------------------------------------------------

TEST(Metrics, ThreeDayPathHasKnownSharpeSortinoDrawdownAndCagr) {
  // Equity 100 -> 110 (day 1) -> 99 (day 2) -> 108.9 (day 3), updates at noon.
  // Daily returns r = +0.1, -0.1, +0.1 (the first from the initial 100).
  //   mean = 1/30;  sample sd = sqrt(((2/30)^2 + (4/30)^2 + (2/30)^2) / 2) = sqrt(12)/30
  //   Sharpe = (1/30) / (sqrt(12)/30) x sqrt(365) = sqrt(365/12) = 5.515131
  //   downside deviation = sqrt((0 + 0.01 + 0) / 3) = 0.1/sqrt(3)
  //   Sortino = (1/30) / (0.1/sqrt(3)) x sqrt(365) = sqrt(365/3) = 11.030261
  //   max drawdown = (110 - 99) / 110 = 10%;  return = 8.9%
  //   days = 3;  CAGR = 1.089^(365/3) - 1 = 3199227.53%;  MAR = CAGR / 10
  MetricsRecorder r(100, kT0, false);
  r.on_equity(kT0 + 12 * kHour, 110, false);
  r.on_equity(kT0 + kDay + 12 * kHour, 99, false);
  r.on_equity(kT0 + 2 * kDay + 12 * kHour, 108.9, false);
  const AttemptMetrics m = r.finish(kT0 + 3 * kDay);
  EXPECT_NEAR(m.return_pct, 8.9, 1e-9);
  EXPECT_NEAR(m.sharpe, std::sqrt(365.0 / 12.0), 1e-9);
  EXPECT_NEAR(m.sharpe, 5.515131, 1e-6);
  EXPECT_NEAR(m.sortino, 11.030261, 1e-6);
  EXPECT_NEAR(m.max_drawdown_pct, 10.0, 1e-9);
  EXPECT_DOUBLE_EQ(m.days, 3.0);
  EXPECT_NEAR(m.cagr_pct / 3199227.5338197765, 1.0, 1e-9);
  EXPECT_NEAR(m.mar, m.cagr_pct / m.max_drawdown_pct, 1e-9 * m.mar);
  EXPECT_EQ(m.trades, 0u);
  EXPECT_EQ(m.profit_factor, 0.0);
  EXPECT_EQ(m.exposure_pct, 0.0);
}

TEST(Metrics, DaysWithoutAnUpdateCarryThePreviousClose) {
  // One update, 110 on day 1, and nothing after: the closes are 110, 110, 110,
  // so r = +0.1, 0, 0. mean = 1/30, sd = sqrt(((2/30)^2 + 2 (1/30)^2) / 2) =
  // sqrt(3)/30, Sharpe = sqrt(365/3) = 11.030261. No negative day: Sortino 0.
  MetricsRecorder r(100, kT0, false);
  r.on_equity(kT0 + 12 * kHour, 110, false);
  const AttemptMetrics m = r.finish(kT0 + 3 * kDay);
  EXPECT_NEAR(m.sharpe, std::sqrt(365.0 / 3.0), 1e-9);
  EXPECT_EQ(m.sortino, 0.0);
  EXPECT_EQ(m.max_drawdown_pct, 0.0);
  EXPECT_EQ(m.mar, 0.0);  // no drawdown
}

TEST(Metrics, FewerThanTwoDailyReturnsGiveZeroSharpe) {
  MetricsRecorder r(100, kT0, false);
  r.on_equity(kT0 + kHour, 90, false);
  r.on_equity(kT0 + 2 * kHour, 120, false);
  const AttemptMetrics m = r.finish(kT0 + 20 * kHour);  // one UTC day
  EXPECT_EQ(m.sharpe, 0.0);
  EXPECT_EQ(m.sortino, 0.0);
  EXPECT_NEAR(m.max_drawdown_pct, 10.0, 1e-9);
  EXPECT_NEAR(m.return_pct, 20.0, 1e-9);
}

TEST(Metrics, EndAtMidnightDoesNotAddAnEmptyDay) {
  // Start and end at midnight two days apart: exactly two daily returns,
  // +0.1 and -0.1: mean 0, Sharpe 0 (and not a third, zero, return).
  MetricsRecorder r(100, kT0, false);
  r.on_equity(kT0 + kHour, 110, false);
  r.on_equity(kT0 + kDay + kHour, 99, false);
  const AttemptMetrics m = r.finish(kT0 + 2 * kDay);
  EXPECT_NEAR(m.sharpe, 0.0, 1e-12);
  // Sortino: mean 0 -> 0 whatever the downside.
  EXPECT_NEAR(m.sortino, 0.0, 1e-12);
}

TEST(Metrics, MaxDrawdownIsTheLargestFallFromAPeak) {
  // 100 -> 120 -> 90 (25% below 120) -> 130 -> 110 (15.4% below 130).
  MetricsRecorder r(100, kT0, false);
  const double path[] = {120, 90, 130, 110};
  for (int i = 0; i < 4; ++i) r.on_equity(kT0 + (i + 1) * kHour, path[i], false);
  const AttemptMetrics m = r.finish(kT0 + 5 * kHour);
  EXPECT_NEAR(m.max_drawdown_pct, 25.0, 1e-9);
  EXPECT_NEAR(m.return_pct, 10.0, 1e-9);
}

TEST(Metrics, LosingEverythingGivesMinus100CagrAnd100Drawdown) {
  MetricsRecorder r(100, kT0, false);
  r.on_equity(kT0 + kHour, -5, false);
  const AttemptMetrics m = r.finish(kT0 + 10 * kDay);
  EXPECT_EQ(m.cagr_pct, -100.0);
  EXPECT_EQ(m.max_drawdown_pct, 100.0);
  EXPECT_EQ(m.mar, -1.0);
}

TEST(Metrics, HugeShortTermGainKeepsCagrFinite) {
  MetricsRecorder r(100, kT0, false);
  r.on_equity(kT0 + 1000, 200, false);
  const AttemptMetrics m = r.finish(kT0 + 1000);
  EXPECT_TRUE(std::isfinite(m.cagr_pct));
  EXPECT_GT(m.cagr_pct, 1e100);  // capped at e^230 - 1, x 100
  EXPECT_LT(m.cagr_pct, 1e103);
}

// --- trades ---------------------------------------------------------------------

TEST(Metrics, FlipClosesOneTradeAndOpensTheNextWithFeesProRata) {
  // 01:00 (asia)   buy  1 @ 100, fee 1, order 1 stop 90   -> long 1, risk 1 x 10 = 10
  // 09:00 (europe) sell 3 @ 110, fee 3, order 2 stop 121  -> closes the long with 1 (fee 1),
  //                opens a short of 2 (fee 2), risk 2 x |110 - 121| = 22
  // 17:00 (us)     buy  2 @ 99,  fee 2, order 3           -> closes the short
  // Long:  pnl = (110 - 100) x 1 - (1 + 1) = 8,   R = 8 / 10 = 0.8
  // Short: pnl = (110 - 99) x 2 - (2 + 2)  = 18,  R = 18 / 22 = 0.818182
  MetricsRecorder r(10'000, kT0, false);
  r.on_order_stop(1, 90);
  r.on_fill(1, "BTCUSDT", kT0 + 1 * kHour, true, 1, 100, 1);
  r.on_order_stop(2, 121);
  r.on_fill(2, "BTCUSDT", kT0 + 9 * kHour, false, 3, 110, 3);
  r.on_fill(3, "BTCUSDT", kT0 + 17 * kHour, true, 2, 99, 2);
  ASSERT_EQ(r.trades().size(), 2u);
  const TradeRecord& a = r.trades()[0];
  EXPECT_TRUE(a.is_long);
  EXPECT_EQ(a.symbol, "BTCUSDT");
  EXPECT_EQ(a.entry_time_ns, kT0 + 1 * kHour);
  EXPECT_EQ(a.exit_time_ns, kT0 + 9 * kHour);
  EXPECT_DOUBLE_EQ(a.qty, 1.0);
  EXPECT_DOUBLE_EQ(a.entry_price, 100.0);
  EXPECT_DOUBLE_EQ(a.exit_price, 110.0);
  EXPECT_DOUBLE_EQ(a.fees_usd, 2.0);
  EXPECT_DOUBLE_EQ(a.pnl_usd, 8.0);
  EXPECT_DOUBLE_EQ(a.risk_usd, 10.0);
  const TradeRecord& b = r.trades()[1];
  EXPECT_FALSE(b.is_long);
  EXPECT_EQ(b.entry_time_ns, kT0 + 9 * kHour);
  EXPECT_EQ(b.exit_time_ns, kT0 + 17 * kHour);
  EXPECT_DOUBLE_EQ(b.qty, 2.0);
  EXPECT_DOUBLE_EQ(b.entry_price, 110.0);
  EXPECT_DOUBLE_EQ(b.exit_price, 99.0);
  EXPECT_DOUBLE_EQ(b.fees_usd, 4.0);
  EXPECT_DOUBLE_EQ(b.pnl_usd, 18.0);
  EXPECT_DOUBLE_EQ(b.risk_usd, 22.0);

  const AttemptMetrics m = r.finish(kT0 + kDay);
  EXPECT_EQ(m.trades, 2u);
  EXPECT_DOUBLE_EQ(m.win_rate_pct, 100.0);
  EXPECT_DOUBLE_EQ(m.expectancy_usd, 13.0);
  EXPECT_EQ(m.profit_factor, 0.0);  // no losing trade: reported 0
  EXPECT_NEAR(m.avg_r, (0.8 + 18.0 / 22.0) / 2, 1e-12);  // 0.809091
  EXPECT_EQ(m.session_trades, (std::array<std::uint64_t, 3>{1, 1, 0}));
  EXPECT_EQ(m.session_wins, (std::array<std::uint64_t, 3>{1, 1, 0}));
}

TEST(Metrics, ScaledEntriesAndExitsAreVolumeWeighted) {
  // Long built in two fills and closed in two: 1 @ 100 (order 1, stop 95,
  // fee 0.5), 3 @ 104 (order 2, no stop in the risk: not the opening order,
  // fee 1.5); sell 2 @ 110 (fee 1), sell 2 @ 106 (fee 1).
  //   entry = (100 + 312) / 4 = 103;  exit = (220 + 212) / 4 = 108;  qty 4
  //   pnl = (432 - 412) - 4 = 16;  risk = 1 x 5 = 5 (opening order only)
  MetricsRecorder r(10'000, kT0, false);
  r.on_order_stop(1, 95);
  r.on_order_stop(2, 99);
  r.on_fill(1, "ETHUSDT", kT0 + kHour, true, 1, 100, 0.5);
  r.on_fill(2, "ETHUSDT", kT0 + 2 * kHour, true, 3, 104, 1.5);
  r.on_fill(3, "ETHUSDT", kT0 + 3 * kHour, false, 2, 110, 1);
  EXPECT_TRUE(r.trades().empty());  // still long 2
  r.on_fill(4, "ETHUSDT", kT0 + 4 * kHour, false, 2, 106, 1);
  ASSERT_EQ(r.trades().size(), 1u);
  const TradeRecord& t = r.trades()[0];
  EXPECT_DOUBLE_EQ(t.qty, 4.0);
  EXPECT_DOUBLE_EQ(t.entry_price, 103.0);
  EXPECT_DOUBLE_EQ(t.exit_price, 108.0);
  EXPECT_DOUBLE_EQ(t.fees_usd, 4.0);
  EXPECT_DOUBLE_EQ(t.pnl_usd, 16.0);
  EXPECT_DOUBLE_EQ(t.risk_usd, 5.0);
  EXPECT_DOUBLE_EQ(r.finish(kT0 + kDay).avg_r, 16.0 / 5.0);
}

TEST(Metrics, PartialFillsOfTheOpeningOrderAllCarryRisk) {
  // Order 7 (stop 100) fills 0.25 @ 110 and 0.75 @ 114: risk = 0.25 x 10 + 0.75 x 14 = 13.
  MetricsRecorder r(10'000, kT0, false);
  r.on_order_stop(7, 100);
  r.on_fill(7, "BTCUSDT", kT0 + kHour, true, 0.25, 110, 0);
  r.on_fill(7, "BTCUSDT", kT0 + kHour, true, 0.75, 114, 0);
  r.on_fill(8, "BTCUSDT", kT0 + 2 * kHour, false, 1, 100, 0);  // stopped: pnl = 100 - 113 = -13
  ASSERT_EQ(r.trades().size(), 1u);
  EXPECT_DOUBLE_EQ(r.trades()[0].risk_usd, 13.0);
  EXPECT_DOUBLE_EQ(r.trades()[0].pnl_usd, -13.0);
  EXPECT_DOUBLE_EQ(r.finish(kT0 + kDay).avg_r, -1.0);
}

TEST(Metrics, DustFromPartialFillsStillClosesTheTrade) {
  // 0.1 + 0.2 bought, 0.3 sold: 0.1 + 0.2 != 0.3 in binary, still flat.
  MetricsRecorder r(10'000, kT0, false);
  r.on_fill(1, "BTCUSDT", kT0 + kHour, true, 0.1, 100, 0);
  r.on_fill(1, "BTCUSDT", kT0 + kHour, true, 0.2, 100, 0);
  r.on_fill(2, "BTCUSDT", kT0 + 2 * kHour, false, 0.3, 101, 0);
  ASSERT_EQ(r.trades().size(), 1u);
  EXPECT_NEAR(r.trades()[0].pnl_usd, 0.3, 1e-12);
  EXPECT_EQ(r.trades()[0].risk_usd, 0.0);  // no stop given
  EXPECT_EQ(r.finish(kT0 + kDay).avg_r, 0.0);
}

TEST(Metrics, ProfitFactorWinRateAndSymbolsKeptApart) {
  // BTC +30 (asia), ETH -10 (europe), BTC -5 (us), no fees.
  //   gross profit 30, gross loss 15: PF = 2;  win rate 1/3;  expectancy 5.
  MetricsRecorder r(10'000, kT0, false);
  r.on_fill(1, "BTCUSDT", kT0 + 1 * kHour, true, 1, 100, 0);
  r.on_fill(2, "ETHUSDT", kT0 + 9 * kHour, false, 1, 50, 0);  // a short in another symbol
  r.on_fill(3, "BTCUSDT", kT0 + 10 * kHour, false, 1, 130, 0);
  r.on_fill(4, "ETHUSDT", kT0 + 12 * kHour, true, 1, 60, 0);
  r.on_fill(5, "BTCUSDT", kT0 + 18 * kHour, true, 1, 100, 0);
  r.on_fill(6, "BTCUSDT", kT0 + 19 * kHour, false, 1, 95, 0);
  r.on_fill(7, "BTCUSDT", kT0 + 20 * kHour, true, 1, 95, 0);  // open at the end: not counted
  const AttemptMetrics m = r.finish(kT0 + kDay);
  ASSERT_EQ(m.trades, 3u);
  EXPECT_EQ(r.trades()[0].symbol, "BTCUSDT");  // in the order they closed
  EXPECT_DOUBLE_EQ(r.trades()[0].pnl_usd, 30.0);
  EXPECT_EQ(r.trades()[1].symbol, "ETHUSDT");
  EXPECT_FALSE(r.trades()[1].is_long);
  EXPECT_DOUBLE_EQ(r.trades()[1].pnl_usd, -10.0);
  EXPECT_DOUBLE_EQ(m.profit_factor, 2.0);
  EXPECT_NEAR(m.win_rate_pct, 100.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(m.expectancy_usd, 5.0);
  EXPECT_EQ(m.session_trades, (std::array<std::uint64_t, 3>{1, 1, 1}));
  EXPECT_EQ(m.session_wins, (std::array<std::uint64_t, 3>{1, 0, 0}));
  const auto v = metric_values(m);
  EXPECT_DOUBLE_EQ(v.at("hit_rate_asia_pct"), 100.0);
  EXPECT_DOUBLE_EQ(v.at("hit_rate_europe_pct"), 0.0);
  EXPECT_DOUBLE_EQ(v.at("hit_rate_us_pct"), 0.0);
}

// --- time, benchmark, curve -------------------------------------------------------

TEST(Metrics, ExposureIsTheShareOfTimeWithAPositionOpen) {
  // Start 00:00, end 10:00. Open from 02:00 (equity update) to 06:00 (the
  // update that says flat; a bar at 05:00 in between changes nothing) = 4 h,
  // then open again from 08:00 to the end = 2 h: 6 h of 10 = 60%.
  MetricsRecorder r(100, kT0, false);
  r.on_bar("BTCUSDT", kT0 + 1 * kHour, 100);
  r.on_equity(kT0 + 2 * kHour, 100, true);
  r.on_bar("BTCUSDT", kT0 + 5 * kHour, 100);
  r.on_equity(kT0 + 6 * kHour, 100, false);
  r.on_bar("BTCUSDT", kT0 + 7 * kHour, 100);
  r.on_equity(kT0 + 8 * kHour, 100, true);
  r.on_bar("BTCUSDT", kT0 + 9 * kHour, 100);
  EXPECT_NEAR(r.finish(kT0 + 10 * kHour).exposure_pct, 60.0, 1e-9);
}

TEST(Metrics, BuyAndHoldFollowsTheFirstSymbolSeen) {
  MetricsRecorder r(100, kT0, false);
  r.on_bar("BTCUSDT", kT0 + kHour, 100);
  r.on_bar("ETHUSDT", kT0 + kHour, 50);
  r.on_bar("BTCUSDT", kT0 + 2 * kHour, 130);
  r.on_bar("BTCUSDT", kT0 + 3 * kHour, 120);
  r.on_bar("ETHUSDT", kT0 + 3 * kHour, 10);
  EXPECT_NEAR(r.finish(kT0 + 4 * kHour).buy_hold_return_pct, 20.0, 1e-9);
}

TEST(Metrics, CurveKeepsTheLastEquityOfEachHourPlusStartAndEnd) {
  MetricsRecorder r(100, kT0, true);
  r.on_equity(kT0 + 10 * 60'000'000'000LL, 101, false);  // 00:10
  r.on_equity(kT0 + 50 * 60'000'000'000LL, 102, false);  // 00:50  (hour 0's last)
  r.on_equity(kT0 + 90 * 60'000'000'000LL, 103, false);  // 01:30
  r.on_equity(kT0 + 185 * 60'000'000'000LL, 104, false); // 03:05
  r.finish(kT0 + 4 * kHour);
  const std::vector<EquityPoint> c = r.curve();
  ASSERT_EQ(c.size(), 5u);
  const std::int64_t t[] = {kT0, kT0 + 50 * 60'000'000'000LL, kT0 + 90 * 60'000'000'000LL,
                            kT0 + 185 * 60'000'000'000LL, kT0 + 4 * kHour};
  const double e[] = {100, 102, 103, 104, 104};
  for (std::size_t i = 0; i < c.size(); ++i) {
    EXPECT_EQ(c[i].time_ns, t[i]) << i;
    EXPECT_DOUBLE_EQ(c[i].equity_usd, e[i]) << i;
  }
  MetricsRecorder none(100, kT0, false);
  none.on_equity(kT0 + kHour, 101, false);
  none.finish(kT0 + 2 * kHour);
  EXPECT_TRUE(none.curve().empty());
}

TEST(Metrics, FinishTwiceGivesTheSameAnswer) {
  MetricsRecorder r(100, kT0, false);
  r.on_equity(kT0 + kHour, 95, true);
  r.on_equity(kT0 + kDay + kHour, 105, false);
  const AttemptMetrics a = r.finish(kT0 + 3 * kDay);
  const AttemptMetrics b = r.finish(kT0 + 3 * kDay);
  EXPECT_EQ(metric_values(a), metric_values(b));
}

// --- batch ------------------------------------------------------------------------

TEST(Metrics, AggregateMeansMediansAndPooledHitRates) {
  AttemptMetrics a, b, c;
  a.sharpe = 1;
  b.sharpe = 2;
  c.sharpe = 10;  // mean 13/3, median 2
  a.trades = 2;
  b.trades = 3;
  c.trades = 5;
  // Asia: 1 of 2, 3 of 3, 0 of 0 -> pooled 4 / 5 = 80% (the mean of the
  // per-attempt rates, (50 + 100 + 0) / 3, would be 50%).
  a.session_wins = {1, 0, 0};
  a.session_trades = {2, 0, 0};
  b.session_wins = {3, 0, 0};
  b.session_trades = {3, 0, 1};
  const std::vector<AttemptMetrics> all = {a, b, c};
  const AggregateMetrics g = aggregate(all);
  EXPECT_EQ(g.mean.size(), 16u);
  EXPECT_EQ(g.median.size(), 16u);
  EXPECT_NEAR(g.mean.at("sharpe"), 13.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(g.median.at("sharpe"), 2.0);
  EXPECT_NEAR(g.mean.at("trades"), 10.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(g.median.at("trades"), 3.0);
  EXPECT_DOUBLE_EQ(g.mean.at("hit_rate_asia_pct"), 80.0);
  EXPECT_DOUBLE_EQ(g.median.at("hit_rate_asia_pct"), 80.0);
  EXPECT_DOUBLE_EQ(g.mean.at("hit_rate_europe_pct"), 0.0);
  EXPECT_DOUBLE_EQ(g.mean.at("hit_rate_us_pct"), 0.0);  // 0 wins of 1

  const AggregateMetrics empty = aggregate({});
  EXPECT_EQ(empty.mean.size(), 16u);
  for (const auto& [name, value] : empty.mean) EXPECT_EQ(value, 0.0) << name;
}

TEST(Metrics, MetricValuesNamesAreTheContract) {
  const auto v = metric_values(AttemptMetrics{});
  const char* names[] = {"return_pct",      "sharpe",           "sortino",           "max_drawdown_pct",
                         "cagr_pct",        "mar",              "trades",            "win_rate_pct",
                         "profit_factor",   "expectancy_usd",   "avg_r",             "exposure_pct",
                         "buy_hold_return_pct", "hit_rate_asia_pct", "hit_rate_europe_pct", "hit_rate_us_pct"};
  EXPECT_EQ(v.size(), std::size(names));
  for (const char* n : names) EXPECT_TRUE(v.contains(n)) << n;
}

TEST(Metrics, OutcomeNames) {
  EXPECT_EQ(outcome_name(AttemptOutcome::passed), "passed");
  EXPECT_EQ(outcome_name(AttemptOutcome::breached), "breached");
  EXPECT_EQ(outcome_name(AttemptOutcome::expired), "expired");
  EXPECT_EQ(outcome_name(AttemptOutcome::failed), "failed");
}

// --- Wilson and median ----------------------------------------------------------

TEST(Wilson, KnownIntervals) {
  // 14/20: p = 0.7, z^2/n = 0.19207; centre = (0.7 + 0.09604) / 1.19207 = 0.66777,
  // half = z sqrt(0.0105 + 0.0024009) / 1.19207 = 0.18675 -> [0.4810, 0.8545].
  const Wilson a = wilson_ci95(14, 20);
  EXPECT_NEAR(a.low, 0.4810, 1e-3);
  EXPECT_NEAR(a.high, 0.8545, 1e-3);
  // 0/20: centre = half = 0.09604 / 1.19207 = 0.08056 -> [0, 0.1611].
  const Wilson b = wilson_ci95(0, 20);
  EXPECT_EQ(b.low, 0.0);
  EXPECT_NEAR(b.high, 0.1611, 1e-3);
  // 20/20 mirrors it: [0.8389, 1].
  const Wilson c = wilson_ci95(20, 20);
  EXPECT_NEAR(c.low, 0.8389, 1e-3);
  EXPECT_EQ(c.high, 1.0);
  const Wilson d = wilson_ci95(0, 0);
  EXPECT_EQ(d.low, 0.0);
  EXPECT_EQ(d.high, 0.0);
}

TEST(Wilson, MedianOfOddEvenAndEmpty) {
  EXPECT_EQ(median({}), 0.0);
  EXPECT_EQ(median({3, 1, 2}), 2.0);
  EXPECT_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_EQ(median({-1}), -1.0);
}

}  // namespace
}  // namespace verity
