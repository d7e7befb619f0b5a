#include "actors/feed/candle_store.hpp"

#include <rocksdb/db.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <tuple>

#include "actors/feed/validate.hpp"

namespace verity {

namespace {

constexpr std::string_view kFormatKey{"\0format", 7};  // symbols are never empty, so no series key starts with 0
constexpr std::string_view kFormat = "verity-candles 1";
constexpr std::size_t kBodyBytes = 48;  // 5 doubles, flags, 4 zero bytes
constexpr std::size_t kMetaBytes = 72;  // first, last, rows, synthetic, quarantined, hash(16), checksum
constexpr std::uint64_t kSignBit = 0x8000'0000'0000'0000ull;
constexpr std::string_view kIngestFolder = "ingest";  // table files a put writes before ingesting them

// Records are little-endian on every machine; on a little-endian one that
// is a plain copy, which the byte loops are not always compiled into.
void put_le64(char* p, std::uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(p, &v, 8);
  } else {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
  }
}
std::uint64_t get_le64(const char* p) {
  std::uint64_t v = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&v, p, 8);
  } else {
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  }
  return v;
}
void put_le32(char* p, std::uint32_t v) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(p, &v, 4);
  } else {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
  }
}
std::uint32_t get_le32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}
void put_be64(char* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (56 - 8 * i));
}
std::uint64_t get_be64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | static_cast<unsigned char>(p[i]);
  return v;
}

/// The record's checksum: xxh3-64 of the body, seeded with the key's hash,
/// so a record moved under another key fails as surely as a flipped bit.
std::uint64_t record_checksum(std::string_view key, const char* body, std::size_t n) {
  return XXH3_64bits_withSeed(body, n, XXH3_64bits(key.data(), key.size()));
}

void encode_body(char* out, const Candle& c) {
  const double v[5] = {c.open, c.high, c.low, c.close, c.volume};
  for (int i = 0; i < 5; ++i) put_le64(out + 8 * i, std::bit_cast<std::uint64_t>(v[i]));
  put_le32(out + 40, c.flags);
  put_le32(out + 44, 0);
}

Candle decode_body(const char* in, std::int64_t t) {
  Candle c;
  c.open_time_ns = t;
  double* v[5] = {&c.open, &c.high, &c.low, &c.close, &c.volume};
  for (int i = 0; i < 5; ++i) *v[i] = std::bit_cast<double>(get_le64(in + 8 * i));
  c.flags = get_le32(in + 40);
  return c;
}

std::int64_t key_time(std::string_view key) {
  return static_cast<std::int64_t>(get_be64(key.data() + key.size() - 8) ^ kSignBit);
}

rocksdb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }
std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

std::string series_name(std::string_view symbol, Timeframe tf) {
  return std::string(symbol) + " " + std::string(timeframe_name(tf));
}

/// The series' running summary while its records go by in time order.
class SeriesSummer {
 public:
  SeriesSummer() : state_(XXH3_createState(), &XXH3_freeState), buffer_(new char[kBufferBytes]) {
    XXH3_128bits_reset(state_.get());
  }
  void add(std::string_view key, const char* body, bool synthetic) {
    const std::int64_t t = key_time(key);
    if (rows_ == 0) first_ = t;
    last_ = t;
    ++rows_;
    synthetic_ += synthetic;
    // The hash is streamed, so it is the same over one large update as over
    // two small ones per candle; small updates cost more than the hashing.
    if (pending_ + 8 + kBodyBytes > kBufferBytes) drain();
    std::memcpy(buffer_.get() + pending_, key.data() + key.size() - 8, 8);
    std::memcpy(buffer_.get() + pending_ + 8, body, kBodyBytes);
    pending_ += 8 + kBodyBytes;
  }
  SeriesInfo finish(std::string symbol, Timeframe tf, std::uint64_t quarantined) {
    drain();
    SeriesInfo s;
    s.symbol = std::move(symbol);
    s.timeframe = tf;
    s.first_ns = first_;
    s.last_ns = last_;
    s.rows = rows_;
    s.synthetic = synthetic_;
    s.quarantined = quarantined;
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state_.get()));
    std::memcpy(s.content_hash.bytes.data(), canonical.digest, 16);
    return s;
  }

 private:
  void drain() {
    XXH3_128bits_update(state_.get(), buffer_.get(), pending_);
    pending_ = 0;
  }

  std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> state_;
  static constexpr std::size_t kBufferBytes = (8 + kBodyBytes) * 1024;  // on the heap: actors' stacks are small
  std::unique_ptr<char[]> buffer_;
  std::size_t pending_ = 0;
  std::int64_t first_ = 0, last_ = 0;
  std::uint64_t rows_ = 0, synthetic_ = 0;
};

