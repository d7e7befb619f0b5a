// Labels the model's predictions with what the market did: a prediction made
// at the close of the bar at time t says whether close[t + horizon] will be
// above close[t], and the labeler holds it until the first bar of its symbol
// that closes at or after t + horizon, then labels it 1 when that bar's close
// is above the prediction's close and 0 otherwise (a tie is "not up").
//
// Guarantees: a prediction is never labeled with a bar that closes before its
// horizon, and it is labeled at most once (it leaves the pending queue when it
// is labeled). Outcomes come out in the order the predictions went in. The
// queue is bounded by `max_pending`: when a new prediction would exceed it,
// the oldest pending prediction is dropped and dropped() counts it. State
// saves and loads bit for bit (actors/runtime/state_archive.hpp).
#pragma once

#include <cstdint>
#include <deque>
#include <expected>
#include <string>
#include <vector>

namespace verity {

class StateWriter;
class StateReader;

/// What the model said at the close of one bar, kept until it can be labeled.
struct PendingPrediction {
  std::string symbol;
  std::int64_t time_ns = 0;  // the close time of the bar the prediction was made on
  double close = 0;          // that bar's close
  double p_up = 0;           // the calibrated probability that the close will be higher
  int direction = 0;         // what the model asked for: +1 long, -1 short, 0 flat
  std::string pattern;       // the pattern key the sample floor reads
  std::vector<float> embedding;  // what the network's head read; online learning trains on it

  template <class W>
  void save(W& w) const {
    w.put_all(symbol, time_ns, close, p_up, direction, pattern, embedding);
  }
  template <class R>
  void load(R& r) {
    r.get_all(symbol, time_ns, close, p_up, direction, pattern, embedding);
  }
};

/// The class a probability calls: 1 (up) when p_up >= 0.5, else 0, the rule
/// models/metrics.hpp scores validation accuracy with, so live accuracy is
/// comparable with it. The labeler and the retrain monitor both use it.
inline int predicted_label(double p_up) { return p_up >= 0.5 ? 1 : 0; }

/// A prediction with its outcome.
struct LabeledOutcome {
  PendingPrediction prediction;
  int label = 0;                   // 1 when label_close > prediction.close, else 0
  bool correct = false;            // predicted_label(prediction.p_up) == label
  std::int64_t labeled_at_ns = 0;  // the close time of the bar that labeled it
  double label_close = 0;          // that bar's close
};

class OutcomeLabeler {
 public:
  /// A stated ceiling for max_pending, so a typo cannot ask for unbounded memory.
  static constexpr std::size_t kMaxPendingLimit = 1'000'000;

  /// Checks the configuration; the error names the field.
  static std::expected<void, std::string> validate(std::int64_t horizon_ns, std::size_t max_pending);
  /// Validates, then constructs.
  static std::expected<OutcomeLabeler, std::string> make(std::int64_t horizon_ns, std::size_t max_pending);

  /// `horizon_ns` > 0 and 1 <= `max_pending` <= kMaxPendingLimit (asserted;
  /// use make() for configuration that comes from outside).
  OutcomeLabeler(std::int64_t horizon_ns, std::size_t max_pending);

  /// Queues a prediction. When the queue already holds max_pending
  /// predictions, the oldest one is dropped (and counted) to make room.
  void on_prediction(PendingPrediction p);

  /// A bar of `symbol` closed at `close_time_ns` at `close`: labels and
  /// returns, in the order they were queued, every pending prediction of that
  /// symbol with time_ns + horizon_ns <= close_time_ns.
  std::vector<LabeledOutcome> on_bar(const std::string& symbol, std::int64_t close_time_ns, double close);

  std::int64_t horizon_ns() const { return horizon_ns_; }
  std::size_t max_pending() const { return max_pending_; }
  std::size_t pending() const { return pending_.size(); }
  /// Predictions dropped unlabeled because the queue was full.
  std::uint64_t dropped() const { return dropped_; }
  /// Predictions labeled so far.
  std::uint64_t labeled() const { return labeled_; }

  /// The horizon and the limit are configuration: they are written and
  /// load() fails when the state was saved with other values.
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  std::int64_t horizon_ns_;
  std::size_t max_pending_;
  std::deque<PendingPrediction> pending_;  // in arrival order
  std::uint64_t dropped_ = 0;
  std::uint64_t labeled_ = 0;
};

}  // namespace verity
