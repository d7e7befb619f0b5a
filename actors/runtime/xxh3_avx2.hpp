// xxh3 compiled for AVX2 (xxh3_avx2.cpp is built with -mavx2): the same
// hashes as the xxhash library, which Debian builds for SSE2, about twice as
// fast on records over 240 bytes (xxh3's long-input loop). Call only when
// cpu_has_avx2() (actors/runtime/detmath.hpp); hash.cpp chooses.
#pragma once

#include <cstddef>
#include <cstdint>

namespace verity::xxh3_avx2 {

std::uint64_t hash64(const void* data, std::size_t size);
std::uint64_t hash64(const void* data, std::size_t size, std::uint64_t seed);
/// xxh3-128 as its two halves.
void hash128(const void* data, std::size_t size, std::uint64_t& low64, std::uint64_t& high64);

}  // namespace verity::xxh3_avx2