std::string encode_meta(std::string_view key, const SeriesInfo& s) {
  std::string out(kMetaBytes, '\0');
  put_le64(out.data(), static_cast<std::uint64_t>(s.first_ns));
  put_le64(out.data() + 8, static_cast<std::uint64_t>(s.last_ns));
  put_le64(out.data() + 16, s.rows);
  put_le64(out.data() + 24, s.synthetic);
  put_le64(out.data() + 32, s.quarantined);
  std::memcpy(out.data() + 40, s.content_hash.bytes.data(), 16);
  put_le64(out.data() + 64, record_checksum(key, out.data(), 64));
  return out;
}

std::expected<SeriesInfo, std::string> decode_meta(std::string_view key, std::string_view value) {
  // key: len ‖ symbol ‖ tf
  if (key.size() < 3 || static_cast<unsigned char>(key[0]) + 2u != key.size()) {
    return std::unexpected("damaged series summary: a meta key of " + std::to_string(key.size()) + " bytes");
  }
  const std::string symbol(key.substr(1, key.size() - 2));
  const auto tf_byte = static_cast<std::uint8_t>(key.back());
  if (tf_byte >= kAllTimeframes.size()) {
    return std::unexpected("damaged series summary for " + symbol + ": timeframe byte " + std::to_string(tf_byte));
  }
  const auto tf = static_cast<Timeframe>(tf_byte);
  if (value.size() != kMetaBytes || get_le64(value.data() + 64) != record_checksum(key, value.data(), 64)) {
    return std::unexpected("damaged series summary for " + series_name(symbol, tf) + ": checksum mismatch");
  }
  SeriesInfo s;
  s.symbol = symbol;
  s.timeframe = tf;
  s.first_ns = static_cast<std::int64_t>(get_le64(value.data()));
  s.last_ns = static_cast<std::int64_t>(get_le64(value.data() + 8));
  s.rows = get_le64(value.data() + 16);
  s.synthetic = get_le64(value.data() + 24);
  s.quarantined = get_le64(value.data() + 32);
  std::memcpy(s.content_hash.bytes.data(), value.data() + 40, 16);
  return s;
}

// Quarantine records: time, 5 doubles, line, checks, then the source and
// reason with their lengths, then the checksum.
std::string encode_quarantine(std::string_view key, const QuarantinedRow& q) {
  std::string out(8 + 40 + 8 + 4 + 4 + 4, '\0');
  put_le64(out.data(), static_cast<std::uint64_t>(q.open_time_ns));
  const double v[5] = {q.open, q.high, q.low, q.close, q.volume};
  for (int i = 0; i < 5; ++i) put_le64(out.data() + 8 + 8 * i, std::bit_cast<std::uint64_t>(v[i]));
  put_le64(out.data() + 48, q.line);
  put_le32(out.data() + 56, q.checks);
  put_le32(out.data() + 60, static_cast<std::uint32_t>(q.source.size()));
  put_le32(out.data() + 64, static_cast<std::uint32_t>(q.reason.size()));
  out += q.source;
  out += q.reason;
  char sum[8];
  put_le64(sum, record_checksum(key, out.data(), out.size()));
  out.append(sum, 8);
  return out;
}

