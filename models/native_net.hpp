// Inference in the graph: the forward pass of a model file's network in plain
// C++, on one thread, with a fixed order of every sum and our own exp
// (det_expf), so a prediction depends on nothing but the weights and the
// inputs: the same bits on every x86-64 machine, in a session, a replay or a
// batch worker. (LibTorch picks kernels by CPU features at run time; its
// forward pass is the reference the tests compare this one with, within
// 1e-5.) It is also about 5x faster than LibTorch's for one window
// (docs/BENCHMARKS.md), which is what the graph runs: one window per bar.
//
// The network is split into an embedding (everything up to the head) and a
// linear head, so online learning (actors/learning/) can train the head
// alone on the embeddings it saw.
#pragma once

#include <expected>
#include <span>
#include <string>
#include <vector>

#include "models/model_file.hpp"

namespace verity {

/// exp for floats from IEEE + - * / only: within 2 ulp, deterministic.
float det_expf(float x);
/// 1 / (1 + e^-x) and tanh, from det_expf.
float det_sigmoidf(float x);
float det_tanhf(float x);

class NativeNet {
 public:
  /// Checks the tensors against the shape (decode_model already did, for a file).
  static std::expected<NativeNet, std::string> make(const NetShape& shape, const std::vector<NamedTensor>& tensors);

  const NetShape& shape() const { return shape_; }
  /// Width of the embedding the head reads.
  std::size_t embedding_size() const;

  /// `window`: shape().window rows of shape().inputs normalised values, oldest
  /// first. Writes the embedding into `out` (resized) and returns the head's logit.
  float forward(std::span<const float> window, std::vector<float>& out) const;
  /// The logit alone.
  float logit(std::span<const float> window) const;

  /// The head: logit = dot(head_weight, embedding) + head_bias.
  std::span<const float> head_weight() const { return head_w_; }
  float head_bias() const { return head_b_; }
  /// Online learning replaces the head; sizes must match (asserted).
  void set_head(std::span<const float> weight, float bias);
  /// The tensors as they are now (head included), for weights_hash and files.
  const std::vector<NamedTensor>& tensors() const { return tensors_; }

 private:
  std::vector<float> transformer_embedding(std::span<const float> window) const;

  NetShape shape_;
  std::vector<NamedTensor> tensors_;  // as given; the head's two are kept in sync by set_head
  std::vector<float> head_w_;
  float head_b_ = 0;
  // Layouts prepared once from the tensors (transposed for column-wise loops).
  std::vector<std::vector<float>> prepared_;
  // The transformer's vectors, as indices into tensors_ (stable across
  // copies), found by name once rather than on every forward pass.
  std::size_t position_ = 0, input_bias_ = 0;
  struct LayerTensors {
    std::size_t qkv_bias, out_bias, ff1_bias, ff2_bias, norm1_gain, norm1_bias, norm2_gain, norm2_bias;
  };
  std::vector<LayerTensors> layers_;
};

/// The kernels' two builds each, for the tests that they agree bit for bit.
/// accumulate: y[0..rows) += sum_j wt[j * rows + .] * x[j], j ascending.
namespace detail {
void accumulate_generic(const float* wt, const float* x, std::size_t cols, std::size_t rows, float* y);
void accumulate_avx2(const float* wt, const float* x, std::size_t cols, std::size_t rows, float* y);  // needs AVX2
/// One LSTM step's cell: gates g[0..4h) (input, forget, cell, output),
/// then c = f*c + i*tanh-gate and h = o*tanh(c), in place.
void lstm_cell_generic(const float* g, std::size_t h_n, float* c, float* h);
void lstm_cell_avx2(const float* g, std::size_t h_n, float* c, float* h);  // needs AVX2
}  // namespace detail

}  // namespace verity
