#include "actors/runtime/prng.hpp"

#include <immintrin.h>

#include <cmath>
#include <stdexcept>

#include "actors/runtime/detmath.hpp"
#include "actors/runtime/hash.hpp"

namespace verity {

namespace {
using u128 = unsigned __int128;
constexpr u128 kPcgMultiplier = (static_cast<u128>(2549297995355413924ULL) << 64) | 4865540595714422341ULL;

// k steps of the LCG at once: state(n+k) = M^k state(n) + (1 + M + ... + M^(k-1)) increment.
constexpr u128 kPcgMultiplier2 = kPcgMultiplier * kPcgMultiplier;
constexpr u128 kPcgMultiplier3 = kPcgMultiplier2 * kPcgMultiplier;
constexpr u128 kPcgMultiplier4 = kPcgMultiplier3 * kPcgMultiplier;
constexpr u128 kPcgSum2 = 1 + kPcgMultiplier;
constexpr u128 kPcgSum3 = kPcgSum2 + kPcgMultiplier2;
constexpr u128 kPcgSum4 = kPcgSum3 + kPcgMultiplier3;

/// PCG's XSL-RR output function of one state.
std::uint64_t pcg_output(u128 state) {
  const std::uint64_t hi = static_cast<std::uint64_t>(state >> 64);
  const std::uint64_t lo = static_cast<std::uint64_t>(state);
  const unsigned rot = static_cast<unsigned>(state >> 122);
  const std::uint64_t x = hi ^ lo;
  return (x >> rot) | (x << ((64 - rot) & 63));
}

double unit_of(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

/// One try of Marsaglia's polar method from two uniforms in [0, 1): the
/// point (u, v) in (-1, 1)^2 and s = u^2 + v^2, kept when it is in the unit
/// disc but not its centre. normal() and normals() both try this way.
struct PolarTry {
  double u, v, s;
  explicit PolarTry(double a, double b) : u(2.0 * a - 1.0), v(2.0 * b - 1.0), s(u * u + v * v) {}
  bool kept() const { return (s < 1.0) & (s != 0.0); }  // & : no branch in normals()' loop
};
}  // namespace

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

Prng::Prng(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t sm = seed;
  const std::uint64_t s_hi = splitmix64(sm);
  const std::uint64_t s_lo = splitmix64(sm);
  std::uint64_t st = stream;
  const std::uint64_t i_hi = splitmix64(st);
  const std::uint64_t i_lo = splitmix64(st);
  increment_ = ((static_cast<unsigned __int128>(i_hi) << 64) | i_lo) | 1u;  // must be odd
  state_ = 0;
  next_u64();
  state_ += (static_cast<unsigned __int128>(s_hi) << 64) | s_lo;
  next_u64();
}

std::uint64_t Prng::next_u64() {
  state_ = state_ * kPcgMultiplier + increment_;
  return pcg_output(state_);
}

double Prng::uniform01() { return unit_of(next_u64()); }

void Prng::uniforms(double* out, std::size_t n) {
  // Four states from the same one, each a jump of 1 to 4 steps: four
  // independent multiplies where one at a time would wait on the last.
  const u128 plus2 = kPcgSum2 * increment_, plus3 = kPcgSum3 * increment_, plus4 = kPcgSum4 * increment_;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const u128 s = state_;
    out[i] = unit_of(pcg_output(s * kPcgMultiplier + increment_));
    out[i + 1] = unit_of(pcg_output(s * kPcgMultiplier2 + plus2));
    out[i + 2] = unit_of(pcg_output(s * kPcgMultiplier3 + plus3));
    state_ = s * kPcgMultiplier4 + plus4;
    out[i + 3] = unit_of(pcg_output(state_));
  }
  for (; i < n; ++i) out[i] = uniform01();
}

std::uint64_t Prng::below(std::uint64_t n) {
  // Lemire: multiply into 128 bits, reject the small biased zone.
  unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * n;
  std::uint64_t low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

std::int64_t Prng::range(std::int64_t lo, std::int64_t hi) {
  const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  if (span == UINT64_MAX) return static_cast<std::int64_t>(next_u64());
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + below(span + 1));
}

double Prng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_normal_;
  }
  for (;;) {
    const double a = uniform01();  // u's uniform is drawn before v's
    const PolarTry t(a, uniform01());
    if (!t.kept()) continue;
    const double factor = std::sqrt(-2.0 * det_log(t.s) / t.s);
    spare_normal_ = t.v * factor;
    has_spare_ = true;
    return t.u * factor;
  }
}

namespace {

// sqrt(-2 ln s / s) for each pair: IEEE division and square root round
// correctly in a vector lane as in a scalar, so the bits are normal()'s.
void polar_factors_generic(const double* log_s, const double* s, double* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = std::sqrt(-2.0 * log_s[i] / s[i]);
}

[[gnu::target("avx2")]] void polar_factors_avx2(const double* log_s, const double* s, double* out, std::size_t n) {
  const __m256d minus_two = _mm256_set1_pd(-2.0);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d q = _mm256_div_pd(_mm256_mul_pd(minus_two, _mm256_loadu_pd(log_s + i)), _mm256_loadu_pd(s + i));
    _mm256_storeu_pd(out + i, _mm256_sqrt_pd(q));
  }
  polar_factors_generic(log_s + i, s + i, out + i, n - i);
}

void polar_factors(const double* log_s, const double* s, double* out, std::size_t n) {
  static const auto f = cpu_has_avx2() ? polar_factors_avx2 : polar_factors_generic;
  f(log_s, s, out, n);
}

}  // namespace

void Prng::normals(double* out, std::size_t n) {
  std::size_t o = 0;
  if (n > 0 && has_spare_) {
    has_spare_ = false;
    out[o++] = spare_normal_;
  }
  // The pairs normal() would draw, in its order; then their logarithms at once.
  const std::size_t pairs = (n - o + 1) / 2;
  double u[32], v[32], logs[32];
  double s[32] = {};  // zeroed only to quiet -Wmaybe-uninitialized: every s[p] used is drawn below
  if (pairs > 32) throw std::invalid_argument("Prng::normals: at most 64 at a time");
  // normal()'s tries, drawn in rounds: each try takes two uniforms and at
  // least one try per missing pair is certain, so a round of that many
  // draws exactly the uniforms the one-by-one loop would, and no more. A
  // try not kept is overwritten by the next (no branch to mispredict).
  double draws[64];
  for (std::size_t got = 0; got < pairs;) {
    const std::size_t tries = pairs - got;
    uniforms(draws, 2 * tries);
    for (std::size_t k = 0; k < tries; ++k) {
      const PolarTry t(draws[2 * k], draws[2 * k + 1]);
      u[got] = t.u;
      v[got] = t.v;
      s[got] = t.s;
      got += static_cast<std::size_t>(t.kept());
    }
  }
  det_log_n(s, logs, pairs);
  double factors[32];
  polar_factors(logs, s, factors, pairs);
  for (std::size_t p = 0; p < pairs; ++p) {
    const double factor = factors[p];
    out[o++] = u[p] * factor;
    if (o < n) {
      out[o++] = v[p] * factor;
    } else {
      spare_normal_ = v[p] * factor;
      has_spare_ = true;
    }
  }
}

Prng PrngStreams::stream(std::string_view name) const {
  const std::uint64_t name_hash = hash64(name);
  return Prng(root_seed_ ^ name_hash, hash64(name, 0x5EED5EED5EED5EEDULL));
}

}  // namespace verity
