// Native inference (models/native_net.hpp) against its reference, the
// LibTorch backend (models/torch_backend.hpp): det_expf and the activations
// built on it are accurate, every network kind gives Torch's probabilities
// within 1e-5 on the same weights and windows, the head can be replaced and
// read back, and training is deterministic in its seed and stops early.
//
// The backend is part of the build (libverity_torch.so): when it does not
// load, these tests fail with its error rather than skip.
#include "models/native_net.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "actors/runtime/detmath.hpp"
#include "actors/runtime/prng.hpp"
#include "models/torch_backend.hpp"

namespace verity {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

/// The backend, or null after recording a failure that carries its error.
TorchBackend* load_backend() {
  auto b = torch_backend();
  if (!b) {
    ADD_FAILURE() << "the LibTorch backend must load (it is part of the build): " << b.error();
    return nullptr;
  }
  return *b;
}

NetShape tiny_shape(NetKind kind) {
  NetShape s;
  s.kind = kind;
  s.inputs = 6;
  if (kind == NetKind::lstm) {
    s.window = 10;
    s.hidden = 8;
    s.layers = 1;
  } else if (kind == NetKind::transformer) {
    s.window = 10;
    s.hidden = 8;
    s.heads = 2;
    s.layers = 2;
    s.ff = 16;
  }
  return s;
}

/// Seeded random weights of moderate size; layer-norm gains near 1, as
/// training leaves them.
std::vector<NamedTensor> random_tensors(const NetShape& shape, std::uint64_t seed) {
  Prng prng(seed);
  auto tensors = expected_tensors(shape);
  for (auto& t : tensors) {
    const bool gain = t.name.ends_with("norm1.weight") || t.name.ends_with("norm2.weight");
    const double scale = t.name.starts_with("head") ? 0.6 : 0.4;
    t.values.resize(t.numel());
    for (auto& v : t.values) v = static_cast<float>(gain ? 1.0 + 0.2 * prng.normal() : scale * prng.normal());
  }
  return tensors;
}

/// `n` windows of standard-normal inputs (as normalised features are), and
/// coin-flip labels: pure noise.
TrainSet random_set(const NetShape& shape, std::size_t n, std::uint64_t seed) {
  Prng prng(seed);
  TrainSet d;
  d.inputs = shape.inputs;
  d.window = shape.window;
  d.x.resize(n * shape.window * shape.inputs);
  for (auto& v : d.x) v = static_cast<float>(prng.normal());
  d.y.resize(n);
  for (auto& y : d.y) y = prng.bernoulli(0.5) ? 1.0f : 0.0f;
  return d;
}

std::span<const float> window_of(const TrainSet& d, std::size_t i) {
  const std::size_t len = std::size_t{d.window} * d.inputs;
  return std::span<const float>(d.x).subspan(i * len, len);
}

TEST(NativeNet, DetExpfIsWithinARelativeMillionthOfExp) {
  double worst = 0;
  float worst_x = 0;
  for (int i = -870'000; i <= 880'000; i += 7) {
    const float x = static_cast<float>(i) * 1e-4f;
    const double exact = std::exp(static_cast<double>(x));
    const double rel = std::abs(static_cast<double>(det_expf(x)) - exact) / exact;
    if (rel > worst) {
      worst = rel;
      worst_x = x;
    }
  }
  EXPECT_LE(worst, 1e-6) << "at x = " << worst_x;
  EXPECT_EQ(det_expf(0.0f), 1.0f);
  EXPECT_EQ(det_expf(89.0f), kInf);
  EXPECT_EQ(det_expf(kInf), kInf);
  EXPECT_EQ(det_expf(-104.0f), 0.0f);
  EXPECT_EQ(det_expf(-kInf), 0.0f);
  EXPECT_TRUE(std::isnan(det_expf(std::numeric_limits<float>::quiet_NaN())));
}

TEST(NativeNet, TheAvx2KernelGivesTheBaselinesBits) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "this CPU has no AVX2: only the baseline kernel runs here";
  Prng prng(5);
  // The LSTM's shapes (gates of 64 and 32 units over 9, 17 and 64 inputs),
  // the transformer's, and odd sizes that leave a tail past the last lane.
  for (auto [cols, rows] : {std::pair<std::size_t, std::size_t>{9, 256}, {17, 256}, {64, 256}, {17, 128}, {32, 96},
                            {64, 32}, {3, 7}, {1, 1}, {13, 33}}) {
    std::vector<float> wt(cols * rows), x(cols), y0(rows), a, b;
    for (auto& v : wt) v = static_cast<float>(prng.normal());
    for (auto& v : x) v = static_cast<float>(prng.normal() * 3);
    for (auto& v : y0) v = static_cast<float>(prng.normal());
    for (int round = 0; round < 50; ++round) {
      a = y0;
      b = y0;
      detail::accumulate_generic(wt.data(), x.data(), cols, rows, a.data());
      detail::accumulate_avx2(wt.data(), x.data(), cols, rows, b.data());
      for (std::size_t r = 0; r < rows; ++r)
        ASSERT_EQ(std::bit_cast<std::uint32_t>(a[r]), std::bit_cast<std::uint32_t>(b[r]))
            << cols << "x" << rows << " row " << r;
      for (auto& v : x) v = static_cast<float>(prng.normal() * 3);
    }
  }
}

