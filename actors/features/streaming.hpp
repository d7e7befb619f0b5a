// Streaming indicators, the building blocks of the FeatureEngine. Each takes
// one value (or bar) per update in O(1) time (amortized where noted) and
// bounded memory, and each does exactly the arithmetic, in exactly the order,
// of its batch definition in features_batch.cpp, so streaming and batch
// values are equal bit for bit. Where TA-Lib defines an indicator, the
// arithmetic is TA-Lib's too (docs/FEATURES.md says where we differ).
//
// Before an indicator is ready(), value() is NaN: a value that is not
// defined yet is not a number, so nothing downstream can mistake it for one.
//
// Snapshots (actors/runtime/state_archive.hpp): every class that keeps state
// between updates has save() and load(). What the constructor fixes (periods,
// window lengths, bucket sizes, derived constants such as an EMA's k) is
// configuration: a fresh object built from the same configuration is loaded,
// so it is not restored; the lengths are written all the same and load()
// fails when they differ from the object's, so state is never read into an
// indicator of another shape. load() reads into locals and checks them
// (positions inside their rings, sizes) before it changes anything, so bad
// bytes make the reader fail, never an index out of range.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>
#include <vector>

#include "actors/feed/bar.hpp"

namespace verity {

class StateWriter;
class StateReader;

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// --- rolling window sums without drift ---------------------------------------

/// What a window of the last `n` values is made of: the suffix of the
/// previous block and the prefix of the current block (see WindowSums).
/// Sums are of x - shift, where each block's shift is its first value.
struct WindowParts {
  double na = 0;           // values taken from the previous block
  double a1 = 0, a2 = 0;   // their sum and sum of squares, around the previous block's shift
  double d = 0;            // previous block's shift minus the current block's shift
  double b1 = 0, b2 = 0;   // the current block's prefix: sum and sum of squares around its shift
  double count = 0;        // values in the window: na + the prefix length
  double shift = 0;        // the current block's shift
};

/// Mean of the window: shift + (a1 + na*d + b1) / count.
inline double window_mean_offset(const WindowParts& p) { return (p.a1 + p.na * p.d + p.b1) / p.count; }
inline double window_mean(const WindowParts& p) { return p.shift + window_mean_offset(p); }
/// Population variance of the window. The sums are around a value inside
/// the last two blocks, not around zero, so a price of 60,000 with a
/// standard deviation of 1 keeps its digits; a tiny negative from rounding
/// is clamped to 0.
inline double window_variance(const WindowParts& p) {
  const double m = window_mean_offset(p);
  const double q = p.a2 + 2.0 * p.d * p.a1 + p.na * p.d * p.d + p.b2;
  const double v = q / p.count - m * m;
  return v > 0 ? v : 0.0;
}

/// Sums over the last `n` values that never drift. A running sum that adds
/// the new value and subtracts the oldest accumulates rounding error without
/// bound and depends on the whole history. Here the stream is cut into
/// blocks of `n` values counted from the first update; a window is the
/// suffix of the previous block plus the prefix of the current one. Prefix
/// sums run left to right as values arrive; when a block completes, its
/// suffix sums are computed once, right to left. So every window value is
/// a fresh sum of its own n values (plus the block phase), O(1) amortized
/// per update (O(n) once every n updates), 3n + 2 doubles of memory.
/// `Squares` also keeps sums of squares, for the variance.
template <bool Squares>
class WindowSums {
 public:
  explicit WindowSums(std::size_t n);
  void push(double x);
  bool full() const { return count_ >= n_; }
  std::size_t size() const { return n_; }
  std::uint64_t count() const { return count_; }
  /// The parts of the window ending at the latest value (count() > 0).
  WindowParts parts() const;
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  std::size_t n_;
  std::uint64_t count_ = 0;
  std::size_t next_ = 0;  // offset in the current block of the next value
  double shift_cur_ = 0, shift_prev_ = 0;
  double p1_ = 0, p2_ = 0;
  std::vector<double> block_;       // x - shift of the current block
  std::vector<double> s1_, s2_;     // suffix sums of the previous block; s[n] = 0
};

// --- moving averages -----------------------------------------------------------

/// Simple moving average of the last `period` values (WindowSums: no drift).
class Sma {
 public:
  explicit Sma(std::size_t period) : window_(period) {}
  double update(double x);
  double value() const { return value_; }
  bool ready() const { return window_.full(); }
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  WindowSums<false> window_;
  double value_ = kNaN;
};

/// Exponential moving average, k = 2 / (period + 1), seeded with the SMA of
/// the first `period` values summed in order (TA-Lib's EMA, bit for bit):
/// value = (x - value) * k + value.
class Ema {
 public:
  explicit Ema(std::size_t period);
  double update(double x);
  double value() const { return value_; }
  bool ready() const { return count_ >= period_; }
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  std::size_t period_;
  double k_;
  std::uint64_t count_ = 0;
  double seed_sum_ = 0;
  double value_ = kNaN;
};

// --- oscillators ---------------------------------------------------------------

/// Wilder's RSI, TA-Lib's arithmetic: the average gain and loss of the first
/// `period` changes, then avg = (avg * (period - 1) + change) / period.
/// RSI = 100 * gain / (gain + loss); 50 when both are 0 (no movement).
/// Ready after period + 1 values.
class Rsi {
 public:
  explicit Rsi(std::size_t period);
  double update(double x);
  double value() const { return value_; }
  bool ready() const { return count_ > period_; }
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  std::size_t period_;
  std::uint64_t count_ = 0;
  double prev_ = 0, gain_ = 0, loss_ = 0;
  double value_ = kNaN;
};

/// MACD as TA-Lib defines it: both EMAs are seeded at value `slow` (the fast
/// one with the SMA of the `fast` values up to there), line = fast - slow,
/// signal = EMA(signal) of the line, histogram = line - signal.
class Macd {
 public:
  Macd(std::size_t fast, std::size_t slow, std::size_t signal);
  void update(double x);
  double line() const { return line_; }
  double signal() const { return signal_; }
  double histogram() const { return hist_; }
  bool line_ready() const { return count_ >= slow_; }
  bool ready() const { return signal_ema_.ready(); }
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  std::size_t fast_, slow_;
  std::uint64_t count_ = 0;
  std::vector<double> recent_;  // the last `fast` values, until the fast EMA is seeded
  double fast_k_, fast_value_ = kNaN;
  Ema slow_ema_, signal_ema_;
  double line_ = kNaN, signal_ = kNaN, hist_ = kNaN;
};

/// Bollinger bands over `period` values: middle = SMA, sd = population
/// standard deviation, upper/lower = middle +/- sd * k, %B = (x - lower) /
/// (upper - lower), 0.5 when the bands touch.
class Bollinger {
 public:
  Bollinger(std::size_t period, double k) : window_(period), k_(k) {}
  void update(double x);
  bool ready() const { return window_.full(); }
  double upper() const { return upper_; }
  double middle() const { return middle_; }
  double lower() const { return lower_; }
  double percent_b() const { return percent_b_; }
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  WindowSums<true> window_;
  double k_;
  double upper_ = kNaN, middle_ = kNaN, lower_ = kNaN, percent_b_ = kNaN;
};

/// Average true range, TA-Lib's definition: true ranges start at the second
/// bar (they need a previous close); the first ATR is their mean over
/// `period` bars, then atr = (atr * (period - 1) + tr) / period. Ready after
/// period + 1 bars.
class Atr {
 public:
  explicit Atr(std::size_t period);
  double update(double high, double low, double close);
  double value() const { return value_; }
  bool ready() const { return count_ > period_; }
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  std::size_t period_;
  std::uint64_t count_ = 0;
  double prev_close_ = 0, seed_sum_ = 0;
  double value_ = kNaN;
};

/// On-balance volume, TA-Lib's: starts at the first bar's volume, then adds
/// the volume on an up close and subtracts it on a down close.
class Obv {
 public:
  double update(double close, double volume);
  double value() const { return value_; }
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  bool started_ = false;
  double prev_close_ = 0;
  double value_ = kNaN;
};

/// A ring of the last `n + 1` values: the value n updates ago.
class Lag {
 public:
  explicit Lag(std::size_t n) : ring_(n + 1, 0.0) {}
  void push(double x) {
    ring_[head_] = x;
    head_ = head_ + 1 == ring_.size() ? 0 : head_ + 1;
    ++count_;
  }
  bool ready() const { return count_ >= ring_.size(); }
  /// The value pushed n updates before the latest one (ready()).
  double lagged() const { return ring_[head_]; }
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  std::vector<double> ring_;
  std::size_t head_ = 0;
  std::uint64_t count_ = 0;
};

// --- the volatility regime ---------------------------------------------------------

/// The bin of a volatility for the regime's rank: the double's exponent and
/// top 8 mantissa bits, so bins are 1/256 of an octave (0.4%) wide and
/// ordered like the values. Volatilities below 2^-40 share bin 0, those at
/// or above 2^8 the top bin.
inline constexpr std::uint32_t kRegimeBins = 48 * 256;
inline std::uint32_t regime_bin(double v) {
  constexpr std::int64_t kLowest = std::int64_t{1023 - 40} << 8;
  const std::int64_t raw = v > 0 ? static_cast<std::int64_t>(std::bit_cast<std::uint64_t>(v) >> 44) : 0;
  const std::int64_t bin = raw - kLowest;
  if (bin < 0) return 0;
  return bin >= kRegimeBins ? kRegimeBins - 1 : static_cast<std::uint32_t>(bin);
}
/// Low (0), medium (1) or high (2) from how many of the window's W values
/// are at or below the current one: low when 3c <= W, high when 3c > 2W.
inline int regime_of(std::uint32_t at_or_below, std::uint32_t window) {
  if (3u * at_or_below <= window) return 0;
  return 3u * at_or_below > 2u * window ? 2 : 1;
}

/// A causal rolling percentile of volatility over the last `window` values:
/// the fraction of them whose bin is at or below the current one's, and the
/// regime it implies. It keeps a count per bin (and per block of 64 bins)
/// and the number of window values at or below the current bin; when the
/// current bin moves, only the counts between the old and the new bin are
/// added or taken away. So an update costs O(1) whatever the window: at most
/// 63 + 192 + 63 additions, and in practice the few bins a rolling
/// volatility moves per bar (9 on average on BTC 1m, 2021). A Fenwick tree,
/// O(log B) = 14 steps for each of its 3 operations, measured about 20%
/// slower (BM_Indicator/10); an exact order-statistics tree would be
/// O(log W) with pointer chasing, to resolve differences below 0.4%.
/// Counts are integers, so nothing drifts. Memory: B + B/64 + W integers.
class VolatilityRegime {
 public:
  explicit VolatilityRegime(std::size_t window);
  void update(double volatility);
  bool ready() const { return count_ >= ring_.size(); }
  double percentile() const { return percentile_; }
  double regime() const { return regime_; }
  /// Saves the ring of bins and the current bin; load() rebuilds the counts
  /// per bin and per block and at_or_below_ from them (they are exactly the
  /// counts of the ring's window values), so the state is W integers, not B.
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  static constexpr std::uint32_t kBlock = 64;
  /// Values in bins [from, to).
  std::int64_t count_in(std::uint32_t from, std::uint32_t to) const;

