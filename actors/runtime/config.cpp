#include "actors/runtime/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <optional>
#include <set>
#include <sstream>

#include "actors/runtime/calendar.hpp"

extern char** environ;

namespace verity {

namespace {

enum class Type { integer, unsigned64, real, boolean, text, optional_text, choice, timestamp };

/// One configuration key: where it lives in Config, its type and its bounds.
struct Key {
  const char* path;
  Type type;
  double min = 0, max = 0;                // integer, real
  std::vector<std::string> choices = {};  // choice
  const char* doc = "";
  std::function<void*(Config&)> field;
};

template <class F>
std::function<void*(Config&)> at(F f) {
  return [f](Config& c) -> void* { return static_cast<void*>(&f(c)); };
}

const std::vector<Key>& key_table() {
  static const std::vector<Key> table = {
      {"session.seed", Type::unsigned64, 0, 0, {}, "root seed: every random stream derives from it",
       at([](Config& c) -> auto& { return c.session.seed; })},
      {"session.bars", Type::integer, 1, 1e10, {}, "bars the seeded generator produces",
       at([](Config& c) -> auto& { return c.session.bars; })},
      {"session.source", Type::choice, 0, 0, {"generator", "store"},
       "where bars come from: the seeded generator, or candles imported into data.dir",
       at([](Config& c) -> auto& { return c.session.source; })},
      {"session.symbols", Type::text, 0, 0, {}, "comma-separated symbols to replay, merged by time (source store)",
       at([](Config& c) -> auto& { return c.session.symbols; })},
      {"session.timeframe", Type::choice, 0, 0, {"1m", "5m", "15m", "1h", "4h", "1d"},
       "timeframe of the stored candles to replay (source store)",
       at([](Config& c) -> auto& { return c.session.timeframe; })},
      {"session.from", Type::timestamp, 0, 0, {}, "first stored candle to replay, by open time (source store)",
       at([](Config& c) -> auto& { return c.session.from_ns; })},
      {"session.to", Type::timestamp, 0, 0, {}, "replay stored candles opening before this time (source store)",
       at([](Config& c) -> auto& { return c.session.to_ns; })},
      {"journal.dir", Type::text, 0, 0, {}, "RocksDB folder of the journal",
       at([](Config& c) -> auto& { return c.journal.dir; })},
      {"journal.level", Type::choice, 0, 0, {"full", "inputs", "hash"}, "what is stored: every message, inputs plus step digests, or the final hash only",
       at([](Config& c) -> auto& { return c.journal.level; })},
      {"journal.durability", Type::choice, 0, 0, {"synced", "async", "off"}, "fsync each step, leave it to the OS, or no WAL (flushed at close)",
       at([](Config& c) -> auto& { return c.journal.durability; })},
      {"journal.snapshot_every", Type::integer, 0, 1e12, {}, "steps between snapshots of every actor's state (levels full and inputs); 0: none",
       at([](Config& c) -> auto& { return c.journal.snapshot_every; })},
      {"data.dir", Type::text, 0, 0, {}, "RocksDB folder of imported candles",
       at([](Config& c) -> auto& { return c.data.dir; })},
      {"data.policy", Type::choice, 0, 0, {"reject", "quarantine", "repair"},
       "bad rows: refuse the import, set them aside (still visible), or fill gaps with flagged synthetic bars",
       at([](Config& c) -> auto& { return c.data.policy; })},
      {"market.model", Type::choice, 0, 0, {"gbm", "calibrated"},
       "the generator: plain GBM from the keys below, or the calibrated model in market.calibration",
       at([](Config& c) -> auto& { return c.market.model; })},
      {"market.calibration", Type::text, 0, 0, {}, "TOML file of fitted generator parameters (verity data calibrate)",
       at([](Config& c) -> auto& { return c.market.calibration; })},
      {"market.symbol", Type::text, 0, 0, {}, "symbol of the generated market",
       at([](Config& c) -> auto& { return c.market.symbol; })},
      {"market.start_time", Type::timestamp, 0, 0, {}, "UTC time of the first bar, ISO 8601",
       at([](Config& c) -> auto& { return c.market.start_time_ns; })},
      {"market.bar_interval_s", Type::integer, 1, 604800, {}, "seconds per bar",
       at([](Config& c) -> auto& { return c.market.bar_interval_s; })},
      {"market.start_price", Type::real, 1e-9, 1e12, {}, "first price, quote currency",
       at([](Config& c) -> auto& { return c.market.start_price; })},
      {"market.drift_annual", Type::real, -10, 10, {}, "GBM drift per year",
       at([](Config& c) -> auto& { return c.market.drift_annual; })},
      {"market.volatility_annual", Type::real, 0, 20, {}, "GBM volatility per year",
       at([](Config& c) -> auto& { return c.market.volatility_annual; })},
      {"market.volume_mean", Type::real, 0, 1e15, {}, "mean volume per bar, base units",
       at([](Config& c) -> auto& { return c.market.volume_mean; })},
      {"features.ema_fast", Type::integer, 1, 10000, {}, "fast EMA period, bars",
       at([](Config& c) -> auto& { return c.features.ema_fast; })},
      {"features.ema_slow", Type::integer, 2, 10000, {}, "slow EMA period, bars; above ema_fast",
       at([](Config& c) -> auto& { return c.features.ema_slow; })},
      {"features.sma", Type::integer, 1, 10000, {}, "SMA period, bars",
       at([](Config& c) -> auto& { return c.features.sma; })},
      {"features.atr", Type::integer, 1, 10000, {}, "ATR period (Wilder), bars",
       at([](Config& c) -> auto& { return c.features.atr; })},
      {"features.rsi", Type::integer, 2, 10000, {}, "RSI period (Wilder), bars",
       at([](Config& c) -> auto& { return c.features.rsi; })},
      {"features.macd_fast", Type::integer, 1, 10000, {}, "MACD fast EMA, bars",
       at([](Config& c) -> auto& { return c.features.macd_fast; })},
      {"features.macd_slow", Type::integer, 2, 10000, {}, "MACD slow EMA, bars; above macd_fast",
       at([](Config& c) -> auto& { return c.features.macd_slow; })},
      {"features.macd_signal", Type::integer, 1, 10000, {}, "MACD signal EMA, bars",
       at([](Config& c) -> auto& { return c.features.macd_signal; })},
      {"features.bollinger", Type::integer, 2, 10000, {}, "Bollinger window, bars",
       at([](Config& c) -> auto& { return c.features.bollinger; })},
      {"features.bollinger_k", Type::real, 0.1, 10, {}, "Bollinger band width, standard deviations",
       at([](Config& c) -> auto& { return c.features.bollinger_k; })},
      {"features.volatility", Type::integer, 2, 100000, {}, "rolling volatility window of log returns, bars",
       at([](Config& c) -> auto& { return c.features.volatility; })},
      {"features.momentum", Type::integer, 1, 100000, {}, "momentum lookback, bars",
       at([](Config& c) -> auto& { return c.features.momentum; })},
      {"features.volume_z", Type::integer, 2, 100000, {}, "volume z-score window, bars",
       at([](Config& c) -> auto& { return c.features.volume_z; })},
      {"features.regime_window", Type::integer, 10, 1000000, {}, "bars behind the volatility regime's rolling percentile",
       at([](Config& c) -> auto& { return c.features.regime_window; })},
      {"strategy.stop_atr", Type::real, 0.1, 100, {}, "stop distance in ATRs",
       at([](Config& c) -> auto& { return c.strategy.stop_atr; })},
      {"strategy.target_atr", Type::real, 0.1, 100, {}, "take-profit distance in ATRs",
       at([](Config& c) -> auto& { return c.strategy.target_atr; })},
      {"strategy.confidence", Type::real, 0, 1, {}, "confidence the baseline attaches to its signals",
       at([](Config& c) -> auto& { return c.strategy.confidence; })},
      {"model.strategy", Type::choice, 0, 0, {"baseline", "ensemble", "lstm", "transformer", "logistic"},
       "what turns features into signals: the EMA-cross baseline, or registry models",
       at([](Config& c) -> auto& { return c.model.strategy; })},
      {"model.registry", Type::text, 0, 0, {}, "folder of the model registry (verity models)",
       at([](Config& c) -> auto& { return c.model.registry; })},
      {"model.lstm_version", Type::text, 0, 0, {}, "LSTM version per coin: promoted, or a version such as 1.2.0",
       at([](Config& c) -> auto& { return c.model.lstm_version; })},
      {"model.transformer_version", Type::text, 0, 0, {}, "Transformer version: promoted, or a version",
       at([](Config& c) -> auto& { return c.model.transformer_version; })},
      {"model.logistic_version", Type::text, 0, 0, {}, "logistic baseline version per coin: promoted, or a version",
       at([](Config& c) -> auto& { return c.model.logistic_version; })},
      {"model.lstm_weight", Type::real, 0, 1, {}, "ensemble weight of the LSTM",
       at([](Config& c) -> auto& { return c.model.lstm_weight; })},
      {"model.transformer_weight", Type::real, 0, 1, {}, "ensemble weight of the Transformer",
       at([](Config& c) -> auto& { return c.model.transformer_weight; })},
      {"model.logistic_weight", Type::real, 0, 1, {}, "ensemble weight of the logistic baseline",
       at([](Config& c) -> auto& { return c.model.logistic_weight; })},
      {"model.calibration", Type::choice, 0, 0, {"isotonic", "platt", "none"}, "calibration applied to each model's probability",
       at([](Config& c) -> auto& { return c.model.calibration; })},
      {"model.conservative_bias_pct", Type::real, 0, 50, {}, "points taken off every calibrated confidence",
       at([](Config& c) -> auto& { return c.model.conservative_bias_pct; })},
      {"model.min_confidence", Type::real, 0.5, 1, {}, "confidence a signal needs: where the low tier starts",
       at([](Config& c) -> auto& { return c.model.min_confidence; })},
      {"model.tier_medium", Type::real, 0.5, 1, {}, "confidence of the medium tier",
       at([](Config& c) -> auto& { return c.model.tier_medium; })},
      {"model.tier_high", Type::real, 0.5, 1, {}, "confidence of the high tier",
       at([](Config& c) -> auto& { return c.model.tier_high; })},
      {"model.scan_minutes", Type::integer, 1, 1440, {},
       "the scan cycle: the strategy decides on the first bar of each cycle (UTC, from the epoch)",
       at([](Config& c) -> auto& { return c.model.scan_minutes; })},
      {"model.upgrade_scans", Type::integer, 1, 100, {}, "consecutive scans at a higher tier before it applies",
       at([](Config& c) -> auto& { return c.model.upgrade_scans; })},
      {"model.pattern_floor", Type::integer, 0, 1e9, {}, "labeled outcomes a pattern needs before it may signal",
       at([](Config& c) -> auto& { return c.model.pattern_floor; })},
      {"learning.enabled", Type::boolean, 0, 0, {}, "online SGD of the model heads from labeled outcomes",
       at([](Config& c) -> auto& { return c.learning.enabled; })},
      {"learning.learning_rate", Type::real, 1e-9, 10, {}, "online SGD base learning rate",
       at([](Config& c) -> auto& { return c.learning.learning_rate; })},
      {"learning.replay_capacity", Type::integer, 1, 1e7, {}, "experience replay buffer size, outcomes",
       at([](Config& c) -> auto& { return c.learning.replay_capacity; })},
      {"learning.replay_batch", Type::integer, 0, 1e5, {}, "replayed outcomes per update",
       at([](Config& c) -> auto& { return c.learning.replay_batch; })},
      {"learning.update_every", Type::integer, 1, 1e6, {}, "labeled outcomes between head updates",
       at([](Config& c) -> auto& { return c.learning.update_every; })},
      {"learning.drift_window", Type::integer, 10, 1e7, {}, "live values per feature the drift test reads",
       at([](Config& c) -> auto& { return c.learning.drift_window; })},
      {"learning.drift_check_every", Type::integer, 1, 1e7, {}, "bars between drift tests",
       at([](Config& c) -> auto& { return c.learning.drift_check_every; })},
      {"learning.drift_alpha", Type::real, 1e-9, 0.5, {}, "significance level of the KS drift test",
       at([](Config& c) -> auto& { return c.learning.drift_alpha; })},
      {"learning.retrain_window", Type::integer, 10, 1e7, {}, "outcomes behind the retraining triggers",
       at([](Config& c) -> auto& { return c.learning.retrain_window; })},
      {"learning.accuracy_drop_pts", Type::real, 0, 100, {}, "accuracy decay below validation that triggers retraining, points",
       at([](Config& c) -> auto& { return c.learning.accuracy_drop_pts; })},
      {"learning.max_calibration_error", Type::real, 0, 1, {}, "calibration error that triggers retraining",
       at([](Config& c) -> auto& { return c.learning.max_calibration_error; })},
      {"train.models", Type::text, 0, 0, {}, "networks verity train fits: comma-separated logistic, lstm, transformer",
       at([](Config& c) -> auto& { return c.train.models; })},
      {"train.features", Type::text, 0, 0, {}, "feature set 2 columns the networks read, comma-separated",
       at([](Config& c) -> auto& { return c.train.features; })},
      {"train.mode", Type::choice, 0, 0, {"expanding", "rolling"}, "walk-forward: train windows keep their start, or their length",
       at([](Config& c) -> auto& { return c.train.mode; })},
      {"train.train_days", Type::real, 0.1, 10000, {}, "first training window, days",
       at([](Config& c) -> auto& { return c.train.train_days; })},
      {"train.validation_days", Type::real, 0.01, 10000, {}, "validation window (early stopping, calibration), days",
       at([](Config& c) -> auto& { return c.train.validation_days; })},
      {"train.test_days", Type::real, 0.01, 10000, {}, "test window, days",
       at([](Config& c) -> auto& { return c.train.test_days; })},
      {"train.step_days", Type::real, 0, 10000, {}, "how far each fold moves on, days; 0: the test length",
       at([](Config& c) -> auto& { return c.train.step_days; })},
      {"train.embargo_min", Type::integer, 0, 1e7, {}, "unused gap after training and after validation, minutes",
       at([](Config& c) -> auto& { return c.train.embargo_min; })},
      {"train.max_folds", Type::integer, 0, 1000, {}, "walk-forward folds to run, the latest; 0: all",
       at([](Config& c) -> auto& { return c.train.max_folds; })},
      {"train.horizon_min", Type::integer, 1, 10000, {}, "label horizon: up or down this many minutes ahead",
       at([](Config& c) -> auto& { return c.train.horizon_min; })},
      {"train.window", Type::integer, 1, 4096, {}, "rows the LSTM and Transformer read",
       at([](Config& c) -> auto& { return c.train.window; })},
      {"train.stride", Type::integer, 1, 10000, {}, "bars between training samples",
       at([](Config& c) -> auto& { return c.train.stride; })},
      {"train.epochs", Type::integer, 1, 10000, {}, "most epochs per network",
       at([](Config& c) -> auto& { return c.train.epochs; })},
      {"train.patience", Type::integer, 1, 10000, {}, "early stopping: epochs without a better validation loss",
       at([](Config& c) -> auto& { return c.train.patience; })},
      {"train.batch", Type::integer, 1, 1e6, {}, "minibatch size",
       at([](Config& c) -> auto& { return c.train.batch; })},
      {"train.learning_rate", Type::real, 1e-9, 10, {}, "Adam learning rate",
       at([](Config& c) -> auto& { return c.train.learning_rate; })},
      {"train.lstm_hidden", Type::integer, 1, 4096, {}, "LSTM hidden units",
       at([](Config& c) -> auto& { return c.train.lstm_hidden; })},
      {"train.transformer_width", Type::integer, 1, 1024, {}, "Transformer model width (d_model)",
       at([](Config& c) -> auto& { return c.train.transformer_width; })},
      {"train.transformer_heads", Type::integer, 1, 64, {}, "attention heads; must divide the width",
       at([](Config& c) -> auto& { return c.train.transformer_heads; })},
      {"train.transformer_layers", Type::integer, 1, 8, {}, "encoder layers",
       at([](Config& c) -> auto& { return c.train.transformer_layers; })},
      {"train.transformer_ff", Type::integer, 1, 4096, {}, "feed-forward width",
       at([](Config& c) -> auto& { return c.train.transformer_ff; })},
      {"train.output", Type::text, 0, 0, {}, "folder of training reports and checkpoints",
       at([](Config& c) -> auto& { return c.train.output; })},
      {"train.register_models", Type::boolean, 0, 0, {}, "add the final models to model.registry as candidates",
       at([](Config& c) -> auto& { return c.train.register_models; })},
      {"train.gate_min_accuracy", Type::real, 0, 1, {}, "promotion gate: test accuracy per coin at least",
       at([](Config& c) -> auto& { return c.train.gate_min_accuracy; })},
      {"train.gate_max_calibration_mae", Type::real, 0, 1, {}, "promotion gate: calibration error (ECE) at most",
       at([](Config& c) -> auto& { return c.train.gate_max_calibration_mae; })},
      {"train.gate_leakage_test", Type::boolean, 0, 0, {}, "promotion gate: the leakage test must pass",
       at([](Config& c) -> auto& { return c.train.gate_leakage_test; })},
      {"risk.kill_switch", Type::boolean, 0, 0, {}, "start with the kill switch on: nothing is approved",
       at([](Config& c) -> auto& { return c.risk.kill_switch; })},
      {"risk.risk_per_trade_pct", Type::real, 0.01, 10, {}, "equity risked between entry and stop, percent",
       at([](Config& c) -> auto& { return c.risk.risk_per_trade_pct; })},
      {"risk.max_position_usd", Type::real, 1, 1e12, {}, "largest position notional, USD",
       at([](Config& c) -> auto& { return c.risk.max_position_usd; })},
      {"risk.min_notional_usd", Type::real, 0, 1e9, {}, "smallest order notional, USD",
       at([](Config& c) -> auto& { return c.risk.min_notional_usd; })},
      {"risk.rate_limit_per_hour", Type::integer, 0, 1000, {}, "new entries allowed per rolling hour (low and medium tiers)",
       at([](Config& c) -> auto& { return c.risk.rate_limit_per_hour; })},
      {"risk.rate_limit_high_per_hour", Type::integer, 0, 1000, {}, "new entries allowed per rolling hour for the high tier",
       at([](Config& c) -> auto& { return c.risk.rate_limit_high_per_hour; })},
      {"risk.backoff_losses", Type::integer, 1, 100, {}, "losing closes within backoff_window_min that start a backoff",
       at([](Config& c) -> auto& { return c.risk.backoff_losses; })},
      {"risk.backoff_window_min", Type::integer, 1, 100000, {}, "backoff window, minutes",
       at([](Config& c) -> auto& { return c.risk.backoff_window_min; })},
      {"risk.backoff_risk_cut_pct", Type::real, 0, 100, {}, "risk per trade is cut by this percentage during a backoff",
       at([](Config& c) -> auto& { return c.risk.backoff_risk_cut_pct; })},
      {"risk.leverage_min", Type::real, 1, 100, {}, "leverage at confidence_low and below",
       at([](Config& c) -> auto& { return c.risk.leverage_min; })},
      {"risk.leverage_max", Type::real, 1, 100, {}, "leverage at confidence_high and above; linear in between",
       at([](Config& c) -> auto& { return c.risk.leverage_max; })},
      {"risk.confidence_low", Type::real, 0, 1, {}, "confidence of the lowest leverage",
       at([](Config& c) -> auto& { return c.risk.confidence_low; })},
      {"risk.confidence_high", Type::real, 0, 1, {}, "confidence of the highest leverage; above confidence_low",
       at([](Config& c) -> auto& { return c.risk.confidence_high; })},
      {"ftmo.variant", Type::choice, 0, 0, {"2step", "1step"}, "FTMO 2-Step (phase 1, then verification) or 1-Step",
       at([](Config& c) -> auto& { return c.ftmo.variant; })},
      {"ftmo.phases", Type::integer, 1, 2, {}, "2-Step phases an attempt runs: 1 (phase 1 only) or 2 (then verification)",
       at([](Config& c) -> auto& { return c.ftmo.phases; })},
      {"ftmo.profit_target_pct", Type::real, 0.01, 1000, {}, "profit target, percent of initial capital (phase 1 and 1-Step)",
       at([](Config& c) -> auto& { return c.ftmo.profit_target_pct; })},
      {"ftmo.verification_target_pct", Type::real, 0.01, 1000, {}, "profit target of the 2-Step verification, percent of initial capital",
       at([](Config& c) -> auto& { return c.ftmo.verification_target_pct; })},
      {"ftmo.max_daily_loss_pct", Type::real, 0.01, 100, {}, "max daily loss, percent of initial capital, on equity against the balance at Prague midnight",
       at([](Config& c) -> auto& { return c.ftmo.max_daily_loss_pct; })},
      {"ftmo.max_loss_pct", Type::real, 0.01, 100, {}, "max loss, percent of initial capital",
       at([](Config& c) -> auto& { return c.ftmo.max_loss_pct; })},
      {"ftmo.trailing_max_loss", Type::boolean, 0, 0, {}, "max loss trails the highest end-of-day balance (1-Step) instead of initial capital",
       at([](Config& c) -> auto& { return c.ftmo.trailing_max_loss; })},
      {"ftmo.min_trading_days", Type::integer, 0, 1000, {}, "Prague days with a fill needed to pass",
       at([](Config& c) -> auto& { return c.ftmo.min_trading_days; })},
      {"ftmo.best_day_max_share_pct", Type::real, 0, 100, {}, "best day at most this share of total profit; 0 turns the rule off",
       at([](Config& c) -> auto& { return c.ftmo.best_day_max_share_pct; })},
      {"ftmo.guard_daily_loss_pct", Type::real, 0.01, 100, {}, "internal guardrail on daily loss: new risk stops here; at most max_daily_loss_pct",
       at([](Config& c) -> auto& { return c.ftmo.guard_daily_loss_pct; })},
      {"ftmo.guard_max_loss_pct", Type::real, 0.01, 100, {}, "internal guardrail on total loss; at most max_loss_pct",
       at([](Config& c) -> auto& { return c.ftmo.guard_max_loss_pct; })},
      {"challenge.max_days", Type::integer, 1, 100000, {}, "an attempt not passed or breached after this many days expires",
       at([](Config& c) -> auto& { return c.challenge.max_days; })},
      {"challenge.gate_attempts", Type::integer, 1, 1000000, {}, "attempts the pass-rate gate looks at",
       at([](Config& c) -> auto& { return c.challenge.gate_attempts; })},
      {"challenge.gate_pass_rate_pct", Type::real, 0, 100, {}, "pass rate the gate needs, percent",
       at([](Config& c) -> auto& { return c.challenge.gate_pass_rate_pct; })},
      {"challenge.sample_curves", Type::integer, 0, 1000, {}, "attempts whose equity curves the report draws",
       at([](Config& c) -> auto& { return c.challenge.sample_curves; })},
      {"stress.flash_crash_at_min", Type::integer, -1, 1000000000.0, {}, "minutes from the first bar to a flash crash; -1: none",
       at([](Config& c) -> auto& { return c.stress.flash_crash_at_min; })},
      {"stress.flash_crash_drop_pct", Type::real, 0, 99, {}, "how far the flash crash falls, percent",
       at([](Config& c) -> auto& { return c.stress.flash_crash_drop_pct; })},
      {"stress.flash_crash_minutes", Type::integer, 1, 100000, {}, "minutes the fall takes",
       at([](Config& c) -> auto& { return c.stress.flash_crash_minutes; })},
      {"stress.flash_crash_recovery_minutes", Type::integer, 1, 100000, {}, "minutes the recovery takes",
       at([](Config& c) -> auto& { return c.stress.flash_crash_recovery_minutes; })},
      {"stress.vol_spike_at_min", Type::integer, -1, 1000000000.0, {}, "minutes from the first bar to a volatility spike; -1: none",
       at([](Config& c) -> auto& { return c.stress.vol_spike_at_min; })},
      {"stress.vol_spike_factor", Type::real, 1, 100, {}, "bar returns and ranges are scaled by this during the spike",
       at([](Config& c) -> auto& { return c.stress.vol_spike_factor; })},
      {"stress.vol_spike_minutes", Type::integer, 1, 1000000, {}, "minutes the spike lasts",
       at([](Config& c) -> auto& { return c.stress.vol_spike_minutes; })},
      {"stress.outage_at_min", Type::integer, -1, 1000000000.0, {}, "minutes from the first bar to a venue outage (no bars, no fills); -1: none",
       at([](Config& c) -> auto& { return c.stress.outage_at_min; })},
      {"stress.outage_minutes", Type::integer, 1, 1000000, {}, "minutes the outage lasts",
       at([](Config& c) -> auto& { return c.stress.outage_minutes; })},
      {"stress.feed_gaps", Type::integer, 0, 100000, {}, "seeded gaps dropped from the bar stream",
       at([](Config& c) -> auto& { return c.stress.feed_gaps; })},
      {"stress.feed_gap_minutes", Type::integer, 1, 100000, {}, "minutes each feed gap lasts",
       at([](Config& c) -> auto& { return c.stress.feed_gap_minutes; })},
      {"stress.latency_spike_at_min", Type::integer, -1, 1000000000.0, {}, "minutes from the first bar to a latency spike; -1: none",
       at([](Config& c) -> auto& { return c.stress.latency_spike_at_min; })},
      {"stress.latency_spike_ms", Type::integer, 0, 10000000.0, {}, "latency added to every order during the spike, ms",
       at([](Config& c) -> auto& { return c.stress.latency_spike_ms; })},
      {"stress.latency_spike_minutes", Type::integer, 1, 1000000, {}, "minutes the latency spike lasts",
       at([](Config& c) -> auto& { return c.stress.latency_spike_minutes; })},
      {"stress.reject_storm_at_min", Type::integer, -1, 1000000000.0, {}, "minutes from the first bar to a storm of venue rejections; -1: none",
       at([](Config& c) -> auto& { return c.stress.reject_storm_at_min; })},
      {"stress.reject_storm_minutes", Type::integer, 1, 1000000, {}, "minutes every order is rejected",
       at([](Config& c) -> auto& { return c.stress.reject_storm_minutes; })},
      {"stress.weekend_gap_pct", Type::real, 0, 90, {}, "each Monday opens this far from Friday's close (seeded direction); 0: no weekend gaps",
       at([](Config& c) -> auto& { return c.stress.weekend_gap_pct; })},
      {"stress.checks", Type::text, 0, 0, {}, "checks that must hold, comma-separated: guardrail, reconcile, no_crash",
       at([](Config& c) -> auto& { return c.stress.checks; })},
      {"execution.metrics", Type::text, 0, 0, {}, "empirical spread/slippage metrics version, or \"latest\"",
       at([](Config& c) -> auto& { return c.execution.metrics; })},
      {"execution.taker_fee_bps", Type::real, 0, 1000, {}, "taker fee, basis points of notional",
       at([](Config& c) -> auto& { return c.execution.taker_fee_bps; })},
      {"execution.maker_fee_bps", Type::real, 0, 1000, {}, "maker fee (take-profit fills), basis points of notional",
       at([](Config& c) -> auto& { return c.execution.maker_fee_bps; })},
      {"execution.spread_bps", Type::real, 0, 1000, {}, "quoted spread, basis points; market orders pay half",
       at([](Config& c) -> auto& { return c.execution.spread_bps; })},
      {"execution.slippage_bps", Type::real, 0, 1000, {}, "slippage on market orders, basis points",
       at([](Config& c) -> auto& { return c.execution.slippage_bps; })},
      {"risk.alert_drawdown_pct", Type::real, 0.1, 100, {}, "an alert notification when equity falls this far below its peak, percent (re-armed below half of it)",
       at([](Config& c) -> auto& { return c.risk.alert_drawdown_pct; })},
      {"risk.alert_volatility_pct", Type::real, 0.1, 1000, {}, "an alert notification for a bar whose high-low range exceeds this share of its open, percent",
       at([](Config& c) -> auto& { return c.risk.alert_volatility_pct; })},
      {"execution.venue", Type::choice, 0, 0, {"sim", "binance", "mt5"}, "where orders go: the simulated venue (sims, dryrun), or in live mode signed orders to Binance spot or orders to an MT5 terminal through the bridge's REST shim (mt5.*)",
       at([](Config& c) -> auto& { return c.execution.venue; })},
      {"execution.cost_model", Type::choice, 0, 0, {"empirical", "fixed"}, "spread and slippage: drawn from the empirical metrics per pair and session, or the fixed bps below",
       at([](Config& c) -> auto& { return c.execution.cost_model; })},
      {"execution.participation_pct", Type::real, 0.01, 100, {}, "most of a bar's volume one order may fill, percent; the rest waits for later bars",
       at([](Config& c) -> auto& { return c.execution.participation_pct; })},
      {"execution.latency_ms", Type::real, 0, 1000000.0, {}, "mean order latency, ms (seeded exponential draws)",
       at([](Config& c) -> auto& { return c.execution.latency_ms; })},
      {"execution.latency_budget_ms", Type::real, 0, 10000000.0, {}, "a fill whose latency exceeds this pays p90 slippage",
       at([](Config& c) -> auto& { return c.execution.latency_budget_ms; })},
      {"execution.price_tick", Type::real, 1e-12, 1000000.0, {}, "price precision: limit and stop prices must be multiples",
       at([](Config& c) -> auto& { return c.execution.price_tick; })},
      {"execution.qty_step", Type::real, 1e-12, 1000000.0, {}, "quantity precision: order sizes must be multiples",
       at([](Config& c) -> auto& { return c.execution.qty_step; })},
      {"execution.max_leverage", Type::real, 1, 1000, {}, "venue margin: open notional at most equity times this",
       at([](Config& c) -> auto& { return c.execution.max_leverage; })},
      {"portfolio.initial_balance_usd", Type::real, 1, 1e12, {}, "starting balance, USD",
       at([](Config& c) -> auto& { return c.portfolio.initial_balance_usd; })},
      {"live.rest_base", Type::text, 0, 0, {}, "Binance REST base URL (the mock exchange in tests)",
       at([](Config& c) -> auto& { return c.live.rest_base; })},
      {"live.ws_base", Type::text, 0, 0, {}, "Binance WebSocket base URL",
       at([](Config& c) -> auto& { return c.live.ws_base; })},
      {"live.warmup_bars", Type::integer, 0, 1e6, {}, "closed bars fetched over REST and fed before the live ones, to warm the features",
       at([](Config& c) -> auto& { return c.live.warmup_bars; })},
      {"live.max_bars", Type::integer, 0, 1e10, {}, "stop after this many live bars; 0: run until SIGINT or SIGTERM",
       at([](Config& c) -> auto& { return c.live.max_bars; })},
      {"live.stale_after_s", Type::real, 1, 1e6, {}, "the feed is stale (/healthz not ready, an alert) this long after the newest bar closed",
       at([](Config& c) -> auto& { return c.live.stale_after_s; })},
      {"live.http_address", Type::text, 0, 0, {}, "address of /healthz, /metrics and the dashboard",
       at([](Config& c) -> auto& { return c.live.http_address; })},
      {"live.http_port", Type::integer, -1, 65535, {}, "port of /healthz, /metrics and the dashboard; 0: any free port; -1: none",
       at([](Config& c) -> auto& { return c.live.http_port; })},
      {"live.kill_switch_file", Type::optional_text, 0, 0, {}, "while this file exists the kill switch is on; empty: not watched",
       at([](Config& c) -> auto& { return c.live.kill_switch_file; })},
      {"live.kill_switch_poll_s", Type::real, 0.05, 3600, {}, "how often the kill-switch file is checked",
       at([](Config& c) -> auto& { return c.live.kill_switch_poll_s; })},
      {"live.recv_window_ms", Type::integer, 1, 60000, {}, "recvWindow of signed venue requests",
       at([](Config& c) -> auto& { return c.live.recv_window_ms; })},
      {"mt5.base_url", Type::text, 0, 0, {}, "URL of the MT5 bridge's REST shim beside the terminal (execution.venue mt5; token from MT5_BRIDGE_TOKEN or MT5_BRIDGE_TOKEN_FILE)",
       at([](Config& c) -> auto& { return c.mt5.base_url; })},
      {"mt5.symbols", Type::text, 0, 0, {}, "session symbols to terminal symbols, comma-separated VERITY=MT5[:contract_size[:volume_step[:volume_min]]]; every session symbol needs one",
       at([](Config& c) -> auto& { return c.mt5.symbols; })},
      {"mt5.account_currency", Type::text, 0, 0, {}, "the account's currency; the bridge refuses to start on an account in another",
       at([](Config& c) -> auto& { return c.mt5.account_currency; })},
      {"mt5.usd_per_account_unit", Type::real, 1e-9, 1e9, {}, "USD per unit of the account currency: commissions become fees in USD at this rate",
       at([](Config& c) -> auto& { return c.mt5.usd_per_account_unit; })},
      {"mt5.attach_brackets", Type::boolean, 0, 0, {}, "also set each entry's stop-loss and take-profit in the terminal (a safety net; the graph never hears of a close made there)",
       at([](Config& c) -> auto& { return c.mt5.attach_brackets; })},
      {"mt5.max_attempts", Type::integer, 1, 20, {}, "HTTP attempts per bridge call, the first and a lost order's lookups included",
       at([](Config& c) -> auto& { return c.mt5.max_attempts; })},
      {"mt5.timeout_ms", Type::integer, 1, 600000, {}, "one bridge HTTP call's time limit, ms",
       at([](Config& c) -> auto& { return c.mt5.timeout_ms; })},
      {"mt5.connect_timeout_ms", Type::integer, 1, 600000, {}, "time limit to connect to the bridge, ms",
       at([](Config& c) -> auto& { return c.mt5.connect_timeout_ms; })},
      {"mt5.open_order_poll_ms", Type::integer, 0, 86400000, {}, "how often orders resting in the terminal are asked for new fills, ms; 0: never",
       at([](Config& c) -> auto& { return c.mt5.open_order_poll_ms; })},
      {"telegram.enabled", Type::boolean, 0, 0, {}, "run the Telegram bot (token from TELEGRAM_BOT_TOKEN or TELEGRAM_BOT_TOKEN_FILE)",
       at([](Config& c) -> auto& { return c.telegram.enabled; })},
      {"telegram.api_base", Type::text, 0, 0, {}, "Telegram Bot API base URL",
       at([](Config& c) -> auto& { return c.telegram.api_base; })},
      {"telegram.allowed_chats", Type::optional_text, 0, 0, {}, "comma-separated chat ids whose commands take effect; nobody else's do",
       at([](Config& c) -> auto& { return c.telegram.allowed_chats; })},
      {"telegram.poll_timeout_s", Type::integer, 0, 50, {}, "getUpdates long-polling timeout",
       at([](Config& c) -> auto& { return c.telegram.poll_timeout_s; })},
      {"log.level", Type::choice, 0, 0, {"trace", "debug", "info", "warn", "error", "off"}, "least severe log level written",
       at([](Config& c) -> auto& { return c.log.level; })},
  };
  return table;
}

const Key* find_key(std::string_view path) {
  for (const auto& k : key_table()) {
    if (path == k.path) return &k;
  }
  return nullptr;
}

std::string env_name(std::string_view path) {
  std::string out = "VERITY_";
  for (char c : path) out.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

std::string format_real(double v) {
  char buf[400];
  // Shortest round-trip digits; plain decimal in the range people write, so
  // 100000.0 reads as such rather than 1e+05.
  const double mag = std::fabs(v);
  const bool fixed = mag == 0 || (mag >= 1e-4 && mag < 1e15);
  auto r = fixed ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed)
                 : std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // keep it a TOML float
  return s;
}

std::string expected_text(const Key& k) {
  switch (k.type) {
    case Type::integer: return "an integer in [" + std::to_string(static_cast<long long>(k.min)) + ", " +
                               std::to_string(static_cast<long long>(k.max)) + "]";
    case Type::unsigned64: return "an integer in [0, 18446744073709551615]";
    case Type::real: return "a number in [" + format_real(k.min) + ", " + format_real(k.max) + "]";
    case Type::boolean: return "true or false";
    case Type::text: return "a non-empty string";
    case Type::optional_text: return "a string (empty: off)";
    case Type::timestamp: return "an ISO 8601 UTC time such as 2024-01-01T00:00:00Z";
    case Type::choice: {
      std::string s = "one of";
      for (const auto& c : k.choices) s += " \"" + c + "\"";
      return s;
    }
  }
  return "";
}

std::string fail(const Key& k, std::string_view got, std::string_view origin) {
  return "config: " + std::string(k.path) + " = " + std::string(got) + " (from " + std::string(origin) +
         "): expected " + expected_text(k);
}

/// Sets a key from text (environment, CLI, or a TOML scalar rendered as text).
std::expected<void, std::string> set_from_text(Config& c, const Key& k, std::string_view text, std::string_view origin) {
  void* field = k.field(c);
  const std::string s(text);
  switch (k.type) {
    case Type::integer: {
      long long v = 0;
      auto r = std::from_chars(s.data(), s.data() + s.size(), v);
      if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v < k.min || static_cast<double>(v) > k.max) {
        return std::unexpected(fail(k, text, origin));
      }
      *static_cast<std::int64_t*>(field) = v;
      return {};
    }
    case Type::unsigned64: {
      unsigned long long v = 0;
      auto r = std::from_chars(s.data(), s.data() + s.size(), v);
      if (s.empty() || s[0] == '-' || r.ec != std::errc() || r.ptr != s.data() + s.size()) {
        return std::unexpected(fail(k, text, origin));
      }
      *static_cast<std::uint64_t*>(field) = v;
      return {};
    }
    case Type::real: {
      double v = 0;
      auto r = std::from_chars(s.data(), s.data() + s.size(), v);
      if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v) || v < k.min || v > k.max) {
        return std::unexpected(fail(k, text, origin));
      }
      *static_cast<double*>(field) = v;
      return {};
    }
    case Type::boolean: {
      if (s == "true" || s == "1") *static_cast<bool*>(field) = true;
      else if (s == "false" || s == "0") *static_cast<bool*>(field) = false;
      else return std::unexpected(fail(k, text, origin));
      return {};
    }
    case Type::text: {
      if (s.empty()) return std::unexpected(fail(k, "\"\"", origin));
      *static_cast<std::string*>(field) = s;
      return {};
    }
    case Type::optional_text: {
      *static_cast<std::string*>(field) = s;
      return {};
    }
    case Type::timestamp: {
      auto t = parse_iso8601_ns(s);
      if (!t) return std::unexpected(fail(k, text, origin));
      // The canonical form renders whole milliseconds; a finer time would change
      // the run without changing the config hash that names it.
      if (*t % 1'000'000 != 0) return std::unexpected(fail(k, text, origin) + ", in whole milliseconds");
      *static_cast<std::int64_t*>(field) = *t;
      return {};
    }
    case Type::choice: {
      bool known = false;
      for (const auto& ch : k.choices) known = known || ch == s;
      if (!known) return std::unexpected(fail(k, "\"" + s + "\"", origin));
      std::string_view path = k.path;
      if (path == "journal.level") *static_cast<JournalLevel*>(field) = *parse_level(s);
      else if (path == "journal.durability") *static_cast<Durability*>(field) = *parse_durability(s);
      else *static_cast<std::string*>(field) = s;
      return {};
    }
  }
  return {};
}

