#include "actors/runtime/detmath.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "actors/runtime/prng.hpp"

namespace verity {
namespace {

std::int64_t ulps_apart(double a, double b) {
  std::int64_t x, y;
  std::memcpy(&x, &a, 8);
  std::memcpy(&y, &b, 8);
  return x > y ? x - y : y - x;
}

TEST(DetMath, ExpWithinOneUlpOfLibm) {
  Prng prng(1);
  for (int i = 0; i < 200'000; ++i) {
    const double x = (prng.uniform01() * 2 - 1) * std::ldexp(1.0, static_cast<int>(prng.below(20)) - 10) * 50;
    ASSERT_LE(ulps_apart(det_exp(x), std::exp(x)), 1) << "x = " << x;
  }
}

TEST(DetMath, LogWithinOneUlpOfLibm) {
  Prng prng(2);
  for (int i = 0; i < 200'000; ++i) {
    const double x = std::ldexp(prng.uniform01() + 1e-300, static_cast<int>(prng.below(200)) - 100);
    ASSERT_LE(ulps_apart(det_log(x), std::log(x)), 1) << "x = " << x;
  }
}

TEST(DetMath, SpecialValues) {
  EXPECT_EQ(det_exp(0.0), 1.0);
  EXPECT_EQ(det_log(1.0), 0.0);
  EXPECT_EQ(det_exp(-1000.0), 0.0);
  EXPECT_TRUE(std::isinf(det_exp(1000.0)));
  EXPECT_TRUE(std::isinf(det_exp(std::numeric_limits<double>::infinity())));
  EXPECT_EQ(det_exp(-std::numeric_limits<double>::infinity()), 0.0);
  EXPECT_TRUE(std::isnan(det_exp(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_TRUE(std::isinf(det_log(0.0)));
  EXPECT_LT(det_log(0.0), 0.0);
  EXPECT_TRUE(std::isnan(det_log(-1.0)));
  EXPECT_TRUE(std::isinf(det_log(std::numeric_limits<double>::infinity())));
  EXPECT_NEAR(det_log(std::numeric_limits<double>::denorm_min()), -744.4400719213812, 1e-9);
}

TEST(DetMath, KnownBitsNeverChange) {
  // These are the function's contract across machines: pinned bit patterns.
  // fdlibm is within 1 ulp, not correctly rounded: exp(1) lands one ulp above
  // the double nearest e (0x1.5bf0a8b145769p+1), and that is the contract.
  EXPECT_EQ(det_exp(1.0), 0x1.5bf0a8b14576ap+1);
  EXPECT_EQ(det_log(10.0), 0x1.26bb1bbb55516p+1);
  EXPECT_EQ(det_exp(-0.5), 0x1.368b2fc6f960ap-1);
}

std::uint64_t bits_of(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, 8);
  return b;
}

// The batch functions are the scalar ones, bit for bit: on the vector path
// (this machine has AVX2), on groups that fall back, and in the tail.
TEST(DetMath, BatchesGiveTheScalarBits) {
  std::vector<double> x = {0.0, -0.0, 1e-300, 3.7e-9, -3.7e-9, 0x1p-28, -0x1p-28, 0x1.62e42p-2, -0x1.62e42p-2,
                           0.3465, 0.35, -0.5, 1.0, 2.0, 10.0, 700.0, 709.9, -746.0, 1e-310,
                           std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::quiet_NaN(), 1.0 + 0x1p-21, 1.0 - 0x1p-22, 0.5, 0.999999};
  Prng prng(77, 3);
  for (int i = 0; i < 400'000; ++i) x.push_back((prng.uniform01() - 0.5) * 0.02);  // sub-step moves
  for (int i = 0; i < 400'000; ++i) x.push_back(prng.uniform01());                 // polar s in (0, 1)
  for (int i = 0; i < 200'000; ++i) x.push_back((prng.uniform01() - 0.5) * 1400.0);
  for (int i = 0; i < 200'000; ++i) x.push_back(std::ldexp(prng.uniform01(), static_cast<int>(prng.below(2000)) - 1000));
  std::vector<double> e(x.size()), l(x.size());
  det_exp_n(x.data(), e.data(), x.size());
  det_log_n(x.data(), l.data(), x.size());
  std::size_t exp_diff = 0, log_diff = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    exp_diff += bits_of(e[i]) != bits_of(det_exp(x[i])) && !(std::isnan(e[i]) && std::isnan(det_exp(x[i])));
    log_diff += bits_of(l[i]) != bits_of(det_log(x[i])) && !(std::isnan(l[i]) && std::isnan(det_log(x[i])));
  }
  EXPECT_EQ(exp_diff, 0u);
  EXPECT_EQ(log_diff, 0u);
  // Odd lengths: the tail runs one by one.
  double three[3];
  det_exp_n(x.data() + 40, three, 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(bits_of(three[i]), bits_of(det_exp(x[40 + i])));
}

// Draws 2,000 batches of random lengths up to `most` with `batch(prng, out,
// n)` from one stream and the same values one at a time with `one(prng)`
// from a twin: the bits must agree, and the streams end in the same state.
template <class Batch, class One>
void expect_batches_are_one_by_one(std::size_t most, Batch batch, One one) {
  Prng by_batch(5, 9), by_one(5, 9);
  Prng lengths(11, 2);
  std::vector<double> out(most);
  for (int round = 0; round < 2'000; ++round) {
    const std::size_t n = static_cast<std::size_t>(lengths.below(most + 1));
    batch(by_batch, out.data(), n);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(bits_of(out[i]), bits_of(one(by_one))) << "round " << round;
  }
  EXPECT_EQ(bits_of(one(by_one)), bits_of(one(by_batch)));
  EXPECT_EQ(by_one.next_u64(), by_batch.next_u64());
}

// uniforms(n) is n calls of uniform01(), whatever n is modulo the four
// states it draws at once.
TEST(DetMath, UniformsInABatchAreTheOneByOneUniforms) {
  expect_batches_are_one_by_one(
      70, [](Prng& p, double* out, std::size_t n) { p.uniforms(out, n); }, [](Prng& p) { return p.uniform01(); });
}

// normals(n) is n calls of normal(): the same values and the same state
// after, whatever the spare and the parity of n.
TEST(DetMath, NormalsInABatchAreTheOneByOneNormals) {
  expect_batches_are_one_by_one(
      64, [](Prng& p, double* out, std::size_t n) { p.normals(out, n); }, [](Prng& p) { return p.normal(); });
}

}  // namespace
}  // namespace verity
