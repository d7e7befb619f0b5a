// Storage behind the journal: a key-value store with the five column
// families of docs/ARCHITECTURE.md and one atomic batch per commit.
//
// Two implementations share this interface: RocksDbStore (the real one) and
// MemoryStore (its in-memory twin for tests and `hash`-level batches).
// Writes are staged and become visible, all or nothing, at commit().
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace verity {

enum class Family : std::uint8_t { journal = 0, snapshots, registry, book, meta };
inline constexpr int kFamilyCount = 5;
std::string_view family_name(Family f);

/// How hard commit() works to make a step durable.
enum class Durability : std::uint8_t {
  synced,  // WAL written and fsynced before commit() returns
  async,   // WAL written, fsync left to the OS: a machine crash can lose the tail
  off,     // no WAL: only what close() flushed survives a crash (sim batches)
};
std::string_view durability_name(Durability d);
std::optional<Durability> parse_durability(std::string_view name);

using Status = std::expected<void, std::string>;
/// Called for each key in order; return false to stop.
using ScanFn = std::function<bool(std::string_view key, std::string_view value)>;

class JournalStore {
 public:
  virtual ~JournalStore() = default;

  /// Stages a write in the current batch.
  virtual void put(Family family, std::string_view key, std::string_view value) = 0;
  /// Stages the removal of every key in [from, to).
  virtual void erase_range(Family family, std::string_view from, std::string_view to) = 0;
  /// Applies the staged batch atomically; the batch is empty afterwards.
  virtual Status commit() = 0;
  /// Makes everything committed durable (flushes memtables).
  virtual Status flush() = 0;
  /// Makes every batch committed so far survive a machine crash (fsyncs
  /// the write-ahead log), at whatever durability the commits had: what a
  /// live session does before an order leaves the process. A no-op where
  /// commits are synced already or nothing is on disk.
  virtual Status sync() { return {}; }

  virtual std::expected<std::optional<std::string>, std::string> get(Family family,
                                                                      std::string_view key) = 0;
  /// Visits committed keys in [from, to) in byte order.
  virtual Status scan(Family family, std::string_view from, std::string_view to, const ScanFn& fn) = 0;

  /// Names the store in error messages, e.g. "rocksdb journal at ./data".
  virtual std::string describe() const = 0;
};

/// Big-endian key layout, so byte order is seq order.
namespace keys {
void append_be64(std::string& out, std::uint64_t v);
std::uint64_t read_be64(std::string_view in);
/// journal family: session(8) || seq(8)
std::string record(std::uint64_t session, std::uint64_t seq);
/// meta family: session(8) || tag(1) [|| seq(8)]
std::string meta(std::uint64_t session, char tag);
std::string meta_seq(std::uint64_t session, char tag, std::uint64_t seq);
/// A key above every key of `session` in any family: the end of its range.
std::string session_end(std::uint64_t session);
inline constexpr char kManifest = 'm';
inline constexpr char kHead = 'h';
inline constexpr char kDigest = 'd';
}  // namespace keys

}  // namespace verity
