// `verity challenge`: seeded FTMO challenge attempts over a scenario, with
// the pass rate, days to pass, breaches by rule, the seed plan's gate, and a
// report folder (report.html, summary.json, attempts.csv).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iterator>

#include "actors/runtime/config.hpp"
#include "app/commands.hpp"
#include "app/key_flags.hpp"
#include "sim/challenge_runner.hpp"
#include "sim/metrics.hpp"
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
  std::string values[std::size(kFlags)];
};

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
  ChallengeOptions o;
  o.scenario = a.scenario;
  o.attempts = a.seeds;
  o.threads = a.threads;
  o.command = command_line();
  o.journal_dir = a.journal_dir;
  if (a.attempt >= 0) o.only = static_cast<std::uint64_t>(a.attempt);
  if (!a.no_progress && isatty(STDERR_FILENO)) o.progress = draw_progress;

  std::printf("verity challenge: %s, %llu attempts, %s %s, seed %llu\n", a.scenario.c_str(),
              static_cast<unsigned long long>(o.only ? 1 : a.seeds), config->ftmo.variant.c_str(),
              config->session.source == "store" ? ("history " + config->session.symbols).c_str()
                                                : ("generator " + config->market.symbol).c_str(),
              static_cast<unsigned long long>(config->session.seed));
  std::fflush(stdout);
  auto run = run_challenge(*config, o);
  if (!run) {
    std::fprintf(stderr, "verity challenge: %s\n", run.error().c_str());
    return kExitError;
  }
  const BatchSummary& s = run->summary;
  const std::string dir =
      a.report_dir.empty() ? "verity-data/reports/" + std::filesystem::path(a.scenario).stem().string() : a.report_dir;
  if (auto ok = write_report(dir, s, run->attempts); !ok) {
    std::fprintf(stderr, "verity challenge: %s\n", ok.error().c_str());
    return kExitError;
  }
  std::printf("verity challenge: %llu of %llu passed (%.1f%%, 95%% CI %.1f-%.1f%%); median %.1f days to pass\n",
              static_cast<unsigned long long>(s.passed), static_cast<unsigned long long>(s.attempts),
              100 * s.pass_rate, 100 * s.ci95_low, 100 * s.ci95_high, s.median_days_to_pass);
  std::string breaches;
  for (const auto& [rule, n] : s.breaches) breaches += " " + rule + " " + std::to_string(n);
  std::printf("verity challenge: breaches by rule:%s; expired %llu, failed %llu\n", breaches.c_str(),
              static_cast<unsigned long long>(s.outcomes.at("expired")),
              static_cast<unsigned long long>(s.outcomes.at("failed")));
  std::printf("verity challenge: gate %s\n", gate_text(s).c_str());
  bool checks_ok = true;
  for (const auto& [name, held] : s.checks) {
    checks_ok = checks_ok && held;
    if (!held) std::printf("verity challenge: check %s FAILED\n", name.c_str());
  }
  for (const AttemptResult& r : run->attempts) {
    for (const std::string& f : r.check_failures) std::printf("verity challenge: attempt %llu: %s\n", static_cast<unsigned long long>(r.index), f.c_str());
    if (r.outcome == AttemptOutcome::failed) {
      std::printf("verity challenge: attempt %llu failed: %s\n", static_cast<unsigned long long>(r.index), r.detail.c_str());
    }
  }
  std::printf("verity challenge: %llu bars on %u threads in %.1f s; report %s/report.html\n",
              static_cast<unsigned long long>(s.bars), s.threads, s.elapsed_s, dir.c_str());
  std::printf("%s\n", summary_json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return checks_ok ? kExitOk : kExitFailed;
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
      "arguments give the same JSON apart from elapsed_s and bars_per_s. Exit 0 when the run completed and\n"
      "every check held (a failed gate is reported, not an error), 1 when a check failed, 2 on bad input.");
  cmd->add_option("--scenario", args->scenario, "scenario TOML file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--seeds", args->seeds, "number of attempts")->capture_default_str();
  cmd->add_option("--report", args->report_dir,
                  "report folder (default verity-data/reports/<scenario name>)");
  cmd->add_option("--threads", args->threads, "worker threads, one session each (default: every core)");
  cmd->add_option("--attempt", args->attempt, "run only this attempt of the batch, to re-verify its final hash");
  cmd->add_flag("--no-progress", args->no_progress, "no progress bar, even on a terminal");
  cmd->add_option("--journal", args->journal_dir,
                  "journal each attempt into DIR/attempt-<index> (level from --level, default full), to replay it");
  add_key_flags(cmd, kFlags, args->values);
  cmd->callback([&run, args] { run = [args] { return run_challenge_command(*args); }; });
}

}  // namespace

const Registrar register_challenge("", "challenge", add_challenge);

}  // namespace verity::app
