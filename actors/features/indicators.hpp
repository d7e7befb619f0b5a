// The streaming feature set (feature set 2): one FeatureRow per bar from a
// FeatureEngine, O(1) per bar (amortized) with bounded memory, using only
// bars at or before the current one. kFeatureColumns names the columns in
// the order of FeatureVector.values and of `verity features` CSV output;
// docs/FEATURES.md gives each one's formula and warm-up. A column is NaN
// until it is warm; `ready` says every column is.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "actors/features/sessions.hpp"
#include "actors/features/streaming.hpp"
#include "actors/feed/bar.hpp"

namespace verity {

struct FeaturesConfig;

/// Feature set 2: the full streaming set below. (Set 1 was the baseline's
/// five columns; nothing produces it any more.)
inline constexpr std::uint32_t kFeatureSetStreaming = 2;

/// Higher timeframes of the multi-timeframe columns.
inline constexpr std::int64_t kHtf15mNs = 15 * 60'000'000'000LL;
inline constexpr std::int64_t kHtf1hNs = 60 * 60'000'000'000LL;

struct FeatureRow {
  double close = kNaN;
  double log_return = kNaN;
  double sma = kNaN;
  double ema_fast = kNaN;
  double ema_slow = kNaN;
  double rsi = kNaN;
  double macd = kNaN;
  double macd_signal = kNaN;
  double macd_hist = kNaN;
  double bb_upper = kNaN;
  double bb_middle = kNaN;
  double bb_lower = kNaN;
  double bb_pct_b = kNaN;
  double atr = kNaN;
  double obv = kNaN;
  double volatility = kNaN;
  double momentum = kNaN;
  double volume_z = kNaN;
  double vol_percentile = kNaN;
  double vol_regime = kNaN;
  double session_tokyo = kNaN;
  double session_london = kNaN;
  double session_new_york = kNaN;
  double day_of_week = kNaN;
  double hour_utc = kNaN;
  double rsi_15m = kNaN;
  double ema_slope_15m = kNaN;
  double rsi_1h = kNaN;
  double ema_slope_1h = kNaN;
  bool ready = false;  // every column is warm
};

struct FeatureColumn {
  std::string_view name;
  double FeatureRow::*member;
};

inline constexpr FeatureColumn kFeatureColumns[] = {
    {"close", &FeatureRow::close},
    {"log_return", &FeatureRow::log_return},
    {"sma", &FeatureRow::sma},
    {"ema_fast", &FeatureRow::ema_fast},
    {"ema_slow", &FeatureRow::ema_slow},
    {"rsi", &FeatureRow::rsi},
    {"macd", &FeatureRow::macd},
    {"macd_signal", &FeatureRow::macd_signal},
    {"macd_hist", &FeatureRow::macd_hist},
    {"bb_upper", &FeatureRow::bb_upper},
    {"bb_middle", &FeatureRow::bb_middle},
    {"bb_lower", &FeatureRow::bb_lower},
    {"bb_pct_b", &FeatureRow::bb_pct_b},
    {"atr", &FeatureRow::atr},
    {"obv", &FeatureRow::obv},
    {"volatility", &FeatureRow::volatility},
    {"momentum", &FeatureRow::momentum},
    {"volume_z", &FeatureRow::volume_z},
    {"vol_percentile", &FeatureRow::vol_percentile},
    {"vol_regime", &FeatureRow::vol_regime},
    {"session_tokyo", &FeatureRow::session_tokyo},
    {"session_london", &FeatureRow::session_london},
    {"session_new_york", &FeatureRow::session_new_york},
    {"day_of_week", &FeatureRow::day_of_week},
    {"hour_utc", &FeatureRow::hour_utc},
    {"rsi_15m", &FeatureRow::rsi_15m},
    {"ema_slope_15m", &FeatureRow::ema_slope_15m},
    {"rsi_1h", &FeatureRow::rsi_1h},
    {"ema_slope_1h", &FeatureRow::ema_slope_1h},
};
inline constexpr std::size_t kFeatureCount = std::size(kFeatureColumns);

/// The position of column `name` in FeatureVector.values, if there is one.
std::optional<std::size_t> feature_index(std::string_view name);

/// Writes the row's kFeatureCount values to `out`, in column order.
void feature_values(const FeatureRow& row, double* out);

/// The 0-based index of the first bar at which column `column` is defined,
/// for a stream without gaps; nullopt for the multi-timeframe columns,
/// whose warm-up counts closed buckets and so depends on the clock
/// (docs/FEATURES.md).
std::optional<std::int64_t> feature_warmup_bars(std::size_t column, const FeaturesConfig& config);

class FeatureEngine {
 public:
  explicit FeatureEngine(const FeaturesConfig& config);
  /// One bar, open times strictly increasing (the feed guarantees it).
  FeatureRow update(const BarData& bar);

  /// Snapshot state (actors/runtime/state_archive.hpp): load() into an
  /// engine built from the same FeaturesConfig continues bit for bit as the
  /// saved one. Configuration, fixed by the constructor from FeaturesConfig
  /// and not restored: every period, window length, bucket length and the
  /// Bollinger width inside the members (each indicator writes its lengths
  /// and load() fails when they differ from this engine's). State: everything
  /// the indicators accumulate (values, sums, rings and their positions,
  /// counts, warm-up progress, NaN outputs), the session clock's cached hour,
  /// the open higher-timeframe buckets, bars_, last_open_ns_, prev_close_
  /// and ready_. After a failed load (the reader's ok() is false) the engine
  /// is safe to use but its state is meaningless: build a fresh one.
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  Sma sma_;
  Ema ema_fast_, ema_slow_;
  Rsi rsi_;
  Macd macd_;
  Bollinger bollinger_;
  Atr atr_;
  Obv obv_;
  WindowSums<true> returns_;  // log returns, for the volatility
  Lag momentum_;
  WindowSums<true> volume_;
  VolatilityRegime regime_;
  SessionClock sessions_;
  HtfTrend m15_, h1_;
  std::uint64_t bars_ = 0;
  std::int64_t last_open_ns_ = 0;
  double prev_close_ = 0;
  bool ready_ = false;
};

}  // namespace verity
