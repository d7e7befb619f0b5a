#include "actors/execution/execution_metrics.hpp"

#include "actors/runtime/ascii.hpp"

#include <zip.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "actors/feed/candle_file.hpp"
#include "actors/runtime/calendar.hpp"
#include "actors/runtime/clock.hpp"
#include "actors/runtime/detmath.hpp"
#include "actors/runtime/hash.hpp"

namespace verity {

namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kNsPerHour = 3'600 * kNsPerSecond;
constexpr std::size_t kAll = 3;  // the "all sessions" slot after asia, europe, us

std::size_t slot(TradingSession s) { return static_cast<std::size_t>(s); }

double to_bps(double fraction) { return fraction * 10'000.0; }

/// A strictly parsed finite number: the whole text, no spaces, no "nan"/"inf".
std::optional<double> parse_double(std::string_view text) {
  double v = 0;
  if (text.empty()) return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t v = 0;
  if (text.empty()) return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::string fmt_minutes(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f min", static_cast<double>(ns) / static_cast<double>(kNsPerMinute));
  return buf;
}

/// Fills one SessionMetrics field from each of the four sample slots.
template <typename SampleArray>
void fill_field(PairMetrics& out, const SampleArray& samples, std::optional<Distribution> SessionMetrics::*field) {
  for (TradingSession s : kTradingSessions) out.sessions[slot(s)].*field = samples[slot(s)].summary();
  out.all.*field = samples[kAll].summary();
}

template <typename SampleArray>
void count_dropped(SourceRecord& source, const SampleArray& samples) {
  std::uint64_t dropped = 0;
  for (const auto& s : samples) dropped += s.dropped();
  if (dropped != 0) source.counts["samples_over_limit"] += dropped;
}

}  // namespace

// --- sessions --------------------------------------------------------------

std::string_view session_name(TradingSession s) {
  switch (s) {
    case TradingSession::asia: return "asia";
    case TradingSession::europe: return "europe";
    case TradingSession::us: return "us";
  }
  return "asia";
}

TradingSession session_of(std::int64_t t_ns) {
  const std::int64_t hour = floor_div(t_ns, kNsPerHour) - floor_div(t_ns, kNsPerDay) * 24;
  if (hour < 8) return TradingSession::asia;
  if (hour < 16) return TradingSession::europe;
  return TradingSession::us;
}

std::string_view method_name(MetricsMethod m) {
  switch (m) {
    case MetricsMethod::quote_ticks: return "quote_ticks";
    case MetricsMethod::quote_bars: return "quote_bars";
    case MetricsMethod::corwin_schultz: return "corwin_schultz";
  }
  return "quote_ticks";
}

std::optional<MetricsMethod> method_from_name(std::string_view name) {
  for (MetricsMethod m : {MetricsMethod::quote_ticks, MetricsMethod::quote_bars, MetricsMethod::corwin_schultz}) {
    if (method_name(m) == name) return m;
  }
  return std::nullopt;
}

// --- distributions ---------------------------------------------------------

double quantile_sorted(std::span<const double> ascending, double q) {
  if (ascending.empty()) return 0.0;
  q = std::clamp(q, 0.0, 1.0);
  const double h = static_cast<double>(ascending.size() - 1) * q;
  const auto lo = static_cast<std::size_t>(h);  // h >= 0, so this is floor
  const std::size_t hi = std::min(lo + 1, ascending.size() - 1);
  return ascending[lo] + (h - static_cast<double>(lo)) * (ascending[hi] - ascending[lo]);
}

void Sample::add(double value) {
  if (values_.size() >= kMaxSamples) {
    ++dropped_;
    return;
  }
  if (!values_.empty() && value < values_.back()) sorted_ = false;
  values_.push_back(value);
}

double Sample::quantile(double q) const {
  if (!sorted_) std::sort(values_.begin(), values_.end());
  sorted_ = true;
  return quantile_sorted(values_, q);
}

Distribution Sample::summary() const {
  Distribution d;
  if (values_.empty()) return d;
  d.p50 = quantile(0.5);  // sorts, so the sum below runs in ascending order whatever the input order was
  d.p90 = quantile(0.9);
  double sum = 0;
  for (double v : values_) sum += v;
  d.count = values_.size();
  d.mean = sum / static_cast<double>(values_.size());
  return d;
}

void WeightedSample::add(double value, double weight) {
  // A quote replaced within the same nanosecond was never in force.
  if (!(weight > 0)) return;
  if (values_.size() >= kMaxSamples) {
    ++dropped_;
    return;
  }
  if (!values_.empty() && value < values_.back().first) sorted_ = false;
  values_.emplace_back(value, weight);
}

double WeightedSample::quantile(double q) const {
  if (values_.empty()) return 0.0;
  if (!sorted_) std::sort(values_.begin(), values_.end());
  sorted_ = true;
  double total = 0;
  for (const auto& [v, w] : values_) total += w;
  const double target = std::clamp(q, 0.0, 1.0) * total;
  double cumulative = 0;
  for (const auto& [v, w] : values_) {
    cumulative += w;
    if (cumulative >= target) return v;
  }
  return values_.back().first;
}

Distribution WeightedSample::summary() const {
  Distribution d;
  if (values_.empty()) return d;
  d.p50 = quantile(0.5);
  d.p90 = quantile(0.9);
  double sum = 0, total = 0;
  for (const auto& [v, w] : values_) {
    sum += v * w;
    total += w;
  }
  d.count = values_.size();
  d.mean = sum / total;
  return d;
}

// --- records ---------------------------------------------------------------

std::string DataIssue::text() const {
  std::string out = file;
  if (line != 0) out += " line " + std::to_string(line);
  return out + ": " + reason;
}

void SourceRecord::add_malformed(DataIssue issue) {
  ++malformed_lines;
  if (malformed.size() < kMaxIssuesKept) malformed.push_back(std::move(issue));
}

const PairMetrics* ExecutionMetrics::find(std::string_view pair) const {
  const PairMetrics* best = nullptr;
  for (const auto& p : pairs) {
    if (p.pair != pair) continue;
    // The enum order is the order of preference: measured ticks first.
    if (best == nullptr || static_cast<int>(p.method) < static_cast<int>(best->method)) best = &p;
  }
  return best;
}

// --- Binance capture -------------------------------------------------------

CaptureMetrics::CaptureMetrics(std::string pair, SourceRecord& source) : pair_(std::move(pair)), source_(source) {}

namespace {

/// A price given as a JSON string ("61837.63000000"), as Binance sends it.
std::optional<double> price_field(const nlohmann::json& data, const char* key) {
  const auto it = data.find(key);
  if (it == data.end() || !it->is_string()) return std::nullopt;
  const auto v = parse_double(it->get_ref<const std::string&>());
  if (!v || *v <= 0) return std::nullopt;
  return v;
}

/// What one capture message says, once its fields are checked.
struct CaptureMessage {
  enum class Kind { book_ticker, trade, counted } kind = Kind::counted;
  std::string count_as;  // the SourceRecord count it adds to
  double bid = 0, ask = 0, price = 0;
  bool buyer_is_maker = false;
  std::optional<std::int64_t> trade_time_ms;
};

/// Checks one message's JSON; returns why it is malformed, or "" when it is not.
std::string read_message(const nlohmann::json& doc, const std::string& symbol_lower, CaptureMessage& out) {
  if (!doc.is_object()) return "the message is not a JSON object";
  if (doc.contains("lastUpdateId")) {  // a REST depth snapshot the collector stored at the start
    out.count_as = "depth_snapshot";
    return "";
  }
  const auto stream = doc.find("stream");
  const auto data = doc.find("data");
  if (stream == doc.end() || !stream->is_string() || data == doc.end() || !data->is_object()) {
    return "expected {\"stream\": ..., \"data\": {...}} or a depth snapshot";
  }
  const std::string& name = stream->get_ref<const std::string&>();
  const std::size_t at = name.find('@');
  const std::string kind = at == std::string::npos ? "" : name.substr(at + 1);
  out.count_as = name.substr(0, at) != symbol_lower ? "other_symbol"
                 : kind.starts_with("depth")        ? "depth"
                                                    : "stream " + kind;
  if (out.count_as == "other_symbol") return "";
  if (kind == "bookTicker") {
    const auto bid = price_field(*data, "b");
    const auto ask = price_field(*data, "a");
    if (!bid) return "bookTicker field data.b: expected a positive price string";
    if (!ask) return "bookTicker field data.a: expected a positive price string";
    out = {CaptureMessage::Kind::book_ticker, "bookTicker", *bid, *ask, 0, false, std::nullopt};
  } else if (kind == "trade") {
    const auto price = price_field(*data, "p");
    const auto maker = data->find("m");
    if (!price) return "trade field data.p: expected a positive price string";
    if (maker == data->end() || !maker->is_boolean()) return "trade field data.m: expected true or false";
    out = {CaptureMessage::Kind::trade, "trade", 0, 0, *price, maker->get<bool>(), std::nullopt};
    // T only feeds the clock-skew diagnostic; a value outside 1970..2096 is ignored rather than overflowed.
    const auto time = data->find("T");
    if (time != data->end() && time->is_number_integer() && time->get<std::int64_t>() > 0 &&
        time->get<std::int64_t>() < 4'000'000'000'000) {
      out.trade_time_ms = time->get<std::int64_t>();
    }
  }
  return "";
}

}  // namespace

void CaptureMetrics::add_line(std::string_view line, const std::string& file, std::uint64_t line_no) {
  ++source_.lines_read;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  auto bad = [&](std::string reason) { source_.add_malformed({file, line_no, std::move(reason)}); };
  if (line.empty()) return bad("empty line");
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos) return bad("expected '<local_recv_ns> <json>', found no space");
  const auto t_ns = parse_int(line.substr(0, space));
  if (!t_ns || *t_ns <= 0) {
    return bad("receive time '" + std::string(line.substr(0, std::min<std::size_t>(space, 24))) +
               "' is not a positive integer of nanoseconds");
  }
  if (any_line_ && *t_ns < last_time_ns_) {
    return bad("receive time " + std::to_string(*t_ns) + " is before the previous line's " +
               std::to_string(last_time_ns_));
  }
  const auto doc = nlohmann::json::parse(line.substr(space + 1), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return bad("the message is not valid JSON");
  CaptureMessage message;
  if (std::string reason = read_message(doc, ascii_lower(pair_), message); !reason.empty()) return bad(std::move(reason));
  ++source_.counts[message.count_as];
  if (message.kind == CaptureMessage::Kind::book_ticker) on_book_ticker(*t_ns, message.bid, message.ask);
  if (message.kind == CaptureMessage::Kind::trade) {
    on_trade(*t_ns, message.price, message.buyer_is_maker, message.trade_time_ms);
  }
  any_line_ = true;
  last_time_ns_ = *t_ns;
}

void CaptureMetrics::observe(std::int64_t t_ns) {
  if (!observed_) first_ns_ = t_ns;
  observed_ = true;
  last_ns_ = t_ns;
  spans_.add(t_ns);
}

void CaptureMetrics::close_quote_interval(std::int64_t t_ns) {
  if (!have_quote_) return;
  const std::int64_t held_ns = t_ns - quote_time_ns_;
  max_quote_gap_ns_ = std::max(max_quote_gap_ns_, held_ns);
  const auto weight = static_cast<double>(held_ns);  // exact: integers below 2^53
  spread_tw_[slot(session_of(quote_time_ns_))].add(quote_spread_bps_, weight);
  spread_tw_[kAll].add(quote_spread_bps_, weight);
}

void CaptureMetrics::on_book_ticker(std::int64_t t_ns, double bid, double ask) {
  if (ask < bid) {
    // A crossed top of book is not a market anyone could trade at; it
    // neither counts as a spread nor replaces the prevailing quote.
    ++source_.counts["crossed_quotes"];
    return;
  }
  close_quote_interval(t_ns);
  const double mid = (bid + ask) / 2.0;
  const double spread = to_bps((ask - bid) / mid);
  spread_[slot(session_of(t_ns))].add(spread);
  spread_[kAll].add(spread);
  have_quote_ = true;
  quote_time_ns_ = t_ns;
  quote_spread_bps_ = spread;
  quote_mid_ = mid;
  quote_bid_ = bid;
  quote_ask_ = ask;
  observe(t_ns);
}

void CaptureMetrics::on_trade(std::int64_t t_ns, double price, bool buyer_is_maker,
                              std::optional<std::int64_t> trade_time_ms) {
  if (trade_time_ms) exchange_minus_receive_ms_.add(static_cast<double>(*trade_time_ms * 1'000'000 - t_ns) / 1e6);
  if (!have_quote_) {
    ++source_.counts["trades_before_first_quote"];
    return;
  }
  max_quote_age_at_trade_ns_ = std::max(max_quote_age_at_trade_ns_, t_ns - quote_time_ns_);
  // The buyer is the maker when a seller hit the bid: the aggressor sold.
  const double side = buyer_is_maker ? -1.0 : 1.0;
  const double signed_bps = to_bps(side * (price - quote_mid_) / quote_mid_);
  if (signed_bps < 0) ++negative_signed_;
  // The trade and bookTicker streams are not sequenced together, so a trade
  // can arrive after the quote it consumed was already replaced.
  if (price < quote_bid_ || price > quote_ask_) ++source_.counts["trades_outside_prevailing_quote"];
  const double distance_bps = std::fabs(signed_bps);
  for (std::size_t i : {slot(session_of(t_ns)), kAll}) {
    slippage_[i].add(distance_bps);
    slippage_signed_[i].add(signed_bps);
  }
  observe(t_ns);
}

PairMetrics CaptureMetrics::finish() {
  // The last quote's interval has no end in the capture, so it carries no
  // time weight; its spread still counts as one update.
  PairMetrics out;
  out.pair = pair_;
  out.venue = "binance";
  out.source = source_.id;
  out.method = MetricsMethod::quote_ticks;
  out.first_ns = first_ns_;
  out.last_ns = last_ns_;
  fill_field(out, spread_, &SessionMetrics::spread_bps);
  fill_field(out, spread_tw_, &SessionMetrics::spread_time_weighted_bps);
  fill_field(out, slippage_, &SessionMetrics::slippage_bps);
  fill_field(out, slippage_signed_, &SessionMetrics::slippage_signed_bps);
  count_dropped(source_, spread_);
  count_dropped(source_, spread_tw_);
  count_dropped(source_, slippage_);
  const std::uint64_t trades = slippage_signed_[kAll].size();
  if (trades > 0) {
    out.diagnostics["signed_slippage_negative_fraction"] =
        static_cast<double>(negative_signed_) / static_cast<double>(trades);
  }
  out.diagnostics["max_quote_gap_ms"] = static_cast<double>(max_quote_gap_ns_) / 1e6;
  out.diagnostics["max_quote_age_at_trade_ms"] = static_cast<double>(max_quote_age_at_trade_ns_) / 1e6;
  if (exchange_minus_receive_ms_.size() > 0) {
    out.diagnostics["trade_time_minus_receive_time_ms_p50"] = exchange_minus_receive_ms_.quantile(0.5);
  }
  out.coverage = observed_ ? spans_.describe_minutes(first_ns_, last_ns_) : "no observations";
  return out;
}

void SessionSpans::add(std::int64_t t_ns) {
  const std::size_t s = slot(session_of(t_ns));
  if (!seen[s]) first_ns[s] = t_ns;
  seen[s] = true;
  last_ns[s] = t_ns;
}

std::string SessionSpans::describe_minutes(std::int64_t first, std::int64_t last) const {
  std::string covered, missing;
  for (TradingSession s : kTradingSessions) {
    const std::size_t i = slot(s);
    std::string& list = seen[i] ? covered : missing;
    if (!list.empty()) list += ", ";
    list += session_name(s);
    if (seen[i]) list += " " + fmt_minutes(last_ns[i] - first_ns[i]);
  }
  std::string out =
      format_iso8601_ms(first) + " to " + format_iso8601_ms(last) + " (" + fmt_minutes(last - first) + "); " + covered;
  if (!missing.empty()) out += "; no data for " + missing;
  return out;
}

namespace {

/// Reads a file as lines, through zlib: gzip or plain text alike. Lines
/// longer than kMaxLineBytes are reported and skipped, so one bad line
/// cannot exhaust memory.
class LineReader {
 public:
  static constexpr std::size_t kMaxLineBytes = 16 << 20;
  explicit LineReader(const std::string& path) : file_(gzopen(path.c_str(), "rb")) {
    if (file_ != nullptr) gzbuffer(file_, 1 << 18);
  }
  ~LineReader() {
    if (file_ != nullptr) gzclose(file_);
  }
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  bool is_open() const { return file_ != nullptr; }

  /// The next line; false at the end or on a read error (see error()).
  /// `too_long` is set when the line was cut at kMaxLineBytes.
  bool next(std::string& line, bool& too_long) {
    line.clear();
    too_long = false;
    while (true) {
      if (pos_ == len_ && !refill()) return !line.empty() || too_long;
      const char* start = buffer_.data() + pos_;
      const auto* nl = static_cast<const char*>(std::memchr(start, '\n', len_ - pos_));
      const std::size_t take = nl ? static_cast<std::size_t>(nl - start) : len_ - pos_;
      if (line.size() + take <= kMaxLineBytes) {
        line.append(start, take);
      } else {
        too_long = true;
      }
      pos_ += take;
      if (nl != nullptr) {
        ++pos_;
        return true;
      }
    }
  }
  const std::string& error() const { return error_; }

 private:
  bool refill() {
    if (eof_) return false;
    const int n = gzread(file_, buffer_.data(), static_cast<unsigned>(buffer_.size()));
    int code = Z_OK;
    const char* message = gzerror(file_, &code);
    if (n < 0 || (code != Z_OK && code != Z_STREAM_END)) {
      error_ = message != nullptr ? message : "read error";
      eof_ = true;
      // Keep whatever was decoded before the error.
      if (n <= 0) return false;
    }
    if (n == 0) {
      eof_ = true;
      return false;
    }
    pos_ = 0;
    len_ = static_cast<std::size_t>(n);
    return true;
  }

  gzFile file_;
  std::array<char, 1 << 16> buffer_{};
  std::size_t pos_ = 0, len_ = 0;
  bool eof_ = false;
  std::string error_;
};

}  // namespace

bool read_capture_file(const std::string& path, const std::string& display_name, CaptureMetrics& sink,
                       SourceRecord& source, std::string& error) {
  LineReader reader(path);
  if (!reader.is_open()) {
    error = path + ": cannot open the file";
    return false;
  }
  std::string line;
  bool too_long = false;
  std::uint64_t line_no = 0;
  while (reader.next(line, too_long)) {
    ++line_no;
    if (too_long) {
      ++source.lines_read;
      source.add_malformed({display_name, line_no, "line longer than 16 MiB"});
      continue;
    }
    sink.add_line(line, display_name, line_no);
  }
  if (!reader.error().empty()) {
    // A truncated or corrupt gzip stream: what came before it is kept, and
    // the break is reported where it happened.
    source.add_malformed({display_name, line_no + 1, "gzip stream broken: " + reader.error()});
  }
  return true;
}

// --- Coinbase quote bars ---------------------------------------------------

QuoteBarMetrics::QuoteBarMetrics(std::string pair, SourceRecord& source) : pair_(std::move(pair)), source_(source) {}

void QuoteBarMetrics::add_row(std::int64_t day_start_ns, std::string_view row, const std::string& file,
                              std::uint64_t line_no) {
  ++source_.lines_read;
  if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
  auto bad = [&](std::string reason) { source_.add_malformed({file, line_no, std::move(reason)}); };
  std::array<std::string_view, 11> fields;
  std::size_t n = 0, start = 0;
  while (true) {
    const std::size_t comma = row.find(',', start);
    if (n < fields.size()) fields[n] = row.substr(start, comma == std::string_view::npos ? comma : comma - start);
    ++n;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (n != 11)
    return bad("expected 11 columns (ms, bid OHLC, bid size, ask OHLC, ask size), found " + std::to_string(n));
  const auto ms = parse_int(fields[0]);
  if (!ms || *ms < 0 || *ms >= 86'400'000) return bad("column 1 (ms since midnight): expected 0..86399999");
  const auto bid = parse_double(fields[4]);
  const auto ask = parse_double(fields[9]);
  if (!bid || *bid <= 0) return bad("column 5 (bid close): expected a positive number");
  if (!ask || *ask <= 0) return bad("column 10 (ask close): expected a positive number");
  const std::int64_t t_ns = day_start_ns + *ms * 1'000'000;
  if (any_ && t_ns <= last_ns_) return bad("time " + format_iso8601_ms(t_ns) + " is not after the previous row's");
  if (*ask < *bid) {
    ++source_.counts["crossed_quotes"];
    return;
  }
  ++source_.counts["quote_bars"];
  const double spread = to_bps((*ask - *bid) / ((*ask + *bid) / 2.0));
  spread_[slot(session_of(t_ns))].add(spread);
  spread_[kAll].add(spread);
  if (!any_) first_ns_ = t_ns;
  any_ = true;
  last_ns_ = t_ns;
  days_.insert(floor_div(t_ns, kNsPerDay));
}

PairMetrics QuoteBarMetrics::finish() {
  PairMetrics out;
  out.pair = pair_;
  out.venue = "coinbase";
  out.source = source_.id;
  out.method = MetricsMethod::quote_bars;
  out.first_ns = first_ns_;
  out.last_ns = last_ns_;
  fill_field(out, spread_, &SessionMetrics::spread_bps);
  count_dropped(source_, spread_);
  std::string days;
  for (std::int64_t d : days_) days += (days.empty() ? "" : ", ") + utc_date(d * kNsPerDay);
  out.coverage = std::to_string(days_.size()) + " whole UTC days of minute bars (all sessions): " + days;
  out.diagnostics["days"] = static_cast<double>(days_.size());
  return out;
}

// --- Corwin-Schultz --------------------------------------------------------

std::optional<double> corwin_schultz_spread(double high1, double low1, double close1, double high2, double low2) {
  for (double p : {high1, low1, close1, high2, low2}) {
    if (!(p > 0) || !std::isfinite(p)) return std::nullopt;
  }
  if (high1 < low1 || high2 < low2) return std::nullopt;
  // The paper's adjustment for a move between the bars: when bar 2 lies
  // wholly above (below) bar 1's close, shift it down (up) to touch that
  // close, so the gap is not read as spread.
  if (low2 > close1) {
    const double shift = low2 - close1;
    high2 -= shift;
    low2 -= shift;
  } else if (high2 < close1) {
    const double shift = close1 - high2;
    high2 += shift;
    low2 += shift;
  }
  const double r1 = det_log(high1 / low1), r2 = det_log(high2 / low2);
  const double beta = r1 * r1 + r2 * r2;
  const double r12 = det_log(std::max(high1, high2) / std::min(low1, low2));
  const double gamma = r12 * r12;
  const double k = 3.0 - 2.0 * std::sqrt(2.0);
  const double alpha = (std::sqrt(2.0 * beta) - std::sqrt(beta)) / k - std::sqrt(gamma / k);
  const double e = det_exp(alpha);
  return 2.0 * (e - 1.0) / (1.0 + e);
}

CorwinSchultzMetrics::CorwinSchultzMetrics(std::string pair, std::int64_t interval_ns, SourceRecord& source)
    : pair_(std::move(pair)), interval_ns_(interval_ns), source_(source) {}

void CorwinSchultzMetrics::add(const Candle& c, const std::string& file, std::uint64_t line_no) {
  ++source_.lines_read;
  const bool valid = c.high > 0 && c.low > 0 && c.close > 0 && std::isfinite(c.high) && std::isfinite(c.low) &&
                     std::isfinite(c.close) && c.high >= c.low;
  if (!valid) {
    source_.add_malformed({file, line_no, "candle needs 0 < low <= high and a positive close"});
    prev_.reset();  // no estimate may span a bar we could not use
    return;
  }
  if (prev_ && c.open_time_ns <= prev_->open_time_ns) {
    source_.add_malformed(
        {file, line_no, "open time " + format_iso8601_ms(c.open_time_ns) + " is not after the previous candle's"});
    return;
  }
  if (prev_ && c.open_time_ns - prev_->open_time_ns != interval_ns_) {
    ++gaps_;  // adjacent rows that are not adjacent periods say nothing about the spread
  } else if (prev_) {
    const auto raw = corwin_schultz_spread(prev_->high, prev_->low, prev_->close, c.high, c.low);
    if (raw) {
      ++estimates_;
      if (*raw < 0) ++negative_;
      const double spread = to_bps(std::max(*raw, 0.0));
      spread_[slot(session_of(prev_->open_time_ns))].add(spread);
      spread_[kAll].add(spread);
      if (estimates_ == 1) first_ns_ = prev_->open_time_ns;
      last_ns_ = c.open_time_ns + interval_ns_;
    }
  }
  prev_ = c;
}

PairMetrics CorwinSchultzMetrics::finish() {
  PairMetrics out;
  out.pair = pair_;
  out.venue = "binance";
  out.source = source_.id;
  out.method = MetricsMethod::corwin_schultz;
  out.first_ns = first_ns_;
  out.last_ns = last_ns_;
  fill_field(out, spread_, &SessionMetrics::spread_bps);
  count_dropped(source_, spread_);
  out.diagnostics["estimates"] = static_cast<double>(estimates_);
  out.diagnostics["negative_estimate_fraction"] =
      estimates_ == 0 ? 0.0 : static_cast<double>(negative_) / static_cast<double>(estimates_);
  out.diagnostics["gaps_skipped"] = static_cast<double>(gaps_);
  out.diagnostics["interval_s"] = static_cast<double>(interval_ns_ / kNsPerSecond);
  out.coverage = estimates_ == 0 ? "no estimates"
                                 : format_iso8601_ms(first_ns_) + " to " + format_iso8601_ms(last_ns_) + " (" +
                                       std::to_string(floor_div(last_ns_ - first_ns_, kNsPerDay)) +
                                       " days of 1-minute candles, all sessions)";
  return out;
}

// --- reading the shared datasets -------------------------------------------

namespace {

constexpr const char* kCaptureDataset = "03_binance_spot_l2_trades_bookticker_2024-08-08";
constexpr const char* kQuoteBarDataset = "04_coinbase_minute_quote_trade_bars_lean";
constexpr const char* kCandleDataset = "01_binance_spot_1m_btc_bnb_2021";
constexpr std::uint64_t kMaxZipEntryBytes = 256u << 20;

/// Whole-file read for hashing; the datasets are a few MB each.
std::optional<std::string> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return buffer.str();
}

std::expected<SourceFile, std::string> describe_file(const fs::path& shared, const std::string& relative) {
  const auto bytes = read_bytes((shared / relative).string());
  if (!bytes) return std::unexpected((shared / relative).string() + ": cannot read the file");
  return SourceFile{relative, bytes->size(), hash128(*bytes).hex()};
}

/// Regular files in `dir` whose names end with `suffix`, sorted by name.
std::vector<std::string> files_with_suffix(const fs::path& dir, std::string_view suffix) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.size() > suffix.size() && name.ends_with(suffix)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::expected<fs::path, std::string> dataset_dir(const fs::path& shared, const std::string& name) {
  const fs::path dir = shared / name;
  if (!fs::is_directory(dir)) {
    return std::unexpected(dir.string() + ": dataset folder not found (is the shared data folder right?)");
  }
  return dir;
}

/// The text of a zip's one entry. Errors are content problems of this
/// file, reported as a malformed file by the caller.
std::expected<std::string, std::string> read_single_entry_zip(const std::string& path) {
  int code = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY, &code);
  if (archive == nullptr) {
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    std::string message = std::string("not a readable zip: ") + zip_error_strerror(&error);
    zip_error_fini(&error);
    return std::unexpected(message);
  }
  std::string text;
  std::string problem;
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_get_num_entries(archive, 0) != 1) {
    problem = "expected exactly one CSV inside, found " + std::to_string(zip_get_num_entries(archive, 0));
  } else if (zip_stat_index(archive, 0, 0, &stat) != 0 || (stat.valid & ZIP_STAT_SIZE) == 0) {
    problem = "cannot read the entry's size";
  } else if (stat.size > kMaxZipEntryBytes) {
    problem = "the entry is larger than 256 MiB";
  } else if (zip_file_t* entry = zip_fopen_index(archive, 0, 0); entry == nullptr) {
    problem = std::string("cannot open the entry: ") + zip_strerror(archive);
  } else {
    text.resize(stat.size);
    const zip_int64_t n = zip_fread(entry, text.data(), stat.size);
    if (n < 0 || static_cast<zip_uint64_t>(n) != stat.size) problem = "the entry is truncated or corrupt";
    zip_fclose(entry);
  }
  zip_discard(archive);
  if (!problem.empty()) return std::unexpected(problem);
  return text;
}

/// Midnight UTC of a Lean file named "YYYYMMDD_quote.zip".
std::optional<std::int64_t> day_from_lean_name(const std::string& name) {
  if (name.size() < 8) return std::nullopt;
  for (std::size_t i = 0; i < 8; ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
  }
  return parse_iso8601_ns(name.substr(0, 4) + "-" + name.substr(4, 2) + "-" + name.substr(6, 2));
}

std::expected<void, std::string> add_capture_pairs(const fs::path& shared, ExecutionMetrics& out) {
  const auto dir = dataset_dir(shared, kCaptureDataset);
  if (!dir) return std::unexpected(dir.error());
  std::map<std::string, std::vector<std::string>> by_symbol;  // "btcusdt" -> files in time order
  for (const auto& name : files_with_suffix(*dir, ".gz")) by_symbol[name.substr(0, name.find('_'))].push_back(name);
  if (by_symbol.empty()) return std::unexpected(dir->string() + ": no *.gz capture files");
  for (const auto& [symbol, names] : by_symbol) {
    SourceRecord source;
    source.id = "binance_capture_" + symbol;
    source.dataset = kCaptureDataset;
    source.method =
        "Binance spot WebSocket capture, files joined in name order. Spread: every @bookTicker update, "
        "(ask - bid) / mid, also weighted by the time until the next update. Slippage: every @trade against the "
        "mid of the latest bookTicker received at or before it (local receive time): |price - mid| / mid, and "
        "signed by the aggressor side (m = buyer is maker, i.e. a seller hit the bid).";
    source.notes.push_back(
        "All times are the collector's local receive times (the first field of each line): bookTicker carries "
        "no exchange time, so this is the one clock all streams share. Sessions are assigned by it.");
    CaptureMetrics metrics(ascii_upper(symbol), source);
    for (const auto& name : names) {
      const std::string relative = std::string(kCaptureDataset) + "/" + name;
      auto file = describe_file(shared, relative);
      if (!file) return std::unexpected(file.error());
      source.files.push_back(*file);
      std::string error;
      if (!read_capture_file((shared / relative).string(), relative, metrics, source, error)) {
        return std::unexpected(error);
      }
    }
    PairMetrics pair = metrics.finish();
    source.notes.push_back("A short sample, not a session profile: " + pair.coverage + ".");
    if (const auto it = pair.diagnostics.find("trade_time_minus_receive_time_ms_p50"); it != pair.diagnostics.end()) {
      char note[256];
      std::snprintf(note, sizeof note,
                    "Binance trade times (T) run a median %.0f ms ahead of the receive times: the collector's clock "
                    "lagged. Assigning sessions by exchange time would move about that much data across midnight.",
                    it->second);
      source.notes.push_back(note);
    }
    out.pairs.push_back(std::move(pair));
    out.sources.push_back(std::move(source));
  }
  return {};
}

std::expected<void, std::string> add_quote_bar_pairs(const fs::path& shared, ExecutionMetrics& out) {
  const auto dataset = dataset_dir(shared, kQuoteBarDataset);
  if (!dataset) return std::unexpected(dataset.error());
  const fs::path minute = *dataset / "coinbase" / "minute";
  std::vector<std::string> pair_dirs;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(minute, ec)) {
    if (entry.is_directory()) pair_dirs.push_back(entry.path().filename().string());
  }
  std::sort(pair_dirs.begin(), pair_dirs.end());
  if (pair_dirs.empty()) return std::unexpected(minute.string() + ": no pair folders of minute bars");
  for (const auto& pair_dir : pair_dirs) {
    const auto names = files_with_suffix(minute / pair_dir, "_quote.zip");
    if (names.empty()) continue;  // trade bars only: nothing to measure a spread from
    SourceRecord source;
    source.id = "coinbase_quote_bars_" + pair_dir;
    source.dataset = kQuoteBarDataset;
    source.method =
        "Lean/Coinbase minute quote bars: one spread per bar from the closing bid and ask, (askC - bidC) / mid. "
        "Bars are one minute apart, so this is a time sample at one-minute spacing.";
    QuoteBarMetrics metrics(ascii_upper(pair_dir), source);
    for (const auto& name : names) {
      const std::string relative = std::string(kQuoteBarDataset) + "/coinbase/minute/" + pair_dir + "/" + name;
      auto file = describe_file(shared, relative);
      if (!file) return std::unexpected(file.error());
      source.files.push_back(*file);
      const auto day_start_ns = day_from_lean_name(name);
      if (!day_start_ns) {
        source.add_malformed({relative, 0, "file name does not start with a date YYYYMMDD"});
        continue;
      }
      const auto text = read_single_entry_zip((shared / relative).string());
      if (!text) {
        source.add_malformed({relative, 0, text.error()});
        continue;
      }
      std::uint64_t line_no = 0;
      std::size_t start = 0;
      while (start < text->size()) {
        std::size_t end = text->find('\n', start);
        if (end == std::string::npos) end = text->size();
        metrics.add_row(*day_start_ns, std::string_view(*text).substr(start, end - start), relative, ++line_no);
        start = end + 1;
      }
    }
    out.pairs.push_back(metrics.finish());
    out.sources.push_back(std::move(source));
  }
  return {};
}