std::expected<QuarantinedRow, std::string> decode_quarantine(std::string_view key, std::string_view v,
                                                             const std::string& series) {
  auto damaged = [&](const std::string& why) {
    return std::unexpected("damaged quarantine record for " + series + ": " + why);
  };
  if (v.size() < 68 + 8) return damaged("only " + std::to_string(v.size()) + " bytes");
  const std::uint32_t source_len = get_le32(v.data() + 60), reason_len = get_le32(v.data() + 64);
  if (68ull + source_len + reason_len + 8 != v.size()) return damaged("lengths do not add up");
  if (get_le64(v.data() + v.size() - 8) != record_checksum(key, v.data(), v.size() - 8)) {
    return damaged("checksum mismatch at " + time_text(static_cast<std::int64_t>(get_le64(v.data()))));
  }
  QuarantinedRow q;
  q.open_time_ns = static_cast<std::int64_t>(get_le64(v.data()));
  double* d[5] = {&q.open, &q.high, &q.low, &q.close, &q.volume};
  for (int i = 0; i < 5; ++i) *d[i] = std::bit_cast<double>(get_le64(v.data() + 8 + 8 * i));
  q.line = get_le64(v.data() + 48);
  q.checks = get_le32(v.data() + 56);
  q.source.assign(v.data() + 68, source_len);
  q.reason.assign(v.data() + 68 + source_len, reason_len);
  return q;
}

std::string quarantine_key(std::string_view symbol, Timeframe tf, const QuarantinedRow& q) {
  std::string key = candle_keys::candle_key(symbol, tf, q.open_time_ns);
  // The file's base name and line tell rows with the same open time apart,
  // and stay the same when the same file is imported again from elsewhere.
  std::string_view base = q.source;
  if (auto slash = base.find_last_of('/'); slash != std::string_view::npos) base.remove_prefix(slash + 1);
  const std::string id = std::string(base) + "\n" + std::to_string(q.line);
  key.resize(key.size() + 8);
  put_be64(key.data() + key.size() - 8, XXH3_64bits(id.data(), id.size()));
  return key;
}

rocksdb::ColumnFamilyOptions family_options(bool bulk) {
  rocksdb::ColumnFamilyOptions o;
  o.compression = rocksdb::kNoCompression;
  rocksdb::BlockBasedTableOptions table;
  table.checksum = rocksdb::kXXH3;  // as the journal: Debian's RocksDB has no hardware CRC32C
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  if (bulk) {
    // An import writes a whole file's candles in one batch, in key order:
    // a vector memtable appends in O(1) and sorts once, at the flush that
    // ends every put.
    o.write_buffer_size = 512 << 20;
    o.memtable_factory.reset(new rocksdb::VectorRepFactory());
  }
  return o;
}

/// Why a candle may not be stored, or "" when it may.
std::string candle_problem(const Candle& c, Timeframe tf) {
  for (double v : {c.open, c.high, c.low, c.close, c.volume}) {
    if (!std::isfinite(v)) return "a value is not finite";
  }
  if (c.open <= 0 || c.high <= 0 || c.low <= 0 || c.close <= 0) return "a price is not positive";
  if (c.volume < 0) return "the volume is negative";
  if (c.high < c.low) return "high is below low";
  if (c.open < c.low || c.open > c.high || c.close < c.low || c.close > c.high) {
    return "open or close is outside [low, high]";
  }
  if (c.open_time_ns % timeframe_ns(tf) != 0) {
    return "the open time is not on the " + std::string(timeframe_name(tf)) + " grid";
  }
  return "";
}

std::unexpected<PutError> fail_put(std::string message) { return std::unexpected(PutError{false, std::move(message)}); }

/// The table files one put writes for ingestion, in the store's ingest
/// folder, removed when the put ends: after a successful ingestion with
/// move_files they are already gone; after a failure they were never part of
/// the store.
class IngestFiles {
 public:
  explicit IngestFiles(std::string folder) : folder_(std::move(folder)) {}
  ~IngestFiles() {
    std::error_code ec;
    for (const auto& [family, path] : paths_) std::filesystem::remove(path, ec);
  }
  IngestFiles(const IngestFiles&) = delete;
  IngestFiles& operator=(const IngestFiles&) = delete;

