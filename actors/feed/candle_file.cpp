#include "actors/feed/candle_file.hpp"

#include "actors/runtime/calendar.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <utility>

namespace verity {

std::string_view candle_format_name(CandleFormat f) {
  switch (f) {
    case CandleFormat::auto_detect: return "auto";
    case CandleFormat::binance_kline_csv: return "binance-kline-csv";
    case CandleFormat::freqtrade_json: return "freqtrade-json";
    case CandleFormat::generic_csv: return "generic-csv";
    case CandleFormat::lean_zip: return "lean-zip";
  }
  return "auto";
}

std::optional<CandleFormat> parse_candle_format(std::string_view name) {
  for (CandleFormat f : {CandleFormat::auto_detect, CandleFormat::binance_kline_csv, CandleFormat::freqtrade_json,
                         CandleFormat::generic_csv, CandleFormat::lean_zip}) {
    if (candle_format_name(f) == name) return f;
  }
  return std::nullopt;
}

std::string LoadError::text() const {
  std::string out = file;
  if (line != 0) out += " " + unit + " " + std::to_string(line);
  if (!column.empty()) out += (line != 0 ? ", column " : " column ") + column;
  return out + ": " + message;
}

namespace {

using Fail = std::unexpected<LoadError>;

constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::int64_t kNsPerDay = 86'400'000'000'000;

Fail fail(const std::string& file, std::uint64_t line, std::string column, std::string message) {
  return Fail(LoadError{file, line, std::move(column), std::move(message)});
}


/// "2021-04-20T02:00:00Z", with the fraction only when there is one.
std::string iso_text(std::int64_t t_ns) {
  const std::int64_t days = floor_div(t_ns, kNsPerDay);
  std::int64_t rem = t_ns - days * kNsPerDay;
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  const auto sec = rem / 1'000'000'000;
  rem %= 1'000'000'000;
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld", static_cast<long long>(y), m, d,
                        static_cast<long long>(sec / 3600), static_cast<long long>(sec / 60 % 60),
                        static_cast<long long>(sec % 60));
  if (rem != 0) {
    n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), ".%09lld", static_cast<long long>(rem));
  }
  std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), "Z");
  return buf;
}

// --- fields and numbers --------------------------------------------------------

