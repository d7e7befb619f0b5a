#include "actors/runtime/memory_store.hpp"

namespace verity {

void MemoryStore::put(Family family, std::string_view key, std::string_view value) {
  staged_.emplace_back(Put{family, std::string(key), std::string(value)});
}

void MemoryStore::erase_range(Family family, std::string_view from, std::string_view to) {
  staged_.emplace_back(Erase{family, std::string(from), std::string(to)});
}

Status MemoryStore::commit() {
  for (auto& op : staged_) {
    if (auto* p = std::get_if<Put>(&op)) {
      data_[static_cast<int>(p->family)][std::move(p->key)] = std::move(p->value);
    } else {
      auto& e = std::get<Erase>(op);
      auto& m = data_[static_cast<int>(e.family)];
      m.erase(m.lower_bound(e.from), m.lower_bound(e.to));
    }
  }
  staged_.clear();
  return {};
}

std::expected<std::optional<std::string>, std::string> MemoryStore::get(Family family, std::string_view key) {
  auto& m = data_[static_cast<int>(family)];
  auto it = m.find(std::string(key));
  if (it == m.end()) return std::optional<std::string>{};
  return std::optional<std::string>{it->second};
}

Status MemoryStore::scan(Family family, std::string_view from, std::string_view to, const ScanFn& fn) {
  auto& m = data_[static_cast<int>(family)];
  for (auto it = m.lower_bound(std::string(from)); it != m.end() && it->first < to; ++it) {
    if (!fn(it->first, it->second)) break;
  }
  return {};
}

}  // namespace verity