std::string toml_text(const toml::node& n) {
  std::ostringstream os;
  n.visit([&](auto&& v) { os << v; });
  return os.str();
}

/// Renders a TOML node as the text set_from_text takes, checking its TOML type.
std::expected<std::string, std::string> toml_scalar(const Key& k, const toml::node& n, std::string_view origin) {
  auto wrong = [&](std::string_view got) { return std::unexpected(fail(k, got, origin)); };
  switch (k.type) {
    case Type::integer:
    case Type::unsigned64:
      // TOML integers are signed 64-bit; larger seeds can be given as strings.
      if (auto v = n.value_exact<std::int64_t>()) return std::to_string(*v);
      if (k.type == Type::unsigned64) {
        if (auto v = n.value_exact<std::string>()) return *v;
      }
      break;
    case Type::real:
      if (auto v = n.value_exact<double>()) return format_real(*v);
      if (auto v = n.value_exact<std::int64_t>()) return std::to_string(*v);
      break;
    case Type::boolean:
      if (auto v = n.value_exact<bool>()) return std::string(*v ? "true" : "false");
      break;
    case Type::text:
    case Type::optional_text:
    case Type::choice:
      if (auto v = n.value_exact<std::string>()) return *v;
      break;
    case Type::timestamp:
      if (auto v = n.value_exact<std::string>()) return *v;
      if (n.is_date_time() || n.is_date()) return toml_text(n);
      break;
  }
  std::ostringstream os;
  os << toml_text(n) << " (a TOML " << n.type() << ")";
  return wrong(os.str());
}