/// A field quoted for an error message: at most 40 characters, control bytes escaped.
std::string shown(std::string_view field) {
  std::string out = "'";
  for (std::size_t i = 0; i < field.size() && i < 40; ++i) {
    const auto c = static_cast<unsigned char>(field[i]);
    if (c < 0x20 || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (field.size() > 40) out += "...";
  return out + "'";
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view f) {
  while (!f.empty() && (f.front() == ' ' || f.front() == '\t')) f.remove_prefix(1);
  while (!f.empty() && (f.back() == ' ' || f.back() == '\t')) f.remove_suffix(1);
  if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
  return f;
}

bool blank(std::string_view line) { return std::all_of(line.begin(), line.end(), is_space); }

constexpr double kExactPowersOf10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/// Clinger's fast path for plain decimals ("-123.456"): when the digits
/// without the point fit in 2^53 and there are at most 22 decimals, both
/// the integer and the power of ten are exact doubles, so one IEEE division
/// rounds correctly and gives the same bits as from_chars. Returns false
/// (and leaves the field to from_chars) for anything else.
inline bool parse_plain_decimal(const char* p, const char* end, double& out) {
  bool negative = false;
  if (p != end && *p == '-') negative = true, ++p;
  std::uint64_t mantissa = 0;
  int digits = 0;
  const char* int_start = p;
  while (p != end && static_cast<unsigned>(*p - '0') < 10u) {
    mantissa = mantissa * 10 + static_cast<unsigned>(*p++ - '0');
    ++digits;
  }
  if (p == int_start) return false;
  int decimals = 0;
  if (p != end && *p == '.') {
    const char* frac_start = ++p;
    while (p != end && static_cast<unsigned>(*p - '0') < 10u) {
      mantissa = mantissa * 10 + static_cast<unsigned>(*p++ - '0');
      ++digits;
    }
    decimals = static_cast<int>(p - frac_start);
    if (decimals == 0) return false;
  }
  if (p != end || digits > 19 || decimals > 22 || mantissa > (1ull << 53)) return false;
  double v = static_cast<double>(mantissa);
  if (decimals) v /= kExactPowersOf10[decimals];
  out = negative ? -v : v;
  return true;
}

/// The whole field as a double: decimal or exponent notation, or nan/inf
/// (which the validator reports). No hex, no trailing text.
bool parse_double(std::string_view f, double& out) {
  if (f.empty()) return false;
  if (f.front() == ' ' || f.back() == ' ' || f.front() == '"' || f.front() == '\t' || f.back() == '\t') f = trim(f);
  const char* first = f.data();
  const char* last = f.data() + f.size();
  if (parse_plain_decimal(first, last, out)) return true;
  if (first != last && *first == '+') ++first;  // from_chars takes no '+'; some writers emit one
  if (first == last) return false;
  auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc() && ptr == last;
}

/// Whether the whole field is a number, without converting it: a quick
/// look for plain decimals, parse_double() for everything else.
bool is_number(std::string_view f) {
  const char* p = f.data();
  const char* end = p + f.size();
  if (p != end && *p == '-') ++p;
  const char* digits = p;
  while (p != end && static_cast<unsigned>(*p - '0') < 10u) ++p;
  if (p != digits && p != end && *p == '.') {
    const char* frac = ++p;
    while (p != end && static_cast<unsigned>(*p - '0') < 10u) ++p;
    if (p == frac) p = digits;  // "1." goes the slow way
  }
  if (p == end && p != digits) return true;
  double ignored;
  return parse_double(f, ignored);
}

bool parse_int64(std::string_view f, std::int64_t& out) {
  if (f.empty()) return false;
  if (f.front() == ' ' || f.back() == ' ' || f.front() == '"' || f.front() == '\t' || f.back() == '\t') f = trim(f);
  auto [ptr, ec] = std::from_chars(f.data(), f.data() + f.size(), out);
  return ec == std::errc() && ptr == f.data() + f.size();
}

/// Up to kMaxFields fields of a line; `n` counts all of them.
constexpr std::size_t kMaxFields = 64;
struct Fields {
  std::array<std::string_view, kMaxFields> f;
  std::size_t n = 0;
  std::string_view operator[](std::size_t i) const { return f[i]; }
};

void split(std::string_view line, char delim, Fields& out) {
  // A plain loop: fields are a few bytes long, shorter than a memchr call is worth.
  out.n = 0;
  const char* start = line.data();
  const char* end = start + line.size();
  for (const char* p = start;; ++p) {
    if (p == end || *p == delim) {
      if (out.n < kMaxFields) out.f[out.n] = std::string_view(start, static_cast<std::size_t>(p - start));
      ++out.n;
      if (p == end) return;
      start = p + 1;
    }
  }
}

/// As split(), but a delimiter inside double quotes does not split. The
/// quotes stay in the field; trim() removes a surrounding pair.
void split_quoted(std::string_view line, char delim, Fields& out) {
  if (line.find('"') == std::string_view::npos) return split(line, delim, out);
  out.n = 0;
  std::size_t start = 0;
  bool quoted = false;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    if (i < line.size() && line[i] == '"') quoted = !quoted;
    if (i == line.size() || (line[i] == delim && !quoted)) {
      if (out.n < kMaxFields) out.f[out.n] = line.substr(start, i - start);
      ++out.n;
      start = i + 1;
    }
  }
}

// --- lines -----------------------------------------------------------------------

/// Lines of a buffer without their "\n" or "\r\n", counted from 1.
class Lines {
 public:
  explicit Lines(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool next(std::string_view& line) {
    if (p_ >= end_) return false;
    const auto* nl = static_cast<const char*>(std::memchr(p_, '\n', static_cast<std::size_t>(end_ - p_)));
    const char* stop = nl ? nl : end_;
    line = std::string_view(p_, static_cast<std::size_t>(stop - p_));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    terminated_ = nl != nullptr;
    p_ = nl ? nl + 1 : end_;
    ++number_;
    return true;
  }
  std::uint64_t number() const { return number_; }
  /// Whether the current line ended with a line break (a cut last line does not).
  bool terminated() const { return terminated_; }
  /// Whether nothing but whitespace follows the current line.
  bool rest_blank() const { return std::all_of(p_, end_, is_space); }

 private:
  const char* p_;
  const char* end_;
  std::uint64_t number_ = 0;
  bool terminated_ = true;
};

/// Rows to reserve: the file's size over the mean length of its first lines
/// (counting every line would cost a pass over the whole file).
std::size_t estimate_lines(std::string_view text) {
  const std::string_view sample = text.substr(0, 1 << 16);
  const auto lines = static_cast<std::size_t>(std::count(sample.begin(), sample.end(), '\n')) + 1;
  return text.size() / (sample.size() / lines + 1) * 21 / 20 + 16;
}

std::string_view strip_bom(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  return text;
}

/// "3 (high)": a 1-based column number and its name when known.
std::string column_label(std::size_t index0, std::string_view name) {
  std::string out = std::to_string(index0 + 1);
  if (!name.empty()) out += " (" + std::string(name) + ")";
  return out;
}

/// The error for a line with the wrong number of columns. A last line that
/// stops early without a line break is named as a truncated file.
Fail column_count_error(const std::string& file, const Lines& lines, std::size_t found, std::size_t expected,
                        std::string_view what) {
  const bool cut = !lines.terminated() && found < expected;
  std::string message;
  if (cut) {
    message = "the last line stops after " + std::to_string(found) + " of " + std::to_string(expected) +
              " columns with no line break: the file looks truncated (cut mid-row); expected " + std::string(what);
  } else {
    message =
        "expected " + std::to_string(expected) + " columns (" + std::string(what) + "), found " + std::to_string(found);
  }
  const std::size_t col = found < expected ? found : expected;  // the first missing or extra column
  return fail(file, lines.number(), std::to_string(col + 1), message);
}

std::string number_problem(std::string_view field, const Lines& lines) {
  std::string message = field.empty() ? "empty field: expected a number" : "expected a number, got " + shown(field);
  if (!lines.terminated()) message += " (the last line has no line break: the file may be truncated)";
  return message;
}

// --- times -------------------------------------------------------------------------

enum class TimeEnc : std::uint8_t { unknown, epoch_s, epoch_ms, epoch_us, epoch_ns, iso, lean_ms_of_day, lean_daily };

std::int64_t epoch_unit_ns(TimeEnc e) {
  switch (e) {
    case TimeEnc::epoch_s: return 1'000'000'000;
    case TimeEnc::epoch_ms: return 1'000'000;
    case TimeEnc::epoch_us: return 1'000;
    default: return 1;
  }
}

std::string_view epoch_unit_name(TimeEnc e) {
  switch (e) {
    case TimeEnc::epoch_s: return "s";
    case TimeEnc::epoch_ms: return "ms";
    case TimeEnc::epoch_us: return "us";
    default: return "ns";
  }
}

/// Seconds, ms, us or ns, by the magnitude a time between 2009 and 2100 has
/// in each unit (about 1e9, 1e12, 1e15, 1e18).
TimeEnc epoch_unit_by_magnitude(std::int64_t v) {
  const std::uint64_t a = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  if (a < 100'000'000'000ull) return TimeEnc::epoch_s;
  if (a < 100'000'000'000'000ull) return TimeEnc::epoch_ms;
  if (a < 100'000'000'000'000'000ull) return TimeEnc::epoch_us;
  return TimeEnc::epoch_ns;
}

std::string range_text() { return "expected an open time from 2009-01-01 to 2100-01-01 UTC"; }

/// Empty when `t_ns` is a plausible open time, else why not.
std::string time_range_problem(std::int64_t t_ns) {
  if (t_ns < kEarliestOpenTimeNs) return "open time " + iso_text(t_ns) + " is before 2009: " + range_text();
  if (t_ns >= kLatestOpenTimeNs) return "open time " + iso_text(t_ns) + " is in the far future: " + range_text();
  return "";
}

/// An epoch time `[-]digits[.digits]` in `unit`, range-checked before it is
/// scaled to ns so a huge value cannot overflow.
bool epoch_to_ns(std::string_view f, TimeEnc unit, std::int64_t& out, std::string& why) {
  f = trim(f);
  const std::size_t dot = f.find('.');
  std::string_view whole = f.substr(0, dot), frac = dot == std::string_view::npos ? "" : f.substr(dot + 1);
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), v);
  if (whole.empty() || ptr != whole.data() + whole.size() ||
      (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    why = "expected an epoch time in " + std::string(epoch_unit_name(unit)) + ", got " + shown(f);
    return false;
  }
  const std::int64_t scale = epoch_unit_ns(unit);
  if (ec == std::errc::result_out_of_range || v >= kLatestOpenTimeNs / scale) {
    why = "open time " + std::string(whole) + " " + std::string(epoch_unit_name(unit)) +
          " is in the far future: " + range_text();
    return false;
  }
  if (v < kEarliestOpenTimeNs / scale) {
    why = "open time " + std::string(whole) + " " + std::string(epoch_unit_name(unit)) +
          " is before 2009: " + range_text();
    return false;
  }
  std::int64_t frac_ns = 0, digit_scale = scale;
  for (char c : frac) {
    if (c < '0' || c > '9') {
      why = "expected an epoch time in " + std::string(epoch_unit_name(unit)) + ", got " + shown(f);
      return false;
    }
    digit_scale /= 10;
    if (digit_scale == 0 && c != '0') {
      why = "epoch time " + shown(f) + " is finer than a nanosecond";
      return false;
    }
    frac_ns += (c - '0') * digit_scale;
  }
  if (dot != std::string_view::npos && frac.empty()) {
    why = "expected an epoch time in " + std::string(epoch_unit_name(unit)) + ", got " + shown(f);
    return false;
  }
  out = v * scale + frac_ns;
  return true;
}

bool looks_epoch(std::string_view f) {
  f = trim(f);
  if (!f.empty() && f.front() == '-') f.remove_prefix(1);
  if (f.empty() || f.front() < '0' || f.front() > '9') return false;
  return std::all_of(f.begin(), f.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

bool valid_date(int y, int m, int d) {
  return m >= 1 && m <= 12 && d >= 1 && static_cast<unsigned>(d) <= days_in_month(y, static_cast<unsigned>(m));
}

/// ISO 8601 as market data writes it: "YYYY-MM-DD", then optionally "T" or
/// " " and "HH:MM[:SS[.fraction]]", then optionally "Z", " UTC" or an offset
/// "+HH:MM" / "+HHMM" / "+HH". Also CryptoDataDownload's "YYYY-MM-DD HH-AM".
std::optional<std::int64_t> parse_iso_time(std::string_view s) {
  s = trim(s);
  int y, mo, d, h = 0, mi = 0, sec = 0;
  if (s.size() < 10 || !read_digits(s, 0, 4, y) || s[4] != '-' || !read_digits(s, 5, 2, mo) || s[7] != '-' ||
      !read_digits(s, 8, 2, d) || !valid_date(y, mo, d)) {
    return std::nullopt;
  }
  std::size_t pos = 10;
  std::int64_t frac_ns = 0;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == ' ')) {
    // CryptoDataDownload's hourly files: "2019-10-17 09-AM", 12-hour clock.
    if (s.size() == pos + 6 && read_digits(s, pos + 1, 2, h) && s[pos + 3] == '-' &&
        (s.substr(pos + 4) == "AM" || s.substr(pos + 4) == "PM")) {
      if (h < 1 || h > 12) return std::nullopt;
      h = h % 12 + (s[pos + 4] == 'P' ? 12 : 0);
      pos = s.size();
    } else {
      if (!read_digits(s, pos + 1, 2, h) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
          !read_digits(s, pos + 4, 2, mi)) {
        return std::nullopt;
      }
      pos += 6;
      if (pos < s.size() && s[pos] == ':') {
        if (!read_digits(s, pos + 1, 2, sec)) return std::nullopt;
        pos += 3;
        if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
          ++pos;
          std::int64_t scale = 100'000'000;
          const std::size_t start = pos;
          while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (pos - start >= 9) return std::nullopt;
            frac_ns += (s[pos] - '0') * scale;
            scale /= 10;
            ++pos;
          }
          if (pos == start) return std::nullopt;
        }
      }
      if (h > 23 || mi > 59 || sec > 60) return std::nullopt;  // 60: a leap second, as ISO allows
    }
  }
  std::int64_t offset_s = 0;
  if (pos < s.size()) {
    const std::string_view zone = s.substr(pos);
    if (zone == "Z" || zone == "z" || zone == " UTC" || zone == "UTC") {
      pos = s.size();
    } else if (zone[0] == '+' || zone[0] == '-') {
      int oh = 0, om = 0;
      if (!read_digits(zone, 1, 2, oh)) return std::nullopt;
      if (zone.size() == 6 && zone[3] == ':' && read_digits(zone, 4, 2, om)) {
      } else if (zone.size() == 5 && read_digits(zone, 3, 2, om)) {
      } else if (zone.size() != 3) {
        return std::nullopt;
      }
      if (oh > 23 || om > 59) return std::nullopt;
      offset_s = (oh * 3600 + om * 60) * (zone[0] == '-' ? -1 : 1);
      pos = s.size();
    }
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return (days * 86'400 + h * 3600 + mi * 60 + sec - offset_s) * 1'000'000'000 + frac_ns;
}

/// Lean daily bars: "YYYYMMDD HH:MM".
std::optional<std::int64_t> parse_lean_daily_time(std::string_view s) {
  int y, mo, d, h, mi;
  if (s.size() != 14 || !read_digits(s, 0, 4, y) || !read_digits(s, 4, 2, mo) || !read_digits(s, 6, 2, d) ||
      s[8] != ' ' || !read_digits(s, 9, 2, h) || s[11] != ':' || !read_digits(s, 12, 2, mi) ||
      !valid_date(y, mo, d) || h > 23 || mi > 59) {
    return std::nullopt;
  }
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return (days * 86'400 + h * 3600 + mi * 60) * 1'000'000'000;
}

/// The UTC day a Lean minute file covers, from a name "YYYYMMDD_...".
std::optional<std::int64_t> lean_day_from_name(std::string_view name) {
  const std::size_t slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  int y, mo, d;
  if (name.size() < 9 || !read_digits(name, 0, 4, y) || !read_digits(name, 4, 2, mo) || !read_digits(name, 6, 2, d) ||
      name[8] != '_' || !valid_date(y, mo, d)) {
    return std::nullopt;
  }
  return days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * kNsPerDay;
}

// --- Binance kline CSV ----------------------------------------------------------------

constexpr std::array<std::string_view, 12> kBinanceColumns = {"open_time",
                                                              "open",
                                                              "high",
                                                              "low",
                                                              "close",
                                                              "volume",
                                                              "close_time",
                                                              "quote_volume",
                                                              "trades",
                                                              "taker_buy_base_volume",
                                                              "taker_buy_quote_volume",
                                                              "ignore"};
constexpr std::string_view kBinanceLayout =
    "open_time, open, high, low, close, volume, close_time, quote_volume, trades, taker_buy_base_volume, "
    "taker_buy_quote_volume, ignore";

bool is_binance_header(const Fields& f) {
  return f.n == 12 && trim(f[0]) == "open_time" && trim(f[1]) == "open" && trim(f[5]) == "volume";
}

CandleRow& new_row(CandleFile& out, std::uint64_t line, const std::string& symbol, std::int64_t t_ns) {
  CandleRow& r = out.rows.emplace_back();
  r.line = line;
  r.bar.symbol = symbol;
  r.bar.open_time_ns = t_ns;
  return r;
}

/// Parses fields [first, first+5) as open, high, low, close, volume into `bar`.
std::optional<LoadError> parse_ohlcv(const Fields& f, const std::array<std::size_t, 5>& at,
                                     std::span<const std::string_view> names, BarData& bar, const std::string& file,
                                     const Lines& lines) {
  double* targets[5] = {&bar.open, &bar.high, &bar.low, &bar.close, &bar.volume};
  for (std::size_t i = 0; i < 5; ++i) {
    if (!parse_double(f[at[i]], *targets[i])) {
      return LoadError{file, lines.number(), column_label(at[i], names.empty() ? "" : names[at[i]]),
                       number_problem(f[at[i]], lines)};
    }
  }
  return std::nullopt;
}

/// The common Binance row in one pass, without splitting: an integer open
/// time, then eleven plain decimals, each ended by ',' (the last by the end
/// of the line). Anything else, including every error, returns false and
/// goes the general way, which names the column and the problem.
bool fast_binance_row(std::string_view line, std::int64_t& open_time, BarData& bar) {
  const char* p = line.data();
  const char* const end = p + line.size();
  const char* start = p;
  std::int64_t t = 0;
  while (p != end && static_cast<unsigned>(*p - '0') < 10u && p - start < 18) t = t * 10 + (*p++ - '0');
  if (p == start || p == end || *p != ',') return false;
  ++p;
  double* targets[5] = {&bar.open, &bar.high, &bar.low, &bar.close, &bar.volume};
  for (int col = 1; col < 12; ++col) {
    // One pass over a plain decimal, as parse_plain_decimal() but without
    // finding the field's end first.
    const bool negative = p != end && *p == '-';
    p += negative;
    std::uint64_t mantissa = 0;
    const char* digits = p;
    while (p != end && static_cast<unsigned>(*p - '0') < 10u) {
      mantissa = mantissa * 10 + static_cast<unsigned>(*p++ - '0');
    }
    if (p == digits) return false;
    long decimals = 0;
    if (p != end && *p == '.') {
      const char* frac = ++p;
      while (p != end && static_cast<unsigned>(*p - '0') < 10u) {
        mantissa = mantissa * 10 + static_cast<unsigned>(*p++ - '0');
      }
      decimals = p - frac;
      if (decimals == 0) return false;
    }
    if ((p - digits) - (decimals > 0) > 19 || decimals > 22 || mantissa > (1ull << 53)) return false;
    if (col < 6) {
      double v = static_cast<double>(mantissa);
      if (decimals) v /= kExactPowersOf10[decimals];
      *targets[col - 1] = negative ? -v : v;
    }
    if (col < 11) {
      if (p == end || *p != ',') return false;
      ++p;
    }
  }
  if (p != end) return false;
  open_time = t;
  return true;
}

std::expected<CandleFile, LoadError> parse_binance(std::string_view text, const std::string& file,
                                                   const std::string& symbol) {
  CandleFile out;
  out.format = CandleFormat::binance_kline_csv;
  out.rows.reserve(estimate_lines(text));
  Lines lines(text);
  std::string_view line;
  Fields f;
  TimeEnc unit = TimeEnc::unknown;
  std::int64_t scale = 1, raw_earliest = 0, raw_latest = 0;  // the open-time range in the file's unit
  static constexpr std::array<std::size_t, 5> kOhlcv = {1, 2, 3, 4, 5};
  while (lines.next(line)) {
    if (blank(line)) {
      if (lines.rest_blank()) break;
      return fail(file, lines.number(), "1", "empty line: expected 12 columns (" + std::string(kBinanceLayout) + ")");
    }
    if (unit != TimeEnc::unknown) {
      BarData bar;
      std::int64_t raw_time = 0;
      if (fast_binance_row(line, raw_time, bar) && raw_time < raw_latest && raw_time >= raw_earliest) {
        CandleRow& r = new_row(out, lines.number(), symbol, raw_time * scale);
        r.bar.open = bar.open;
        r.bar.high = bar.high;
        r.bar.low = bar.low;
        r.bar.close = bar.close;
        r.bar.volume = bar.volume;
        continue;
      }
    }
    split(line, ',', f);
    if (f.n != 12) return column_count_error(file, lines, f.n, 12, kBinanceLayout);
    if (out.rows.empty() && unit == TimeEnc::unknown && is_binance_header(f)) {
      out.notes.push_back("line " + std::to_string(lines.number()) + " is a header; skipped");
      continue;
    }
    std::int64_t raw_time = 0;
    if (!parse_int64(f[0], raw_time)) {
      std::int64_t ignored;
      std::string why;
      // Tell a far-future time that overflows int64 from text.
      if (looks_epoch(f[0]) && !epoch_to_ns(f[0], TimeEnc::epoch_ms, ignored, why)) {
        return fail(file, lines.number(), column_label(0, "open_time"), why);
      }
      return fail(file, lines.number(), column_label(0, "open_time"),
                  "expected an integer open time in ms or us, got " + shown(f[0]) +
                      (lines.terminated() ? "" : " (the last line has no line break: the file may be truncated)"));
    }
    if (unit == TimeEnc::unknown) {
      // Per file, by magnitude: Binance spot files from 2025 hold us, older ones ms.
      unit = raw_time >= 100'000'000'000'000 ? TimeEnc::epoch_us : TimeEnc::epoch_ms;
      out.time_encoding = std::string("epoch ") + std::string(epoch_unit_name(unit));
      out.notes.push_back("open times are epoch " + std::string(epoch_unit_name(unit)) + " (by the magnitude of line " +
                          std::to_string(lines.number()) + ")");
      scale = epoch_unit_ns(unit);
      raw_earliest = kEarliestOpenTimeNs / scale;
      raw_latest = kLatestOpenTimeNs / scale;
    }
    if (raw_time >= raw_latest || raw_time < raw_earliest) {
      std::int64_t ignored;
      std::string why;
      epoch_to_ns(f[0], unit, ignored, why);
      return fail(file, lines.number(), column_label(0, "open_time"), why);
    }
    CandleRow& r = new_row(out, lines.number(), symbol, raw_time * scale);
    if (auto e = parse_ohlcv(f, kOhlcv, kBinanceColumns, r.bar, file, lines)) return Fail(std::move(*e));
    // The remaining columns are not kept, but text in them is still an error.
    for (std::size_t c = 6; c < 12; ++c) {
      if (!is_number(f[c])) {
        return fail(file, lines.number(), column_label(c, kBinanceColumns[c]), number_problem(f[c], lines));
      }
    }
  }
  if (out.rows.empty()) {
    return fail(file, lines.number(), "",
                "no candle rows: expected lines of 12 columns (" + std::string(kBinanceLayout) + ")");
  }
  return out;
}

// --- generic OHLCV CSV --------------------------------------------------------------

/// A header name in canonical form: lower case, spaces and dashes as '_'.
std::string normalize_name(std::string_view raw) {
  raw = trim(raw);
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == ' ' || c == '-') c = '_';
    out += c;
  }
  return out;
}

struct GenericLayout {
  char delim = ',';
  std::size_t columns = 0;
  std::vector<std::string> names;
  std::size_t time = 0;
  std::array<std::size_t, 5> ohlcv{};  // open, high, low, close, volume
};

constexpr std::string_view kGenericExpected =
    "a header naming a time column (time, timestamp, date, datetime, open_time, unix) and open, high, low, close "
    "and volume columns";

std::optional<std::size_t> find_column(const std::vector<std::string>& names,
                                       std::initializer_list<std::string_view> wanted) {
  for (std::string_view w : wanted) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == w) return i;
    }
  }
  return std::nullopt;
}

