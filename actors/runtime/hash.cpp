#include "actors/runtime/hash.hpp"

#include <xxhash.h>

#include <cstring>

#include "actors/runtime/detmath.hpp"
#include "actors/runtime/xxh3_avx2.hpp"

namespace verity {

namespace {
constexpr char kHexDigits[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Hash128 from_xxh(XXH128_hash_t h) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, h);
  Hash128 out;
  std::memcpy(out.bytes.data(), canonical.digest, 16);
  return out;
}
}  // namespace

std::string Hash128::hex() const {
  std::string out(32, '0');
  for (std::size_t i = 0; i < 16; ++i) {
    out[2 * i] = kHexDigits[bytes[i] >> 4];
    out[2 * i + 1] = kHexDigits[bytes[i] & 0xF];
  }
  return out;
}

bool Hash128::from_hex(std::string_view text, Hash128& out) {
  if (text.size() != 32) return false;
  for (std::size_t i = 0; i < 16; ++i) {
    int hi = hex_value(text[2 * i]);
    int lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

Hash128 Hash128::from_bytes(std::span<const std::uint8_t> sixteen) {
  Hash128 out;
  std::memcpy(out.bytes.data(), sixteen.data(), std::min<std::size_t>(16, sixteen.size()));
  return out;
}

namespace {
// The library's xxh3, or the same function built for AVX2 where the CPU has it.
XXH128_hash_t xxh3_128(const void* data, std::size_t size) {
  if (!cpu_has_avx2()) return XXH3_128bits(data, size);
  XXH128_hash_t h;
  xxh3_avx2::hash128(data, size, h.low64, h.high64);
  return h;
}
std::uint64_t xxh3_64(const void* data, std::size_t size) {
  return cpu_has_avx2() ? xxh3_avx2::hash64(data, size) : XXH3_64bits(data, size);
}
std::uint64_t xxh3_64(const void* data, std::size_t size, std::uint64_t seed) {
  return cpu_has_avx2() ? xxh3_avx2::hash64(data, size, seed) : XXH3_64bits_withSeed(data, size, seed);
}

}  // namespace

Hash128 hash128(std::span<const std::uint8_t> data) { return from_xxh(xxh3_128(data.data(), data.size())); }

Hash128 hash128(std::string_view data) { return from_xxh(xxh3_128(data.data(), data.size())); }

const Hash128& HashChain::append(std::span<const std::uint8_t> record) {
  const std::size_t size = 16 + record.size();
  if (scratch_.size() < size) scratch_.resize(size);  // only grows: no bytes are cleared per message
  std::memcpy(scratch_.data(), head_.bytes.data(), 16);
  std::memcpy(scratch_.data() + 16, record.data(), record.size());
  head_ = from_xxh(xxh3_128(scratch_.data(), size));
  return head_;
}

std::uint64_t seal_checksum(std::span<const std::uint8_t> record, std::size_t checksum_offset) {
  // Hash the bytes before the checksum word, then use that as the seed for
  // the bytes after it: every byte but the checksum itself is covered.
  const std::uint64_t before = xxh3_64(record.data(), checksum_offset);
  const std::size_t after = checksum_offset + 8;
  return xxh3_64(record.data() + after, record.size() - after, before);
}

std::uint64_t hash64(std::string_view data, std::uint64_t seed) {
  return xxh3_64(data.data(), data.size(), seed);
}

}  // namespace verity
