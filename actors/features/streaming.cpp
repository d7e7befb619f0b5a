#include "actors/features/streaming.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "actors/runtime/assert.hpp"
#include "actors/runtime/state_archive.hpp"

namespace verity {

namespace {
/// Reads a length the state was saved with; fails unless it is the object's.
void expect_length(StateReader& r, std::uint64_t configured, const char* what) {
  std::uint64_t saved = 0;
  r.get(saved);
  if (r.ok() && saved != configured) {
    r.fail(std::string(what) + " is " + std::to_string(configured) + " but the state is for " + std::to_string(saved));
  }
}
}  // namespace

// --- WindowSums ----------------------------------------------------------------

template <bool Squares>
WindowSums<Squares>::WindowSums(std::size_t n) : n_(n), block_(n, 0.0), s1_(n + 1, 0.0), s2_(Squares ? n + 1 : 0, 0.0) {
  VERITY_ASSERT(n > 0, "a window holds at least one value");
}

template <bool Squares>
void WindowSums<Squares>::push(double x) {
  if (next_ == 0) {
    shift_cur_ = x;
    p1_ = 0;
    p2_ = 0;
  }
  const double t = x - shift_cur_;
  block_[next_] = t;
  p1_ = p1_ + t;
  if constexpr (Squares) p2_ = p2_ + t * t;
  ++next_;
  ++count_;
  if (next_ == n_) {
    // The block is complete: it becomes the previous block. Its suffix sums
    // serve the next n windows; the window ending here is the whole block,
    // which the prefix sums (kept until the next push) already describe.
    s1_[n_] = 0;
    for (std::size_t m = n_; m-- > 0;) s1_[m] = block_[m] + s1_[m + 1];
    if constexpr (Squares) {
      s2_[n_] = 0;
      for (std::size_t m = n_; m-- > 0;) s2_[m] = block_[m] * block_[m] + s2_[m + 1];
    }
    shift_prev_ = shift_cur_;
    next_ = 0;
  }
}

template <bool Squares>
WindowParts WindowSums<Squares>::parts() const {
  WindowParts p;
  const std::size_t j = next_ == 0 ? n_ - 1 : next_ - 1;  // offset of the latest value
  p.b1 = p1_;
  if constexpr (Squares) p.b2 = p2_;
  p.shift = shift_cur_;
  p.count = static_cast<double>(j + 1);
  if (j + 1 < n_ && count_ > n_) {
    // The window reaches back into the previous block: take its suffix.
    const std::size_t from = j + 1;
    p.na = static_cast<double>(n_ - from);
    p.a1 = s1_[from];
    if constexpr (Squares) p.a2 = s2_[from];
    p.d = shift_prev_ - shift_cur_;
    p.count = static_cast<double>(n_);
  }
  return p;
}

// Config: n_ (written as a check). State: everything else.
template <bool Squares>
void WindowSums<Squares>::save(StateWriter& w) const {
  w.put_all(n_, count_, next_, shift_cur_, shift_prev_, p1_, p2_, block_, s1_, s2_);
}

template <bool Squares>
void WindowSums<Squares>::load(StateReader& r) {
  expect_length(r, n_, "the rolling window");
  std::uint64_t count = 0;
  std::size_t next = 0;
  double shift_cur = 0, shift_prev = 0, p1 = 0, p2 = 0;
  std::vector<double> block, s1, s2;
  r.get_all(count, next, shift_cur, shift_prev, p1, p2, block, s1, s2);
  if (!r.ok()) return;
  if (next != count % n_ || block.size() != block_.size() || s1.size() != s1_.size() || s2.size() != s2_.size()) {
    r.fail("a rolling window whose position or block sizes do not fit its length");
    return;
  }
  count_ = count;
  next_ = next;
  shift_cur_ = shift_cur;
  shift_prev_ = shift_prev;
  p1_ = p1;
  p2_ = p2;
  block_ = std::move(block);
  s1_ = std::move(s1);
  s2_ = std::move(s2);
}

template class WindowSums<false>;
template class WindowSums<true>;

// --- moving averages ---------------------------------------------------------------

double Sma::update(double x) {
  window_.push(x);
  if (window_.full()) value_ = window_mean(window_.parts());
  return value_;
}

void Sma::save(StateWriter& w) const { w.put_all(window_, value_); }
void Sma::load(StateReader& r) { r.get_all(window_, value_); }

Ema::Ema(std::size_t period) : period_(period), k_(2.0 / static_cast<double>(period + 1)) {
  VERITY_ASSERT(period > 0, "EMA period must be positive");
}

double Ema::update(double x) {
  ++count_;
  if (count_ < period_) {
    seed_sum_ = seed_sum_ + x;
  } else if (count_ == period_) {
    seed_sum_ = seed_sum_ + x;
    value_ = seed_sum_ / static_cast<double>(period_);
  } else {
    value_ = (x - value_) * k_ + value_;
  }
  return value_;
}

// Config: period_ (written as a check), k_. State: count_, seed_sum_, value_.
void Ema::save(StateWriter& w) const { w.put_all(period_, count_, seed_sum_, value_); }

void Ema::load(StateReader& r) {
  expect_length(r, period_, "the EMA period");
  r.get_all(count_, seed_sum_, value_);
}

// --- oscillators ---------------------------------------------------------------------

Rsi::Rsi(std::size_t period) : period_(period) { VERITY_ASSERT(period > 0, "RSI period must be positive"); }

namespace {
double rsi_from(double gain, double loss) {
  const double total = gain + loss;
  return total == 0 ? 50.0 : 100.0 * (gain / total);
}
}  // namespace

double Rsi::update(double x) {
  if (count_++ == 0) {
    prev_ = x;
    return value_;
  }
  const double change = x - prev_;
  prev_ = x;
  const double n = static_cast<double>(period_);
  if (count_ <= period_ + 1) {
    if (change < 0) {
      loss_ = loss_ - change;
    } else {
      gain_ = gain_ + change;
    }
    if (count_ == period_ + 1) {
      loss_ = loss_ / n;
      gain_ = gain_ / n;
      value_ = rsi_from(gain_, loss_);
    }
    return value_;
  }
  loss_ = loss_ * (n - 1.0);
  gain_ = gain_ * (n - 1.0);
  if (change < 0) {
    loss_ = loss_ - change;
  } else {
    gain_ = gain_ + change;
  }
  loss_ = loss_ / n;
  gain_ = gain_ / n;
  value_ = rsi_from(gain_, loss_);
  return value_;
}

// Config: period_ (written as a check). State: the rest.
void Rsi::save(StateWriter& w) const { w.put_all(period_, count_, prev_, gain_, loss_, value_); }

void Rsi::load(StateReader& r) {
  expect_length(r, period_, "the RSI period");
  r.get_all(count_, prev_, gain_, loss_, value_);
}

Macd::Macd(std::size_t fast, std::size_t slow, std::size_t signal)
    : fast_(fast),
      slow_(slow),
      recent_(fast, 0.0),
      fast_k_(2.0 / static_cast<double>(fast + 1)),
      slow_ema_(slow),
      signal_ema_(signal) {
  VERITY_ASSERT(fast > 0, "MACD fast period must be positive");
  VERITY_ASSERT(fast < slow, "MACD fast period must be below the slow one");
}

void Macd::update(double x) {
  ++count_;
  slow_ema_.update(x);
  if (count_ < slow_) {
    recent_[count_ % fast_] = x;
    return;
  }
  if (count_ == slow_) {
    recent_[count_ % fast_] = x;
    // TA-Lib seeds the fast EMA where the slow one starts, with the mean of
    // the last `fast` values summed oldest first.
    double sum = 0;
    for (std::size_t i = 1; i <= fast_; ++i) sum = sum + recent_[(count_ + i) % fast_];
    fast_value_ = sum / static_cast<double>(fast_);
  } else {
    fast_value_ = (x - fast_value_) * fast_k_ + fast_value_;
  }
  line_ = fast_value_ - slow_ema_.value();
  signal_ema_.update(line_);
  if (signal_ema_.ready()) {
    signal_ = signal_ema_.value();
    hist_ = line_ - signal_;
  }
}

// Config: fast_, slow_ (written as checks; the signal period is the signal
// EMA's), fast_k_. State: count_, recent_, fast_value_, both EMAs, the outputs.
void Macd::save(StateWriter& w) const {
  w.put_all(fast_, slow_, count_, recent_, fast_value_, slow_ema_, signal_ema_, line_, signal_, hist_);
}

void Macd::load(StateReader& r) {
  expect_length(r, fast_, "the MACD fast period");
  expect_length(r, slow_, "the MACD slow period");
  std::vector<double> recent;
  r.get_all(count_, recent);
  if (r.ok() && recent.size() != fast_) r.fail("MACD values that do not fit its fast period");
  if (!r.ok()) return;
  recent_ = std::move(recent);
  r.get_all(fast_value_, slow_ema_, signal_ema_, line_, signal_, hist_);
}

void Bollinger::update(double x) {
  window_.push(x);
  if (!window_.full()) return;
  const WindowParts p = window_.parts();
  middle_ = window_mean(p);
  const double sd = std::sqrt(window_variance(p));
  const double width = sd * k_;
  upper_ = middle_ + width;
  lower_ = middle_ - width;
  percent_b_ = upper_ > lower_ ? (x - lower_) / (upper_ - lower_) : 0.5;
}

// Config: k_ (its bits written as a check) and the window's length. State:
// the window and the outputs.
void Bollinger::save(StateWriter& w) const { w.put_all(k_, window_, upper_, middle_, lower_, percent_b_); }

void Bollinger::load(StateReader& r) {
  double k = 0;
  r.get(k);
  if (r.ok() && std::bit_cast<std::uint64_t>(k) != std::bit_cast<std::uint64_t>(k_)) {
    r.fail("the Bollinger width is " + std::to_string(k_) + " but the state is for " + std::to_string(k));
  }
  r.get_all(window_, upper_, middle_, lower_, percent_b_);
}

Atr::Atr(std::size_t period) : period_(period) { VERITY_ASSERT(period > 0, "ATR period must be positive"); }

double Atr::update(double high, double low, double close) {
  if (count_++ == 0) {
    prev_close_ = close;
    return value_;
  }
  double tr = high - low;
  const double up = std::fabs(prev_close_ - high);
  if (up > tr) tr = up;
  const double down = std::fabs(prev_close_ - low);
  if (down > tr) tr = down;
  prev_close_ = close;
  const double n = static_cast<double>(period_);
  if (count_ <= period_ + 1) {
    seed_sum_ = seed_sum_ + tr;
    if (count_ == period_ + 1) value_ = seed_sum_ / n;
    return value_;
  }
  value_ = value_ * (n - 1.0);
  value_ = value_ + tr;
  value_ = value_ / n;
  return value_;
}

// Config: period_ (written as a check). State: the rest.
void Atr::save(StateWriter& w) const { w.put_all(period_, count_, prev_close_, seed_sum_, value_); }

void Atr::load(StateReader& r) {
  expect_length(r, period_, "the ATR period");
  r.get_all(count_, prev_close_, seed_sum_, value_);
}

double Obv::update(double close, double volume) {
  if (!started_) {
    started_ = true;
    value_ = volume;
  } else if (close > prev_close_) {
    value_ = value_ + volume;
  } else if (close < prev_close_) {
    value_ = value_ - volume;
  }
  prev_close_ = close;
  return value_;
}

void Obv::save(StateWriter& w) const { w.put_all(started_, prev_close_, value_); }
void Obv::load(StateReader& r) { r.get_all(started_, prev_close_, value_); }

// --- Lag ---------------------------------------------------------------------------

// Config: the ring's length (written as a check). State: its values, head_, count_.
void Lag::save(StateWriter& w) const { w.put_all(ring_.size(), head_, count_, ring_); }

void Lag::load(StateReader& r) {
  expect_length(r, ring_.size(), "the lag ring");
  std::size_t head = 0;
  std::uint64_t count = 0;
  std::vector<double> ring;
  r.get_all(head, count, ring);
  if (!r.ok()) return;
  if (ring.size() != ring_.size() || head != count % ring.size()) {
    r.fail("a lag ring whose position or size does not fit its length");
    return;
  }
  head_ = head;
  count_ = count;
  ring_ = std::move(ring);
}

// --- VolatilityRegime ---------------------------------------------------------------

VolatilityRegime::VolatilityRegime(std::size_t window)
    : ring_(window, 0), bins_(kRegimeBins, 0), blocks_(kRegimeBins / kBlock, 0) {
  static_assert(kRegimeBins % kBlock == 0, "bins fill whole blocks");
  VERITY_ASSERT(window > 0, "the regime window holds at least one value");
  VERITY_ASSERT(window < (1u << 30), "the regime window fits the integer counts");
}

std::int64_t VolatilityRegime::count_in(std::uint32_t from, std::uint32_t to) const {
  std::int64_t sum = 0;
  while (from < to && from % kBlock != 0) sum += bins_[from++];
  while (from + kBlock <= to) {
    sum += blocks_[from / kBlock];
    from += kBlock;
  }
  while (from < to) sum += bins_[from++];
  return sum;
}

void VolatilityRegime::update(double volatility) {
  const std::uint32_t bin = regime_bin(volatility);
  if (count_ >= ring_.size()) {
    const std::uint32_t old = ring_[head_];
    --bins_[old];
    --blocks_[old / kBlock];
    if (old <= current_) --at_or_below_;
  }
  ring_[head_] = static_cast<std::uint16_t>(bin);
  head_ = head_ + 1 == ring_.size() ? 0 : head_ + 1;
  ++bins_[bin];
  ++blocks_[bin / kBlock];
  if (bin <= current_) ++at_or_below_;
  // Move the split from the previous value's bin to this one.
  if (bin > current_) at_or_below_ += count_in(current_ + 1, bin + 1);
  if (bin < current_) at_or_below_ -= count_in(bin + 1, current_ + 1);
  current_ = bin;
  ++count_;
  if (!ready()) return;
  const auto window = static_cast<std::uint32_t>(ring_.size());
  const auto c = static_cast<std::uint32_t>(at_or_below_);
  percentile_ = static_cast<double>(c) / static_cast<double>(window);
  regime_ = regime_of(c, window);
}

// Config: the window (the ring's length, written as a check). State: the
// ring, head_, count_, current_, the outputs; bins_, blocks_ and
// at_or_below_ are rebuilt from the ring's window values and current_.
void VolatilityRegime::save(StateWriter& w) const {
  w.put_all(ring_.size(), count_, head_, current_, ring_, percentile_, regime_);
}

void VolatilityRegime::load(StateReader& r) {
  expect_length(r, ring_.size(), "the volatility regime window");
  std::uint64_t count = 0;
  std::size_t head = 0;
  std::uint32_t current = 0;
  std::vector<std::uint16_t> ring;
  double percentile = kNaN, regime = kNaN;
  r.get_all(count, head, current, ring, percentile, regime);
  if (!r.ok()) return;
  bool fits = ring.size() == ring_.size() && head == count % ring.size() && current < kRegimeBins;
  for (const std::uint16_t b : ring) fits = fits && b < kRegimeBins;
  if (!fits) {
    r.fail("a volatility regime whose position, size or bins do not fit its window");
    return;
  }
  ring_ = std::move(ring);
  count_ = count;
  head_ = head;
  current_ = current;
  percentile_ = percentile;
  regime_ = regime;
  // The window's values: the whole ring once it is full, else the first count_.
  const std::size_t n = count_ >= ring_.size() ? ring_.size() : static_cast<std::size_t>(count_);
  std::fill(bins_.begin(), bins_.end(), 0);
  std::fill(blocks_.begin(), blocks_.end(), 0);
  at_or_below_ = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t b = ring_[i];
    ++bins_[b];
    ++blocks_[b / kBlock];
    if (b <= current_) ++at_or_below_;
  }
}

