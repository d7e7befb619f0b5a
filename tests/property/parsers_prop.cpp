// The candle parsers against their writers: random valid rows written in
// each format (Binance klines in ms and us, generic CSV with ISO or epoch
// times in every unit, Lean trade bars, freqtrade JSON) read back exactly,
// with their lines. Random byte mutations and truncations of a valid file
// never crash a parser: it either reads the file or says why with a
// LoadError that names the file and a line. A failing case prints its seed
// (RC_PARAMS="seed=N" replays it).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "actors/feed/candle_file.hpp"
#include "tests/support/temp_dir.hpp"

namespace verity {
namespace {

constexpr std::int64_t kMinuteNs = 60'000'000'000;
constexpr std::int64_t kDayNs = 1440 * kMinuteNs;
// Open times drawn for the round trips: 2009-01-02 .. 2099-12-01, in minutes.
constexpr std::int64_t kFirstMinute = 1'230'854'400 / 60;
constexpr std::int64_t kLastMinute = 4'099'766'400 / 60;

/// Any double the writers must carry: plain decimals as exchanges write
/// them, arbitrary bit patterns (subnormals, 17-digit values), and the
/// special values the validator exists to catch.
rc::Gen<double> any_value() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::pair(rc::gen::inRange<std::int64_t>(0, 1'000'000'000'000), rc::gen::inRange(0, 9)),
                   [](std::pair<std::int64_t, int> p) {
                     return static_cast<double>(p.first) / std::pow(10.0, p.second);
                   }),
      rc::gen::map(rc::gen::arbitrary<std::uint64_t>(), [](std::uint64_t b) { return std::bit_cast<double>(b); }),
      rc::gen::element(0.0, -0.0, 1e-300, 5e-324, std::numeric_limits<double>::infinity(),
                       -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()));
}

/// `n` bars with increasing open times, `step_unit_ns` apart at least, from `first_ns`.
std::vector<BarData> gen_bars(std::int64_t first_ns, std::int64_t step_unit_ns, std::size_t n) {
  std::vector<BarData> bars;
  std::int64_t t = first_ns;
  for (std::size_t i = 0; i < n; ++i) {
    BarData b;
    b.symbol = "BTCUSDT";
    b.open_time_ns = t;
    b.interval_ns = kMinuteNs;
    b.open = *any_value();
    b.high = *any_value();
    b.low = *any_value();
    b.close = *any_value();
    b.volume = *any_value();
    bars.push_back(b);
    t += step_unit_ns * *rc::gen::inRange<std::int64_t>(1, 6);
  }
  return bars;
}

std::int64_t gen_start_minute_ns(std::size_t rows) {
  return *rc::gen::inRange<std::int64_t>(kFirstMinute, kLastMinute - 6 * static_cast<std::int64_t>(rows)) * kMinuteNs;
}

bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

/// Parses `text` as `format`, both by name and by detection, and checks each
/// bar came back bit for bit on line `first_line + i`.
void expect_round_trip(const std::string& text, const std::string& name, CandleFormat format,
                       const std::vector<BarData>& bars, std::uint64_t first_line) {
  for (CandleFormat asked : {format, CandleFormat::auto_detect}) {
    if (asked == CandleFormat::auto_detect && format == CandleFormat::lean_zip)
      continue;  // a bare Lean CSV is ambiguous
    auto f = parse_candle_text(text, name, "BTCUSDT", asked);
    RC_ASSERT(f.has_value());
    RC_ASSERT(f->format == format);
    RC_ASSERT(f->rows.size() == bars.size());
    for (std::size_t i = 0; i < bars.size(); ++i) {
      const CandleRow& r = f->rows[i];
      RC_ASSERT(r.line == first_line + i);
      RC_ASSERT(r.bar.open_time_ns == bars[i].open_time_ns);
      RC_ASSERT(same(r.bar.open, bars[i].open));
      RC_ASSERT(same(r.bar.high, bars[i].high));
      RC_ASSERT(same(r.bar.low, bars[i].low));
      RC_ASSERT(same(r.bar.close, bars[i].close));
      RC_ASSERT(same(r.bar.volume, bars[i].volume));
    }
  }
}

