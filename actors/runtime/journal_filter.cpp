#include "actors/runtime/journal_filter.hpp"

#include <capnp/schema.h>

#include "actors/runtime/calendar.hpp"

namespace verity {

namespace {

/// Splits on commas, trimming spaces; empty items are an error.
std::expected<std::vector<std::string_view>, std::string> split_list(std::string_view text, const char* what) {
  std::vector<std::string_view> out;
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  if (trim(text).empty()) return out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item = trim(text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
    if (item.empty()) {
      return std::unexpected("empty " + std::string(what) + " name in \"" + std::string(text) + "\"");
    }
    out.push_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

bool JournalFilter::matches(const Frame& frame) const {
  const std::uint64_t seq = frame.seq();
  if (seq < from_seq || seq > to_seq) return false;
  if (until_ns && frame.time_ns() > *until_ns) return false;
  if (!kinds.empty() && !kinds.contains(frame.kind())) return false;
  if (!actors.empty() && !actors.contains(frame.source()) && !actors.contains(frame.destination())) return false;
  return true;
}

std::string JournalFilter::describe() const {
  std::string out = "seq " + std::to_string(from_seq) + "..";
  out += to_seq == UINT64_MAX ? "end" : std::to_string(to_seq);
  if (until_ns) out += ", until " + format_iso8601_ms(*until_ns);
  if (!actors.empty()) {
    out += ", actors ";
    bool first = true;
    for (ActorId a : actors) {
      out += (first ? "" : ",") + std::string(actor_name(a));
      first = false;
    }
  }
  if (!kinds.empty()) {
    out += ", kinds ";
    bool first = true;
    for (Kind k : kinds) {
      out += (first ? "" : ",") + std::string(kind_name(k));
      first = false;
    }
  }
  return out;
}

std::string valid_actor_names() {
  std::string out;
  for (auto e : capnp::Schema::from<ActorId>().getEnumerants()) {
    auto n = e.getProto().getName();
    out += (out.empty() ? "" : ", ") + std::string(n.begin(), n.size());
  }
  return out;
}

std::string valid_kind_names() {
  std::string out;
  for (auto field : capnp::Schema::from<schema::Envelope::Payload>().getUnionFields()) {
    auto n = field.getProto().getName();
    out += (out.empty() ? "" : ", ") + std::string(n.begin(), n.size());
  }
  return out;
}

std::expected<std::set<ActorId>, std::string> parse_actor_list(std::string_view text) {
  auto items = split_list(text, "actor");
  if (!items) return std::unexpected(items.error());
  std::set<ActorId> out;
  for (std::string_view name : *items) {
    ActorId a;
    if (!parse_actor(name, a)) {
      return std::unexpected("unknown actor \"" + std::string(name) + "\"; valid actors: " + valid_actor_names());
    }
    out.insert(a);
  }
  return out;
}

std::expected<std::set<Kind>, std::string> parse_kind_list(std::string_view text) {
  auto items = split_list(text, "kind");
  if (!items) return std::unexpected(items.error());
  std::set<Kind> out;
  for (std::string_view name : *items) {
    Kind k;
    if (!parse_kind(name, k)) {
      return std::unexpected("unknown kind \"" + std::string(name) + "\"; valid kinds: " + valid_kind_names());
    }
    out.insert(k);
  }
  return out;
}

std::expected<JournalFilter, std::string> make_filter(const JournalFilterText& text) {
  JournalFilter f;
  if (text.from_seq > text.to_seq) {
    return std::unexpected("--from-seq " + std::to_string(text.from_seq) + " is after --to-seq " +
                           std::to_string(text.to_seq));
  }
  f.from_seq = text.from_seq;
  f.to_seq = text.to_seq;
  if (!text.until.empty()) {
    auto t = parse_iso8601_ns(text.until);
    if (!t) {
      return std::unexpected("--until \"" + text.until +
                             "\" is not an ISO 8601 UTC time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.fff][Z])");
    }
    f.until_ns = *t;
  }
  auto actors = parse_actor_list(text.actors);
  if (!actors) return std::unexpected("--actor: " + actors.error());
  f.actors = std::move(*actors);
  auto kinds = parse_kind_list(text.kinds);
  if (!kinds) return std::unexpected("--kind: " + kinds.error());
  f.kinds = std::move(*kinds);
  return f;
}

}  // namespace verity