  /// A writer for a new table file of `family`, with that family's options
  /// (table format, checksums), so the ingested file is like a flushed one.
  std::expected<std::unique_ptr<rocksdb::SstFileWriter>, std::string> open(rocksdb::DB& db,
                                                                            rocksdb::ColumnFamilyHandle* family,
                                                                            std::string_view what) {
    std::error_code ec;
    std::filesystem::create_directories(folder_, ec);
    if (ec) return std::unexpected("cannot create " + folder_ + ": " + ec.message());
    // One writer holds the store's lock, so the process id and a counter
    // make the name unique.
    static std::atomic<std::uint64_t> counter{0};
    std::string path = folder_ + "/" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
                       std::string(what) + ".sst";
    const rocksdb::Options options = db.GetOptions(family);
    // Dropping the file's pages as it is written would cost a system call
    // per megabyte and gain nothing: ingestion moves the file, it does not
    // copy it.
    auto writer = std::make_unique<rocksdb::SstFileWriter>(rocksdb::EnvOptions(options), options, family,
                                                           /*invalidate_page_cache=*/false);
    const rocksdb::Status s = writer->Open(path);
    paths_.emplace_back(family, path);
    if (!s.ok()) return std::unexpected(s.ToString());
    return writer;
  }
  const std::string& last_path(rocksdb::ColumnFamilyHandle* family) const {
    for (auto p = paths_.rbegin(); p != paths_.rend(); ++p) {
      if (p->first == family) return p->second;
    }
    static const std::string none;
    return none;
  }

 private:
  std::string folder_;
  std::vector<std::pair<rocksdb::ColumnFamilyHandle*, std::string>> paths_;
};

}  // namespace

namespace candle_keys {

std::string series_prefix(std::string_view symbol, Timeframe tf) {
  std::string out;
  out.reserve(symbol.size() + 2 + 8);
  out += static_cast<char>(symbol.size());
  out += symbol;
  out += static_cast<char>(static_cast<std::uint8_t>(tf));
  return out;
}

std::string candle_key(std::string_view symbol, Timeframe tf, std::int64_t open_time_ns) {
  std::string out = series_prefix(symbol, tf);
  out.resize(out.size() + 8);
  put_be64(out.data() + out.size() - 8, static_cast<std::uint64_t>(open_time_ns) ^ kSignBit);
  return out;
}

std::string encode_record(std::string_view key, const Candle& c) {
  std::string out(kRecordBytes, '\0');
  encode_body(out.data(), c);
  put_le64(out.data() + kBodyBytes, record_checksum(key, out.data(), kBodyBytes));
  return out;
}

}  // namespace candle_keys

std::expected<void, std::string> check_symbol(std::string_view symbol) {
  if (symbol.empty() || symbol.size() > 64) {
    return std::unexpected("symbol '" + std::string(symbol) + "' must be 1 to 64 characters");
  }
  for (char c : symbol) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.' || c == '/' || c == ':';
    if (!ok) return std::unexpected("symbol '" + std::string(symbol) + "' may hold only letters, digits and -_./:");
  }
  return {};
}

CandleStore::CandleStore(std::string dir, bool read_only) : dir_(std::move(dir)), read_only_(read_only) {}

CandleStore::~CandleStore() {
  if (!db_) return;
  for (auto* h : {default_, candles_, quarantine_, meta_}) {
    if (h) db_->DestroyColumnFamilyHandle(h);
  }
  (void)db_->Close();
}

std::expected<std::unique_ptr<CandleStore>, std::string> CandleStore::open(const std::string& dir, bool read_only) {
  std::unique_ptr<CandleStore> store(new CandleStore(dir, read_only));
  std::error_code ec;
  if (read_only) {
    if (!std::filesystem::exists(std::filesystem::path(dir) / "CURRENT", ec)) {
      return std::unexpected("no market data at " + dir + ": import some with `verity data import`");
    }
  } else {
    std::filesystem::create_directories(dir, ec);
    if (ec) return std::unexpected("cannot create the market-data folder " + dir + ": " + ec.message());
  }
  rocksdb::DBOptions options;
  options.create_if_missing = !read_only;
  options.create_missing_column_families = !read_only;
  options.paranoid_checks = true;
  // Every put is written without the WAL and then flushed, all column
  // families at once: a crash before the flush loses the whole put, never half.
  options.atomic_flush = true;
  options.allow_concurrent_memtable_write = false;  // the vector memtable takes one writer
  options.max_background_jobs = 2;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  options.keep_log_file_num = 2;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {"candles", family_options(true)},
      {"quarantine", family_options(false)},
      {"meta", family_options(false)},
  };
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status s = read_only ? rocksdb::DB::OpenForReadOnly(options, dir, descriptors, &handles, &raw)
                                      : rocksdb::DB::Open(options, dir, descriptors, &handles, &raw);
  if (!s.ok()) return std::unexpected("cannot open the market-data store at " + dir + ": " + s.ToString());
  store->db_.reset(raw);
  store->default_ = handles[0];
  store->candles_ = handles[1];
  store->quarantine_ = handles[2];
  store->meta_ = handles[3];
  if (!read_only) {
    // Table files a put wrote but did not ingest (it crashed or failed in
    // between) were never part of the store. Only the holder of the store's
    // lock, which Open took, may remove them: another writer's may be in use.
    std::filesystem::remove_all(std::filesystem::path(dir) / kIngestFolder, ec);
  }

  std::string format;
  const rocksdb::Status fs = raw->Get(rocksdb::ReadOptions(), store->meta_, slice(kFormatKey), &format);
  if (fs.ok()) {
    if (format != kFormat) {
      return std::unexpected("the market-data store at " + dir + " is in format '" + format + "', expected '" +
                             std::string(kFormat) + "'");
    }
  } else if (fs.IsNotFound()) {
    if (!read_only) {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      const rocksdb::Status ws = raw->Put(wo, store->meta_, slice(kFormatKey), slice(kFormat));
      if (!ws.ok()) return std::unexpected("cannot write to the market-data store at " + dir + ": " + ws.ToString());
    }
  } else {
    return std::unexpected("cannot read the market-data store at " + dir + ": " + fs.ToString());
  }
  return store;
}

