// Candle files: each format read from small fixtures written here, the
// detection rules (extension, sniffing, ms/us/s/ns by magnitude, banners,
// newest-first files), and every kind of bad input as a LoadError naming
// file, line and column. The shared real files are read when present.
#include "actors/feed/candle_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/temp_dir.hpp"

namespace verity {
namespace {

using testing::TempDir;

constexpr std::int64_t kMinuteNs = 60'000'000'000;
constexpr std::int64_t k20210402Ns = 1'617'321'600'000'000'000;  // 2021-04-02T00:00:00Z

std::string write(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.sub(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

/// The error of a load that must fail.
LoadError load_error(const std::string& path, CandleFormat format = CandleFormat::auto_detect) {
  auto f = load_candle_file(path, "BTCUSDT", format);
  if (f) {
    ADD_FAILURE() << path << " loaded " << f->rows.size() << " rows; expected an error";
    return {};
  }
  return f.error();
}

const std::string kBinanceRows =
    "1617321600000,58720.45000000,58840.43000000,58720.44000000,58760.34000000,61.68567500,1617321659999,"
    "3623838.53937820,1935,35.09617000,2061833.27773310,0\n"
    "1617321660000,58760.34000000,58820.97000000,58739.28000000,58750.01000000,25.39209300,1617321719999,"
    "1492624.29318367,1109,13.37474000,786296.37226160,0\n"
    "1617321720000,58750.01000000,58758.27000000,58666.20000000,58672.92000000,33.99102700,1617321779999,"
    "1995461.84553040,1271,14.90113900,874741.27245468,0\n";

TEST(CandleFile, BinanceKlineCsvInMilliseconds) {
  TempDir dir;
  auto f = load_candle_file(write(dir, "BTCUSDT-1m-2021-04-02.csv", kBinanceRows), "BTCUSDT");
  ASSERT_TRUE(f.has_value()) << f.error().text();
  EXPECT_EQ(f->format, CandleFormat::binance_kline_csv);
  EXPECT_EQ(f->time_encoding, "epoch ms");
  EXPECT_EQ(f->interval_ns, kMinuteNs);
  ASSERT_EQ(f->rows.size(), 3u);
  const BarData& b = f->rows[0].bar;
  EXPECT_EQ(f->rows[0].line, 1u);
  EXPECT_EQ(b.symbol, "BTCUSDT");
  EXPECT_EQ(b.open_time_ns, k20210402Ns);
  EXPECT_EQ(b.interval_ns, kMinuteNs);
  EXPECT_EQ(b.open, 58720.45);
  EXPECT_EQ(b.high, 58840.43);
  EXPECT_EQ(b.low, 58720.44);
  EXPECT_EQ(b.close, 58760.34);
  EXPECT_EQ(b.volume, 61.685675);
  EXPECT_EQ(f->rows[2].bar.open_time_ns, k20210402Ns + 2 * kMinuteNs);
  EXPECT_EQ(f->rows[2].line, 3u);
}

TEST(CandleFile, BinanceMicrosecondsAreDetectedPerFile) {
  // Binance spot files from 2025 give open and close times in microseconds.
  TempDir dir;
  const std::string us =
      "1735689600000000,93576.00,93610.93,93537.50,93610.93,8.21827,1735689659999999,768978.1,1213,5.8,543030.2,0\n"
      "1735689660000000,93610.93,93652.00,93606.00,93652.00,4.50,1735689719999999,421409.2,900,2.1,196655.5,0\n";
  auto f = load_candle_file(write(dir, "BTCUSDT-1m-2025-01-01.csv", us), "BTCUSDT");
  ASSERT_TRUE(f.has_value()) << f.error().text();
  EXPECT_EQ(f->time_encoding, "epoch us");
  ASSERT_EQ(f->rows.size(), 2u);
  EXPECT_EQ(f->rows[0].bar.open_time_ns, 1'735'689'600'000'000'000);  // 2025-01-01T00:00:00Z
  EXPECT_EQ(f->interval_ns, kMinuteNs);
}

TEST(CandleFile, BinanceHeaderLineIsSkippedAndSaidSo) {
  TempDir dir;
  const std::string text =
      "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,"
      "ignore\n" +
      kBinanceRows;
  auto f = load_candle_file(write(dir, "k.csv", text), "BTCUSDT");
  ASSERT_TRUE(f.has_value()) << f.error().text();
  EXPECT_EQ(f->format, CandleFormat::binance_kline_csv);
  ASSERT_EQ(f->rows.size(), 3u);
  EXPECT_EQ(f->rows[0].line, 2u);
  ASSERT_FALSE(f->notes.empty());
  EXPECT_TRUE(contains(f->notes[0], "header"));
}

TEST(CandleFile, GenericCsvWithIsoTimesAndAnyCase) {
  TempDir dir;
  const std::string text =
      "Timestamp,Open,High,Low,Close,Volume\r\n"
      "2021-12-31 23:01:00.000000,46319.0,46385.0,46319.0,46377.0,2300413.7295\r\n"
      "2021-12-31T23:02:00Z,46377.0,46411.0,46377.0,46411.0,1829623.1938\r\n"
      "2021-12-31T23:03:00+00:00,46411.0,46425.0,46411.0,46425.0,466452.1722\r\n";
  auto f = load_candle_file(write(dir, "ftx.csv", text), "BTCPERP");
  ASSERT_TRUE(f.has_value()) << f.error().text();
  EXPECT_EQ(f->format, CandleFormat::generic_csv);
  EXPECT_EQ(f->time_encoding, "ISO 8601");
  ASSERT_EQ(f->rows.size(), 3u);
  const std::int64_t t0 = 1'640'991'660'000'000'000;  // 2021-12-31T23:01:00Z
  for (int i = 0; i < 3; ++i) EXPECT_EQ(f->rows[i].bar.open_time_ns, t0 + i * kMinuteNs);
  EXPECT_EQ(f->rows[0].line, 2u);
  EXPECT_EQ(f->rows[2].bar.volume, 466452.1722);
}

TEST(CandleFile, GenericCsvEpochUnitsByMagnitude) {
  TempDir dir;
  const struct {
    const char* unit;
    std::string first, second;
  } cases[] = {
      {"s", "1617321600", "1617321660"},
      {"ms", "1617321600000", "1617321660000"},
      {"us", "1617321600000000", "1617321660000000"},
      {"ns", "1617321600000000000", "1617321660000000000"},
  };
  for (const auto& c : cases) {
    const std::string text =
        "time;open;high;low;close;vol\n" + c.first + ";1;2;0.5;1.5;10\n" + c.second + ";1.5;2;1;1.25;3\n";
    auto f = load_candle_file(write(dir, std::string("epoch_") + c.unit + ".csv", text), "X");
    ASSERT_TRUE(f.has_value()) << c.unit << ": " << f.error().text();
    EXPECT_EQ(f->time_encoding, std::string("epoch ") + c.unit);
    ASSERT_EQ(f->rows.size(), 2u);
    EXPECT_EQ(f->rows[0].bar.open_time_ns, k20210402Ns) << c.unit;
    EXPECT_EQ(f->rows[1].bar.open_time_ns, k20210402Ns + kMinuteNs) << c.unit;
  }
}

TEST(CandleFile, GenericCsvQuotedFieldsAndExtraColumns) {
  TempDir dir;
  const std::string text =
      "\"date\",\"symbol\",\"open\",\"high\",\"low\",\"close\",\"volume\"\n"
      "\"2021-04-02\",\"BTC, USD\",\"58720.45\",\"59000\",\"58000\",\"58760.34\",\"61.5\"\n";
  auto f = load_candle_file(write(dir, "q.csv", text), "BTCUSD");
  ASSERT_TRUE(f.has_value()) << f.error().text();
  ASSERT_EQ(f->rows.size(), 1u);
  EXPECT_EQ(f->rows[0].bar.open_time_ns, k20210402Ns);
  EXPECT_EQ(f->rows[0].bar.open, 58720.45);
  EXPECT_EQ(f->rows[0].bar.volume, 61.5);
}

TEST(CandleFile, CryptoDataDownloadLayoutBannerHourTimesNewestFirst) {
  // The 05 dataset's layout: a banner line, a header whose plain `volume` is
  // in USD (volume_btc is the base volume), "YYYY-MM-DD HH-AM" times, and
  // rows newest first.
  TempDir dir;
  const std::string text =
      "Timestamps are UTC timezone,https://www.CryptoDataDownload.com\r\n"
      "date,symbol,open,high,low,close,volume_btc,volume\r\n"
      "2019-10-17 01-PM,BTCUSD,8051,8056.83,8021.23,8035.88,61.25,492394.56\r\n"
      "2019-10-17 12-PM,BTCUSD,7975.89,8070,7975.89,8051,370.45,2971610.86\r\n"
      "2019-10-17 11-AM,BTCUSD,7964.62,7987.82,7964.61,7975.89,121.68,970521.83\r\n"
      "2019-10-17 12-AM,BTCUSD,7960,7970,7950,7964.62,10,79600\r\n";
  auto f = load_candle_file(write(dir, "Coinbase_BTCUSD_1h.csv", text), "BTCUSD");
  ASSERT_TRUE(f.has_value()) << f.error().text();
  EXPECT_TRUE(f->newest_first);
  ASSERT_EQ(f->rows.size(), 4u);
  const std::int64_t midnight = 1'571'270'400'000'000'000;  // 2019-10-17T00:00:00Z
  const std::int64_t hour = 60 * kMinuteNs;
  // Reversed into time order; each row keeps its line.
  EXPECT_EQ(f->rows[0].bar.open_time_ns, midnight);  // 12-AM is 00:00
  EXPECT_EQ(f->rows[0].line, 6u);
  EXPECT_EQ(f->rows[1].bar.open_time_ns, midnight + 11 * hour);
  EXPECT_EQ(f->rows[2].bar.open_time_ns, midnight + 12 * hour);  // 12-PM is noon
  EXPECT_EQ(f->rows[3].bar.open_time_ns, midnight + 13 * hour);
  EXPECT_EQ(f->rows[3].line, 3u);
  EXPECT_EQ(f->rows[3].bar.volume, 61.25);  // volume_btc, not the USD volume
  EXPECT_EQ(f->interval_ns, hour);
  bool banner_noted = false;
  for (const auto& n : f->notes) banner_noted = banner_noted || n.find("banner") != std::string::npos;
  EXPECT_TRUE(banner_noted);
}

TEST(CandleFile, FreqtradeJsonCandleNumbersAreRows) {
  TempDir dir;
  const std::string text =
      "[[1617321600000,58720.45,58840.43,58720.44,58760.34,61.685675],\n"
      " [1617321660000, 58760.34, 58820.97, 58739.28, 58750.01, 25.392093] ]\n";
  auto f = load_candle_file(write(dir, "BTC_USDT-1m.json", text), "BTCUSDT");
  ASSERT_TRUE(f.has_value()) << f.error().text();
  EXPECT_EQ(f->format, CandleFormat::freqtrade_json);
  EXPECT_EQ(f->row_unit, "candle");
  ASSERT_EQ(f->rows.size(), 2u);
  EXPECT_EQ(f->rows[1].line, 2u);
  EXPECT_EQ(f->rows[1].bar.open_time_ns, k20210402Ns + kMinuteNs);
  EXPECT_EQ(f->rows[1].bar.volume, 25.392093);
}

TEST(CandleFile, LeanMinuteTradeZipTakesTheDateFromItsName) {
  TempDir dir;
  const std::string path = dir.sub("20161007_trade.zip");
  ASSERT_TRUE(write_zip(path, "20161007_btcusd_minute_trade.csv",
                        "0,611.78,611.91,611.78,611.9,1.13872\n60000,611.87,611.88,611.87,611.88,0.56799\n"
                        "180000,611.75,611.87,611.75,611.87,0.39553")
                  .has_value());
  auto f = load_candle_file(path, "BTCUSD");
  ASSERT_TRUE(f.has_value()) << f.error().text();
  EXPECT_EQ(f->format, CandleFormat::lean_zip);
  ASSERT_EQ(f->rows.size(), 3u);
  const std::int64_t day = 1'475'798'400'000'000'000;  // 2016-10-07T00:00:00Z
  EXPECT_EQ(f->rows[0].bar.open_time_ns, day);
  EXPECT_EQ(f->rows[2].bar.open_time_ns, day + 3 * kMinuteNs);
  EXPECT_EQ(f->rows[2].line, 3u);
  EXPECT_EQ(f->rows[2].bar.volume, 0.39553);
  EXPECT_EQ(f->interval_ns, kMinuteNs);
}

TEST(CandleFile, LeanDailyZipAndQuoteBars) {
  TempDir dir;
  const std::string daily = dir.sub("btcusd_trade.zip");
  ASSERT_TRUE(write_zip(daily, "btcusd.csv",
                        "20141201 00:00,300,370,300,370,0.05655554\n20141202 00:00,377,378,377,378,15.0136\n")
                  .has_value());
  auto f = load_candle_file(daily, "BTCUSD");
  ASSERT_TRUE(f.has_value()) << f.error().text();
  ASSERT_EQ(f->rows.size(), 2u);
  EXPECT_EQ(f->rows[1].bar.open_time_ns, 1'417'478'400'000'000'000);  // 2014-12-02
  EXPECT_EQ(f->interval_ns, 1440 * kMinuteNs);

  // Quote bars are spreads, not candles: the candle loader says where candles are.
  const std::string quote = dir.sub("20170903_quote.zip");
  ASSERT_TRUE(write_zip(quote, "20170903_btcusd_minute_quote.csv",
                        "0,4642.42,4642.42,4642.42,4642.42,0.14,4649.95,4649.95,4649.95,4649.95,0.4\n"
                        "60000,4645.1,4645.1,4645.1,4645.1,0.01,4652.7,4652.7,4652.7,4652.7,0.01\n")
                  .has_value());
  const LoadError e = load_error(quote);
  EXPECT_TRUE(contains(e.text(), "quote-bar"));
  EXPECT_TRUE(contains(e.text(), "_trade.zip"));
  auto q = load_lean_quote_zip(quote);
  ASSERT_TRUE(q.has_value()) << q.error().text();
  ASSERT_EQ(q->size(), 2u);
  EXPECT_EQ((*q)[1].open_time_ns, 1'504'396'800'000'000'000 + kMinuteNs);  // 2017-09-03T00:01Z
  EXPECT_EQ((*q)[1].bid_close, 4645.1);
  EXPECT_EQ((*q)[1].ask_open, 4652.7);
}

TEST(CandleFile, FormatIsDetectedByExtensionThenContent) {
  TempDir dir;
  EXPECT_EQ(detect_candle_format(write(dir, "a.json", "[]")).value(), CandleFormat::freqtrade_json);
  EXPECT_EQ(detect_candle_format(write(dir, "a.txt", kBinanceRows)).value(), CandleFormat::binance_kline_csv);
  EXPECT_EQ(detect_candle_format(write(dir, "b.txt", "[[1617321600000,1,1,1,1,1]]")).value(),
            CandleFormat::freqtrade_json);
  EXPECT_EQ(detect_candle_format(write(dir, "c.csv", "time,open,high,low,close,volume\n")).value(),
            CandleFormat::generic_csv);
  auto unknown = detect_candle_format(write(dir, "d.csv", "1,2,3,4,5,6\n"));
  ASSERT_FALSE(unknown.has_value());
  EXPECT_TRUE(contains(unknown.error().text(), "--format"));
  EXPECT_EQ(parse_candle_format("lean-zip"), CandleFormat::lean_zip);
  EXPECT_FALSE(parse_candle_format("xlsx").has_value());
}

// --- bad input: each a LoadError naming file, line and column ---------------------

TEST(CandleFileBadInput, EmptyFilesInEveryFormat) {
  TempDir dir;
  for (const std::string name : {"empty.csv", "empty.json", "blank.csv"}) {
    const std::string path = write(dir, name, name == "blank.csv" ? "\n  \n" : "");
    const LoadError e = load_error(path);
    EXPECT_EQ(e.file, path);
    EXPECT_EQ(e.line, 1u);
    EXPECT_EQ(e.column, "1");
    EXPECT_TRUE(contains(e.text(), "empty")) << e.text();
  }
  const std::string zip = dir.sub("20161007_trade.zip");
  ASSERT_TRUE(write_zip(zip, "20161007_btcusd_minute_trade.csv", "").has_value());
  EXPECT_TRUE(contains(load_error(zip).text(), "empty"));
  // Only a header is no data either.
  const LoadError header_only = load_error(write(dir, "h.csv", "time,open,high,low,close,volume\n"));
  EXPECT_TRUE(contains(header_only.message, "no candle rows")) << header_only.text();
}

TEST(CandleFileBadInput, TruncatedLastLineIsNamedAsATruncatedFile) {
  TempDir dir;
  const std::string cut = kBinanceRows + "1617321780000,58672.92,58687.49,586";
  const std::string path = write(dir, "cut.csv", cut);
  const LoadError e = load_error(path);
  EXPECT_EQ(e.file, path);
  EXPECT_EQ(e.line, 4u);
  EXPECT_EQ(e.column, "5");  // the first missing column
  EXPECT_TRUE(contains(e.message, "truncated")) << e.text();
  EXPECT_TRUE(contains(e.text(), path + " line 4, column 5: ")) << e.text();

  const LoadError g = load_error(write(dir, "cut_generic.csv",
                                       "time,open,high,low,close,volume\n"
                                       "2021-04-02,1,2,0.5,1.5,3\n2021-04-03,1,2"));
  EXPECT_EQ(g.line, 3u);
  EXPECT_TRUE(contains(g.message, "truncated")) << g.text();

  const LoadError j = load_error(write(dir, "cut.json", "[[1617321600000,1,2,0.5,1.5,3],[1617321660000,1,2"));
  EXPECT_EQ(j.unit, "candle");
  EXPECT_EQ(j.line, 2u);
  EXPECT_TRUE(contains(j.message, "truncated")) << j.text();
}

TEST(CandleFileBadInput, WrongColumnCount) {
  TempDir dir;
  const std::string path = write(dir, "k.csv", kBinanceRows + "1617321780000,1,2,0.5,1.5,3,1617321839999\n");
  const LoadError e = load_error(path);
  EXPECT_EQ(e.line, 4u);
  EXPECT_EQ(e.column, "8");
  EXPECT_TRUE(contains(e.message, "expected 12 columns")) << e.text();
  EXPECT_TRUE(contains(e.message, "found 7")) << e.text();

  const LoadError extra =
      load_error(write(dir, "g.csv", "time,open,high,low,close,volume\n2021-04-02,1,2,0.5,1.5,3,9\n"));
  EXPECT_EQ(extra.line, 2u);
  EXPECT_EQ(extra.column, "7");
  EXPECT_TRUE(contains(extra.message, "expected 6 columns")) << extra.text();

  const LoadError json = load_error(write(dir, "j.json", "[[1617321600000,1,2,0.5,1.5]]"));
  EXPECT_EQ(json.line, 1u);
  EXPECT_EQ(json.unit, "candle");
  EXPECT_TRUE(contains(json.message, "expected 6 values")) << json.text();
}

TEST(CandleFileBadInput, TextInANumericField) {
  TempDir dir;
  std::string rows = kBinanceRows;
  rows.replace(rows.find("58739.28000000"), 14, "58739.2x000000");
  const LoadError e = load_error(write(dir, "k.csv", rows));
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.column, "4 (low)");
  EXPECT_TRUE(contains(e.message, "expected a number, got '58739.2x000000'")) << e.text();

  // Text in a column the import does not keep is still an error.
  std::string trades = kBinanceRows;
  trades.replace(trades.find(",1109,"), 6, ",many,");
  const LoadError t = load_error(write(dir, "t.csv", trades));
  EXPECT_EQ(t.column, "9 (trades)");

  const LoadError g = load_error(write(dir, "g.csv", "time,open,high,low,close,volume\n2021-04-02,1,2,low,1.5,3\n"));
  EXPECT_EQ(g.line, 2u);
  EXPECT_EQ(g.column, "4 (low)");

  const LoadError j = load_error(write(dir, "j.json", "[[1617321600000,1,\"2\",0.5,1.5,3]]"));
  EXPECT_EQ(j.column, "3 (high)");
  EXPECT_TRUE(contains(j.message, "expected a number")) << j.text();

  const LoadError time = load_error(write(dir, "time.csv",
                                          "time,open,high,low,close,volume\n"
                                          "2021-04-02 10:00,1,2,0.5,1.5,3\nyesterday,1,2,0.5,1.5,3\n"));
  EXPECT_EQ(time.line, 3u);
  EXPECT_EQ(time.column, "1 (time)");
  EXPECT_TRUE(contains(time.message, "ISO 8601")) << time.text();
}

TEST(CandleFileBadInput, TimestampsFromTheFarFutureOrBefore2009) {
  TempDir dir;
  std::string rows = kBinanceRows;
  rows.replace(rows.find("1617321720000"), 13, "4102444800000");  // 2100-01-01
  const LoadError e = load_error(write(dir, "future.csv", rows));
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.column, "1 (open_time)");
  EXPECT_TRUE(contains(e.message, "far future")) << e.text();

  const LoadError huge = load_error(
      write(dir, "huge.csv",
            kBinanceRows + "99999999999999999999999," + kBinanceRows.substr(14, kBinanceRows.find('\n') - 14) + "\n"));
  EXPECT_EQ(huge.line, 4u);
  EXPECT_TRUE(contains(huge.message, "far future")) << huge.text();

  const LoadError old =
      load_error(write(dir, "old.csv", "time,open,high,low,close,volume\n2008-12-31T23:59:00Z,1,2,0.5,1.5,3\n"));
  EXPECT_EQ(old.line, 2u);
  EXPECT_TRUE(contains(old.message, "before 2009")) << old.text();

  const LoadError json =
      load_error(write(dir, "f.json", "[[1617321600000,1,2,0.5,1.5,3],[9617321600000,1,2,0.5,1.5,3]]"));
  EXPECT_EQ(json.line, 2u);
  EXPECT_EQ(json.column, "1 (open_time)");
  EXPECT_TRUE(contains(json.message, "far future")) << json.text();

  const LoadError iso =
      load_error(write(dir, "iso.csv", "time,open,high,low,close,volume\n2150-01-01,1,2,0.5,1.5,3\n"));
  EXPECT_TRUE(contains(iso.message, "far future")) << iso.text();
}

TEST(CandleFileBadInput, MissingFilesFoldersAndBadZips) {
  TempDir dir;
  EXPECT_TRUE(contains(load_error(dir.sub("nope.csv")).text(), "no such file"));
  EXPECT_TRUE(contains(load_error(dir.str()).text(), "folder"));
  const LoadError z = load_error(write(dir, "20161007_trade.zip", "PK\x03\x04 not really a zip"));
  EXPECT_TRUE(contains(z.text(), "zip")) << z.text();
  const LoadError header = load_error(write(dir, "nohead.csv", "when,price\n2021-04-02,1\n"));
  EXPECT_TRUE(contains(header.text(), "header")) << header.text();
}

// --- the shared real files ------------------------------------------------------------

std::string shared_data(const std::string& relative) {
  return std::string(VERITY_SOURCE_DIR) + "/../shared/data/" + relative;
}

#define SKIP_WITHOUT(path)            \
  if (!std::filesystem::exists(path)) \
  GTEST_SKIP() << "shared data not found at " << (path) << " (see ../shared/data/SOURCES.md); skipped"

TEST(CandleFileRealData, BinanceFreqtradeJsonFiles) {
  const std::string btc = shared_data("01_binance_spot_1m_btc_bnb_2021/BTC_USDT-1m.json");
  SKIP_WITHOUT(btc);
  auto f = load_candle_file(btc, "BTCUSDT");
  ASSERT_TRUE(f.has_value()) << f.error().text();
  ASSERT_EQ(f->rows.size(), 61'272u);
  EXPECT_EQ(f->rows.front().bar.open_time_ns, k20210402Ns);
  EXPECT_EQ(f->rows.front().bar.open, 58720.45);  // SOURCES.md: BTC opens at 58,720
  EXPECT_EQ(f->interval_ns, kMinuteNs);
  auto bnb = load_candle_file(shared_data("01_binance_spot_1m_btc_bnb_2021/BNB_USDT-1m.json"), "BNBUSDT");
  ASSERT_TRUE(bnb.has_value()) << bnb.error().text();
  EXPECT_EQ(bnb->rows.size(), 61'273u);
}

TEST(CandleFileRealData, FtxIsoCsvAndCryptoDataDownloadHourly) {
  const std::string ftx = shared_data("02_ftx_btcperp_1m_2022-01_and_binance_depth/btc-perp-20211231-20220201_1m.csv");
  SKIP_WITHOUT(ftx);
  auto f = load_candle_file(ftx, "BTCPERP");
  ASSERT_TRUE(f.has_value()) << f.error().text();
  EXPECT_EQ(f->rows.size(), 45'031u);
  EXPECT_EQ(f->format, CandleFormat::generic_csv);
  auto cdd = load_candle_file(shared_data("05_coinbase_btcusd_1h_2017-2019/Coinbase_BTCUSD_1h.csv"), "BTCUSD");
  ASSERT_TRUE(cdd.has_value()) << cdd.error().text();
  EXPECT_EQ(cdd->rows.size(), 20'111u);
  EXPECT_TRUE(cdd->newest_first);
  EXPECT_EQ(cdd->interval_ns, 60 * kMinuteNs);
  EXPECT_EQ(cdd->rows.front().bar.open_time_ns, 1'498'906'800'000'000'000);  // 2017-07-01T11:00:00Z
  EXPECT_EQ(cdd->rows.back().bar.open_time_ns, 1'571'302'800'000'000'000);   // 2019-10-17T09:00:00Z
  EXPECT_EQ(cdd->rows.back().line, 3u);
}

TEST(CandleFileRealData, LeanCoinbaseZips) {
  const std::string root = shared_data("04_coinbase_minute_quote_trade_bars_lean/coinbase/");
  SKIP_WITHOUT(root);
  auto minute = load_candle_file(root + "minute/btcusd/20171217_trade.zip", "BTCUSD");
  ASSERT_TRUE(minute.has_value()) << minute.error().text();
  EXPECT_GT(minute->rows.size(), 1'400u);
  EXPECT_EQ(minute->interval_ns, kMinuteNs);
  EXPECT_EQ(minute->rows.front().bar.open_time_ns / kMinuteNs / 1440, 17'517);  // 2017-12-17
  auto daily = load_candle_file(root + "daily/btcusd_trade.zip", "BTCUSD");
  ASSERT_TRUE(daily.has_value()) << daily.error().text();
  EXPECT_EQ(daily->rows.size(), 1'318u);
  auto quotes = load_lean_quote_zip(root + "minute/btcusd/20171217_quote.zip");
  ASSERT_TRUE(quotes.has_value()) << quotes.error().text();
  EXPECT_GT(quotes->size(), 1'400u);
}

}  // namespace
}  // namespace verity