std::expected<void, std::string> add_candle_pairs(const fs::path& shared, ExecutionMetrics& out) {
  const auto dir = dataset_dir(shared, kCandleDataset);
  if (!dir) return std::unexpected(dir.error());
  const auto names = files_with_suffix(*dir, "-1m.json");
  if (names.empty()) return std::unexpected(dir->string() + ": no *-1m.json candle files");
  for (const auto& name : names) {
    std::string pair = name.substr(0, name.size() - std::string_view("-1m.json").size());
    std::erase(pair, '_');
    SourceRecord source;
    source.id = "binance_candles_" + ascii_lower(pair);
    source.dataset = kCandleDataset;
    source.method =
        "Corwin and Schultz (2012) high-low spread estimator on adjacent 1-minute candles, with the paper's "
        "adjustment for a move between bars; negative two-bar estimates are set to zero. Estimates from candles, "
        "not measured quotes.";
    const std::string relative = std::string(kCandleDataset) + "/" + name;
    auto file = describe_file(shared, relative);
    if (!file) return std::unexpected(file.error());
    source.files.push_back(*file);
    CorwinSchultzMetrics metrics(pair, kNsPerMinute, source);
    const auto candles =
        load_candle_file((shared / relative).string(), pair, CandleFormat::freqtrade_json, kNsPerMinute);
    if (!candles) {
      // The candle loader stops at the first syntax error: report it and
      // leave the pair out rather than estimate from part of a file.
      ++source.lines_read;
      source.add_malformed({relative, candles.error().line, candles.error().message});
      source.notes.push_back("no estimates: the file could not be loaded");
      out.sources.push_back(std::move(source));
      continue;
    }
    for (const auto& row : candles->rows) {
      metrics.add({row.bar.open_time_ns, row.bar.high, row.bar.low, row.bar.close}, relative, row.line);
    }
    out.pairs.push_back(metrics.finish());
    out.sources.push_back(std::move(source));
  }
  return {};
}

}  // namespace