/// The base-currency volume: `volume_base`, then `volume_<x>` for x not a
/// quote currency (CryptoDataDownload's `volume_btc`, whose plain `volume` is
/// in USD), then `volume` or `vol`.
std::optional<std::size_t> find_volume(const std::vector<std::string>& names) {
  if (auto i = find_column(names, {"volume_base", "base_volume"})) return i;
  static constexpr std::string_view kQuote[] = {"usd", "usdt", "usdc", "busd", "eur", "quote"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& n = names[i];
    if (!n.starts_with("volume_") || n.size() == 7) continue;
    const std::string_view suffix = std::string_view(n).substr(7);
    if (std::find(std::begin(kQuote), std::end(kQuote), suffix) == std::end(kQuote)) return i;
  }
  return find_column(names, {"volume", "vol", "v"});
}

char sniff_delimiter(std::string_view line) {
  const auto commas = std::count(line.begin(), line.end(), ',');
  const auto semis = std::count(line.begin(), line.end(), ';');
  const auto tabs = std::count(line.begin(), line.end(), '\t');
  if (tabs > commas && tabs >= semis) return '\t';
  if (semis > commas) return ';';
  return ',';
}

/// The layout if `line` is a header; else nullopt and, in `missing`, what it lacks.
std::optional<GenericLayout> header_layout(std::string_view line, std::string& missing, int& matches) {
  GenericLayout l;
  l.delim = sniff_delimiter(line);
  Fields f;
  split_quoted(line, l.delim, f);
  if (f.n > kMaxFields) {
    missing = "more than " + std::to_string(kMaxFields) + " columns";
    return std::nullopt;
  }
  l.columns = f.n;
  for (std::size_t i = 0; i < f.n; ++i) l.names.push_back(normalize_name(f[i]));
  const auto time = find_column(
      l.names, {"open_time", "timestamp", "time", "unix", "datetime", "date_time", "date", "ts", "open_time_ms"});
  const auto open = find_column(l.names, {"open", "o", "open_price"});
  const auto high = find_column(l.names, {"high", "h", "high_price"});
  const auto low = find_column(l.names, {"low", "l", "low_price"});
  const auto close = find_column(l.names, {"close", "c", "close_price"});
  const auto volume = find_volume(l.names);
  matches = !!time + !!open + !!high + !!low + !!close + !!volume;
  missing.clear();
  auto need = [&](bool have, std::string_view what) {
    if (have) return;
    if (!missing.empty()) missing += ", ";
    missing += what;
  };
  need(time.has_value(), "a time column (time, timestamp, date, datetime, open_time, unix)");
  need(open.has_value(), "open");
  need(high.has_value(), "high");
  need(low.has_value(), "low");
  need(close.has_value(), "close");
  need(volume.has_value(), "volume (volume, vol, volume_base or volume_<base currency>)");
  if (!missing.empty()) return std::nullopt;
  l.time = *time;
  l.ohlcv = {*open, *high, *low, *close, *volume};
  return l;
}

