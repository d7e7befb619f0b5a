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

std::optional<BarData> StressedBarSource::next() {
  while (auto bar = inner_->next()) {
    if (!t0_ns_) t0_ns_ = bar->open_time_ns;
    const std::int64_t minute = (bar->open_time_ns - *t0_ns_) / static_cast<std::int64_t>(kMinuteNs);
    const bool weekend = c_.weekend_gap_pct > 0 && weekday(bar->open_time_ns) >= 5;
    if (dropped_at(minute, bar->open_time_ns)) {
      ++dropped_;
      if (weekend) in_weekend_ = true;
      continue;
    }
    BarData b = *bar;
    // Volatility spike: log distance from the spike's first open times k.
    const double m_open = static_cast<double>(b.open_time_ns - *t0_ns_) / kMinuteNs;
    const double m_close = m_open + static_cast<double>(b.interval_ns) / kMinuteNs;
    if (within(m_open, c_.vol_spike_at_min, c_.vol_spike_minutes)) {
      if (!vol_anchor_) vol_anchor_ = b.open;
      const double anchor = *vol_anchor_, k = c_.vol_spike_factor;
      auto scale = [&](double x) { return vol_shift_ * anchor * det_exp(k * det_log(x / anchor)); };
      const double close_orig = b.close;
      b.open = scale(b.open);
      b.high = scale(b.high);
      b.low = scale(b.low);
      b.close = scale(b.close);
      last_vol_close_ratio_ = b.close / close_orig;
    } else {
      if (vol_anchor_) {  // the spike is over: its level carries on
        vol_shift_ = last_vol_close_ratio_;
        vol_anchor_.reset();
      }
      b.open *= vol_shift_;
      b.high *= vol_shift_;
      b.low *= vol_shift_;
      b.close *= vol_shift_;
    }
    // Flash crash: the open at the open's factor, the close at the close's.
    const double f_open = flash_factor(m_open), f_close = flash_factor(m_close);
    if (f_open != 1.0 || f_close != 1.0) {
      b.open *= f_open;
      b.close *= f_close;
      b.high = std::max({b.high * std::max(f_open, f_close), b.open, b.close});
      b.low = std::min({b.low * std::min(f_open, f_close), b.open, b.close});
    }
    // Weekend gap: Monday opens pct away from the last close before it.
    if (in_weekend_ && !weekend) {
      in_weekend_ = false;
      if (last_close_ > 0) {
        const double up = prng_.bernoulli(0.5) ? 1.0 : -1.0;
        const double target = last_close_ * (1.0 + up * c_.weekend_gap_pct / 100.0);
        weekend_shift_ = target / b.open;
      }
    }
    if (weekend_shift_ != 1.0) {
      b.open *= weekend_shift_;
      b.high *= weekend_shift_;
      b.low *= weekend_shift_;
      b.close *= weekend_shift_;
    }
    last_close_ = b.close;
    return b;
  }
  return std::nullopt;
}

}  // namespace verity
