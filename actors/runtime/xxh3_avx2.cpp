// Built with -mavx2 (CMakeLists.txt). Everything xxhash.h defines is static
// here (XXH_INLINE_ALL), so no AVX2 code can stand in for a symbol another
// file uses; only the three functions below leave this file.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "actors/runtime/xxh3_avx2.hpp"

namespace verity::xxh3_avx2 {

std::uint64_t hash64(const void* data, std::size_t size) { return XXH3_64bits(data, size); }

std::uint64_t hash64(const void* data, std::size_t size, std::uint64_t seed) {
  return XXH3_64bits_withSeed(data, size, seed);
}

void hash128(const void* data, std::size_t size, std::uint64_t& low64, std::uint64_t& high64) {
  const XXH128_hash_t h = XXH3_128bits(data, size);
  low64 = h.low64;
  high64 = h.high64;
}

}  // namespace verity::xxh3_avx2