RC_GTEST_PROP(ParserRoundTrip, BinanceKlineCsv, ()) {
  const auto n = *rc::gen::inRange<std::size_t>(1, 40);
  const auto bars = gen_bars(gen_start_minute_ns(n), kMinuteNs, n);
  const EpochUnit unit = *rc::gen::element(EpochUnit::ms, EpochUnit::us);
  expect_round_trip(write_binance_kline_csv(bars, unit), "k.csv", CandleFormat::binance_kline_csv, bars, 1);
}

RC_GTEST_PROP(ParserRoundTrip, GenericCsvIsoTimes, ()) {
  const auto n = *rc::gen::inRange<std::size_t>(1, 40);
  // ISO times carry nanoseconds: steps of a random number of ns.
  const std::int64_t step = *rc::gen::inRange<std::int64_t>(1, kMinuteNs);
  const auto bars = gen_bars(gen_start_minute_ns(n) + *rc::gen::inRange<std::int64_t>(0, kMinuteNs), step, n);
  expect_round_trip(write_generic_csv(bars, true), "g.csv", CandleFormat::generic_csv, bars, 2);
}

RC_GTEST_PROP(ParserRoundTrip, GenericCsvEpochTimesInEveryUnit, ()) {
  const auto n = *rc::gen::inRange<std::size_t>(1, 40);
  const EpochUnit unit = *rc::gen::element(EpochUnit::s, EpochUnit::ms, EpochUnit::us, EpochUnit::ns);
  const auto bars = gen_bars(gen_start_minute_ns(n), kMinuteNs, n);
  expect_round_trip(write_generic_csv(bars, false, unit), "g.csv", CandleFormat::generic_csv, bars, 2);
}

RC_GTEST_PROP(ParserRoundTrip, LeanTradeCsv, ()) {
  const std::int64_t day = *rc::gen::inRange<std::int64_t>(kFirstMinute / 1440 + 1, kLastMinute / 1440) * kDayNs;
  const auto n = *rc::gen::inRange<std::size_t>(1, 200);
  const auto bars = gen_bars(day, kMinuteNs, n);  // at most 6 * 200 minutes: within the day
  const std::int64_t days = day / kDayNs;
  // The date comes from the name, as in Lean's zips.
  const std::int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2);
  char name[96];
  std::snprintf(name, sizeof name, "%04lld%02lld%02lld_btcusd_minute_trade.csv", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d));
  expect_round_trip(write_lean_trade_csv(bars, day), name, CandleFormat::lean_zip, bars, 1);
}

RC_GTEST_PROP(ParserRoundTrip, FreqtradeJson, ()) {
  const auto n = *rc::gen::inRange<std::size_t>(1, 40);
  auto bars = gen_bars(gen_start_minute_ns(n), kMinuteNs, n);
  expect_round_trip(write_freqtrade_json(bars), "f.json", CandleFormat::freqtrade_json, bars, 1);
}

// --- damaged files ------------------------------------------------------------------

/// A valid file in a random format, and its name.
std::pair<std::string, std::string> gen_valid_file(CandleFormat& format) {
  const auto n = *rc::gen::inRange<std::size_t>(1, 12);
  const auto bars = gen_bars(gen_start_minute_ns(n), kMinuteNs, n);
  switch (*rc::gen::inRange(0, 5)) {
    case 0: format = CandleFormat::binance_kline_csv; return {write_binance_kline_csv(bars), "k.csv"};
    case 1: format = CandleFormat::generic_csv; return {write_generic_csv(bars, true), "g.csv"};
    case 2: format = CandleFormat::generic_csv; return {write_generic_csv(bars, false, EpochUnit::ms), "g.csv"};
    case 3: {
      format = CandleFormat::lean_zip;
      const std::int64_t day = bars.front().open_time_ns / kDayNs * kDayNs;
      std::vector<BarData> same_day;
      for (const auto& b : bars) {
        if (b.open_time_ns < day + kDayNs) same_day.push_back(b);
      }
      return {write_lean_trade_csv(same_day, day), "20210402_trade.csv"};
    }
    default: format = CandleFormat::freqtrade_json; return {write_freqtrade_json(bars), "f.json"};
  }
}

