// The JSON summary line a verity command prints last, as tests read it.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "tests/support/run_command.hpp"

namespace verity::testing {

/// The last line of `out`, parsed; a test failure (showing `out`) when it is not JSON.
inline nlohmann::json last_json(const std::string& out) {
  const auto all = lines(out);
  auto j = nlohmann::json::parse(all.empty() ? "" : all.back(), nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << out;
  return j;
}

inline nlohmann::json last_json(const CommandResult& r) {
  auto j = nlohmann::json::parse(r.last_line(), nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  return j;
}

/// A challenge summary without the figures of the run itself (its wall
/// clock and thread count), the only ones allowed to differ between runs of
/// one batch (docs/DISTRIBUTED.md).
inline nlohmann::json without_per_run(nlohmann::json j) {
  for (const char* k : {"elapsed_s", "bars_per_s", "bars_per_s_per_core", "threads"}) j.erase(k);
  return j;
}

}  // namespace verity::testing
