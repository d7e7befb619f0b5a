// The journal store's in-memory twin: the same staging and atomic commit as
// RocksDbStore, over ordered maps. Lost when the process ends.
#pragma once

#include <array>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "actors/runtime/journal_store.hpp"

namespace verity {

class MemoryStore final : public JournalStore {
 public:
  void put(Family family, std::string_view key, std::string_view value) override;
  void erase_range(Family family, std::string_view from, std::string_view to) override;
  Status commit() override;
  Status flush() override { return {}; }
  std::expected<std::optional<std::string>, std::string> get(Family family, std::string_view key) override;
  Status scan(Family family, std::string_view from, std::string_view to, const ScanFn& fn) override;
  std::string describe() const override { return "memory journal"; }

  /// Direct access for tests that damage stored data on purpose.
  std::map<std::string, std::string>& family(Family f) { return data_[static_cast<int>(f)]; }

 private:
  struct Put {
    Family family;
    std::string key, value;
  };
  struct Erase {
    Family family;
    std::string from, to;
  };
  std::array<std::map<std::string, std::string>, kFamilyCount> data_;
  std::vector<std::variant<Put, Erase>> staged_;
};

}  // namespace verity