TEST(NativeNet, TheAvx2LstmCellGivesTheBaselinesBits) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "this CPU has no AVX2: only the baseline kernel runs here";
  Prng prng(6);
  // Pre-activations of every size the gates meet, the edges of det_expf's
  // branches (its overflow and underflow limits, the subnormal results
  // between them, tanh's clamps at +-15, signed zeros) among them.
  const float edges[] = {0.0f,  -0.0f,  15.0f,  -15.0f,  15.0001f, -15.0001f, 44.0f,     -44.0f,   -43.7f,
                         -51.9f, 51.9f, -87.3f, -88.0f,  -90.0f,   -103.9f,   -104.0f,   88.72f,   88.73f,
                         -200.0f, 200.0f, 1e-30f, -1e-30f, 0.5f, -0.5f, 3.4e38f, -3.4e38f};
  for (std::size_t h_n : {64u, 32u, 13u, 8u, 1u}) {
    for (int round = 0; round < 400; ++round) {
      std::vector<float> g(4 * h_n), c(h_n);
      for (auto& v : g) {
        const double u = prng.uniform01();
        v = u < 0.1 ? edges[prng.below(std::size(edges))]
                    : static_cast<float>(prng.normal() * (u < 0.5 ? 2.0 : u < 0.9 ? 10.0 : 60.0));
      }
      for (auto& v : c) v = static_cast<float>(prng.normal() * 4);
      std::vector<float> c1 = c, c2 = c, h1(h_n), h2(h_n);
      detail::lstm_cell_generic(g.data(), h_n, c1.data(), h1.data());
      detail::lstm_cell_avx2(g.data(), h_n, c2.data(), h2.data());
      for (std::size_t k = 0; k < h_n; ++k) {
        ASSERT_EQ(std::bit_cast<std::uint32_t>(c1[k]), std::bit_cast<std::uint32_t>(c2[k])) << "c[" << k << "]";
        ASSERT_EQ(std::bit_cast<std::uint32_t>(h1[k]), std::bit_cast<std::uint32_t>(h2[k])) << "h[" << k << "]";
      }
    }
  }
}

TEST(NativeNet, SigmoidAndTanhAreSaneEverywhere) {
  EXPECT_EQ(det_sigmoidf(0.0f), 0.5f);
  EXPECT_EQ(det_tanhf(0.0f), 0.0f);
  for (float x : {20.0f, 50.0f, 100.0f, 1e6f, 3e38f, kInf}) {
    SCOPED_TRACE(x);
    EXPECT_EQ(det_sigmoidf(x), 1.0f);
    EXPECT_GE(det_sigmoidf(-x), 0.0f);
    EXPECT_LT(det_sigmoidf(-x), 1e-8f);
    EXPECT_FALSE(std::isnan(det_sigmoidf(-x)));
    EXPECT_EQ(det_tanhf(x), 1.0f);
    EXPECT_EQ(det_tanhf(-x), -1.0f);
  }
  double worst_sigmoid = 0, worst_tanh = 0;
  for (int i = -40'000; i <= 40'000; ++i) {
    const float x = static_cast<float>(i) * 1e-3f;
    const double xd = x;
    worst_sigmoid = std::max(worst_sigmoid, std::abs(det_sigmoidf(x) - 1.0 / (1.0 + std::exp(-xd))));
    worst_tanh = std::max(worst_tanh, std::abs(det_tanhf(x) - std::tanh(xd)));
  }
  EXPECT_LE(worst_sigmoid, 1e-6);
  EXPECT_LE(worst_tanh, 1e-6);
}

