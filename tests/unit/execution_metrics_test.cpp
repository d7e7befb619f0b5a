// Empirical execution metrics on small hand-made inputs: percentiles,
// sessions, the capture and quote-bar parsers (malformed lines counted with
// file and line), Corwin-Schultz on hand-computed bars, and the versioned
// store with its loader's errors.
#include "actors/execution/execution_metrics.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "actors/runtime/calendar.hpp"
#include "actors/runtime/clock.hpp"
#include "tests/support/temp_dir.hpp"

namespace verity {
namespace {

using testing::TempDir;

std::int64_t at(const char* iso) { return *parse_iso8601_ns(iso); }

std::string book_ticker(std::int64_t t_ns, const char* bid, const char* ask, const char* symbol = "btcusdt") {
  return std::to_string(t_ns) + R"( {"stream":")" + symbol + R"(@bookTicker","data":{"u":1,"s":"BTCUSDT","b":")" + bid +
         R"(","B":"1.0","a":")" + ask + R"(","A":"1.0"}})";
}

std::string trade(std::int64_t t_ns, const char* price, bool buyer_is_maker) {
  return std::to_string(t_ns) + R"( {"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT","p":")" + price +
         R"(","q":"0.1","T":)" + std::to_string(t_ns / 1'000'000) + R"(,"m":)" + (buyer_is_maker ? "true" : "false") +
         "}}";
}

// --- percentiles and sessions ------------------------------------------------

TEST(ExecutionMetrics, QuantileInterpolatesBetweenClosestRanks) {
  const std::vector<double> v = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 0.5), 2.5);  // h = 1.5
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 0.9), 3.7);  // h = 2.7
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 1.0), 4.0);
  EXPECT_DOUBLE_EQ(quantile_sorted(std::vector<double>{7}, 0.9), 7.0);
  EXPECT_DOUBLE_EQ(quantile_sorted({}, 0.5), 0.0);
}

TEST(ExecutionMetrics, SampleSummaryDoesNotDependOnInputOrder) {
  Sample a, b;
  for (double x : {4.0, 1.0, 3.0, 2.0}) a.add(x);
  for (double x : {1.0, 2.0, 3.0, 4.0}) b.add(x);
  const Distribution d = a.summary();
  EXPECT_EQ(d.count, 4u);
  EXPECT_DOUBLE_EQ(d.mean, 2.5);
  EXPECT_DOUBLE_EQ(d.p50, 2.5);
  EXPECT_DOUBLE_EQ(d.p90, 3.7);
  EXPECT_EQ(d, b.summary());
  EXPECT_TRUE(Sample().summary().empty());
}

TEST(ExecutionMetrics, WeightedQuantileIsTheValueWhereCumulativeTimeReachesTheFraction) {
  WeightedSample s;
  s.add(2.0, 4.0);
  s.add(1.0, 6.0);
  s.add(9.0, 0.0);  // never in force: left out
  const Distribution d = s.summary();
  EXPECT_EQ(d.count, 2u);
  EXPECT_DOUBLE_EQ(d.p50, 1.0);  // 6 of 10 at 1.0 covers half
  EXPECT_DOUBLE_EQ(d.p90, 2.0);
  EXPECT_DOUBLE_EQ(d.mean, 1.4);
}

TEST(ExecutionMetrics, SessionsAreUtcBlocksOfEightHours) {
  EXPECT_EQ(session_of(at("2024-08-09T00:00:00Z")), TradingSession::asia);
  EXPECT_EQ(session_of(at("2024-08-09T07:59:59.999Z")), TradingSession::asia);
  EXPECT_EQ(session_of(at("2024-08-09T08:00:00Z")), TradingSession::europe);
  EXPECT_EQ(session_of(at("2024-08-09T15:59:59.999Z")), TradingSession::europe);
  EXPECT_EQ(session_of(at("2024-08-09T16:00:00Z")), TradingSession::us);
  EXPECT_EQ(session_of(at("2024-08-08T23:59:59.999Z")), TradingSession::us);
  EXPECT_EQ(session_of(-1), TradingSession::us);  // 1969-12-31 23:59:59.999999999
  EXPECT_EQ(session_name(TradingSession::europe), "europe");
}

// --- the Binance capture -----------------------------------------------------