// --- higher timeframes -----------------------------------------------------------

CausalResampler::CausalResampler(std::int64_t bucket_ns) : bucket_ns_(bucket_ns) {
  VERITY_ASSERT(bucket_ns > 0, "a bucket has a positive length");
}

int CausalResampler::update(const BarData& bar, HtfBar out[2]) {
  int n = 0;
  std::int64_t start = current_.start_ns;
  if (!open_ || bar.open_time_ns < start || bar.open_time_ns >= end_ns_) {
    // Outside the open bucket: divide (a 64-bit division costs more than
    // the rest of an update, so bars inside the open bucket skip it).
    start = bar.open_time_ns / bucket_ns_ * bucket_ns_;
    if (start > bar.open_time_ns) start -= bucket_ns_;  // floor for times before 1970
  }
  if (open_ && start != current_.start_ns) {
    // A gap: the bar that would have closed this bucket never came.
    current_.partial = true;
    out[n++] = current_;
    open_ = false;
  }
  if (!open_) {
    open_ = true;
    current_ = HtfBar{start, bar.open, bar.high, bar.low, bar.close, bar.volume, 1, false};
    end_ns_ = start + bucket_ns_;
  } else {
    current_.high = std::max(current_.high, bar.high);
    current_.low = std::min(current_.low, bar.low);
    current_.close = bar.close;
    current_.volume = current_.volume + bar.volume;
    ++current_.bars;
  }
  if (bar.open_time_ns + bar.interval_ns >= end_ns_) {
    const std::int64_t expected = bar.interval_ns > 0 ? bucket_ns_ / bar.interval_ns : 1;
    current_.partial = static_cast<std::int64_t>(current_.bars) < expected;
    out[n++] = current_;
    open_ = false;
  }
  return n;
}

