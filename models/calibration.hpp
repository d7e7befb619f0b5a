// Calibration: maps a network's raw probability of "up" to one that matches
// observed frequencies, by Platt scaling (a logistic regression on the raw
// logit) or isotonic regression (pool-adjacent-violators). Both fits are
// stored in a model file (verity::Calibration, models/model_file.hpp) and the
// config picks which one runs.
//
// The caller's duty: fit only on VALIDATION data, never on the samples the
// network was trained on (those raw probabilities are overconfident, and a
// calibration fitted on them undoes nothing) and never on test data (the test
// metrics would then be optimistic).
//
// Guarantees: fits are deterministic (fixed iteration order and limits, sums
// in input order, det_exp / det_log only), so the same samples always give the
// same bits. Bad input is an error value naming the argument; nothing crashes.
#pragma once

#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/model_file.hpp"

namespace verity {

enum class CalibrationKind { none, platt, isotonic };

/// "none", "platt", "isotonic".
std::string_view calibration_kind_name(CalibrationKind kind);
std::expected<CalibrationKind, std::string> parse_calibration_kind(std::string_view name);

/// Raw probabilities are clipped to [1e-6, 1 - 1e-6] before their logit is taken.
inline constexpr double kPlattRawClip = 1e-6;
/// Isotonic outputs are clipped to [1e-4, 1 - 1e-4].
inline constexpr double kIsotonicOutputClip = 1e-4;

/// Platt scaling: fits p = sigmoid(a * logit(raw) + b) by maximum likelihood
/// against Platt's smoothed targets, (N+ + 1) / (N+ + 2) for a label 1 and
/// 1 / (N- + 2) for a label 0 (so one class alone still has a finite fit).
/// Newton's method from (a, b) = (1, 0), at most 100 iterations, stopping
/// when a step moves a and b by less than 1e-12; a step that does not lower
/// the loss enough (Armijo's rule) is halved, down to 2^-40, after which the
/// fit stops where it is. When every clipped raw value is the same, the loss
/// does not depend on a: a = 1 and b solves the mean target. Returns (a, b).
std::expected<std::pair<double, double>, std::string> fit_platt(std::span<const double> raw_p_up,
                                                                std::span<const int> labels);

/// Isotonic regression by pool-adjacent-violators. Samples are sorted by raw
/// value; samples with the same raw value form one starting block; adjacent
/// blocks are pooled while an earlier block's mean label exceeds a later
/// one's. Returns (iso_x, iso_y): per block its largest raw value (strictly
/// ascending) and its mean label clipped to [1e-4, 1 - 1e-4] (non-decreasing).
/// Adjacent blocks whose outputs are equal are merged, which changes no
/// output of calibrate().
std::expected<std::pair<std::vector<double>, std::vector<double>>, std::string> fit_isotonic(
    std::span<const double> raw_p_up, std::span<const int> labels);

/// Both fits, into a Calibration for a model file.
std::expected<Calibration, std::string> fit_calibration(std::span<const double> raw_p_up, std::span<const int> labels);

/// Applies one calibration. `raw_p_up` is clamped into [0, 1] first; NaN
/// gives NaN.
///   none:     raw unchanged;
///   platt:    sigmoid(platt_a * logit(clip(raw, 1e-6, 1 - 1e-6)) + platt_b);
///   isotonic: iso_y of the first step whose iso_x >= raw, else the last
///             step's iso_y; with no steps, raw unchanged. (Only the first
///             min(iso_x.size(), iso_y.size()) steps are read.)
double calibrate(const Calibration& calibration, CalibrationKind kind, double raw_p_up);

}  // namespace verity
