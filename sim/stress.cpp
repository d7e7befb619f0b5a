#include "sim/stress.hpp"

#include <algorithm>

#include "actors/runtime/calendar.hpp"
#include "actors/runtime/detmath.hpp"

namespace verity {

namespace {
constexpr double kMinuteNs = 60e9;
constexpr std::int64_t kDayS = 86'400;

bool within(double minute, std::int64_t at, std::int64_t length) {
  return at >= 0 && minute >= static_cast<double>(at) && minute < static_cast<double>(at + length);
}

/// 0 = Monday ... 5 = Saturday, 6 = Sunday (1970-01-01 was a Thursday).
std::int64_t weekday(std::int64_t t_ns) {
  const std::int64_t day = floor_div(floor_div(t_ns, 1'000'000'000), kDayS);
  return ((day + 3) % 7 + 7) % 7;
}
}  // namespace

bool has_bar_stress(const StressConfig& c) {
  return c.flash_crash_at_min >= 0 || c.vol_spike_at_min >= 0 || c.outage_at_min >= 0 || c.feed_gaps > 0 ||
         c.weekend_gap_pct > 0;
}

StressedBarSource::StressedBarSource(std::unique_ptr<BarSource> inner, const StressConfig& config, Prng prng,
                                     std::int64_t span_minutes)
    : inner_(std::move(inner)), c_(config), prng_(prng) {
  const std::int64_t room = std::max<std::int64_t>(span_minutes - c_.feed_gap_minutes, 1);
  for (std::int64_t i = 0; i < c_.feed_gaps; ++i) {
    gap_starts_.push_back(static_cast<std::int64_t>(prng_.below(static_cast<std::uint64_t>(room))));
  }
  std::sort(gap_starts_.begin(), gap_starts_.end());
}

std::string StressedBarSource::describe() const { return inner_->describe() + " +stress"; }

bool StressedBarSource::dropped_at(std::int64_t minute, std::int64_t open_time_ns) const {
  const double m = static_cast<double>(minute);
  if (within(m, c_.outage_at_min, c_.outage_minutes)) return true;
  for (std::int64_t g : gap_starts_) {
    if (within(m, g, c_.feed_gap_minutes)) return true;
  }
  return c_.weekend_gap_pct > 0 && weekday(open_time_ns) >= 5;
}

double StressedBarSource::flash_factor(double m) const {
  if (c_.flash_crash_at_min < 0) return 1.0;
  const double a = static_cast<double>(c_.flash_crash_at_min);
  const double fall = static_cast<double>(c_.flash_crash_minutes);
  const double rise = static_cast<double>(c_.flash_crash_recovery_minutes);
  const double bottom = det_log(1.0 - c_.flash_crash_drop_pct / 100.0);
  if (m <= a || m >= a + fall + rise) return 1.0;
  if (m < a + fall) return det_exp(bottom * (m - a) / fall);
  return det_exp(bottom * (1.0 - (m - a - fall) / rise));
}

double StressedBarSource::flash_low(double m_open, double m_close) const {
  double low = std::min(flash_factor(m_open), flash_factor(m_close));
  if (c_.flash_crash_at_min >= 0) {
    const double bottom = static_cast<double>(c_.flash_crash_at_min + c_.flash_crash_minutes);
    if (m_open < bottom && bottom < m_close) low = std::min(low, flash_factor(bottom));
  }
  return low;
}

std::optional<BarData> StressedBarSource::next() {
  while (auto bar = inner_->next()) {
    if (!t0_ns_) t0_ns_ = bar->open_time_ns;
    const std::int64_t minute = (bar->open_time_ns - *t0_ns_) / static_cast<std::int64_t>(kMinuteNs);
    const bool weekend = c_.weekend_gap_pct > 0 && weekday(bar->open_time_ns) >= 5;
    SymbolState& s = symbols_[bar->symbol];
    if (dropped_at(minute, bar->open_time_ns)) {
      ++dropped_;
      if (weekend) s.in_weekend = true;
      continue;
    }
    BarData b = *bar;
    // Volatility spike: log distance from the spike's first open times k.
    const double m_open = static_cast<double>(b.open_time_ns - *t0_ns_) / kMinuteNs;
    const double m_close = m_open + static_cast<double>(b.interval_ns) / kMinuteNs;
    if (within(m_open, c_.vol_spike_at_min, c_.vol_spike_minutes)) {
      if (!s.vol_anchor) s.vol_anchor = b.open;
      const double anchor = *s.vol_anchor, k = c_.vol_spike_factor;
      auto scale = [&](double x) { return s.vol_shift * anchor * det_exp(k * det_log(x / anchor)); };
      const double close_orig = b.close;
      b.open = scale(b.open);
      b.high = scale(b.high);
      b.low = scale(b.low);
      b.close = scale(b.close);
      s.last_vol_close_ratio = b.close / close_orig;
    } else {
      if (s.vol_anchor) {  // the spike is over: its level carries on
        s.vol_shift = s.last_vol_close_ratio;
        s.vol_anchor.reset();
      }
      b.open *= s.vol_shift;
      b.high *= s.vol_shift;
      b.low *= s.vol_shift;
      b.close *= s.vol_shift;
    }
    // Flash crash: the open at the open's factor, the close at the close's;
    // the low reaches the bottom when the bottom falls inside the bar.
    const double f_open = flash_factor(m_open), f_close = flash_factor(m_close);
    const double f_low = flash_low(m_open, m_close);
    if (f_open != 1.0 || f_close != 1.0 || f_low != 1.0) {
      b.open *= f_open;
      b.close *= f_close;
      b.high = std::max({b.high * std::max(f_open, f_close), b.open, b.close});
      b.low = std::min({b.low * f_low, b.open, b.close});
    }
    // Weekend gap: Monday opens pct away from the symbol's last close before it.
    if (s.in_weekend && !weekend) {
      s.in_weekend = false;
      if (s.last_close > 0) {
        const double up = prng_.bernoulli(0.5) ? 1.0 : -1.0;
        const double target = s.last_close * (1.0 + up * c_.weekend_gap_pct / 100.0);
        s.weekend_shift = target / b.open;
      }
    }
    if (s.weekend_shift != 1.0) {
      b.open *= s.weekend_shift;
      b.high *= s.weekend_shift;
      b.low *= s.weekend_shift;
      b.close *= s.weekend_shift;
    }
    s.last_close = b.close;
    return b;
  }
  return std::nullopt;
}

}  // namespace verity
