#include "models/calibration.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>

#include "actors/runtime/detmath.hpp"
#include "models/metrics.hpp"

namespace verity {
namespace {

constexpr int kPlattMaxIterations = 100;
constexpr double kPlattStepTolerance = 1e-12;
constexpr double kPlattMinStep = 0x1p-40;
// Added to the Hessian's diagonal so a nearly constant feature still solves
// (Lin, Lin and Weng, "A note on Platt's probabilistic outputs", 2007).
constexpr double kPlattRidge = 1e-12;
// Armijo's sufficient-decrease fraction, and the loss's rounding noise a
// step may add without being rejected (near the optimum a Newton step's
// gain is below what the sums can resolve).
constexpr double kArmijo = 1e-4;
constexpr double kLossNoise = 1e-13;

double logit(double p) { return det_log(p / (1.0 - p)); }

double sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + det_exp(-z));
  const double e = det_exp(z);
  return e / (1.0 + e);
}

/// log(1 + e^z) without overflow.
double softplus(double z) { return z > 0 ? z + det_log(1.0 + det_exp(-z)) : det_log(1.0 + det_exp(z)); }

struct PlattData {
  std::vector<double> f;  // logit of the clipped raw probability
  std::vector<double> t;  // Platt's smoothed target
};

/// Cross-entropy of sigmoid(a f + b) against the targets, summed in order.
double platt_loss(const PlattData& d, double a, double b) {
  double loss = 0;
  for (std::size_t i = 0; i < d.f.size(); ++i) {
    // -log p = softplus(-z) and -log(1 - p) = softplus(z) = softplus(-z) + z.
    const double z = a * d.f[i] + b;
    loss += softplus(-z) + (1.0 - d.t[i]) * z;
  }
  return loss;
}

PlattData platt_data(std::span<const double> raw, std::span<const int> labels) {
  std::uint64_t positives = 0;
  for (int y : labels) positives += y == 1 ? 1 : 0;
  const std::uint64_t negatives = labels.size() - positives;
  const double hi = (static_cast<double>(positives) + 1.0) / (static_cast<double>(positives) + 2.0);
  const double lo = 1.0 / (static_cast<double>(negatives) + 2.0);
  PlattData d;
  d.f.reserve(raw.size());
  d.t.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    d.f.push_back(logit(std::clamp(raw[i], kPlattRawClip, 1.0 - kPlattRawClip)));
    d.t.push_back(labels[i] == 1 ? hi : lo);
  }
  return d;
}

/// Every feature equal: the loss is flat along a, so keep a = 1 and solve
/// sigmoid(f + b) = mean target for b.
std::pair<double, double> platt_constant_feature(const PlattData& d) {
  double t_sum = 0;
  for (double t : d.t) t_sum += t;
  const double t_mean = t_sum / static_cast<double>(d.t.size());
  return {1.0, logit(t_mean) - d.f.front()};
}

/// One Newton iteration with step halving. Returns false when the fit should
/// stop (converged, or no step lowers the loss).
bool platt_newton_step(const PlattData& d, double& a, double& b, double& loss) {
  double g_a = 0, g_b = 0, h_aa = 0, h_ab = 0, h_bb = 0;
  for (std::size_t i = 0; i < d.f.size(); ++i) {
    const double p = sigmoid(a * d.f[i] + b);
    const double r = p - d.t[i];
    const double w = p * (1.0 - p);
    g_a += r * d.f[i];
    g_b += r;
    h_aa += w * d.f[i] * d.f[i];
    h_ab += w * d.f[i];
    h_bb += w;
  }
  h_aa += kPlattRidge;
  h_bb += kPlattRidge;
  const double det = h_aa * h_bb - h_ab * h_ab;
  if (!(det > 0)) return false;
  const double da = -(h_bb * g_a - h_ab * g_b) / det;
  const double db = -(h_aa * g_b - h_ab * g_a) / det;
  if (!std::isfinite(da) || !std::isfinite(db)) return false;
  if (std::max(std::abs(da), std::abs(db)) < kPlattStepTolerance) {
    a += da;
    b += db;
    return false;
  }
  const double slope = g_a * da + g_b * db;  // negative: H is positive definite
  for (double step = 1.0; step >= kPlattMinStep; step /= 2.0) {
    const double na = a + step * da, nb = b + step * db;
    const double nl = platt_loss(d, na, nb);
    if (nl - loss <= kArmijo * step * slope + kLossNoise * std::abs(loss)) {
      a = na;
      b = nb;
      loss = nl;
      return std::max(std::abs(step * da), std::abs(step * db)) >= kPlattStepTolerance;
    }
  }
  return false;
}

struct PavBlock {
  std::uint64_t up = 0, count = 0;
  double max_raw = 0;
};

/// mean(a) > mean(b), exactly, in integers.
bool mean_exceeds(const PavBlock& a, const PavBlock& b) {
  return static_cast<unsigned __int128>(a.up) * b.count > static_cast<unsigned __int128>(b.up) * a.count;
}