/// One to five random edits: replace, insert or delete a byte (often one
/// that means something to a parser), or cut the text short.
std::string mutate(std::string text) {
  const auto edits = *rc::gen::inRange(1, 6);
  for (int e = 0; e < edits; ++e) {
    const auto pos = *rc::gen::inRange<std::size_t>(0, text.size() + 1);
    const char byte =
        *rc::gen::oneOf(rc::gen::element(',', '\n', '\r', '"', '[', ']', '.', '-', 'e', 'x', ' ', '\0', '9', '0'),
                        rc::gen::arbitrary<char>());
    switch (*rc::gen::inRange(0, 4)) {
      case 0:
        if (pos < text.size()) text[pos] = byte;
        break;
      case 1: text.insert(text.begin() + static_cast<std::ptrdiff_t>(pos), byte); break;
      case 2:
        if (pos < text.size()) text.erase(pos, 1);
        break;
      default: text.resize(pos); break;
    }
  }
  return text;
}

void expect_read_or_explained(const std::expected<CandleFile, LoadError>& f, const std::string& name) {
  if (f) {
    for (const CandleRow& r : f->rows) {
      RC_ASSERT(r.line >= 1u);
      // Whatever was read is a plausible time: range checks are not skipped.
      RC_ASSERT(r.bar.open_time_ns >= kEarliestOpenTimeNs);
      RC_ASSERT(r.bar.open_time_ns < kLatestOpenTimeNs);
    }
    return;
  }
  RC_ASSERT(f.error().line >= 1u);
  RC_ASSERT(!f.error().message.empty());
  RC_ASSERT(f.error().text().find(name) == 0u);
}

RC_GTEST_PROP(ParserDamage, MutatedTextIsReadOrExplainedWithALine, ()) {
  CandleFormat format{};
  auto [text, name] = gen_valid_file(format);
  const std::string damaged = mutate(text);
  expect_read_or_explained(parse_candle_text(damaged, name, "BTCUSDT", format), name);
  if (format != CandleFormat::lean_zip) {
    expect_read_or_explained(parse_candle_text(damaged, name, "BTCUSDT", CandleFormat::auto_detect), name);
  }
}

RC_GTEST_PROP(ParserDamage, EveryTruncationIsReadOrExplained, ()) {
  CandleFormat format{};
  auto [text, name] = gen_valid_file(format);
  const auto cut = *rc::gen::inRange<std::size_t>(0, text.size());
  expect_read_or_explained(parse_candle_text(text.substr(0, cut), name, "BTCUSDT", format), name);
}

TEST(ParserDamage, MutatedZipsNeverCrash) {
  // Zips go through libzip from a file, so this runs its cases itself.
  testing::TempDir dir;
  const std::string path = dir.sub("20210402_trade.zip");
  const bool ok = rc::check("a damaged zip is read or refused", [&] {
    const auto n = *rc::gen::inRange<std::size_t>(1, 30);
    const std::int64_t day = 1'617'321'600'000'000'000;
    const auto bars = gen_bars(day, kMinuteNs, n);
    RC_ASSERT(write_zip(path, "20210402_btcusd_minute_trade.csv", write_lean_trade_csv(bars, day)).has_value());
    std::string bytes;
    {
      std::ifstream in(path, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      const std::string damaged = mutate(bytes);
      out.write(damaged.data(), static_cast<std::streamsize>(damaged.size()));
    }
    auto f = load_candle_file(path, "BTCUSDT");
    if (!f) {
      RC_ASSERT(!f.error().message.empty());
      RC_ASSERT(f.error().text().find(path) == 0u);
    }
  });
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace verity
