// Imported candles, in their own RocksDB folder (config key data.dir), apart
// from the journal: the feed replays them, `verity data` fills and lists them.
//
// Column families: `candles` (the series), `quarantine` (rows a policy set
// aside, still visible) and `meta` (one summary per series, and the store's
// format version). A key is symbol (1-byte length, then bytes) ‖ timeframe
// byte ‖ open time (big-endian int64 with the sign bit flipped, so byte order
// is time order, negative times included). A candle's value is a fixed
// 56-byte record with an xxh3-64 checksum over key and record, verified on
// every read: a damaged record is an error naming symbol and time, never data.
//
// Writes are idempotent: putting rows that are already stored changes
// nothing and says so; a different value for a stored key is an error unless
// the caller asks to overwrite. Real rows replace synthetic ones; synthetic
// rows never replace real ones. Each put is atomic, with the series summary
// (row counts and the content hash) updated with the candles: one WriteBatch,
// or, when the series has no candles yet (a first import), table files for
// candles, quarantine and summary written in key order and ingested in one
// call, which RocksDB records as one manifest edit. A crash leaves the whole
// put or none of it either way; files written but not ingested are removed
// by the next open. docs/DATA.md describes the layout.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "actors/feed/candle.hpp"
#include "actors/feed/timeframe.hpp"
#include "actors/runtime/hash.hpp"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace verity {

/// What list() says about one (symbol, timeframe) series.
struct SeriesInfo {
  std::string symbol;
  Timeframe timeframe = Timeframe::m1;
  std::int64_t first_ns = 0, last_ns = 0;  // open times; 0 when no candles
  std::uint64_t rows = 0;                  // candles, synthetic included
  std::uint64_t synthetic = 0;
  std::uint64_t quarantined = 0;
  /// xxh3-128 over, for each candle in time order, its 8-byte key time and
  /// its 48-byte record body: the series' data hash for session manifests.
  Hash128 content_hash{};
};

struct PutOptions {
  bool overwrite = false;  // replace stored candles whose values differ
};

struct PutResult {
  std::uint64_t added = 0;        // new open times
  std::uint64_t unchanged = 0;    // already stored with the same values
  std::uint64_t overwritten = 0;  // different values replaced (overwrite, or real over synthetic)
  std::uint64_t kept_real = 0;    // synthetic rows not stored because a real candle is there
  std::uint64_t quarantine_added = 0;
  std::uint64_t quarantine_unchanged = 0;
  std::uint64_t quarantine_updated = 0;  // same file and line, different content
  SeriesInfo series;                     // the summary after the put
};

/// Why a put stored nothing. `conflict`: the rows disagree with stored
/// candles (a data problem); otherwise bad arguments or I/O.
struct PutError {
  bool conflict = false;
  std::string message;
};

/// Symbols: 1 to 64 characters, letters, digits and "-_./:" only.
std::expected<void, std::string> check_symbol(std::string_view symbol);

class CandleStore {
 public:
  /// Opens (creating unless read_only) the store in `dir`. read_only fails
  /// when there is no store there; it needs no lock, so `ls` works while an
  /// import runs.
  static std::expected<std::unique_ptr<CandleStore>, std::string> open(const std::string& dir, bool read_only);
  ~CandleStore();
  CandleStore(const CandleStore&) = delete;
  CandleStore& operator=(const CandleStore&) = delete;

  /// Stores `rows` (strictly increasing open times, on the timeframe's grid,
  /// finite positive prices, non-negative volume, high >= low, open and close
  /// within) and `quarantine` in one atomic batch.
  std::expected<PutResult, PutError> put(const std::string& symbol, Timeframe tf, std::span<const Candle> rows,
                                         std::span<const QuarantinedRow> quarantine = {},
                                         const PutOptions& options = {});
  std::expected<PutResult, PutError> put_quarantine(const std::string& symbol, Timeframe tf,
                                                    std::span<const QuarantinedRow> rows) {
    return put(symbol, tf, {}, rows);
  }

  /// Calls `fn` for each candle with open time in [from_ns, to_ns), in time
  /// order; `fn` returns false to stop. Every record's checksum is verified.
  using CandleFn = std::function<bool(const Candle&)>;
  std::expected<void, std::string> scan(const std::string& symbol, Timeframe tf, std::int64_t from_ns,
                                        std::int64_t to_ns, const CandleFn& fn) const;
  /// Quarantined rows of a series, in open-time order.
  using QuarantineFn = std::function<bool(const QuarantinedRow&)>;
  std::expected<void, std::string> scan_quarantine(const std::string& symbol, Timeframe tf,
                                                   const QuarantineFn& fn) const;

  /// Every series with candles or quarantined rows, by symbol then timeframe.
  std::expected<std::vector<SeriesInfo>, std::string> list() const;
  /// The stored summary of one series (nullopt when there is none).
  std::expected<std::optional<SeriesInfo>, std::string> info(const std::string& symbol, Timeframe tf) const;
  /// Recomputes a series' summary by reading every record: list() must agree.
  std::expected<SeriesInfo, std::string> recompute(const std::string& symbol, Timeframe tf) const;

  const std::string& dir() const { return dir_; }

 private:
  CandleStore(std::string dir, bool read_only);

  std::string dir_;
  bool read_only_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* default_ = nullptr;
  rocksdb::ColumnFamilyHandle* candles_ = nullptr;
  rocksdb::ColumnFamilyHandle* quarantine_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
};

/// Key and record layout, public for tests that damage records on purpose.
namespace candle_keys {
/// symbol length ‖ symbol ‖ timeframe byte
std::string series_prefix(std::string_view symbol, Timeframe tf);
/// series_prefix ‖ big-endian (open time ^ sign bit)
std::string candle_key(std::string_view symbol, Timeframe tf, std::int64_t open_time_ns);
inline constexpr std::size_t kRecordBytes = 56;  // 5 doubles, flags u32, 4 zero bytes, checksum u64
std::string encode_record(std::string_view key, const Candle& c);
}  // namespace candle_keys

}  // namespace verity
