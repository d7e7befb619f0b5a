// Empirical execution costs: spread and slippage distributions (count, mean,
// p50, p90 in basis points of mid) per pair and per trading session, measured
// from recorded quotes and trades, or estimated from candles where nothing
// better exists. They are stored as versioned, date-stamped JSON files that
// the simulated venue draws from (docs/EXECUTION_METRICS.md).
//
// Guarantees: the same input bytes give the same figures and the same JSON
// bytes (plain sorts, type-7 percentiles, det_exp/det_log, ordered maps). A
// malformed input line is counted and named by file and line, never a crash
// and never dropped without a trace.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace verity {

// --- sessions --------------------------------------------------------------

/// Trading sessions by UTC hour: Asia [00:00, 08:00), Europe [08:00, 16:00),
/// US [16:00, 24:00). Fixed UTC blocks rather than exchange hours, because
/// crypto trades around the clock and the sim needs one label per instant.
enum class TradingSession { asia = 0, europe = 1, us = 2 };
inline constexpr std::array<TradingSession, 3> kTradingSessions = {TradingSession::asia, TradingSession::europe,
                                                                   TradingSession::us};
std::string_view session_name(TradingSession s);
/// The session containing UTC time `t_ns` (times before 1970 work too).
TradingSession session_of(std::int64_t t_ns);

// --- distributions ---------------------------------------------------------

/// A summary of one sample. `count == 0` means no observations; the other
/// fields are then 0 in memory and null in the JSON.
struct Distribution {
  std::uint64_t count = 0;
  double mean = 0, p50 = 0, p90 = 0;
  bool empty() const { return count == 0; }
  friend bool operator==(const Distribution&, const Distribution&) = default;
};

/// The q-quantile (0 <= q <= 1) of an ascending sample by linear
/// interpolation between closest ranks (Hyndman-Fan type 7, numpy's
/// default): h = (n - 1) q, x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]).
/// Returns 0 for an empty sample.
double quantile_sorted(std::span<const double> ascending, double q);

/// Collects values and summarises them. Keeps every value (8 bytes each), up
/// to kMaxSamples; further values are counted in `dropped()` and the caller
/// reports them (the real data stays far below the limit).
class Sample {
 public:
  static constexpr std::size_t kMaxSamples = 20'000'000;
  void add(double value);
  std::size_t size() const { return values_.size(); }
  std::uint64_t dropped() const { return dropped_; }
  /// Type-7 quantile; sorts lazily.
  double quantile(double q) const;
  Distribution summary() const;

 private:
  mutable std::vector<double> values_;
  mutable bool sorted_ = true;
  std::uint64_t dropped_ = 0;
};

/// Values with weights (seconds a quote was in force). The quantile is the
/// smallest value whose cumulative weight reaches q of the total (weighted
/// nearest rank: no interpolation, since weights are durations, not ranks);
/// the mean is weight-weighted; `count` is the number of values.
class WeightedSample {
 public:
  static constexpr std::size_t kMaxSamples = 20'000'000;
  void add(double value, double weight);
  std::size_t size() const { return values_.size(); }
  std::uint64_t dropped() const { return dropped_; }
  double quantile(double q) const;
  Distribution summary() const;

 private:
  mutable std::vector<std::pair<double, double>> values_;  // (value, weight)
  mutable bool sorted_ = true;
  std::uint64_t dropped_ = 0;
};

// --- the stored form -------------------------------------------------------

/// What one method measures for one pair in one session. A field that the
/// method does not produce is nullopt (absent from the JSON).
struct SessionMetrics {
  /// (ask - bid) / mid, one observation per quote update, quote bar or
  /// candle pair depending on the method.
  std::optional<Distribution> spread_bps;
  /// The same spread weighted by how long each quote was in force (quote
  /// ticks only).
  std::optional<Distribution> spread_time_weighted_bps;
  /// |trade price - prevailing mid| / mid per trade: the effective
  /// half-spread the aggressor paid (quote ticks with trades only).
  std::optional<Distribution> slippage_bps;
  /// The same with the aggressor's sign (+ = paid, - = price improvement
  /// against the prevailing mid); kept to show the stream-ordering effect
  /// described in docs/EXECUTION_METRICS.md.
  std::optional<Distribution> slippage_signed_bps;
  friend bool operator==(const SessionMetrics&, const SessionMetrics&) = default;
};

enum class MetricsMethod { quote_ticks, quote_bars, corwin_schultz };
std::string_view method_name(MetricsMethod m);
std::optional<MetricsMethod> method_from_name(std::string_view name);

