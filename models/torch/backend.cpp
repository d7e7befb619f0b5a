// The LibTorch backend (models/torch_backend.hpp): the networks as Torch
// modules, their training loop and batched prediction. This is the only
// translation unit that includes Torch; it is built into the dlopen'ed module
// libverity_torch.so and sees nothing of the engine but header-only structs.
//
// The modules mirror models/native_net.cpp operation for operation (the
// tests compare the two): an LSTM with Torch's gate order, and a post-norm
// Transformer encoder written out from Linear and LayerNorm so that every
// parameter has the name expected_tensors() gives it.
#include <torch/torch.h>

#include <cmath>
#include <map>

#include "models/torch_backend.hpp"

namespace verity {
namespace {

struct EncoderLayerImpl : torch::nn::Module {
  torch::nn::Linear qkv{nullptr}, out{nullptr}, ff1{nullptr}, ff2{nullptr};
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  std::int64_t heads;
  EncoderLayerImpl(std::int64_t d, std::int64_t h, std::int64_t ff) : heads(h) {
    qkv = register_module("qkv", torch::nn::Linear(d, 3 * d));
    out = register_module("out", torch::nn::Linear(d, d));
    norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d}).eps(1e-5)));
    ff1 = register_module("ff1", torch::nn::Linear(d, ff));
    ff2 = register_module("ff2", torch::nn::Linear(ff, d));
    norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d}).eps(1e-5)));
  }
  torch::Tensor forward(torch::Tensor x) {  // [B, S, D]
    const auto b = x.size(0), s = x.size(1), d = x.size(2), dh = d / heads;
    auto parts = qkv->forward(x).chunk(3, -1);
    auto split = [&](const torch::Tensor& t) { return t.reshape({b, s, heads, dh}).transpose(1, 2); };
    auto q = split(parts[0]), k = split(parts[1]), v = split(parts[2]);
    auto scores = torch::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(dh)));
    auto attended = torch::matmul(torch::softmax(scores, -1), v).transpose(1, 2).reshape({b, s, d});
    x = norm1->forward(x + out->forward(attended));
    return norm2->forward(x + ff2->forward(torch::relu(ff1->forward(x))));
  }
};
TORCH_MODULE(EncoderLayer);

struct NetImpl : torch::nn::Module {
  NetShape shape;
  torch::nn::LSTM lstm{nullptr};
  torch::nn::Linear input{nullptr}, head{nullptr};
  torch::Tensor position;
  std::vector<EncoderLayer> layers;

  explicit NetImpl(const NetShape& s) : shape(s) {
    std::int64_t head_in = s.inputs;
    if (s.kind == NetKind::lstm) {
      lstm = register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(s.inputs, s.hidden).batch_first(true)));
      head_in = s.hidden;
    } else if (s.kind == NetKind::transformer) {
      input = register_module("input", torch::nn::Linear(s.inputs, s.hidden));
      position = register_parameter("position", torch::randn({static_cast<std::int64_t>(s.window), s.hidden}) * 0.02);
      for (std::uint32_t l = 0; l < s.layers; ++l)
        layers.push_back(register_module("layer" + std::to_string(l), EncoderLayer(s.hidden, s.heads, s.ff)));
      head_in = s.hidden;
    }
    head = register_module("head", torch::nn::Linear(head_in, 1));
  }

  torch::Tensor forward(torch::Tensor x) {  // [B, window, inputs] -> logits [B]
    torch::Tensor e;
    if (shape.kind == NetKind::logistic) {
      e = x.select(1, x.size(1) - 1);
    } else if (shape.kind == NetKind::lstm) {
      e = std::get<0>(lstm->forward(x)).select(1, x.size(1) - 1);
    } else {
      auto h = input->forward(x) + position;
      for (auto& layer : layers) h = layer->forward(h);
      e = h.mean(1);
    }
    return head->forward(e).squeeze(-1);
  }
};
TORCH_MODULE(Net);