/// Header lines are looked for among the first lines only: banners are short.
constexpr std::uint64_t kMaxBannerLines = 5;

std::expected<CandleFile, LoadError> parse_generic(std::string_view text, const std::string& file,
                                                   const std::string& symbol) {
  CandleFile out;
  out.format = CandleFormat::generic_csv;
  Lines lines(text);
  std::string_view line;
  std::optional<GenericLayout> layout;
  std::string best_missing;
  std::uint64_t best_line = 1;
  int best_matches = -1;
  while (!layout && lines.number() <= kMaxBannerLines && lines.next(line)) {
    if (blank(line)) continue;
    std::string missing;
    int matches = 0;
    layout = header_layout(line, missing, matches);
    if (!layout && matches > best_matches) {
      best_matches = matches;
      best_missing = missing;
      best_line = lines.number();
    }
  }
  if (!layout) {
    if (best_matches >= 3) {
      return fail(file, best_line, "",
                  "this header lacks " + best_missing + ": expected " + std::string(kGenericExpected));
    }
    return fail(file, 1, "1",
                "no header in the first " + std::to_string(kMaxBannerLines) + " lines: expected " +
                    std::string(kGenericExpected));
  }
  const std::uint64_t header_line = lines.number();
  if (header_line > 1) {
    out.notes.push_back(std::to_string(header_line - 1) + " line(s) before the header on line " +
                        std::to_string(header_line) + " (a banner); skipped");
  }
  std::string layout_text;
  for (std::size_t i = 0; i < layout->names.size(); ++i) layout_text += (i ? ", " : "") + layout->names[i];
  out.rows.reserve(estimate_lines(text));
  Fields f;
  TimeEnc enc = TimeEnc::unknown;
  std::uint64_t first_data_line = 0;
  std::vector<std::string_view> names(layout->names.begin(), layout->names.end());
  while (lines.next(line)) {
    if (blank(line)) {
      if (lines.rest_blank()) break;
      return fail(file, lines.number(), "1",
                  "empty line: expected " + std::to_string(layout->columns) + " columns (" + layout_text + ")");
    }
    split_quoted(line, layout->delim, f);
    if (f.n != layout->columns) return column_count_error(file, lines, f.n, layout->columns, layout_text);
    const std::string_view tf = f[layout->time];
    const std::string time_col = column_label(layout->time, layout->names[layout->time]);
    if (enc == TimeEnc::unknown) {
      first_data_line = lines.number();
      if (looks_epoch(tf)) {
        std::int64_t whole = 0;
        const std::string_view t = trim(tf);
        const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), whole);
        // A value beyond int64 is at least ns; epoch_to_ns names it as far future.
        enc = ec == std::errc::result_out_of_range ? TimeEnc::epoch_ns : epoch_unit_by_magnitude(whole);
        out.time_encoding = "epoch " + std::string(epoch_unit_name(enc));
        out.notes.push_back("open times are epoch " + std::string(epoch_unit_name(enc)) +
                            " (by the magnitude of line " + std::to_string(first_data_line) + ")");
      } else {
        enc = TimeEnc::iso;
        out.time_encoding = "ISO 8601";
      }
    }
    std::int64_t t_ns = 0;
    if (enc == TimeEnc::iso) {
      auto t = parse_iso_time(tf);
      if (!t) {
        return fail(file, lines.number(), time_col,
                    "expected an ISO 8601 time like line " + std::to_string(first_data_line) +
                        " (YYYY-MM-DD[ HH:MM[:SS]])"
                        ", got " +
                        shown(tf) +
                        (lines.terminated() ? "" : " (the last line has no line break: the file may be truncated)"));
      }
      if (auto why = time_range_problem(*t); !why.empty()) return fail(file, lines.number(), time_col, why);
      t_ns = *t;
    } else {
      std::string why;
      if (!looks_epoch(tf)) {
        why = "expected an epoch time in " + std::string(epoch_unit_name(enc)) + " like line " +
              std::to_string(first_data_line) + ", got " + shown(tf);
        return fail(file, lines.number(), time_col, why);
      }
      if (!epoch_to_ns(tf, enc, t_ns, why)) return fail(file, lines.number(), time_col, why);
    }
    CandleRow& r = new_row(out, lines.number(), symbol, t_ns);
    if (auto e = parse_ohlcv(f, layout->ohlcv, names, r.bar, file, lines)) return Fail(std::move(*e));
  }
  if (out.rows.empty()) {
    return fail(file, header_line, "", "no candle rows after the header on line " + std::to_string(header_line));
  }
  return out;
}

