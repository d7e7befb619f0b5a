// `verity data spreads`: measure spread and slippage distributions from the
// shared real data and store them as a new version of the execution metrics
// (docs/EXECUTION_METRICS.md); with --show, print a stored version.
#include <cstdio>
#include <memory>

#include "actors/execution/execution_metrics.hpp"
#include "actors/runtime/clock.hpp"
#include "app/commands.hpp"

namespace verity::app {

namespace {

struct SpreadsOptions {
  std::string shared = "../shared/data";
  std::string out = kExecutionMetricsDir;
  bool show = false;
  std::string version = "latest";
};

int show_metrics(const SpreadsOptions& o) {
  const auto metrics = load_execution_metrics(o.out, o.version);
  if (!metrics) {
    std::fprintf(stderr, "verity data spreads: %s\n", metrics.error().c_str());
    return kExitError;
  }
  std::printf("%s", format_metrics_table(*metrics).c_str());
  return kExitOk;
}

int generate_metrics(const SpreadsOptions& o) {
  // The date stamp is the one wall-clock reading; it names the version and
  // changes no figure.
  LiveClock clock;
  auto metrics = compute_execution_metrics(o.shared, utc_date(clock.now_ns()));
  if (!metrics) {
    std::fprintf(stderr, "verity data spreads: %s\n", metrics.error().c_str());
    return kExitError;
  }
  std::uint64_t malformed = 0;
  for (const auto& s : metrics->sources) {
    malformed += s.malformed_lines;
    for (const auto& issue : s.malformed) std::fprintf(stderr, "malformed: %s\n", issue.text().c_str());
    if (s.malformed_lines > s.malformed.size()) {
      std::fprintf(stderr, "malformed: ... and %llu more in %s (the count is exact in the JSON)\n",
                   static_cast<unsigned long long>(s.malformed_lines - s.malformed.size()), s.id.c_str());
    }
  }
  const auto path = write_execution_metrics(o.out, *metrics);
  if (!path) {
    std::fprintf(stderr, "verity data spreads: %s\n", path.error().c_str());
    return kExitError;
  }
  std::printf("%s\n", format_metrics_table(*metrics).c_str());
  std::printf("wrote %s; %s/latest.json now points at %s; %llu malformed line(s)\n", path->c_str(), o.out.c_str(),
              metrics->version.c_str(), static_cast<unsigned long long>(malformed));
  return kExitOk;
}

void add_spreads(CLI::App& data, std::function<int()>& run) {
  auto o = std::make_shared<SpreadsOptions>();
  auto* cmd = data.add_subcommand(
      "spreads",
      "Measure spread and slippage per pair and session from the shared real data into a new version "
      "of the execution metrics, or --show a stored version.");
  cmd->add_option("--shared", o->shared, "the shared real-data folder")->capture_default_str();
  cmd->add_option("--out", o->out, "folder of versioned execution-metrics JSON files")->capture_default_str();
  cmd->add_flag("--show", o->show, "print a stored version instead of computing a new one");
  cmd->add_option("--version", o->version, "with --show: \"latest\" or a version such as 2026-11-21.1")
      ->capture_default_str();
  cmd->callback([&run, o] { run = [o] { return o->show ? show_metrics(*o) : generate_metrics(*o); }; });
}

}  // namespace

const Registrar register_spreads("data", "spreads", add_spreads);

}  // namespace verity::app
