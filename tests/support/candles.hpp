// Candles for feature tests and benchmarks: seeded random 1-minute bars with
// gaps, and the shared real data in ../shared/data (never copied into the
// project; callers skip with a visible message when it is absent).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "actors/feed/bar.hpp"
#include "actors/feed/candle_file.hpp"
#include "actors/runtime/prng.hpp"

namespace verity::testing {

/// `n` 1-minute bars of a random walk from 2021-03-26 (so DST switches and
/// weekends fall inside longer series), starting at `start_price`. With
/// probability `gap_probability` a bar is followed by a gap of 1 to 300
/// minutes; one bar in ten opens away from the previous close.
inline std::vector<BarData> random_minute_bars(std::uint64_t seed, std::size_t n, double gap_probability = 0.002,
                                               double start_price = 50'000.0) {
  constexpr std::int64_t kMinute = 60'000'000'000;
  Prng prng(seed);
  std::vector<BarData> bars;
  bars.reserve(n);
  double price = start_price;
  std::int64_t t = 1'616'716'800LL * 1'000'000'000;  // 2021-03-26T00:00:00Z
  for (std::size_t i = 0; i < n; ++i) {
    BarData b;
    b.symbol = "TEST";
    b.open_time_ns = t;
    b.interval_ns = kMinute;
    b.open = prng.bernoulli(0.1) ? price * (1.0 + 0.002 * (prng.uniform01() - 0.5)) : price;
    b.close = b.open * (1.0 + 0.001 * prng.normal());
    b.high = std::max(b.open, b.close) * (1.0 + 0.0005 * prng.uniform01());
    b.low = std::min(b.open, b.close) * (1.0 - 0.0005 * prng.uniform01());
    // Some flat, zero-volume bars: ties in OBV and RSI, zero variance in windows.
    b.volume = prng.bernoulli(0.02) ? 0.0 : 20.0 * prng.uniform01();
    if (prng.bernoulli(0.01)) b.close = b.open = b.high = b.low = price;
    price = b.close;
    bars.push_back(b);
    t += kMinute;
    if (prng.bernoulli(gap_probability)) t += kMinute * (1 + static_cast<std::int64_t>(prng.uniform01() * 300));
  }
  return bars;
}

/// ../shared/data beside the project.
inline std::filesystem::path shared_data_dir() {
  return std::filesystem::path(VERITY_SOURCE_DIR) / ".." / "shared" / "data";
}

/// The bars of a shared data file, or nullopt (with `why`) when it is absent
/// or cannot be read yet.
inline std::optional<std::vector<BarData>> load_shared_bars(const std::string& relative, const std::string& symbol,
                                                            std::string& why) {
  const auto path = shared_data_dir() / relative;
  if (!std::filesystem::exists(path)) {
    why = path.string() + " is absent";
    return std::nullopt;
  }
  auto file = load_candle_file(path.string(), symbol);
  if (!file) {
    why = file.error().text();
    return std::nullopt;
  }
  std::vector<BarData> bars;
  bars.reserve(file->rows.size());
  for (auto& r : file->rows) bars.push_back(r.bar);
  return bars;
}

inline const char* kBtc2021 = "01_binance_spot_1m_btc_bnb_2021/BTC_USDT-1m.json";
inline const char* kBnb2021 = "01_binance_spot_1m_btc_bnb_2021/BNB_USDT-1m.json";
inline const char* kFtx2022 = "02_ftx_btcperp_1m_2022-01_and_binance_depth/btc-perp-20211231-20220201_1m.csv";

}  // namespace verity::testing