std::string render(const Config& c0, const Key& k) {
  Config& c = const_cast<Config&>(c0);
  void* field = k.field(c);
  std::string_view path = k.path;
  switch (k.type) {
    case Type::integer: return std::to_string(*static_cast<std::int64_t*>(field));
    case Type::unsigned64: {
      // TOML integers are signed 64-bit: a larger value is written as a
      // string, which toml_scalar reads back, so the canonical form parses.
      const std::uint64_t v = *static_cast<std::uint64_t*>(field);
      return v > static_cast<std::uint64_t>(INT64_MAX) ? "\"" + std::to_string(v) + "\"" : std::to_string(v);
    }
    case Type::real: return format_real(*static_cast<double*>(field));
    case Type::boolean: return *static_cast<bool*>(field) ? "true" : "false";
    case Type::text:
    case Type::optional_text: return "\"" + *static_cast<std::string*>(field) + "\"";
    case Type::timestamp: return "\"" + format_iso8601_ms(*static_cast<std::int64_t*>(field)) + "\"";
    case Type::choice:
      if (path == "journal.level") return "\"" + std::string(level_name(*static_cast<JournalLevel*>(field))) + "\"";
      if (path == "journal.durability")
        return "\"" + std::string(durability_name(*static_cast<Durability*>(field))) + "\"";
      return "\"" + *static_cast<std::string*>(field) + "\"";
  }
  return "";
}

