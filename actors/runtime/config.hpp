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

struct RiskConfig {
  bool kill_switch = false;
  double risk_per_trade_pct = 0.5;
  double max_position_usd = 50'000.0;
  double max_daily_loss_pct = 5.0;  // of initial balance, against the Prague-midnight balance
  double min_notional_usd = 10.0;
};

struct ExecutionConfig {
  /// Empirical spread/slippage metrics: "latest", or a version such as
  /// "2026-11-21.1" (docs/EXECUTION_METRICS.md).
  std::string metrics = "latest";
  double taker_fee_bps = 4.0;
  double maker_fee_bps = 2.0;
  double spread_bps = 1.0;
  double slippage_bps = 0.5;

  /// The most one fill can cost, in bps of notional: half the spread, the
  /// slippage and the taker fee. Risk counts it on entry and exit.
  double worst_cost_per_side_bps() const { return spread_bps / 2.0 + slippage_bps + taker_fee_bps; }
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
  RiskConfig risk;
  ExecutionConfig execution;
  PortfolioConfig portfolio;
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

/// The VERITY_* variables of this process, for load_config.
std::map<std::string, std::string> verity_environment();

/// True for keys that only say where and how much is stored or logged.
bool is_storage_key(std::string_view path);

/// A Markdown table of every key: name, type, default, range, meaning.
std::string config_reference();

}  // namespace verity
