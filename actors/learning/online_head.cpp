#include "actors/learning/online_head.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "actors/runtime/assert.hpp"
#include "actors/runtime/detmath.hpp"
#include "actors/runtime/state_archive.hpp"

namespace verity {

namespace {

std::string bad_real(const char* field, double value, const char* expected) {
  return fmt::format("online.{} is {}; expected {}", field, value, expected);
}

std::string bad_size(const char* field, std::size_t value, std::size_t lo, std::size_t hi) {
  return fmt::format("online.{} is {}; expected {} to {}", field, value, lo, hi);
}

}  // namespace

std::expected<void, std::string> OnlineConfig::validate() const {
  if (!std::isfinite(learning_rate) || learning_rate <= 0) {
    return std::unexpected(bad_real("learning_rate", learning_rate, "a positive number"));
  }
  if (replay_capacity < 1 || replay_capacity > kMaxReplayCapacity) {
    return std::unexpected(bad_size("replay_capacity", replay_capacity, 1, kMaxReplayCapacity));
  }
  if (replay_batch > kMaxReplayBatch) return std::unexpected(bad_size("replay_batch", replay_batch, 0, kMaxReplayBatch));
  if (update_every < 1 || update_every > replay_capacity) {
    // The batch takes the newest update_every outcomes from the ring, so the
    // ring must hold them all.
    return std::unexpected(bad_size("update_every", update_every, 1, replay_capacity) +
                           " (at most online.replay_capacity)");
  }
  if (!std::isfinite(l2) || l2 < 0) return std::unexpected(bad_real("l2", l2, "a number >= 0"));
  if (!std::isfinite(max_step_norm) || max_step_norm <= 0) {
    return std::unexpected(bad_real("max_step_norm", max_step_norm, "a positive number"));
  }
  if (!std::isfinite(decay) || decay < 0) return std::unexpected(bad_real("decay", decay, "a number >= 0"));
  if (!std::isfinite(adagrad_epsilon) || adagrad_epsilon <= 0) {
    return std::unexpected(bad_real("adagrad_epsilon", adagrad_epsilon, "a positive number"));
  }
  return {};
}

double head_logit(std::span<const float> w, float b, std::span<const float> embedding) {
  VERITY_ASSERT(w.size() == embedding.size(), "the embedding's width is not the head's");
  double z = static_cast<double>(b);
  for (std::size_t j = 0; j < w.size(); ++j) z += static_cast<double>(w[j]) * static_cast<double>(embedding[j]);
  return z;
}

double sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + det_exp(-z));
  const double e = det_exp(z);
  return e / (1.0 + e);
}

double logistic_loss(double logit, int label) {
  const double z = logit;
  const double abs_z = z < 0 ? -z : z;
  const double pos = z > 0 ? z : 0.0;
  return pos - static_cast<double>(label) * z + det_log(1.0 + det_exp(-abs_z));
}

std::expected<OnlineHead, std::string> OnlineHead::make(std::vector<float> w, float b, OnlineConfig config, Prng prng) {
  if (auto ok = config.validate(); !ok) return std::unexpected(ok.error());
  if (w.empty()) return std::unexpected(std::string("online head: the head has no weights; expected the embedding's width"));
  return OnlineHead(std::move(w), b, config, prng);
}

OnlineHead::OnlineHead(std::vector<float> w, float b, OnlineConfig config, Prng prng)
    : config_(config), w_(std::move(w)), b_(b), grad_sq_(w_.size() + 1, 0.0), prng_(prng) {
  VERITY_ASSERT(config_.validate().has_value(), "the online head's configuration does not validate");
  VERITY_ASSERT(!w_.empty(), "the online head needs at least one weight");
}

std::optional<HeadUpdate> OnlineHead::on_outcome(std::span<const float> embedding, int label) {
  VERITY_ASSERT(embedding.size() == w_.size(), "the embedding's width is not the head's");
  VERITY_ASSERT(label == 0 || label == 1, "a label must be 0 or 1");
  ++outcomes_;
  for (float x : embedding) {
    if (!std::isfinite(x)) {
      ++rejected_;
      return std::nullopt;
    }
  }
  const std::size_t n = w_.size();
  if (replay_y_.size() < config_.replay_capacity) {
    replay_x_.insert(replay_x_.end(), embedding.begin(), embedding.end());
    replay_y_.push_back(static_cast<std::uint8_t>(label));
  } else {
    std::copy(embedding.begin(), embedding.end(), replay_x_.begin() + static_cast<std::ptrdiff_t>(replay_next_ * n));
    replay_y_[replay_next_] = static_cast<std::uint8_t>(label);
  }
  replay_next_ = (replay_next_ + 1) % config_.replay_capacity;
  VERITY_ASSERT(replay_y_.size() <= config_.replay_capacity, "the replay ring is over its capacity");
  if (++since_update_ < config_.update_every) return std::nullopt;
  since_update_ = 0;
  return step();
}

std::span<const float> OnlineHead::sample(std::size_t slot) const {
  const std::size_t n = w_.size();
  return std::span<const float>(replay_x_).subspan(slot * n, n);
}