void deterministic(std::uint64_t seed) {
  torch::set_num_threads(1);
  at::globalContext().setDeterministicAlgorithms(true, false);
  torch::manual_seed(seed);
}

torch::Tensor windows(const TrainSet& d) {
  return torch::from_blob(const_cast<float*>(d.x.data()),
                          {static_cast<std::int64_t>(d.size()), d.window, d.inputs}, torch::kFloat32)
      .clone();
}

std::expected<void, std::string> check_set(const NetShape& s, const TrainSet& d, const char* what) {
  if (d.inputs != s.inputs || d.window != s.window)
    return std::unexpected(std::string(what) + " has windows of " + std::to_string(d.window) + " x " +
                           std::to_string(d.inputs) + "; the network takes " + std::to_string(s.window) + " x " +
                           std::to_string(s.inputs));
  if (d.x.size() != d.size() * d.window * d.inputs)
    return std::unexpected(std::string(what) + ": " + std::to_string(d.x.size()) + " values for " +
                           std::to_string(d.size()) + " windows");
  return {};
}

std::expected<std::vector<NamedTensor>, std::string> extract(Net& net, const std::vector<NamedTensor>& layout) {
  std::map<std::string, torch::Tensor> params;
  for (const auto& p : net->named_parameters()) params.emplace(p.key(), p.value());
  if (params.size() != layout.size())
    return std::unexpected("the Torch module has " + std::to_string(params.size()) + " parameters, the layout " +
                           std::to_string(layout.size()));
  std::vector<NamedTensor> out;
  for (const auto& want : layout) {
    auto it = params.find(want.name);
    if (it == params.end()) return std::unexpected("the Torch module has no parameter '" + want.name + "'");
    auto t = it->second.detach().contiguous().to(torch::kFloat32);
    if (static_cast<std::size_t>(t.numel()) != want.numel())
      return std::unexpected("parameter '" + want.name + "' has " + std::to_string(t.numel()) + " values");
    NamedTensor nt{want.name, want.shape, {}};
    nt.values.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    out.push_back(std::move(nt));
  }
  return out;
}

std::expected<void, std::string> assign(Net& net, const std::vector<NamedTensor>& tensors) {
  torch::NoGradGuard no_grad;
  std::map<std::string, torch::Tensor> params;
  for (const auto& p : net->named_parameters()) params.emplace(p.key(), p.value());
  if (params.size() != tensors.size())
    return std::unexpected("the network needs " + std::to_string(params.size()) + " tensors, got " +
                           std::to_string(tensors.size()));
  for (const auto& t : tensors) {
    auto it = params.find(t.name);
    if (it == params.end()) return std::unexpected("the network has no parameter '" + t.name + "'");
    if (static_cast<std::size_t>(it->second.numel()) != t.values.size())
      return std::unexpected("tensor '" + t.name + "' has " + std::to_string(t.values.size()) + " values, the network " +
                             std::to_string(it->second.numel()));
    auto src = torch::from_blob(const_cast<float*>(t.values.data()), it->second.sizes(), torch::kFloat32);
    it->second.copy_(src);
  }
  return {};
}

double mean_loss(Net& net, const torch::Tensor& x, const torch::Tensor& y) {
  torch::NoGradGuard no_grad;
  net->eval();
  double total = 0;
  const std::int64_t n = x.size(0), batch = 2048;
  for (std::int64_t i = 0; i < n; i += batch) {
    const auto len = std::min(batch, n - i);
    auto logits = net->forward(x.narrow(0, i, len));
    total += torch::binary_cross_entropy_with_logits(logits, y.narrow(0, i, len), {}, {}, at::Reduction::Sum)
                 .item<double>();
  }
  return n > 0 ? total / static_cast<double>(n) : 0.0;
}

