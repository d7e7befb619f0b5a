#include "live/secrets.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace verity {

std::string Secret::describe() const {
  return value_.empty() ? "(not set)" : "(set, " + std::to_string(value_.size()) + " bytes)";
}

std::expected<Secret, std::string> read_secret(const std::map<std::string, std::string>& environment,
                                               std::string_view var) {
  const std::string name(var);
  const std::string file_var = name + "_FILE";
  const auto direct = environment.find(name);
  const auto file = environment.find(file_var);
  const bool has_direct = direct != environment.end() && !direct->second.empty();
  const bool has_file = file != environment.end() && !file->second.empty();
  if (has_direct && has_file) {
    return std::unexpected("both " + name + " and " + file_var + " are set; set one of them");
  }
  if (has_direct) return Secret(direct->second);
  if (!has_file) return Secret();
  std::ifstream in(file->second, std::ios::binary);
  if (!in) return std::unexpected(file_var + ": cannot read " + file->second);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string value = ss.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ' || value.back() == '\t'))
    value.pop_back();
  if (value.empty()) return std::unexpected(file_var + ": " + file->second + " is empty");
  if (value.find('\n') != std::string::npos) {
    return std::unexpected(file_var + ": " + file->second + " holds more than one line; expected the secret alone");
  }
  return Secret(std::move(value));
}

std::expected<Secret, std::string> read_process_secret(std::string_view var) {
  std::map<std::string, std::string> env;
  for (const std::string& name : {std::string(var), std::string(var) + "_FILE"}) {
    if (const char* v = std::getenv(name.c_str())) env[name] = v;
  }
  return read_secret(env, var);
}

std::string redact(std::string text, std::initializer_list<const Secret*> secrets) {
  for (const Secret* s : secrets) {
    if (s == nullptr || s->reveal().size() < 4) continue;
    const std::string& v = s->reveal();
    for (std::size_t at = text.find(v); at != std::string::npos; at = text.find(v, at + 3)) text.replace(at, v.size(), "***");
  }
  return text;
}

}  // namespace verity
