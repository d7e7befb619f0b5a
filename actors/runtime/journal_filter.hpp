// Which journaled messages a tool looks at: a seq range, an optional time
// limit, and sets of actors and kinds. Shared by `verity journal cat` /
// `export` and `verity replay --step`, so every tool selects messages the
// same way and rejects the same bad names with the same message.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "actors/runtime/envelope.hpp"

namespace verity {

struct JournalFilter {
  std::uint64_t from_seq = 1;          // inclusive
  std::uint64_t to_seq = UINT64_MAX;   // inclusive
  std::optional<std::int64_t> until_ns;  // inclusive: messages at or before this time
  std::set<ActorId> actors;  // empty: any; else the source or the destination is one of them
  std::set<Kind> kinds;      // empty: any

  bool matches(const Frame& frame) const;
  /// True once no later seq can match: the frame is past `to_seq`. Time is
  /// not used: logical time never goes backwards, but a tool that stops on
  /// time should say so itself.
  bool past_end(const Frame& frame) const { return frame.seq() > to_seq; }
  /// "seq 5..80, actors feed,risk, kinds bar": for messages and logs.
  std::string describe() const;
};

/// Parses "feed,risk" (schema names, as `actor_name` prints them). Empty
/// text is the empty set. An unknown name is an error listing the valid ones.
std::expected<std::set<ActorId>, std::string> parse_actor_list(std::string_view text);
/// Parses "bar,orderIntent" (the envelope union's member names, as
/// `kind_name` prints them). Empty text is the empty set.
std::expected<std::set<Kind>, std::string> parse_kind_list(std::string_view text);

/// Every actor name, "external, sequencer, ...", in schema order.
std::string valid_actor_names();
/// Every kind name, "bar, trade, ...", in schema order.
std::string valid_kind_names();

/// A filter from command-line text; empty strings mean "any". `until` is
/// ISO 8601 (calendar.hpp's parse_iso8601_ns), or empty. Checks from <= to.
struct JournalFilterText {
  std::uint64_t from_seq = 1;
  std::uint64_t to_seq = UINT64_MAX;
  std::string until;
  std::string actors;
  std::string kinds;
};
std::expected<JournalFilter, std::string> make_filter(const JournalFilterText& text);

}  // namespace verity
