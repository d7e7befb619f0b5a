// Request signing for Binance's SIGNED endpoints, shared by the connector
// and the mock exchange so both sides agree byte for byte: the signature is
// the lower-case hex HMAC-SHA256 of the query string followed by the body,
// keyed with the API secret.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace verity::binance {

using Params = std::vector<std::pair<std::string, std::string>>;

/// Lower-case hex HMAC-SHA256 of `payload` with `key`.
std::string hmac_sha256_hex(std::string_view key, std::string_view payload);

/// "a=1&b=x%20y" in the given order, values percent-encoded.
std::string encode_params(const Params& params);

/// A decimal for a request parameter: fixed notation, at most 8 decimals
/// (Binance's precision), no trailing zeros, never an exponent.
std::string format_decimal(double value);

}  // namespace verity::binance
