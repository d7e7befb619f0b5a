#include "actors/learning/labeler.hpp"

#include <utility>

#include "actors/runtime/assert.hpp"
#include "actors/runtime/state_archive.hpp"

namespace verity {

std::expected<void, std::string> OutcomeLabeler::validate(std::int64_t horizon_ns, std::size_t max_pending) {
  if (horizon_ns <= 0) {
    return std::unexpected("labeler.horizon_ns is " + std::to_string(horizon_ns) +
                           "; expected a positive number of nanoseconds");
  }
  if (max_pending == 0 || max_pending > kMaxPendingLimit) {
    return std::unexpected("labeler.max_pending is " + std::to_string(max_pending) + "; expected 1 to " +
                           std::to_string(kMaxPendingLimit));
  }
  return {};
}

std::expected<OutcomeLabeler, std::string> OutcomeLabeler::make(std::int64_t horizon_ns, std::size_t max_pending) {
  if (auto ok = validate(horizon_ns, max_pending); !ok) return std::unexpected(ok.error());
  return OutcomeLabeler(horizon_ns, max_pending);
}

OutcomeLabeler::OutcomeLabeler(std::int64_t horizon_ns, std::size_t max_pending)
    : horizon_ns_(horizon_ns), max_pending_(max_pending) {
  VERITY_ASSERT(horizon_ns > 0, "the labeler's horizon must be positive");
  VERITY_ASSERT(max_pending > 0, "the labeler must hold at least one prediction");
  VERITY_ASSERT(max_pending <= kMaxPendingLimit, "the labeler's max_pending is over its limit");
}

void OutcomeLabeler::on_prediction(PendingPrediction p) {
  if (pending_.size() == max_pending_) {
    pending_.pop_front();
    ++dropped_;
  }
  pending_.push_back(std::move(p));
  VERITY_ASSERT(pending_.size() <= max_pending_, "the pending queue is over its limit");
}

std::vector<LabeledOutcome> OutcomeLabeler::on_bar(const std::string& symbol, std::int64_t close_time_ns, double close) {
  // In 128 bits, so a time near the end of the 64-bit range cannot wrap and
  // label a prediction early.
  auto due = [&](const PendingPrediction& p) {
    return p.symbol == symbol && static_cast<__int128>(p.time_ns) + horizon_ns_ <= close_time_ns;
  };
  std::vector<LabeledOutcome> out;
  bool any = false;
  for (const auto& p : pending_) {
    if (due(p)) {
      any = true;
      break;
    }
  }
  if (!any) return out;
  std::deque<PendingPrediction> keep;
  for (auto& p : pending_) {
    if (!due(p)) {
      keep.push_back(std::move(p));
      continue;
    }
    LabeledOutcome o;
    o.label = close > p.close ? 1 : 0;
    o.correct = predicted_label(p.p_up) == o.label;
    o.labeled_at_ns = close_time_ns;
    o.label_close = close;
    o.prediction = std::move(p);
    out.push_back(std::move(o));
  }
  pending_ = std::move(keep);
  labeled_ += out.size();
  return out;
}

void OutcomeLabeler::save(StateWriter& w) const { w.put_all(horizon_ns_, max_pending_, pending_, dropped_, labeled_); }

void OutcomeLabeler::load(StateReader& r) {
  std::int64_t horizon_ns = 0;
  std::size_t max_pending = 0;
  std::deque<PendingPrediction> pending;
  std::uint64_t dropped = 0, labeled = 0;
  r.get_all(horizon_ns, max_pending);
  if (r.ok() && (horizon_ns != horizon_ns_ || max_pending != max_pending_)) {
    r.fail("the labeler's horizon_ns and max_pending are " + std::to_string(horizon_ns_) + " and " +
           std::to_string(max_pending_) + " but the state is for " + std::to_string(horizon_ns) + " and " +
           std::to_string(max_pending));
    return;
  }
  r.get_all(pending, dropped, labeled);
  if (!r.ok()) return;
  if (pending.size() > max_pending_) {
    r.fail("a pending queue longer than the labeler's max_pending");
    return;
  }
  pending_ = std::move(pending);
  dropped_ = dropped;
  labeled_ = labeled;
}

}  // namespace verity
