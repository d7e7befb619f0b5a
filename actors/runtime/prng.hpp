// Seeded randomness: the only source of random numbers in Verity.
//
// One root seed per session; each actor or model derives its own stream by
// name, so adding a stream never shifts the numbers another stream draws.
// The generator is PCG-XSL-RR 128/64 seeded through SplitMix64. The
// distributions are our own: std::*_distribution differ between standard
// libraries, these do not. They use only integer arithmetic, IEEE + - * /
// and sqrt, and det_log (actors/runtime/detmath.hpp) for the normal draw.
#pragma once

#include <cstdint>
#include <string_view>

namespace verity {

/// Advances `state` and returns the next SplitMix64 output.
std::uint64_t splitmix64(std::uint64_t& state);

class Prng {
 public:
  /// `stream` selects one of 2^63 independent sequences for the same seed.
  explicit Prng(std::uint64_t seed, std::uint64_t stream = 0);

  std::uint64_t next_u64();
  /// Uniform in [0, 1) with 53 random bits.
  double uniform01();
  /// n uniforms: the same values, leaving the same state, as n calls of
  /// uniform01(), drawn four steps at a time.
  void uniforms(double* out, std::size_t n);
  /// Uniform integer in [0, n); n > 0. Unbiased (Lemire's method).
  std::uint64_t below(std::uint64_t n);
  /// Uniform integer in [lo, hi]; lo <= hi.
  std::int64_t range(std::int64_t lo, std::int64_t hi);
  /// Standard normal (Marsaglia's polar method).
  double normal();
  /// n standard normals: the same values, in the same order, leaving the
  /// same state, as n calls of normal(). The uniforms are drawn with
  /// uniforms(), the polar method's tries without branches, and the
  /// logarithms as a batch (det_log_n). At most 64 at a time.
  void normals(double* out, std::size_t n);
  /// True with probability p.
  bool bernoulli(double p) { return uniform01() < p; }

  /// The stream's position, for snapshots: a loaded stream continues exactly.
  template <class W>
  void save(W& w) const {
    w.put_u128(state_);
    w.put_u128(increment_);
    w.put_all(spare_normal_, has_spare_);
  }
  template <class R>
  void load(R& r) {
    r.get_u128(state_);
    r.get_u128(increment_);
    r.get_all(spare_normal_, has_spare_);
  }

 private:
  unsigned __int128 state_;
  unsigned __int128 increment_;
  double spare_normal_ = 0.0;
  bool has_spare_ = false;
};

/// Derives named streams from a session's root seed.
class PrngStreams {
 public:
  explicit PrngStreams(std::uint64_t root_seed) : root_seed_(root_seed) {}
  std::uint64_t root_seed() const { return root_seed_; }
  /// The same name always gives the same stream; different names give
  /// independent streams.
  Prng stream(std::string_view name) const;

 private:
  std::uint64_t root_seed_;
};

}  // namespace verity