class Backend final : public TorchBackend {
 public:
  std::expected<TrainOutcome, std::string> train(const NetShape& shape, const std::vector<NamedTensor>& layout,
                                                 const TrainSet& train_set, const TrainSet& validation,
                                                 const TrainOptions& o) override {
    if (auto ok = check_set(shape, train_set, "the training set"); !ok) return std::unexpected(ok.error());
    if (auto ok = check_set(shape, validation, "the validation set"); !ok) return std::unexpected(ok.error());
    if (train_set.size() == 0) return std::unexpected("the training set is empty");
    if (validation.size() == 0) return std::unexpected("the validation set is empty");
    if (o.batch < 1 || o.max_epochs < 1 || o.patience < 1)
      return std::unexpected("batch, max_epochs and patience must be at least 1");
    deterministic(o.seed);
    Net net(shape);
    const auto x = windows(train_set);
    const auto y = torch::from_blob(const_cast<float*>(train_set.y.data()), {static_cast<std::int64_t>(train_set.size())},
                                    torch::kFloat32)
                       .clone();
    const auto vx = windows(validation);
    const auto vy = torch::from_blob(const_cast<float*>(validation.y.data()),
                                     {static_cast<std::int64_t>(validation.size())}, torch::kFloat32)
                        .clone();
    torch::optim::Adam optimizer(net->parameters(),
                                 torch::optim::AdamOptions(o.learning_rate).weight_decay(o.weight_decay));
    TrainOutcome result;
    double best = std::numeric_limits<double>::infinity();
    int since_best = 0;
    const std::int64_t n = x.size(0);
    for (int epoch = 1; epoch <= o.max_epochs; ++epoch) {
      net->train();
      auto order = torch::randperm(n, torch::TensorOptions().dtype(torch::kLong));
      double total = 0;
      for (std::int64_t i = 0; i < n; i += o.batch) {
        auto idx = order.narrow(0, i, std::min<std::int64_t>(o.batch, n - i));
        optimizer.zero_grad();
        auto loss = torch::binary_cross_entropy_with_logits(net->forward(x.index_select(0, idx)), y.index_select(0, idx));
        loss.backward();
        torch::nn::utils::clip_grad_norm_(net->parameters(), 1.0);
        optimizer.step();
        total += loss.item<double>() * static_cast<double>(idx.size(0));
      }
      EpochReport report;
      report.epoch = epoch;
      report.train_loss = total / static_cast<double>(n);
      report.validation_loss = mean_loss(net, vx, vy);
      report.improved = report.validation_loss < best;
      auto tensors = extract(net, layout);
      if (!tensors) return std::unexpected(tensors.error());
      report.tensors = *tensors;
      result.epochs_run = epoch;
      if (report.improved) {
        best = report.validation_loss;
        result.best_epoch = epoch;
        result.best_validation_loss = best;
        result.tensors = *tensors;
        since_best = 0;
      } else {
        ++since_best;
      }
      if (o.on_epoch) o.on_epoch(report);
      if (since_best >= o.patience) break;
    }
    return result;
  }

  std::expected<std::vector<float>, std::string> predict(const NetShape& shape, const std::vector<NamedTensor>& tensors,
                                                         const TrainSet& data) override {
    if (auto ok = check_set(shape, data, "the data"); !ok) return std::unexpected(ok.error());
    deterministic(0);
    Net net(shape);
    if (auto ok = assign(net, tensors); !ok) return std::unexpected(ok.error());
    torch::NoGradGuard no_grad;
    net->eval();
    const auto x = windows(data);
    std::vector<float> out;
    out.reserve(data.size());
    const std::int64_t n = x.size(0), batch = 2048;
    for (std::int64_t i = 0; i < n; i += batch) {
      auto p = torch::sigmoid(net->forward(x.narrow(0, i, std::min(batch, n - i)))).contiguous();
      out.insert(out.end(), p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
    }
    return out;
  }

  std::string version() const override { return std::string("libtorch ") + TORCH_VERSION; }
};

}  // namespace
}  // namespace verity

extern "C" verity::TorchBackend* verity_torch_backend_v1() {
  static verity::Backend backend;
  return &backend;
}