// --- Lean CSV (inside the zips) ----------------------------------------------------------

constexpr std::array<std::string_view, 6> kLeanTradeColumns = {"time", "open", "high", "low", "close", "volume"};
constexpr std::string_view kLeanTradeLayout = "ms since midnight or YYYYMMDD HH:MM, open, high, low, close, volume";
constexpr std::string_view kLeanQuoteLayout =
    "ms since midnight or YYYYMMDD HH:MM, bid open, bid high, bid low, bid close, last bid size, ask open, ask high, "
    "ask low, ask close, last ask size";

/// The open time of a Lean row: "YYYYMMDD HH:MM" (daily files) or ms since
/// the midnight of `day_ns` (minute and second files).
std::expected<std::int64_t, LoadError> lean_time(std::string_view field, TimeEnc& enc,
                                                 std::optional<std::int64_t> day_ns, const std::string& file,
                                                 const Lines& lines) {
  const std::string col = column_label(0, "time");
  if (enc == TimeEnc::unknown) {
    enc = field.find(' ') != std::string_view::npos ? TimeEnc::lean_daily : TimeEnc::lean_ms_of_day;
  }
  std::int64_t t_ns = 0;
  if (enc == TimeEnc::lean_daily) {
    auto t = parse_lean_daily_time(trim(field));
    if (!t) return fail(file, lines.number(), col, "expected a time YYYYMMDD HH:MM, got " + shown(field));
    t_ns = *t;
  } else {
    std::int64_t ms = 0;
    if (!parse_int64(field, ms)) {
      return fail(file, lines.number(), col, "expected milliseconds since midnight, got " + shown(field));
    }
    if (ms < 0 || ms >= 86'400'000) {
      return fail(file, lines.number(), col,
                  "milliseconds since midnight " + std::to_string(ms) + " are outside the day: expected 0 to 86399999");
    }
    if (!day_ns) {
      return fail(file, lines.number(), col,
                  "cannot tell the date of a minute file: expected the zip or CSV name to start with YYYYMMDD_");
    }
    t_ns = *day_ns + ms * kNsPerMs;
  }
  if (auto why = time_range_problem(t_ns); !why.empty()) return fail(file, lines.number(), col, why);
  return t_ns;
}

