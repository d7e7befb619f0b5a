#include "actors/features/indicators.hpp"

#include <cmath>

#include "actors/runtime/assert.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/detmath.hpp"
#include "actors/runtime/state_archive.hpp"

namespace verity {

std::optional<std::size_t> feature_index(std::string_view name) {
  for (std::size_t i = 0; i < kFeatureCount; ++i) {
    if (kFeatureColumns[i].name == name) return i;
  }
  return std::nullopt;
}

void feature_values(const FeatureRow& row, double* out) {
  for (std::size_t i = 0; i < kFeatureCount; ++i) out[i] = row.*kFeatureColumns[i].member;
}

std::optional<std::int64_t> feature_warmup_bars(std::size_t column, const FeaturesConfig& c) {
  VERITY_ASSERT(column < kFeatureCount, "a feature column index is below kFeatureCount");
  const std::string_view name = kFeatureColumns[column].name;
  if (name == "log_return") return 1;
  if (name == "sma") return c.sma - 1;
  if (name == "ema_fast") return c.ema_fast - 1;
  if (name == "ema_slow") return c.ema_slow - 1;
  if (name == "rsi") return c.rsi;
  if (name == "macd") return c.macd_slow - 1;
  if (name == "macd_signal" || name == "macd_hist") return c.macd_slow - 1 + c.macd_signal - 1;
  if (name.starts_with("bb_")) return c.bollinger - 1;
  if (name == "atr") return c.atr;
  if (name == "volatility") return c.volatility;
  if (name == "momentum") return c.momentum;
  if (name == "volume_z") return c.volume_z - 1;
  if (name == "vol_percentile" || name == "vol_regime") return c.volatility + c.regime_window - 1;
  if (name.ends_with("_15m") || name.ends_with("_1h")) return std::nullopt;
  return 0;  // close, obv and the calendar columns
}

namespace {
std::size_t period(std::int64_t p) {
  VERITY_ASSERT(p > 0, "feature periods are positive (config validation)");
  return static_cast<std::size_t>(p);
}
}  // namespace

FeatureEngine::FeatureEngine(const FeaturesConfig& c)
    : sma_(period(c.sma)),
      ema_fast_(period(c.ema_fast)),
      ema_slow_(period(c.ema_slow)),
      rsi_(period(c.rsi)),
      macd_(period(c.macd_fast), period(c.macd_slow), period(c.macd_signal)),
      bollinger_(period(c.bollinger), c.bollinger_k),
      atr_(period(c.atr)),
      returns_(period(c.volatility)),
      momentum_(period(c.momentum)),
      volume_(period(c.volume_z)),
      regime_(period(c.regime_window)),
      // The higher-timeframe EMA uses the fast EMA's period: "the fast EMA"
      // on the 15m and 1h charts.
      m15_(kHtf15mNs, period(c.rsi), period(c.ema_fast)),
      h1_(kHtf1hNs, period(c.rsi), period(c.ema_fast)) {}

FeatureRow FeatureEngine::update(const BarData& bar) {
  VERITY_ASSERT(bars_ == 0 || bar.open_time_ns > last_open_ns_, "bars reach the features in time order");
  FeatureRow row;
  const double close = bar.close;
  row.close = close;

  if (bars_ > 0) {
    const double r = det_log(close / prev_close_);
    row.log_return = r;
    returns_.push(r);
    if (returns_.full()) {
      const double vol = std::sqrt(window_variance(returns_.parts()));
      row.volatility = vol;
      regime_.update(vol);
      row.vol_percentile = regime_.percentile();
      row.vol_regime = regime_.regime();
    }
  }
  prev_close_ = close;
  last_open_ns_ = bar.open_time_ns;
  ++bars_;

  row.sma = sma_.update(close);
  row.ema_fast = ema_fast_.update(close);
  row.ema_slow = ema_slow_.update(close);
  row.rsi = rsi_.update(close);
  macd_.update(close);
  row.macd = macd_.line();
  row.macd_signal = macd_.signal();
  row.macd_hist = macd_.histogram();
  bollinger_.update(close);
  row.bb_upper = bollinger_.upper();
  row.bb_middle = bollinger_.middle();
  row.bb_lower = bollinger_.lower();
  row.bb_pct_b = bollinger_.percent_b();
  row.atr = atr_.update(bar.high, bar.low, close);
  row.obv = obv_.update(close, bar.volume);

  momentum_.push(close);
  if (momentum_.ready()) row.momentum = close / momentum_.lagged() - 1.0;

  volume_.push(bar.volume);
  if (volume_.full()) {
    const WindowParts p = volume_.parts();
    const double sd = std::sqrt(window_variance(p));
    row.volume_z = sd > 0 ? (bar.volume - window_mean(p)) / sd : 0.0;
  }

  const SessionFlags& s = sessions_.at(bar.open_time_ns);
  row.session_tokyo = s.tokyo ? 1.0 : 0.0;
  row.session_london = s.london ? 1.0 : 0.0;
  row.session_new_york = s.new_york ? 1.0 : 0.0;
  row.day_of_week = s.day_of_week;
  row.hour_utc = s.hour_utc;

  m15_.update(bar);
  h1_.update(bar);
  row.rsi_15m = m15_.rsi();
  row.ema_slope_15m = m15_.ema_slope();
  row.rsi_1h = h1_.rsi();
  row.ema_slope_1h = h1_.ema_slope();

  if (!ready_) {
    // Every part stays warm once it is, so `ready` never goes back.
    ready_ = sma_.ready() && ema_fast_.ready() && ema_slow_.ready() && rsi_.ready() && macd_.ready() &&
             bollinger_.ready() && atr_.ready() && returns_.full() && momentum_.ready() && volume_.full() &&
             regime_.ready() && m15_.ready() && h1_.ready();
  }
  row.ready = ready_;
  return row;
}

// Every member in declaration order; the indicators check their own lengths.
void FeatureEngine::save(StateWriter& w) const {
  w.put_all(sma_, ema_fast_, ema_slow_, rsi_, macd_, bollinger_, atr_, obv_, returns_, momentum_, volume_, regime_,
            sessions_, m15_, h1_, bars_, last_open_ns_, prev_close_, ready_);
}

void FeatureEngine::load(StateReader& r) {
  r.get_all(sma_, ema_fast_, ema_slow_, rsi_, macd_, bollinger_, atr_, obv_, returns_, momentum_, volume_, regime_,
            sessions_, m15_, h1_, bars_, last_open_ns_, prev_close_, ready_);
}

}  // namespace verity
