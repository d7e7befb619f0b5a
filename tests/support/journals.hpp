// Reading back the journal a test's run wrote.
#pragma once

#include <expected>
#include <string>

#include "actors/runtime/journal_reader.hpp"

namespace verity::testing {

/// The reader of the one session `store` holds: an error naming how many
/// sessions it holds when that is not exactly one.
inline std::expected<JournalReader, std::string> only_session(JournalStore& store) {
  auto sessions = JournalReader::sessions(store);
  if (!sessions) return std::unexpected(sessions.error());
  if (sessions->size() != 1) {
    return std::unexpected("the journal holds " + std::to_string(sessions->size()) + " sessions; expected one");
  }
  return JournalReader::open(store, sessions->front());
}

}  // namespace verity::testing
