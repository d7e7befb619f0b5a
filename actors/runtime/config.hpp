// Session configuration: TOML, then VERITY_* environment overrides, then
// command-line flags, each layer validated against one table of keys
// (config.cpp). A bad value fails at start with the key, where it came from
// and what was expected. The resolved config has a canonical TOML form that
// goes into the session manifest; its hash identifies the run.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "actors/runtime/journal_records.hpp"
#include "actors/runtime/journal_store.hpp"

namespace verity {

struct SessionConfig {
  std::uint64_t seed = 42;
  std::int64_t bars = 100'000;           // bars to run; with source "store", at most this many
  std::string source = "generator";      // generator | store (imported candles in data.dir)
  std::string symbols = "BTCUSDT";       // comma-separated, for source "store"
  std::string timeframe = "1m";          // of the stored candles
  std::int64_t from_ns = 1'230'768'000'000'000'000;  // 2009-01-01: stored candles from
  std::int64_t to_ns = 4'102'444'800'000'000'000;    // 2100-01-01: up to, not including
};

struct JournalConfig {
  std::string dir = "verity-data/journal";
  JournalLevel level = JournalLevel::FULL;
  Durability durability = Durability::async;
  std::int64_t snapshot_every = 20'000;  // steps between actor-state snapshots (levels full, inputs); 0: none
};

/// Where imported market data lives and how bad rows are treated.
struct DataConfig {
  std::string dir = "verity-data/market";  // RocksDB folder of candles
  std::string policy = "reject";           // reject | quarantine | repair
};

/// The seeded market generator. `model` "gbm" is plain geometric Brownian
/// motion from the keys below; "calibrated" (the default) reads jumps,
/// GARCH(1,1), seasonality and regimes from the `calibration` TOML file
/// (docs/GENERATOR.md). Both take symbol, start_time, bar_interval_s and
/// start_price from here; drift_annual, volatility_annual and volume_mean are
/// gbm-only.
struct MarketConfig {
  std::string model = "calibrated";
  std::string calibration = "scenarios/market/btcusdt_1m.toml";
  std::string symbol = "BTCUSDT";
  std::int64_t start_time_ns = 1'704'067'200'000'000'000;  // 2024-01-01T00:00:00Z
  std::int64_t bar_interval_s = 60;
  double start_price = 50'000.0;
  double drift_annual = 0.0;
  double volatility_annual = 0.6;
  double volume_mean = 50.0;
};

struct FeaturesConfig {
  std::int64_t ema_fast = 50;  // the classic 50/200 cross: few trades on 1-minute bars
  std::int64_t ema_slow = 200;
  std::int64_t sma = 200;
  std::int64_t atr = 14;
  std::int64_t rsi = 14;
  std::int64_t macd_fast = 12;
  std::int64_t macd_slow = 26;
  std::int64_t macd_signal = 9;
  std::int64_t bollinger = 20;
  double bollinger_k = 2.0;
  std::int64_t volatility = 30;      // rolling window of log returns, bars
  std::int64_t momentum = 10;        // close / close n bars ago - 1
  std::int64_t volume_z = 30;        // window of the volume z-score, bars
  std::int64_t regime_window = 1440; // bars behind the volatility-regime percentile
};

/// The rule-based baseline: an EMA crossover with ATR stops and targets.
struct StrategyConfig {
  double stop_atr = 2.0;
  double target_atr = 3.0;
  double confidence = 0.55;
};

/// Which strategy the model actor runs and how model outputs become signals
/// (docs/MODELS.md). "baseline" is the EMA cross; the others load models
/// from the registry: the promoted version of each, unless a version is
/// pinned. The session manifest records every model's version and file hash.
struct ModelConfig {
  std::string strategy = "baseline";         // baseline | ensemble | lstm | transformer | logistic
  std::string registry = "verity-data/models";
  std::string lstm_version = "promoted";     // or a version such as "1.2.0"
  std::string transformer_version = "promoted";
  std::string logistic_version = "promoted";
  double lstm_weight = 0.5;                  // ensemble weights, renormalised over the members loaded
  double transformer_weight = 0.5;
  double logistic_weight = 0.0;
  std::string calibration = "isotonic";      // isotonic | platt | none
  double conservative_bias_pct = 5.0;        // taken off every calibrated confidence
  double min_confidence = 0.55;              // below it no signal (the low tier starts here)
  double tier_medium = 0.62;
  double tier_high = 0.70;
  std::int64_t scan_minutes = 2;             // the scan cycle: the strategy decides once per cycle
  std::int64_t upgrade_scans = 2;            // consecutive scans at a higher tier before it applies
  std::int64_t pattern_floor = 30;           // outcomes a pattern needs before it may signal
};

/// Online learning, drift and retraining triggers (the learning actor).
struct LearningConfig {
  bool enabled = true;                       // online SGD of the heads (model strategies only)
  double learning_rate = 0.01;
  std::int64_t replay_capacity = 4096;
  std::int64_t replay_batch = 32;
  std::int64_t update_every = 16;            // labeled outcomes between updates
  std::int64_t drift_window = 1440;          // live rows per column the KS test reads
  std::int64_t drift_check_every = 240;
  double drift_alpha = 0.01;
  std::int64_t retrain_window = 500;         // outcomes behind the rolling accuracy and calibration
  double accuracy_drop_pts = 5.0;
  double max_calibration_error = 0.05;
};

/// `verity train`: walk-forward training and evaluation (docs/MODELS.md).
/// Never part of a session: these keys are left out of the session hash.
struct TrainConfig {
  std::string models = "logistic,lstm,transformer";
  std::string features = "log_return,rsi,bb_pct_b,volatility,momentum,volume_z,vol_percentile,vol_regime,"
                         "session_tokyo,session_london,session_new_york,hour_utc,day_of_week,rsi_15m,"
                         "ema_slope_15m,rsi_1h,ema_slope_1h";
  std::string mode = "expanding";            // expanding | rolling
  double train_days = 10.0;
  double validation_days = 2.0;
  double test_days = 2.0;
  double step_days = 0.0;                    // 0: the test length
  std::int64_t embargo_min = 75;             // gap between splits: at least horizon + window
  std::int64_t max_folds = 2;                // the latest folds only; 0: all
  std::int64_t horizon_min = 15;
  std::int64_t window = 60;                  // rows the sequence models read
  std::int64_t stride = 10;                  // bars between training samples
  std::int64_t epochs = 6;
  std::int64_t patience = 2;
  std::int64_t batch = 256;
  double learning_rate = 0.002;
  std::int64_t lstm_hidden = 64;
  std::int64_t transformer_width = 32;
  std::int64_t transformer_heads = 4;
  std::int64_t transformer_layers = 1;
  std::int64_t transformer_ff = 64;
  std::string output = "verity-data/train";
  bool register_models = true;               // add the final models to model.registry
  double gate_min_accuracy = 0.68;           // promotion gates, evaluated at registration
  double gate_max_calibration_mae = 0.05;
  bool gate_leakage_test = true;
};

/// Pre-trade risk beyond the FTMO limits (DESIGN.md, "risk").
struct RiskConfig {
  bool kill_switch = false;
  double risk_per_trade_pct = 0.5;
  double max_position_usd = 50'000.0;
  double min_notional_usd = 10.0;
  std::int64_t rate_limit_per_hour = 10;       // new entries per rolling hour, low and medium tiers
  std::int64_t rate_limit_high_per_hour = 5;   // the high tier's own budget
  std::int64_t backoff_losses = 2;             // this many losing closes ...
  std::int64_t backoff_window_min = 60;        // ... within this window start a backoff
  double backoff_risk_cut_pct = 50.0;          // risk per trade is cut by this share while it lasts
  double leverage_min = 1.0;                   // at confidence_low and below
  double leverage_max = 5.0;                   // at confidence_high and above
  double confidence_low = 0.55;
  double confidence_high = 0.85;
  double alert_drawdown_pct = 10.0;            // an alert when equity falls this far below its peak
  double alert_volatility_pct = 5.0;           // an alert for a bar whose high-low range exceeds this share of its open
};

/// The prop-firm challenge the risk engine enforces (DESIGN.md, "FTMO
/// rules"). Defaults are FTMO 2-Step; a 1-Step scenario sets daily loss 3,
/// trailing_max_loss and best_day_max_share_pct 50.
struct FtmoConfig {
  std::string variant = "2step";            // 2step | 1step
  std::int64_t phases = 2;                  // 2step: 1 = phase 1 only, 2 = phase 1 then verification
  double profit_target_pct = 10.0;          // phase 1 (and 1-Step)
  double verification_target_pct = 5.0;     // 2-Step verification
  double max_daily_loss_pct = 5.0;          // of initial capital, on equity against the Prague-midnight balance
  double max_loss_pct = 10.0;               // of initial capital
  bool trailing_max_loss = false;           // from the highest end-of-day balance (1-Step)
  std::int64_t min_trading_days = 4;
  double best_day_max_share_pct = 0.0;      // 0: no best-day rule (1-Step: 50)
  double guard_daily_loss_pct = 4.5;        // internal guardrails: new risk stops here
  double guard_max_loss_pct = 9.0;
};

/// A batch of seeded challenge attempts (verity challenge).
struct ChallengeConfig {
  std::int64_t max_days = 30;               // an attempt still running after this many days expires
  std::int64_t gate_attempts = 20;          // the seed plan's gate: at least gate_pass_rate_pct ...
  double gate_pass_rate_pct = 70.0;         // ... of gate_attempts attempts pass
  std::int64_t sample_curves = 8;           // attempts whose equity curves the report draws
};

/// Scripted market and venue stress, in minutes from an attempt's first bar
/// (-1: off). Bar-side events reshape the bars the feed sees; venue-side
/// events change what the simulated venue does.
struct StressConfig {
  std::int64_t flash_crash_at_min = -1;
  double flash_crash_drop_pct = 20.0;
  std::int64_t flash_crash_minutes = 5;
  std::int64_t flash_crash_recovery_minutes = 60;
  std::int64_t vol_spike_at_min = -1;
  double vol_spike_factor = 5.0;
  std::int64_t vol_spike_minutes = 1440;
  std::int64_t outage_at_min = -1;          // no bars and no fills
  std::int64_t outage_minutes = 30;
  std::int64_t feed_gaps = 0;               // seeded gaps in the bar stream
  std::int64_t feed_gap_minutes = 10;
  std::int64_t latency_spike_at_min = -1;
  std::int64_t latency_spike_ms = 2000;
  std::int64_t latency_spike_minutes = 60;
  std::int64_t reject_storm_at_min = -1;    // every order is rejected
  std::int64_t reject_storm_minutes = 30;
  double weekend_gap_pct = 0.0;             // each Monday opens this far from Friday's close (seeded sign); 0: off
  std::string checks = "guardrail,reconcile,no_crash";
};

struct ExecutionConfig {
  /// Where orders go: "sim", the simulated venue in the graph (sims, and
  /// live data in dryrun mode); or a live venue whose reports come back as
  /// journaled inputs (live mode): "binance", signed orders to Binance
  /// spot, or "mt5", orders to a MetaTrader 5 terminal through the MT5
  /// bridge's REST shim (docs/MT5.md). is_live_venue() tells them apart.
  std::string venue = "sim";
  /// Empirical spread/slippage metrics: "latest", or a version such as
  /// "2026-11-21.1" (docs/EXECUTION_METRICS.md).
  std::string metrics = "latest";
  double taker_fee_bps = 4.0;
  double maker_fee_bps = 2.0;
  double spread_bps = 1.0;                  // cost_model fixed, or a pair without metrics
  double slippage_bps = 0.5;
  std::string cost_model = "empirical";     // empirical | fixed
  double participation_pct = 10.0;          // most of a bar's volume one order may take
  double latency_ms = 50.0;                 // mean order latency (seeded exponential draws)
  double latency_budget_ms = 250.0;         // past it, a fill pays p90 slippage
  double price_tick = 0.01;                 // prices must be multiples of it
  double qty_step = 0.00001;                // quantities must be multiples of it
  double max_leverage = 5.0;                // the venue's margin: open notional <= equity x this

