#include "live/live_session.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

#include "actors/execution/venue_messages.hpp"
#include "actors/feed/timeframe.hpp"
#include "actors/runtime/calendar.hpp"
#include "actors/runtime/clock.hpp"
#include "actors/runtime/convert.hpp"
#include "actors/runtime/graph.hpp"
#include "actors/runtime/journal_writer.hpp"
#include "actors/runtime/log.hpp"
#include "models/session_models.hpp"
#include "schema/order.capnp.h"
#include "sim/session_inputs.hpp"
#include "live/status_tracker.hpp"

namespace verity {

// --- InputQueue -----------------------------------------------------------------

void InputQueue::push(LiveInput in) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    q_.push_back(std::move(in));
  }
  cv_.notify_one();
}

std::optional<LiveInput> InputQueue::pop(std::int64_t wait_ms) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return closed_ || !q_.empty(); });
  if (q_.empty()) return std::nullopt;
  LiveInput in = std::move(q_.front());
  q_.pop_front();
  return in;
}

void InputQueue::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

std::size_t InputQueue::size() const {
  std::lock_guard lock(mu_);
  return q_.size();
}

// --- the session ------------------------------------------------------------------

namespace {

constexpr std::int64_t kPublishEveryNs = 100'000'000;  // status snapshots at most every 100 ms of wall time

}  // namespace