/// The metrics of one pair from one source.
struct PairMetrics {
  std::string pair;    // "BTCUSDT"
  std::string venue;   // "binance", "coinbase"
  std::string source;  // SourceRecord::id
  MetricsMethod method = MetricsMethod::quote_ticks;
  std::int64_t first_ns = 0, last_ns = 0;     // time span of the observations used
  std::array<SessionMetrics, 3> sessions;     // indexed by TradingSession
  SessionMetrics all;                         // every session together
  std::string coverage;                       // plain words: which sessions and how much time
  std::map<std::string, double> diagnostics;  // method-specific, e.g. "negative_estimate_fraction"
  const SessionMetrics& session(TradingSession s) const { return sessions[static_cast<std::size_t>(s)]; }
  friend bool operator==(const PairMetrics&, const PairMetrics&) = default;
};

struct SourceFile {
  std::string path;  // relative to the shared data folder
  std::uint64_t bytes = 0;
  std::string xxh3_128;  // hex, of the file's bytes as stored
  friend bool operator==(const SourceFile&, const SourceFile&) = default;
};

/// One problem in the input, by file and 1-based line (0: the file as a whole).
struct DataIssue {
  std::string file;
  std::uint64_t line = 0;
  std::string reason;
  std::string text() const;  // "FILE line L: REASON"
  friend bool operator==(const DataIssue&, const DataIssue&) = default;
};

/// A dataset that fed one or more PairMetrics, and what reading it found.
struct SourceRecord {
  static constexpr std::size_t kMaxIssuesKept = 100;  // the count stays exact beyond it
  std::string id;                                     // "binance_capture_btcusdt"
  std::string dataset;                                // the folder under the shared data folder
  std::string method;                                 // how the figures were computed, in words
  std::vector<SourceFile> files;
  std::uint64_t lines_read = 0;
  std::uint64_t malformed_lines = 0;
  std::vector<DataIssue> malformed;             // the first kMaxIssuesKept
  std::map<std::string, std::uint64_t> counts;  // e.g. "bookTicker", "trade", "crossed_quotes"
  std::vector<std::string> notes;
  void add_malformed(DataIssue issue);
  friend bool operator==(const SourceRecord&, const SourceRecord&) = default;
};

struct ExecutionMetrics {
  static constexpr const char* kFormat = "verity.execution_metrics/1";
  std::string version;       // "2026-11-21.1": generated_on plus a per-day counter
  std::string generated_on;  // "2026-11-21", UTC, from the LiveClock
  std::string generator;     // build id of the binary that wrote it
  std::vector<SourceRecord> sources;
  std::vector<PairMetrics> pairs;  // sorted by (pair, method)

  /// The best estimate for `pair`: measured quote ticks before quote bars
  /// before the candle estimator. nullptr when the pair is absent.
  const PairMetrics* find(std::string_view pair) const;
  friend bool operator==(const ExecutionMetrics&, const ExecutionMetrics&) = default;
};

// --- computing -------------------------------------------------------------

/// First and last observation time per session, for coverage notes.
struct SessionSpans {
  std::array<std::int64_t, 3> first_ns{}, last_ns{};
  std::array<bool, 3> seen{};
  void add(std::int64_t t_ns);
  /// "FIRST to LAST (10.8 min); us 5.8 min, asia 5.1 min; no data for europe"
  std::string describe_minutes(std::int64_t first_ns, std::int64_t last_ns) const;
};

/// Streams a Binance spot WebSocket capture (`<local_recv_ns> <json>` lines
/// of the @bookTicker, @trade and @depth streams) for one symbol. Times are
/// the capture's local receive times: the only clock all three streams share
/// (bookTicker carries no exchange time). Feed files in time order.
class CaptureMetrics {
 public:
  CaptureMetrics(std::string pair, SourceRecord& source);
  /// One line without its newline. Problems go to the SourceRecord.
  void add_line(std::string_view line, const std::string& file, std::uint64_t line_no);
  /// Closes the last quote's interval and summarises.
  PairMetrics finish();
  /// Every per-update spread of a session (nullopt: all sessions), for
  /// quantiles beyond p50/p90 in analyses and tests.
  const Sample& spread_sample(std::optional<TradingSession> session) const {
    return spread_[session ? static_cast<std::size_t>(*session) : 3];
  }

 private:
  void on_book_ticker(std::int64_t t_ns, double bid, double ask);
  void on_trade(std::int64_t t_ns, double price, bool buyer_is_maker, std::optional<std::int64_t> trade_time_ms);
  void close_quote_interval(std::int64_t t_ns);
  void observe(std::int64_t t_ns);

  std::string pair_;
  SourceRecord& source_;
  std::int64_t last_time_ns_ = 0;  // of the last well-formed line, to catch time going backwards
  bool any_line_ = false;
  bool have_quote_ = false;
  std::int64_t quote_time_ns_ = 0;
  double quote_spread_bps_ = 0, quote_mid_ = 0, quote_bid_ = 0, quote_ask_ = 0;
  bool observed_ = false;
  std::int64_t first_ns_ = 0, last_ns_ = 0;
  SessionSpans spans_;
  std::int64_t max_quote_gap_ns_ = 0;
  std::int64_t max_quote_age_at_trade_ns_ = 0;
  std::uint64_t negative_signed_ = 0;
  Sample exchange_minus_receive_ms_;  // trade time T minus local receive time: the collector's clock skew
  std::array<Sample, 4> spread_, slippage_, slippage_signed_;  // [asia, europe, us, all]
  std::array<WeightedSample, 4> spread_tw_;
};

