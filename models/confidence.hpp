// From calibrated probabilities to what the model actor publishes: the
// ensemble's probability of "up", the call (direction and confidence, after
// the conservative bias), the confidence tier, a tier tracker with hysteresis
// so a signal is not upgraded on one lucky scan, and the per-pattern sample
// floor that keeps rarely seen setups from being traded.
//
// Guarantees: pure functions and one small state machine with no clock and no
// randomness; the tracker's state saves and loads bit for bit
// (actors/runtime/state_archive.hpp), so a restored tracker continues exactly
// as the saved one would. Bad input is an error value or a documented "no
// call", never a crash.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "models/metrics.hpp"
#include "models/model_file.hpp"

namespace verity {

class StateWriter;
class StateReader;

/// The weighted mean of the members' probabilities of "up", with the weights
/// renormalised over the members given (a member left out simply does not
/// count). Each pair is (weight, p_up). Errors: no members; a weight that is
/// negative or not finite; a p_up outside [0, 1] or NaN; a total weight of 0.
std::expected<double, std::string> ensemble_probability(std::span<const std::pair<double, double>> weight_and_p_up);

struct Call {
  int direction = 0;        // +1 up, -1 down; 0 only for an invalid p_up (no call)
  double confidence = 0.0;  // max(p, 1 - p) - bias, floored at 0
};

/// direction = +1 when p_up >= 0.5, else -1; confidence = max(p_up, 1 - p_up)
/// - bias_pct / 100, floored at 0. The conservative -5% bias is bias_pct = 5.
/// A p_up outside [0, 1] or NaN gives {0, 0}: no call.
Call call_of(double p_up, double bias_pct);

enum class TierLevel : std::uint8_t { none = 0, low = 1, medium = 2, high = 3 };

/// "none", "low", "medium", "high".
std::string_view tier_level_name(TierLevel tier);

/// The highest tier whose threshold the confidence reaches (>=), else none.
/// NaN gives none. Agrees with classification_metrics' cumulative tiers:
/// tier_of(c) >= T exactly when c >= T's threshold.
TierLevel tier_of(double confidence, const TierThresholds& thresholds);

/// Hysteresis on the tier of one symbol's signal, updated once per scan
/// with the scan's direction and its raw tier (tier_of its confidence).
///
/// Let k = upgrade_scans (at least 1; smaller values are taken as 1). For
/// each tier T in {low, medium, high} the tracker counts the consecutive
/// scans, in the current direction and ending with this one, whose raw tier
/// is at or above T (a scan below T resets T's count to 0). Each scan then:
///   1. A direction of neither +1 nor -1 is a scan with no call: the tier in
///      force becomes none, the direction 0 and every count 0.
///   2. A change of direction (the first call counts as one) resets every
///      count and puts in force the raw tier if it is none or low, else low.
///   3. The counts are advanced with this scan.
///   4. Downgrade at once: a raw tier below the tier in force replaces it.
///   5. Upgrade after k scans: otherwise, the highest T whose count has
///      reached k is put in force if it is above the tier in force.
/// So with k = 2 a tier is upgraded only on the second consecutive scan at
/// or above it (a new direction with raw high reads low, then high on the
/// next high scan), and downgraded on the first scan below it. With k = 1
/// the tier in force is always the raw tier.
class TierTracker {
 public:
  explicit TierTracker(int upgrade_scans = 2);

  /// Feeds one scan; returns the tier in force after it.
  TierLevel update(int direction, TierLevel raw);

  TierLevel in_force() const { return in_force_; }
  int direction() const { return direction_; }
  int upgrade_scans() const { return static_cast<int>(upgrade_scans_); }

  /// Everything, upgrade_scans included: a loaded tracker continues
  /// identically. load() marks the reader failed on impossible values.
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  std::uint32_t upgrade_scans_;
  TierLevel in_force_ = TierLevel::none;
  int direction_ = 0;
  // Consecutive scans (capped at upgrade_scans_) with raw >= low, medium, high.
  std::array<std::uint32_t, 3> runs_{};
};

/// The pattern a call belongs to, as stable text:
///   "<up|down|none>|vol<regime>|<sessions>",
/// where sessions are the open ones among tokyo, london and ny, in that
/// order, joined by "+", or "off" when none is open. E.g. "up|vol1|london+ny",
/// "down|vol0|off". `direction` is +1 (up) or -1 (down), anything else
/// "none"; `vol_regime` is the feature vol_regime (0, 1, 2), written as
/// given; `sessions` are {tokyo, london, new_york}.
std::string pattern_key(int direction, int vol_regime, const std::array<bool, 3>& sessions);

/// True when validation saw the pattern at least `floor` times. A pattern
/// never seen has 0, so it meets only a floor of 0.
bool meets_floor(const std::map<std::string, PatternCount>& counts, const std::string& key, std::uint64_t floor);

}  // namespace verity