std::expected<CandleFile, LoadError> parse_lean_trades(std::string_view text, const std::string& file,
                                                       const std::string& name_for_date, const std::string& symbol) {
  CandleFile out;
  out.format = CandleFormat::lean_zip;
  out.rows.reserve(estimate_lines(text));
  const auto day = lean_day_from_name(name_for_date);
  Lines lines(text);
  std::string_view line;
  Fields f;
  TimeEnc enc = TimeEnc::unknown;
  static constexpr std::array<std::size_t, 5> kOhlcv = {1, 2, 3, 4, 5};
  while (lines.next(line)) {
    if (blank(line)) {
      if (lines.rest_blank()) break;
      return fail(file, lines.number(), "1", "empty line: expected 6 columns (" + std::string(kLeanTradeLayout) + ")");
    }
    split(line, ',', f);
    if (f.n == 11 && out.rows.empty()) {
      return fail(file, lines.number(), "",
                  "this is a Lean quote-bar file (11 columns: bid and ask bars): candles "
                  "come from the matching *_trade.zip");
    }
    if (f.n != 6) return column_count_error(file, lines, f.n, 6, kLeanTradeLayout);
    auto t = lean_time(f[0], enc, day, file, lines);
    if (!t) return Fail(std::move(t.error()));
    CandleRow& r = new_row(out, lines.number(), symbol, *t);
    if (auto e = parse_ohlcv(f, kOhlcv, kLeanTradeColumns, r.bar, file, lines)) return Fail(std::move(*e));
  }
  if (out.rows.empty()) return fail(file, 1, "1", "the CSV holds no rows: expected " + std::string(kLeanTradeLayout));
  out.time_encoding = enc == TimeEnc::lean_daily ? "YYYYMMDD HH:MM" : "ms since midnight";
  if (enc == TimeEnc::lean_ms_of_day) {
    out.notes.push_back("date " + iso_text(*day).substr(0, 10) + " from the file name");
  }
  return out;
}

// --- zips ------------------------------------------------------------------------------

struct ZipEntry {
  std::string name;
  std::string data;
};

std::string zip_error_text(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string out = zip_error_strerror(&e);
  zip_error_fini(&e);
  return out;
}

/// The one entry of a Lean zip, decompressed (and CRC-checked by libzip).
std::expected<ZipEntry, LoadError> read_single_entry_zip(const std::string& path) {
  int code = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_RDONLY, &code);
  if (!za) return fail(path, 0, "", "cannot read the zip: " + zip_error_text(code));
  std::unique_ptr<zip_t, void (*)(zip_t*)> closer(za, [](zip_t* z) { zip_discard(z); });
  const zip_int64_t entries = zip_get_num_entries(za, 0);
  if (entries != 1) {
    return fail(path, 0, "",
                "expected a zip holding one CSV (Lean's layout), found " + std::to_string(entries) + " entries");
  }
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(za, 0, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
    return fail(path, 0, "", std::string("cannot read the zip's entry: ") + zip_strerror(za));
  }
  if (st.size > kMaxCandleFileBytes) {
    return fail(path, 0, "",
                "the zip's CSV is " + std::to_string(st.size) + " bytes, more than the " +
                    std::to_string(kMaxCandleFileBytes >> 30) + " GiB a file may hold");
  }
  ZipEntry out;
  out.name = (st.valid & ZIP_STAT_NAME) && st.name ? st.name : "";
  zip_file_t* zf = zip_fopen_index(za, 0, 0);
  if (!zf) return fail(path, 0, "", std::string("cannot open the zip's entry: ") + zip_strerror(za));
  std::string failure;
  out.data.resize_and_overwrite(st.size, [&](char* buf, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
      const zip_int64_t r = zip_fread(zf, buf + got, n - got);
      if (r < 0) {
        failure = zip_file_strerror(zf);
        break;
      }
      if (r == 0) break;
      got += static_cast<std::size_t>(r);
    }
    return got;
  });
  char extra;
  if (failure.empty() && zip_fread(zf, &extra, 1) != 0) failure = "the entry holds more bytes than its header says";
  zip_fclose(zf);
  if (!failure.empty()) return fail(path, 0, "", "the zip is damaged: " + failure);
  if (out.data.size() != st.size) {
    return fail(path, 0, "",
                "the zip is damaged: its entry ends after " + std::to_string(out.data.size()) + " of " +
                    std::to_string(st.size) + " bytes");
  }
  return out;
}

// --- freqtrade JSON -----------------------------------------------------------------

/// A small parser for exactly `[[t,o,h,l,c,v], ...]`: it is fast, never
/// throws, and knows which candle and which field it is in when it stops.
class FreqtradeParser {
 public:
  FreqtradeParser(std::string_view text, const std::string& file, const std::string& symbol)
      : s_(text), file_(file), symbol_(symbol) {}

  std::expected<CandleFile, LoadError> parse() {
    CandleFile out;
    out.format = CandleFormat::freqtrade_json;
    out.row_unit = "candle";
    out.time_encoding = "epoch ms";
    skip_ws();
    if (!eat('[')) return syntax("expected '[' starting the array of candles");
    skip_ws();
    if (peek() == ']') return fail(file_, line_, "", "the array holds no candles");
    out.rows.reserve(s_.size() / 60);
    for (;;) {
      ++candle_;
      skip_ws();
      if (!eat('[')) return syntax("expected '[' starting candle " + std::to_string(candle_));
      CandleRow& r = out.rows.emplace_back();
      r.line = candle_;
      r.bar.symbol = symbol_;
      double* targets[6] = {nullptr, &r.bar.open, &r.bar.high, &r.bar.low, &r.bar.close, &r.bar.volume};
      for (int field = 0; field < 6; ++field) {
        skip_ws();
        const std::string_view token = number_token();
        // A JSON string is not a number, even when it holds digits.
        if (token.find('"') != std::string_view::npos) {
          return in_candle(field, "expected a number, got " + shown(token));
        }
        if (field == 0) {
          auto t = open_time(token);
          if (!t) return Fail(std::move(t.error()));
          r.bar.open_time_ns = *t;
        } else if (!parse_double(token, *targets[field])) {
          return in_candle(field, token.empty() ? "expected a number, got " + shown(s_.substr(pos_, 12))
                                                : "expected a number, got " + shown(token));
        }
        skip_ws();
        const char want = field == 5 ? ']' : ',';
        if (!eat(want)) {
          if (field == 5 && peek() == ',') {
            return in_candle(6, "expected 6 values [ms, open, high, low, close, volume], found more");
          }
          if (field < 5 && peek() == ']') {
            return in_candle(field + 1, "expected 6 values [ms, open, high, low, close, volume], found " +
                                            std::to_string(field + 1));
          }
          return in_candle(field, at_end() ? "the file ends inside the candle: it looks truncated"
                                           : std::string("expected '") + want + "', got " + shown(s_.substr(pos_, 12)));
        }
      }
      skip_ws();
      if (eat(',')) continue;
      if (eat(']')) break;
      return syntax(at_end() ? "the file ends after candle " + std::to_string(candle_) + ": it looks truncated"
                             : "expected ',' or ']' after candle " + std::to_string(candle_));
    }
    skip_ws();
    if (!at_end()) return syntax("unexpected text after the array of candles");
    return out;
  }

