// A JSON value's type in words, for errors of the form "expected X, got Y"
// (partial results, the Telegram Bot API's answers).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace verity {

inline std::string json_type_words(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "an integer";
    case nlohmann::json::value_t::number_float: return "a number";
    default: return "something else";  // binary, or a failed parse
  }
}

}  // namespace verity
