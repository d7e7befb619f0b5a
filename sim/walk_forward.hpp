// Walk-forward splits for training and evaluation by date: each fold is a
// train window, then a validation window, then a test window, each later
// than the one before, with an optional embargo (a gap of unused time)
// between them so that labels looking ahead from the end of one window
// cannot see into the next. Rolling folds keep the train window's length;
// expanding folds keep its start. Windows are half-open [start, end) in UTC ns.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

namespace verity {

struct TimeWindow {
  std::int64_t start_ns = 0, end_ns = 0;  // [start, end)
  bool contains(std::int64_t t_ns) const { return t_ns >= start_ns && t_ns < end_ns; }
  std::int64_t length_ns() const { return end_ns - start_ns; }
};

struct Fold {
  TimeWindow train, validation, test;
};

enum class WalkForwardMode { rolling, expanding };

struct WalkForwardPlan {
  std::int64_t start_ns = 0, end_ns = 0;  // the data's span, [start, end)
  std::int64_t train_ns = 0;              // train length (the first train length, when expanding)
  std::int64_t validation_ns = 0;         // may be 0: no validation window
  std::int64_t test_ns = 0;
  std::int64_t step_ns = 0;               // how far each fold moves on; 0 means test_ns
  std::int64_t embargo_ns = 0;            // gap after train and after validation
  WalkForwardMode mode = WalkForwardMode::rolling;
};

/// Every fold whose test window ends within the span, in time order. A plan
/// that cannot make a single fold, or has a negative length, is an error
/// saying which field is wrong.
std::expected<std::vector<Fold>, std::string> walk_forward(const WalkForwardPlan& plan);

}  // namespace verity
