// Blocking HTTP(S) calls through libcurl, for the exchange and Telegram
// clients. Thread-safe: each thread reuses its own curl handle (and so its
// kept-alive connections); curl_global_init runs once. Only transport
// failures are errors; any HTTP status is a result for the caller to judge.
// Error messages name the URL without its query string, since a query may
// carry a signature or a token.
#pragma once

#include <chrono>
#include <cstddef>
#include <expected>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace verity::net {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; the last of a repeated header wins
  std::string body;
};

struct HttpCall {
  std::string method = "GET";
  std::string url;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{10000};  // the whole call
  std::chrono::milliseconds connect_timeout{5000};
  /// A longer response body is an error rather than unbounded memory.
  std::size_t max_response_bytes = std::size_t{64} << 20;
};

std::expected<HttpResult, std::string> http_call(const HttpCall& call);

/// RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - _ . ~ is escaped.
std::string url_encode(std::string_view s);

/// `url` without its query string and fragment: what an error may show.
std::string url_without_query(std::string_view url);

}  // namespace verity::net
