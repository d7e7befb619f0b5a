// A trained model as one self-checking file: what network it is, which
// feature columns it reads and how they are normalised, its calibration, the
// statistics the learning actor compares live data against, and its weights.
//
// The bytes are "VERITYMODEL" + format version + a StateWriter body + the
// xxh3-128 of everything before it. decode() refuses anything that is not
// exactly such a file: a wrong magic or version, a truncated or bit-flipped
// file (the checksum), a tensor whose shape is not the one its network needs,
// a feature column that feature set 2 does not have, a normaliser of the
// wrong size. The error names the file and the field. A model that fails to
// decode never reaches the graph. Torch-free: training writes this format and
// inference in the graph reads it (models/native_net.hpp).
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "actors/runtime/hash.hpp"

namespace verity {

class StateWriter;
class StateReader;

enum class NetKind : std::uint8_t {
  logistic = 1,     // logistic regression on the last row of the window
  lstm = 2,         // one-layer LSTM over the window, then a linear head
  transformer = 3,  // input projection + learned positions, encoder layers, mean pool, linear head
};
std::string_view net_kind_name(NetKind k);
std::expected<NetKind, std::string> parse_net_kind(std::string_view name);

/// The network's size. `inputs` is the number of feature columns, `window`
/// the rows it looks at (1 for logistic). LSTM: `hidden` units. Transformer:
/// `hidden` is d_model, `heads` attention heads, `ff` the feed-forward width,
/// `layers` encoder layers.
struct NetShape {
  NetKind kind = NetKind::logistic;
  std::uint32_t inputs = 0;
  std::uint32_t window = 1;
  std::uint32_t hidden = 0;
  std::uint32_t layers = 0;
  std::uint32_t heads = 0;
  std::uint32_t ff = 0;
  friend bool operator==(const NetShape&, const NetShape&) = default;
};

/// One parameter tensor, row-major, named as in the Torch module
/// ("lstm.weight_ih_l0", "head.weight", ...).
struct NamedTensor {
  std::string name;
  std::vector<std::uint32_t> shape;
  std::vector<float> values;
  std::size_t numel() const {
    std::size_t n = 1;
    for (auto d : shape) n *= d;
    return n;
  }
};

/// The tensors `shape` needs, in the order files store them: names and
/// shapes, values empty. decode() checks a file against this list.
std::vector<NamedTensor> expected_tensors(const NetShape& shape);

/// Per-column z-scoring fitted on the training split: x' = (x - mean) / scale,
/// then clipped to +-clip. A NaN input (a column not warm yet) becomes 0.
struct Normalizer {
  std::vector<double> mean, scale;
  double clip = 8.0;
};

/// Maps a raw probability of "up" to a calibrated one. Both fits are stored
/// (fitted on validation data only); the config chooses which one runs.
struct Calibration {
  double platt_a = 1.0, platt_b = 0.0;  // p = sigmoid(a * logit(raw) + b)
  std::vector<double> iso_x, iso_y;     // isotonic steps: raw thresholds (ascending) and outputs
};

/// What the learning actor's drift test compares live features against:
/// for each input column, `quantiles` evenly spaced quantiles of its values
/// in the training split (the empirical CDF at that resolution).
struct DriftReference {
  std::vector<std::vector<double>> quantiles;  // [column][q]
  std::uint64_t samples = 0;                   // training rows behind them
};

/// Validation outcomes by pattern (models/confidence.hpp pattern_key): how
/// many were seen and how many the model called right. The sample floor
/// reads them.
struct PatternCount {
  std::uint64_t seen = 0, correct = 0;
  friend bool operator==(const PatternCount&, const PatternCount&) = default;
};

struct ModelFile {
  std::string name;     // e.g. "lstm-BTCUSDT", "transformer", "logistic-BNBUSDT"
  std::string version;  // semantic version, "1.0.0"
  NetShape shape;
  std::vector<std::string> features;  // feature set 2 column names, in input order
  std::int64_t horizon_bars = 15;     // the label: close[t + horizon] > close[t]
  std::vector<std::string> symbols;   // what it was trained on
  Hash128 train_data_hash;            // of the bars of the training split
  std::uint64_t seed = 0;
  Normalizer normalizer;
  Calibration calibration;
  DriftReference drift;
  std::map<std::string, PatternCount> patterns;
  std::vector<NamedTensor> tensors;  // in expected_tensors(shape) order

  /// The flat parameter count, for reports.
  std::size_t parameters() const;
};

/// The file's bytes. The same ModelFile always gives the same bytes.
std::string encode_model(const ModelFile& m);

/// Parses and validates `bytes`; `origin` (a path) names it in errors.
std::expected<ModelFile, std::string> decode_model(std::string_view bytes, const std::string& origin);

/// Reads and decodes a file. When `expected_hash` is given, the file's
/// xxh3-128 must equal it (the registry's record), else an error naming both.
std::expected<ModelFile, std::string> load_model_file(const std::string& path, const Hash128* expected_hash = nullptr);

/// Writes atomically (a temporary file, then rename); returns the file hash.
std::expected<Hash128, std::string> save_model_file(const ModelFile& m, const std::string& path);

/// A hash of the weights alone (names, shapes, values) — what changes when
/// online learning updates a model, and what a ModelUpdate message carries.
Hash128 weights_hash(const std::vector<NamedTensor>& tensors);

}  // namespace verity
