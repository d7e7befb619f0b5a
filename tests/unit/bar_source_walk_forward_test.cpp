// Merging bar sources deterministically, and walk-forward splits.
#include <gtest/gtest.h>

#include "sim/bar_source.hpp"
#include "sim/walk_forward.hpp"

namespace verity {
namespace {

constexpr std::int64_t kMinute = 60'000'000'000;
constexpr std::int64_t kDay = 1440 * kMinute;

std::vector<BarData> series(const std::string& symbol, std::int64_t start, std::int64_t interval, int count) {
  std::vector<BarData> out;
  for (int i = 0; i < count; ++i) {
    BarData b;
    b.symbol = symbol;
    b.open_time_ns = start + i * interval;
    b.interval_ns = interval;
    b.open = b.high = b.low = b.close = 1 + i;
    out.push_back(b);
  }
  return out;
}

std::vector<std::unique_ptr<BarSource>> sources(std::vector<std::vector<BarData>> all) {
  std::vector<std::unique_ptr<BarSource>> out;
  for (auto& bars : all) {
    const std::string name = bars.empty() ? "empty" : bars.front().symbol;
    out.push_back(std::make_unique<VectorBarSource>(std::move(bars), name));
  }
  return out;
}

TEST(MergedBarSource, OrdersByCloseTimeThenSymbolThenSource) {
  // ETH and BTC share every close time; SOL's 5m bars close with every fifth.
  MergedBarSource merged(sources({series("ETH", 0, kMinute, 10), series("BTC", 0, kMinute, 10),
                                  series("SOL", 0, 5 * kMinute, 2)}));
  std::vector<std::pair<std::int64_t, std::string>> got;
  while (auto b = merged.next()) got.emplace_back(close_time_ns(*b), b->symbol);
  ASSERT_EQ(got.size(), 22u);
  EXPECT_TRUE(std::is_sorted(got.begin(), got.end()));  // time, then symbol
  EXPECT_EQ(got[0], std::make_pair(kMinute, std::string("BTC")));
  EXPECT_EQ(got[1], std::make_pair(kMinute, std::string("ETH")));
  // At 5 minutes, BTC, ETH and SOL all close: alphabetical.
  EXPECT_EQ(got[8].second, "BTC");
  EXPECT_EQ(got[9].second, "ETH");
  EXPECT_EQ(got[10].second, "SOL");
  EXPECT_EQ(merged.describe(), "merge(ETH,BTC,SOL)");
}

TEST(MergedBarSource, TheOrderDoesNotDependOnTheOrderOfSources) {
  auto run = [](std::vector<std::vector<BarData>> all) {
    MergedBarSource m(sources(std::move(all)));
    std::vector<std::pair<std::int64_t, std::string>> out;
    while (auto b = m.next()) out.emplace_back(b->open_time_ns, b->symbol);
    return out;
  };
  const auto a = series("A", 0, kMinute, 50), b = series("B", 30 * 1'000'000'000LL, kMinute, 50);
  EXPECT_EQ(run({a, b}), run({b, a}));
}

TEST(MergedBarSource, HandlesEmptySources) {
  MergedBarSource none(sources({}));
  EXPECT_FALSE(none.next().has_value());
  MergedBarSource some(sources({{}, series("A", 0, kMinute, 3), {}}));
  int n = 0;
  while (some.next()) ++n;
  EXPECT_EQ(n, 3);
}

TEST(WalkForward, RollingFoldsKeepTheirLengthAndRespectTheEmbargo) {
  WalkForwardPlan p;
  p.start_ns = 0;
  p.end_ns = 100 * kDay;
  p.train_ns = 30 * kDay;
  p.validation_ns = 5 * kDay;
  p.test_ns = 10 * kDay;
  p.embargo_ns = kDay;
  auto folds = walk_forward(p);
  ASSERT_TRUE(folds.has_value()) << folds.error();
  // 30 + 1 + 5 + 1 + 10 = 47 days for the first; each next one 10 days on.
  ASSERT_EQ(folds->size(), 6u);
  for (std::size_t i = 0; i < folds->size(); ++i) {
    const Fold& f = (*folds)[i];
    EXPECT_EQ(f.train.length_ns(), 30 * kDay);
    EXPECT_EQ(f.validation.start_ns - f.train.end_ns, kDay);
    EXPECT_EQ(f.test.start_ns - f.validation.end_ns, kDay);
    EXPECT_LE(f.test.end_ns, p.end_ns);
    if (i > 0) {
      EXPECT_EQ(f.test.start_ns - (*folds)[i - 1].test.start_ns, 10 * kDay);
      EXPECT_GE(f.test.start_ns, (*folds)[i - 1].test.end_ns);  // test windows never overlap
    }
  }
}

TEST(WalkForward, ExpandingFoldsKeepTheirStart) {
  WalkForwardPlan p;
  p.start_ns = 7;
  p.end_ns = 7 + 60 * kDay;
  p.train_ns = 20 * kDay;
  p.test_ns = 10 * kDay;
  p.mode = WalkForwardMode::expanding;
  auto folds = walk_forward(p);
  ASSERT_TRUE(folds.has_value());
  ASSERT_EQ(folds->size(), 4u);
  for (std::size_t i = 0; i < folds->size(); ++i) {
    const Fold& f = (*folds)[i];
    EXPECT_EQ(f.train.start_ns, 7);
    EXPECT_EQ(f.train.length_ns(), (20 + 10 * static_cast<std::int64_t>(i)) * kDay);
    EXPECT_EQ(f.validation.length_ns(), 0);
    EXPECT_EQ(f.test.start_ns, f.train.end_ns);  // no validation, no embargo: adjacent
  }
}

TEST(WalkForward, BadPlansAreErrorsNamingTheField) {
  WalkForwardPlan p;
  p.start_ns = 0;
  p.end_ns = 10 * kDay;
  p.train_ns = 5 * kDay;
  p.test_ns = 10 * kDay;
  auto too_short = walk_forward(p);
  ASSERT_FALSE(too_short.has_value());
  EXPECT_NE(too_short.error().find("too short"), std::string::npos);
  p.test_ns = 0;
  EXPECT_NE(walk_forward(p).error().find("test length"), std::string::npos);
  p.test_ns = kDay;
  p.embargo_ns = -1;
  EXPECT_NE(walk_forward(p).error().find("embargo"), std::string::npos);
}

}  // namespace
}  // namespace verity
