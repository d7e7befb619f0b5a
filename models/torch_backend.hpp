// The LibTorch side of the models: training a network, and batched
// prediction for evaluation. It lives in a module (libverity_torch.so, built
// from models/torch/) that is loaded with dlopen the first time it is asked
// for, because linking libtorch into `verity` costs every process about
// 0.4 s at start. Nothing here includes Torch: the interface passes plain
// arrays and the header-only structs of model_file.hpp.
//
// Determinism: the backend runs on one thread with Torch's deterministic
// algorithms, seeds its generator from TrainOptions::seed, and draws batch
// order from it, so the same seed and data give the same weights (checked by
// the weights hash, tests/unit/native_net_test.cpp).
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <string>
#include <vector>

#include "models/model_file.hpp"

namespace verity {

/// Samples as dense arrays: `x` holds size() windows of `window` rows of
/// `inputs` normalised values, oldest row first; `y` the labels, 1 for up.
struct TrainSet {
  std::uint32_t inputs = 0, window = 1;
  std::vector<float> x;
  std::vector<float> y;
  std::size_t size() const { return y.size(); }
};

struct EpochReport {
  int epoch = 0;  // 1-based
  double train_loss = 0, validation_loss = 0;
  bool improved = false;                 // best validation loss so far
  std::vector<NamedTensor> tensors;      // the weights after this epoch, for checkpoints
};

struct TrainOptions {
  std::uint64_t seed = 1;
  int max_epochs = 20;
  int patience = 3;                      // early stopping: epochs without a better validation loss
  int batch = 256;
  double learning_rate = 1e-3;           // Adam
  double weight_decay = 0.0;
  std::function<void(const EpochReport&)> on_epoch;  // after every epoch (checkpoints, progress)
};

struct TrainOutcome {
  std::vector<NamedTensor> tensors;      // the best epoch's weights, in expected_tensors() order
  int best_epoch = 0;
  int epochs_run = 0;
  double best_validation_loss = 0;
};

class TorchBackend {
 public:
  virtual ~TorchBackend() = default;
  /// Trains a fresh network of `shape` (weights initialised from the seed)
  /// with binary cross-entropy, keeping the epoch with the lowest validation
  /// loss; `validation` may not be empty. `layout` is expected_tensors(shape):
  /// the names, shapes and order the weights come back in.
  virtual std::expected<TrainOutcome, std::string> train(const NetShape& shape, const std::vector<NamedTensor>& layout,
                                                         const TrainSet& train, const TrainSet& validation,
                                                         const TrainOptions& options) = 0;
  /// The probability of up for every sample of `data`, batched.
  virtual std::expected<std::vector<float>, std::string> predict(const NetShape& shape,
                                                                 const std::vector<NamedTensor>& tensors,
                                                                 const TrainSet& data) = 0;
  /// "libtorch 1.13.1", for reports.
  virtual std::string version() const = 0;
};

/// The backend, loaded on first use: libverity_torch.so beside the running
/// executable, else $VERITY_TORCH_BACKEND, else the build tree's. An error
/// says which paths were tried and what dlopen said.
std::expected<TorchBackend*, std::string> torch_backend();

}  // namespace verity

/// The module's one exported symbol.
extern "C" verity::TorchBackend* verity_torch_backend_v1();
