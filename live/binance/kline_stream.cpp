#include "live/binance/kline_stream.hpp"

#include "actors/runtime/ascii.hpp"

#include <algorithm>

namespace verity {

namespace {

constexpr std::size_t kMaxSymbols = 500;  // Binance allows 1024 streams a connection: kline + trade each

}  // namespace

KlineStream::KlineStream(KlineStreamOptions options, KlineStreamCallbacks callbacks)
    : options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      interval_ms_(timeframe_seconds(options_.timeframe) * 1000) {
  for (std::string& s : options_.symbols) s = ascii_upper(s);
  BinanceRestOptions rest = options_.rest;
  rest.endpoints = options_.endpoints;
  rest.sleep = [this](std::chrono::milliseconds d) { wait_for(d); };
  rest.cancelled = [this] { return stopping_.load(); };
  rest_ = std::make_unique<BinanceRest>(std::move(rest));
  if (options_.resume_from_open_ms >= 0) {
    // Align down to the interval: a bar opens on a multiple of it.
    const std::int64_t aligned = options_.resume_from_open_ms - options_.resume_from_open_ms % interval_ms_;
    for (const std::string& s : options_.symbols) next_open_ms_[s] = aligned;
  }
}

KlineStream::~KlineStream() { stop(); }

std::string KlineStream::url() const {
  std::string streams;
  const std::string interval(timeframe_name(options_.timeframe));
  for (const std::string& s : options_.symbols) {
    if (!streams.empty()) streams += "/";
    streams += ascii_lower(s) + "@kline_" + interval;
    if (options_.trades) streams += "/" + ascii_lower(s) + "@trade";
  }
  std::string base = options_.endpoints.ws_base;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/stream?streams=" + streams;
}

std::expected<void, std::string> KlineStream::start() {
  if (started_) return std::unexpected("the kline stream is already started");
  if (options_.symbols.empty()) return std::unexpected("the kline stream needs at least one symbol");
  if (options_.symbols.size() > kMaxSymbols) {
    return std::unexpected("the kline stream takes at most " + std::to_string(kMaxSymbols) + " symbols on one connection");
  }
  for (const std::string& s : options_.symbols) {
    const bool ok = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    });
    if (!ok) return std::unexpected("kline stream: \"" + s + "\" is not a symbol (expected letters and digits, e.g. BTCUSDT)");
  }
  if (options_.stale_after.count() <= 0) return std::unexpected("kline stream: stale_after must be positive");
  started_ = true;
  thread_ = std::thread([this] { run(); });
  return {};
}

void KlineStream::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_.store(true);
    if (client_ != nullptr) client_->close();  // unblocks a read in progress
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

StreamStatus KlineStream::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

void KlineStream::set_status(const std::function<void(StreamStatus&)>& change, bool report) {
  StreamStatus copy;
  {
    std::lock_guard lock(mutex_);
    change(status_);
    copy = status_;
  }
  if (report && callbacks_.on_status) callbacks_.on_status(copy);
}

bool KlineStream::wait_for(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, d, [&] { return stopping_.load(); });
  return !stopping_.load();
}

void KlineStream::run() {
  Backoff backoff(options_.reconnect_base, options_.reconnect_max, options_.seed, /*stream=*/0x5743);
  int failures = 0;
  bool first = true;
  const std::string address = url();
  while (!stopping_.load()) {
    auto connected = net::WsClient::connect(address, options_.ws);
    if (!connected) {
      set_status([&](StreamStatus& s) { s.last_error = connected.error(); }, true);
      if (!wait_for(backoff.delay(failures++))) break;
      continue;
    }
    std::unique_ptr<net::WsClient> client = std::move(*connected);
    {
      std::lock_guard lock(mutex_);
      if (stopping_.load()) break;
      client_ = client.get();
    }
    set_status(
        [&](StreamStatus& s) {
          s.connected = true;
          if (!first) ++s.reconnects;
        },
        true);
    first = false;
    const std::uint64_t delivered_before = status().bars_delivered;
    auto ended = session(*client);
    {
      std::lock_guard lock(mutex_);
      client_ = nullptr;
    }
    client.reset();  // closes the socket
    if (stopping_.load()) break;
    const std::string why = ended ? std::string("connection ended") : ended.error();
    set_status(
        [&](StreamStatus& s) {
          s.connected = false;
          s.last_error = why;
        },
        true);
    // A session that delivered bars was healthy: start the backoff over.
    if (status().bars_delivered > delivered_before) failures = 0;
    if (!wait_for(backoff.delay(failures++))) break;
  }
  set_status([](StreamStatus& s) { s.connected = false; }, true);
}