void HtfBar::save(StateWriter& w) const { w.put_all(start_ns, open, high, low, close, volume, bars, partial); }
void HtfBar::load(StateReader& r) { r.get_all(start_ns, open, high, low, close, volume, bars, partial); }

// Config: bucket_ns_ (written as a check). State: open_, current_, end_ns_.
void CausalResampler::save(StateWriter& w) const { w.put_all(bucket_ns_, open_, current_, end_ns_); }

void CausalResampler::load(StateReader& r) {
  expect_length(r, static_cast<std::uint64_t>(bucket_ns_), "the bucket length in ns");
  r.get_all(open_, current_, end_ns_);
}

HtfTrend::HtfTrend(std::int64_t bucket_ns, std::size_t rsi_period, std::size_t ema_period)
    : resampler_(bucket_ns), rsi_(rsi_period), ema_(ema_period) {}

void HtfTrend::update(const BarData& bar) {
  HtfBar closed[2];
  const int n = resampler_.update(bar, closed);
  for (int i = 0; i < n; ++i) on_bucket(closed[i]);
}

void HtfTrend::on_bucket(const HtfBar& bucket) {
  rsi_.update(bucket.close);
  const bool had_ema = ema_.ready();
  const double previous = ema_.value();
  ema_.update(bucket.close);
  if (had_ema) {
    slope_ = (ema_.value() - previous) / previous;
    slope_ready_ = true;
  }
}

void HtfTrend::save(StateWriter& w) const { w.put_all(resampler_, rsi_, ema_, slope_, slope_ready_); }
void HtfTrend::load(StateReader& r) { r.get_all(resampler_, rsi_, ema_, slope_, slope_ready_); }

}  // namespace verity
