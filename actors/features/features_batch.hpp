// Batch definitions of feature set 2: every column computed from the whole
// series at once, straight from its definition in docs/FEATURES.md, with no
// streaming state. They are the specification the FeatureEngine is tested
// against bit for bit, so each does the same arithmetic in the same order
// as its streaming twin (the block-aligned window sums included). Costs
// O(bars * window): for tests and cross-checks, not for the hot path.
#pragma once

#include <span>
#include <vector>

#include "actors/features/indicators.hpp"

namespace verity {

struct FeaturesConfig;

/// One row per bar, as FeatureEngine::update would give for the same bars.
std::vector<FeatureRow> compute_features_batch(std::span<const BarData> bars, const FeaturesConfig& config);

/// The window parts (see WindowParts) of the window of `n` values ending at
/// x[i], blocks counted from x[0]: the definition WindowSums streams.
WindowParts window_parts_at(std::span<const double> x, std::size_t i, std::size_t n, bool squares);

}  // namespace verity
