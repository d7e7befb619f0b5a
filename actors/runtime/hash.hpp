// Hashing for the journal: the 128-bit hash chain that names a run, and the
// 64-bit checksum that seals each stored record. Both are xxh3, whose output
// is fixed by its specification, so a hash computed here means the same on
// every machine.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace verity {

/// A 128-bit hash in its canonical big-endian byte order.
struct Hash128 {
  std::array<std::uint8_t, 16> bytes{};

  friend bool operator==(const Hash128&, const Hash128&) = default;
  std::string hex() const;
  /// Parses 32 hex digits; returns false on anything else.
  static bool from_hex(std::string_view text, Hash128& out);
  static Hash128 from_bytes(std::span<const std::uint8_t> sixteen);
};

/// xxh3-128 of `data`.
Hash128 hash128(std::span<const std::uint8_t> data);
Hash128 hash128(std::string_view data);

/// One link of the chain: h[n] = xxh3_128(h[n-1] || record bytes).
/// `scratch` is reused between calls to avoid allocating per message.
class HashChain {
 public:
  HashChain() = default;
  explicit HashChain(const Hash128& start) : head_(start) {}

  const Hash128& head() const { return head_; }
  void reset(const Hash128& head) { head_ = head; }
  const Hash128& append(std::span<const std::uint8_t> record);

 private:
  Hash128 head_{};
  std::vector<std::uint8_t> scratch_;  // head || record; as big as the biggest record so far
};

/// xxh3-64 of every byte of a sealed record except the 8-byte checksum word
/// at `checksum_offset`. See docs/SCHEMAS.md for why the word sits there.
std::uint64_t seal_checksum(std::span<const std::uint8_t> record, std::size_t checksum_offset);

/// xxh3-64 of a name; used to derive PRNG streams and stable ids.
std::uint64_t hash64(std::string_view data, std::uint64_t seed = 0);

}  // namespace verity
