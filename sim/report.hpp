// The challenge report (verity challenge): what a batch of attempts writes
// to its report folder. summary.json is the batch in one JSON object (also
// the CLI's last stdout line), attempts.csv one row per attempt, and
// report.html one self-contained page (inline CSS, JS and SVG; no network)
// with the charts and tables. docs/REPORT.md describes every field.
//
// Deterministic: every output is a pure function of its inputs, except the
// summary's elapsed_s, bars_per_s and bars_per_s_per_core (wall time).
#pragma once

#include <expected>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/challenge_types.hpp"

namespace verity {

/// The summary object, keys in a fixed order (docs/REPORT.md). Numbers stay
/// numbers (doubles and integers); breaches always has "daily_loss" and
/// "max_loss", outcomes always has passed, breached, expired and failed.
nlohmann::ordered_json summary_json(const BatchSummary& summary);

/// The gate in words: "passed: 15 of 20 attempts passed (75.0%) >= 70%",
/// "failed: ... < 70%" or "not evaluated: 5 attempts ran, the gate needs 20".
std::string gate_text(const BatchSummary& summary);

/// A header line, then one line per attempt (RFC 4180; "\n" line ends).
/// Metric columns follow metric_values (sim/metrics.hpp), by name.
std::string attempts_csv(const std::vector<AttemptResult>& attempts);

/// The whole report.html page.
std::string report_html(const BatchSummary& summary, const std::vector<AttemptResult>& attempts);

/// Creates `dir` (and its parents) and writes summary.json, attempts.csv and
/// report.html into it. An error names the path and the OS error.
std::expected<void, std::string> write_report(const std::string& dir, const BatchSummary& summary,
                                              const std::vector<AttemptResult>& attempts);

}  // namespace verity
