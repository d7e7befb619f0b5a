// Seeded randomness: streams are reproducible from their seed and name,
// streams with different names or roots are independent, and the integer
// and float draws stay in their ranges. A unit test pins the first outputs
// to literal values, because every recorded session's final hash depends on
// them: any change to the generator must be a deliberate, visible one.
#include "actors/runtime/prng.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

namespace verity {
namespace {

constexpr int kDraws = 1000;

std::vector<std::uint64_t> draws(Prng p, int n = kDraws) {
  std::vector<std::uint64_t> out(static_cast<std::size_t>(n));
  for (auto& v : out) v = p.next_u64();
  return out;
}

/// Pearson correlation of the two streams' uniform draws.
double correlation(Prng a, Prng b, int n = kDraws) {
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (int i = 0; i < n; ++i) {
    const double x = a.uniform01(), y = b.uniform01();
    sa += x;
    sb += y;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
  }
  const double cov = sab / n - (sa / n) * (sb / n);
  const double va = saa / n - (sa / n) * (sa / n);
  const double vb = sbb / n - (sb / n) * (sb / n);
  return cov / std::sqrt(va * vb);
}

/// Two streams are independent here when no draw of one appears anywhere in
/// the other (which also rules out one being the other shifted), no position
/// agrees, and their uniform draws are uncorrelated. For 1,000 draws |r|
/// has a standard deviation near 0.032, so 0.2 is more than six of them.
void assert_independent(const Prng& a, const Prng& b) {
  const auto xs = draws(a), ys = draws(b);
  const std::set<std::uint64_t> seen(xs.begin(), xs.end());
  int shared = 0;
  for (auto y : ys) shared += seen.count(y) > 0 ? 1 : 0;
  RC_ASSERT(shared == 0);
  RC_ASSERT(xs != ys);
  RC_ASSERT(std::abs(correlation(a, b)) < 0.2);
}

RC_GTEST_PROP(PrngProp, SameSeedAndStreamGiveTheSameSequence, (std::uint64_t seed, std::uint64_t stream)) {
  Prng a(seed, stream), b(seed, stream);
  // Every kind of draw, interleaved, so a hidden state (the spare normal)
  // is covered too.
  for (int i = 0; i < 200; ++i) {
    RC_ASSERT(a.next_u64() == b.next_u64());
    RC_ASSERT(std::bit_cast<std::uint64_t>(a.uniform01()) == std::bit_cast<std::uint64_t>(b.uniform01()));
    RC_ASSERT(a.below(1000) == b.below(1000));
    RC_ASSERT(a.range(-50, 50) == b.range(-50, 50));
    RC_ASSERT(std::bit_cast<std::uint64_t>(a.normal()) == std::bit_cast<std::uint64_t>(b.normal()));
  }
}

RC_GTEST_PROP(PrngProp, SameRootAndNameGiveTheSameStream, (std::uint64_t root, std::string name)) {
  const PrngStreams one(root), two(root);
  RC_ASSERT(one.root_seed() == root);
  RC_ASSERT(draws(one.stream(name), 200) == draws(two.stream(name), 200));
}

RC_GTEST_PROP(PrngProp, DifferentNamesGiveIndependentStreams, (std::uint64_t root, std::string name)) {
  const auto other = *rc::gen::distinctFrom(rc::gen::arbitrary<std::string>(), name);
  const PrngStreams streams(root);
  assert_independent(streams.stream(name), streams.stream(other));
}

RC_GTEST_PROP(PrngProp, DifferentRootsGiveIndependentStreams, (std::uint64_t root, std::string name)) {
  const auto other = *rc::gen::distinctFrom(rc::gen::arbitrary<std::uint64_t>(), root);
  assert_independent(PrngStreams(root).stream(name), PrngStreams(other).stream(name));
}

RC_GTEST_PROP(PrngProp, NeighbouringSeedsAndStreamsAreIndependent, (std::uint64_t seed, std::uint64_t stream)) {
  // Seeds and stream ids one apart are the likeliest to be correlated if
  // the seeding were weak (SplitMix64 is there to prevent it).
  assert_independent(Prng(seed, stream), Prng(seed + 1, stream));
  assert_independent(Prng(seed, stream), Prng(seed, stream + 1));
  assert_independent(Prng(seed, stream), Prng(seed ^ 0x8000'0000'0000'0000ULL, stream));
}

RC_GTEST_PROP(PrngProp, BelowIsAlwaysBelowN, (std::uint64_t seed)) {
  // Small bounds, powers of two and bounds near 2^64, where a biased or
  // off-by-one reduction would show.
  const auto n = *rc::gen::oneOf(
      rc::gen::inRange<std::uint64_t>(1, 100),
      rc::gen::map(rc::gen::inRange(0, 64), [](int k) { return std::uint64_t{1} << k; }),
      rc::gen::map(rc::gen::inRange<std::uint64_t>(0, 1000), [](std::uint64_t k) { return UINT64_MAX - k; }),
      rc::gen::suchThat(rc::gen::arbitrary<std::uint64_t>(), [](std::uint64_t v) { return v > 0; }));
  Prng p(seed);
  for (int i = 0; i < 200; ++i) RC_ASSERT(p.below(n) < n);
  Prng one(seed);
  for (int i = 0; i < 20; ++i) RC_ASSERT(one.below(1) == 0u);
}

RC_GTEST_PROP(PrngProp, RangeStaysWithinItsBounds, (std::uint64_t seed, std::int64_t x, std::int64_t y)) {
  const std::int64_t lo = std::min(x, y), hi = std::max(x, y);
  Prng p(seed);
  for (int i = 0; i < 200; ++i) {
    const std::int64_t v = p.range(lo, hi);
    RC_ASSERT(v >= lo);
    RC_ASSERT(v <= hi);
  }
  // The full int64 range and a single value are the edge cases of the span.
  for (int i = 0; i < 20; ++i) {
    (void)p.range(std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
    RC_ASSERT(p.range(x, x) == x);
  }
}

RC_GTEST_PROP(PrngProp, Uniform01IsInTheHalfOpenUnitInterval, (std::uint64_t seed, std::uint64_t stream)) {
  Prng p(seed, stream);
  for (int i = 0; i < kDraws; ++i) {
    const double u = p.uniform01();
    RC_ASSERT(u >= 0.0);
    RC_ASSERT(u < 1.0);
  }
}

RC_GTEST_PROP(PrngProp, NormalIsFinite, (std::uint64_t seed)) {
  Prng p(seed);
  for (int i = 0; i < kDraws; ++i) RC_ASSERT(std::isfinite(p.normal()));
}

// ---- fixed-seed facts --------------------------------------------------------

TEST(Prng, FirstOutputsArePinned) {
  // Printed once from this implementation and written down. If this fails,
  // every recorded session's final hash changes: bump the journal format or
  // revert the generator change.
  Prng p(42);
  const std::array<std::uint64_t, 5> expected = {0xd72230cccc669021ULL, 0x11e6a9ecff1f11b6ULL, 0xefbe6f4f71e1d517ULL,
                                                 0xc24937040cf61cb3ULL, 0x44a9f7df61f24009ULL};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const std::uint64_t v = p.next_u64();
    EXPECT_EQ(v, expected[i]) << "draw " << i << " was 0x" << std::hex << v;
  }
}

TEST(Prng, FirstNamedStreamOutputsArePinned) {
  Prng p = PrngStreams(42).stream("x");
  const std::array<std::uint64_t, 5> expected = {0x257004f646f4ad76ULL, 0xe9668cc95b3b83f9ULL, 0x072d774c82467500ULL,
                                                 0x15fdf31f2b2a331aULL, 0xfffb721e790b27ddULL};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const std::uint64_t v = p.next_u64();
    EXPECT_EQ(v, expected[i]) << "draw " << i << " was 0x" << std::hex << v;
  }
}

TEST(Prng, FirstDistributionOutputsArePinned) {
  // The distributions are ours, not the standard library's, so their first
  // values are pinned too; doubles by their bits.
  Prng p(42, 7);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(p.uniform01()), 0x3feefb18fd47309aULL);  // 0.968151564296494
  EXPECT_EQ(p.below(10), 3u);
  EXPECT_EQ(p.range(-5, 5), 0);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(p.normal()), 0xbff52c764e18ec63ULL);  // -1.3233550120046622
  EXPECT_EQ(std::bit_cast<std::uint64_t>(p.normal()), 0x3ff4f15f3cb009bfULL);  // 1.3089287157641676, the spare
}

TEST(Prng, SplitMix64MatchesTheReferenceValues) {
  // The reference implementation (Vigna) from state 0 gives these values.
  std::uint64_t state = 0;
  EXPECT_EQ(splitmix64(state), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(splitmix64(state), 0x6E789E6AA1B965F4ULL);
  EXPECT_EQ(splitmix64(state), 0x06C45D188009454FULL);
  EXPECT_EQ(state, 3 * 0x9E3779B97F4A7C15ULL);
}

TEST(Prng, BelowIsEvenOverSmallBounds) {
  // Fixed seed, so this is a fact about the code, not a flaky statistic:
  // 100,000 draws over 10 buckets, each within five standard deviations.
  Prng p(1);
  std::array<int, 10> counts{};
  for (int i = 0; i < 100'000; ++i) counts[p.below(10)] += 1;
  for (int c : counts) {
    EXPECT_GT(c, 9'525);
    EXPECT_LT(c, 10'475);
  }
}

TEST(Prng, Uniform01AndNormalHaveTheirMoments) {
  Prng p(2);
  constexpr int n = 100'000;
  double sum_u = 0, sum_z = 0, sum_zz = 0;
  for (int i = 0; i < n; ++i) {
    sum_u += p.uniform01();
    const double z = p.normal();
    sum_z += z;
    sum_zz += z * z;
  }
  EXPECT_NEAR(sum_u / n, 0.5, 0.005);
  EXPECT_NEAR(sum_z / n, 0.0, 0.02);
  EXPECT_NEAR(sum_zz / n, 1.0, 0.03);
}

}  // namespace
}  // namespace verity
