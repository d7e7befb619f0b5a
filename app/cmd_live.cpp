// `verity live`: the graph on live Binance data, in dryrun (paper) or live
// mode, with the Telegram bot and the ops endpoints (docs/LIVE.md). In live
// mode orders go to Binance spot or, with --venue mt5, to an MT5 terminal
// through the bridge's REST shim (docs/MT5.md).
#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <iterator>
#include <memory>

#include "actors/runtime/config.hpp"
#include "actors/runtime/convert.hpp"
#include "actors/runtime/log.hpp"
#include "actors/runtime/rocksdb_store.hpp"
#include "app/commands.hpp"
#include "app/key_flags.hpp"
#include "live/binance_adapters.hpp"
#include "live/live_session.hpp"
#include "live/mt5/mt5_bridge.hpp"
#include "live/ops/live_metrics.hpp"
#include "live/ops/ops_server.hpp"
#include "live/ops/prometheus.hpp"
#include "live/ops/status.hpp"
#include "live/secrets.hpp"
#include "live/telegram/bot.hpp"
#include "live/telegram/format.hpp"
#include "schema/signal.capnp.h"

namespace verity::app {

namespace {

constexpr FlagKey kFlags[] = {
    {"--symbols", "session.symbols", "symbols, comma-separated"},
    {"--timeframe", "session.timeframe", "bar timeframe"},
    {"--seed", "session.seed", "root seed (the simulated venue's draws in dryrun)"},
    {"--journal", "journal.dir", "journal folder"},
    {"--rest-base", "live.rest_base", "Binance REST base URL"},
    {"--ws-base", "live.ws_base", "Binance WebSocket base URL"},
    {"--warmup-bars", "live.warmup_bars", "closed bars fetched before the live ones"},
    {"--max-bars", "live.max_bars", "stop after this many live bars (0: until SIGINT/SIGTERM)"},
    {"--http-port", "live.http_port", "port of /healthz, /metrics and the dashboard (0: any, -1: none)"},
    {"--kill-switch-file", "live.kill_switch_file", "the kill switch is on while this file exists"},
    {"--log-level", "log.level", "trace, debug, info, warn, error or off"},
};

volatile std::sig_atomic_t g_signal = 0;
extern "C" void on_signal(int sig) { g_signal = sig; }

struct LiveArgs {
  std::string config_path;
  std::string mode = "dryrun";
  std::string venue = "binance";  // --mode live only
  bool venue_given = false;       // --venue was on the command line
  bool telegram = false;
  std::string values[std::size(kFlags)];
};

std::vector<std::int64_t> parse_chats(const std::string& list, std::string& error) {
  std::vector<std::int64_t> out;
  for (std::string_view item : split_list(list)) {
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
    if (ec != std::errc() || end != item.data() + item.size()) {
      error = "telegram.allowed_chats: \"" + std::string(item) + "\" is not a chat id (an integer, e.g. 123456789)";
      return {};
    }
    out.push_back(id);
  }
  return out;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "verity live: %s\n", message.c_str());
  return kExitError;
}

/// The venue of a live session: --venue, or binance by default. A config
/// (file or VERITY_EXECUTION_VENUE) that names the other live venue is an
/// error rather than silently overridden: orders must not go to Binance
/// when the operator's config says MT5, or the other way round.
std::expected<std::string, std::string> live_venue(const LiveArgs& a, const std::vector<ConfigOverride>& overrides) {
  if (a.venue_given) return a.venue;
  auto as_given = load_config(a.config_path, overrides, verity_environment());
  if (!as_given) return std::unexpected(as_given.error());
  const std::string& configured = as_given->execution.venue;
  if (is_live_venue(configured) && configured != a.venue) {
    return std::unexpected("the config sets execution.venue = \"" + configured + "\" but --mode live sends orders to --venue " +
                           a.venue + " unless told otherwise: pass --venue " + configured + " (or --venue " + a.venue +
                           " to override the config)");
  }
  return a.venue;
}

/// The MT5 bridge from mt5.* and the shim's bearer token (MT5_BRIDGE_TOKEN).
std::expected<std::unique_ptr<VenueGateway>, std::string> mt5_gateway(const Config& config) {
  auto token = read_process_secret("MT5_BRIDGE_TOKEN");
  if (!token) return std::unexpected(token.error());
  if (token->empty()) {
    return std::unexpected("--venue mt5 sends orders to the MT5 bridge: set MT5_BRIDGE_TOKEN (or MT5_BRIDGE_TOKEN_FILE) "
                           "in the environment to the shim's bearer token");
  }
  auto options = mt5_options(config);
  if (!options) return std::unexpected("config: " + options.error());
  return std::make_unique<Mt5Gateway>(config.mt5.base_url, std::move(*token), std::move(*options));
}

/// Binance spot, signing with BINANCE_API_KEY and BINANCE_API_SECRET.
std::expected<std::unique_ptr<VenueGateway>, std::string> binance_gateway(const Config& config) {
  auto key = read_process_secret("BINANCE_API_KEY");
  if (!key) return std::unexpected(key.error());
  auto secret = read_process_secret("BINANCE_API_SECRET");
  if (!secret) return std::unexpected(secret.error());
  if (key->empty() || secret->empty()) {
    return std::unexpected("--mode live signs orders: set BINANCE_API_KEY and BINANCE_API_SECRET (or *_FILE) in the environment");
  }
  return std::make_unique<BinanceGateway>(config, BinanceCredentials{std::move(*key), std::move(*secret)});
}

int run_live_command(const LiveArgs& a) {
  const bool live = a.mode == "live";
  if (!live && a.venue_given) {
    return fail("--venue " + a.venue + " says where live orders go, and --mode " + a.mode +
                " sends none (paper fills from the simulated venue): add --mode live, or drop --venue");
  }
  std::vector<ConfigOverride> overrides = key_overrides(kFlags, a.values);
  if (a.telegram) overrides.push_back({"telegram.enabled", "true", "--telegram"});
  std::string venue = "sim";
  if (live) {
    auto chosen = live_venue(a, overrides);
    if (!chosen) return fail(chosen.error());
    venue = *chosen;
  }
  overrides.push_back({"execution.venue", venue, a.venue_given ? "--venue" : "--mode"});
  auto config = load_config(a.config_path, overrides, verity_environment());
  if (!config) return fail(config.error());

  // Secrets: the environment or files only.
  std::unique_ptr<VenueGateway> gateway;
  if (live) {
    auto made = venue == "mt5" ? mt5_gateway(*config) : binance_gateway(*config);
    if (!made) return fail(made.error());
    gateway = std::move(*made);
    // An order never leaves before the journal holds it on disk: the
    // session syncs the log before each order (run_live), so the log must
    // be on. Other steps commit at the configured durability.
    if (config->journal.durability == Durability::off) config->journal.durability = Durability::async;
  }
  std::vector<std::int64_t> chats;
  std::atomic<InputQueue*> command_queue{nullptr};
  std::unique_ptr<TelegramBot> bot;
  StatusBoard board;
  const std::string mode_name = live ? "live" : "dryrun";
  if (config->telegram.enabled) {
    auto token = read_process_secret("TELEGRAM_BOT_TOKEN");
    if (!token) return fail(token.error());
    if (token->empty()) return fail("telegram.enabled: set TELEGRAM_BOT_TOKEN (or TELEGRAM_BOT_TOKEN_FILE) in the environment");
    std::string error;
    chats = parse_chats(config->telegram.allowed_chats, error);
    if (!error.empty()) return fail(error);
    if (chats.empty()) return fail("telegram.enabled: telegram.allowed_chats is empty; nobody could use the bot");
    TelegramApiOptions api;
    api.base_url = config->telegram.api_base;
    TelegramBotOptions o;
    o.mode = mode_name;
    o.allowed_chat_ids = chats;
    o.poll_timeout_s = static_cast<int>(config->telegram.poll_timeout_s);
    TelegramBotCallbacks cb;
    // Every command from an allowed chat is a journaled input: controls act
    // in risk; queries (status) change nothing in the graph, and the bot has
    // already answered them from the status board.
    cb.on_command = [&command_queue](const TelegramCommand& c) {
      InputQueue* queue = command_queue.load();
      if (queue == nullptr) return;
      LiveCommand in;
      in.source = schema::CommandSource::TELEGRAM;
      in.issuer = std::to_string(c.chat_id);
      LiveClock clock;
      in.wall_ns = clock.now_ns();
      if (c.kind == TelegramCommandKind::kill_switch) {
        in.kill_switch = c.kill_switch_on;
      } else if (c.kind == TelegramCommandKind::threshold) {
        in.threshold = c.threshold;
      } else if (!is_query(c.kind)) {
        return;
      }
      queue->push(std::move(in));
    };
    cb.reply_builder = status_reply_builder(board, mode_name);
    cb.on_warning = [](std::string_view w) { std::fprintf(stderr, "verity live: telegram: %.*s\n", static_cast<int>(w.size()), w.data()); };
    bot = std::make_unique<TelegramBot>(TelegramBotApi(std::move(*token), api), o, std::move(cb));
  }

  auto store = RocksDbStore::open(config->journal.dir, config->journal.durability);
  if (!store) return fail(store.error());

  MetricsRegistry registry;
  LiveMetrics metrics(registry);
  std::unique_ptr<OpsServer> ops;
  if (config->live.http_port >= 0) {
    auto started = OpsServer::start(config->live.http_address, static_cast<std::uint16_t>(config->live.http_port), board,
                                    registry, config->live.stale_after_s);
    if (!started) return fail(started.error());
    ops = std::move(*started);
    std::fprintf(stderr, "verity live: dashboard %s/ (healthz, metrics)\n", ops->base_url().c_str());
  }

  BinanceFeed feed(*config);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  LiveHooks hooks;
  hooks.stop = [] { return g_signal != 0; };
  hooks.on_status = [&](const LiveStatus& s) {
    board.publish(s);
    metrics.refresh(s);
  };
  hooks.on_order_sent = [&](const OutboundOrder&, std::int64_t latency_ns) {
    if (latency_ns > 0) metrics.decision_latency_s.observe(static_cast<double>(latency_ns) / 1e9);
  };
  hooks.on_step = [&](std::int64_t ns) { metrics.step_latency_s.observe(static_cast<double>(ns) / 1e9); };
  // The threshold before each /threshold, for its confirmation (the board
  // may already show the new one). Read and written on the session's thread.
  double threshold_in_force = config->model.min_confidence;
  if (bot) {
    hooks.attach = [&](InputQueue& queue) {
      command_queue = &queue;
      bot->start();
    };
    hooks.detach = [&] {
      bot->stop();
      command_queue = nullptr;
    };
    hooks.observer = [&](const FramePtr& f) {
      auto p = f->envelope().getPayload();
      if (f->kind() == Kind::CONTROL_COMMAND) {
        auto c = p.getControlCommand();
        if (c.getSource() != schema::CommandSource::TELEGRAM) return;
        const std::string issuer = text_of(c.getIssuer());
        std::int64_t chat = 0;
        std::from_chars(issuer.data(), issuer.data() + issuer.size(), chat);
        if (c.getCommand().isKillSwitch()) bot->send(chat, format_kill_switch_set(mode_name, c.getCommand().getKillSwitch(), issuer));
        if (c.getCommand().isThreshold()) {
          bot->send(chat, format_threshold_set(mode_name, threshold_in_force, c.getCommand().getThreshold()));
          threshold_in_force = c.getCommand().getThreshold();
        }
      } else if (f->kind() == Kind::NOTIFICATION && f->destination() == ActorId::EXTERNAL) {
        auto n = p.getNotification();
        TelegramAlert alert;
        alert.kind = parse_alert_kind(text_of(n.getEvent())).value_or(AlertKind::generic);
        alert.time_ns = n.getTimeNs();
        alert.symbol = text_of(n.getSymbol());
        alert.title = text_of(n.getEvent());
        alert.detail = text_of(n.getText());
        bot->broadcast(format_alert(mode_name, alert));
      } else if (f->kind() == Kind::SIGNAL) {
        auto s = p.getSignal();
        TelegramSignal sig;
        sig.time_ns = s.getTimeNs();
        sig.symbol = text_of(s.getSymbol());
        sig.side = s.getDirection() == schema::Direction::UP ? "long" : "short";
        sig.confidence = s.getConfidence();
        sig.tier = enum_name(s.getTier());
        sig.entry = s.getEntry();
        sig.stop_loss = s.getStopLoss();
        sig.take_profit = s.getTakeProfit();
        bot->broadcast(format_signal(mode_name, sig));
      }
    };
  }

  auto result = run_live(*config, **store, feed, gateway.get(), command_line(), hooks);
  if (ops) ops->stop();
  if (!result) return fail(result.error());
  const LiveResult& r = *result;
  std::printf("verity live: %s session %s, %llu warm-up and %llu live bars, %llu commands, %llu orders sent, "
              "final hash %s, snapshot at seq %llu (%s)\n",
              r.mode.c_str(), session_hex(r.session).c_str(), static_cast<unsigned long long>(r.warmup_bars),
              static_cast<unsigned long long>(r.live_bars), static_cast<unsigned long long>(r.commands),
              static_cast<unsigned long long>(r.orders_sent), r.final_hash.hex().c_str(),
              static_cast<unsigned long long>(r.snapshot_seq), r.stop_reason.c_str());
  std::printf("%s\n", live_summary_json(r, config->journal.dir).c_str());
  return kExitOk;
}

void add_live(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<LiveArgs>();
  auto* c = app.add_subcommand("live", "Run the graph on live Binance data: dryrun (paper fills from the simulated "
                                       "venue) or live (orders to Binance spot, or to an MT5 terminal through the "
                                       "MT5 bridge), journaled and replayable.");
  c->footer(
      "Bars come from the Binance WebSocket (live.ws_base) after live.warmup_bars closed bars over REST\n"
      "(live.rest_base); point both at a mock exchange to test. Every bar, command and venue report is journaled\n"
      "before the graph sees it: `verity replay --verify --journal DIR` replays the session bit for bit.\n"
      "--mode live --venue mt5 sends the orders to the MT5 bridge's REST shim (mt5.base_url, mt5.symbols;\n"
      "docs/MT5.md) instead of Binance; the bars still come from Binance.\n"
      "Secrets only from the environment: BINANCE_API_KEY and BINANCE_API_SECRET (--venue binance),\n"
      "MT5_BRIDGE_TOKEN (--venue mt5), TELEGRAM_BOT_TOKEN (--telegram), or each *_FILE naming a file.\n"
      "In live mode the journal is synced before any order leaves. SIGINT or SIGTERM stops the session cleanly:\n"
      "the I/O stops, a snapshot is written and the journal closed. Prints a JSON summary line last.\n"
      "Exit 0 stopped cleanly; 2 bad config, missing secret, venue or journal error. docs/LIVE.md.");
  c->add_option("--config", args->config_path, "config TOML file")->check(CLI::ExistingFile);
  c->add_option("--mode", args->mode, "dryrun (paper) or live (real orders, to --venue)")
      ->check(CLI::IsMember({"dryrun", "live"}))
      ->capture_default_str();
  CLI::Option* venue = c->add_option("--venue", args->venue,
                                      "where --mode live sends orders: binance (signed, Binance spot) or mt5 (the MT5 "
                                      "bridge); execution.venue")
                           ->check(CLI::IsMember({"binance", "mt5"}))
                           ->capture_default_str();
  c->add_flag("--telegram", args->telegram, "run the Telegram bot (telegram.enabled)");
  add_key_flags(c, kFlags, args->values);
  c->callback([&run, args, venue] {
    args->venue_given = venue->count() > 0;
    run = [args] { return run_live_command(*args); };
  });
}

}  // namespace

const Registrar register_live("", "live", add_live);

}  // namespace verity::app