/// Applies a TOML document: the file at `path`, or `text` when given (then
/// `path` only names where it came from in messages).
std::expected<void, std::string> apply_toml(Config& c, const std::string& path,
                                            const std::optional<std::string_view>& text = std::nullopt) {
  toml::table root;
  try {
    root = text ? toml::parse(*text, path) : toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << "config: " << path << " line " << e.source().begin.line << ", column " << e.source().begin.column << ": "
       << e.description();
    return std::unexpected(os.str());
  }
  for (auto&& [section, node] : root) {
    const auto* table = node.as_table();
    const std::string sec(section.str());
    if (!table) {
      return std::unexpected("config: " + path + " line " + std::to_string(node.source().begin.line) + ": '" + sec +
                             "' must be a [section]; sections are session, journal, data, market, features, strategy, "
                             "model, learning, train, risk, ftmo, challenge, stress, execution, portfolio, live, mt5, telegram, log");
    }
    for (auto&& [name, value] : *table) {
      const std::string full = sec + "." + std::string(name.str());
      const std::string origin = path + " line " + std::to_string(value.source().begin.line);
      const Key* k = find_key(full);
      if (!k) return std::unexpected("config: unknown key " + full + " (" + origin + "); see `verity config --keys`");
      auto text = toml_scalar(*k, value, origin);
      if (!text) return std::unexpected(text.error());
      if (auto ok = set_from_text(c, *k, *text, origin); !ok) return ok;
    }
  }
  return {};
}