std::vector<std::size_t> OnlineHead::batch_slots() {
  const std::size_t cap = config_.replay_capacity;
  const std::size_t fresh = config_.update_every;
  VERITY_ASSERT(replay_y_.size() >= fresh, "the ring holds fewer outcomes than one update's");
  std::vector<std::size_t> slots;
  slots.reserve(fresh + config_.replay_batch);
  for (std::size_t i = fresh; i-- > 0;) slots.push_back((replay_next_ + cap - 1 - i) % cap);
  for (std::size_t i = 0; i < config_.replay_batch; ++i) slots.push_back(static_cast<std::size_t>(prng_.below(replay_y_.size())));
  return slots;
}

double OnlineHead::batch_loss(const std::vector<std::size_t>& slots) const {
  double sum = 0;
  for (std::size_t slot : slots) sum += logistic_loss(head_logit(w_, b_, sample(slot)), replay_y_[slot]);
  return sum / static_cast<double>(slots.size());
}

HeadUpdate OnlineHead::step() {
  const std::vector<std::size_t> slots = batch_slots();
  const std::size_t n = w_.size();
  const double count = static_cast<double>(slots.size());
  HeadUpdate u;
  u.batch_size = slots.size();
  u.batch_loss_before = batch_loss(slots);

  // The mean gradient of the logistic loss, plus l2 on the weights.
  std::vector<double> grad(n + 1, 0.0);
  for (std::size_t slot : slots) {
    const auto e = sample(slot);
    const double residual = sigmoid(head_logit(w_, b_, e)) - static_cast<double>(replay_y_[slot]);
    for (std::size_t j = 0; j < n; ++j) grad[j] += residual * static_cast<double>(e[j]);
    grad[n] += residual;
  }
  for (std::size_t j = 0; j < n; ++j) grad[j] = grad[j] / count + config_.l2 * static_cast<double>(w_[j]);
  grad[n] = grad[n] / count;

  // AdaGrad per weight under a decaying global rate, then the norm clip.
  const double lr = config_.learning_rate / (1.0 + config_.decay * static_cast<double>(updates_));
  std::vector<double> delta(n + 1, 0.0);
  double norm_sq = 0;
  for (std::size_t j = 0; j <= n; ++j) {
    grad_sq_[j] += grad[j] * grad[j];
    delta[j] = lr * grad[j] / (std::sqrt(grad_sq_[j]) + config_.adagrad_epsilon);
    norm_sq += delta[j] * delta[j];
  }
  const double norm = std::sqrt(norm_sq);
  const double scale = norm > config_.max_step_norm ? config_.max_step_norm / norm : 1.0;
  for (std::size_t j = 0; j < n; ++j) w_[j] = static_cast<float>(static_cast<double>(w_[j]) - scale * delta[j]);
  b_ = static_cast<float>(static_cast<double>(b_) - scale * delta[n]);
  ++updates_;

  u.batch_loss_after = batch_loss(slots);
  u.update_index = updates_;
  u.learning_rate = lr;
  u.w = w_;
  u.b = b_;
  return u;
}

double OnlineHead::loss(std::span<const float> embedding, int label) const {
  return logistic_loss(head_logit(w_, b_, embedding), label);
}

double OnlineHead::replay_loss() const {
  if (replay_y_.empty()) return 0;
  double sum = 0;
  for (std::size_t slot = 0; slot < replay_y_.size(); ++slot) {
    sum += logistic_loss(head_logit(w_, b_, sample(slot)), replay_y_[slot]);
  }
  return sum / static_cast<double>(replay_y_.size());
}

void OnlineHead::save(StateWriter& w) const {
  w.put_all(w_.size(), config_.replay_capacity, w_, b_, grad_sq_, prng_, replay_x_, replay_y_, replay_next_,
            since_update_, updates_, outcomes_, rejected_);
}

void OnlineHead::load(StateReader& r) {
  std::size_t width = 0, capacity = 0;
  r.get_all(width, capacity);
  if (r.ok() && (width != w_.size() || capacity != config_.replay_capacity)) {
    r.fail(fmt::format("the online head is {} wide with a ring of {} but the state is for {} and {}", w_.size(),
                       config_.replay_capacity, width, capacity));
    return;
  }
  std::vector<float> w, replay_x;
  float b = 0;
  std::vector<double> grad_sq;
  Prng prng = prng_;
  std::vector<std::uint8_t> replay_y;
  std::size_t replay_next = 0, since_update = 0;
  std::uint64_t updates = 0, outcomes = 0, rejected = 0;
  r.get_all(w, b, grad_sq, prng, replay_x, replay_y, replay_next, since_update, updates, outcomes, rejected);
  if (!r.ok()) return;
  const bool shapes = w.size() == width && grad_sq.size() == width + 1 && replay_y.size() <= capacity &&
                      replay_x.size() == replay_y.size() * width;
  const bool positions = replay_next < capacity && (replay_y.size() == capacity || replay_next == replay_y.size()) &&
                         since_update < config_.update_every;
  bool labels = true;
  for (auto y : replay_y) labels = labels && y <= 1;
  if (!shapes || !positions || !labels) {
    r.fail("an online head whose sizes, ring position or labels do not fit its configuration");
    return;
  }
  w_ = std::move(w);
  b_ = b;
  grad_sq_ = std::move(grad_sq);
  prng_ = prng;
  replay_x_ = std::move(replay_x);
  replay_y_ = std::move(replay_y);
  replay_next_ = replay_next;
  since_update_ = since_update;
  updates_ = updates;
  outcomes_ = outcomes;
  rejected_ = rejected;
}

}  // namespace verity
