// ASCII case conversion, the same on every machine and in every locale
// (std::tolower follows the C locale): symbols, stream names, HTTP header
// names, command words.
#pragma once

#include <string>
#include <string_view>

namespace verity {

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

inline std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

}  // namespace verity