 private:
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool at_end() const { return pos_ >= s_.size(); }
  bool eat(char c) {
    if (peek() != c || at_end()) return false;
    ++pos_;
    return true;
  }
  void skip_ws() {
    while (pos_ < s_.size() && is_space(s_[pos_])) {
      if (s_[pos_] == '\n') ++line_, line_start_ = pos_ + 1;
      ++pos_;
    }
  }
  std::string_view number_token() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != ',' && s_[pos_] != ']' && !is_space(s_[pos_]) && s_[pos_] != '[') ++pos_;
    return s_.substr(start, pos_ - start);
  }
  std::string where() const {
    return " (text line " + std::to_string(line_) + ", byte " + std::to_string(pos_ - line_start_ + 1) + ")";
  }
  Fail syntax(const std::string& message) const {
    return fail(file_, line_, std::to_string(pos_ - line_start_ + 1), message);
  }
  Fail in_candle(int field, const std::string& message) const {
    static constexpr std::string_view kNames[] = {"open_time", "open", "high", "low", "close", "volume", "extra"};
    LoadError e{file_, candle_, column_label(static_cast<std::size_t>(field), kNames[field]), message + where()};
    e.unit = "candle";
    return Fail(std::move(e));
  }
  std::expected<std::int64_t, LoadError> open_time(std::string_view token) {
    std::int64_t ms = 0;
    if (!parse_int64(token, ms)) {
      // freqtrade writes integers, but a float with no fraction is the same time.
      double d = 0;
      if (!parse_double(token, d) || d != d || d > 9.2e18 || d < -9.2e18 ||
          static_cast<double>(static_cast<std::int64_t>(d)) != d) {
        std::int64_t ignored;
        std::string why;
        if (looks_epoch(token) && !epoch_to_ns(token, TimeEnc::epoch_ms, ignored, why)) return in_candle(0, why);
        return in_candle(0, "expected an integer open time in ms, got " +
                                (token.empty() ? shown(s_.substr(pos_, 12)) : shown(token)));
      }
      ms = static_cast<std::int64_t>(d);
    }
    if (ms >= kLatestOpenTimeNs / kNsPerMs || ms < kEarliestOpenTimeNs / kNsPerMs) {
      return in_candle(0,
                       "open time " + std::to_string(ms) + " ms is " +
                           (ms < 0 || ms < kEarliestOpenTimeNs / kNsPerMs ? "before 2009: " : "in the far future: ") +
                           range_text());
    }
    return ms * kNsPerMs;
  }

  std::string_view s_;
  const std::string& file_;
  const std::string& symbol_;
  std::size_t pos_ = 0;
  std::uint64_t line_ = 1;
  std::size_t line_start_ = 0;
  std::uint64_t candle_ = 0;
};

// --- detection and the common tail ---------------------------------------------------

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    char c = s[s.size() - suffix.size() + i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != suffix[i]) return false;
  }
  return true;
}

/// The format of `text` from its first lines.
std::expected<CandleFormat, LoadError> sniff(std::string_view text, const std::string& file) {
  text = strip_bom(text);
  if (blank(text)) {
    return fail(file, 1, "1",
                "the file is empty: expected candles (a JSON array, Binance klines or a CSV with a header)");
  }
  const std::size_t first =
      static_cast<std::size_t>(std::find_if_not(text.begin(), text.end(), is_space) - text.begin());
  if (text[first] == '[') return CandleFormat::freqtrade_json;
  Lines lines(text);
  std::string_view line;
  while (lines.next(line) && blank(line)) {
  }
  Fields f;
  split(line, ',', f);
  std::int64_t t = 0;
  if (f.n == 12 && (parse_int64(f[0], t) || is_binance_header(f))) return CandleFormat::binance_kline_csv;
  // A header (perhaps after a banner) makes it a generic CSV.
  Lines again(text);
  std::string missing;
  int matches = 0;
  for (std::uint64_t i = 0; i < kMaxBannerLines && again.next(line); ++i) {
    if (header_layout(line, missing, matches) || matches >= 3) return CandleFormat::generic_csv;
  }
  return fail(file, lines.number(), "",
              "cannot tell the format: expected a JSON array of candles, Binance klines (12 numeric columns) or " +
                  std::string(kGenericExpected) + "; found " + std::to_string(f.n) +
                  " columns and no header (give --format)");
}

/// The most common positive step between consecutive open times; 60 s when unknown.
std::int64_t infer_interval_ns(const std::vector<CandleRow>& rows) {
  std::map<std::int64_t, std::size_t> steps;
  for (std::size_t i = 1; i < rows.size() && i < 10'000; ++i) {
    const std::int64_t d = rows[i].bar.open_time_ns - rows[i - 1].bar.open_time_ns;
    if (d > 0) ++steps[d];
  }
  std::int64_t best = 60'000'000'000;
  std::size_t count = 0;
  for (const auto& [step, n] : steps) {
    if (n > count) best = step, count = n;
  }
  return best;
}

/// Files whose times mostly fall (CryptoDataDownload's exports run newest
/// first) are turned into time order; rows keep their line numbers, and
/// what still runs backwards is the validator's to report.
void order_newest_first(CandleFile& out) {
  std::size_t up = 0, down = 0;
  for (std::size_t i = 1; i < out.rows.size(); ++i) {
    const std::int64_t d = out.rows[i].bar.open_time_ns - out.rows[i - 1].bar.open_time_ns;
    up += d > 0;
    down += d < 0;
  }
  if (down <= up) return;
  std::reverse(out.rows.begin(), out.rows.end());
  out.newest_first = true;
  out.notes.push_back("rows run newest first (" + std::to_string(down) + " of " + std::to_string(up + down) +
                      " steps go back in time): read in reverse, into time order");
}

std::expected<CandleFile, LoadError> finish(std::expected<CandleFile, LoadError> loaded, std::int64_t interval_ns) {
  if (!loaded) return loaded;
  order_newest_first(*loaded);
  loaded->interval_ns = interval_ns > 0 ? interval_ns : infer_interval_ns(loaded->rows);
  for (auto& r : loaded->rows) r.bar.interval_ns = loaded->interval_ns;
  return loaded;
}

/// A file's bytes, mapped read-only when it is a regular file: reading 150
/// MB through read() costs the kernel a copy that takes longer than
/// parsing it. (A file truncated by another process while it is mapped
/// would fault; imports read files nobody is writing.) Other files are read.
class FileBytes {
 public:
  static std::expected<FileBytes, LoadError> open(const std::string& path) {
    FileBytes out;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return fail(
          path, 0, "",
          errno == ENOENT ? std::string("no such file") : std::string("cannot open the file: ") + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int e = errno;
      ::close(fd);
      return fail(path, 0, "", std::string("cannot read the file: ") + std::strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
      ::close(fd);
      return fail(path, 0, "", "is a folder, expected a file");
    }
    if (static_cast<std::uint64_t>(st.st_size) > kMaxCandleFileBytes) {
      ::close(fd);
      return fail(path, 0, "",
                  "the file is " + std::to_string(st.st_size) + " bytes, more than the " +
                      std::to_string(kMaxCandleFileBytes >> 30) + " GiB one import may read; split it");
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
      void* m = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (m != MAP_FAILED) {
        ::close(fd);
        out.map_ = m;
        out.size_ = static_cast<std::size_t>(st.st_size);
        return out;
      }
    }
    // Pipes, devices, or a failed map: read until the end, within the limit.
    char chunk[1 << 16];
    for (;;) {
      const ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int e = errno;
        ::close(fd);
        return fail(path, 0, "", std::string("cannot read the file: ") + std::strerror(e));
      }
      if (n == 0) break;
      out.copy_.append(chunk, static_cast<std::size_t>(n));
      if (out.copy_.size() > kMaxCandleFileBytes) {
        ::close(fd);
        return fail(path, 0, "",
                    "the input is more than the " + std::to_string(kMaxCandleFileBytes >> 30) +
                        " GiB one import may read; split it");
      }
    }
    ::close(fd);
    return out;
  }
  FileBytes() = default;
  FileBytes(FileBytes&& o) noexcept : map_(std::exchange(o.map_, nullptr)), size_(o.size_), copy_(std::move(o.copy_)) {}
  FileBytes& operator=(FileBytes&&) = delete;
  ~FileBytes() {
    if (map_) ::munmap(map_, size_);
  }
  std::string_view view() const {
    return map_ ? std::string_view(static_cast<const char*>(map_), size_) : std::string_view(copy_);
  }

 private:
  void* map_ = nullptr;
  std::size_t size_ = 0;
  std::string copy_;
};

}  // namespace