std::expected<ExecutionMetrics, std::string> compute_execution_metrics(const std::string& shared_dir,
                                                                       const std::string& generated_on) {
  ExecutionMetrics out;
  out.generated_on = generated_on;
  out.generator = VERITY_BUILD_ID;
  const fs::path shared(shared_dir);
  if (!fs::is_directory(shared)) return std::unexpected(shared_dir + ": shared data folder not found");
  for (auto add : {add_capture_pairs, add_quote_bar_pairs, add_candle_pairs}) {
    if (auto done = add(shared, out); !done) return std::unexpected(done.error());
  }
  std::stable_sort(out.pairs.begin(), out.pairs.end(), [](const PairMetrics& a, const PairMetrics& b) {
    return std::tie(a.pair, a.method) < std::tie(b.pair, b.method);
  });
  return out;
}

// --- storage: JSON ---------------------------------------------------------

namespace {

using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

constexpr const char* kLatestFormat = "verity.execution_metrics.latest/1";
constexpr const char* kFilePrefix = "execution-metrics-";
constexpr const char* kFileSuffix = ".json";
constexpr std::array<const char*, 4> kSessionKeys = {"asia", "europe", "us", "all"};

ojson distribution_json(const Distribution& d) {
  ojson j;
  j["count"] = d.count;
  if (d.empty()) {
    j["mean"] = nullptr;
    j["p50"] = nullptr;
    j["p90"] = nullptr;
  } else {
    j["mean"] = d.mean;
    j["p50"] = d.p50;
    j["p90"] = d.p90;
  }
  return j;
}

using MetricField = std::optional<Distribution> SessionMetrics::*;
constexpr std::array<std::pair<const char*, MetricField>, 4> kMetricFields = {{
    {"spread_bps", &SessionMetrics::spread_bps},
    {"spread_time_weighted_bps", &SessionMetrics::spread_time_weighted_bps},
    {"slippage_bps", &SessionMetrics::slippage_bps},
    {"slippage_signed_bps", &SessionMetrics::slippage_signed_bps},
}};

ojson session_json(const SessionMetrics& m) {
  ojson j = ojson::object();
  for (const auto& [key, field] : kMetricFields) {
    if (m.*field) j[key] = distribution_json(*(m.*field));
  }
  return j;
}

ojson definitions_json() {
  ojson d;
  d["units"] = "basis points of mid: 10000 * x / ((bid + ask) / 2)";
  d["sessions"] = {{"asia", "00:00-08:00 UTC"},
                   {"europe", "08:00-16:00 UTC"},
                   {"us", "16:00-24:00 UTC"},
                   {"all", "every observation"}};
  d["percentiles"] =
      "p50 and p90 by linear interpolation between closest ranks (Hyndman-Fan type 7, numpy's default); "
      "time-weighted ones are the smallest value whose cumulative time reaches the fraction";
  d["metrics"] = {
      {"spread_bps", "(ask - bid) / mid, one value per quote update, quote bar, or candle pair (estimated)"},
      {"spread_time_weighted_bps", "spread weighted by how long each quote was in force"},
      {"slippage_bps", "|trade price - prevailing mid| / mid per trade: the effective half-spread paid"},
      {"slippage_signed_bps", "aggressor-signed (price - mid) / mid: + paid, - improved on the prevailing mid"},
  };
  return d;
}

ojson source_json(const SourceRecord& s) {
  ojson j;
  j["id"] = s.id;
  j["dataset"] = s.dataset;
  j["method"] = s.method;
  j["files"] = ojson::array();
  for (const auto& f : s.files) j["files"].push_back({{"path", f.path}, {"bytes", f.bytes}, {"xxh3_128", f.xxh3_128}});
  j["lines_read"] = s.lines_read;
  j["malformed_lines"] = s.malformed_lines;
  j["malformed"] = ojson::array();
  for (const auto& m : s.malformed)
    j["malformed"].push_back({{"file", m.file}, {"line", m.line}, {"reason", m.reason}});
  j["counts"] = ojson::object();
  for (const auto& [k, v] : s.counts) j["counts"][k] = v;
  j["notes"] = s.notes;
  return j;
}

ojson pair_json(const PairMetrics& p) {
  ojson j;
  j["pair"] = p.pair;
  j["venue"] = p.venue;
  j["method"] = method_name(p.method);
  j["source"] = p.source;
  j["first_utc"] = format_iso8601_ms(p.first_ns);
  j["last_utc"] = format_iso8601_ms(p.last_ns);
  j["first_ns"] = p.first_ns;
  j["last_ns"] = p.last_ns;
  j["coverage"] = p.coverage;
  j["diagnostics"] = ojson::object();
  for (const auto& [k, v] : p.diagnostics) j["diagnostics"][k] = v;
  ojson sessions;
  for (TradingSession s : kTradingSessions) sessions[std::string(session_name(s))] = session_json(p.session(s));
  sessions["all"] = session_json(p.all);
  j["sessions"] = sessions;
  return j;
}

/// A field that is missing or has the wrong type, with its JSON path.
struct FieldError {
  std::string path, what;
};

const json& member(const json& object, const std::string& key, const std::string& path) {
  if (!object.is_object()) throw FieldError{path, "expected an object"};
  const auto it = object.find(key);
  if (it == object.end()) throw FieldError{path + "." + key, "missing"};
  return *it;
}

std::string text_field(const json& object, const std::string& key, const std::string& path) {
  const json& v = member(object, key, path);
  if (!v.is_string()) throw FieldError{path + "." + key, "expected a string, found " + v.dump()};
  return v.get<std::string>();
}

std::uint64_t count_field(const json& object, const std::string& key, const std::string& path) {
  const json& v = member(object, key, path);
  if (!v.is_number_unsigned()) throw FieldError{path + "." + key, "expected a count, found " + v.dump()};
  return v.get<std::uint64_t>();
}

std::int64_t int_field(const json& object, const std::string& key, const std::string& path) {
  const json& v = member(object, key, path);
  if (!v.is_number_integer()) throw FieldError{path + "." + key, "expected an integer, found " + v.dump()};
  return v.get<std::int64_t>();
}

double number_field(const json& object, const std::string& key, const std::string& path) {
  const json& v = member(object, key, path);
  if (!v.is_number()) throw FieldError{path + "." + key, "expected a number, found " + v.dump()};
  return v.get<double>();
}

const json& array_field(const json& object, const std::string& key, const std::string& path) {
  const json& v = member(object, key, path);
  if (!v.is_array()) throw FieldError{path + "." + key, "expected an array"};
  return v;
}

Distribution parse_distribution(const json& j, const std::string& path) {
  Distribution d;
  d.count = count_field(j, "count", path);
  if (d.count == 0) return d;  // mean, p50 and p90 are null when there is nothing to summarise
  d.mean = number_field(j, "mean", path);
  d.p50 = number_field(j, "p50", path);
  d.p90 = number_field(j, "p90", path);
  return d;
}

SessionMetrics parse_session(const json& j, const std::string& path) {
  if (!j.is_object()) throw FieldError{path, "expected an object"};
  SessionMetrics m;
  for (const auto& [key, field] : kMetricFields) {
    if (j.contains(key)) m.*field = parse_distribution(j[key], path + "." + key);
  }
  return m;
}

SourceRecord parse_source(const json& j, const std::string& path) {
  SourceRecord s;
  s.id = text_field(j, "id", path);
  s.dataset = text_field(j, "dataset", path);
  s.method = text_field(j, "method", path);
  const json& files = array_field(j, "files", path);
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string at = path + ".files[" + std::to_string(i) + "]";
    s.files.push_back(
        {text_field(files[i], "path", at), count_field(files[i], "bytes", at), text_field(files[i], "xxh3_128", at)});
  }
  s.lines_read = count_field(j, "lines_read", path);
  s.malformed_lines = count_field(j, "malformed_lines", path);
  const json& malformed = array_field(j, "malformed", path);
  for (std::size_t i = 0; i < malformed.size(); ++i) {
    const std::string at = path + ".malformed[" + std::to_string(i) + "]";
    s.malformed.push_back({text_field(malformed[i], "file", at), count_field(malformed[i], "line", at),
                           text_field(malformed[i], "reason", at)});
  }
  const json& counts = member(j, "counts", path);
  if (!counts.is_object()) throw FieldError{path + ".counts", "expected an object"};
  for (const auto& [k, v] : counts.items()) s.counts[k] = count_field(counts, k, path + ".counts");
  const json& notes = array_field(j, "notes", path);
  for (std::size_t i = 0; i < notes.size(); ++i) {
    if (!notes[i].is_string()) throw FieldError{path + ".notes[" + std::to_string(i) + "]", "expected a string"};
    s.notes.push_back(notes[i].get<std::string>());
  }
  return s;
}

