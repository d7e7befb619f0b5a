#include "app/batch_output.hpp"

#include <cstdio>

#include "app/commands.hpp"
#include "sim/report.hpp"

namespace verity::app {

int finish_batch(const std::string& who, const BatchSummary& s, const std::vector<AttemptResult>& attempts,
                 const std::string& dir) {
  const char* w = who.c_str();
  if (auto ok = write_report(dir, s, attempts); !ok) {
    std::fprintf(stderr, "%s: %s\n", w, ok.error().c_str());
    return kExitError;
  }
  std::printf("%s: %llu of %llu passed (%.1f%%, 95%% CI %.1f-%.1f%%); median %.1f days to pass\n", w,
              static_cast<unsigned long long>(s.passed), static_cast<unsigned long long>(s.attempts),
              100 * s.pass_rate, 100 * s.ci95_low, 100 * s.ci95_high, s.median_days_to_pass);
  std::string breaches;
  for (const auto& [rule, n] : s.breaches) breaches += " " + rule + " " + std::to_string(n);
  std::printf("%s: breaches by rule:%s; expired %llu, failed %llu\n", w, breaches.c_str(),
              static_cast<unsigned long long>(s.outcomes.at("expired")),
              static_cast<unsigned long long>(s.outcomes.at("failed")));
  std::printf("%s: gate %s\n", w, gate_text(s).c_str());
  bool checks_ok = true;
  for (const auto& [name, held] : s.checks) {
    checks_ok = checks_ok && held;
    if (!held) std::printf("%s: check %s FAILED\n", w, name.c_str());
  }
  for (const AttemptResult& r : attempts) {
    for (const std::string& f : r.check_failures) {
      std::printf("%s: attempt %llu: %s\n", w, static_cast<unsigned long long>(r.index), f.c_str());
    }
    if (r.outcome == AttemptOutcome::failed) {
      std::printf("%s: attempt %llu failed: %s\n", w, static_cast<unsigned long long>(r.index), r.detail.c_str());
    }
  }
  std::printf("%s: %llu bars on %u threads in %.1f s; report %s/report.html\n", w,
              static_cast<unsigned long long>(s.bars), s.threads, s.elapsed_s, dir.c_str());
  std::printf("%s\n", summary_json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return checks_ok ? kExitOk : kExitFailed;
}

}  // namespace verity::app