std::expected<CandleFile, LoadError> parse_candle_text(std::string_view text, const std::string& name,
                                                       const std::string& symbol, CandleFormat format,
                                                       std::int64_t interval_ns) {
  text = strip_bom(text);
  if (blank(text)) {
    return fail(name, 1, "1",
                "the file is empty: expected candles (a JSON array, Binance klines or a CSV with a header)");
  }
  if (format == CandleFormat::auto_detect) {
    auto sniffed = sniff(text, name);
    if (!sniffed) return std::unexpected(sniffed.error());
    format = *sniffed;
  }
  switch (format) {
    case CandleFormat::binance_kline_csv: return finish(parse_binance(text, name, symbol), interval_ns);
    case CandleFormat::generic_csv: return finish(parse_generic(text, name, symbol), interval_ns);
    case CandleFormat::lean_zip: return finish(parse_lean_trades(text, name, name, symbol), interval_ns);
    case CandleFormat::freqtrade_json: return finish(FreqtradeParser(text, name, symbol).parse(), interval_ns);
    case CandleFormat::auto_detect: break;
  }
  return fail(name, 0, "", "unknown format");
}

std::expected<CandleFormat, LoadError> detect_candle_format(const std::string& path) {
  if (ends_with_ci(path, ".json")) return CandleFormat::freqtrade_json;
  if (ends_with_ci(path, ".zip")) return CandleFormat::lean_zip;
  auto bytes = FileBytes::open(path);
  if (!bytes) return std::unexpected(bytes.error());
  return sniff(bytes->view(), path);
}

std::expected<CandleFile, LoadError> load_candle_file(const std::string& path, const std::string& symbol,
                                                      CandleFormat format, std::int64_t interval_ns) {
  if (format == CandleFormat::auto_detect && ends_with_ci(path, ".zip")) format = CandleFormat::lean_zip;
  if (format == CandleFormat::lean_zip) {
    auto entry = read_single_entry_zip(path);
    if (!entry) return std::unexpected(entry.error());
    // The zip's name carries the date ("20161007_trade.zip"); the entry's
    // name ("20161007_btcusd_minute_trade.csv") is the fallback.
    const std::string date_name = lean_day_from_name(path) ? path : entry->name;
    const std::string label = path + ":" + entry->name;
    std::string_view text = strip_bom(entry->data);
    if (blank(text)) return fail(label, 1, "1", "the zip's CSV is empty: expected " + std::string(kLeanTradeLayout));
    return finish(parse_lean_trades(text, label, date_name, symbol), interval_ns);
  }
  auto bytes = FileBytes::open(path);
  if (!bytes) return std::unexpected(bytes.error());
  if (format == CandleFormat::auto_detect && ends_with_ci(path, ".json")) format = CandleFormat::freqtrade_json;
  return parse_candle_text(bytes->view(), path, symbol, format, interval_ns);
}

std::expected<std::vector<QuoteBar>, LoadError> load_lean_quote_zip(const std::string& path) {
  auto entry = read_single_entry_zip(path);
  if (!entry) return std::unexpected(entry.error());
  const std::string label = path + ":" + entry->name;
  const auto day = lean_day_from_name(path) ? lean_day_from_name(path) : lean_day_from_name(entry->name);
  std::vector<QuoteBar> out;
  Lines lines(strip_bom(entry->data));
  std::string_view line;
  Fields f;
  TimeEnc enc = TimeEnc::unknown;
  while (lines.next(line)) {
    if (blank(line)) {
      if (lines.rest_blank()) break;
      return fail(label, lines.number(), "1",
                  "empty line: expected 11 columns (" + std::string(kLeanQuoteLayout) + ")");
    }
    split(line, ',', f);
    if (f.n != 11) return column_count_error(label, lines, f.n, 11, kLeanQuoteLayout);
    auto t = lean_time(f[0], enc, day, label, lines);
    if (!t) return std::unexpected(t.error());
    QuoteBar& q = out.emplace_back();
    q.line = lines.number();
    q.open_time_ns = *t;
    double* targets[10] = {&q.bid_open, &q.bid_high, &q.bid_low, &q.bid_close, &q.last_bid_size,
                           &q.ask_open, &q.ask_high, &q.ask_low, &q.ask_close, &q.last_ask_size};
    for (std::size_t c = 1; c < 11; ++c) {
      if (!parse_double(f[c], *targets[c - 1])) {
        return fail(label, lines.number(), column_label(c, ""), number_problem(f[c], lines));
      }
    }
  }
  if (out.empty()) return fail(label, 1, "1", "the CSV holds no rows: expected " + std::string(kLeanQuoteLayout));
  return out;
}

// --- writers ---------------------------------------------------------------------------

namespace {

void append_double(std::string& out, double v) {
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ptr);
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ptr);
}

void append_ohlcv(std::string& out, const BarData& b) {
  for (double v : {b.open, b.high, b.low, b.close, b.volume}) {
    out += ',';
    append_double(out, v);
  }
}

std::int64_t unit_ns(EpochUnit u) {
  switch (u) {
    case EpochUnit::s: return 1'000'000'000;
    case EpochUnit::ms: return 1'000'000;
    case EpochUnit::us: return 1'000;
    case EpochUnit::ns: return 1;
  }
  return 1;
}

}  // namespace

std::string write_binance_kline_csv(std::span<const BarData> bars, EpochUnit unit) {
  std::string out;
  out.reserve(bars.size() * 140);
  const std::int64_t scale = unit_ns(unit);
  for (const BarData& b : bars) {
    append_int(out, floor_div(b.open_time_ns, scale));
    append_ohlcv(out, b);
    out += ',';
    append_int(out, floor_div(b.open_time_ns + std::max<std::int64_t>(b.interval_ns, scale), scale) - 1);
    out += ",0,0,0,0,0\n";
  }
  return out;
}

std::string write_generic_csv(std::span<const BarData> bars, bool iso, EpochUnit unit) {
  std::string out = "timestamp,open,high,low,close,volume\n";
  out.reserve(bars.size() * 100);
  for (const BarData& b : bars) {
    if (iso) {
      out += iso_text(b.open_time_ns);
    } else {
      append_int(out, floor_div(b.open_time_ns, unit_ns(unit)));
    }
    append_ohlcv(out, b);
    out += '\n';
  }
  return out;
}

std::string write_lean_trade_csv(std::span<const BarData> bars, std::int64_t day_start_ns) {
  std::string out;
  for (const BarData& b : bars) {
    append_int(out, floor_div(b.open_time_ns - day_start_ns, kNsPerMs));
    append_ohlcv(out, b);
    out += '\n';
  }
  return out;
}

std::string write_freqtrade_json(std::span<const BarData> bars) {
  std::string out = "[";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    if (i) out += ',';
    out += '[';
    append_int(out, floor_div(bars[i].open_time_ns, kNsPerMs));
    append_ohlcv(out, bars[i]);
    out += ']';
  }
  return out + "]";
}

std::expected<void, std::string> write_zip(const std::string& path, const std::string& entry_name,
                                           std::string_view csv) {
  int code = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
  if (!za) return std::unexpected("cannot create " + path + ": " + zip_error_text(code));
  zip_source_t* src = zip_source_buffer(za, csv.data(), csv.size(), 0);
  if (!src || zip_file_add(za, entry_name.c_str(), src, ZIP_FL_OVERWRITE) < 0) {
    std::string why = zip_strerror(za);
    if (src) zip_source_free(src);
    zip_discard(za);
    return std::unexpected("cannot add " + entry_name + " to " + path + ": " + why);
  }
  if (zip_close(za) != 0) {
    std::string why = zip_strerror(za);
    zip_discard(za);
    return std::unexpected("cannot write " + path + ": " + why);
  }
  return {};
}

}  // namespace verity