PairMetrics parse_pair(const json& j, const std::string& path) {
  PairMetrics p;
  p.pair = text_field(j, "pair", path);
  p.venue = text_field(j, "venue", path);
  const std::string method = text_field(j, "method", path);
  const auto m = method_from_name(method);
  if (!m) throw FieldError{path + ".method", "unknown method '" + method + "'"};
  p.method = *m;
  p.source = text_field(j, "source", path);
  p.first_ns = int_field(j, "first_ns", path);
  p.last_ns = int_field(j, "last_ns", path);
  p.coverage = text_field(j, "coverage", path);
  const json& diagnostics = member(j, "diagnostics", path);
  if (!diagnostics.is_object()) throw FieldError{path + ".diagnostics", "expected an object"};
  for (const auto& [k, v] : diagnostics.items()) p.diagnostics[k] = number_field(diagnostics, k, path + ".diagnostics");
  const json& sessions = member(j, "sessions", path);
  for (TradingSession s : kTradingSessions) {
    const std::string key(session_name(s));
    p.sessions[slot(s)] = parse_session(member(sessions, key, path + ".sessions"), path + ".sessions." + key);
  }
  p.all = parse_session(member(sessions, "all", path + ".sessions"), path + ".sessions.all");
  return p;
}

ExecutionMetrics parse_metrics(const json& doc) {
  ExecutionMetrics m;
  const std::string format = text_field(doc, "format", "$");
  if (format != ExecutionMetrics::kFormat) {
    throw FieldError{"$.format",
                     "expected \"" + std::string(ExecutionMetrics::kFormat) + "\", found \"" + format + "\""};
  }
  m.version = text_field(doc, "version", "$");
  m.generated_on = text_field(doc, "generated_on", "$");
  m.generator = text_field(doc, "generator", "$");
  const json& sources = array_field(doc, "sources", "$");
  for (std::size_t i = 0; i < sources.size(); ++i) {
    m.sources.push_back(parse_source(sources[i], "$.sources[" + std::to_string(i) + "]"));
  }
  const json& pairs = array_field(doc, "pairs", "$");
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    m.pairs.push_back(parse_pair(pairs[i], "$.pairs[" + std::to_string(i) + "]"));
  }
  return m;
}