std::expected<void, std::string> validate(const Config& c) {
  if (c.features.ema_fast >= c.features.ema_slow) {
    return std::unexpected("config: features.ema_fast (" + std::to_string(c.features.ema_fast) +
                           ") must be below features.ema_slow (" + std::to_string(c.features.ema_slow) + ")");
  }
  if (c.session.from_ns >= c.session.to_ns) {
    return std::unexpected("config: session.from (" + format_iso8601_ms(c.session.from_ns) +
                           ") must be before session.to (" + format_iso8601_ms(c.session.to_ns) + ")");
  }
  if (c.features.macd_fast >= c.features.macd_slow) {
    return std::unexpected("config: features.macd_fast (" + std::to_string(c.features.macd_fast) +
                           ") must be below features.macd_slow (" + std::to_string(c.features.macd_slow) + ")");
  }
  if (c.risk.max_position_usd > 100.0 * c.portfolio.initial_balance_usd) {
    return std::unexpected("config: risk.max_position_usd (" + format_real(c.risk.max_position_usd) +
                           ") is over 100x portfolio.initial_balance_usd; expected at most " +
                           format_real(100.0 * c.portfolio.initial_balance_usd));
  }
  auto not_above = [](const char* a, double va, const char* b, double vb) -> std::expected<void, std::string> {
    if (va <= vb) return {};
    return std::unexpected(std::string("config: ") + a + " (" + format_real(va) + ") is above " + b + " (" +
                           format_real(vb) + "); expected at most " + format_real(vb));
  };
  for (auto check : {not_above("ftmo.max_daily_loss_pct", c.ftmo.max_daily_loss_pct, "ftmo.max_loss_pct", c.ftmo.max_loss_pct),
                     not_above("ftmo.guard_daily_loss_pct", c.ftmo.guard_daily_loss_pct, "ftmo.max_daily_loss_pct",
                               c.ftmo.max_daily_loss_pct),
                     not_above("ftmo.guard_max_loss_pct", c.ftmo.guard_max_loss_pct, "ftmo.max_loss_pct", c.ftmo.max_loss_pct),
                     not_above("ftmo.guard_daily_loss_pct", c.ftmo.guard_daily_loss_pct, "ftmo.guard_max_loss_pct",
                               c.ftmo.guard_max_loss_pct),
                     not_above("risk.leverage_min", c.risk.leverage_min, "risk.leverage_max", c.risk.leverage_max)}) {
    if (!check) return check;
  }
  if (c.risk.confidence_low >= c.risk.confidence_high) {
    return std::unexpected("config: risk.confidence_low (" + format_real(c.risk.confidence_low) +
                           ") must be below risk.confidence_high (" + format_real(c.risk.confidence_high) + ")");
  }
  if (c.ftmo.variant == "1step" && c.ftmo.phases != 1) {
    return std::unexpected("config: ftmo.phases is " + std::to_string(c.ftmo.phases) +
                           " but FTMO 1-Step has one phase; expected 1 with ftmo.variant \"1step\"");
  }
  if (!(c.model.min_confidence <= c.model.tier_medium && c.model.tier_medium <= c.model.tier_high)) {
    return std::unexpected("config: model.min_confidence (" + format_real(c.model.min_confidence) + "), model.tier_medium (" +
                           format_real(c.model.tier_medium) + ") and model.tier_high (" + format_real(c.model.tier_high) +
                           ") must not decrease");
  }
  if (c.train.transformer_width % c.train.transformer_heads != 0) {
    return std::unexpected("config: train.transformer_heads (" + std::to_string(c.train.transformer_heads) +
                           ") must divide train.transformer_width (" + std::to_string(c.train.transformer_width) + ")");
  }
  for (std::string_view m : split_list(c.train.models)) {
    if (m != "logistic" && m != "lstm" && m != "transformer") {
      return std::unexpected("config: train.models names '" + std::string(m) +
                             "'; expected a comma-separated list of logistic, lstm, transformer");
    }
  }
  for (std::string_view check : split_list(c.stress.checks)) {
    if (check != "guardrail" && check != "reconcile" && check != "no_crash") {
      return std::unexpected("config: stress.checks names '" + std::string(check) +
                             "'; expected a comma-separated list of guardrail, reconcile, no_crash");
    }
  }
  return {};
}