/// Lean/Coinbase minute quote bars: spread from the bid and ask closes.
class QuoteBarMetrics {
 public:
  QuoteBarMetrics(std::string pair, SourceRecord& source);
  /// One CSV row `ms,bidO,bidH,bidL,bidC,bidSize,askO,askH,askL,askC,askSize`
  /// of the day starting at `day_start_ns`.
  void add_row(std::int64_t day_start_ns, std::string_view row, const std::string& file, std::uint64_t line_no);
  PairMetrics finish();

 private:
  std::string pair_;
  SourceRecord& source_;
  std::int64_t first_ns_ = 0, last_ns_ = 0;
  bool any_ = false;
  std::set<std::int64_t> days_;  // UTC days seen, for the coverage note
  std::array<Sample, 4> spread_;
};

/// One raw Corwin-Schultz (2012) two-bar spread estimate, as a fraction of
/// price (may be negative). Bars are (high, low) of consecutive periods t and
/// t+1; `close1` is bar t's close, used for the paper's gap adjustment.
/// Returns nullopt when a price is not positive or a high is below its low.
std::optional<double> corwin_schultz_spread(double high1, double low1, double close1, double high2, double low2);

/// Corwin-Schultz over a candle series of one interval: each pair of
/// adjacent bars gives one estimate, negatives are set to zero (the paper's
/// rule), and the estimate goes to the session of the first bar.
class CorwinSchultzMetrics {
 public:
  struct Candle {
    std::int64_t open_time_ns = 0;
    double high = 0, low = 0, close = 0;
  };
  CorwinSchultzMetrics(std::string pair, std::int64_t interval_ns, SourceRecord& source);
  void add(const Candle& candle, const std::string& file, std::uint64_t line_no);
  PairMetrics finish();

 private:
  std::string pair_;
  std::int64_t interval_ns_;
  SourceRecord& source_;
  std::optional<Candle> prev_;
  std::uint64_t estimates_ = 0, negative_ = 0, gaps_ = 0;
  std::int64_t first_ns_ = 0, last_ns_ = 0;
  std::array<Sample, 4> spread_;
};

/// Reads every dataset under `shared_dir` (the ../shared/data layout: 03
/// capture, 04 Coinbase quote bars, 01 candles) and computes all pairs. A
/// missing dataset or unreadable file is an error; malformed lines are not.
/// `generated_on` is "YYYY-MM-DD"; the version is set when written.
std::expected<ExecutionMetrics, std::string> compute_execution_metrics(const std::string& shared_dir,
                                                                       const std::string& generated_on);

/// Reads a capture file line by line (gzip or plain text), feeding `sink`.
/// Returns false with `error` set when the file cannot be opened; a
/// truncated gzip stream is reported as a malformed line, not an error.
bool read_capture_file(const std::string& path, const std::string& display_name, CaptureMetrics& sink,
                       SourceRecord& source, std::string& error);

// --- storage ---------------------------------------------------------------

inline constexpr const char* kExecutionMetricsDir = "scenarios/execution";

/// "YYYY-MM-DD" of a UTC time.
std::string utc_date(std::int64_t t_ns);
/// "execution-metrics-<version>.json"
std::string metrics_file_name(std::string_view version);
/// Every version stored in `dir`, oldest first (by date, then counter).
std::vector<std::string> list_metrics_versions(const std::string& dir);

/// Writes `metrics` as the next version of its generated_on date
/// ("<date>.N", N one past the highest stored for that date) and points
/// latest.json at it. Sets metrics.version. Returns the file's path.
std::expected<std::string, std::string> write_execution_metrics(const std::string& dir, ExecutionMetrics& metrics);

/// Loads "latest" (via latest.json) or a version such as "2026-11-21.1".
/// Errors name the available versions, or the file and field that is wrong.
std::expected<ExecutionMetrics, std::string> load_execution_metrics(const std::string& dir, const std::string& version);

/// The canonical JSON text (2-space indent, fixed key order, trailing newline).
std::string to_json_text(const ExecutionMetrics& metrics);
/// Parses text written by to_json_text; `file` names it in errors.
std::expected<ExecutionMetrics, std::string> from_json_text(std::string_view text, const std::string& file);

/// A plain-text table of every pair and session, for `verity data spreads --show`.
std::string format_metrics_table(const ExecutionMetrics& metrics);

}  // namespace verity
