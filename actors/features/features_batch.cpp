#include "actors/features/features_batch.hpp"

#include <cmath>

#include "actors/runtime/assert.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/detmath.hpp"

namespace verity {

WindowParts window_parts_at(std::span<const double> x, std::size_t i, std::size_t n, bool squares) {
  WindowParts p;
  const std::size_t k = i / n, j = i % n, start = k * n;
  p.shift = x[start];
  for (std::size_t m = 0; m <= j; ++m) {
    const double t = x[start + m] - p.shift;
    p.b1 = p.b1 + t;
    if (squares) p.b2 = p.b2 + t * t;
  }
  p.count = static_cast<double>(j + 1);
  if (j + 1 < n && k >= 1) {
    // The rest of the window: the previous block from offset j + 1, summed
    // right to left around that block's first value.
    const std::size_t prev = start - n;
    const double shift = x[prev];
    for (std::size_t m = n; m-- > j + 1;) {
      const double t = x[prev + m] - shift;
      p.a1 = t + p.a1;
      if (squares) p.a2 = t * t + p.a2;
    }
    p.na = static_cast<double>(n - 1 - j);
    p.d = shift - p.shift;
    p.count = static_cast<double>(n);
  }
  return p;
}

namespace {

using Series = std::vector<double>;

std::size_t period(std::int64_t p) {
  VERITY_ASSERT(p > 0, "feature periods are positive (config validation)");
  return static_cast<std::size_t>(p);
}

/// EMA of x, seeded at x[n - 1] with the in-order mean of the first n.
Series ema_of(std::span<const double> x, std::size_t n) {
  Series out(x.size(), kNaN);
  if (x.size() < n) return out;
  const double k = 2.0 / static_cast<double>(n + 1);
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum = sum + x[i];
  double e = sum / static_cast<double>(n);
  out[n - 1] = e;
  for (std::size_t i = n; i < x.size(); ++i) {
    e = (x[i] - e) * k + e;
    out[i] = e;
  }
  return out;
}

double rsi_value(double gain, double loss) {
  const double total = gain + loss;
  return total == 0 ? 50.0 : 100.0 * (gain / total);
}

/// Wilder's RSI of x: defined from x[n] on.
Series rsi_of(std::span<const double> x, std::size_t n) {
  Series out(x.size(), kNaN);
  if (x.size() <= n) return out;
  const double nd = static_cast<double>(n);
  double gain = 0, loss = 0;
  for (std::size_t i = 1; i <= n; ++i) {
    const double change = x[i] - x[i - 1];
    if (change < 0) {
      loss = loss - change;
    } else {
      gain = gain + change;
    }
  }
  loss = loss / nd;
  gain = gain / nd;
  out[n] = rsi_value(gain, loss);
  for (std::size_t i = n + 1; i < x.size(); ++i) {
    const double change = x[i] - x[i - 1];
    loss = loss * (nd - 1.0);
    gain = gain * (nd - 1.0);
    if (change < 0) {
      loss = loss - change;
    } else {
      gain = gain + change;
    }
    loss = loss / nd;
    gain = gain / nd;
    out[i] = rsi_value(gain, loss);
  }
  return out;
}

void macd_columns(std::span<const double> c, const FeaturesConfig& cfg, std::vector<FeatureRow>& rows) {
  const std::size_t fast = period(cfg.macd_fast), slow = period(cfg.macd_slow), signal = period(cfg.macd_signal);
  if (c.size() < slow) return;
  const Series slow_ema = ema_of(c, slow);
  // The fast EMA starts where the slow one does, seeded with the mean of the
  // last `fast` values there (TA-Lib's MACD).
  const double k = 2.0 / static_cast<double>(fast + 1);
  double sum = 0;
  for (std::size_t i = slow - fast; i < slow; ++i) sum = sum + c[i];
  double f = sum / static_cast<double>(fast);
  Series line(c.size() - (slow - 1));
  for (std::size_t i = slow - 1; i < c.size(); ++i) {
    if (i >= slow) f = (c[i] - f) * k + f;
    line[i - (slow - 1)] = f - slow_ema[i];
    rows[i].macd = line[i - (slow - 1)];
  }
  const Series sig = ema_of(line, signal);
  for (std::size_t q = 0; q < line.size(); ++q) {
    if (std::isnan(sig[q])) continue;
    rows[q + slow - 1].macd_signal = sig[q];
    rows[q + slow - 1].macd_hist = line[q] - sig[q];
  }
}

void atr_column(std::span<const BarData> bars, std::size_t n, std::vector<FeatureRow>& rows) {
  if (bars.size() <= n) return;
  Series tr(bars.size(), kNaN);
  for (std::size_t i = 1; i < bars.size(); ++i) {
    double r = bars[i].high - bars[i].low;
    const double up = std::fabs(bars[i - 1].close - bars[i].high);
    if (up > r) r = up;
    const double down = std::fabs(bars[i - 1].close - bars[i].low);
    if (down > r) r = down;
    tr[i] = r;
  }
  const double nd = static_cast<double>(n);
  double sum = 0;
  for (std::size_t i = 1; i <= n; ++i) sum = sum + tr[i];
  double a = sum / nd;
  rows[n].atr = a;
  for (std::size_t i = n + 1; i < bars.size(); ++i) {
    a = a * (nd - 1.0);
    a = a + tr[i];
    a = a / nd;
    rows[i].atr = a;
  }
}

/// The rolling volatility and the regime built on it.
void volatility_columns(std::span<const double> returns, const FeaturesConfig& cfg, std::vector<FeatureRow>& rows) {
  // returns[q] is the log return of bar q + 1.
  const std::size_t v = period(cfg.volatility), w = period(cfg.regime_window);
  Series vol;
  for (std::size_t q = v - 1; q < returns.size(); ++q) {
    const double s = std::sqrt(window_variance(window_parts_at(returns, q, v, true)));
    vol.push_back(s);
    rows[q + 1].volatility = s;
  }
  for (std::size_t q = w - 1; q < vol.size(); ++q) {
    const std::uint32_t bin = regime_bin(vol[q]);
    std::uint32_t at_or_below = 0;
    for (std::size_t j = q + 1 - w; j <= q; ++j) at_or_below += regime_bin(vol[j]) <= bin ? 1 : 0;
    FeatureRow& row = rows[q + v];
    row.vol_percentile = static_cast<double>(at_or_below) / static_cast<double>(w);
    row.vol_regime = regime_of(at_or_below, static_cast<std::uint32_t>(w));
  }
}

/// RSI and EMA slope of a higher timeframe. Buckets are UTC-aligned; at bar
/// i the last usable bucket is bar i's own if bar i closes it, else the one
/// before (every bar of which closed before bar i opened).
void htf_columns(std::span<const BarData> bars, std::int64_t len, const FeaturesConfig& cfg,
                 double FeatureRow::*rsi_col, double FeatureRow::*slope_col, std::vector<FeatureRow>& rows) {
  Series closes;                    // one per bucket, in order
  std::vector<std::int64_t> last;   // rows[i]: index of the last closed bucket, -1 for none
  std::int64_t current_start = 0;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const std::int64_t t = bars[i].open_time_ns;
    const std::int64_t start = (t >= 0 ? t / len : (t - len + 1) / len) * len;
    if (closes.empty() || start != current_start) {
      closes.push_back(bars[i].close);
      current_start = start;
    } else {
      closes.back() = bars[i].close;
    }
    const std::int64_t own = static_cast<std::int64_t>(closes.size()) - 1;
    last.push_back(t + bars[i].interval_ns >= start + len ? own : own - 1);
  }
  const std::size_t ema_n = period(cfg.ema_fast);
  const Series rsi = rsi_of(closes, period(cfg.rsi));
  const Series ema = ema_of(closes, ema_n);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    if (last[i] < 0) continue;
    const auto k = static_cast<std::size_t>(last[i]);
    rows[i].*rsi_col = rsi[k];
    if (k >= ema_n) rows[i].*slope_col = (ema[k] - ema[k - 1]) / ema[k - 1];
  }
}

}  // namespace

