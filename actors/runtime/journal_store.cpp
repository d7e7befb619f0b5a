#include "actors/runtime/journal_store.hpp"

namespace verity {

std::string_view family_name(Family f) {
  switch (f) {
    case Family::journal: return "journal";
    case Family::snapshots: return "snapshots";
    case Family::registry: return "registry";
    case Family::book: return "book";
    case Family::meta: return "meta";
  }
  return "unknown";
}

std::string_view durability_name(Durability d) {
  switch (d) {
    case Durability::synced: return "synced";
    case Durability::async: return "async";
    case Durability::off: return "off";
  }
  return "unknown";
}

std::optional<Durability> parse_durability(std::string_view name) {
  if (name == "synced") return Durability::synced;
  if (name == "async") return Durability::async;
  if (name == "off") return Durability::off;
  return std::nullopt;
}

namespace keys {

void append_be64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

std::uint64_t read_be64(std::string_view in) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8 && i < in.size(); ++i) v = v << 8 | static_cast<std::uint8_t>(in[i]);
  return v;
}

std::string record(std::uint64_t session, std::uint64_t seq) {
  std::string k;
  k.reserve(16);
  append_be64(k, session);
  append_be64(k, seq);
  return k;
}

std::string meta(std::uint64_t session, char tag) {
  std::string k;
  k.reserve(9);
  append_be64(k, session);
  k.push_back(tag);
  return k;
}

std::string meta_seq(std::uint64_t session, char tag, std::uint64_t seq) {
  std::string k = meta(session, tag);
  append_be64(k, seq);
  return k;
}

std::string session_end(std::uint64_t session) {
  std::string k;
  append_be64(k, session);
  k.append(9, '\xff');
  return k;
}

}  // namespace keys
}  // namespace verity
