// The validator and the import policies: every check with its count, time
// range and lines; reject / quarantine / repair; the three report forms; and
// the two real Binance maintenance gaps in the shared BTC and BNB files.
#include "actors/feed/validate.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace verity {
namespace {

constexpr std::int64_t kMinuteNs = 60'000'000'000;
constexpr std::int64_t kT0 = 1'617'321'600'000'000'000;  // 2021-04-02T00:00:00Z

/// A good bar at minute `m`, on line m + 1.
CandleRow row(std::int64_t m, double close = 100.0) {
  CandleRow r;
  r.line = static_cast<std::uint64_t>(m + 1);
  r.bar.symbol = "BTCUSDT";
  r.bar.open_time_ns = kT0 + m * kMinuteNs;
  r.bar.interval_ns = kMinuteNs;
  r.bar.open = close;
  r.bar.high = close + 1;
  r.bar.low = close - 1;
  r.bar.close = close;
  r.bar.volume = 5;
  return r;
}

ValidateOptions options() {
  ValidateOptions o;
  o.symbol = "BTCUSDT";
  o.interval_ns = kMinuteNs;
  o.sources = {"k.csv"};
  return o;
}

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

TEST(Validate, CleanSeries) {
  std::vector<CandleRow> rows;
  for (int m = 0; m < 10; ++m) rows.push_back(row(m));
  const ValidationReport r = validate_candles(rows, options());
  EXPECT_TRUE(r.clean());
  EXPECT_EQ(r.rows, 10u);
  EXPECT_EQ(r.first_ns, kT0);
  EXPECT_EQ(r.last_ns, kT0 + 9 * kMinuteNs);
  for (Check c : kAllChecks) EXPECT_EQ(r.total(c).count, 0u) << check_name(c);
}

TEST(Validate, GapsAreFirstAndLastMissingOpenTimeAndCount) {
  std::vector<CandleRow> rows = {row(0), row(1), row(2), row(5), row(6), row(8)};
  const ValidationReport r = validate_candles(rows, options());
  ASSERT_EQ(r.gaps.size(), 2u);
  EXPECT_EQ(r.gaps[0].first_missing_ns, kT0 + 3 * kMinuteNs);
  EXPECT_EQ(r.gaps[0].last_missing_ns, kT0 + 4 * kMinuteNs);
  EXPECT_EQ(r.gaps[0].missing, 2);
  EXPECT_EQ(r.gaps[0].line_after, 6u);  // row(5) is on line 6
  EXPECT_EQ(r.gaps[1].first_missing_ns, kT0 + 7 * kMinuteNs);
  EXPECT_EQ(r.gaps[1].last_missing_ns, kT0 + 7 * kMinuteNs);
  EXPECT_EQ(r.gaps[1].missing, 1);
  EXPECT_EQ(r.missing(), 3u);
  EXPECT_EQ(r.total(Check::gap).first_ns, kT0 + 3 * kMinuteNs);
  EXPECT_EQ(r.total(Check::gap).last_ns, kT0 + 7 * kMinuteNs);
  EXPECT_TRUE(r.bad_rows.empty());  // a gap is not a bad row
  EXPECT_FALSE(r.clean());
}

TEST(Validate, EveryRowCheckWithItsLineAndTimeRange) {
  std::vector<CandleRow> rows;
  for (int m = 0; m < 12; ++m) rows.push_back(row(m));
  rows[2].bar.close = std::numeric_limits<double>::quiet_NaN();  // not_finite
  rows[3].bar.volume = std::numeric_limits<double>::infinity();  // not_finite
  rows[4].bar.low = 0;                                           // non_positive_price
  rows[4].bar.open = rows[4].bar.close = 0.5;                    //   (open and close stay in range)
  rows[5].bar.volume = -1;                                       // negative_volume
  rows[6].bar.high = 90;                                         // high_below_low, open/close outside
  rows[7].bar.close = 200;                                       // open_close_outside
  rows[8].bar.open_time_ns += 30'000'000'000;                    // misaligned
  CandleRow dup = row(9);                                        // duplicate, identical
  dup.line = 13;
  CandleRow late = row(1);  // out of order? no: a duplicate of line 2
  late.line = 14;
  late.bar.close = 100.5;
  CandleRow back = row(10);
  back.line = 15;
  rows.push_back(dup);
  rows.push_back(late);
  rows.push_back(row(14));
  rows.back().line = 16;
  rows.push_back(back);  // after minute 14: minute 10 exists (line 11), so a duplicate
  CandleRow early = row(12);
  early.line = 17;
  rows.push_back(early);  // minute 12 is missing (gap 12..13): out of order
  const ValidationReport r = validate_candles(rows, options());

  EXPECT_EQ(r.total(Check::not_finite).count, 2u);
  EXPECT_EQ(r.total(Check::not_finite).first_line, 3u);
  EXPECT_EQ(r.total(Check::not_finite).first_ns, kT0 + 2 * kMinuteNs);
  EXPECT_EQ(r.total(Check::not_finite).last_ns, kT0 + 3 * kMinuteNs);
  EXPECT_EQ(r.total(Check::non_positive_price).count, 1u);
  EXPECT_EQ(r.total(Check::non_positive_price).first_line, 5u);
  EXPECT_EQ(r.total(Check::negative_volume).count, 1u);
  EXPECT_EQ(r.total(Check::high_below_low).count, 1u);
  EXPECT_EQ(r.total(Check::high_below_low).first_line, 7u);
  EXPECT_EQ(r.total(Check::open_close_outside).count, 2u);  // line 7 (open and close above high 90) and line 8
  EXPECT_EQ(r.total(Check::misaligned).count, 1u);
  EXPECT_EQ(r.total(Check::misaligned).first_line, 9u);
  EXPECT_EQ(r.total(Check::duplicate).count, 3u);
  EXPECT_EQ(r.total(Check::duplicate).first_line, 13u);
  EXPECT_EQ(r.total(Check::out_of_order).count, 1u);
  EXPECT_EQ(r.total(Check::out_of_order).first_line, 17u);
  EXPECT_EQ(r.total(Check::out_of_order).first_ns, kT0 + 12 * kMinuteNs);

  // Each bad row keeps its line, and says what is wrong in words.
  ASSERT_EQ(r.bad_rows.size(), 11u);
  EXPECT_EQ(r.bad_rows[0].line, 3u);
  EXPECT_TRUE(contains(r.bad_rows[0].reason, "close is nan"));
  const BadRow& identical = r.bad_rows[7];
  EXPECT_EQ(identical.line, 13u);
  EXPECT_TRUE(contains(identical.reason, "duplicate of k.csv line 10"));
  EXPECT_TRUE(contains(identical.reason, "identical"));
  EXPECT_TRUE(contains(r.bad_rows[8].reason, "different values"));
  EXPECT_TRUE(contains(r.bad_rows[10].reason, "out of order"));
  EXPECT_TRUE(contains(r.bad_rows[10].reason, "k.csv line 16"));
  // The row at 08:30 is off the grid, so minute 8 is missing; so are 12 and 13.
  ASSERT_EQ(r.gaps.size(), 2u);
  EXPECT_EQ(r.gaps[0].first_missing_ns, kT0 + 8 * kMinuteNs);
  EXPECT_EQ(r.gaps[0].last_missing_ns, kT0 + 8 * kMinuteNs);
  EXPECT_EQ(r.gaps[0].missing, 1);
  EXPECT_EQ(r.gaps[1].first_missing_ns, kT0 + 12 * kMinuteNs);
  EXPECT_EQ(r.gaps[1].missing, 2);
}

TEST(Validate, ARowWithSeveralProblemsCountsUnderEach) {
  std::vector<CandleRow> rows = {row(0)};
  rows[0].bar.low = -1;
  rows[0].bar.high = -2;
  rows[0].bar.volume = -3;
  const ValidationReport r = validate_candles(rows, options());
  ASSERT_EQ(r.bad_rows.size(), 1u);
  const std::uint32_t bits = r.bad_rows[0].checks;
  EXPECT_TRUE(bits & check_bit(Check::non_positive_price));
  EXPECT_TRUE(bits & check_bit(Check::negative_volume));
  EXPECT_TRUE(bits & check_bit(Check::high_below_low));
  EXPECT_TRUE(bits & check_bit(Check::open_close_outside));
  EXPECT_EQ(check_names(bits), "non_positive_price, negative_volume, high_below_low, open_close_outside");
}

// --- policies ----------------------------------------------------------------------

std::vector<CandleRow> rows_with_a_bad_row_and_a_gap() {
  std::vector<CandleRow> rows = {row(0, 100), row(1, 101), row(2, 102), row(3, 103), row(6, 106)};
  rows[2].bar.high = 50;  // high < low: line 3
  return rows;
}

TEST(Policy, RejectNamesTheFirstBadRowByFileAndLine) {
  const auto rows = rows_with_a_bad_row_and_a_gap();
  const ValidationReport r = validate_candles(rows, options());
  auto plan = plan_import(rows, r, Policy::reject);
  ASSERT_FALSE(plan.has_value());
  EXPECT_TRUE(contains(plan.error(), "k.csv line 3: "));
  EXPECT_TRUE(contains(plan.error(), "high_below_low"));
  EXPECT_TRUE(contains(plan.error(), "stores nothing"));
}

TEST(Policy, RejectStoresGapsAsGaps) {
  std::vector<CandleRow> rows = {row(0), row(1), row(4)};
  const ValidationReport r = validate_candles(rows, options());
  auto plan = plan_import(rows, r, Policy::reject);
  ASSERT_TRUE(plan.has_value()) << plan.error();
  EXPECT_EQ(plan->candles.size(), 3u);
  EXPECT_EQ(plan->synthetic_for_gaps, 0u);
}

TEST(Policy, QuarantineSetsBadRowsAsideWithTheirLine) {
  const auto rows = rows_with_a_bad_row_and_a_gap();
  const ValidationReport r = validate_candles(rows, options());
  auto plan = plan_import(rows, r, Policy::quarantine);
  ASSERT_TRUE(plan.has_value()) << plan.error();
  ASSERT_EQ(plan->candles.size(), 4u);
  for (const Candle& c : plan->candles) EXPECT_NE(c.open_time_ns, kT0 + 2 * kMinuteNs);
  ASSERT_EQ(plan->quarantine.size(), 1u);
  const QuarantinedRow& q = plan->quarantine[0];
  EXPECT_EQ(q.source, "k.csv");
  EXPECT_EQ(q.line, 3u);
  EXPECT_EQ(q.open_time_ns, kT0 + 2 * kMinuteNs);
  EXPECT_EQ(q.high, 50);
  EXPECT_EQ(q.checks, check_bit(Check::high_below_low) | check_bit(Check::open_close_outside));
  EXPECT_TRUE(contains(q.reason, "high 50 is below low 101"));
  // Nothing dropped: every row is a candle or a quarantined row.
  EXPECT_EQ(plan->candles.size() + plan->quarantine.size(), rows.size());
}

TEST(Policy, RepairFillsGapsFlatAtThePreviousCloseFlaggedAndCounted) {
  const auto rows = rows_with_a_bad_row_and_a_gap();
  const ValidationReport r = validate_candles(rows, options());
  auto plan = plan_import(rows, r, Policy::repair);
  ASSERT_TRUE(plan.has_value()) << plan.error();
  ASSERT_EQ(plan->candles.size(), 7u);  // minutes 0..6, one stored candle per minute
  for (std::size_t i = 0; i < plan->candles.size(); ++i) {
    EXPECT_EQ(plan->candles[i].open_time_ns, kT0 + static_cast<std::int64_t>(i) * kMinuteNs);
  }
  // Minute 2 was quarantined: its slot is filled at minute 1's close.
  const Candle& slot = plan->candles[2];
  EXPECT_TRUE(slot.synthetic());
  EXPECT_EQ(slot.open, 101);
  EXPECT_EQ(slot.high, 101);
  EXPECT_EQ(slot.low, 101);
  EXPECT_EQ(slot.close, 101);
  EXPECT_EQ(slot.volume, 0);
  // Minutes 4 and 5 were missing: flat at minute 3's close.
  EXPECT_TRUE(plan->candles[4].synthetic());
  EXPECT_EQ(plan->candles[5].close, 103);
  EXPECT_FALSE(plan->candles[6].synthetic());
  EXPECT_EQ(plan->synthetic_for_gaps, 2u);
  EXPECT_EQ(plan->synthetic_for_quarantined, 1u);
  ASSERT_EQ(plan->quarantine.size(), 1u);  // the bad row is still kept, not dropped
}

TEST(Policy, RepairRefusesAGapLongerThanItsBound) {
  std::vector<CandleRow> rows = {row(0), row(kMaxRepairGapCandles + 2)};
  const ValidationReport r = validate_candles(rows, options());
  auto plan = plan_import(rows, r, Policy::repair);
  ASSERT_FALSE(plan.has_value());
  EXPECT_TRUE(contains(plan.error(), "quarantine instead"));
  EXPECT_TRUE(plan_import(rows, r, Policy::quarantine).has_value());
}

TEST(Policy, Names) {
  EXPECT_EQ(parse_policy("repair"), Policy::repair);
  EXPECT_EQ(policy_name(Policy::quarantine), "quarantine");
  EXPECT_FALSE(parse_policy("ignore").has_value());
}

// --- reports ------------------------------------------------------------------------

TEST(ValidateReport, TextJsonAndMarkdownCarryTheSameFacts) {
  const auto rows = rows_with_a_bad_row_and_a_gap();
  const ValidationReport r = validate_candles(rows, options());
  const std::string text = report_text(r);
  EXPECT_TRUE(contains(text, "BTCUSDT 1m: 5 rows from 2021-04-02T00:00:00Z to 2021-04-02T00:06:00Z"));
  EXPECT_TRUE(contains(text, "1 gap(s), 2 missing"));
  EXPECT_TRUE(contains(text, "gap 2021-04-02T00:04:00Z .. 2021-04-02T00:05:00Z: 2 missing, before k.csv line 7"));
  EXPECT_TRUE(contains(text, "bad row k.csv line 3"));

  const auto j = nlohmann::json::parse(report_json(r));
  EXPECT_EQ(j["rows"], 5);
  EXPECT_EQ(j["timeframe"], "1m");
  EXPECT_EQ(j["clean"], false);
  EXPECT_EQ(j["checks"]["gap"]["count"], 2);
  EXPECT_EQ(j["checks"]["gap"]["gaps"], 1);
  EXPECT_EQ(j["checks"]["high_below_low"]["count"], 1);
  EXPECT_EQ(j["checks"]["high_below_low"]["first_at"], "k.csv line 3");
  EXPECT_EQ(j["gaps"][0]["first_missing"], "2021-04-02T00:04:00Z");
  EXPECT_EQ(j["gaps"][0]["last_missing_ns"], kT0 + 5 * kMinuteNs);
  EXPECT_EQ(j["bad_rows"][0]["line"], 3);

  const std::vector<ValidationReport> one = {r};
  const std::string md = report_markdown(one);
  EXPECT_TRUE(contains(md, "# Data quality: BTCUSDT"));
  EXPECT_TRUE(contains(md, "| gaps (missing candles) | 1 gaps, 2 missing |"));
  EXPECT_TRUE(contains(md, "| 2021-04-02T00:04:00Z | 2021-04-02T00:05:00Z | 2 | k.csv line 7 |"));
  EXPECT_TRUE(contains(md, "### Bad rows"));
}

// --- the real Binance maintenance gaps -------------------------------------------------

std::string shared_data(const std::string& relative) {
  return std::string(VERITY_SOURCE_DIR) + "/../shared/data/" + relative;
}

// SOURCES.md gives the gaps as "2021-04-20 01:59 to 04:30 (151 min)" and
// "2021-04-25 04:00 to 08:45 (285 min)": those are the last candle before
// and the first candle after each gap, 151 and 285 minutes apart. The
// candles missing between them open at 02:00..04:29 (150) and 04:01..08:44
// (284), which is what is asserted here.
void expect_the_two_maintenance_gaps(const std::string& file, const std::string& symbol, std::size_t rows) {
  if (!std::filesystem::exists(file)) {
    GTEST_SKIP() << "shared data not found at " << file << " (see ../shared/data/SOURCES.md); skipped";
  }
  auto loaded = load_candle_file(file, symbol);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().text();
  ASSERT_EQ(loaded->rows.size(), rows);
  ValidateOptions o;
  o.symbol = symbol;
  o.interval_ns = loaded->interval_ns;
  o.sources = {file};
  const ValidationReport r = validate_candles(loaded->rows, o);
  EXPECT_EQ(r.interval_ns, kMinuteNs);
  EXPECT_TRUE(r.bad_rows.empty()) << report_text(r);
  ASSERT_EQ(r.gaps.size(), 2u) << report_text(r);

  EXPECT_EQ(r.gaps[0].first_missing_ns, 1'618'884'000'000'000'000);  // 2021-04-20T02:00:00Z
  EXPECT_EQ(r.gaps[0].last_missing_ns, 1'618'892'940'000'000'000);   // 2021-04-20T04:29:00Z
  EXPECT_EQ(r.gaps[0].missing, 150);
  EXPECT_EQ(time_text(r.gaps[0].first_missing_ns), "2021-04-20T02:00:00Z");
  EXPECT_EQ(time_text(r.gaps[0].last_missing_ns), "2021-04-20T04:29:00Z");

  EXPECT_EQ(r.gaps[1].first_missing_ns, 1'619'323'260'000'000'000);  // 2021-04-25T04:01:00Z
  EXPECT_EQ(r.gaps[1].last_missing_ns, 1'619'340'240'000'000'000);   // 2021-04-25T08:44:00Z
  EXPECT_EQ(r.gaps[1].missing, 284);
  EXPECT_EQ(time_text(r.gaps[1].first_missing_ns), "2021-04-25T04:01:00Z");
  EXPECT_EQ(time_text(r.gaps[1].last_missing_ns), "2021-04-25T08:44:00Z");

  // The candles either side, as SOURCES.md names them.
  const auto& after_first = loaded->rows[r.gaps[0].line_after - 1].bar;
  const auto& before_first = loaded->rows[r.gaps[0].line_after - 2].bar;
  EXPECT_EQ(time_text(before_first.open_time_ns), "2021-04-20T01:59:00Z");
  EXPECT_EQ(time_text(after_first.open_time_ns), "2021-04-20T04:30:00Z");
  const auto& after_second = loaded->rows[r.gaps[1].line_after - 1].bar;
  const auto& before_second = loaded->rows[r.gaps[1].line_after - 2].bar;
  EXPECT_EQ(time_text(before_second.open_time_ns), "2021-04-25T04:00:00Z");
  EXPECT_EQ(time_text(after_second.open_time_ns), "2021-04-25T08:45:00Z");
  EXPECT_EQ(r.missing(), 434u);

  // Repair fills exactly those 434 minutes.
  auto plan = plan_import(loaded->rows, r, Policy::repair);
  ASSERT_TRUE(plan.has_value()) << plan.error();
  EXPECT_EQ(plan->synthetic_for_gaps, 434u);
  EXPECT_EQ(plan->candles.size(), rows + 434);
}

TEST(ValidateRealData, BtcUsdtMaintenanceGaps) {
  expect_the_two_maintenance_gaps(shared_data("01_binance_spot_1m_btc_bnb_2021/BTC_USDT-1m.json"), "BTCUSDT", 61'272);
}

TEST(ValidateRealData, BnbUsdtMaintenanceGaps) {
  expect_the_two_maintenance_gaps(shared_data("01_binance_spot_1m_btc_bnb_2021/BNB_USDT-1m.json"), "BNBUSDT", 61'273);
}

}  // namespace
}  // namespace verity
