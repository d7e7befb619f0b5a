// The cost model: which figure applies to a pair at a time (session, then
// the pair's all-sessions figure, then the fixed config), the lognormal fit
// to p50 and p90, and the p90 figures risk reads.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "actors/execution/cost_model.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/prng.hpp"

namespace verity {
namespace {

constexpr std::int64_t kHourNs = 3'600'000'000'000;
constexpr std::int64_t kDay = 1'705'276'800'000'000'000;  // 2024-01-15T00:00Z
constexpr std::int64_t kAsia = kDay + 3 * kHourNs;
constexpr std::int64_t kEurope = kDay + 10 * kHourNs;
constexpr std::int64_t kUs = kDay + 20 * kHourNs;

Distribution dist(double mean, double p50, double p90) { return Distribution{1000, mean, p50, p90}; }

ExecutionMetrics metrics() {
  ExecutionMetrics m;
  PairMetrics p;
  p.pair = "BTCUSDT";
  p.method = MetricsMethod::quote_ticks;
  p.sessions[0].spread_bps = dist(2, 1, 4);      // asia
  p.sessions[0].slippage_bps = dist(1, 0.5, 2);
  p.sessions[1].spread_bps = dist(3, 2, 6);      // europe; no slippage: falls back to all
  p.all.spread_bps = dist(2.5, 1.5, 5);
  p.all.slippage_bps = dist(1.5, 1, 3);
  m.pairs.push_back(p);
  PairMetrics candles;  // a worse method for the same pair: never chosen over ticks
  candles.pair = "BTCUSDT";
  candles.method = MetricsMethod::corwin_schultz;
  candles.all.spread_bps = dist(50, 40, 90);
  m.pairs.push_back(candles);
  PairMetrics eth;  // spread only, from candles: slippage falls back to the fixed figure
  eth.pair = "ETHUSDT";
  eth.method = MetricsMethod::corwin_schultz;
  eth.all.spread_bps = dist(7, 3, 19);
  m.pairs.push_back(eth);
  return m;
}

ExecutionConfig config(const char* model = "empirical") {
  ExecutionConfig c;
  c.cost_model = model;
  c.spread_bps = 1;
  c.slippage_bps = 0.5;
  c.taker_fee_bps = 4;
  c.maker_fee_bps = 2;
  return c;
}

TEST(CostModel, FixedModelUsesTheConfigAndMatchesWorstCostPerSide) {
  const ExecutionMetrics m = metrics();
  const ExecutionConfig c = config("fixed");
  const CostModel model(c, &m);
  EXPECT_FALSE(model.empirical());
  EXPECT_EQ(model.spread("BTCUSDT", kAsia).source, "fixed");
  EXPECT_DOUBLE_EQ(model.worst_cost_bps("BTCUSDT", kAsia), c.worst_cost_per_side_bps());  // 0.5 + 0.5 + 4
  EXPECT_DOUBLE_EQ(model.worst_cost_bps("BTCUSDT", kAsia), 5.0);
  EXPECT_DOUBLE_EQ(model.p90_slippage_bps("BTCUSDT", kAsia), 0.5);
  Prng prng(1);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(model.draw_spread_bps("BTCUSDT", kAsia, prng), 1.0);
    EXPECT_EQ(model.draw_slippage_bps("BTCUSDT", kAsia, prng), 0.5);
  }
}

TEST(CostModel, NoMetricsOrAnUnknownPairFallsBackToTheFixedFigures) {
  const ExecutionConfig c = config();
  const CostModel none(c, nullptr);
  EXPECT_TRUE(none.empirical());
  EXPECT_DOUBLE_EQ(none.worst_cost_bps("BTCUSDT", kAsia), c.worst_cost_per_side_bps());
  const ExecutionMetrics m = metrics();
  const CostModel model(c, &m);
  EXPECT_EQ(model.spread("XRPUSDT", kAsia).source, "fixed");
  EXPECT_DOUBLE_EQ(model.worst_cost_bps("XRPUSDT", kAsia), 5.0);
}

TEST(CostModel, SessionFigureThenThePairsAllThenFixed) {
  const ExecutionMetrics m = metrics();
  const CostModel model(config(), &m);
  // Asia has both figures of its own.
  EXPECT_EQ(model.spread("BTCUSDT", kAsia).source, "BTCUSDT quote_ticks asia");
  EXPECT_DOUBLE_EQ(model.p90_spread_bps("BTCUSDT", kAsia), 4);
  EXPECT_DOUBLE_EQ(model.p90_slippage_bps("BTCUSDT", kAsia), 2);
  EXPECT_DOUBLE_EQ(model.worst_cost_bps("BTCUSDT", kAsia), 4 / 2.0 + 2 + 4);
  // Europe has a spread but no slippage: slippage comes from the pair's all.
  EXPECT_EQ(model.spread("BTCUSDT", kEurope).source, "BTCUSDT quote_ticks europe");
  EXPECT_EQ(model.slippage("BTCUSDT", kEurope).source, "BTCUSDT quote_ticks all");
  EXPECT_DOUBLE_EQ(model.worst_cost_bps("BTCUSDT", kEurope), 6 / 2.0 + 3 + 4);
  // The US session has nothing: both from all.
  EXPECT_DOUBLE_EQ(model.worst_cost_bps("BTCUSDT", kUs), 5 / 2.0 + 3 + 4);
  // ETH has only a candle spread: slippage is the fixed 0.5.
  EXPECT_EQ(model.slippage("ETHUSDT", kUs).source, "fixed");
  EXPECT_DOUBLE_EQ(model.worst_cost_bps("ETHUSDT", kUs), 19 / 2.0 + 0.5 + 4);
}

TEST(CostModel, LognormalFittedToP50AndP90) {
  const CostFigure f{2.0, 6.0, 3.0, "test"};
  ASSERT_TRUE(f.lognormal());
  Prng prng(99);
  std::vector<double> draws;
  for (int i = 0; i < 40'000; ++i) draws.push_back(CostModel::draw(f, prng));
  std::sort(draws.begin(), draws.end());
  // Sample quantiles of 40,000 draws sit within a few percent of the fit.
  EXPECT_NEAR(draws[20'000], 2.0, 0.08);
  EXPECT_NEAR(draws[36'000], 6.0, 0.3);
  EXPECT_GT(draws.front(), 0.0);
  EXPECT_LE(draws.back(), CostModel::kMaxDrawOverP90 * 6.0);
}

TEST(CostModel, DegenerateFiguresAreTheirMeanAsAConstant) {
  Prng prng(5);
  const CostFigure flat{2.0, 2.0, 2.5, "p90 = p50"};
  const CostFigure zero{0.0, 3.0, 1.2, "p50 = 0"};
  EXPECT_FALSE(flat.lognormal());
  EXPECT_FALSE(zero.lognormal());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(CostModel::draw(flat, prng), 2.5);
    EXPECT_EQ(CostModel::draw(zero, prng), 1.2);
  }
  // The p90 of a constant is never below what it draws.
  EXPECT_EQ(CostModel::p90(flat), 2.5);
  EXPECT_EQ(CostModel::p90(zero), 3.0);
}

TEST(CostModel, TheSameStreamGivesTheSameDraws) {
  const ExecutionMetrics m = metrics();
  const CostModel model(config(), &m);
  Prng a = PrngStreams(7).stream("execution"), b = PrngStreams(7).stream("execution");
  Prng c = PrngStreams(8).stream("execution");
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const double x = model.draw_slippage_bps("BTCUSDT", kAsia, a);
    EXPECT_EQ(x, model.draw_slippage_bps("BTCUSDT", kAsia, b));
    differs |= x != model.draw_slippage_bps("BTCUSDT", kAsia, c);
  }
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace verity
