// Online learning of the network's linear head (logit = w . e + b, where e is
// the embedding models/native_net.hpp computes) from labeled outcomes, while
// the rest of the network stays as trained.
//
// Each outcome goes into a bounded experience-replay ring (when full, the
// newest overwrites the oldest). Every `update_every` outcomes the head takes
// one step of logistic-loss gradient descent on a batch made of those newest
// outcomes plus `replay_batch` samples drawn, with replacement, from the ring
// by the caller's seeded Prng. The step is AdaGrad-scaled per weight, its
// global rate decays as learning_rate / (1 + decay * updates), and its
// Euclidean norm (bias included) is clipped to max_step_norm.
//
// Guarantees: the arithmetic is in double with one fixed summation order, the
// only exp/log are det_exp/det_log and the only randomness the Prng, so the
// same initial head, configuration, seed and outcomes give the same weights
// bit for bit, and save()/load() (which include the Prng and the ring)
// continue bit for bit. Weights are kept as float, as the network holds them.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "actors/runtime/prng.hpp"

namespace verity {

class StateWriter;
class StateReader;

struct OnlineConfig {
  /// Stated ceilings for the sizes, so a typo cannot ask for unbounded memory or time.
  static constexpr std::size_t kMaxReplayCapacity = 1'000'000;
  static constexpr std::size_t kMaxReplayBatch = 65'536;

  double learning_rate = 0.01;        // the global rate of the first update
  std::size_t replay_capacity = 4096;  // outcomes the ring keeps; the newest overwrites the oldest
  std::size_t replay_batch = 32;       // samples drawn from the ring for each update
  std::size_t update_every = 16;       // outcomes between updates (all of them join the batch)
  double l2 = 1e-4;                    // weight decay on w (not on b)
  double max_step_norm = 1.0;          // the step's Euclidean norm, bias included, is clipped to this
  double decay = 0.001;                // lr_t = learning_rate / (1 + decay * updates so far)
  double adagrad_epsilon = 1e-8;       // added to sqrt(accumulated squared gradient)

  /// The first bad field, named ("learning.online.replay_batch ...").
  std::expected<void, std::string> validate() const;
};

/// What one update did, for the ModelUpdate message and the report.
struct HeadUpdate {
  std::vector<float> w;
  float b = 0;
  double batch_loss_before = 0;  // mean logistic loss of the batch under the old head (no l2 term)
  double batch_loss_after = 0;   // the same batch under the new head
  std::uint64_t update_index = 0;  // 1 for the first update
  double learning_rate = 0;        // the global rate lr_t this update used
  std::size_t batch_size = 0;      // update_every + replay_batch
};

/// The head's logit for one embedding, in double, summed in index order.
double head_logit(std::span<const float> w, float b, std::span<const float> embedding);
/// 1 / (1 + e^-z), from det_exp, without overflow for large |z|.
double sigmoid(double z);
/// The logistic loss of `logit` against `label` (0 or 1): -log p(label),
/// computed as max(z, 0) - label * z + log(1 + e^-|z|), which stays finite.
double logistic_loss(double logit, int label);

class OnlineHead {
 public:
  /// Validates the configuration (and that w is not empty), then constructs.
  static std::expected<OnlineHead, std::string> make(std::vector<float> w, float b, OnlineConfig config, Prng prng);

  /// `w` and `b` are the head as trained; `prng` is the caller's seeded
  /// stream for replay draws. The configuration must validate (asserted).
  OnlineHead(std::vector<float> w, float b, OnlineConfig config, Prng prng);

  /// Adds one labeled outcome; every update_every accepted outcomes, steps
  /// and returns the new head. `embedding` must have the head's width and
  /// `label` must be 0 or 1 (asserted). An embedding with a NaN or infinite
  /// value is not learned from: it is counted in rejected() and ignored.
  std::optional<HeadUpdate> on_outcome(std::span<const float> embedding, int label);

  std::span<const float> weights() const { return w_; }
  float bias() const { return b_; }
  std::size_t width() const { return w_.size(); }
  const OnlineConfig& config() const { return config_; }

  /// The current head's logistic loss on one outcome.
  double loss(std::span<const float> embedding, int label) const;
  /// The current head's mean logistic loss over the replay ring (0 when empty).
  double replay_loss() const;

  std::size_t replay_size() const { return replay_y_.size(); }
  std::size_t replay_capacity() const { return config_.replay_capacity; }
  std::uint64_t updates() const { return updates_; }
  std::uint64_t outcomes() const { return outcomes_; }
  std::uint64_t rejected() const { return rejected_; }

  /// Writes the head, the AdaGrad accumulators, the Prng, the ring and the
  /// counters. The width and the ring capacity are written too, and load()
  /// fails when they differ from this object's configuration.
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  /// Ring slot `slot`'s embedding.
  std::span<const float> sample(std::size_t slot) const;
  /// The batch for the next update: the newest update_every slots, oldest
  /// first, then replay_batch draws.
  std::vector<std::size_t> batch_slots();
  double batch_loss(const std::vector<std::size_t>& slots) const;
  HeadUpdate step();

  OnlineConfig config_;
  std::vector<float> w_;
  float b_ = 0;
  std::vector<double> grad_sq_;  // AdaGrad accumulators: one per weight, then the bias's
  Prng prng_;
  std::vector<float> replay_x_;           // slot-major embeddings, replay_size() x width()
  std::vector<std::uint8_t> replay_y_;    // labels, one per slot
  std::size_t replay_next_ = 0;           // the slot the next outcome goes into
  std::size_t since_update_ = 0;          // accepted outcomes since the last update
  std::uint64_t updates_ = 0;
  std::uint64_t outcomes_ = 0;
  std::uint64_t rejected_ = 0;
};

}  // namespace verity