std::expected<LiveResult, std::string> run_live(const Config& config, JournalStore& store, MarketFeed& feed,
                                                VenueGateway* venue, const std::string& command,
                                                const LiveHooks& hooks) {
  Stopwatch watch;
  LiveClock clock;
  const bool live = is_live_venue(config.execution.venue);
  if (live && venue == nullptr) {
    return std::unexpected("execution.venue is " + config.execution.venue +
                           ": a live session needs the venue gateway (verity live --mode live)");
  }
  if (!live && venue != nullptr) {
    return std::unexpected("execution.venue is " + config.execution.venue + ": a dryrun session takes no venue gateway");
  }
  if (config.journal.level == JournalLevel::HASH) {
    return std::unexpected("journal.level hash keeps no inputs, and a live session must replay: use full or inputs");
  }
  auto symbols = split_symbols(config.session.symbols);
  if (!symbols) return std::unexpected("config: session.symbols: " + symbols.error());
  const std::int64_t interval_ns = timeframe_ns(*parse_timeframe(config.session.timeframe));

  SessionInputs extras;
  if (auto ok = add_session_models(config, extras); !ok) return std::unexpected(ok.error());
  LiveResult r;
  r.mode = live ? "live" : "dryrun";
  ManifestInfo m;
  m.mode = live ? Mode::LIVE : Mode::DRYRUN;
  m.root_seed = config.session.seed;
  m.level = config.journal.level;
  m.config = config.canonical();
  m.config_hash = hash128(m.config);
  m.build_id = VERITY_BUILD_ID;
  m.command = command;
  m.recorded_at_ns = clock.now_ns();
  m.data_sources = extras.data_sources;
  // Each live run is its own session: its start time and feed name it. The
  // bars are Binance market data whichever venue takes the orders (MT5
  // included), so the feed's name says binance.
  const std::string feed_name = "live:binance:" + config.session.symbols + ":" + config.session.timeframe + ":" +
                                format_iso8601_ms(m.recorded_at_ns);
  m.data_sources.push_back({feed_name, hash128(feed_name)});
  if (extras.models) m.models = extras.models->versions();
  m.session = session_id(m.mode, m.root_seed, m.config, m.data_sources);
  r.session = m.session;

  Logger log(m.mode, m.session, parse_log_level(config.log.level).value());
  if (live) {
    auto reconciled = venue->reconcile();
    if (!reconciled) return std::unexpected("venue: " + reconciled.error());
    log.event(LogLevel::info, 0, 0, "live", "venue_reconciled", {{"state", *reconciled}});
  }

  // Warm-up: the newest closed candles of each symbol, merged by close time.
  std::vector<LiveBar> warm;
  for (const std::string& symbol : *symbols) {
    if (config.live.warmup_bars == 0) break;
    auto candles = feed.history(symbol, config.live.warmup_bars);
    if (!candles) return std::unexpected("feed: warm-up history of " + symbol + ": " + candles.error());
    for (const Candle& c : *candles) warm.push_back({symbol, c, 0});
  }
  std::stable_sort(warm.begin(), warm.end(), [](const LiveBar& a, const LiveBar& b) {
    return a.candle.open_time_ns < b.candle.open_time_ns;
  });

  auto writer = JournalWriter::create(store, m, /*replace_existing=*/false);
  if (!writer) return std::unexpected(writer.error());
  Session session(**writer, log);
  StatusTracker tracker(config, r.mode, session_hex(m.session), m.recorded_at_ns);
  std::vector<FramePtr> outbound;
  session.set_observer([&](const FramePtr& f) {
    tracker.on_frame(f);
    if (live && f->kind() == Kind::ORDER && f->destination() == ActorId::EXTERNAL) outbound.push_back(f);
    if (hooks.observer) hooks.observer(f);
  });
  session.log().event(LogLevel::info, 0, 0, "sequencer", "live_session_start",
                      {{"mode", r.mode},
                       {"symbols", config.session.symbols},
                       {"seed", config.session.seed},
                       {"warmup_bars", warm.size()},
                       {"journal_level", level_name(config.journal.level)},
                       {"config_hash", m.config_hash.hex()}});

  InputQueue queue;
  std::optional<std::string> failure;
  {
    Graph graph(session, config, extras.metrics.get(), extras.models.get());
    Sequencer sequencer(session, graph, **writer);
    sequencer.set_snapshot_every(static_cast<std::uint64_t>(config.journal.snapshot_every));
    std::int64_t market_ns = 0;
    std::map<std::string, std::int64_t> last_open;
    std::int64_t last_publish_ns = 0;

    auto publish = [&](bool force) {
      const std::int64_t now = clock.now_ns();
      if (!force && now - last_publish_ns < kPublishEveryNs) return;
      last_publish_ns = now;
      const MarketFeed::State fs = feed.state();
      tracker.set_feed(fs.connected, fs.reconnects);
      if (hooks.on_status) hooks.on_status(tracker.snapshot(now));
    };
    // After a committed step: the venue requests it made leave now, once
    // the journal's log is on disk (DESIGN.md: synced before an order
    // leaves the process). Steps that send nothing are not synced; in
    // dryrun nothing is ever outbound.
    bool venue_stopped = false;  // shutting down: orders made now are journaled, not sent
    auto ship = [&](std::int64_t bar_received_ns) -> Status {
      if (outbound.empty()) return {};
      if (venue_stopped) {
        for (const FramePtr& f : outbound) {
          auto o = f->envelope().getPayload().getOrder();
          session.log().event(LogLevel::warn, market_ns, f->seq(), "live", "order_not_sent",
                              {{"client_order_id", text_of(o.getClientOrderId())},
                               {"reason", "made while shutting down, after the venue gateway stopped"}});
        }
        r.orders_unsent += outbound.size();
        outbound.clear();
        return {};
      }
      const std::int64_t committed_ns = clock.now_ns();
      if (auto synced = store.sync(); !synced) {
        outbound.clear();
        return std::unexpected("no order sent: " + synced.error());
      }
      for (const FramePtr& f : outbound) {
        auto o = f->envelope().getPayload().getOrder();
        OutboundOrder out;
        out.order = venue_order_of(o, o.getTimeNs());
        out.client_order_id = text_of(o.getClientOrderId());
        out.committed_ns = committed_ns;
        out.decided_ns = clock.now_ns();
        out.bar_received_ns = bar_received_ns;
        if (hooks.on_order_sent) hooks.on_order_sent(out, bar_received_ns > 0 ? out.decided_ns - bar_received_ns : 0);
        venue->send(std::move(out));
        ++r.orders_sent;
      }
      outbound.clear();
      return {};
    };
    auto timed = [&](auto&& step) -> Status {
      const std::int64_t t0 = clock.now_ns();
      Status ok = step();
      if (hooks.on_step) hooks.on_step(clock.now_ns() - t0);
      return ok;
    };
    auto step_bar = [&](const LiveBar& b) -> Status {
      const auto last = last_open.find(b.symbol);
      if (last != last_open.end() && b.candle.open_time_ns <= last->second) {
        // Never twice, never backwards: the feed promises it, the journal relies on it.
        session.log().event(LogLevel::warn, market_ns, session.last_seq(), "live", "bar_dropped",
                            {{"symbol", b.symbol}, {"open_time", format_iso8601_ms(b.candle.open_time_ns)},
                             {"reason", "not after the last bar stepped"}});
        return {};
      }
      const BarData bar = to_bar(b.candle, b.symbol, interval_ns);
      market_ns = std::max(market_ns, bar.open_time_ns + bar.interval_ns);
      auto ok = timed([&] { return sequencer.step<schema::Bar>(market_ns, [&](schema::Bar::Builder out) { fill_bar(out, bar); }); });
      if (!ok) return ok;
      last_open[b.symbol] = b.candle.open_time_ns;
      const std::uint64_t sent_before = r.orders_sent;
      if (auto shipped = ship(b.received_ns); !shipped) return shipped;
      if (hooks.on_bar_done && b.received_ns > 0) hooks.on_bar_done(clock.now_ns() - b.received_ns, r.orders_sent - sent_before);
      return {};
    };
    auto step_command = [&](const LiveCommand& c) -> Status {
      auto ok = timed([&] {
        return sequencer.step<schema::ControlCommand>(market_ns, [&](schema::ControlCommand::Builder out) {
          out.setTimeNs(c.wall_ns);
          out.setSource(c.source);
          out.setIssuer(c.issuer);
          if (c.warm_up) {
            out.getCommand().setWarmUp(*c.warm_up);
          } else if (c.kill_switch) {
            out.getCommand().setKillSwitch(*c.kill_switch);
          } else if (c.threshold) {
            out.getCommand().setThreshold(*c.threshold);
          } else {
            out.getCommand().setStatus();
          }
        });
      });
      if (!ok) return ok;
      if (!c.warm_up) ++r.commands;
      if (auto shipped = ship(0); !shipped) return shipped;
      return {};
    };
    auto step_report = [&](const LiveReport& in) -> Status {
      const FillSpec& f = in.report;
      auto ok = timed([&] {
        return sequencer.step<schema::ExecutionReport>(
            market_ns, [&](schema::ExecutionReport::Builder out) { write_report(out, f, f.time_ns); });
      });
      if (!ok) return ok;
      ++r.reports;
      if (f.reject_reason == schema::RejectReason::VENUE_UNAVAILABLE) tracker.add_venue_error();
      if (auto shipped = ship(0); !shipped) return shipped;
      return {};
    };

    // Warm-up: history through the whole graph, with risk refusing every
    // signal (warmUp), so nothing made from it trades. The two commands are
    // journaled inputs like any other: a replay warms up the same way.
    auto warm_up = [&](bool on) {
      LiveCommand c{schema::CommandSource::SESSION, "warm-up", std::nullopt, std::nullopt, clock.now_ns(), on};
      return step_command(c);
    };
    if (!warm.empty()) {
      market_ns = warm.front().candle.open_time_ns;  // before the first warm-up bar's close
      if (auto ok = warm_up(true); !ok) return std::unexpected(ok.error());
    }
    for (const LiveBar& b : warm) {
      if (auto ok = step_bar(b); !ok) return std::unexpected(ok.error());
      ++r.warmup_bars;
    }
    if (!warm.empty()) {
      if (auto ok = warm_up(false); !ok) return std::unexpected(ok.error());
    }
    publish(true);

    if (hooks.attach) hooks.attach(queue);
    if (live) venue->start([&queue](LiveReport rep) { queue.push(std::move(rep)); });
    if (auto started = feed.start(last_open, [&queue](LiveBar b) { queue.push(std::move(b)); }); !started) {
      failure = "feed: " + started.error();
    }

    // The kill-switch file: its presence is the switch; each change is a command.
    const std::string& kill_file = config.live.kill_switch_file;
    bool kill_file_on = false;
    std::int64_t kill_checked_ns = 0;
    const auto kill_poll_ns = static_cast<std::int64_t>(config.live.kill_switch_poll_s * 1e9);

    while (!failure) {
      if (hooks.stop && hooks.stop()) {
        r.stop_reason = "signal";
        break;
      }
      if (config.live.max_bars > 0 && r.live_bars >= static_cast<std::uint64_t>(config.live.max_bars)) {
        r.stop_reason = "max_bars";
        break;
      }
      if (!kill_file.empty() && clock.now_ns() - kill_checked_ns >= kill_poll_ns) {
        kill_checked_ns = clock.now_ns();
        std::error_code ec;
        const bool exists = std::filesystem::exists(kill_file, ec);
        if (exists != kill_file_on) {
          kill_file_on = exists;
          queue.push(LiveCommand{schema::CommandSource::FILE, kill_file, exists, std::nullopt, clock.now_ns(), std::nullopt});
        }
      }
      auto in = queue.pop(50);
      if (!in) {
        publish(false);
        continue;
      }
      Status ok;
      if (const auto* b = std::get_if<LiveBar>(&*in)) {
        const std::uint64_t before = session.counts()[static_cast<std::size_t>(Kind::BAR)];
        ok = step_bar(*b);
        if (ok && session.counts()[static_cast<std::size_t>(Kind::BAR)] != before) ++r.live_bars;
      } else if (const auto* c = std::get_if<LiveCommand>(&*in)) {
        if (market_ns == 0) {
          queue.push(*c);  // before the first bar there is no market time yet
          continue;
        }
        ok = step_command(*c);
      } else {
        ok = step_report(std::get<LiveReport>(*in));
      }
      if (!ok) failure = ok.error();
      publish(false);
    }

    // Shutdown: stop the outside world first, so nothing more arrives (the
    // gateway sends the orders it already holds, and their answers queue
    // up); then step what is still queued. The venue's answers and the
    // operator's commands are journaled like any input, so no fill that
    // happened is missing from the books; bars not yet stepped are left to
    // the next start's backfill.
    if (hooks.detach) hooks.detach();
    feed.stop();
    if (live) venue->stop();
    venue_stopped = true;
    queue.close();
    while (!failure) {
      auto in = queue.pop(0);
      if (!in) break;
      Status ok;
      if (std::holds_alternative<LiveBar>(*in)) {
        ++r.bars_left_queued;
        continue;
      }
      if (const auto* c = std::get_if<LiveCommand>(&*in)) {
        if (market_ns == 0) continue;  // no bar yet, so no market time to step it at
        ok = step_command(*c);
      } else {
        ok = step_report(std::get<LiveReport>(*in));
      }
      if (!ok) failure = ok.error();
    }
    if (r.bars_left_queued > 0) {
      session.log().event(LogLevel::info, market_ns, session.last_seq(), "live", "bars_left_queued",
                          {{"bars", r.bars_left_queued}, {"reason", "shutting down: the next start backfills them"}});
    }
    if (!failure) {
      const SnapshotInfo snap = sequencer.take_snapshot();
      if (auto ok = (*writer)->write_snapshot(snap); !ok) {
        failure = "snapshot: " + ok.error();
      } else {
        r.snapshot_seq = snap.seq;
      }
    }
    tracker.set_journal_ok(!failure);
    publish(true);
  }
  if (auto ok = (*writer)->close(); !ok && !failure) failure = ok.error();
  if (failure) return std::unexpected(*failure);
  r.messages = (*writer)->messages();
  r.final_hash = (*writer)->chain();
  r.equity_end_usd = config.portfolio.initial_balance_usd;
  if (const FramePtr& last = session.last_account()) r.equity_end_usd = last->envelope().getPayload().getAccountSnapshot().getEquityUsd();
  r.elapsed_s = watch.elapsed_s();
  session.log().event(LogLevel::info, 0, r.messages, "sequencer", "live_session_end",
                      {{"messages", r.messages}, {"final_hash", r.final_hash.hex()}, {"stop", r.stop_reason}});
  return r;
}

std::string live_summary_json(const LiveResult& r, const std::string& journal_dir) {
  nlohmann::ordered_json j;
  j["mode"] = r.mode;
  j["session"] = session_hex(r.session);
  j["warmup_bars"] = r.warmup_bars;
  j["live_bars"] = r.live_bars;
  j["commands"] = r.commands;
  j["venue_reports"] = r.reports;
  j["orders_sent"] = r.orders_sent;
  j["orders_unsent"] = r.orders_unsent;
  j["bars_left_queued"] = r.bars_left_queued;
  j["messages"] = r.messages;
  j["final_hash"] = r.final_hash.hex();
  j["snapshot_seq"] = r.snapshot_seq;
  j["equity_end"] = r.equity_end_usd;
  j["stop"] = r.stop_reason;
  j["elapsed_s"] = r.elapsed_s;
  j["journal"] = journal_dir;
  return j.dump();
}

}  // namespace verity
