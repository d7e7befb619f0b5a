#include "actors/runtime/rocksdb_store.hpp"

#include <algorithm>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <filesystem>

namespace verity {

namespace {

rocksdb::ColumnFamilyOptions family_options(Family f) {
  rocksdb::ColumnFamilyOptions o;
  o.compression = rocksdb::kNoCompression;
  rocksdb::BlockBasedTableOptions table;
  // Debian's RocksDB has no hardware CRC32C; XXH3 block checksums are cheaper.
  table.checksum = rocksdb::kXXH3;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  if (f == Family::journal) {
    // Append-only, sequential keys: large memtables, few flushes, and a
    // vector memtable (O(1) append; sorted once at flush) instead of a skiplist.
    o.write_buffer_size = 256 << 20;
    o.max_write_buffer_number = 4;
    o.memtable_factory.reset(new rocksdb::VectorRepFactory());
  }
  return o;
}

std::string status_text(const rocksdb::Status& s) { return s.ToString(); }

}  // namespace

RocksDbStore::RocksDbStore(std::string dir, Durability durability)
    : dir_(std::move(dir)), durability_(durability), batch_(std::make_unique<rocksdb::WriteBatch>()) {}

RocksDbStore::~RocksDbStore() {
  if (db_) {
    for (auto* h : families_) {
      if (h != nullptr) db_->DestroyColumnFamilyHandle(h);
    }
    if (default_family_) db_->DestroyColumnFamilyHandle(default_family_);
    (void)db_->Close();
  }
}

std::expected<std::unique_ptr<RocksDbStore>, std::string> RocksDbStore::open(const std::string& dir,
                                                                             Durability durability) {
  return open_impl(dir, durability, false);
}

std::expected<std::unique_ptr<RocksDbStore>, std::string> RocksDbStore::open_read_only(
    const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(dir) / "CURRENT", ec)) {
    return std::unexpected("no journal at " + dir + ": expected a RocksDB folder with a CURRENT file");
  }
  return open_impl(dir, Durability::async, true);
}

std::expected<std::unique_ptr<RocksDbStore>, std::string> RocksDbStore::open_impl(const std::string& dir,
                                                                                  Durability durability,
                                                                                  bool read_only) {
  std::unique_ptr<RocksDbStore> store(new RocksDbStore(dir, durability));
  std::error_code ec;
  if (!read_only) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return std::unexpected("cannot create journal folder " + dir + ": " + ec.message());
  }
  rocksdb::DBOptions options;
  options.create_if_missing = !read_only;
  options.create_missing_column_families = !read_only;
  options.paranoid_checks = true;
  // A torn last record after a crash is expected; corruption anywhere else
  // must stop the open rather than silently drop data.
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  options.max_background_jobs = 2;
  // The vector memtable takes writes from one thread at a time, as we do.
  options.allow_concurrent_memtable_write = false;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  options.keep_log_file_num = 2;

  // Read-only, open the families that exist: a run killed while RocksDB
  // was creating them leaves some missing, and a missing family reads as
  // empty. Writable opens create whatever is missing.
  std::vector<std::string> existing;
  if (read_only) {
    rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(options, dir, &existing);
    if (!listed.ok()) return std::unexpected("cannot open journal at " + dir + ": " + status_text(listed));
  }
  auto wanted = [&](const std::string& name) {
    return !read_only || std::find(existing.begin(), existing.end(), name) != existing.end();
  };
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  std::vector<int> slot;  // the Family of each descriptor after the default one
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (int i = 0; i < kFamilyCount; ++i) {
    auto f = static_cast<Family>(i);
    if (!wanted(std::string(family_name(f)))) continue;
    descriptors.emplace_back(std::string(family_name(f)), family_options(f));
    slot.push_back(i);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = read_only ? rocksdb::DB::OpenForReadOnly(options, dir, descriptors, &handles, &raw)
                                : rocksdb::DB::Open(options, dir, descriptors, &handles, &raw);
  if (!s.ok()) return std::unexpected("cannot open journal at " + dir + ": " + status_text(s));
  store->db_.reset(raw);
  store->default_family_ = handles[0];
  store->families_.assign(kFamilyCount, nullptr);
  for (std::size_t k = 0; k < slot.size(); ++k) store->families_[slot[k]] = handles[k + 1];
  return store;
}

