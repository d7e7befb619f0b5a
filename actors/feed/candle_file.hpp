// Reading candle files into bars. Formats:
//   - Binance kline CSV (public-data layout: 12 columns, no header, open
//     time in ms, or in us as Binance spot files use from 2025);
//   - freqtrade JSON ([[ms, open, high, low, close, volume], ...]);
//   - generic OHLCV CSV with a header, columns and timestamps detected;
//   - Lean/Coinbase minute zips (one headerless CSV per day).
// A syntax problem (a wrong column count, text in a number, a timestamp that
// cannot be read) is a LoadError naming file, line and column. Values that
// parse but are wrong as market data (NaN, high < low, duplicates...) are
// the validator's business: the loader returns them with their line numbers.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "actors/feed/bar.hpp"

namespace verity {

enum class CandleFormat { auto_detect, binance_kline_csv, freqtrade_json, generic_csv, lean_zip };
std::string_view candle_format_name(CandleFormat f);

struct LoadError {
  std::string file;
  std::uint64_t line = 0;  // 1-based; 0 when the problem is the file as a whole
  std::string column;      // e.g. "close" or "3"; empty when none applies
  std::string message;     // what was wrong and what was expected
  /// "FILE line L, column C: MESSAGE"
  std::string text() const;
};

/// One candle and where it came from.
struct CandleRow {
  std::uint64_t line = 0;
  BarData bar;
};

struct CandleFile {
  CandleFormat format = CandleFormat::auto_detect;
  std::vector<CandleRow> rows;  // in file order
};

/// Loads every row of `path` for `symbol`. `interval_ns` is the candle
/// length (0: infer from the file's most common step).
std::expected<CandleFile, LoadError> load_candle_file(const std::string& path, const std::string& symbol,
                                                      CandleFormat format = CandleFormat::auto_detect,
                                                      std::int64_t interval_ns = 0);

}  // namespace verity