TEST(ExecutionMetrics, CaptureSpreadAndSlippagePerSession) {
  SourceRecord source;
  source.id = "test";
  CaptureMetrics m("BTCUSDT", source);
  const std::int64_t t0 = at("2024-08-08T23:59:58Z");  // US; two seconds later it is Asia
  const std::int64_t s = 1'000'000'000;
  std::uint64_t line = 0;
  m.add_line(book_ticker(t0, "100.00", "100.02"), "cap", ++line);          // mid 100.01
  m.add_line(trade(t0 + s, "100.02", false), "cap", ++line);               // a buyer lifts the ask
  m.add_line(book_ticker(t0 + 2 * s, "100.00", "100.04"), "cap", ++line);  // mid 100.02, Asia
  m.add_line(trade(t0 + 3 * s, "99.99", true), "cap", ++line);             // a seller below the bid
  m.add_line(book_ticker(t0 + 5 * s, "100.00", "100.02"), "cap", ++line);
  const PairMetrics p = m.finish();
  EXPECT_EQ(source.malformed_lines, 0u);
  EXPECT_EQ(source.counts["bookTicker"], 3u);
  EXPECT_EQ(source.counts["trade"], 2u);
  EXPECT_EQ(source.counts["trades_outside_prevailing_quote"], 1u);

  const SessionMetrics& us = p.session(TradingSession::us);
  const SessionMetrics& asia = p.session(TradingSession::asia);
  EXPECT_EQ(us.spread_bps->count, 1u);
  EXPECT_NEAR(us.spread_bps->mean, 0.02 / 100.01 * 1e4, 1e-9);
  EXPECT_EQ(asia.spread_bps->count, 2u);
  EXPECT_NEAR(asia.spread_bps->p90, 0.02 / 100.01 * 1e4 + 0.9 * (0.04 / 100.02 * 1e4 - 0.02 / 100.01 * 1e4), 1e-9);
  EXPECT_TRUE(p.session(TradingSession::europe).spread_bps->empty());
  EXPECT_EQ(p.all.spread_bps->count, 3u);

  // Time weights: the first quote held 2 s (US), the second 3 s (Asia); the
  // last has no end in the capture and carries no weight.
  EXPECT_EQ(us.spread_time_weighted_bps->count, 1u);
  EXPECT_EQ(asia.spread_time_weighted_bps->count, 1u);
  EXPECT_NEAR(p.all.spread_time_weighted_bps->mean, (2 * (0.02 / 100.01) + 3 * (0.04 / 100.02)) / 5 * 1e4, 1e-9);

  EXPECT_NEAR(us.slippage_bps->mean, 0.01 / 100.01 * 1e4, 1e-9);
  EXPECT_NEAR(us.slippage_signed_bps->mean, 0.01 / 100.01 * 1e4, 1e-9);
  EXPECT_NEAR(asia.slippage_bps->mean, 0.03 / 100.02 * 1e4, 1e-9);
  EXPECT_NEAR(asia.slippage_signed_bps->mean, 0.03 / 100.02 * 1e4, 1e-9);  // a seller pays mid - price
  EXPECT_EQ(p.first_ns, t0);
  EXPECT_EQ(p.last_ns, t0 + 5 * s);
  EXPECT_NE(p.coverage.find("no data for europe"), std::string::npos) << p.coverage;
}

TEST(ExecutionMetrics, SignedSlippageIsNegativeWhenTheQuoteMovedFirst) {
  SourceRecord source;
  CaptureMetrics m("BTCUSDT", source);
  const std::int64_t t0 = at("2024-08-09T01:00:00Z");
  m.add_line(book_ticker(t0, "100.00", "100.02"), "cap", 1);
  m.add_line(trade(t0 + 1, "100.00", false), "cap", 2);  // a buy printed at the old bid
  const PairMetrics p = m.finish();
  EXPECT_LT(p.all.slippage_signed_bps->mean, 0.0);
  EXPECT_GT(p.all.slippage_bps->mean, 0.0);
  EXPECT_DOUBLE_EQ(p.diagnostics.at("signed_slippage_negative_fraction"), 1.0);
}

