// A live session: the same graph as a sim, facing the outside world
// (docs/LIVE.md).
//
// The I/O threads (the exchange's WebSocket, the venue gateway, the Telegram
// bot) never touch the graph. They push what they receive into one
// InputQueue; the session's own thread pops each input, and the sequencer
// stamps it, journals it and runs it through the graph to completion before
// the next (DESIGN.md, "Live I/O"). So a live journal is an ordinary one:
// `verity replay --verify` feeds the same inputs to the same graph and gets
// the same bytes, without an exchange.
//
// Time. A step's logical time is market time: a bar steps at its close, and
// any other input (a command, a venue report) at the newest bar close seen.
// The wall-clock reading of each outside input is kept in its payload
// (ControlCommand.timeNs; ExecutionReport.timeNs is the venue's), so the
// journal has both and the graph's time never runs backwards, even against
// an accelerated mock whose bars are years old.
//
// Orders. In live mode (a live venue: execution.venue "binance" or "mt5",
// is_live_venue) the graph's venue requests are Order messages to
// `external`. The runner collects them from the step's messages and hands
// them to the VenueGateway only after the step has committed and the
// journal's WAL is synced (JournalStore::sync): an order never leaves
// before the journal holds it on disk.
//
// Warm-up. History fetched to warm the features steps between two
// ControlCommands of the session's own (warmUp on, off), during which risk
// refuses every signal: history is never traded.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "actors/execution/sim_venue.hpp"
#include "actors/feed/candle.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/envelope.hpp"
#include "actors/runtime/hash.hpp"
#include "actors/runtime/journal_store.hpp"
#include "live/ops/status.hpp"
#include "schema/control.capnp.h"

namespace verity {

/// A closed candle from the feed; `received_ns` is the live clock when the
/// I/O thread had it (decision latency starts there).
struct LiveBar {
  std::string symbol;
  Candle candle;
  std::int64_t received_ns = 0;
};

/// An operator's command: kill switch, threshold or a status request.
struct LiveCommand {
  schema::CommandSource source = schema::CommandSource::CLI;
  std::string issuer;                  // chat id, file path or "env"; never a secret
  std::optional<bool> kill_switch;
  std::optional<double> threshold;
  std::int64_t wall_ns = 0;
  std::optional<bool> warm_up;         // the session's own, around its warm-up (source session)
};

/// A venue's answer to an order the graph sent (live mode).
struct LiveReport {
  FillSpec report;                     // order_id: the graph's id; time_ns: the venue's transaction time
};

using LiveInput = std::variant<LiveBar, LiveCommand, LiveReport>;

/// Many producers, one consumer (the session's thread).
class InputQueue {
 public:
  void push(LiveInput in);
  /// The next input, waiting up to `wait_ms`; nothing on timeout or close.
  std::optional<LiveInput> pop(std::int64_t wait_ms);
  void close();
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<LiveInput> q_;
  bool closed_ = false;
};

/// The market data side: history to warm the features, then closed bars.
class MarketFeed {
 public:
  virtual ~MarketFeed() = default;
  /// The newest `count` closed candles of `symbol`, oldest first.
  virtual std::expected<std::vector<Candle>, std::string> history(const std::string& symbol, std::int64_t count) = 0;
  /// Starts pushing closed candles opening after `after_open_ns[symbol]`
  /// (exclusive) into `sink`, from the feed's own thread, each once, in
  /// order per symbol, across reconnects.
  virtual std::expected<void, std::string> start(const std::map<std::string, std::int64_t>& after_open_ns,
                                                 std::function<void(LiveBar)> sink) = 0;
  virtual void stop() = 0;
  struct State {
    bool connected = false;
    std::uint64_t reconnects = 0, malformed = 0;
    std::string last_error;
  };
  virtual State state() const = 0;
};

/// An order leaving for the venue: the graph's Order, as journaled.
struct OutboundOrder {
  VenueOrder order;
  std::string client_order_id;
  std::int64_t committed_ns = 0;       // live clock when the step that made it had committed
  std::int64_t decided_ns = 0;         // live clock when it was handed over (the journal synced)
  std::int64_t bar_received_ns = 0;    // the bar behind it reached the process (0: none)
};

/// The venue side of live mode: sends orders, pushes answers back.
class VenueGateway {
 public:
  virtual ~VenueGateway() = default;
  /// At start: open orders and balances against the exchange, in plain
  /// words for the log; an error (unreachable, unauthorised) stops the start.
  virtual std::expected<std::string, std::string> reconcile() = 0;
  /// Starts the gateway's thread; every answer goes to `sink`.
  virtual void start(std::function<void(LiveReport)> sink) = 0;
  /// Queues one order; never blocks on the network.
  virtual void send(OutboundOrder order) = 0;
  virtual void stop() = 0;
  virtual std::uint64_t errors() const = 0;
};

struct LiveHooks {
  /// Polled between inputs: true ends the session (SIGINT/SIGTERM).
  std::function<bool()> stop;
  /// Called on the session's thread after the queue exists and before the
  /// first live input: start what else pushes inputs (the Telegram bot).
  std::function<void(InputQueue&)> attach;
  /// Called before the session closes: stop what attach started.
  std::function<void()> detach;
  /// Every message as it is made (Telegram alerts, tests); must not block.
  std::function<void(const FramePtr&)> observer;
  /// Each published status (the ops server's board, tests).
  std::function<void(const LiveStatus&)> on_status;
  /// Each order handed to the venue, with its decision latency in ns.
  std::function<void(const OutboundOrder&, std::int64_t latency_ns)> on_order_sent;
  /// Each step's latency (stamp -> committed) in ns.
  std::function<void(std::int64_t)> on_step;
  /// Each live bar once it is decided: the latency from the I/O thread
  /// having it to the step committed and its orders handed to the venue,
  /// and how many orders it made.
  std::function<void(std::int64_t latency_ns, std::uint64_t orders)> on_bar_done;
};

struct LiveResult {
  std::uint64_t session = 0;
  std::string mode;                    // "dryrun" | "live"
  std::uint64_t warmup_bars = 0, live_bars = 0, commands = 0, reports = 0, orders_sent = 0;
  std::uint64_t orders_unsent = 0;     // made while shutting down, after the gateway stopped: journaled only
  std::uint64_t bars_left_queued = 0;  // queued at shutdown, not stepped: the next start backfills them
  std::uint64_t messages = 0;
  Hash128 final_hash;
  std::uint64_t snapshot_seq = 0;      // the snapshot written at shutdown
  double equity_end_usd = 0;
  double elapsed_s = 0;
  std::string stop_reason;             // "max_bars", "signal", "feed closed"
};

/// Runs one live session into `store` until live.max_bars live bars have
/// stepped or hooks.stop() says so, then stops the I/O, steps the venue
/// answers and commands still queued (bars still queued are left to the
/// next start's backfill), writes a snapshot and closes the journal. `venue` is required when execution.venue is a
/// live venue ("binance", "mt5") and must be null otherwise (dryrun: the
/// simulated venue).
std::expected<LiveResult, std::string> run_live(const Config& config, JournalStore& store, MarketFeed& feed,
                                                VenueGateway* venue, const std::string& command,
                                                const LiveHooks& hooks = {});

/// The session's summary as one JSON line.
std::string live_summary_json(const LiveResult& r, const std::string& journal_dir);

}  // namespace verity
