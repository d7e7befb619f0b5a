// The seeded market generator: geometric Brownian motion sampled four times
// per bar, so each bar has a real high and low, with log-normal volume.
// Same seed, same config: the same bars, bit for bit.
#pragma once

#include "actors/feed/bar.hpp"
#include "actors/runtime/prng.hpp"

namespace verity {

struct MarketConfig;

class GbmGenerator {
 public:
  GbmGenerator(const MarketConfig& config, Prng prng);
  BarData next();

 private:
  static constexpr int kSubsteps = 4;
  std::string symbol_;
  std::int64_t interval_ns_;
  std::int64_t next_time_ns_;
  double price_;
  double drift_step_, vol_step_;  // per sub-step, in log space
  double volume_mean_;
  Prng prng_;
};

}  // namespace verity
