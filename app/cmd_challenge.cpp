// `verity challenge`: seeded FTMO challenge attempts over a scenario, with
// the pass rate, days to pass, breaches by rule, the seed plan's gate, and a
// report folder (report.html, summary.json, attempts.csv). With --range or
// --range-index/--range-count it runs one piece of the batch and writes a
// partial result (--partial) for `verity report merge` (docs/DISTRIBUTED.md).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iterator>

#include "actors/runtime/config.hpp"
#include "app/batch_coordinator.hpp"
#include "app/batch_output.hpp"
#include "app/commands.hpp"
#include "app/key_flags.hpp"
#include "sim/challenge_runner.hpp"
#include "sim/metrics.hpp"
#include "sim/partial_result.hpp"
#include "sim/report.hpp"

namespace verity::app {

namespace {

constexpr FlagKey kFlags[] = {
    {"--seed", "session.seed", "root seed; attempt i runs with a seed derived from it and i"},
    {"--max-days", "challenge.max_days", "days an attempt may run before it expires"},
    {"--data", "data.dir", "candle store folder (scenarios on imported history)"},
    {"--log-level", "log.level", "trace, debug, info, warn, error or off (default warn here)"},
    {"--level", "journal.level", "with --journal: full, inputs or hash"},
};

struct ChallengeArgs {
  std::string scenario;
  std::uint64_t seeds = 20;
  std::string report_dir;
  unsigned threads = 0;
  std::int64_t attempt = -1;
  bool no_progress = false;
  std::string journal_dir;
  std::string dispatch = "direct";
  std::string range;  // "FROM:TO"; empty when not given
  std::uint64_t range_index = 0, range_count = 0;
  bool has_range_index = false, has_range_count = false, has_report = false;
  std::string partial;
  std::string workers;  // "host:port,..."; empty: run here
  std::uint64_t range_size = 0, verify_sample = 0;
  double worker_timeout_s = 600;
  bool has_range_size = false, has_verify_sample = false, has_worker_timeout = false;
  std::string values[std::size(kFlags)];
};

/// Parses an unsigned decimal integer (digits only).
bool parse_index(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.size() > 19) return false;
  out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

/// The piece of the batch to run, from --range or --range-index/--range-count;
/// nullopt for the whole batch. An error names the flag.
std::expected<std::optional<ChallengeOptions::Range>, std::string> chosen_range(const ChallengeArgs& a) {
  const bool by_index = a.has_range_index || a.has_range_count;
  const bool any = !a.range.empty() || by_index;
  if (!a.range.empty() && by_index) {
    return std::unexpected("give --range FROM:TO or --range-index I --range-count K, not both");
  }
  if (a.has_range_index != a.has_range_count) {
    return std::unexpected(a.has_range_index ? "--range-index needs --range-count K, the number of pieces the batch is split into"
                                             : "--range-count needs --range-index I, the piece to run (0 to K-1)");
  }
  if (any && a.partial.empty()) {
    return std::unexpected("a range of the batch needs --partial FILE: its attempts are written there, to be merged "
                           "with `verity report merge --out DIR FILE...`");
  }
  if (!any && !a.partial.empty()) {
    return std::unexpected("--partial needs --range FROM:TO or --range-index I --range-count K (the whole batch is "
                           "--range 0:" + std::to_string(a.seeds) + ")");
  }
  if (any && a.attempt >= 0) return std::unexpected("--attempt cannot be combined with --range or --range-index");
  if (!any) return std::optional<ChallengeOptions::Range>{};
  ChallengeOptions::Range r;
  if (by_index) {
    if (a.range_count == 0 || a.range_count > a.seeds) {
      return std::unexpected("--range-count is " + std::to_string(a.range_count) + "; expected 1 to --seeds " +
                             std::to_string(a.seeds) + " pieces");
    }
    if (a.range_index >= a.range_count) {
      return std::unexpected("--range-index " + std::to_string(a.range_index) + " is outside --range-count " +
                             std::to_string(a.range_count) + " (0 to " + std::to_string(a.range_count - 1) + ")");
    }
    const IndexRange split = split_range(a.seeds, a.range_count, a.range_index);
    r.from = split.from;
    r.to = split.to;
    return r;
  }
  const auto colon = a.range.find(':');
  if (colon == std::string::npos || !parse_index(std::string_view(a.range).substr(0, colon), r.from) ||
      !parse_index(std::string_view(a.range).substr(colon + 1), r.to)) {
    return std::unexpected("--range is \"" + a.range + "\"; expected FROM:TO, attempt indexes with FROM < TO <= --seeds "
                           "(e.g. 0:10 runs attempts 0 to 9)");
  }
  if (r.from >= r.to) return std::unexpected("--range " + a.range + " is empty; expected FROM < TO");
  if (r.to > a.seeds) {
    return std::unexpected("--range " + a.range + " ends beyond the batch of --seeds " + std::to_string(a.seeds) +
                           " (TO <= " + std::to_string(a.seeds) + ")");
  }
  return r;
}

/// "[#########-----------]  9/20" on one line of stderr, redrawn in place.
void draw_progress(std::uint64_t done, std::uint64_t total, const AttemptResult& last) {
  constexpr int kWidth = 30;
  const int filled = total ? static_cast<int>(kWidth * done / total) : kWidth;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '-');
  std::fprintf(stderr, "\r[%s] %llu/%llu attempts (last: %s)   ", bar.c_str(), static_cast<unsigned long long>(done),
               static_cast<unsigned long long>(total), std::string(outcome_name(last.outcome)).c_str());
  if (done == total) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

/// The first line: the scenario, how many attempts run here (and which
/// piece of the batch they are), the variant, the bars' source and the seed.
void print_start(const std::string& scenario, std::uint64_t attempts, const std::string& piece, const Config& config) {
  std::printf("verity challenge: %s, %llu attempts%s, %s %s, seed %llu\n", scenario.c_str(),
              static_cast<unsigned long long>(attempts), piece.c_str(), config.ftmo.variant.c_str(),
              config.session.source == "store" ? ("history " + config.session.symbols).c_str()
                                               : ("generator " + config.market.symbol).c_str(),
              static_cast<unsigned long long>(config.session.seed));
  std::fflush(stdout);
}

/// A range of the batch: writes the partial file (and the range's report
/// when --report is given) and prints what the range gave. Exit 0 once the
/// file is written: the stress checks are judged by the merge.
int finish_partial(const ChallengeArgs& a, const ChallengeRun& run) {
  const BatchSummary& s = run.summary;
  const PartialResult p = partial_of(run);
  if (auto ok = write_partial(a.partial, p); !ok) {
    std::fprintf(stderr, "verity challenge: --partial: %s\n", ok.error().c_str());
    return kExitError;
  }
  if (a.has_report) {
    if (auto ok = write_report(a.report_dir, s, run.attempts); !ok) {
      std::fprintf(stderr, "verity challenge: %s\n", ok.error().c_str());
      return kExitError;
    }
  }
  std::printf("verity challenge: attempts [%llu, %llu) of %llu: %llu passed, %llu breached, %llu expired, %llu failed\n",
              static_cast<unsigned long long>(p.from), static_cast<unsigned long long>(p.to),
              static_cast<unsigned long long>(p.batch.seeds), static_cast<unsigned long long>(s.outcomes.at("passed")),
              static_cast<unsigned long long>(s.outcomes.at("breached")),
              static_cast<unsigned long long>(s.outcomes.at("expired")),
              static_cast<unsigned long long>(s.outcomes.at("failed")));
  bool checks_held = true;
  for (const auto& [name, held] : s.checks) {
    checks_held = checks_held && held;
    if (!held) std::printf("verity challenge: check %s broke in this range (the merge reports it)\n", name.c_str());
  }
  for (const AttemptResult& r : run.attempts) {
    if (r.outcome == AttemptOutcome::failed) {
      std::printf("verity challenge: attempt %llu failed: %s\n", static_cast<unsigned long long>(r.index), r.detail.c_str());
    }
  }
  std::printf("verity challenge: %llu bars on %u threads in %.1f s; partial %s%s%s\n",
              static_cast<unsigned long long>(s.bars), s.threads, s.elapsed_s, a.partial.c_str(),
              a.has_report ? "; report " : "", a.has_report ? (a.report_dir + "/report.html").c_str() : "");
  nlohmann::ordered_json j;
  j["partial"] = a.partial;
  j["format"] = std::string(kPartialFormat);
  j["from"] = p.from;
  j["to"] = p.to;
  j["seeds"] = p.batch.seeds;
  j["attempts"] = s.attempts;
  j["passed"] = s.passed;
  j["checks_held"] = checks_held;
  j["range_hash"] = s.final_hash;
  j["config_hash"] = p.batch.config_hash;
  j["bars"] = s.bars;
  j["threads"] = s.threads;
  j["elapsed_s"] = s.elapsed_s;
  std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return kExitOk;
}

/// --workers: the batch runs on `verity batch worker` nodes (app/batch_coordinator.hpp).
int run_workers_command(const ChallengeArgs& a, const Config& config) {
  auto fail = [](const std::string& message) {
    std::fprintf(stderr, "verity challenge: %s\n", message.c_str());
    return kExitError;
  };
  if (a.workers.empty()) return fail("--range-size, --worker-timeout-s and --verify-sample need --workers HOST:PORT,...");
  if (!a.range.empty() || a.has_range_index || a.has_range_count || !a.partial.empty()) {
    return fail("--workers runs the whole batch; it cannot be combined with --range, --range-index or --partial");
  }
  if (a.attempt >= 0) return fail("--workers cannot be combined with --attempt (run one attempt here)");
  if (!a.journal_dir.empty()) return fail("--workers cannot be combined with --journal (journal an attempt here with --attempt)");
  if (a.has_range_size && a.range_size == 0) return fail("--range-size is 0; expected at least 1 attempt per range");
  if (!(a.worker_timeout_s > 0)) return fail("--worker-timeout-s must be above 0 seconds");
  auto workers = parse_workers(a.workers);
  if (!workers) return fail(workers.error());
  CoordinatorOptions o;
  o.scenario = a.scenario;
  o.seeds = a.seeds;
  o.workers = *workers;
  o.range_size = a.range_size;
  o.worker_timeout_s = a.worker_timeout_s;
  o.verify_sample = a.verify_sample;
  o.progress = !a.no_progress;
  o.report_dir =
      a.report_dir.empty() ? "verity-data/reports/" + std::filesystem::path(a.scenario).stem().string() : a.report_dir;
  print_start(a.scenario, a.seeds, "", config);
  return run_on_workers(config, o);
}

int run_challenge_command(const ChallengeArgs& a) {
  std::vector<ConfigOverride> overrides = key_overrides(kFlags, a.values);
  auto env = verity_environment();
  // Per-session info logs from hundreds of attempts drown the summary.
  if (a.values[3].empty() && !env.contains("VERITY_LOG_LEVEL")) overrides.insert(overrides.begin(), {"log.level", "warn", "verity challenge default"});
  auto config = load_config(a.scenario, overrides, env);
  if (!config) {
    std::fprintf(stderr, "verity challenge: %s\n", config.error().c_str());
    return kExitError;
  }
  constexpr std::uint64_t kMaxSeeds = 1'000'000;  // results are kept in memory, a few KB each
  if (a.seeds == 0 || a.seeds > kMaxSeeds) {
    std::fprintf(stderr, "verity challenge: --seeds is %llu; expected 1 to %llu attempts (split larger batches by --seed)\n",
                 static_cast<unsigned long long>(a.seeds), static_cast<unsigned long long>(kMaxSeeds));
    return kExitError;
  }
  if (a.attempt >= 0 && static_cast<std::uint64_t>(a.attempt) >= a.seeds) {
    std::fprintf(stderr, "verity challenge: --attempt %lld is outside the batch of --seeds %llu (0 to %llu)\n",
                 static_cast<long long>(a.attempt), static_cast<unsigned long long>(a.seeds),
                 static_cast<unsigned long long>(a.seeds - 1));
    return kExitError;
  }
  auto range = chosen_range(a);
  if (!range) {
    std::fprintf(stderr, "verity challenge: %s\n", range.error().c_str());
    return kExitError;
  }
  if (*range) {
    if (auto ok = check_partial_writable(a.partial); !ok) {
      std::fprintf(stderr, "verity challenge: --partial: %s\n", ok.error().c_str());
      return kExitError;
    }
  }
  if (!a.workers.empty() || a.has_range_size || a.has_verify_sample || a.has_worker_timeout) {
    return run_workers_command(a, *config);
  }
  ChallengeOptions o;
  o.scenario = a.scenario;
  o.range = *range;
  o.attempts = a.seeds;
  o.threads = a.threads;
  o.command = command_line();
  o.journal_dir = a.journal_dir;
  o.dispatch = *parse_dispatch(a.dispatch);
  if (a.attempt >= 0) o.only = static_cast<std::uint64_t>(a.attempt);
  if (!a.no_progress && isatty(STDERR_FILENO)) o.progress = draw_progress;

  const std::string piece =
      o.range ? " [" + std::to_string(o.range->from) + ", " + std::to_string(o.range->to) + ") of " +
                    std::to_string(a.seeds)
              : "";
  print_start(a.scenario, o.only ? 1 : o.range ? o.range->to - o.range->from : a.seeds, piece, *config);
  auto run = run_challenge(*config, o);
  if (!run) {
    std::fprintf(stderr, "verity challenge: %s\n", run.error().c_str());
    return kExitError;
  }
  if (o.range) return finish_partial(a, *run);
  const std::string dir =
      a.report_dir.empty() ? "verity-data/reports/" + std::filesystem::path(a.scenario).stem().string() : a.report_dir;
  return finish_batch("verity challenge", run->summary, run->attempts, dir);
}

void add_challenge(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<ChallengeArgs>();
  auto* cmd = app.add_subcommand("challenge",
                                 "Run seeded FTMO challenge attempts of a scenario and write a report: pass rate, days "
                                 "to pass, breaches by rule.");
  cmd->footer(
      "A scenario is a config file (scenarios/*.toml; `verity config --keys` lists every key): the FTMO variant\n"
      "and limits, where bars come from (generator paths or a window of imported history), stress events and\n"
      "the checks that must hold. The last line on stdout is one JSON object: attempts, passed, pass_rate,\n"
      "pass_rate_ci95, median_days_to_pass, breaches, final_hash, gate, ... (docs/REPORT.md). The same\n"
      "arguments give the same JSON apart from elapsed_s, bars_per_s, bars_per_s_per_core and threads. Exit 0\n"
      "when the run completed and every check held (a failed gate is reported, not an error), 1 when a check\n"
      "failed, 2 on bad input.\n"
      "Across machines (docs/DISTRIBUTED.md): each machine runs one piece of the same batch,\n"
      "  verity challenge --scenario S --seeds N --range-index I --range-count K --partial part-I.json\n"
      "(or --range FROM:TO), then `verity report merge --out DIR part-*.json` writes what one run writes.\n"
      "A piece exits 0 once its partial file is written (the merge judges the checks), 2 on bad input.\n"
      "On `verity batch worker` nodes: --workers HOST:PORT,... with the shared secret in BATCH_SECRET hands\n"
      "out ranges of --range-size attempts on demand, gives a failed worker's range to another, and writes\n"
      "what a local run writes; exit 2 when every worker is gone (each named with its reason).");
  cmd->add_option("--scenario", args->scenario, "scenario TOML file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--seeds", args->seeds, "number of attempts")->capture_default_str();
  cmd->add_option("--report", args->report_dir,
                  "report folder (default verity-data/reports/<scenario name>)");
  cmd->add_option("--threads", args->threads, "worker threads, one session each (default: every core)");
  cmd->add_option("--attempt", args->attempt, "run only this attempt of the batch, to re-verify its final hash");
  cmd->add_flag("--no-progress", args->no_progress, "no progress bar, even on a terminal");
  cmd->add_option("--dispatch", args->dispatch,
                  "what runs the actors: direct (the graph's handlers in CAF's deterministic order, without its "
                  "mailboxes) or caf (CAF's testing scheduler, slower); the hashes are the same")
      ->check(CLI::IsMember({"caf", "direct"}))
      ->capture_default_str();
  cmd->add_option("--journal", args->journal_dir,
                  "journal each attempt into DIR/attempt-<index> (level from --level, default full), to replay it");
  cmd->add_option("--range", args->range,
                  "run only attempts FROM to TO-1 of the batch (FROM:TO, 0 <= FROM < TO <= --seeds) and write them "
                  "to --partial");
  auto* index = cmd->add_option("--range-index", args->range_index,
                                "run the I-th (0-based) of --range-count near-equal contiguous pieces of the batch "
                                "(a Kubernetes Indexed Job's or Slurm array's index)");
  auto* count = cmd->add_option("--range-count", args->range_count, "the number of pieces, K, with --range-index");
  cmd->add_option("--partial", args->partial,
                  "with --range or --range-index: write the piece's attempts to FILE (JSON) for `verity report merge`; "
                  "no report folder unless --report is given");
  cmd->add_option("--workers", args->workers,
                  "run the batch on `verity batch worker` nodes, HOST:PORT,HOST:PORT,... (secret in BATCH_SECRET; "
                  "docs/DISTRIBUTED.md)");
  auto* range_size = cmd->add_option("--range-size", args->range_size,
                                     "with --workers: attempts per range handed to a worker (default: about four "
                                     "ranges per worker)");
  auto* timeout = cmd->add_option("--worker-timeout-s", args->worker_timeout_s,
                                  "with --workers: a range not answered within this many seconds goes to another "
                                  "worker")->capture_default_str();
  auto* sample = cmd->add_option("--verify-sample", args->verify_sample,
                                 "with --workers: re-run K attempts (drawn from the root seed) here and compare "
                                 "their final hashes with the workers'");
  auto* report = cmd->get_option("--report");
  add_key_flags(cmd, kFlags, args->values);
  cmd->callback([&run, args, index, count, report, range_size, timeout, sample] {
    args->has_range_size = range_size->count() > 0;
    args->has_worker_timeout = timeout->count() > 0;
    args->has_verify_sample = sample->count() > 0;
    args->has_range_index = index->count() > 0;
    args->has_range_count = count->count() > 0;
    args->has_report = report->count() > 0;
    run = [args] { return run_challenge_command(*args); };
  });
}

}  // namespace

const Registrar register_challenge("", "challenge", add_challenge);

}  // namespace verity::app