/// Checks of the keys that say how a live session reaches its venue. They
/// run when a process starts (load_config), not when a replay rebuilds a
/// config from a manifest: the manifest leaves these keys out (they are
/// outside the session hash), and a replay sends nothing anywhere.
std::expected<void, std::string> validate_venue(const Config& c) {
  if (c.execution.venue != "mt5") return {};
  const std::string& url = c.mt5.base_url;
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return std::unexpected("config: mt5.base_url = \"" + url +
                           "\": expected the http:// or https:// URL of the MT5 bridge's REST shim, e.g. "
                           "http://127.0.0.1:8787 (execution.venue is mt5)");
  }
  const std::string form = "expected comma-separated VERITY=MT5[:contract_size[:volume_step[:volume_min]]] entries, "
                           "e.g. \"BTCUSDT=BTCUSD:1:0.01:0.01\" (execution.venue is mt5)";
  auto map = parse_mt5_symbol_map(c.mt5.symbols);
  if (!map) return std::unexpected("config: mt5.symbols = \"" + c.mt5.symbols + "\": " + map.error() + "; " + form);
  if (map->empty()) return std::unexpected("config: mt5.symbols = \"" + c.mt5.symbols + "\" maps no symbol; " + form);
  for (std::string_view symbol : split_list(c.session.symbols)) {
    if (map->contains(std::string(symbol))) continue;
    return std::unexpected("config: mt5.symbols = \"" + c.mt5.symbols + "\" has no entry for " + std::string(symbol) +
                           " of session.symbols (\"" + c.session.symbols + "\"): the bridge could not trade it; expected an entry such as " +
                           std::string(symbol) + "=<MT5 symbol>:<contract size>:<volume step>:<volume min>");
  }
  return {};
}

}  // namespace

