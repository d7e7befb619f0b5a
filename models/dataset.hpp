// From bars to training samples, and the one normalisation both training and
// inference use.
//
// Bars run through the same FeatureEngine the features actor runs, so a
// model sees in training exactly the columns it will see in the graph. A
// sample is the bar t of one symbol: its input is the `window` rows ending at
// t (every column warm), its label whether the close `horizon` bars later is
// above the close at t. A sample whose window or horizon crosses a gap in the
// bars is skipped, and so is one whose label would be known only after the
// end of its split: no label leaks from one split into the next.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <vector>

#include "actors/runtime/hash.hpp"
#include "models/model_file.hpp"
#include "models/torch_backend.hpp"
#include "sim/walk_forward.hpp"

namespace verity {

class BarSource;
struct FeaturesConfig;

/// One symbol's bars as feature rows, in time order.
struct SeriesFeatures {
  std::string symbol;
  std::int64_t interval_ns = 0;
  std::vector<std::int64_t> close_time_ns;
  std::vector<double> close;
  std::vector<double> values;           // rows x columns.size(), NaN until warm
  std::vector<std::int8_t> ema_side;    // sign(ema_fast - ema_slow), 0 until both are warm: the baseline's call
  std::vector<std::int8_t> vol_regime;  // 0, 1, 2; -1 until warm
  std::vector<std::array<bool, 3>> sessions;  // Tokyo, London, New York open
  Hash128 bars_hash;                    // of the bars themselves (time, OHLCV), in order
  std::size_t rows() const { return close.size(); }
};

/// Feature-set-2 column indices of a comma-separated list of names; an
/// unknown or repeated name is an error naming it.
std::expected<std::vector<std::size_t>, std::string> resolve_columns(const std::string& list,
                                                                     std::vector<std::string>* names = nullptr);

/// Reads every bar of `bars` (several symbols may be merged) and computes
/// feature rows per symbol, keeping the `columns`.
std::expected<std::vector<SeriesFeatures>, std::string> build_series(BarSource& bars, const FeaturesConfig& config,
                                                                     const std::vector<std::size_t>& columns);

struct Sample {
  std::uint32_t series = 0;  // index into the series list
  std::uint32_t t = 0;       // the bar the prediction is made at
  int label = 0;             // 1: the close `horizon` bars later is higher
};

/// The samples of one split: bars t of the named series (all when
/// `symbols` is empty) whose close time is in `window` and whose label's bar
/// also closes inside it, taking every `stride`-th eligible bar counted from
/// the window's first. Rows t - window + 1 .. t must be warm and contiguous.
std::vector<Sample> split_samples(const std::vector<SeriesFeatures>& series, const TimeWindow& window,
                                  std::int64_t horizon_bars, std::int64_t input_rows, std::int64_t stride,
                                  const std::vector<std::string>& symbols = {});

/// Column means and scales over the rows of `samples`' series whose close
/// time is in `window` (the training split only). A column with no spread
/// gets scale 1.
Normalizer fit_normalizer(const std::vector<SeriesFeatures>& series, const TimeWindow& window,
                          const std::vector<std::string>& symbols, std::size_t columns);

/// The one normalisation, for training and inference alike:
/// out[i] = clamp((raw[i] - mean[i]) / scale[i], -clip, clip); NaN -> 0.
void normalize_row(const Normalizer& n, std::span<const double> raw, std::span<float> out);

/// Dense windows of `samples`, normalised, `input_rows` rows each.
TrainSet make_train_set(const std::vector<SeriesFeatures>& series, const std::vector<Sample>& samples,
                        std::int64_t input_rows, const Normalizer& normalizer);

/// A hash of what a split read: symbol, first and last close time, and the
/// bars hash of each series it touches.
Hash128 split_hash(const std::vector<SeriesFeatures>& series, const TimeWindow& window,
                   const std::vector<std::string>& symbols);

}  // namespace verity
