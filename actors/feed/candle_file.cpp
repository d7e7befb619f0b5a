#include "actors/feed/candle_file.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <sstream>

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

std::string LoadError::text() const {
  std::string out = file;
  if (line != 0) out += " line " + std::to_string(line);
  if (!column.empty()) out += ", column " + column;
  return out + ": " + message;
}

namespace {

/// The most common step between consecutive open times; 60 s when unknown.
std::int64_t infer_interval_ns(const std::vector<CandleRow>& rows) {
  std::map<std::int64_t, std::size_t> steps;
  for (std::size_t i = 1; i < rows.size() && i < 10'000; ++i) {
    const std::int64_t d = rows[i].bar.open_time_ns - rows[i - 1].bar.open_time_ns;
    if (d > 0) ++steps[d];
  }
  std::int64_t best = 60'000'000'000, count = 0;
  for (const auto& [step, n] : steps) {
    if (static_cast<std::int64_t>(n) > count) best = step, count = static_cast<std::int64_t>(n);
  }
  return best;
}

std::expected<CandleFile, LoadError> load_freqtrade_json(const std::string& path, const std::string& symbol) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(LoadError{path, 0, "", "cannot open the file"});
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // Name the line of the byte where parsing stopped.
    const std::size_t at = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    const auto line = 1 + static_cast<std::uint64_t>(std::count(text.begin(), text.begin() + at, '\n'));
    return std::unexpected(LoadError{path, line, "", std::string("not valid JSON: ") + e.what()});
  }
  if (!doc.is_array()) return std::unexpected(LoadError{path, 1, "", "expected a JSON array of candles"});
  if (doc.empty()) return std::unexpected(LoadError{path, 1, "", "the file holds no candles"});
  static constexpr const char* kColumns[] = {"open_time", "open", "high", "low", "close", "volume"};
  CandleFile out;
  out.format = CandleFormat::freqtrade_json;
  out.rows.reserve(doc.size());
  // freqtrade writes one candle per array element; the element index is the
  // row number we report (line numbers of a one-line file would not help).
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const auto& row = doc[i];
    const std::uint64_t rownum = i + 1;
    if (!row.is_array() || row.size() != 6) {
      return std::unexpected(LoadError{path, rownum, "", "candle " + std::to_string(rownum) +
                                                             " is not an array of 6 values [ms, open, high, low, close, volume]"});
    }
    for (int c = 0; c < 6; ++c) {
      if (!row[c].is_number()) {
        return std::unexpected(LoadError{path, rownum, kColumns[c], "expected a number, got " + row[c].dump()});
      }
    }
    CandleRow r;
    r.line = rownum;
    r.bar.symbol = symbol;
    r.bar.open_time_ns = row[0].get<std::int64_t>() * 1'000'000;
    r.bar.open = row[1].get<double>();
    r.bar.high = row[2].get<double>();
    r.bar.low = row[3].get<double>();
    r.bar.close = row[4].get<double>();
    r.bar.volume = row[5].get<double>();
    out.rows.push_back(std::move(r));
  }
  return out;
}

CandleFormat detect_format(const std::string& path) {
  auto ends_with = [&](std::string_view suffix) {
    return path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with(".json")) return CandleFormat::freqtrade_json;
  if (ends_with(".zip")) return CandleFormat::lean_zip;
  return CandleFormat::generic_csv;
}

}  // namespace

std::expected<CandleFile, LoadError> load_candle_file(const std::string& path, const std::string& symbol,
                                                      CandleFormat format, std::int64_t interval_ns) {
  if (format == CandleFormat::auto_detect) format = detect_format(path);
  std::expected<CandleFile, LoadError> loaded;
  switch (format) {
    case CandleFormat::freqtrade_json: loaded = load_freqtrade_json(path, symbol); break;
    default:
      return std::unexpected(LoadError{path, 0, "", "format " + std::string(candle_format_name(format)) +
                                                        " is not supported yet"});
  }
  if (!loaded) return loaded;
  const std::int64_t interval = interval_ns > 0 ? interval_ns : infer_interval_ns(loaded->rows);
  for (auto& r : loaded->rows) r.bar.interval_ns = interval;
  return loaded;
}

}  // namespace verity
