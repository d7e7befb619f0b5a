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

#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>

#include <immintrin.h>

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

// The polynomials, shared by the scalar functions and their vector paths.
constexpr double kP1 = 1.66666666666666019037e-01;
constexpr double kP2 = -2.77777777770155933842e-03;
constexpr double kP3 = 6.61375632143793436117e-05;
constexpr double kP4 = -1.65339022054652515390e-06;
constexpr double kP5 = 4.13813679705723846039e-08;
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kLg1 = 6.666666666666735130e-01;
constexpr double kLg2 = 3.999999999940941908e-01;
constexpr double kLg3 = 2.857142874366239149e-01;
constexpr double kLg4 = 2.222219843214978396e-01;
constexpr double kLg5 = 1.818357216161805012e-01;
constexpr double kLg6 = 1.531383769920937332e-01;
constexpr double kLg7 = 1.479819860511658591e-01;

}  // namespace

double det_exp(double x) {
  constexpr double kOne = 1.0;
  constexpr double kHalf[2] = {0.5, -0.5};
  constexpr double kHuge = 1.0e+300;
  constexpr double kOverflow = 7.09782712893383973096e+02;
  constexpr double kUnderflow = -7.45133219101941108420e+02;
  constexpr double kLn2HiSigned[2] = {kLn2Hi, -kLn2Hi};
  constexpr double kLn2LoSigned[2] = {kLn2Lo, -kLn2Lo};
  constexpr double kInvLn2 = 1.44269504088896338700e+00;
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
      hi = x - kLn2HiSigned[xsb];
      lo = kLn2LoSigned[xsb];
      k = 1 - xsb - xsb;
    } else {
      k = static_cast<int>(kInvLn2 * x + kHalf[xsb]);
      const double t = k;
      hi = x - t * kLn2HiSigned[0];  // exact: t*ln2hi has few significant bits
      lo = t * kLn2LoSigned[0];
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
  constexpr double kTwo54 = 1.80143985094819840000e+16;

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

namespace {

// det_exp's path for 2**-28 <= |x| <= 0.5 ln2 (k = 0): the generator's
// sub-step moves all land there. These bounds are the high words it tests.
constexpr double kExpSmallLo = std::bit_cast<double>(std::uint64_t{0x3e300000} << 32);
constexpr double kExpSmallHi = std::bit_cast<double>(std::uint64_t{0x3fd62e43} << 32);

[[gnu::target("avx2")]] void det_exp_n_avx2(const double* x, double* out, std::size_t n) {
  const __m256d abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
  const __m256d lo = _mm256_set1_pd(kExpSmallLo), hi = _mm256_set1_pd(kExpSmallHi);
  const __m256d one = _mm256_set1_pd(1.0), two = _mm256_set1_pd(2.0);
  const __m256d p1 = _mm256_set1_pd(kP1), p2 = _mm256_set1_pd(kP2), p3 = _mm256_set1_pd(kP3);
  const __m256d p4 = _mm256_set1_pd(kP4), p5 = _mm256_set1_pd(kP5);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d v = _mm256_loadu_pd(x + i);
    const __m256d a = _mm256_and_pd(v, abs_mask);
    const __m256d in = _mm256_and_pd(_mm256_cmp_pd(a, lo, _CMP_GE_OQ), _mm256_cmp_pd(a, hi, _CMP_LT_OQ));
    if (_mm256_movemask_pd(in) != 0xF) {
      for (std::size_t j = i; j < i + 4; ++j) out[j] = det_exp(x[j]);
      continue;
    }
    // c = x - t*(P1 + t*(P2 + t*(P3 + t*(P4 + t*P5)))); 1 - ((x*c)/(c-2) - x)
    const __m256d t = _mm256_mul_pd(v, v);
    __m256d poly = _mm256_add_pd(p4, _mm256_mul_pd(t, p5));
    poly = _mm256_add_pd(p3, _mm256_mul_pd(t, poly));
    poly = _mm256_add_pd(p2, _mm256_mul_pd(t, poly));
    poly = _mm256_add_pd(p1, _mm256_mul_pd(t, poly));
    const __m256d c = _mm256_sub_pd(v, _mm256_mul_pd(t, poly));
    const __m256d q = _mm256_div_pd(_mm256_mul_pd(v, c), _mm256_sub_pd(c, two));
    _mm256_storeu_pd(out + i, _mm256_sub_pd(one, _mm256_sub_pd(q, v)));
  }
  for (; i < n; ++i) out[i] = det_exp(x[i]);
}

// det_log's common path: a normal, finite, positive x whose reduced f is
// not within 2**-20 of 0. The integer reduction runs in 64-bit lanes (each
// holds the scalar function's 32-bit values, which are small enough that
// signs and comparisons agree); the polynomial and all four of its endings
// run in the vector, and each lane keeps the ending the scalar function
// would take.
[[gnu::target("avx2")]] void det_log_n_avx2(const double* x, double* out, std::size_t n) {
  const __m256i mantissa_mask = _mm256_set1_epi64x(0x000fffff), low_mask = _mm256_set1_epi64x(0xffffffffLL);
  // Normal, finite and positive: 0x00100000 <= hx < 0x7ff00000 (negatives are above both).
  const __m256i smallest_normal = _mm256_set1_epi64x(0x00100000), above_finite = _mm256_set1_epi64x(0x7fefffff);
  const __m256i zero = _mm256_setzero_si256(), three = _mm256_set1_epi64x(3), two_i = _mm256_set1_epi64x(2);
  const __m256i lane_lows = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    const __m256i hx_raw = _mm256_srli_epi64(bits, 32);  // the high word, unsigned: negatives are >= 2**31
    const __m256i out_of_range = _mm256_or_si256(_mm256_cmpgt_epi64(hx_raw, above_finite),
                                                 _mm256_cmpgt_epi64(smallest_normal, hx_raw));
    const __m256i hx = _mm256_and_si256(hx_raw, mantissa_mask);
    const __m256i bit = _mm256_and_si256(_mm256_add_epi64(hx, _mm256_set1_epi64x(0x95f64)), _mm256_set1_epi64x(0x100000));
    // (0x000fffff & (2 + hx)) < 3: f within 2**-20 of 0, the scalar function's own path.
    const __m256i near_one = _mm256_cmpgt_epi64(three, _mm256_and_si256(_mm256_add_epi64(hx, two_i), mantissa_mask));
    if (_mm256_movemask_epi8(_mm256_or_si256(out_of_range, near_one)) != 0) {
      for (std::size_t j = i; j < i + 4; ++j) out[j] = det_log(x[j]);
      continue;
    }
    const __m256i k = _mm256_add_epi64(_mm256_sub_epi64(_mm256_srli_epi64(hx_raw, 20), _mm256_set1_epi64x(1023)),
                                       _mm256_srli_epi64(bit, 20));
    const __m256i high = _mm256_or_si256(hx, _mm256_xor_si256(bit, _mm256_set1_epi64x(0x3ff00000)));
    const __m256d xr = _mm256_castsi256_pd(_mm256_or_si256(_mm256_slli_epi64(high, 32), _mm256_and_si256(bits, low_mask)));
    const __m256d f = _mm256_sub_pd(xr, _mm256_set1_pd(1.0));
    const __m256d dk =
        _mm256_cvtepi32_pd(_mm256_castsi256_si128(_mm256_permutevar8x32_epi32(k, lane_lows)));
    const __m256d k0 = _mm256_castsi256_pd(_mm256_cmpeq_epi64(k, zero));
    // (hx - 0x6147a) | (0x6b851 - hx) > 0
    const __m256d pos = _mm256_castsi256_pd(_mm256_cmpgt_epi64(
        _mm256_or_si256(_mm256_sub_epi64(hx, _mm256_set1_epi64x(0x6147a)), _mm256_sub_epi64(_mm256_set1_epi64x(0x6b851), hx)),
        zero));

    const __m256d half = _mm256_set1_pd(0.5), two = _mm256_set1_pd(2.0);
    const __m256d ln2hi = _mm256_set1_pd(kLn2Hi), ln2lo = _mm256_set1_pd(kLn2Lo);
    const __m256d s = _mm256_div_pd(f, _mm256_add_pd(two, f));
    const __m256d z = _mm256_mul_pd(s, s);
    const __m256d w = _mm256_mul_pd(z, z);
    // t1 = w*(Lg2 + w*(Lg4 + w*Lg6)); t2 = z*(Lg1 + w*(Lg3 + w*(Lg5 + w*Lg7)))
    __m256d t1 = _mm256_add_pd(_mm256_set1_pd(kLg4), _mm256_mul_pd(w, _mm256_set1_pd(kLg6)));
    t1 = _mm256_mul_pd(w, _mm256_add_pd(_mm256_set1_pd(kLg2), _mm256_mul_pd(w, t1)));
    __m256d t2 = _mm256_add_pd(_mm256_set1_pd(kLg5), _mm256_mul_pd(w, _mm256_set1_pd(kLg7)));
    t2 = _mm256_add_pd(_mm256_set1_pd(kLg3), _mm256_mul_pd(w, t2));
    t2 = _mm256_mul_pd(z, _mm256_add_pd(_mm256_set1_pd(kLg1), _mm256_mul_pd(w, t2)));
    const __m256d r = _mm256_add_pd(t2, t1);
    // i > 0: hfsq = 0.5*f*f
    const __m256d hfsq = _mm256_mul_pd(_mm256_mul_pd(half, f), f);
    const __m256d s_hfsq_r = _mm256_mul_pd(s, _mm256_add_pd(hfsq, r));
    const __m256d pos_k0 = _mm256_sub_pd(f, _mm256_sub_pd(hfsq, s_hfsq_r));
    const __m256d pos_k = _mm256_sub_pd(
        _mm256_mul_pd(dk, ln2hi),
        _mm256_sub_pd(_mm256_sub_pd(hfsq, _mm256_add_pd(s_hfsq_r, _mm256_mul_pd(dk, ln2lo))), f));
    // i <= 0
    const __m256d s_f_r = _mm256_mul_pd(s, _mm256_sub_pd(f, r));
    const __m256d neg_k0 = _mm256_sub_pd(f, s_f_r);
    const __m256d neg_k = _mm256_sub_pd(_mm256_mul_pd(dk, ln2hi),
                                        _mm256_sub_pd(_mm256_sub_pd(s_f_r, _mm256_mul_pd(dk, ln2lo)), f));
    const __m256d when_pos = _mm256_blendv_pd(pos_k, pos_k0, k0);
    const __m256d when_neg = _mm256_blendv_pd(neg_k, neg_k0, k0);
    _mm256_storeu_pd(out + i, _mm256_blendv_pd(when_neg, when_pos, pos));
  }
  for (; i < n; ++i) out[i] = det_log(x[i]);
}

void det_exp_n_generic(const double* x, double* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = det_exp(x[i]);
}
void det_log_n_generic(const double* x, double* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = det_log(x[i]);
}

using BatchFn = void (*)(const double*, double*, std::size_t);

}  // namespace

bool cpu_has_avx2() {
  static const bool has = [] {
    __builtin_cpu_init();  // may run before libgcc's own constructor has
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return has;
}

void det_exp_n(const double* x, double* out, std::size_t n) {
  static const BatchFn f = cpu_has_avx2() ? det_exp_n_avx2 : det_exp_n_generic;
  f(x, out, n);
}
void det_log_n(const double* x, double* out, std::size_t n) {
  static const BatchFn f = cpu_has_avx2() ? det_log_n_avx2 : det_log_n_generic;
  f(x, out, n);
}

}  // namespace verity