std::expected<PutResult, PutError> CandleStore::put(const std::string& symbol, Timeframe tf,
                                                    std::span<const Candle> rows,
                                                    std::span<const QuarantinedRow> quarantine,
                                                    const PutOptions& options) {
  if (read_only_) return fail_put("the market-data store at " + dir_ + " is open read-only");
  if (auto ok = check_symbol(symbol); !ok) return fail_put(ok.error());
  const std::string name = series_name(symbol, tf);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (auto why = candle_problem(rows[i], tf); !why.empty()) {
      return fail_put("cannot store " + name + " at " + time_text(rows[i].open_time_ns) + ": " + why);
    }
    if (i > 0 && rows[i].open_time_ns <= rows[i - 1].open_time_ns) {
      return fail_put("cannot store " + name + ": open times must increase, but " + time_text(rows[i].open_time_ns) +
                      " follows " + time_text(rows[i - 1].open_time_ns));
    }
  }
  const std::string prefix = candle_keys::series_prefix(symbol, tf);
  std::string upper = prefix;
  upper.back() = static_cast<char>(upper.back() + 1);  // tf bytes are < 6, so no carry

  PutResult result;
  rocksdb::WriteBatch batch;
  SeriesSummer summer;
  std::uint64_t conflicts = 0;
  std::string first_conflict;

  // Merge the stored series with the incoming rows in one pass: it sorts the
  // rows into new, unchanged and conflicting, and sums the series as it will be.
  rocksdb::ReadOptions ro;
  ro.verify_checksums = true;
  const rocksdb::Slice upper_slice = slice(upper);
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, candles_));
  it->Seek(slice(prefix));
  if (!it->status().ok()) return fail_put("cannot read " + name + " from " + dir_ + ": " + it->status().ToString());
  // A series with no candles yet (a first import, the common case) can have
  // no unchanged, kept or conflicting rows: they all go, already in key
  // order, into one table file that RocksDB ingests as it is. That skips the
  // memtable, its sort at the flush and the copy into a batch, which cost
  // about four times the parse. Everything else goes through the batch.
  const bool ingest = !it->Valid() && !rows.empty();
  IngestFiles files(dir_ + "/" + std::string(kIngestFolder));
  std::unique_ptr<rocksdb::SstFileWriter> candle_table;
  rocksdb::Status staged;
  if (ingest) {
    auto opened = files.open(*db_, candles_, "candles");
    if (!opened) return fail_put("cannot write " + name + " to " + dir_ + ": " + opened.error());
    candle_table = std::move(*opened);
  }
  std::size_t i = 0;
  // One key and one record buffer, rewritten in place for every row: a
  // million-row import should not cost two million allocations.
  std::string key = prefix + std::string(8, '\0');
  char record[candle_keys::kRecordBytes];
  auto stage = [&](const Candle& c) {
    put_be64(key.data() + prefix.size(), static_cast<std::uint64_t>(c.open_time_ns) ^ kSignBit);
    encode_body(record, c);
    put_le64(record + kBodyBytes, record_checksum(key, record, kBodyBytes));
    if (candle_table) {
      if (staged.ok()) staged = candle_table->Put(slice(key), rocksdb::Slice(record, sizeof record));
    } else {
      batch.Put(candles_, slice(key), rocksdb::Slice(record, sizeof record));
    }
    summer.add(key, record, c.synthetic());
  };
  if (ingest) {
    // Nothing stored to merge with: every row is new.
    for (; i < rows.size() && staged.ok(); ++i) stage(rows[i]);
    result.added = rows.size();
  }
  while (it->Valid() || i < rows.size()) {
    std::optional<Candle> stored;
    std::string_view stored_key;
    if (it->Valid()) {
      stored_key = view(it->key());
      const std::string_view v = view(it->value());
      const std::int64_t t = key_time(stored_key);
      if (stored_key.size() != prefix.size() + 8 || v.size() != candle_keys::kRecordBytes ||
          get_le64(v.data() + kBodyBytes) != record_checksum(stored_key, v.data(), kBodyBytes)) {
        return fail_put("damaged candle record for " + name + " at " + time_text(t) + ": checksum mismatch");
      }
      stored = decode_body(v.data(), t);
    }
    if (stored && (i == rows.size() || stored->open_time_ns < rows[i].open_time_ns)) {
      summer.add(stored_key, view(it->value()).data(), stored->synthetic());
      it->Next();
      continue;
    }
    if (!stored || rows[i].open_time_ns < stored->open_time_ns) {
      stage(rows[i++]);
      ++result.added;
      continue;
    }
    const Candle& incoming = rows[i++];
    const std::string_view stored_value = view(it->value());
    char body[kBodyBytes];
    encode_body(body, incoming);
    if (std::memcmp(body, stored_value.data(), kBodyBytes) == 0) {
      ++result.unchanged;
      summer.add(stored_key, stored_value.data(), stored->synthetic());
    } else if (incoming.synthetic() && !stored->synthetic()) {
      ++result.kept_real;
      summer.add(stored_key, stored_value.data(), false);
    } else if (options.overwrite || stored->synthetic()) {
      ++result.overwritten;
      stage(incoming);
    } else {
      if (conflicts++ == 0) {
        auto values = [](const Candle& c) {
          return "o=" + std::to_string(c.open) + " h=" + std::to_string(c.high) + " l=" + std::to_string(c.low) +
                 " c=" + std::to_string(c.close) + " v=" + std::to_string(c.volume);
        };
        first_conflict = time_text(incoming.open_time_ns) + ": stored " + values(*stored) + ", new " + values(incoming);
      }
      summer.add(stored_key, stored_value.data(), stored->synthetic());
    }
    it->Next();
  }
  if (!it->status().ok()) return fail_put("cannot read " + name + " from " + dir_ + ": " + it->status().ToString());
  if (!staged.ok()) return fail_put("cannot write " + name + " to " + dir_ + ": " + staged.ToString());
  it.reset();
  if (conflicts > 0) {
    return std::unexpected(PutError{
        true, std::to_string(conflicts) + " row(s) differ from candles already stored for " + name + "; the first at " +
                  first_conflict + ". Nothing was stored; pass --overwrite to replace them"});
  }

  // Quarantine: keyed by open time, file and line, so a second import of the
  // same file finds its rows already there.
  std::map<std::string, std::string> incoming_quarantine;
  for (const QuarantinedRow& q : quarantine) {
    std::string k = quarantine_key(symbol, tf, q);
    std::string v = encode_quarantine(k, q);
    incoming_quarantine.insert_or_assign(std::move(k), std::move(v));
  }
  std::uint64_t quarantined = 0;
  // The quarantine rows to write, in key order: into the batch, or into a
  // table file of their own when the candles are ingested.
  std::vector<const std::pair<const std::string, std::string>*> quarantine_writes;
  {
    std::unique_ptr<rocksdb::Iterator> q(db_->NewIterator(ro, quarantine_));
    auto next_incoming = incoming_quarantine.begin();
    for (q->Seek(slice(prefix)); q->Valid(); q->Next()) {
      const std::string_view k = view(q->key());
      while (next_incoming != incoming_quarantine.end() && std::string_view(next_incoming->first) < k) {
        ++result.quarantine_added, ++quarantined;
        quarantine_writes.push_back(&*next_incoming);
        ++next_incoming;
      }
      ++quarantined;
      if (next_incoming != incoming_quarantine.end() && next_incoming->first == k) {
        if (next_incoming->second == view(q->value())) {
          ++result.quarantine_unchanged;
        } else {
          ++result.quarantine_updated;
          quarantine_writes.push_back(&*next_incoming);
        }
        ++next_incoming;
      }
    }
    if (!q->status().ok()) return fail_put("cannot read the quarantine of " + name + ": " + q->status().ToString());
    for (; next_incoming != incoming_quarantine.end(); ++next_incoming) {
      ++result.quarantine_added, ++quarantined;
      quarantine_writes.push_back(&*next_incoming);
    }
  }

  result.series = summer.finish(symbol, tf, quarantined);
  const std::string meta = encode_meta(prefix, result.series);
  if (ingest) {
    // The candles, the quarantine rows and the summary are ingested in one
    // call, which RocksDB records in its manifest as one edit: a crash
    // leaves all three or none, as with the batch. Files written but not
    // ingested stay in the ingest folder, which open() empties.
    std::vector<rocksdb::IngestExternalFileArg> args;
    auto add = [&](rocksdb::ColumnFamilyHandle* family, std::unique_ptr<rocksdb::SstFileWriter>& table,
                   const std::string& path) -> rocksdb::Status {
      rocksdb::Status fs = table->Finish();
      if (!fs.ok()) return fs;
      rocksdb::IngestExternalFileArg arg;
      arg.column_family = family;
      arg.external_files = {path};
      arg.options.move_files = true;
      args.push_back(std::move(arg));
      return fs;
    };
    rocksdb::Status ws = add(candles_, candle_table, files.last_path(candles_));
    if (ws.ok() && !quarantine_writes.empty()) {
      auto table = files.open(*db_, quarantine_, "quarantine");
      if (!table) return fail_put("cannot write " + name + " to " + dir_ + ": " + table.error());
      for (const auto* w : quarantine_writes) {
        if (ws = (*table)->Put(slice(w->first), slice(w->second)); !ws.ok()) break;
      }
      if (ws.ok()) ws = add(quarantine_, *table, files.last_path(quarantine_));
    }
    if (ws.ok()) {
      auto table = files.open(*db_, meta_, "meta");
      if (!table) return fail_put("cannot write " + name + " to " + dir_ + ": " + table.error());
      ws = (*table)->Put(slice(prefix), slice(meta));
      if (ws.ok()) ws = add(meta_, *table, files.last_path(meta_));
    }
    if (ws.ok()) ws = db_->IngestExternalFiles(args);
    if (!ws.ok()) return fail_put("cannot write " + name + " to " + dir_ + ": " + ws.ToString());
    return result;
  }
  for (const auto* w : quarantine_writes) batch.Put(quarantine_, slice(w->first), slice(w->second));
  if (batch.Count() == 0) return result;  // everything was there already: not even the summary changes
  batch.Put(meta_, slice(prefix), slice(meta));
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;
  rocksdb::Status s = db_->Write(wo, &batch);
  if (!s.ok()) return fail_put("cannot write " + name + " to " + dir_ + ": " + s.ToString());
  rocksdb::FlushOptions fo;
  fo.wait = true;
  s = db_->Flush(fo, {candles_, quarantine_, meta_});
  if (!s.ok()) return fail_put("cannot flush " + name + " to " + dir_ + ": " + s.ToString());
  return result;
}

