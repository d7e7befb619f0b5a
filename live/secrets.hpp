// Secrets (exchange API key and secret, Telegram bot token) come only from
// the environment or from a file, never from a config file or a flag, and
// never reach a log line or a journal payload: the config records only
// whether a secret was set. A value is read from VAR, or from the file that
// VAR_FILE names (Docker and systemd credentials), trimmed of trailing
// whitespace. Setting both is an error, so an operator never wonders which
// one is in force.
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace verity {

/// A secret value that does not print: it has no operator<< and no
/// conversion; `reveal()` is the one way to the bytes, for the code that
/// signs or sends them.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  bool empty() const { return value_.empty(); }
  const std::string& reveal() const { return value_; }
  /// "(set, 64 bytes)" or "(not set)": what a log may say about it.
  std::string describe() const;

 private:
  std::string value_;
};

/// VAR from `environment`, or the contents of the file VAR_FILE names.
/// Not set: an empty Secret. Errors name the variable and the file.
std::expected<Secret, std::string> read_secret(const std::map<std::string, std::string>& environment,
                                               std::string_view var);

/// read_secret from this process's environment (VAR and VAR_FILE only).
std::expected<Secret, std::string> read_process_secret(std::string_view var);

/// `text` with every occurrence of each non-empty secret (at least 4 bytes)
/// replaced by "***": a last line of defence for messages built from
/// outside data (an exchange's error body may echo a key).
std::string redact(std::string text, std::initializer_list<const Secret*> secrets);

}  // namespace verity
