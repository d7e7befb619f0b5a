// Resampling against an independent aggregation, and the stream/batch forms
// agreeing.
#include "actors/feed/resample.hpp"

#include <gtest/gtest.h>

#include <map>

#include "actors/runtime/prng.hpp"

namespace verity {
namespace {

constexpr std::int64_t kMinute = 60'000'000'000;
constexpr std::int64_t kDay0 = 1'704'067'200'000'000'000;  // 2024-01-01T00:00:00Z

/// Random valid 1m bars with gaps: `count` bars, some minutes skipped.
std::vector<BarData> random_minutes(std::uint64_t seed, std::size_t count, double gap_probability) {
  Prng prng(seed);
  std::vector<BarData> out;
  std::int64_t t = kDay0 + static_cast<std::int64_t>(prng.below(90)) * kMinute;  // not bucket-aligned
  double price = 100;
  while (out.size() < count) {
    if (prng.bernoulli(gap_probability)) {
      t += kMinute * static_cast<std::int64_t>(1 + prng.below(30));
      continue;
    }
    BarData b;
    b.symbol = "BTC";
    b.open_time_ns = t;
    b.interval_ns = kMinute;
    b.open = price;
    price *= 1 + (prng.uniform01() - 0.5) * 0.01;
    b.close = price;
    b.high = std::max(b.open, b.close) * (1 + prng.uniform01() * 0.002);
    b.low = std::min(b.open, b.close) * (1 - prng.uniform01() * 0.002);
    b.volume = prng.uniform01() * 10;
    out.push_back(b);
    t += kMinute;
  }
  return out;
}

/// The reference: group by integer division of the open time, then fold.
std::map<std::int64_t, std::vector<BarData>> group(const std::vector<BarData>& bars, std::int64_t len) {
  std::map<std::int64_t, std::vector<BarData>> groups;
  for (const auto& b : bars) groups[b.open_time_ns - b.open_time_ns % len].push_back(b);
  return groups;
}

TEST(Resample, MatchesAnIndependentAggregationForEveryTimeframe) {
  const auto minutes = random_minutes(7, 20'000, 0.01);
  for (Timeframe tf : {Timeframe::m5, Timeframe::m15, Timeframe::h1, Timeframe::h4, Timeframe::d1}) {
    auto got = resample(minutes, tf);
    ASSERT_TRUE(got.has_value()) << got.error();
    const auto groups = group(minutes, timeframe_ns(tf));
    ASSERT_EQ(got->size(), groups.size()) << timeframe_name(tf);
    std::size_t i = 0;
    for (const auto& [start, members] : groups) {
      const ResampledBar& r = (*got)[i++];
      EXPECT_EQ(r.bar.open_time_ns, start);
      EXPECT_EQ(r.bar.interval_ns, timeframe_ns(tf));
      EXPECT_EQ(r.bar.open, members.front().open);
      EXPECT_EQ(r.bar.close, members.back().close);
      double high = members.front().high, low = members.front().low, volume = 0;
      for (const auto& m : members) {
        high = std::max(high, m.high);
        low = std::min(low, m.low);
        volume += m.volume;  // same order as the resampler: bit-for-bit equal
      }
      EXPECT_EQ(r.bar.high, high);
      EXPECT_EQ(r.bar.low, low);
      EXPECT_EQ(r.bar.volume, volume);
      EXPECT_EQ(r.bars, members.size());
      EXPECT_EQ(r.expected, timeframe_ns(tf) / kMinute);
      EXPECT_EQ(r.partial(), members.size() < static_cast<std::size_t>(timeframe_ns(tf) / kMinute));
    }
  }
}

TEST(Resample, BucketsAreAlignedToUtc) {
  std::vector<BarData> bars;
  // 2024-01-01 03:58 .. 04:02 UTC: two 4h buckets (00:00 and 04:00), and the
  // 1d bucket starts at 00:00 UTC.
  for (int m = 0; m < 5; ++m) {
    BarData b;
    b.symbol = "X";
    b.open_time_ns = kDay0 + (3 * 60 + 58 + m) * kMinute;
    b.interval_ns = kMinute;
    b.open = b.high = b.low = b.close = 100 + m;
    b.volume = 1;
    bars.push_back(b);
  }
  auto h4 = resample(bars, Timeframe::h4);
  ASSERT_TRUE(h4.has_value());
  ASSERT_EQ(h4->size(), 2u);
  EXPECT_EQ((*h4)[0].bar.open_time_ns, kDay0);
  EXPECT_EQ((*h4)[1].bar.open_time_ns, kDay0 + 4 * 60 * kMinute);
  EXPECT_EQ((*h4)[0].bars, 2u);
  EXPECT_TRUE((*h4)[0].partial());
  auto d1 = resample(bars, Timeframe::d1);
  ASSERT_EQ(d1->size(), 1u);
  EXPECT_EQ((*d1)[0].bar.open_time_ns, kDay0);
  EXPECT_EQ((*d1)[0].bar.open, 100);
  EXPECT_EQ((*d1)[0].bar.close, 104);
  EXPECT_EQ((*d1)[0].bar.volume, 5);
  EXPECT_EQ((*d1)[0].expected, 1440u);
}

TEST(Resample, AFullBucketIsNotPartial) {
  std::vector<BarData> bars;
  for (int m = 0; m < 15; ++m) {
    BarData b;
    b.symbol = "X";
    b.open_time_ns = kDay0 + m * kMinute;
    b.interval_ns = kMinute;
    b.open = b.high = b.low = b.close = 1;
    bars.push_back(b);
  }
  auto m15 = resample(bars, Timeframe::m15);
  ASSERT_EQ(m15->size(), 1u);
  EXPECT_FALSE((*m15)[0].partial());
  auto m5 = resample(bars, Timeframe::m5);
  ASSERT_EQ(m5->size(), 3u);
  for (const auto& r : *m5) EXPECT_FALSE(r.partial());
}

TEST(Resample, StreamingAndBatchAgree) {
  const auto minutes = random_minutes(11, 5'000, 0.02);
  auto batch = resample(minutes, Timeframe::h1);
  ASSERT_TRUE(batch.has_value());
  Resampler stream(Timeframe::h1, kMinute);
  std::vector<ResampledBar> streamed;
  for (const auto& b : minutes) {
    if (auto closed = stream.add(b)) streamed.push_back(*closed);
  }
  if (auto last = stream.flush()) streamed.push_back(*last);
  ASSERT_EQ(streamed.size(), batch->size());
  for (std::size_t i = 0; i < streamed.size(); ++i) {
    EXPECT_EQ(streamed[i].bar.open_time_ns, (*batch)[i].bar.open_time_ns);
    EXPECT_EQ(streamed[i].bar.volume, (*batch)[i].bar.volume);
    EXPECT_EQ(streamed[i].bars, (*batch)[i].bars);
  }
}

TEST(Resample, RefusesUnsortedMixedOrNonDividingInput) {
  auto bars = random_minutes(3, 10, 0);
  std::swap(bars[3], bars[4]);
  auto unsorted = resample(bars, Timeframe::m5);
  ASSERT_FALSE(unsorted.has_value());
  EXPECT_NE(unsorted.error().find("bar 5"), std::string::npos) << unsorted.error();

  auto mixed = random_minutes(3, 10, 0);
  mixed[2].interval_ns = 2 * kMinute;
  EXPECT_FALSE(resample(mixed, Timeframe::m5).has_value());

  auto other = random_minutes(3, 10, 0);
  other[6].symbol = "ETH";
  EXPECT_FALSE(resample(other, Timeframe::m5).has_value());

  auto seven = random_minutes(3, 10, 0);
  for (auto& b : seven) b.interval_ns = 7 * kMinute;
  EXPECT_FALSE(resample(seven, Timeframe::m15).has_value());

  EXPECT_TRUE(resample({}, Timeframe::h1)->empty());
}

}  // namespace
}  // namespace verity