std::expected<json, std::string> parse_json_file_text(std::string_view text, const std::string& file) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    return std::unexpected(file + ": not valid JSON (byte " + std::to_string(e.byte) + "): " + e.what());
  }
}

}  // namespace

std::string to_json_text(const ExecutionMetrics& metrics) {
  ojson j;
  j["format"] = ExecutionMetrics::kFormat;
  j["version"] = metrics.version;
  j["generated_on"] = metrics.generated_on;
  j["generator"] = metrics.generator;
  j["definitions"] = definitions_json();
  j["sources"] = ojson::array();
  for (const auto& s : metrics.sources) j["sources"].push_back(source_json(s));
  j["pairs"] = ojson::array();
  for (const auto& p : metrics.pairs) j["pairs"].push_back(pair_json(p));
  return j.dump(2) + "\n";
}

std::expected<ExecutionMetrics, std::string> from_json_text(std::string_view text, const std::string& file) {
  const auto doc = parse_json_file_text(text, file);
  if (!doc) return std::unexpected(doc.error());
  try {
    return parse_metrics(*doc);
  } catch (const FieldError& e) {
    return std::unexpected(file + ": field " + e.path + ": " + e.what);
  }
}

// --- storage: versions -----------------------------------------------------

namespace {

struct VersionKey {
  std::string date;
  std::uint64_t counter = 0;
  auto operator<=>(const VersionKey&) const = default;
};

bool is_date(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (d[i] < '0' || d[i] > '9') return false;
  }
  return parse_iso8601_ns(d).has_value();
}

