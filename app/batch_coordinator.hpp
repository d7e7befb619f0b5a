// `verity challenge --workers host:port,...`: spreads one challenge batch over
// `verity batch worker` nodes (CAF's middleman, app/batch_protocol.hpp) and
// writes exactly what a local run of the batch writes (docs/DISTRIBUTED.md).
//
// The batch is cut into ranges of --range-size attempts, handed out on
// demand: each worker has one range in flight and gets the next when it
// answers, so fast workers take more. A worker that fails (cannot connect,
// its connection drops, it refuses the secret or the range, or it gives no
// answer within --worker-timeout-s) is dropped and its range goes back to
// the queue; a late answer for a range done elsewhere is dropped, so no
// attempt counts twice. The answers are partial results, merged with
// merge_partials and summarized with summarize_batch like `verity report
// merge`, so summary.json, attempts.csv and the final hash equal a single
// run's (threads, elapsed_s and the throughput figures are per run).
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "actors/runtime/config.hpp"

namespace verity::app {

struct CoordinatorOptions {
  std::string scenario;              // as given; names the batch
  std::uint64_t seeds = 0;
  std::vector<std::string> workers;  // "host:port"
  std::uint64_t range_size = 0;      // 0: about four ranges per worker
  double worker_timeout_s = 600;     // a range not answered within this is given to another worker
  std::uint64_t verify_sample = 0;   // attempts re-run here to check the workers' final hashes
  bool progress = true;              // one stderr line per finished range
  std::string report_dir;
};

/// Parses "host:port,host:port"; an error names the bad entry.
std::expected<std::vector<std::string>, std::string> parse_workers(const std::string& text);

/// Runs the batch on the workers and finishes it as `verity challenge` does
/// (finish_batch). Returns its exit code: 0 every check held, 1 a check broke
/// or --verify-sample found a different hash, 2 no secret, no worker left
/// (each named with its reason) or an unwritable report.
int run_on_workers(const Config& config, const CoordinatorOptions& options);

}  // namespace verity::app
