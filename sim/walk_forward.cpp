#include "sim/walk_forward.hpp"

#include "actors/runtime/calendar.hpp"

namespace verity {

std::expected<std::vector<Fold>, std::string> walk_forward(const WalkForwardPlan& p) {
  if (p.end_ns <= p.start_ns) return std::unexpected(std::string("walk-forward: the span ends before it starts"));
  if (p.train_ns <= 0) return std::unexpected(std::string("walk-forward: train length must be positive"));
  if (p.test_ns <= 0) return std::unexpected(std::string("walk-forward: test length must be positive"));
  if (p.validation_ns < 0) return std::unexpected(std::string("walk-forward: validation length must not be negative"));
  if (p.embargo_ns < 0) return std::unexpected(std::string("walk-forward: embargo must not be negative"));
  if (p.step_ns < 0) return std::unexpected(std::string("walk-forward: step must not be negative"));
  const std::int64_t step = p.step_ns == 0 ? p.test_ns : p.step_ns;

  std::vector<Fold> folds;
  for (std::int64_t k = 0;; ++k) {
    Fold f;
    const std::int64_t shift = k * step;
    f.train.start_ns = p.mode == WalkForwardMode::rolling ? p.start_ns + shift : p.start_ns;
    f.train.end_ns = p.start_ns + p.train_ns + shift;
    f.validation.start_ns = f.train.end_ns + (p.validation_ns > 0 ? p.embargo_ns : 0);
    f.validation.end_ns = f.validation.start_ns + p.validation_ns;
    f.test.start_ns = f.validation.end_ns + p.embargo_ns;
    f.test.end_ns = f.test.start_ns + p.test_ns;
    if (f.test.end_ns > p.end_ns) break;
    folds.push_back(f);
  }
  if (folds.empty()) {
    return std::unexpected("walk-forward: the span " + format_iso8601_ms(p.start_ns) + " to " +
                           format_iso8601_ms(p.end_ns) +
                           " is too short for one fold of train, validation, test and embargoes");
  }
  return folds;
}

}  // namespace verity