std::expected<void, std::string> CandleStore::scan(const std::string& symbol, Timeframe tf, std::int64_t from_ns,
                                                   std::int64_t to_ns, const CandleFn& fn) const {
  if (from_ns >= to_ns) return {};
  const std::string name = series_name(symbol, tf);
  const std::string from = candle_keys::candle_key(symbol, tf, from_ns);
  const std::string to = candle_keys::candle_key(symbol, tf, to_ns);
  rocksdb::ReadOptions ro;
  ro.verify_checksums = true;
  const rocksdb::Slice upper = slice(to);
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, candles_));
  for (it->Seek(slice(from)); it->Valid(); it->Next()) {
    const std::string_view k = view(it->key()), v = view(it->value());
    if (k.size() != from.size()) {
      return std::unexpected("damaged candle key in " + name + ": " + std::to_string(k.size()) + " bytes");
    }
    const std::int64_t t = key_time(k);
    if (v.size() != candle_keys::kRecordBytes) {
      return std::unexpected("damaged candle record for " + name + " at " + time_text(t) + ": " +
                             std::to_string(v.size()) + " bytes, expected " +
                             std::to_string(candle_keys::kRecordBytes));
    }
    if (get_le64(v.data() + kBodyBytes) != record_checksum(k, v.data(), kBodyBytes)) {
      return std::unexpected("damaged candle record for " + name + " at " + time_text(t) + ": checksum mismatch");
    }
    if (!fn(decode_body(v.data(), t))) return {};
  }
  if (!it->status().ok()) {
    return std::unexpected("cannot read " + name + " from " + dir_ + ": " + it->status().ToString());
  }
  return {};
}