std::expected<void, std::string> KlineStream::session(net::WsClient& client) {
  if (auto b = backfill_all(); !b) return b;
  const std::string interval(timeframe_name(options_.timeframe));
  while (!stopping_.load()) {
    auto r = client.read(options_.stale_after);
    if (!r) return std::unexpected(r.error());
    if (r->timeout) {
      return std::unexpected("no frame for " + std::to_string(options_.stale_after.count()) +
                             " ms: the connection is stale");
    }
    const std::int64_t now_ns = clock_.now_ns();
    auto frame = binance::parse_stream_frame(r->text);
    if (!frame) {
      set_status(
          [&](StreamStatus& s) {
            s.last_message_ns = now_ns;
            ++s.malformed_frames;
            s.last_error = "malformed frame skipped: " + frame.error();
          },
          true);
      continue;
    }
    set_status([&](StreamStatus& s) { s.last_message_ns = now_ns; }, false);
    if (frame->kind == binance::StreamFrame::Kind::kline) {
      const auto& e = frame->kline;
      const bool ours = std::find(options_.symbols.begin(), options_.symbols.end(), e.symbol) != options_.symbols.end();
      if (e.interval != interval || !ours) {
        continue;  // not one of ours
      }
      if (auto k = on_kline(e); !k) return k;
    } else if (frame->kind == binance::StreamFrame::Kind::trade) {
      if (callbacks_.on_trade) callbacks_.on_trade(frame->trade);
      set_status([](StreamStatus& s) { ++s.trades_delivered; }, false);
    }
  }
  return {};
}

std::expected<void, std::string> KlineStream::backfill_all() {
  if (next_open_ms_.empty()) return {};
  auto now = rest_->server_time();
  if (!now) return std::unexpected("backfill: " + now.error().text());
  // Bars opening before this have closed by the venue's clock.
  const std::int64_t newest_end = *now - ((*now % interval_ms_) + interval_ms_) % interval_ms_;
  for (const std::string& symbol : options_.symbols) {
    if (!next_open_ms_.contains(symbol)) continue;
    if (auto f = fill(symbol, newest_end); !f) return f;
  }
  return {};
}

std::expected<void, std::string> KlineStream::fill(const std::string& symbol, std::int64_t to_open_ms) {
  std::int64_t& next = next_open_ms_.at(symbol);
  const std::int64_t chunk_ms = std::max<std::int64_t>(options_.backfill_chunk_bars, 1) * interval_ms_;
  while (next < to_open_ms) {
    if (stopping_.load()) return std::unexpected("stopped");
    const std::int64_t chunk_end = std::min(to_open_ms, next + chunk_ms);
    auto bars = rest_->klines(symbol, options_.timeframe, next, chunk_end);
    if (!bars) return std::unexpected("backfill of " + symbol + ": " + bars.error().text());
    for (const Candle& c : *bars) {
      const std::int64_t open_ms = c.open_time_ns / 1'000'000;
      if (open_ms < next) continue;
      deliver(symbol, c, true);
      next = open_ms + interval_ms_;
    }
    // Whatever the venue did not return for a closed range does not exist.
    next = std::max(next, chunk_end);
  }
  return {};
}

std::expected<void, std::string> KlineStream::on_kline(const binance::KlineEvent& e) {
  auto it = next_open_ms_.find(e.symbol);
  if (it == next_open_ms_.end()) {
    // The first word on this symbol without a resume point: start here.
    if (!e.closed) {
      next_open_ms_[e.symbol] = e.open_ms;
      return {};
    }
    next_open_ms_[e.symbol] = e.open_ms;
    it = next_open_ms_.find(e.symbol);
  }
  if (e.open_ms > it->second) {
    // Bars before this one have closed but were not seen: fetch them first.
    if (auto f = fill(e.symbol, e.open_ms); !f) return f;
  }
  if (!e.closed) return {};
  if (e.open_ms < it->second) {
    set_status([](StreamStatus& s) { ++s.duplicates_dropped; }, false);
    return {};
  }
  deliver(e.symbol, e.candle, false);
  it->second = e.open_ms + interval_ms_;
  return {};
}

void KlineStream::deliver(const std::string& symbol, const Candle& c, bool backfilled) {
  if (callbacks_.on_bar) callbacks_.on_bar(symbol, c);
  set_status(
      [&](StreamStatus& s) {
        ++s.bars_delivered;
        if (backfilled) ++s.bars_backfilled;
      },
      false);
}

}  // namespace verity