  /// The most one fill can cost, in bps of notional with the fixed cost
  /// model: half the spread, the slippage and the taker fee. Risk counts it
  /// on entry and exit; with empirical costs risk uses the pair's p90s.
  double worst_cost_per_side_bps() const { return spread_bps / 2.0 + slippage_bps + taker_fee_bps; }
};

/// `verity live`: where the outside world is and how the process talks to
/// it (docs/LIVE.md). None of these can change what the graph does with
/// its inputs, so they are left out of the session hash; secrets are never
/// config: BINANCE_API_KEY, BINANCE_API_SECRET and TELEGRAM_BOT_TOKEN (or
/// *_FILE) come from the environment.
struct LiveConfig {
  std::string rest_base = "https://api.binance.com";
  std::string ws_base = "wss://stream.binance.com:9443";
  std::int64_t warmup_bars = 1500;           // closed bars fetched over REST and fed before live ones
  std::int64_t max_bars = 0;                 // stop after this many live bars (0: run until stopped)
  double stale_after_s = 180.0;              // the feed is stale (not ready) past this since the newest bar closed
  std::string http_address = "127.0.0.1";    // /healthz, /metrics, the dashboard
  std::int64_t http_port = 8080;             // 0: any free port; -1: no HTTP
  std::string kill_switch_file = "";         // while this file exists the kill switch is on
  double kill_switch_poll_s = 2.0;
  std::int64_t recv_window_ms = 5000;        // signed requests' recvWindow
};

/// The MT5 bridge of a live session with execution.venue "mt5"
/// (docs/MT5.md): where the REST shim beside the terminal is, how Verity's
/// symbols map to the terminal's, and how hard to try. Like live.*, these
/// only say how orders reach the venue, whose answers are journaled as
/// inputs, so they are left out of the session hash. The shim's bearer
/// token is never config: MT5_BRIDGE_TOKEN (or MT5_BRIDGE_TOKEN_FILE).
struct Mt5Config {
  std::string base_url = "http://127.0.0.1:8787";
  /// VERITY=MT5[:contract_size[:volume_step[:volume_min]]], comma-separated
  /// (parse_mt5_symbol_map); every session symbol needs an entry.
  std::string symbols = "BTCUSDT=BTCUSD:1:0.01:0.01";
  std::string account_currency = "USD";      // GET /account must report it
  double usd_per_account_unit = 1.0;         // commissions to USD
  bool attach_brackets = false;              // entries' SL/TP also set in the terminal
  std::int64_t max_attempts = 4;             // HTTP attempts per call, lookups included
  std::int64_t timeout_ms = 10'000;          // one HTTP call
  std::int64_t connect_timeout_ms = 3'000;
  std::int64_t open_order_poll_ms = 5'000;   // resting orders' lookups; 0: off
};

/// The Telegram bot of a live session (docs/TELEGRAM.md).
struct TelegramConfig {
  bool enabled = false;
  std::string api_base = "https://api.telegram.org";
  std::string allowed_chats = "";            // comma-separated chat ids; nobody else has any effect
  std::int64_t poll_timeout_s = 25;
};

struct PortfolioConfig {
  double initial_balance_usd = 100'000.0;
};

struct LogConfig {
  std::string level = "info";
};

struct Config {
  SessionConfig session;
  JournalConfig journal;
  DataConfig data;
  MarketConfig market;
  FeaturesConfig features;
  StrategyConfig strategy;
  ModelConfig model;
  LearningConfig learning;
  TrainConfig train;
  RiskConfig risk;
  FtmoConfig ftmo;
  ChallengeConfig challenge;
  StressConfig stress;
  ExecutionConfig execution;
  PortfolioConfig portfolio;
  LiveConfig live;
  Mt5Config mt5;
  TelegramConfig telegram;
  LogConfig log;