/// "2026-11-21.3" -> {"2026-11-21", 3}; nullopt for anything else.
std::optional<VersionKey> parse_version(std::string_view v) {
  if (v.size() < 12 || v[10] != '.' || !is_date(v.substr(0, 10))) return std::nullopt;
  const std::string_view n = v.substr(11);
  if (n.empty() || n[0] == '0' || n.size() > 9) return std::nullopt;
  for (char c : n) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return VersionKey{std::string(v.substr(0, 10)), static_cast<std::uint64_t>(*parse_int(n))};
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "(none)" : out;
}

/// Writes through a temporary file and a rename, so a reader never sees half a file.
std::expected<void, std::string> write_file_atomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return std::unexpected(tmp.string() + ": cannot create the file");
    out << text;
    out.flush();
    if (!out) return std::unexpected(tmp.string() + ": write failed");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return std::unexpected(path.string() + ": cannot rename into place: " + ec.message());
  return {};
}

}  // namespace

std::string utc_date(std::int64_t t_ns) { return format_iso8601_ms(t_ns).substr(0, 10); }

std::string metrics_file_name(std::string_view version) {
  return std::string(kFilePrefix) + std::string(version) + kFileSuffix;
}

std::vector<std::string> list_metrics_versions(const std::string& dir) {
  std::vector<std::pair<VersionKey, std::string>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || !name.starts_with(kFilePrefix) || !name.ends_with(kFileSuffix)) continue;
    const std::string version =
        name.substr(std::strlen(kFilePrefix), name.size() - std::strlen(kFilePrefix) - std::strlen(kFileSuffix));
    if (const auto key = parse_version(version)) found.emplace_back(*key, version);
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& [key, version] : found) out.push_back(std::move(version));
  return out;
}

