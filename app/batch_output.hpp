// The end of a challenge batch on the command line, shared by `verity
// challenge` and `verity report merge` so a merged batch prints and writes
// exactly what a single run does: the report folder (summary.json,
// attempts.csv, report.html), the result lines, and last the summary JSON.
#pragma once

#include <string>
#include <vector>

#include "sim/challenge_types.hpp"

namespace verity::app {

/// Writes the report into `dir` and prints the batch's lines, each starting
/// with `who` ("verity challenge"). Returns kExitOk when every stress check
/// held, kExitFailed when one broke, kExitError when the report cannot be
/// written (the error on stderr).
int finish_batch(const std::string& who, const BatchSummary& summary, const std::vector<AttemptResult>& attempts,
                 const std::string& dir);

}  // namespace verity::app