TEST(NativeNet, EveryKindMatchesTorchWithin1e5) {
  TorchBackend* torch = load_backend();
  ASSERT_NE(torch, nullptr);
  for (NetKind kind : {NetKind::logistic, NetKind::lstm, NetKind::transformer}) {
    SCOPED_TRACE(std::string(net_kind_name(kind)));
    const NetShape shape = tiny_shape(kind);
    const auto tensors = random_tensors(shape, 11 + static_cast<int>(kind));
    auto net = NativeNet::make(shape, tensors);
    ASSERT_TRUE(net.has_value()) << net.error();
    const TrainSet windows = random_set(shape, 64, 5);
    auto reference = torch->predict(shape, tensors, windows);
    ASSERT_TRUE(reference.has_value()) << reference.error();
    ASSERT_EQ(reference->size(), windows.size());
    double worst = 0;
    double spread_lo = 1, spread_hi = 0;
    for (std::size_t i = 0; i < windows.size(); ++i) {
      const float p = det_sigmoidf(net->logit(window_of(windows, i)));
      worst = std::max(worst, static_cast<double>(std::abs(p - (*reference)[i])));
      spread_lo = std::min(spread_lo, static_cast<double>(p));
      spread_hi = std::max(spread_hi, static_cast<double>(p));
    }
    EXPECT_LE(worst, 1e-5);
    // The weights are large enough that the comparison is not of constants.
    EXPECT_GT(spread_hi - spread_lo, 0.05) << "probabilities from " << spread_lo << " to " << spread_hi;
  }
}

TEST(NativeNet, TheEmbeddingFeedsTheHeadAndTheHeadCanBeReplaced) {
  for (NetKind kind : {NetKind::logistic, NetKind::lstm, NetKind::transformer}) {
    SCOPED_TRACE(std::string(net_kind_name(kind)));
    const NetShape shape = tiny_shape(kind);
    const auto tensors = random_tensors(shape, 21);
    auto net = NativeNet::make(shape, tensors);
    ASSERT_TRUE(net.has_value()) << net.error();
    const std::size_t width = kind == NetKind::logistic ? shape.inputs : shape.hidden;
    EXPECT_EQ(net->embedding_size(), width);
    EXPECT_EQ(net->shape(), shape);
    EXPECT_EQ(weights_hash(net->tensors()), weights_hash(tensors));

    const TrainSet windows = random_set(shape, 1, 6);
    std::vector<float> embedding;
    const float logit = net->forward(window_of(windows, 0), embedding);
    ASSERT_EQ(embedding.size(), width);
    float by_hand = net->head_bias();
    for (std::size_t i = 0; i < width; ++i) by_hand += net->head_weight()[i] * embedding[i];
    EXPECT_EQ(logit, by_hand);
    EXPECT_EQ(net->logit(window_of(windows, 0)), logit);

    std::vector<float> head(width);
    for (std::size_t i = 0; i < width; ++i) head[i] = 0.01f * static_cast<float>(i + 1);
    net->set_head(head, -0.25f);
    const auto now = net->tensors();
    ASSERT_EQ(now.size(), tensors.size());
    EXPECT_EQ(now[now.size() - 2].name, "head.weight");
    EXPECT_EQ(now[now.size() - 2].values, head);
    EXPECT_EQ(now.back().name, "head.bias");
    EXPECT_EQ(now.back().values, std::vector<float>{-0.25f});
    for (std::size_t t = 0; t + 2 < now.size(); ++t) EXPECT_EQ(now[t].values, tensors[t].values) << now[t].name;
    EXPECT_NE(weights_hash(now), weights_hash(tensors));
    EXPECT_EQ(std::vector<float>(net->head_weight().begin(), net->head_weight().end()), head);
    std::vector<float> again;
    const float relogit = net->forward(window_of(windows, 0), again);
    EXPECT_EQ(again, embedding);  // the body did not change
    float expected = -0.25f;
    for (std::size_t i = 0; i < width; ++i) expected += head[i] * embedding[i];
    EXPECT_EQ(relogit, expected);
  }
}

TEST(NativeNet, MakeRefusesTensorsThatDoNotFitTheShape) {
  const NetShape shape = tiny_shape(NetKind::lstm);
  auto tensors = random_tensors(shape, 1);
  auto fewer = tensors;
  fewer.pop_back();
  auto a = NativeNet::make(shape, fewer);
  ASSERT_FALSE(a.has_value());
  EXPECT_NE(a.error().find("network has 5 tensors, its shape needs 6"), std::string::npos) << a.error();
  auto short_values = tensors;
  short_values[2].values.pop_back();
  auto b = NativeNet::make(shape, short_values);
  ASSERT_FALSE(b.has_value());
  EXPECT_NE(b.error().find("'lstm.bias_ih_l0'"), std::string::npos) << b.error();
}

TrainOptions tiny_options(std::uint64_t seed) {
  TrainOptions o;
  o.seed = seed;
  o.max_epochs = 2;
  o.patience = 5;
  o.batch = 32;
  o.learning_rate = 0.01;
  return o;
}

