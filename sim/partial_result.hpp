// One piece of a challenge batch spread over machines (docs/DISTRIBUTED.md):
// `verity challenge --range FROM:TO --partial FILE` runs attempts [FROM, TO)
// of the batch and writes them here; `verity report merge` reads the pieces,
// checks that they are of one batch and cover every attempt exactly once,
// and summarizes them through the same summarize_batch a single run uses, so
// the merged summary.json, attempts.csv and final hash equal a single run's.
//
// The file is JSON, format "verity-challenge-partial/1": the batch identity
// (BatchSpec), the range, the run's threads and wall time, and every field of
// every AttemptResult in index order. Doubles are written in their shortest
// round-trip form (non-finite ones as the strings "nan", "inf", "-inf"), so
// they read back bit for bit. Reading never throws: a bad file is an error
// naming the field, e.g. `attempts[2].metrics.sharpe: expected a number, got
// a string`.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "sim/challenge_types.hpp"

namespace verity {

inline constexpr std::string_view kPartialFormat = "verity-challenge-partial/1";

struct PartialResult {
  BatchSpec batch;
  std::uint64_t from = 0, to = 0;       // the attempts [from, to) of the batch's `seeds`
  unsigned threads = 1;                 // worker threads of this piece (per run)
  double elapsed_s = 0;                 // wall time of this piece (per run, not deterministic)
  std::vector<AttemptResult> attempts;  // index from, from + 1, ..., to - 1
};

struct ChallengeRun;
/// The piece a run of a range of the batch (ChallengeOptions::range) makes:
/// its batch, range, attempts and per-run figures. The run has attempts.
PartialResult partial_of(const ChallengeRun& run);

/// Attempts [from, to) of the I-th of `count` near-equal contiguous ranges
/// of `seeds` attempts: the first seeds % count ranges have one more. The
/// ranges for index 0 ... count - 1 cover [0, seeds) exactly once, in order.
/// Needs 0 < count <= seeds and index < count.
struct IndexRange {
  std::uint64_t from = 0, to = 0;
};
IndexRange split_range(std::uint64_t seeds, std::uint64_t count, std::uint64_t index);

/// The file's text: one JSON object and a newline.
std::string partial_text(const PartialResult& partial);

/// Parses and checks a partial's text; an error names the field.
std::expected<PartialResult, std::string> parse_partial(std::string_view text);

/// Writes `path` (creating its parent folders) through a temporary file
/// renamed into place, so a reader never sees half a file.
std::expected<void, std::string> write_partial(const std::string& path, const PartialResult& partial);

/// Checks up front that `path` can be written (its folder can be made and a
/// file created in it), so a long run does not fail at its end.
std::expected<void, std::string> check_partial_writable(const std::string& path);

/// Reads and parses `path`; an error starts with the path.
std::expected<PartialResult, std::string> read_partial(const std::string& path);

/// Partials read from files, for the merge's error messages.
struct NamedPartial {
  std::string path;
  PartialResult partial;
};

struct MergedBatch {
  BatchSpec batch;
  std::vector<AttemptResult> attempts;  // 0 ... seeds - 1
  unsigned threads = 0;                 // the pieces' threads, summed
  double elapsed_s = 0;                 // the slowest piece's wall time
};

/// Joins the pieces of one batch: every batch field must equal the first
/// file's (an error names both files and the field), and the ranges must
/// cover [0, seeds) exactly once (an error names the gap, or the overlap and
/// its two files).
std::expected<MergedBatch, std::string> merge_partials(std::vector<NamedPartial> partials);

}  // namespace verity