  std::vector<std::uint16_t> ring_;
  std::vector<std::int32_t> bins_, blocks_;
  std::uint32_t current_ = 0;      // the latest value's bin
  std::int64_t at_or_below_ = 0;   // window values with bin <= current_
  std::size_t head_ = 0;
  std::uint64_t count_ = 0;
  double percentile_ = kNaN, regime_ = kNaN;
};

// --- higher timeframes ---------------------------------------------------------------

/// A bar of a higher timeframe built from the stream.
struct HtfBar {
  std::int64_t start_ns = 0;
  double open = 0, high = 0, low = 0, close = 0, volume = 0;
  std::uint32_t bars = 0;   // input bars merged into it
  bool partial = false;     // fewer input bars than the bucket holds (a gap, or the stream's first bucket)
  void save(StateWriter& w) const;
  void load(StateReader& r);
};

/// Resamples a bar stream into UTC-aligned buckets of `bucket_ns`, causally:
/// a bucket is handed out when the input bar that reaches its end closes
/// (open + interval >= bucket end), or, after a gap, when the first bar of a
/// later bucket arrives. Either way every bar in it closed at or before the
/// bar being processed, so a value computed from handed-out buckets at t
/// uses nothing after t. Gapped buckets are handed out too, flagged partial.
class CausalResampler {
 public:
  explicit CausalResampler(std::int64_t bucket_ns);
  /// Feeds one bar (open times strictly increasing); writes the buckets it
  /// closes, oldest first, to `out` and returns how many (0, 1 or 2).
  int update(const BarData& bar, HtfBar out[2]);
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  std::int64_t bucket_ns_;
  bool open_ = false;
  HtfBar current_;
  std::int64_t end_ns_ = 0;  // current_.start_ns + bucket_ns_
};

/// RSI and the relative slope of the EMA of a higher timeframe's closes.
/// slope = (ema_k - ema_(k-1)) / ema_(k-1), per bucket.
class HtfTrend {
 public:
  HtfTrend(std::int64_t bucket_ns, std::size_t rsi_period, std::size_t ema_period);
  void update(const BarData& bar);
  double rsi() const { return rsi_.value(); }
  double ema_slope() const { return slope_; }
  bool ready() const { return rsi_.ready() && slope_ready_; }
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  void on_bucket(const HtfBar& bucket);

  CausalResampler resampler_;
  Rsi rsi_;
  Ema ema_;
  double slope_ = kNaN;
  bool slope_ready_ = false;
};

}  // namespace verity