TEST(NativeNet, TrainingIsDeterministicInItsSeed) {
  TorchBackend* torch = load_backend();
  ASSERT_NE(torch, nullptr);
  for (NetKind kind : {NetKind::logistic, NetKind::lstm, NetKind::transformer}) {
    SCOPED_TRACE(std::string(net_kind_name(kind)));
    const NetShape shape = tiny_shape(kind);
    const auto layout = expected_tensors(shape);
    const TrainSet train = random_set(shape, 192, 1);
    const TrainSet validation = random_set(shape, 48, 2);
    std::vector<int> epochs_seen;
    TrainOptions o = tiny_options(7);
    o.on_epoch = [&](const EpochReport& e) {
      epochs_seen.push_back(e.epoch);
      EXPECT_EQ(e.tensors.size(), layout.size());
      EXPECT_TRUE(std::isfinite(e.train_loss));
      EXPECT_TRUE(std::isfinite(e.validation_loss));
    };
    auto first = torch->train(shape, layout, train, validation, o);
    ASSERT_TRUE(first.has_value()) << first.error();
    EXPECT_EQ(epochs_seen, (std::vector<int>{1, 2}));
    EXPECT_EQ(first->epochs_run, 2);
    EXPECT_GE(first->best_epoch, 1);
    EXPECT_LE(first->best_epoch, 2);
    auto second = torch->train(shape, layout, train, validation, tiny_options(7));
    ASSERT_TRUE(second.has_value()) << second.error();
    EXPECT_EQ(weights_hash(first->tensors), weights_hash(second->tensors));
    EXPECT_EQ(first->best_validation_loss, second->best_validation_loss);
    auto other = torch->train(shape, layout, train, validation, tiny_options(8));
    ASSERT_TRUE(other.has_value()) << other.error();
    EXPECT_NE(weights_hash(first->tensors), weights_hash(other->tensors));

    // The weights come back in the layout's order, names and shapes.
    ASSERT_EQ(first->tensors.size(), layout.size());
    for (std::size_t i = 0; i < layout.size(); ++i) {
      EXPECT_EQ(first->tensors[i].name, layout[i].name);
      EXPECT_EQ(first->tensors[i].shape, layout[i].shape);
      EXPECT_EQ(first->tensors[i].values.size(), layout[i].numel());
    }
    // And native inference reads trained weights as Torch does.
    auto net = NativeNet::make(shape, first->tensors);
    ASSERT_TRUE(net.has_value()) << net.error();
    auto reference = torch->predict(shape, first->tensors, validation);
    ASSERT_TRUE(reference.has_value()) << reference.error();
    double worst = 0;
    for (std::size_t i = 0; i < validation.size(); ++i)
      worst = std::max(worst, static_cast<double>(std::abs(det_sigmoidf(net->logit(window_of(validation, i))) -
                                                           (*reference)[i])));
    EXPECT_LE(worst, 1e-5);
  }
}

TEST(NativeNet, TrainingStopsEarlyOnNoise) {
  TorchBackend* torch = load_backend();
  ASSERT_NE(torch, nullptr);
  const NetShape shape = tiny_shape(NetKind::lstm);
  TrainOptions o = tiny_options(3);
  o.max_epochs = 50;
  o.patience = 1;
  o.learning_rate = 0.02;
  auto r = torch->train(shape, expected_tensors(shape), random_set(shape, 192, 3), random_set(shape, 64, 4), o);
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_LT(r->epochs_run, 50);
  // Patience 1: it stops at the first epoch that does not improve.
  EXPECT_EQ(r->epochs_run, r->best_epoch + 1);
  EXPECT_TRUE(std::isfinite(r->best_validation_loss));
}

TEST(NativeNet, TrainingRefusesSetsThatDoNotFit) {
  TorchBackend* torch = load_backend();
  ASSERT_NE(torch, nullptr);
  const NetShape shape = tiny_shape(NetKind::lstm);
  const auto layout = expected_tensors(shape);
  const TrainSet train = random_set(shape, 32, 1);
  TrainSet empty;
  empty.inputs = shape.inputs;
  empty.window = shape.window;
  auto e = torch->train(shape, layout, train, empty, tiny_options(1));
  ASSERT_FALSE(e.has_value());
  EXPECT_NE(e.error().find("the validation set is empty"), std::string::npos) << e.error();
  NetShape other = shape;
  other.window = 5;
  auto w = torch->train(shape, layout, train, random_set(other, 8, 2), tiny_options(1));
  ASSERT_FALSE(w.has_value());
  EXPECT_NE(w.error().find("the validation set has windows of 5 x 6; the network takes 10 x 6"), std::string::npos)
      << w.error();
}

}  // namespace
}  // namespace verity