std::vector<std::string_view> split_list(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

bool is_storage_key(std::string_view path) {
  return path.starts_with("journal.") || path.starts_with("log.") || path == "data.dir" || path == "model.registry" ||
         path.starts_with("train.") || path.starts_with("live.") || path.starts_with("mt5.") ||
         path.starts_with("telegram.");
}

bool is_live_venue(std::string_view venue) { return venue == "binance" || venue == "mt5"; }

std::expected<std::map<std::string, Mt5SymbolSpec>, std::string> parse_mt5_symbol_map(std::string_view text) {
  std::map<std::string, Mt5SymbolSpec> out;
  auto bad_entry = [](std::string_view entry) {
    return "symbol map entry \"" + std::string(entry) + "\": expected VERITY=MT5[:contract[:step[:min]]]";
  };
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  auto positive = [](std::string_view s) -> std::optional<double> {
    double v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v) || !(v > 0)) return std::nullopt;
    return v;
  };
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view entry = trim(text.substr(start, comma - start));
    start = comma + 1;
    if (entry.empty()) continue;
    const std::size_t eq = entry.find('=');
    if (eq == std::string_view::npos) {
      return std::unexpected(bad_entry(entry));
    }
    const std::string verity_symbol(trim(entry.substr(0, eq)));
    std::vector<std::string_view> parts;
    std::string_view rest = entry.substr(eq + 1);
    for (std::size_t pos = 0;;) {
      const std::size_t colon = rest.find(':', pos);
      parts.push_back(trim(rest.substr(pos, colon == std::string_view::npos ? std::string_view::npos : colon - pos)));
      if (colon == std::string_view::npos) break;
      pos = colon + 1;
    }
    if (verity_symbol.empty() || parts[0].empty() || parts.size() > 4) {
      return std::unexpected(bad_entry(entry));
    }
    Mt5SymbolSpec spec;
    spec.mt5_symbol = std::string(parts[0]);
    double* fields[] = {&spec.contract_size, &spec.volume_step_lots, &spec.volume_min_lots};
    const char* names[] = {"contract size", "volume step", "volume min"};
    for (std::size_t i = 1; i < parts.size(); ++i) {
      const auto v = positive(parts[i]);
      if (!v) {
        return std::unexpected("symbol map entry \"" + std::string(entry) + "\": " + names[i - 1] +
                               " must be a positive number, got \"" + std::string(parts[i]) + "\"");
      }
      *fields[i - 1] = *v;
    }
    if (out.contains(verity_symbol)) return std::unexpected("symbol map: " + verity_symbol + " is mapped twice");
    out[verity_symbol] = spec;
  }
  return out;
}