std::vector<PavBlock> pool_adjacent_violators(std::span<const double> raw, std::span<const int> labels) {
  std::vector<std::size_t> order(raw.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t x, std::size_t y) { return raw[x] < raw[y] || (raw[x] == raw[y] && x < y); });
  std::vector<PavBlock> blocks;
  for (std::size_t i = 0; i < order.size();) {
    PavBlock group{0, 0, raw[order[i]]};
    for (; i < order.size() && raw[order[i]] == group.max_raw; ++i) {
      ++group.count;
      group.up += labels[order[i]] == 1 ? 1 : 0;
    }
    blocks.push_back(group);
    while (blocks.size() >= 2 && mean_exceeds(blocks[blocks.size() - 2], blocks.back())) {
      const PavBlock last = blocks.back();
      blocks.pop_back();
      blocks.back().up += last.up;
      blocks.back().count += last.count;
      blocks.back().max_raw = last.max_raw;
    }
  }
  return blocks;
}

}  // namespace

std::string_view calibration_kind_name(CalibrationKind kind) {
  switch (kind) {
    case CalibrationKind::none: return "none";
    case CalibrationKind::platt: return "platt";
    case CalibrationKind::isotonic: return "isotonic";
  }
  return "unknown";
}

std::expected<CalibrationKind, std::string> parse_calibration_kind(std::string_view name) {
  if (name == "none") return CalibrationKind::none;
  if (name == "platt") return CalibrationKind::platt;
  if (name == "isotonic") return CalibrationKind::isotonic;
  return std::unexpected(fmt::format("calibration: expected none, platt or isotonic, got '{}'", name));
}

std::expected<std::pair<double, double>, std::string> fit_platt(std::span<const double> raw_p_up,
                                                                std::span<const int> labels) {
  if (auto ok = check_probabilities_and_labels(raw_p_up, labels, "raw_p_up"); !ok) return std::unexpected(ok.error());
  const PlattData d = platt_data(raw_p_up, labels);
  const auto [f_min, f_max] = std::minmax_element(d.f.begin(), d.f.end());
  if (*f_min == *f_max) return platt_constant_feature(d);
  double a = 1.0, b = 0.0;
  double loss = platt_loss(d, a, b);
  for (int it = 0; it < kPlattMaxIterations; ++it) {
    if (!platt_newton_step(d, a, b, loss)) break;
  }
  if (!std::isfinite(a) || !std::isfinite(b))
    return std::unexpected(fmt::format("raw_p_up: the Platt fit diverged (a {}, b {})", a, b));
  return std::pair{a, b};
}

std::expected<std::pair<std::vector<double>, std::vector<double>>, std::string> fit_isotonic(
    std::span<const double> raw_p_up, std::span<const int> labels) {
  if (auto ok = check_probabilities_and_labels(raw_p_up, labels, "raw_p_up"); !ok) return std::unexpected(ok.error());
  std::vector<double> iso_x, iso_y;
  for (const PavBlock& block : pool_adjacent_violators(raw_p_up, labels)) {
    const double mean = static_cast<double>(block.up) / static_cast<double>(block.count);
    const double y = std::clamp(mean, kIsotonicOutputClip, 1.0 - kIsotonicOutputClip);
    if (!iso_y.empty() && iso_y.back() == y) {
      iso_x.back() = block.max_raw;
    } else {
      iso_x.push_back(block.max_raw);
      iso_y.push_back(y);
    }
  }
  return std::pair{std::move(iso_x), std::move(iso_y)};
}

std::expected<Calibration, std::string> fit_calibration(std::span<const double> raw_p_up,
                                                        std::span<const int> labels) {
  auto platt = fit_platt(raw_p_up, labels);
  if (!platt) return std::unexpected(platt.error());
  auto iso = fit_isotonic(raw_p_up, labels);
  if (!iso) return std::unexpected(iso.error());
  Calibration c;
  c.platt_a = platt->first;
  c.platt_b = platt->second;
  c.iso_x = std::move(iso->first);
  c.iso_y = std::move(iso->second);
  return c;
}

double calibrate(const Calibration& calibration, CalibrationKind kind, double raw_p_up) {
  if (std::isnan(raw_p_up)) return raw_p_up;
  const double raw = std::clamp(raw_p_up, 0.0, 1.0);
  switch (kind) {
    case CalibrationKind::none: return raw;
    case CalibrationKind::platt: {
      const double f = logit(std::clamp(raw, kPlattRawClip, 1.0 - kPlattRawClip));
      return sigmoid(calibration.platt_a * f + calibration.platt_b);
    }
    case CalibrationKind::isotonic: {
      const std::size_t steps = std::min(calibration.iso_x.size(), calibration.iso_y.size());
      if (steps == 0) return raw;
      const auto end = calibration.iso_x.begin() + static_cast<std::ptrdiff_t>(steps);
      const auto it = std::lower_bound(calibration.iso_x.begin(), end, raw);
      const std::size_t i = it == end ? steps - 1 : static_cast<std::size_t>(it - calibration.iso_x.begin());
      return calibration.iso_y[i];
    }
  }
  return raw;
}

}  // namespace verity
