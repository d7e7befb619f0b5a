// Reading candle files into bars. Formats:
//   - Binance kline CSV (public-data layout: 12 columns, no header, open
//     time in ms, or in us as Binance spot files use from 2025);
//   - freqtrade JSON ([[ms, open, high, low, close, volume], ...]);
//   - generic OHLCV CSV with a header, columns and timestamps detected;
//   - Lean/Coinbase minute zips (one headerless CSV per day).
// A syntax problem (a wrong column count, text in a number, a timestamp that
// cannot be read or lies outside 2009..2100, an empty or truncated file) is a
// LoadError naming file, line and column. Values that parse but are wrong as
// market data (NaN, high < low, duplicates...) are the validator's business
// (validate.hpp): the loader returns them with their line numbers, never
// skipping a row. docs/DATA.md states the detection rules.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "actors/feed/bar.hpp"

namespace verity {

enum class CandleFormat { auto_detect, binance_kline_csv, freqtrade_json, generic_csv, lean_zip };
std::string_view candle_format_name(CandleFormat f);
/// "auto", "binance-kline-csv", "freqtrade-json", "generic-csv" or "lean-zip".
std::optional<CandleFormat> parse_candle_format(std::string_view name);

struct LoadError {
  std::string file;
  std::uint64_t line = 0;     // 1-based; 0 when the problem is the file as a whole
  std::string column;         // e.g. "5 (close)"; empty when none applies
  std::string message;        // what was wrong and what was expected
  std::string unit = "line";  // what `line` counts: "line", or "candle" in JSON files
  /// "FILE line L, column C: MESSAGE"
  std::string text() const;
};

/// One candle and where it came from.
struct CandleRow {
  std::uint64_t line = 0;    // 1-based line in its file (the candle number in JSON files)
  std::uint32_t source = 0;  // which file of a multi-file import; 0 for one file
  BarData bar;
};

struct CandleFile {
  CandleFormat format = CandleFormat::auto_detect;
  std::vector<CandleRow> rows;     // in time order when the file was newest first, else in file order
  std::int64_t interval_ns = 0;    // as given, or the most common step between rows
  std::string row_unit = "line";   // what CandleRow::line counts
  std::string time_encoding;       // "epoch ms", "epoch us", "ISO 8601", "ms since midnight", ...
  bool newest_first = false;       // the file ran newest first and `rows` were reversed into time order
  std::vector<std::string> notes;  // what detection decided, for the user: banner lines, reversal, units
};

/// Loads every row of `path` for `symbol`. `interval_ns` is the candle
/// length (0: infer from the file's most common step).
std::expected<CandleFile, LoadError> load_candle_file(const std::string& path, const std::string& symbol,
                                                      CandleFormat format = CandleFormat::auto_detect,
                                                      std::int64_t interval_ns = 0);

/// Parses candles from text already in memory. `name` names the text in
/// errors. For lean_zip, `text` is the CSV inside the zip and `name` (the zip
/// or the entry) supplies the date of minute files: "YYYYMMDD_...".
/// auto_detect sniffs the text (JSON array, 12 numeric columns, or a header).
std::expected<CandleFile, LoadError> parse_candle_text(std::string_view text, const std::string& name,
                                                       const std::string& symbol,
                                                       CandleFormat format = CandleFormat::auto_detect,
                                                       std::int64_t interval_ns = 0);

/// The format `path` would be read as: by extension (.json, .zip), else by
/// sniffing its first lines. An error when the content fits no format.
std::expected<CandleFormat, LoadError> detect_candle_format(const std::string& path);

/// Files above this size are refused rather than read into memory.
inline constexpr std::uint64_t kMaxCandleFileBytes = 4ull << 30;
/// Open times outside [2009-01-01, 2100-01-01) UTC are errors, not data.
inline constexpr std::int64_t kEarliestOpenTimeNs = 1'230'768'000'000'000'000;  // 2009-01-01T00:00:00Z
inline constexpr std::int64_t kLatestOpenTimeNs = 4'102'444'800'000'000'000;    // 2100-01-01T00:00:00Z

// --- Lean quote bars ----------------------------------------------------------

/// One minute of Lean's bid/ask bars (`*_quote.zip`): the spreads, not candles.
struct QuoteBar {
  std::uint64_t line = 0;
  std::int64_t open_time_ns = 0;
  double bid_open = 0, bid_high = 0, bid_low = 0, bid_close = 0, last_bid_size = 0;
  double ask_open = 0, ask_high = 0, ask_low = 0, ask_close = 0, last_ask_size = 0;
};

/// Reads a Lean quote-bar zip (minute: ms since midnight, the date from the
/// file name; daily: "YYYYMMDD HH:MM"), 11 columns a row.
std::expected<std::vector<QuoteBar>, LoadError> load_lean_quote_zip(const std::string& path);

// --- writers -------------------------------------------------------------------
// Each writes what the matching parser reads back exactly (shortest
// round-trip decimals): the property tests use them, and so can exports.

enum class EpochUnit : std::uint8_t { s, ms, us, ns };

/// 12 columns, no header; the columns after volume are derived (close time =
/// open time + interval - 1 unit) or zero.
std::string write_binance_kline_csv(std::span<const BarData> bars, EpochUnit unit = EpochUnit::ms);
/// Header `timestamp,open,high,low,close,volume`; the time as ISO 8601 with
/// nanoseconds when `iso` is true, else as an integer epoch in `unit`.
std::string write_generic_csv(std::span<const BarData> bars, bool iso = true, EpochUnit unit = EpochUnit::ms);
/// Lean trade bars: `ms_since_midnight,o,h,l,c,v`, every bar within the UTC
/// day starting at `day_start_ns` (whole milliseconds).
std::string write_lean_trade_csv(std::span<const BarData> bars, std::int64_t day_start_ns);
/// freqtrade's `[[ms,o,h,l,c,v],...]` on one line.
std::string write_freqtrade_json(std::span<const BarData> bars);
/// Writes `csv` as the single entry `entry_name` of a new zip at `path`.
std::expected<void, std::string> write_zip(const std::string& path, const std::string& entry_name,
                                           std::string_view csv);

}  // namespace verity