std::string Config::canonical() const {
  std::map<std::string, std::map<std::string, std::string>> sections;
  for (const auto& k : key_table()) {
    std::string_view path = k.path;
    if (is_storage_key(path)) continue;
    auto dot = path.find('.');
    sections[std::string(path.substr(0, dot))][std::string(path.substr(dot + 1))] = render(*this, k);
  }
  std::string out;
  for (const auto& [sec, kv] : sections) {
    out += "[" + sec + "]\n";
    for (const auto& [k, v] : kv) out += k + " = " + v + "\n";
  }
  return out;
}

std::expected<Config, std::string> load_config(const std::string& toml_path, const std::vector<ConfigOverride>& overrides,
                                               const std::map<std::string, std::string>& environment) {
  Config c;
  if (!toml_path.empty()) {
    if (auto ok = apply_toml(c, toml_path); !ok) return std::unexpected(ok.error());
  }
  for (const auto& [name, value] : environment) {
    const Key* k = nullptr;
    for (const auto& key : key_table()) {
      if (env_name(key.path) == name) k = &key;
    }
    if (!k) return std::unexpected("config: unknown environment override " + name + "; names are VERITY_<SECTION>_<KEY>, e.g. VERITY_FTMO_MAX_DAILY_LOSS_PCT");
    if (auto ok = set_from_text(c, *k, value, "environment " + name); !ok) return std::unexpected(ok.error());
  }
  for (const auto& o : overrides) {
    const Key* k = find_key(o.key);
    if (!k) return std::unexpected("config: unknown key " + o.key + " (from " + o.origin + ")");
    if (auto ok = set_from_text(c, *k, o.value, o.origin); !ok) return std::unexpected(ok.error());
  }
  if (auto ok = validate(c); !ok) return std::unexpected(ok.error());
  if (auto ok = validate_venue(c); !ok) return std::unexpected(ok.error());
  return c;
}

std::expected<Config, std::string> load_config_text(std::string_view toml_text, const std::string& origin,
                                                    const std::string& override_path) {
  Config c;
  if (auto ok = apply_toml(c, origin, toml_text); !ok) return std::unexpected(ok.error());
  if (!override_path.empty()) {
    if (auto ok = apply_toml(c, override_path); !ok) return std::unexpected(ok.error());
  }
  if (auto ok = validate(c); !ok) return std::unexpected(ok.error());
  return c;
}

std::map<std::string, std::string> verity_environment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    if (!kv.starts_with("VERITY_")) continue;
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return out;
}

std::string config_reference() {
  Config defaults;
  std::string out = "| key | environment | default | expected | meaning |\n|---|---|---|---|---|\n";
  for (const auto& k : key_table()) {
    out += "| `" + std::string(k.path) + "` | `" + env_name(k.path) + "` | `" + render(defaults, k) + "` | " +
           expected_text(k) + " | " + k.doc + " |\n";
  }
  return out;
}

}  // namespace verity