std::expected<std::string, std::string> write_execution_metrics(const std::string& dir, ExecutionMetrics& metrics) {
  if (!is_date(metrics.generated_on)) {
    return std::unexpected("generated_on '" + metrics.generated_on + "' is not a date YYYY-MM-DD");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return std::unexpected(dir + ": cannot create the folder: " + ec.message());
  std::uint64_t counter = 0;
  for (const auto& v : list_metrics_versions(dir)) {
    const auto key = parse_version(v);
    if (key->date == metrics.generated_on) counter = std::max(counter, key->counter);
  }
  metrics.version = metrics.generated_on + "." + std::to_string(counter + 1);
  const fs::path path = fs::path(dir) / metrics_file_name(metrics.version);
  if (auto done = write_file_atomically(path, to_json_text(metrics)); !done) return std::unexpected(done.error());
  ojson latest;
  latest["format"] = kLatestFormat;
  latest["version"] = metrics.version;
  latest["file"] = metrics_file_name(metrics.version);
  if (auto done = write_file_atomically(fs::path(dir) / "latest.json", latest.dump(2) + "\n"); !done) {
    return std::unexpected(done.error());
  }
  return path.string();
}

namespace {

std::expected<std::string, std::string> resolve_latest(const std::string& dir) {
  const fs::path path = fs::path(dir) / "latest.json";
  const auto text = read_bytes(path.string());
  if (!text) {
    return std::unexpected(path.string() + ": not found, so \"latest\" means nothing; stored versions: " +
                           join(list_metrics_versions(dir)) + " (run `verity data spreads` to generate one)");
  }
  const auto doc = parse_json_file_text(*text, path.string());
  if (!doc) return std::unexpected(doc.error());
  try {
    const std::string format = text_field(*doc, "format", "$");
    if (format != kLatestFormat) throw FieldError{"$.format", "expected \"" + std::string(kLatestFormat) + "\""};
    const std::string version = text_field(*doc, "version", "$");
    if (!parse_version(version)) throw FieldError{"$.version", "'" + version + "' is not a version YYYY-MM-DD.N"};
    return version;
  } catch (const FieldError& e) {
    return std::unexpected(path.string() + ": field " + e.path + ": " + e.what);
  }
}

}  // namespace

std::expected<ExecutionMetrics, std::string> load_execution_metrics(const std::string& dir,
                                                                    const std::string& version) {
  std::string wanted = version;
  if (version == "latest") {
    auto resolved = resolve_latest(dir);
    if (!resolved) return std::unexpected(resolved.error());
    wanted = *resolved;
  } else if (!parse_version(version)) {
    return std::unexpected("execution metrics version '" + version +
                           "' is neither \"latest\" nor of the form YYYY-MM-DD.N; stored versions in " + dir + ": " +
                           join(list_metrics_versions(dir)));
  }
  const fs::path path = fs::path(dir) / metrics_file_name(wanted);
  const auto text = read_bytes(path.string());
  if (!text) {
    return std::unexpected("execution metrics version " + wanted + " not found (" + path.string() +
                           "); stored versions: " + join(list_metrics_versions(dir)));
  }
  auto metrics = from_json_text(*text, path.string());
  if (!metrics) return std::unexpected(metrics.error());
  if (metrics->version != wanted) {
    return std::unexpected(path.string() + ": field $.version: the file says \"" + metrics->version +
                           "\" but its name says " + wanted);
  }
  return metrics;
}

// --- the table -------------------------------------------------------------

namespace {

std::string cell(const std::optional<Distribution>& d, bool with_count) {
  char buf[96];
  if (!d) return "";
  if (d->empty()) {
    std::snprintf(buf, sizeof buf, with_count ? "%8s %9s %9s %9s" : "%9s %9s %9s", "-", "-", "-", "-");
  } else if (with_count) {
    std::snprintf(buf, sizeof buf, "%8llu %9.4f %9.4f %9.4f", static_cast<unsigned long long>(d->count), d->mean,
                  d->p50, d->p90);
  } else {
    std::snprintf(buf, sizeof buf, "%9.4f %9.4f %9.4f", d->mean, d->p50, d->p90);
  }
  return buf;
}

std::string padded(const std::optional<Distribution>& d, bool with_count) {
  const std::string c = cell(d, with_count);
  const std::size_t width = with_count ? 38 : 29;
  return c.empty() ? std::string(width, ' ') : c;
}

}  // namespace

std::string format_metrics_table(const ExecutionMetrics& metrics) {
  std::string out = "execution metrics " + metrics.version + " (generated " + metrics.generated_on + " by " +
                    metrics.generator + ")\n";
  out += "bps of mid; sessions asia 00-08, europe 08-16, us 16-24 UTC; '-' no data in that session\n\n";
  char line[320];
  std::snprintf(line, sizeof line, "%-8s %-8s %-14s %-7s | %-38s | %-29s | %-38s\n", "pair", "venue", "method",
                "session", "spread: n, mean, p50, p90", "time-weighted spread: mean, p50, p90",
                "slippage |p-mid|: n, mean, p50, p90");
  out += line;
  for (const auto& p : metrics.pairs) {
    for (std::size_t i = 0; i < kSessionKeys.size(); ++i) {
      const SessionMetrics& m = i < 3 ? p.sessions[i] : p.all;
      std::snprintf(line, sizeof line, "%-8s %-8s %-14s %-7s | %s | %s | %s\n", p.pair.c_str(), p.venue.c_str(),
                    std::string(method_name(p.method)).c_str(), kSessionKeys[i], padded(m.spread_bps, true).c_str(),
                    padded(m.spread_time_weighted_bps, false).c_str(), padded(m.slippage_bps, true).c_str());
      out += line;
    }
  }
  out += "\ncoverage:\n";
  for (const auto& p : metrics.pairs) {
    out += "  " + p.pair + " " + std::string(method_name(p.method)) + ": " + p.coverage + "\n";
  }
  out += "\nsources:\n";
  for (const auto& s : metrics.sources) {
    out += "  " + s.id + ": " + std::to_string(s.files.size()) + " file(s), " + std::to_string(s.lines_read) +
           " lines, " + std::to_string(s.malformed_lines) + " malformed\n";
    for (const auto& issue : s.malformed) out += "    " + issue.text() + "\n";
  }
  return out;
}

}  // namespace verity