TEST(ExecutionMetrics, MalformedCaptureLinesAreCountedWithFileAndLine) {
  SourceRecord source;
  CaptureMetrics m("BTCUSDT", source);
  const std::int64_t t0 = at("2024-08-09T01:00:00Z");
  const std::vector<std::string> lines = {
      book_ticker(t0, "100.00", "100.02"),                                                      // 1 fine
      "no-space-here",                                                                          // 2
      "12x34 {}",                                                                               // 3
      std::to_string(t0 + 10) + " {\"stream\": \"btcusdt@trade\", \"data\": {",                 // 4 cut JSON
      std::to_string(t0 + 10) + R"( {"stream":"btcusdt@bookTicker","data":{"b":"1"}})",         // 5 no ask
      std::to_string(t0 + 10) + R"( {"stream":"btcusdt@trade","data":{"p":"1.5"}})",            // 6 no side
      std::to_string(t0 + 10) + R"( {"stream":"btcusdt@trade","data":{"p":"abc","m":true}})",   // 7 bad price
      std::to_string(t0 - 1) + R"( {"lastUpdateId":1,"bids":[],"asks":[]})",                    // 8 time goes back
      "",                                                                                       // 9
      std::to_string(t0 + 20) + " [1,2]",                                                       // 10 not an object
      book_ticker(t0 + 30, "100.05", "100.01"),                                                 // 11 crossed: counted
      book_ticker(t0 + 40, "1", "2", "ethusdt"),                                                // 12 other symbol
      std::to_string(t0 + 50) + R"( {"stream":"btcusdt@depth@100ms","data":{"b":[],"a":[]}})",  // 13 depth
      std::to_string(t0 + 60) + R"( {"lastUpdateId":1,"bids":[],"asks":[]})",                   // 14 snapshot
  };
  for (std::size_t i = 0; i < lines.size(); ++i) m.add_line(lines[i], "btcusdt_x.gz", i + 1);
  const PairMetrics p = m.finish();
  EXPECT_EQ(source.lines_read, lines.size());
  ASSERT_EQ(source.malformed_lines, 9u);
  std::vector<std::uint64_t> bad_lines;
  for (const auto& issue : source.malformed) {
    EXPECT_EQ(issue.file, "btcusdt_x.gz");
    bad_lines.push_back(issue.line);
  }
  EXPECT_EQ(bad_lines, (std::vector<std::uint64_t>{2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_NE(source.malformed[3].reason.find("data.a"), std::string::npos) << source.malformed[3].reason;
  EXPECT_NE(source.malformed[6].text().find("btcusdt_x.gz line 8: receive time"), std::string::npos)
      << source.malformed[6].text();
  EXPECT_EQ(source.counts["crossed_quotes"], 1u);
  EXPECT_EQ(source.counts["other_symbol"], 1u);
  EXPECT_EQ(source.counts["depth"], 1u);
  EXPECT_EQ(source.counts["depth_snapshot"], 1u);
  EXPECT_EQ(p.all.spread_bps->count, 1u);  // only line 1
}

TEST(ExecutionMetrics, TradesBeforeTheFirstQuoteAreCountedNotMeasured) {
  SourceRecord source;
  CaptureMetrics m("BTCUSDT", source);
  m.add_line(trade(at("2024-08-09T01:00:00Z"), "100", true), "cap", 1);
  const PairMetrics p = m.finish();
  EXPECT_EQ(source.counts["trades_before_first_quote"], 1u);
  EXPECT_TRUE(p.all.slippage_bps->empty());
}

TEST(ExecutionMetrics, ManyMalformedLinesKeepAnExactCountAndBoundedExamples) {
  SourceRecord source;
  CaptureMetrics m("BTCUSDT", source);
  for (std::uint64_t i = 1; i <= 250; ++i) m.add_line("junk", "f", i);
  EXPECT_EQ(source.malformed_lines, 250u);
  EXPECT_EQ(source.malformed.size(), SourceRecord::kMaxIssuesKept);
}

void write_gz(const std::string& path, const std::string& text) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
  gzclose(f);
}

TEST(ExecutionMetrics, ReadsGzipAndPlainCaptureFiles) {
  TempDir dir;
  const std::int64_t t0 = at("2024-08-09T01:00:00Z");
  const std::string text =
      book_ticker(t0, "100.00", "100.02") + "\n" + "oops\n" + trade(t0 + 5, "100.02", false) + "\n";
  write_gz(dir.sub("cap.gz"), text);
  std::ofstream(dir.sub("cap.txt")) << text;
  for (const char* name : {"cap.gz", "cap.txt"}) {
    SourceRecord source;
    CaptureMetrics m("BTCUSDT", source);
    std::string error;
    ASSERT_TRUE(read_capture_file(dir.sub(name), name, m, source, error)) << error;
    const PairMetrics p = m.finish();
    EXPECT_EQ(source.lines_read, 3u) << name;
    ASSERT_EQ(source.malformed_lines, 1u) << name;
    EXPECT_EQ(source.malformed[0].text(),
              std::string(name) + " line 2: expected '<local_recv_ns> <json>', found no space");
    EXPECT_EQ(p.all.slippage_bps->count, 1u) << name;
  }
  SourceRecord source;
  CaptureMetrics m("BTCUSDT", source);
  std::string error;
  EXPECT_FALSE(read_capture_file(dir.sub("missing.gz"), "missing.gz", m, source, error));
  EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
}

TEST(ExecutionMetrics, TruncatedGzipIsReportedNotFatal) {
  TempDir dir;
  const std::int64_t t0 = at("2024-08-09T01:00:00Z");
  std::string text;
  for (int i = 0; i < 2000; ++i) text += book_ticker(t0 + i, "100.00", "100.02") + "\n";
  write_gz(dir.sub("full.gz"), text);
  std::string bytes;
  {
    std::ifstream in(dir.sub("full.gz"), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(dir.sub("cut.gz"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  SourceRecord source;
  CaptureMetrics m("BTCUSDT", source);
  std::string error;
  ASSERT_TRUE(read_capture_file(dir.sub("cut.gz"), "cut.gz", m, source, error)) << error;
  const PairMetrics p = m.finish();
  ASSERT_GE(source.malformed_lines, 1u);
  EXPECT_NE(source.malformed.back().reason.find("gzip stream broken"), std::string::npos)
      << source.malformed.back().text();
  EXPECT_GT(p.all.spread_bps->count, 0u);  // what came before the break is kept
  EXPECT_LT(p.all.spread_bps->count, 2000u);
}

// --- Coinbase quote bars -----------------------------------------------------

TEST(ExecutionMetrics, QuoteBarsGiveOneSpreadPerMinute) {
  SourceRecord source;
  QuoteBarMetrics m("BTCUSD", source);
  const std::int64_t day = at("2018-04-04T00:00:00Z");
  m.add_row(day, "0,7424.9,7424.9,7424.9,7424.9,1.8,7424.91,7424.91,7424.91,7424.91,33.3", "q.zip", 1);
  m.add_row(day, "28800000,7400,7400,7400,7400,1,7401,7401,7401,7401,1", "q.zip", 2);  // 08:00, Europe
  m.add_row(day, "28860000,7400,7400,7400,7400,1,7401", "q.zip", 3);                   // short row
  m.add_row(day, "28920000,7400,7400,7400,x,1,7401,7401,7401,7401,1", "q.zip", 4);     // text in bid close
  m.add_row(day, "28800000,7400,7400,7400,7400,1,7401,7401,7401,7401,1", "q.zip", 5);  // repeats a time
  m.add_row(day, "57600000,7400,7400,7400,7402,1,7401,7401,7401,7401,1", "q.zip", 6);  // crossed
  const PairMetrics p = m.finish();
  EXPECT_EQ(source.malformed_lines, 3u);
  EXPECT_EQ(source.malformed[0].text(),
            "q.zip line 3: expected 11 columns (ms, bid OHLC, bid size, ask OHLC, ask size), found 7");
  EXPECT_EQ(source.malformed[1].line, 4u);
  EXPECT_EQ(source.malformed[2].line, 5u);
  EXPECT_EQ(source.counts["crossed_quotes"], 1u);
  EXPECT_NEAR(p.session(TradingSession::asia).spread_bps->mean, 0.01 / 7424.905 * 1e4, 1e-9);
  EXPECT_NEAR(p.session(TradingSession::europe).spread_bps->mean, 1.0 / 7400.5 * 1e4, 1e-9);
  EXPECT_TRUE(p.session(TradingSession::us).spread_bps->empty());
  EXPECT_FALSE(p.all.slippage_bps.has_value());  // bars carry no trades
}

// --- Corwin-Schultz ----------------------------------------------------------

TEST(ExecutionMetrics, CorwinSchultzOnTwoIdenticalBarsIsTheirRange) {
  // Two bars of [99, 101] closing at 100: ln(H/L) = r for both and over the
  // pair, so beta = 2 r^2 and gamma = r^2. With k = 3 - 2 sqrt 2,
  // alpha = (2r - sqrt2 r) / k - r / sqrt k = (2 + sqrt2) r - (1 + sqrt2) r = r,
  // and S = 2 (e^r - 1) / (1 + e^r) = 2 (101/99 - 1) / (1 + 101/99) = 4 / 200:
  // all of the range is bid-ask bounce, 2% of the 100 mid.
  const auto s = corwin_schultz_spread(101, 99, 100, 101, 99);
  ASSERT_TRUE(s.has_value());
  EXPECT_NEAR(*s, 0.02, 1e-14);
}

TEST(ExecutionMetrics, CorwinSchultzShiftsABarThatGapsAwayFromTheClose) {
  // Bar 2 wholly above bar 1's close moves down to touch it, and wholly below moves up.
  EXPECT_EQ(corwin_schultz_spread(101, 99, 101, 105, 103), corwin_schultz_spread(101, 99, 101, 103, 101));
  EXPECT_EQ(corwin_schultz_spread(101, 99, 99, 97, 95), corwin_schultz_spread(101, 99, 99, 99, 97));
  EXPECT_FALSE(corwin_schultz_spread(99, 101, 100, 101, 99).has_value());  // high below low
  EXPECT_FALSE(corwin_schultz_spread(101, 0, 100, 101, 99).has_value());
}

TEST(ExecutionMetrics, CorwinSchultzSeriesZeroesNegativesAndSkipsGaps) {
  SourceRecord source;
  CorwinSchultzMetrics m("BTCUSDT", kNsPerMinute, source);
  const std::int64_t t0 = at("2021-04-02T07:58:00Z");
  using C = CorwinSchultzMetrics::Candle;
  m.add(C{t0, 101, 99, 100}, "c.json", 1);
  m.add(C{t0 + kNsPerMinute, 101, 99, 101}, "c.json", 2);       // 07:59 -> 2% (Asia, by the first bar)
  m.add(C{t0 + 2 * kNsPerMinute, 102, 101, 101}, "c.json", 3);  // 08:00, after [99,101] closing 101: a trend, negative
  m.add(C{t0 + 4 * kNsPerMinute, 101, 99, 100}, "c.json", 4);   // a missing minute: no estimate
  m.add(C{t0 + 5 * kNsPerMinute, 99, 101, 100}, "c.json", 5);   // high < low: malformed
  m.add(C{t0 + 6 * kNsPerMinute, 101, 99, 100}, "c.json", 6);   // no estimate across the bad bar
  m.add(C{t0 + 7 * kNsPerMinute, 101, 99, 100}, "c.json", 7);   // 08:04 and 08:05 -> 2% (Europe)
  const PairMetrics p = m.finish();
  ASSERT_EQ(source.malformed_lines, 1u);
  EXPECT_EQ(source.malformed[0].line, 5u);
  EXPECT_DOUBLE_EQ(p.diagnostics.at("estimates"), 3.0);
  EXPECT_DOUBLE_EQ(p.diagnostics.at("gaps_skipped"), 1.0);
  EXPECT_DOUBLE_EQ(p.diagnostics.at("negative_estimate_fraction"), 1.0 / 3.0);
  // Each estimate belongs to its first bar's session: 07:58 and 07:59 are Asia.
  const Distribution asia = *p.session(TradingSession::asia).spread_bps;
  EXPECT_EQ(asia.count, 2u);
  EXPECT_NEAR(asia.mean, 100.0, 1e-9);  // 200 bps and the negative one set to 0
  const Distribution europe = *p.session(TradingSession::europe).spread_bps;
  EXPECT_EQ(europe.count, 1u);
  EXPECT_NEAR(europe.p50, 200.0, 1e-9);
}

// --- the versioned store -----------------------------------------------------

ExecutionMetrics sample_metrics(const std::string& date) {
  ExecutionMetrics m;
  m.generated_on = date;
  m.generator = "test";
  SourceRecord s;
  s.id = "src";
  s.dataset = "03_x";
  s.method = "words";
  s.files.push_back({"03_x/a.gz", 12, "00112233445566778899aabbccddeeff"});
  s.lines_read = 10;
  s.add_malformed({"03_x/a.gz", 7, "not valid JSON"});
  s.counts["trade"] = 4;
  s.notes.push_back("a note");
  m.sources.push_back(s);
  PairMetrics ticks;
  ticks.pair = "BTCUSDT";
  ticks.venue = "binance";
  ticks.source = "src";
  ticks.method = MetricsMethod::quote_ticks;
  ticks.first_ns = at("2024-08-08T23:54:13Z");
  ticks.last_ns = at("2024-08-09T00:05:04Z");
  ticks.sessions[2].spread_bps = Distribution{3, 0.1, 0.0016, 0.25};
  ticks.sessions[2].slippage_bps = Distribution{2, 0.3, 0.0008, 0.7};
  ticks.sessions[1].spread_bps = Distribution{};
  ticks.all.spread_bps = Distribution{3, 0.1, 0.0016, 0.25};
  ticks.coverage = "a few minutes";
  ticks.diagnostics["max_quote_gap_ms"] = 636.306529;
  PairMetrics cs = ticks;
  cs.method = MetricsMethod::corwin_schultz;
  cs.all.spread_bps = Distribution{5, 3.5, 1.3, 9.5};
  m.pairs = {ticks, cs};
  return m;
}

TEST(ExecutionMetrics, JsonRoundTripsExactly) {
  ExecutionMetrics m = sample_metrics("2026-01-02");
  m.version = "2026-01-02.1";
  const std::string text = to_json_text(m);
  const auto back = from_json_text(text, "x.json");
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(*back, m);
  EXPECT_EQ(to_json_text(*back), text);
  EXPECT_NE(text.find("\"mean\": null"), std::string::npos);  // the empty Europe session
}

TEST(ExecutionMetrics, FindPrefersMeasuredTicksOverTheEstimator) {
  const ExecutionMetrics m = sample_metrics("2026-01-02");
  ASSERT_NE(m.find("BTCUSDT"), nullptr);
  EXPECT_EQ(m.find("BTCUSDT")->method, MetricsMethod::quote_ticks);
  EXPECT_EQ(m.find("DOGEUSDT"), nullptr);
}

TEST(ExecutionMetrics, VersionsCountPerDayAndLatestFollowsTheNewest) {
  TempDir dir;
  for (const char* date : {"2026-01-02", "2026-01-02", "2026-01-01"}) {
    ExecutionMetrics m = sample_metrics(date);
    const auto path = write_execution_metrics(dir.str(), m);
    ASSERT_TRUE(path.has_value()) << path.error();
  }
  EXPECT_EQ(list_metrics_versions(dir.str()),
            (std::vector<std::string>{"2026-01-01.1", "2026-01-02.1", "2026-01-02.2"}));
  const auto latest = load_execution_metrics(dir.str(), "latest");
  ASSERT_TRUE(latest.has_value()) << latest.error();
  EXPECT_EQ(latest->version, "2026-01-01.1");  // the newest written, not the largest name
  const auto older = load_execution_metrics(dir.str(), "2026-01-02.1");
  ASSERT_TRUE(older.has_value()) << older.error();
  EXPECT_EQ(older->version, "2026-01-02.1");
  EXPECT_EQ(older->pairs, sample_metrics("2026-01-02").pairs);
}

TEST(ExecutionMetrics, CountersSortNumerically) {
  TempDir dir;
  for (int i = 0; i < 10; ++i) {
    ExecutionMetrics m = sample_metrics("2026-01-02");
    ASSERT_TRUE(write_execution_metrics(dir.str(), m).has_value());
  }
  const auto versions = list_metrics_versions(dir.str());
  ASSERT_EQ(versions.size(), 10u);
  EXPECT_EQ(versions[8], "2026-01-02.9");
  EXPECT_EQ(versions[9], "2026-01-02.10");
}

TEST(ExecutionMetrics, UnknownVersionNamesTheAvailableOnes) {
  TempDir dir;
  ExecutionMetrics m = sample_metrics("2026-01-02");
  ASSERT_TRUE(write_execution_metrics(dir.str(), m).has_value());
  ASSERT_TRUE(write_execution_metrics(dir.str(), m).has_value());
  const auto missing = load_execution_metrics(dir.str(), "2026-01-02.7");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().find("version 2026-01-02.7 not found"), std::string::npos) << missing.error();
  EXPECT_NE(missing.error().find("2026-01-02.1, 2026-01-02.2"), std::string::npos) << missing.error();
  const auto nonsense = load_execution_metrics(dir.str(), "newest");
  ASSERT_FALSE(nonsense.has_value());
  EXPECT_NE(nonsense.error().find("neither \"latest\" nor of the form YYYY-MM-DD.N"), std::string::npos)
      << nonsense.error();
  EXPECT_NE(nonsense.error().find("2026-01-02.1, 2026-01-02.2"), std::string::npos) << nonsense.error();
}

TEST(ExecutionMetrics, LatestWithoutAPointerSaysSo) {
  TempDir dir;
  const auto r = load_execution_metrics(dir.str(), "latest");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("latest.json: not found"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("stored versions: (none)"), std::string::npos) << r.error();
}

TEST(ExecutionMetrics, MalformedFilesNameFileAndField) {
  TempDir dir;
  ExecutionMetrics m = sample_metrics("2026-01-02");
  ASSERT_TRUE(write_execution_metrics(dir.str(), m).has_value());
  const std::string path = dir.sub(metrics_file_name("2026-01-02.1"));
  std::string text = to_json_text(m);

  auto expect_error = [&](const std::string& content, const std::string& needle) {
    std::ofstream(path, std::ios::trunc) << content;
    const auto r = load_execution_metrics(dir.str(), "2026-01-02.1");
    ASSERT_FALSE(r.has_value()) << needle;
    EXPECT_NE(r.error().find(path), std::string::npos) << r.error();
    EXPECT_NE(r.error().find(needle), std::string::npos) << r.error();
  };
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string out = text;
    const std::size_t pos = out.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    return pos == std::string::npos ? out : out.replace(pos, from.size(), to);
  };
  std::string bad = replaced("\"p50\": 0.0016", "\"p50\": \"x\"");
  expect_error(bad, "field $.pairs[0].sessions.us.spread_bps.p50: expected a number");
  bad = replaced("\"method\": \"corwin_schultz\"", "\"method\": \"guesswork\"");
  expect_error(bad, "field $.pairs[1].method: unknown method 'guesswork'");
  bad = replaced("\"xxh3_128\"", "\"sha\"");
  expect_error(bad, "field $.sources[0].files[0].xxh3_128: missing");
  expect_error(text.substr(0, text.size() / 2), "not valid JSON");
  bad = replaced("\"version\": \"2026-01-02.1\"", "\"version\": \"2026-01-02.5\"");
  expect_error(bad, "field $.version: the file says \"2026-01-02.5\"");

  std::ofstream(dir.sub("latest.json"), std::ios::trunc) << "{\"format\": \"verity.execution_metrics.latest/1\"}";
  const auto r = load_execution_metrics(dir.str(), "latest");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("latest.json: field $.version: missing"), std::string::npos) << r.error();
}

TEST(ExecutionMetrics, WriteRejectsABadDate) {
  TempDir dir;
  ExecutionMetrics m = sample_metrics("2026-13-40");
  const auto r = write_execution_metrics(dir.str(), m);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("not a date"), std::string::npos) << r.error();
}

TEST(ExecutionMetrics, TableListsEveryPairAndSession) {
  ExecutionMetrics m = sample_metrics("2026-01-02");
  m.version = "2026-01-02.1";
  const std::string table = format_metrics_table(m);
  EXPECT_NE(table.find("BTCUSDT  binance  quote_ticks    us"), std::string::npos) << table;
  EXPECT_NE(table.find("corwin_schultz all"), std::string::npos) << table;
  EXPECT_NE(table.find("03_x/a.gz line 7: not valid JSON"), std::string::npos) << table;
  EXPECT_EQ(utc_date(at("2026-11-21T23:59:59Z")), "2026-11-21");
}

}  // namespace
}  // namespace verity
