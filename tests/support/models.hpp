// Model files for tests that need a valid one without training: a logistic
// regression on close and rsi, all weights `weight`.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "models/model_file.hpp"

namespace verity::testing {

inline ModelFile small_model(const std::string& name, const std::string& version, float weight = 0.25f) {
  ModelFile m;
  m.name = name;
  m.version = version;
  m.shape.kind = NetKind::logistic;
  m.shape.inputs = 2;
  m.shape.window = 1;
  m.features = {"close", "rsi"};
  m.horizon_bars = 15;
  m.symbols = {"BTCUSDT"};
  m.train_data_hash = hash128(std::string_view("training bars"));
  m.seed = 7;
  m.normalizer.mean = {100.0, 50.0};
  m.normalizer.scale = {10.0, 20.0};
  m.tensors = expected_tensors(m.shape);
  for (auto& t : m.tensors) t.values.assign(t.numel(), weight);
  return m;
}

/// Saves small_model(name, version, weight) at `path` and returns the path.
inline std::string write_small_model(const std::string& path, const std::string& name, const std::string& version,
                                     float weight = 0.25f) {
  auto h = save_model_file(small_model(name, version, weight), path);
  EXPECT_TRUE(h.has_value()) << h.error();
  return path;
}

}  // namespace verity::testing
