// Ports of fdlibm's __ieee754_exp and __ieee754_log.
//
// ====================================================
// Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
//
// Developed at SunSoft, a Sun Microsystems, Inc. business.
// Permission to use, copy, modify, and distribute this
// software is freely granted, provided that this notice
// is preserved.
// ====================================================
#include "actors/runtime/detmath.hpp"

#include <cstdint>
#include <cstring>
#include <limits>

namespace verity {

namespace {

std::uint32_t high_word(double x) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, 8);
  return static_cast<std::uint32_t>(bits >> 32);
}

std::uint32_t low_word(double x) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, 8);
  return static_cast<std::uint32_t>(bits);
}

double from_words(std::uint32_t hi, std::uint32_t lo) {
  const std::uint64_t bits = static_cast<std::uint64_t>(hi) << 32 | lo;
  double x;
  std::memcpy(&x, &bits, 8);
  return x;
}

double with_high_word(double x, std::uint32_t hi) { return from_words(hi, low_word(x)); }

// Keeps the compiler from folding or reordering a rounding step.
double strict(double x) {
  volatile double v = x;
  return v;
}

}  // namespace

double det_exp(double x) {
  constexpr double kOne = 1.0;
  constexpr double kHalf[2] = {0.5, -0.5};
  constexpr double kHuge = 1.0e+300;
  constexpr double kOverflow = 7.09782712893383973096e+02;
  constexpr double kUnderflow = -7.45133219101941108420e+02;
  constexpr double kLn2Hi[2] = {6.93147180369123816490e-01, -6.93147180369123816490e-01};
  constexpr double kLn2Lo[2] = {1.90821492927058770002e-10, -1.90821492927058770002e-10};
  constexpr double kInvLn2 = 1.44269504088896338700e+00;
  constexpr double kP1 = 1.66666666666666019037e-01;
  constexpr double kP2 = -2.77777777770155933842e-03;
  constexpr double kP3 = 6.61375632143793436117e-05;
  constexpr double kP4 = -1.65339022054652515390e-06;
  constexpr double kP5 = 4.13813679705723846039e-08;
  constexpr double kTwoM1000 = 9.33263618503218878990e-302;

  double hi = 0.0, lo = 0.0;
  int k = 0;
  std::uint32_t hx = high_word(x);
  const int xsb = static_cast<int>((hx >> 31) & 1);
  hx &= 0x7fffffff;

  if (hx >= 0x40862E42) {  // |x| >= 709.78...
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | low_word(x)) != 0) return x + x;  // NaN
      return xsb == 0 ? x : 0.0;                               // exp(+-inf) = {inf, 0}
    }
    if (x > kOverflow) return std::numeric_limits<double>::infinity();
    if (x < kUnderflow) return strict(kTwoM1000 * kTwoM1000);
  }

  if (hx > 0x3fd62e42) {    // |x| > 0.5 ln2
    if (hx < 0x3FF0A2B2) {  // and |x| < 1.5 ln2
      hi = x - kLn2Hi[xsb];
      lo = kLn2Lo[xsb];
      k = 1 - xsb - xsb;
    } else {
      k = static_cast<int>(kInvLn2 * x + kHalf[xsb]);
      const double t = k;
      hi = x - t * kLn2Hi[0];  // exact: t*ln2hi has few significant bits
      lo = t * kLn2Lo[0];
    }
    x = strict(hi - lo);
  } else if (hx < 0x3e300000) {  // |x| < 2**-28
    if (kHuge + x > kOne) return kOne + x;
  } else {
    k = 0;
  }

  const double t = x * x;
  const double twopk = k >= -1021 ? from_words(static_cast<std::uint32_t>(0x3ff00000 + (k << 20)), 0)
                                  : from_words(static_cast<std::uint32_t>(0x3ff00000 + ((k + 1000) << 20)), 0);
  const double c = x - t * (kP1 + t * (kP2 + t * (kP3 + t * (kP4 + t * kP5))));
  if (k == 0) return kOne - ((x * c) / (c - 2.0) - x);
  const double y = kOne - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * 0x1p1023;
    return y * twopk;
  }
  return y * twopk * kTwoM1000;
}

double det_log(double x) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kTwo54 = 1.80143985094819840000e+16;
  constexpr double kLg1 = 6.666666666666735130e-01;
  constexpr double kLg2 = 3.999999999940941908e-01;
  constexpr double kLg3 = 2.857142874366239149e-01;
  constexpr double kLg4 = 2.222219843214978396e-01;
  constexpr double kLg5 = 1.818357216161805012e-01;
  constexpr double kLg6 = 1.531383769920937332e-01;
  constexpr double kLg7 = 1.479819860511658591e-01;

  std::int32_t hx = static_cast<std::int32_t>(high_word(x));
  const std::uint32_t lx = low_word(x);
  std::int32_t k = 0;
  if (hx < 0x00100000) {  // x < 2**-1022
    if (((hx & 0x7fffffff) | static_cast<std::int32_t>(lx)) == 0) return -std::numeric_limits<double>::infinity();
    if (hx < 0) return std::numeric_limits<double>::quiet_NaN();  // log(negative)
    k -= 54;
    x *= kTwo54;  // subnormal: scale up
    hx = static_cast<std::int32_t>(high_word(x));
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  std::int32_t i = (hx + 0x95f64) & 0x100000;
  x = with_high_word(x, static_cast<std::uint32_t>(hx | (i ^ 0x3ff00000)));  // normalize x or x/2
  k += (i >> 20);
  const double f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) {  // -2**-20 <= f < 2**-20
    if (f == 0.0) {
      if (k == 0) return 0.0;
      const double dk = k;
      return dk * kLn2Hi + dk * kLn2Lo;
    }
    const double r = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - r;
    const double dk = k;
    return dk * kLn2Hi - ((r - dk * kLn2Lo) - f);
  }
  const double s = f / (2.0 + f);
  const double dk = k;
  const double z = s * s;
  i = hx - 0x6147a;
  const double w = z * z;
  const std::int32_t j = 0x6b851 - hx;
  const double t1 = w * (kLg2 + w * (kLg4 + w * kLg6));
  const double t2 = z * (kLg1 + w * (kLg3 + w * (kLg5 + w * kLg7)));
  i |= j;
  const double r = t2 + t1;
  if (i > 0) {
    const double hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + r));
    return dk * kLn2Hi - ((hfsq - (s * (hfsq + r) + dk * kLn2Lo)) - f);
  }
  if (k == 0) return f - s * (f - r);
  return dk * kLn2Hi - ((s * (f - r) - dk * kLn2Lo) - f);
}

}  // namespace verity
