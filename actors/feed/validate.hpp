// Validation of loaded candles (one symbol, one interval) and the import
// policies built on it. Pure functions over rows: no I/O, no store.
//
// The validator finds, with counts and time ranges: gaps (missing candles,
// each as [first missing, last missing] open time), duplicates, rows out of
// order, rows off the interval's grid, NaN/inf, non-positive prices, negative
// volume, high < low, and open or close outside [low, high]. Each bad row
// keeps its file and line. A policy then decides what is stored: `reject`
// stores nothing when any row is bad, `quarantine` sets bad rows aside,
// `repair` also fills gaps with flagged synthetic bars. Nothing is dropped
// without being counted. docs/DATA.md describes the rules.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "actors/feed/candle.hpp"
#include "actors/feed/candle_file.hpp"

namespace verity {

enum class Check : std::uint8_t {
  gap = 0,             // missing candles between two rows
  duplicate,           // a second row for an open time already seen
  out_of_order,        // earlier than a row before it (and not a duplicate)
  misaligned,          // open time not a multiple of the interval since the epoch
  not_finite,          // NaN or inf in a price or the volume
  non_positive_price,  // a price <= 0
  negative_volume,     // volume < 0
  high_below_low,      // high < low
  open_close_outside,  // open or close outside [low, high]
};
inline constexpr std::size_t kCheckCount = 9;
inline constexpr std::array<Check, kCheckCount> kAllChecks = {Check::gap,
                                                              Check::duplicate,
                                                              Check::out_of_order,
                                                              Check::misaligned,
                                                              Check::not_finite,
                                                              Check::non_positive_price,
                                                              Check::negative_volume,
                                                              Check::high_below_low,
                                                              Check::open_close_outside};
constexpr std::uint32_t check_bit(Check c) { return 1u << static_cast<unsigned>(c); }
/// The machine name, as in JSON: "gap", "duplicate", "out_of_order", ...
std::string_view check_name(Check c);
/// The name for people: "gaps (missing candles)", "duplicates", ...
std::string_view check_title(Check c);
/// Names of the checks set in `bits`, joined by ", ".
std::string check_names(std::uint32_t bits);

/// A run of missing candles.
struct Gap {
  std::int64_t first_missing_ns = 0;
  std::int64_t last_missing_ns = 0;
  std::int64_t missing = 0;      // candles
  std::uint32_t source = 0;      // the file of the row after the gap
  std::uint64_t line_after = 0;  // that row's line (0 for stored series)
};

/// A row with at least one problem. Its time slot is not a gap.
struct BadRow {
  std::size_t index = 0;  // into the validated rows
  std::uint32_t source = 0;
  std::uint64_t line = 0;
  std::int64_t open_time_ns = 0;
  std::uint32_t checks = 0;  // check_bit()s
  std::string reason;        // every problem found, in words
};

struct CheckTotal {
  std::uint64_t count = 0;                 // rows; for gaps, missing candles
  std::int64_t first_ns = 0, last_ns = 0;  // earliest and latest open time concerned
  std::uint32_t first_source = 0;
  std::uint64_t first_line = 0;  // the first row concerned, in input order
};

struct ValidationReport {
  std::string symbol;
  std::int64_t interval_ns = 0;
  std::vector<std::string> sources;    // file names, indexed by CandleRow::source
  std::vector<std::string> row_units;  // per source, what its lines count: "line", or "candle" for JSON
  std::uint64_t rows = 0;
  std::int64_t first_ns = 0, last_ns = 0;  // earliest and latest open time of any row
  std::uint64_t synthetic = 0;             // rows flagged synthetic (set by whoever validates a stored series)
  std::uint64_t quarantined = 0;           // rows in the store's quarantine (likewise)
  std::vector<QuarantinedRow> quarantine;  // those rows, for listing (stored series)
  std::vector<Gap> gaps;
  std::vector<BadRow> bad_rows;  // in input order
  std::array<CheckTotal, kCheckCount> totals{};

  const CheckTotal& total(Check c) const { return totals[static_cast<std::size_t>(c)]; }
  std::uint64_t missing() const { return total(Check::gap).count; }
  /// No gaps, no bad rows and nothing quarantined.
  bool clean() const { return gaps.empty() && bad_rows.empty() && quarantined == 0; }
  /// "FILE line N" (or "FILE" when the line is 0).
  std::string where(std::uint32_t source, std::uint64_t line) const;
};

struct ValidateOptions {
  std::string symbol;
  std::int64_t interval_ns = 60'000'000'000;
  std::vector<std::string> sources;    // names for CandleRow::source
  std::vector<std::string> row_units;  // per source; "line" where missing
};

/// Checks `rows` in the order given. The time checks compare each row with
/// the latest open time so far, so one row that runs backwards is one
/// out-of-order row, not a cascade.
ValidationReport validate_candles(std::span<const CandleRow> rows, const ValidateOptions& options);

// --- policies -------------------------------------------------------------------

enum class Policy : std::uint8_t { reject, quarantine, repair };
std::string_view policy_name(Policy p);
std::optional<Policy> parse_policy(std::string_view name);

/// The most candles `repair` fills in one gap. A longer gap fails the
/// import: so many invented bars would be a series of their own.
inline constexpr std::int64_t kMaxRepairGapCandles = 10'080;  // a week of minutes

struct ImportPlan {
  std::vector<Candle> candles;                  // time order, unique open times: what to store
  std::vector<QuarantinedRow> quarantine;       // bad rows, under quarantine and repair
  std::uint64_t synthetic_for_gaps = 0;         // repair: bars filling gaps in the input
  std::uint64_t synthetic_for_quarantined = 0;  // repair: bars in the slots of quarantined rows
};

/// What `policy` stores from `rows`, given their report. Under `reject` any
/// bad row is an error naming the first one by file and line. Under
/// `repair`, bad rows are quarantined (as under `quarantine`), and every hole
/// between stored candles, a gap or a quarantined row's slot, gets a
/// synthetic bar flat at the previous close with zero volume.
std::expected<ImportPlan, std::string> plan_import(std::span<const CandleRow> rows, const ValidationReport& report,
                                                   Policy policy);

// --- reports ----------------------------------------------------------------------

/// "2021-04-20T02:00:00Z" (milliseconds only when there are some).
std::string time_text(std::int64_t t_ns);
/// "1m", "1h", ... or "90s" for intervals that are not a timeframe.
std::string interval_text(std::int64_t interval_ns);

/// Human-readable, one check a line, listing at most `max_listed` gaps and bad rows.
std::string report_text(const ValidationReport& r, std::size_t max_listed = 20);
/// One JSON object; lists at most `max_listed` gaps and bad rows, with their totals.
std::string report_json(const ValidationReport& r, std::size_t max_listed = 1000);
/// A Markdown data-quality report for one symbol, a section per series.
std::string report_markdown(std::span<const ValidationReport> series_of_one_symbol, std::size_t max_listed = 200);

}  // namespace verity
