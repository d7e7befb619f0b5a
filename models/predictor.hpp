// One model file at work in the graph: per symbol, the last `window` feature
// rows (normalised as in training, models/dataset.hpp), and on each new row
// the network's probability of "up", raw and calibrated, with the embedding
// the head read (for online learning).
//
// A window is only scored when it is like a training sample: `window`
// consecutive 1-minute rows, each with every input column warm. A row with a
// NaN input or a gap in time starts the window again.
#pragma once

#include <deque>
#include <expected>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "models/calibration.hpp"
#include "models/model_file.hpp"
#include "models/native_net.hpp"

namespace verity {

class StateWriter;
class StateReader;

struct ModelOutput {
  double raw_p_up = 0;
  double p_up = 0;  // calibrated
  std::vector<float> embedding;
};

class ModelRunner {
 public:
  static std::expected<ModelRunner, std::string> make(const ModelFile& file, CalibrationKind calibration);

  const ModelFile& file() const { return *file_; }
  const NativeNet& net() const { return net_; }
  /// Feature set 2 indices of the model's input columns.
  const std::vector<std::size_t>& columns() const { return columns_; }

  /// One feature vector (all feature set 2 values) of `symbol`, closing at
  /// `close_time_ns`, into the symbol's window. Every bar is pushed, scan or
  /// not, so the window is the last `window` minutes whatever the cycle.
  void push(const std::string& symbol, std::int64_t close_time_ns, std::span<const double> values);

  /// The prediction over the symbol's window as it stands; nullopt until it
  /// is full (or after a cold row or a gap emptied it).
  std::optional<ModelOutput> score(const std::string& symbol);

  /// Online learning's new head (sizes asserted); the weights hash follows.
  void set_head(std::span<const float> weight, float bias);
  Hash128 weights_hash() const { return verity::weights_hash(net_.tensors()); }

  /// The windows and the head: a loaded runner continues bit for bit.
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  struct Window {
    std::deque<std::vector<float>> rows;
    std::int64_t last_close_ns = 0;
  };
  const ModelFile* file_ = nullptr;  // owned by SessionModels, which outlives the session
  NativeNet net_;
  CalibrationKind calibration_ = CalibrationKind::none;
  std::vector<std::size_t> columns_;
  std::map<std::string, Window> windows_;
  std::vector<float> scratch_;
  std::vector<double> raw_;
};

}  // namespace verity