  /// Every key that can change the outcome, as TOML with sorted sections
  /// and keys: the form that is hashed and names the session. Storage keys
  /// (journal.*, log.*, data.dir) are left out, so a run journaled at level `hash`
  /// and re-run at level `full` has the same session and final hash.
  std::string canonical() const;
  Hash128 hash() const { return hash128(canonical()); }
};

/// Builds a config from defaults, an optional TOML file (empty path: none),
/// the environment and `overrides` (key -> text, e.g. from CLI flags, with
/// the flag named in `override_origin`), then validates it as a whole.
struct ConfigOverride {
  std::string key, value, origin;  // origin: e.g. "--seed"
};
std::expected<Config, std::string> load_config(const std::string& toml_path, const std::vector<ConfigOverride>& overrides,
                                               const std::map<std::string, std::string>& environment);

/// A config from TOML text alone (no environment, no flags): how a replay
/// rebuilds the config a session ran with from its manifest's canonical form.
/// `origin` names the text in messages, e.g. "manifest of session 1a2b...".
/// Keys in the TOML file `override_path` (when not empty) then replace
/// theirs: a what-if's changes on top of the recorded config.
std::expected<Config, std::string> load_config_text(std::string_view toml_text, const std::string& origin,
                                                    const std::string& override_path = "");

/// True for the execution.venue values of live mode ("binance", "mt5"):
/// orders leave the graph as Order messages to `external` for a venue
/// gateway, and the venue's answers come back as journaled inputs. False
/// for "sim", the simulated venue inside the graph.
bool is_live_venue(std::string_view venue);

/// How one Verity symbol trades in an MT5 terminal (docs/MT5.md).
struct Mt5SymbolSpec {
  std::string mt5_symbol;          // the terminal's name: "BTCUSD"
  double contract_size = 1.0;      // units of the base asset in one lot (BTCUSD at FTMO: 1; EURUSD: 100000)
  double volume_step_lots = 0.01;  // volumes are multiples of it
  double volume_min_lots = 0.01;   // the smallest order
};

/// Parses "BTCUSDT=BTCUSD:1:0.01:0.01,ETHUSDT=ETHUSD" (verity=mt5[:contract
/// size[:volume step[:volume min]]], the defaults as in Mt5SymbolSpec), the
/// form mt5.symbols carries. Errors name the entry. It lives with the
/// config so that load_config can refuse a bad map before anything starts;
/// the MT5 bridge (live/mt5/mt5_bridge.hpp) reads the same map with it.
std::expected<std::map<std::string, Mt5SymbolSpec>, std::string> parse_mt5_symbol_map(std::string_view text);

/// The VERITY_* variables of this process, for load_config.
std::map<std::string, std::string> verity_environment();

/// "a, b,,c " -> {"a", "b", "c"}: trimmed, empty items skipped.
std::vector<std::string_view> split_list(std::string_view text);

/// True for keys that cannot change a session's outcome: where and how much
/// is stored or logged, where the model registry is (the manifest records
/// each model's version and file hash instead), `verity train`'s own, and
/// where a live session's outside world is and how it is reached (live.*,
/// mt5.*, telegram.*: what comes from there is journaled as inputs).
bool is_storage_key(std::string_view path);

/// A Markdown table of every key: name, type, default, range, meaning.
std::string config_reference();

}  // namespace verity
