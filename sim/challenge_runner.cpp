#include "sim/challenge_runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <set>
#include <thread>

#include "actors/feed/candle_store.hpp"
#include "actors/feed/timeframe.hpp"
#include "actors/portfolio/portfolio.hpp"
#include "actors/runtime/calendar.hpp"
#include "actors/runtime/clock.hpp"
#include "actors/runtime/convert.hpp"
#include "actors/runtime/envelope.hpp"
#include "actors/runtime/hash.hpp"
#include "actors/runtime/memory_store.hpp"
#include "actors/runtime/rocksdb_store.hpp"
#include "actors/runtime/prng.hpp"
#include "sim/market_model.hpp"
#include "sim/attempt_tap.hpp"
#include "sim/metrics.hpp"
#include "sim/parallel.hpp"
#include "sim/session_inputs.hpp"
#include "sim/sim_runner.hpp"

namespace verity {

namespace {

constexpr std::int64_t kNsPerS = 1'000'000'000;
constexpr std::int64_t kDayNs = 86'400 * kNsPerS;
constexpr std::int64_t kMinuteNs = 60 * kNsPerS;


std::uint64_t attempt_seed(std::uint64_t root, std::uint64_t index) { return Prng(root, index).next_u64(); }

}  // namespace

std::expected<StoredWindow, std::string> stored_window(const Config& base) {
  auto symbols = split_symbols(base.session.symbols);
  if (!symbols) return std::unexpected(symbols.error());
  const Timeframe tf = *parse_timeframe(base.session.timeframe);
  auto store = CandleStore::open(base.data.dir, /*read_only=*/true);
  if (!store) return std::unexpected(store.error());
  auto info = (*store)->info(symbols->front(), tf);
  if (!info) return std::unexpected(info.error());
  if (!*info || (*info)->rows == 0) {
    return std::unexpected("no candles for " + symbols->front() + "/" + std::string(timeframe_name(tf)) + " in " +
                           base.data.dir + "; import them with `verity data import FILE --symbol " +
                           symbols->front() + "`");
  }
  StoredWindow w;
  w.from_ns = std::max((*info)->first_ns, base.session.from_ns);
  w.to_ns = std::min((*info)->last_ns + timeframe_ns(tf), base.session.to_ns);
  if (w.to_ns <= w.from_ns) {
    return std::unexpected("no candles for " + symbols->front() + " between session.from " +
                           format_iso8601_ms(base.session.from_ns) + " and session.to " +
                           format_iso8601_ms(base.session.to_ns) + " in " + base.data.dir);
  }
  return w;
}

std::expected<Config, std::string> attempt_config(const Config& base, std::uint64_t index) {
  Config c = base;
  c.session.seed = attempt_seed(base.session.seed, index);
  // In memory, attempts keep only their final hash (a storage key: the hash
  // is the same at every level); --attempt K re-runs one to check it.
  // run_attempt journals at the configured level when given a folder.
  c.journal.level = JournalLevel::HASH;
  Prng window(c.session.seed, 1);
  if (base.session.source == "store") {
    auto stored = stored_window(base);
    if (!stored) return std::unexpected(stored.error());
    const std::int64_t bar_ns = timeframe_ns(*parse_timeframe(base.session.timeframe));
    const std::int64_t first = stored->from_ns;
    const std::int64_t last = stored->to_ns;
    const std::int64_t span = (base.challenge.max_days + 1) * kDayNs;
    const std::int64_t slack = (last - first - span) / kMinuteNs;
    const std::int64_t start =
        first + (slack > 0 ? static_cast<std::int64_t>(window.below(static_cast<std::uint64_t>(slack))) * kMinuteNs : 0);
    c.session.from_ns = start;
    c.session.to_ns = std::min(last, start + span);
    c.session.bars = std::max<std::int64_t>(1, (c.session.to_ns - c.session.from_ns) / bar_ns + 1);
  } else {
    // A seeded minute within the year after market.start_time.
    c.market.start_time_ns = base.market.start_time_ns + static_cast<std::int64_t>(window.below(365 * 1440)) * kMinuteNs;
    const std::int64_t per_day = 86'400 / base.market.bar_interval_s;
    c.session.bars = (base.challenge.max_days + 1) * per_day;
  }
  return c;
}

AttemptResult run_attempt(const Config& base, std::uint64_t index, const std::string& command,
                          const std::string& journal_dir, Dispatch dispatch) {
  auto config = attempt_config(base, index);
  if (!config) {
    AttemptResult r;
    r.index = index;
    r.seed = attempt_seed(base.session.seed, index);
    r.outcome = AttemptOutcome::failed;
    r.detail = config.error();
    r.checks["no_crash"] = false;
    return r;
  }
  // run_attempt journals at the configured level when given a folder.
  if (!journal_dir.empty()) config->journal.level = base.journal.level;
  const bool keep_curve = index < static_cast<std::uint64_t>(base.challenge.sample_curves);
  return run_configured_attempt(*config, index, keep_curve, command,
                                journal_dir.empty() ? "" : journal_dir + "/attempt-" + std::to_string(index), dispatch);
}

AttemptResult run_configured_attempt(const Config& config, std::uint64_t index, bool keep_curve,
                                     const std::string& command, const std::string& journal_path,
                                     Dispatch dispatch) {
  AttemptResult r;
  r.index = index;
  r.seed = config.session.seed;
  r.checks["no_crash"] = true;
  try {
    AttemptTap tap(config, keep_curve);
    MemoryStore memory;
    std::unique_ptr<RocksDbStore> disk;
    JournalStore* store = &memory;
    if (!journal_path.empty()) {
      // One journal folder per attempt: `verity replay --journal DIR/attempt-K`.
      auto opened = RocksDbStore::open(journal_path, config.journal.durability);
      if (!opened) {
        r.outcome = AttemptOutcome::failed;
        r.detail = opened.error();
        r.checks["no_crash"] = false;
        return r;
      }
      disk = std::move(*opened);
      store = disk.get();
    }
    SimHooks hooks;
    hooks.observer = [&tap](const FramePtr& f) { tap.on_frame(f); };
    hooks.stop = [&tap] { return tap.expired(); };
    hooks.dispatch = dispatch;
    auto sim = run_sim(config, *store, command, hooks);
    if (!sim) {
      r.outcome = AttemptOutcome::failed;
      r.detail = sim.error();
      r.checks["no_crash"] = false;
      return r;
    }
    tap.finish(r);
    r.bars = static_cast<std::uint64_t>(sim->bars);
    r.messages = sim->messages;
    r.equity_end_usd = sim->equity_end_usd;
    r.final_hash = sim->final_hash.hex();
  } catch (const std::exception& e) {
    r.outcome = AttemptOutcome::failed;
    r.detail = std::string("exception: ") + e.what();
    r.checks["no_crash"] = false;
  }
  return r;
}

std::expected<void, std::string> validate_challenge(const Config& c) {
  if (c.session.source == "store") {
    auto symbols = split_symbols(c.session.symbols);
    if (!symbols) return std::unexpected("config: session.symbols: " + symbols.error());
    const Timeframe tf = *parse_timeframe(c.session.timeframe);
    auto store = CandleStore::open(c.data.dir, /*read_only=*/true);
    if (!store) {
      return std::unexpected("config: session.symbols " + c.session.symbols + " cannot be read: " + store.error() +
                             "; import candles first with `verity data import FILE --symbol SYMBOL --data " +
                             c.data.dir + "`");
    }
    for (const std::string& symbol : *symbols) {
      auto info = (*store)->info(symbol, tf);
      if (!info) return std::unexpected(info.error());
      if (!*info || (*info)->rows == 0) {
        return std::unexpected("config: session.symbols names " + symbol + ", which has no " +
                               std::string(timeframe_name(tf)) + " candles in " + c.data.dir +
                               "; import them with `verity data import FILE --symbol " + symbol + "`");
      }
    }
    return {};
  }
  if (auto ok = check_symbol(c.market.symbol); !ok) return std::unexpected("config: market.symbol: " + ok.error());
  if (c.market.model == "calibrated") {
    auto model = load_market_model(c.market.calibration);
    if (!model) return std::unexpected(model.error());
    if (model->params.symbol != c.market.symbol) {
      return std::unexpected("config: market.symbol " + c.market.symbol + " is unknown to the calibration " +
                             c.market.calibration + ", which is for " + model->params.symbol +
                             "; calibrate it with `verity data calibrate` or set market.symbol = \"" +
                             model->params.symbol + "\"");
    }
  }
  return {};
}

BatchSpec batch_spec(const Config& config, const std::string& scenario, std::uint64_t seeds) {
  BatchSpec b;
  b.scenario = scenario;
  b.config_hash = hash128(config.canonical()).hex();
  b.build_id = VERITY_BUILD_ID;
  b.variant = config.ftmo.variant;
  b.base_seed = config.session.seed;
  b.seeds = seeds;
  for (auto name : split_list(config.stress.checks)) b.checks.emplace_back(name);
  b.gate_attempts = static_cast<std::uint64_t>(config.challenge.gate_attempts);
  b.gate_required_pct = config.challenge.gate_pass_rate_pct;
  return b;
}

BatchSummary summarize_batch(const BatchSpec& batch, const std::vector<AttemptResult>& attempts, bool whole) {
  BatchSummary s;
  s.scenario = batch.scenario;
  s.variant = batch.variant;
  s.base_seed = batch.base_seed;
  s.attempts = attempts.size();
  s.breaches["daily_loss"] = 0;
  s.breaches["max_loss"] = 0;
  for (auto name : {"passed", "breached", "expired", "failed"}) s.outcomes[name] = 0;
  for (const std::string& name : batch.checks) s.checks[name] = true;
  std::vector<double> days_to_pass;
  std::vector<AttemptMetrics> metrics;
  std::string hashes;
  for (const AttemptResult& a : attempts) {
    s.outcomes[std::string(outcome_name(a.outcome))] += 1;
    if (a.outcome == AttemptOutcome::passed) {
      ++s.passed;
      days_to_pass.push_back(a.days);
    }
    if (a.outcome == AttemptOutcome::breached) s.breaches[a.breach_rule] += 1;
    for (auto& [name, held] : s.checks) {
      const auto it = a.checks.find(name);
      held = held && it != a.checks.end() && it->second;
    }
    metrics.push_back(a.metrics);
    s.bars += a.bars;
    hashes += std::to_string(a.index) + ":" + a.final_hash + "\n";
  }
  s.pass_rate = s.attempts ? static_cast<double>(s.passed) / static_cast<double>(s.attempts) : 0.0;
  const Wilson ci = wilson_ci95(s.passed, s.attempts);
  s.ci95_low = ci.low;
  s.ci95_high = ci.high;
  s.median_days_to_pass = median(days_to_pass);
  s.final_hash = hash128(hashes).hex();
  s.aggregate = aggregate(metrics);
  s.gate_attempts = batch.gate_attempts;
  s.gate_required_pct = batch.gate_required_pct;
  s.gate_evaluated = whole && s.attempts >= s.gate_attempts;
  if (s.gate_evaluated) {
    std::uint64_t passed = 0;
    for (std::uint64_t i = 0; i < s.gate_attempts; ++i) passed += attempts[i].outcome == AttemptOutcome::passed;
    s.gate_rate_pct = 100.0 * static_cast<double>(passed) / static_cast<double>(s.gate_attempts);
    s.gate_passed = s.gate_rate_pct >= s.gate_required_pct;
  }
  return s;
}

std::expected<ChallengeRun, std::string> run_challenge(const Config& config, const ChallengeOptions& o) {
  if (auto ok = validate_challenge(config); !ok) return std::unexpected(ok.error());
  if (o.range && !(o.range->from < o.range->to && o.range->to <= o.attempts)) {
    return std::unexpected(fmt::format("the range [{}, {}) is not within the batch of {} attempts", o.range->from,
                                       o.range->to, o.attempts));
  }
  std::vector<std::uint64_t> indices;
  if (o.only) {
    indices.push_back(*o.only);
  } else if (o.range) {
    for (std::uint64_t i = o.range->from; i < o.range->to; ++i) indices.push_back(i);
  } else {
    for (std::uint64_t i = 0; i < o.attempts; ++i) indices.push_back(i);
  }
  ChallengeRun run;
  run.batch = batch_spec(config, o.scenario, o.attempts);
  run.attempts.resize(indices.size());
  const unsigned threads = pool_threads(o.threads, indices.size());

  Stopwatch watch;
  std::mutex progress_lock;
  std::size_t done = 0;
  parallel_for_each_index(indices.size(), threads, [&](std::size_t k) {
    run.attempts[k] = run_attempt(config, indices[k], o.command, o.journal_dir, o.dispatch);
    if (o.progress) {
      std::lock_guard lock(progress_lock);
      o.progress(++done, indices.size(), run.attempts[k]);
    }
  });
  const double elapsed_s = watch.elapsed_s();
  run.summary = summarize_batch(run.batch, run.attempts, /*whole=*/!o.only && !o.range);
  run.summary.threads = threads;
  run.summary.elapsed_s = elapsed_s;
  return run;
}

}  // namespace verity
