// `verity train`: walk-forward training and evaluation of the networks, with
// the naive baselines in the same table, calibration fitted on validation
// data only, and the final models written as model files and registered as
// candidates (docs/MODELS.md).
//
// For every fold of the walk-forward plan (train, embargo, validation,
// embargo, test) and every network: the normaliser is fitted on the train
// split, the network is trained on it with early stopping on the validation
// loss, Platt and isotonic calibration are fitted on the validation split,
// and the test split is scored. LSTM and logistic models are trained per
// coin, the Transformer across coins. The final models are the last fold's.
//
// Deterministic: the same config, seed and data give the same weights hashes
// and the same report (timings aside).
#pragma once

#include <expected>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/runtime/config.hpp"
#include "models/model_file.hpp"

namespace verity {

struct TrainedModel {
  std::string name;      // e.g. "lstm-BTCUSDT"
  std::string tag;       // name@version ("" when not registered)
  std::string path;      // the model file written under train.output
  Hash128 file_hash;
  Hash128 weights_hash;
  bool gates_passed = false;
};

struct TrainRun {
  std::string output_dir;   // train.output/<seed>-<data hash>
  nlohmann::json report;    // the walk-forward table and everything behind it (report.json)
  std::vector<TrainedModel> models;
  std::string backend;      // "libtorch 1.13.1"
  double elapsed_s = 0;
};

struct TrainHooks {
  std::function<void(const std::string&)> progress;  // one line per epoch and per model
};

std::expected<TrainRun, std::string> run_training(const Config& config, const TrainHooks& hooks = {});

/// The summary line `verity train` prints last.
std::string train_summary_json(const TrainRun& run);

/// The walk-forward table as Markdown: one row per fold, symbol and model
/// (the networks, the ensemble and the baselines).
std::string walk_forward_markdown(const nlohmann::json& report);

}  // namespace verity
