// Structured logs: one JSON object per line on stderr, through spdlog.
// Every line carries ts, level, mode, session, seq, actor and event; `ts` is
// the session's logical time, so a sim's log is as reproducible as its
// journal. Secrets must never be passed in `fields`.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string_view>

#include "actors/runtime/journal_records.hpp"

namespace spdlog {
class logger;
}

namespace verity {

enum class LogLevel { trace, debug, info, warn, error, off };
std::optional<LogLevel> parse_log_level(std::string_view name);

class Logger {
 public:
  /// Writes to stderr at `level` and above.
  Logger(Mode mode, std::uint64_t session, LogLevel level);
  /// A logger that writes nothing (tests, benchmarks).
  static Logger silent();

  Mode mode() const { return mode_; }
  bool enabled(LogLevel level) const { return level >= level_ && level_ != LogLevel::off; }
  void event(LogLevel level, std::int64_t time_ns, std::uint64_t seq, std::string_view actor, std::string_view event,
             const nlohmann::ordered_json& fields = nlohmann::ordered_json::object()) const;

 private:
  Mode mode_;
  std::uint64_t session_;
  LogLevel level_;
  std::shared_ptr<spdlog::logger> sink_;
};

/// Session ids print as 16 hex digits.
std::string session_hex(std::uint64_t session);

}  // namespace verity
