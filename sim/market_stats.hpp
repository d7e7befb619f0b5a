// Stylized facts of a bar series: the figures the generator's tests and
// docs/GENERATOR.md compare between generated and real markets. Returns are
// close-to-close log returns of consecutive bars (a gap breaks the pair).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/feed/bar.hpp"

namespace verity {

/// Trading sessions by UTC hour: Asia 00-08, Europe 08-16, US 16-24.
inline constexpr int kSessions = 3;
inline constexpr std::array<const char*, kSessions> kSessionNames = {"Asia 00-08", "Europe 08-16", "US 16-24"};
inline constexpr int kAcfLags = 10;

struct StylizedFacts {
  std::int64_t returns = 0;
  double sd = 0;                                   // of 1-bar log returns
  double kurtosis = 0;                             // plain (3 for a normal), not excess
  std::array<double, kAcfLags> abs_acf{};          // autocorrelation of |r| at lags 1..10
  std::array<double, kAcfLags> acf{};              // of r itself: near 0 in an efficient market
  std::array<double, kSessions> session_sd{};      // sd of returns per session
  std::array<double, kSessions> session_volume{};  // mean volume per session
  double mean_volume = 0;
  double abs_r_volume_corr = 0;       // correlation of |r| and volume
  double mean_range = 0;              // mean (high - low) / open
  double tail_4sd = 0, tail_8sd = 0;  // share of returns beyond 4 and 8 sd from the mean

  /// A few lines for logs and docs.
  std::string text() const;
};

StylizedFacts stylized_facts(const std::vector<BarData>& bars);

/// Longer views, for reports and figures (verity data calibrate --report).
struct ReturnProfile {
  std::vector<double> abs_acf;                 // lags 1..max_lag
  std::vector<double> tail_sd;                 // thresholds k, in sd
  std::vector<double> tail_share;              // share of returns beyond k sd
  std::array<double, 24> hourly_abs_return{};  // mean |r| per UTC hour / overall mean |r|
  std::array<double, 24> hourly_volume{};      // mean volume per UTC hour / overall mean
};
ReturnProfile return_profile(const std::vector<BarData>& bars, int max_lag);

/// Session 0..2 of a UTC hour.
inline int session_of_hour(int hour) { return hour / 8; }

}  // namespace verity
