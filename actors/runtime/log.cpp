#include "actors/runtime/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "actors/runtime/calendar.hpp"

namespace verity {

std::optional<LogLevel> parse_log_level(std::string_view name) {
  if (name == "trace") return LogLevel::trace;
  if (name == "debug") return LogLevel::debug;
  if (name == "info") return LogLevel::info;
  if (name == "warn") return LogLevel::warn;
  if (name == "error") return LogLevel::error;
  if (name == "off") return LogLevel::off;
  return std::nullopt;
}

namespace {
const char* level_text(LogLevel l) {
  switch (l) {
    case LogLevel::trace: return "trace";
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
    case LogLevel::off: return "off";
  }
  return "info";
}

std::shared_ptr<spdlog::logger> stderr_json_sink() {
  static std::shared_ptr<spdlog::logger> sink = [] {
    auto s = std::make_shared<spdlog::logger>("verity", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    s->set_pattern("%v");  // the line is already a JSON object
    s->set_level(spdlog::level::trace);
    s->flush_on(spdlog::level::warn);
    return s;
  }();
  return sink;
}
}  // namespace

std::string session_hex(std::uint64_t session) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(session));
  return buf;
}

Logger::Logger(Mode mode, std::uint64_t session, LogLevel level)
    : mode_(mode), session_(session), level_(level), sink_(level == LogLevel::off ? nullptr : stderr_json_sink()) {}

Logger Logger::silent() { return Logger(Mode::SIM, 0, LogLevel::off); }

void Logger::event(LogLevel level, std::int64_t time_ns, std::uint64_t seq, std::string_view actor,
                   std::string_view event, const nlohmann::ordered_json& fields) const {
  if (!enabled(level) || !sink_) return;
  nlohmann::ordered_json line;
  line["ts"] = format_iso8601_ms(time_ns);
  line["level"] = level_text(level);
  line["mode"] = mode_name(mode_);
  line["session"] = session_hex(session_);
  line["seq"] = seq;
  line["actor"] = actor;
  line["event"] = event;
  for (auto it = fields.begin(); it != fields.end(); ++it) line[it.key()] = it.value();
  sink_->info("{}", line.dump());
}

}  // namespace verity
