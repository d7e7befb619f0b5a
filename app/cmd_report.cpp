// `verity report merge`: joins the partial results of one challenge batch
// spread over machines (`verity challenge --range ... --partial FILE`) and
// writes the report folder and the summary line a single run of the whole
// batch writes (docs/DISTRIBUTED.md).
#include <cstdio>

#include "app/batch_output.hpp"
#include "app/commands.hpp"
#include "sim/challenge_runner.hpp"
#include "sim/partial_result.hpp"

namespace verity::app {

namespace {

struct MergeArgs {
  std::string out_dir;
  std::vector<std::string> partials;
};

int run_merge(const MergeArgs& a) {
  std::vector<NamedPartial> parts;
  parts.reserve(a.partials.size());
  for (const std::string& path : a.partials) {
    auto p = read_partial(path);
    if (!p) {
      std::fprintf(stderr, "verity report merge: %s\n", p.error().c_str());
      return kExitError;
    }
    parts.push_back({path, std::move(*p)});
  }
  auto merged = merge_partials(std::move(parts));
  if (!merged) {
    std::fprintf(stderr, "verity report merge: %s\n", merged.error().c_str());
    return kExitError;
  }
  if (merged->batch.build_id != VERITY_BUILD_ID) {
    std::fprintf(stderr, "verity report merge: note: the partials were run by %s; this binary is %s\n",
                 merged->batch.build_id.c_str(), VERITY_BUILD_ID);
  }
  std::printf("verity report merge: %zu partial files, %llu attempts of %s, seed %llu, config %s\n",
              a.partials.size(), static_cast<unsigned long long>(merged->batch.seeds), merged->batch.scenario.c_str(),
              static_cast<unsigned long long>(merged->batch.base_seed), merged->batch.config_hash.c_str());
  BatchSummary s = summarize_batch(merged->batch, merged->attempts, /*whole=*/true);
  s.threads = merged->threads;
  s.elapsed_s = merged->elapsed_s;
  return finish_batch("verity report merge", s, merged->attempts, a.out_dir);
}

void add_merge(CLI::App& parent, std::function<int()>& run) {
  auto args = std::make_shared<MergeArgs>();
  auto* cmd = parent.add_subcommand(
      "merge", "Merge the partial results of one challenge batch run on many machines into its report.");
  cmd->footer(
      "Each PARTIAL is a file `verity challenge --range FROM:TO --partial FILE` (or --range-index I\n"
      "--range-count K) wrote. They must be of one batch (the same scenario, config hash, seed, --seeds and\n"
      "build) and their ranges must cover every attempt exactly once; an error names the file and the field,\n"
      "the gap or the overlap. DIR gets summary.json, attempts.csv and report.html as a single run of the\n"
      "whole batch writes them, and the last stdout line is the same summary JSON, final_hash included.\n"
      "Only the per-run figures differ: threads (the pieces' sum), elapsed_s (the slowest piece), and\n"
      "bars_per_s and bars_per_s_per_core from those (docs/DISTRIBUTED.md). Exit 0 when every stress check\n"
      "held, 1 when one broke, 2 on a bad or missing file.");
  cmd->add_option("--out", args->out_dir, "DIR: the report folder to write (created)")->required();
  cmd->add_option("partials", args->partials, "partial result files, in any order")->required();
  cmd->callback([&run, args] { run = [args] { return run_merge(*args); }; });
}

}  // namespace

const Registrar register_report_merge("report", "merge", add_merge);

}  // namespace verity::app