std::vector<FeatureRow> compute_features_batch(std::span<const BarData> bars, const FeaturesConfig& cfg) {
  const std::size_t n = bars.size();
  std::vector<FeatureRow> rows(n);
  Series close(n), volume(n), returns;
  for (std::size_t i = 0; i < n; ++i) {
    close[i] = bars[i].close;
    volume[i] = bars[i].volume;
    rows[i].close = close[i];
  }
  for (std::size_t i = 1; i < n; ++i) {
    returns.push_back(det_log(close[i] / close[i - 1]));
    rows[i].log_return = returns.back();
  }

  const std::size_t sma_n = period(cfg.sma);
  for (std::size_t i = sma_n - 1; i < n; ++i) rows[i].sma = window_mean(window_parts_at(close, i, sma_n, false));
  const Series fast = ema_of(close, period(cfg.ema_fast)), slow = ema_of(close, period(cfg.ema_slow));
  const Series rsi = rsi_of(close, period(cfg.rsi));
  for (std::size_t i = 0; i < n; ++i) {
    rows[i].ema_fast = fast[i];
    rows[i].ema_slow = slow[i];
    rows[i].rsi = rsi[i];
  }
  macd_columns(close, cfg, rows);

  const std::size_t bb_n = period(cfg.bollinger);
  for (std::size_t i = bb_n - 1; i < n; ++i) {
    const WindowParts p = window_parts_at(close, i, bb_n, true);
    FeatureRow& r = rows[i];
    r.bb_middle = window_mean(p);
    const double width = std::sqrt(window_variance(p)) * cfg.bollinger_k;
    r.bb_upper = r.bb_middle + width;
    r.bb_lower = r.bb_middle - width;
    r.bb_pct_b = r.bb_upper > r.bb_lower ? (close[i] - r.bb_lower) / (r.bb_upper - r.bb_lower) : 0.5;
  }
  atr_column(bars, period(cfg.atr), rows);

  for (std::size_t i = 0; i < n; ++i) {
    if (i == 0) {
      rows[i].obv = volume[0];
    } else if (close[i] > close[i - 1]) {
      rows[i].obv = rows[i - 1].obv + volume[i];
    } else if (close[i] < close[i - 1]) {
      rows[i].obv = rows[i - 1].obv - volume[i];
    } else {
      rows[i].obv = rows[i - 1].obv;
    }
  }

  volatility_columns(returns, cfg, rows);
  const std::size_t mom_n = period(cfg.momentum);
  for (std::size_t i = mom_n; i < n; ++i) rows[i].momentum = close[i] / close[i - mom_n] - 1.0;
  const std::size_t z_n = period(cfg.volume_z);
  for (std::size_t i = z_n - 1; i < n; ++i) {
    const WindowParts p = window_parts_at(volume, i, z_n, true);
    const double sd = std::sqrt(window_variance(p));
    rows[i].volume_z = sd > 0 ? (volume[i] - window_mean(p)) / sd : 0.0;
  }

  for (std::size_t i = 0; i < n; ++i) {
    const SessionFlags s = session_flags_at(bars[i].open_time_ns);
    rows[i].session_tokyo = s.tokyo ? 1.0 : 0.0;
    rows[i].session_london = s.london ? 1.0 : 0.0;
    rows[i].session_new_york = s.new_york ? 1.0 : 0.0;
    rows[i].day_of_week = s.day_of_week;
    rows[i].hour_utc = s.hour_utc;
  }
  htf_columns(bars, kHtf15mNs, cfg, &FeatureRow::rsi_15m, &FeatureRow::ema_slope_15m, rows);
  htf_columns(bars, kHtf1hNs, cfg, &FeatureRow::rsi_1h, &FeatureRow::ema_slope_1h, rows);

  bool ready = false;
  for (auto& r : rows) {
    if (!ready) {
      ready = true;
      for (const auto& col : kFeatureColumns) ready = ready && !std::isnan(r.*col.member);
    }
    r.ready = ready;
  }
  return rows;
}

}  // namespace verity