std::expected<void, std::string> CandleStore::scan_quarantine(const std::string& symbol, Timeframe tf,
                                                              const QuarantineFn& fn) const {
  const std::string name = series_name(symbol, tf);
  const std::string prefix = candle_keys::series_prefix(symbol, tf);
  std::string upper = prefix;
  upper.back() = static_cast<char>(upper.back() + 1);
  rocksdb::ReadOptions ro;
  ro.verify_checksums = true;
  const rocksdb::Slice upper_slice = slice(upper);
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, quarantine_));
  for (it->Seek(slice(prefix)); it->Valid(); it->Next()) {
    auto q = decode_quarantine(view(it->key()), view(it->value()), name);
    if (!q) return std::unexpected(q.error());
    if (!fn(*q)) return {};
  }
  if (!it->status().ok()) {
    return std::unexpected("cannot read the quarantine of " + name + ": " + it->status().ToString());
  }
  return {};
}

std::expected<std::vector<SeriesInfo>, std::string> CandleStore::list() const {
  std::vector<SeriesInfo> out;
  rocksdb::ReadOptions ro;
  ro.verify_checksums = true;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, meta_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view k = view(it->key());
    if (!k.empty() && k[0] == '\0') continue;  // the format key
    auto s = decode_meta(k, view(it->value()));
    if (!s) return std::unexpected(s.error());
    out.push_back(std::move(*s));
  }
  if (!it->status().ok()) return std::unexpected("cannot list " + dir_ + ": " + it->status().ToString());
  std::sort(out.begin(), out.end(), [](const SeriesInfo& a, const SeriesInfo& b) {
    return std::tie(a.symbol, a.timeframe) < std::tie(b.symbol, b.timeframe);
  });
  return out;
}

