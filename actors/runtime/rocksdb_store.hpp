// The journal store on RocksDB: one database folder, the five column
// families as RocksDB column families, one WriteBatch per commit.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "actors/runtime/journal_store.hpp"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

namespace verity {

class RocksDbStore final : public JournalStore {
 public:
  /// Opens (creating if needed) the database in `dir`.
  static std::expected<std::unique_ptr<RocksDbStore>, std::string> open(const std::string& dir,
                                                                        Durability durability);
  /// Opens an existing database for reading only; fails if there is none.
  static std::expected<std::unique_ptr<RocksDbStore>, std::string> open_read_only(const std::string& dir);
  ~RocksDbStore() override;

  void put(Family family, std::string_view key, std::string_view value) override;
  void erase_range(Family family, std::string_view from, std::string_view to) override;
  Status commit() override;
  Status flush() override;
  /// SyncWAL; an error with durability off, which writes no WAL.
  Status sync() override;
  std::expected<std::optional<std::string>, std::string> get(Family family, std::string_view key) override;
  Status scan(Family family, std::string_view from, std::string_view to, const ScanFn& fn) override;
  std::string describe() const override { return "rocksdb journal at " + dir_; }

  Durability durability() const { return durability_; }

  /// Writes a consistent copy of the whole database (every column family) to
  /// `dir`, which must not exist; its parent is created. Memtables are
  /// flushed first, so the copy holds no WAL to replay. On the same file
  /// system the table files are hard links (they are immutable), elsewhere
  /// copies. The copy opens as a journal like any other.
  Status checkpoint(const std::string& dir);
  /// Compacts every column family, so space freed by erase_range is given
  /// back to the file system now rather than at some later compaction.
  Status compact();
  /// Bytes held in memtables now, every column family (RocksDB's
  /// cur-size-all-mem-tables): the journal's share of the process's memory,
  /// which grows with what is written until a flush (write_buffer_size).
  std::uint64_t memtable_bytes() const;

 private:
  RocksDbStore(std::string dir, Durability durability);
  static std::expected<std::unique_ptr<RocksDbStore>, std::string> open_impl(const std::string& dir,
                                                                             Durability durability,
                                                                             bool read_only);

  std::string dir_;
  Durability durability_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> families_;  // indexed by Family
  rocksdb::ColumnFamilyHandle* default_family_ = nullptr;
  std::unique_ptr<rocksdb::WriteBatch> batch_;
};

}  // namespace verity
