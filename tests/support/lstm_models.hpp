// LSTM model files for live tests and benchmarks that need the real network
// at work without training one: the benchmark's shape (64 hidden units over
// 60 one-minute steps) with seeded small random weights, plus a few chosen
// ones that make it a one-minute momentum follower, so it signals often:
// the forget gate is shut, the input and output gates open, and hidden
// unit 0 follows the newest log return, which the head reads with a large
// weight. Every weight takes part in every forward pass: the cost is a
// trained network's. The features warm within 300 bars (rsi_15m last).
#pragma once

#include <cmath>
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/runtime/prng.hpp"
#include "actors/runtime/config.hpp"
#include "models/model_file.hpp"
#include "models/registry.hpp"

namespace verity::testing {

inline const std::vector<std::string>& quick_lstm_features() {
  static const std::vector<std::string> f = {"log_return", "rsi",     "bb_pct_b",       "volatility", "momentum",
                                             "volume_z",   "rsi_15m", "session_london", "hour_utc"};
  return f;
}

inline ModelFile momentum_lstm(const std::string& symbol, std::uint64_t seed, std::uint32_t hidden = 64,
                               std::uint32_t window = 60) {
  ModelFile m;
  m.name = "lstm-" + symbol;
  m.version = "1.0.0";
  m.features = quick_lstm_features();
  m.shape = {NetKind::lstm, static_cast<std::uint32_t>(m.features.size()), window, hidden, 1, 0, 0};
  m.horizon_bars = 15;
  m.symbols = {symbol};
  m.train_data_hash = hash128(std::string_view("no training: tests/support/lstm_models.hpp"));
  m.seed = seed;
  // Rough scales of each column on 1-minute bars, so inputs are about unit size.
  m.normalizer.mean = {0, 50, 0.5, 0, 0, 0, 50, 0.5, 11.5};
  m.normalizer.scale = {1e-3, 20, 0.5, 1e-3, 1e-2, 1, 20, 0.5, 7};
  m.tensors = expected_tensors(m.shape);
  Prng prng(seed);
  for (auto& t : m.tensors) {
    t.values.resize(t.numel());
    for (auto& v : t.values) v = static_cast<float>((prng.uniform01() - 0.5) * 0.1);
  }
  const std::size_t h = hidden;
  auto tensor = [&m](const char* name) -> std::vector<float>& {
    for (auto& t : m.tensors)
      if (t.name == name) return t.values;
    throw std::logic_error(std::string("no tensor ") + name);
  };
  auto& bias = tensor("lstm.bias_ih_l0");
  for (std::size_t k = 0; k < h; ++k) {
    bias[k] = 6.0f;           // input gate open
    bias[h + k] = -6.0f;      // forget gate shut: the newest step decides
    bias[3 * h + k] = 6.0f;   // output gate open
  }
  tensor("lstm.weight_ih_l0")[(2 * h) * m.features.size() + 0] = 3.0f;  // cell unit 0 <- log_return
  tensor("head.weight")[0] = 8.0f;
  tensor("head.bias")[0] = 0.0f;
  return m;
}

/// Registers `models` in a registry at `dir` (created), each at its own
/// version, gates unevaluated (a session names the exact version).
inline std::expected<void, std::string> register_models(const std::string& dir, const std::vector<ModelFile>& models) {
  auto reg = ModelRegistry::open(dir, true);
  if (!reg) return std::unexpected(reg.error());
  std::filesystem::create_directories(dir + "/incoming");
  for (const ModelFile& m : models) {
    const std::string path = dir + "/incoming/" + m.name + ".vmodel";
    if (auto saved = save_model_file(m, path); !saved) return std::unexpected(saved.error());
    auto added = reg->add(path, nlohmann::json::object(), nlohmann::json::object(), GateConfig{}, 0);
    if (!added) return std::unexpected(added.error());
  }
  return {};
}

/// A config's model keys for a session of the momentum LSTMs in `registry`.
inline void use_momentum_lstms(Config& c, const std::string& registry) {
  c.model.strategy = "lstm";
  c.model.registry = registry;
  c.model.lstm_version = "1.0.0";
  c.model.calibration = "none";
  c.model.pattern_floor = 0;
}

}  // namespace verity::testing