void RocksDbStore::put(Family family, std::string_view key, std::string_view value) {
  // Put only fails on a batch over 4 GiB; commit() per step keeps it small.
  (void)batch_->Put(families_[static_cast<int>(family)], rocksdb::Slice(key.data(), key.size()),
                    rocksdb::Slice(value.data(), value.size()));
}

void RocksDbStore::erase_range(Family family, std::string_view from, std::string_view to) {
  (void)batch_->DeleteRange(families_[static_cast<int>(family)], rocksdb::Slice(from.data(), from.size()),
                            rocksdb::Slice(to.data(), to.size()));
}

Status RocksDbStore::commit() {
  if (batch_->Count() == 0) return {};
  rocksdb::WriteOptions wo;
  wo.sync = durability_ == Durability::synced;
  wo.disableWAL = durability_ == Durability::off;
  rocksdb::Status s = db_->Write(wo, batch_.get());
  batch_->Clear();
  if (!s.ok()) return std::unexpected("journal write failed at " + dir_ + ": " + status_text(s));
  return {};
}

Status RocksDbStore::sync() {
  if (durability_ == Durability::synced) return {};
  if (durability_ == Durability::off) {
    return std::unexpected("journal at " + dir_ + " has durability off: no write-ahead log to sync");
  }
  rocksdb::Status s = db_->SyncWAL();
  if (!s.ok()) return std::unexpected("journal WAL sync failed at " + dir_ + ": " + status_text(s));
  return {};
}

Status RocksDbStore::flush() {
  rocksdb::FlushOptions fo;
  fo.wait = true;
  rocksdb::Status s = db_->Flush(fo, families_);
  if (!s.ok()) return std::unexpected("journal flush failed at " + dir_ + ": " + status_text(s));
  return {};
}

std::expected<std::optional<std::string>, std::string> RocksDbStore::get(Family family, std::string_view key) {
  if (families_[static_cast<int>(family)] == nullptr) return std::optional<std::string>{};  // never created
  std::string value;
  rocksdb::ReadOptions ro;
  ro.verify_checksums = true;
  rocksdb::Status s = db_->Get(ro, families_[static_cast<int>(family)], rocksdb::Slice(key.data(), key.size()),
                               &value);
  if (s.IsNotFound()) return std::optional<std::string>{};
  if (!s.ok()) return std::unexpected("journal read failed at " + dir_ + ": " + status_text(s));
  return std::optional<std::string>{std::move(value)};
}

Status RocksDbStore::scan(Family family, std::string_view from, std::string_view to, const ScanFn& fn) {
  if (families_[static_cast<int>(family)] == nullptr) return {};  // never created: empty
  rocksdb::ReadOptions ro;
  ro.verify_checksums = true;
  rocksdb::Slice upper(to.data(), to.size());
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, families_[static_cast<int>(family)]));
  for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid(); it->Next()) {
    auto k = it->key();
    auto v = it->value();
    if (!fn(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size()))) return {};
  }
  if (!it->status().ok()) return std::unexpected("journal read failed at " + dir_ + ": " + status_text(it->status()));
  return {};
}

Status RocksDbStore::checkpoint(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    return std::unexpected("cannot write a checkpoint to " + dir + ": it already exists");
  }
  const auto parent = std::filesystem::path(dir).parent_path();
  if (!parent.empty()) {
    std::filesystem::create_directories(parent, ec);
    if (ec) return std::unexpected("cannot create folder " + parent.string() + ": " + ec.message());
  }
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &raw);
  if (!s.ok()) return std::unexpected("cannot checkpoint the journal at " + dir_ + ": " + status_text(s));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  s = checkpoint->CreateCheckpoint(dir);
  if (!s.ok()) {
    return std::unexpected("checkpoint of the journal at " + dir_ + " to " + dir + " failed: " + status_text(s));
  }
  return {};
}

Status RocksDbStore::compact() {
  rocksdb::CompactRangeOptions o;
  for (auto* h : families_) {
    rocksdb::Status s = db_->CompactRange(o, h, nullptr, nullptr);
    if (!s.ok()) return std::unexpected("journal compaction failed at " + dir_ + ": " + status_text(s));
  }
  return {};
}

std::uint64_t RocksDbStore::memtable_bytes() const {
  std::uint64_t total = 0;
  for (auto* h : families_) {
    std::uint64_t v = 0;
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kCurSizeAllMemTables, &v)) total += v;
  }
  return total;
}

}  // namespace verity