std::expected<std::optional<SeriesInfo>, std::string> CandleStore::info(const std::string& symbol, Timeframe tf) const {
  const std::string key = candle_keys::series_prefix(symbol, tf);
  std::string value;
  const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_, slice(key), &value);
  if (s.IsNotFound()) return std::optional<SeriesInfo>{};
  if (!s.ok()) return std::unexpected("cannot read " + dir_ + ": " + s.ToString());
  auto decoded = decode_meta(key, value);
  if (!decoded) return std::unexpected(decoded.error());
  return std::optional<SeriesInfo>{std::move(*decoded)};
}

std::expected<SeriesInfo, std::string> CandleStore::recompute(const std::string& symbol, Timeframe tf) const {
  SeriesSummer summer;
  const std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
  const std::int64_t highest = std::numeric_limits<std::int64_t>::max();
  std::string key, record;
  auto scanned = scan(symbol, tf, lowest, highest, [&](const Candle& c) {
    key = candle_keys::candle_key(symbol, tf, c.open_time_ns);
    record = candle_keys::encode_record(key, c);
    summer.add(key, record.data(), c.synthetic());
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  std::uint64_t quarantined = 0;
  auto q = scan_quarantine(symbol, tf, [&](const QuarantinedRow&) {
    ++quarantined;
    return true;
  });
  if (!q) return std::unexpected(q.error());
  return summer.finish(symbol, tf, quarantined);
}

}  // namespace verity
