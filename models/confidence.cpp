#include "models/confidence.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "actors/runtime/state_archive.hpp"

namespace verity {
namespace {

constexpr std::array<TierLevel, 3> kTiers = {TierLevel::low, TierLevel::medium, TierLevel::high};

int level(TierLevel t) { return static_cast<int>(t); }

/// An enum value past high (a caller's cast) counts as high.
TierLevel sanitize(TierLevel t) { return level(t) > level(TierLevel::high) ? TierLevel::high : t; }

}  // namespace

std::expected<double, std::string> ensemble_probability(std::span<const std::pair<double, double>> weight_and_p_up) {
  if (weight_and_p_up.empty()) return std::unexpected("weight_and_p_up: expected at least one member, got none");
  double weight_sum = 0, weighted_p_sum = 0;
  for (std::size_t i = 0; i < weight_and_p_up.size(); ++i) {
    const auto [weight, p] = weight_and_p_up[i];
    if (!std::isfinite(weight) || weight < 0)
      return std::unexpected(
          fmt::format("weight_and_p_up[{}]: expected a finite weight >= 0, got {}", i, weight));
    if (!(p >= 0.0 && p <= 1.0))
      return std::unexpected(fmt::format("weight_and_p_up[{}]: expected p_up in [0, 1], got {}", i, p));
    weight_sum += weight;
    weighted_p_sum += weight * p;
  }
  if (!(weight_sum > 0) || !std::isfinite(weight_sum))
    return std::unexpected(fmt::format("weight_and_p_up: expected a positive finite total weight, got {}", weight_sum));
  // Rounding can put the mean a hair outside the members' range.
  return std::clamp(weighted_p_sum / weight_sum, 0.0, 1.0);
}

Call call_of(double p_up, double bias_pct) {
  if (!(p_up >= 0.0 && p_up <= 1.0)) return Call{0, 0.0};
  Call c;
  c.direction = p_up >= 0.5 ? 1 : -1;
  const double confidence = std::max(p_up, 1.0 - p_up) - bias_pct / 100.0;
  c.confidence = confidence > 0.0 ? confidence : 0.0;  // NaN bias: 0 too
  return c;
}

std::string_view tier_level_name(TierLevel tier) {
  switch (tier) {
    case TierLevel::none: return "none";
    case TierLevel::low: return "low";
    case TierLevel::medium: return "medium";
    case TierLevel::high: return "high";
  }
  return "unknown";
}

TierLevel tier_of(double confidence, const TierThresholds& thresholds) {
  if (confidence >= thresholds.high) return TierLevel::high;
  if (confidence >= thresholds.medium) return TierLevel::medium;
  if (confidence >= thresholds.low) return TierLevel::low;
  return TierLevel::none;
}

TierTracker::TierTracker(int upgrade_scans) : upgrade_scans_(static_cast<std::uint32_t>(std::max(upgrade_scans, 1))) {}

TierLevel TierTracker::update(int direction, TierLevel raw) {
  raw = sanitize(raw);
  if (direction != 1 && direction != -1) {
    in_force_ = TierLevel::none;
    direction_ = 0;
    runs_.fill(0);
    return in_force_;
  }
  if (direction != direction_) {
    direction_ = direction;
    runs_.fill(0);
    in_force_ = level(raw) <= level(TierLevel::low) ? raw : TierLevel::low;
  }
  for (std::size_t i = 0; i < kTiers.size(); ++i)
    runs_[i] = level(raw) >= level(kTiers[i]) ? std::min(runs_[i] + 1, upgrade_scans_) : 0;
  if (level(raw) < level(in_force_)) {
    in_force_ = raw;
    return in_force_;
  }
  for (std::size_t i = kTiers.size(); i-- > 0;) {
    if (runs_[i] >= upgrade_scans_) {
      if (level(kTiers[i]) > level(in_force_)) in_force_ = kTiers[i];
      break;
    }
  }
  return in_force_;
}

void TierTracker::save(StateWriter& w) const {
  w.put_all(upgrade_scans_, static_cast<std::int64_t>(level(in_force_)), static_cast<std::int64_t>(direction_), runs_);
}

void TierTracker::load(StateReader& r) {
  std::uint32_t upgrade_scans = 0;
  std::int64_t in_force = 0, direction = 0;
  std::array<std::uint32_t, 3> runs{};
  r.get_all(upgrade_scans, in_force, direction, runs);
  if (!r.ok()) return;
  if (upgrade_scans < 1) return r.fail("tier tracker: upgrade_scans of 0");
  if (in_force < 0 || in_force > level(TierLevel::high))
    return r.fail(fmt::format("tier tracker: tier {} is not none, low, medium or high", in_force));
  if (direction < -1 || direction > 1) return r.fail(fmt::format("tier tracker: direction {}", direction));
  for (std::uint32_t run : runs)
    if (run > upgrade_scans)
      return r.fail(fmt::format("tier tracker: a run of {} scans above upgrade_scans {}", run, upgrade_scans));
  upgrade_scans_ = upgrade_scans;
  in_force_ = static_cast<TierLevel>(in_force);
  direction_ = static_cast<int>(direction);
  runs_ = runs;
}

std::string pattern_key(int direction, int vol_regime, const std::array<bool, 3>& sessions) {
  static constexpr std::array<std::string_view, 3> kSessionNames = {"tokyo", "london", "ny"};
  std::string key = direction == 1 ? "up" : direction == -1 ? "down" : "none";
  key += "|vol";
  key += std::to_string(vol_regime);
  key += '|';
  bool any = false;
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    if (!sessions[i]) continue;
    if (any) key += '+';
    key += kSessionNames[i];
    any = true;
  }
  if (!any) key += "off";
  return key;
}

bool meets_floor(const std::map<std::string, PatternCount>& counts, const std::string& key, std::uint64_t floor) {
  const auto it = counts.find(key);
  const std::uint64_t seen = it == counts.end() ? 0 : it->second.seen;
  return seen >= floor;
}

}  // namespace verity
