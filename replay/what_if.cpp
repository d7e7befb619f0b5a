#include "replay/what_if.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <sstream>

#include "actors/runtime/calendar.hpp"
#include "actors/runtime/convert.hpp"
#include "actors/runtime/journal_reader.hpp"
#include "actors/runtime/log.hpp"
#include "sim/attempt_tap.hpp"
#include "sim/metrics.hpp"

namespace verity {

namespace {

/// What one run said, by content, for the comparison.
struct RunLog {
  std::vector<FramePtr> frames;
  std::map<std::string, std::string> signals;    // key -> text
  std::map<std::string, std::string> decisions;  // key -> verdict
};

void observe(RunLog& log, AttemptTap& tap, const FramePtr& f) {
  log.frames.push_back(f);
  tap.on_frame(f);
  auto p = f->envelope().getPayload();
  if (f->kind() == Kind::SIGNAL) {
    auto s = p.getSignal();
    const std::string key = format_iso8601_ms(s.getTimeNs()) + " " + text_of(s.getSymbol()) + " " +
                            std::string(enum_name(s.getDirection()));
    log.signals[key] = fmt::format("{} entry {:.2f} stop {:.2f} target {:.2f}", key, s.getEntry(), s.getStopLoss(),
                                   s.getTakeProfit());
  } else if (f->kind() == Kind::RISK_DECISION) {
    auto d = p.getRiskDecision();
    const std::string key = format_iso8601_ms(d.getTimeNs()) + " " + text_of(d.getIntent().getSymbol());
    log.decisions[key] = d.getApproved() ? fmt::format("approved {:.6f}", d.getIntent().getQty())
                                         : "rejected (" + std::string(enum_name(d.getReason())) + ")";
  }
}

std::string trade_text(const TradeRecord& t) {
  return fmt::format("{} {} {} {:.6f} @ {:.2f} -> {} @ {:.2f}, P&L {:.2f}", format_iso8601_ms(t.entry_time_ns),
                     t.symbol, t.is_long ? "long" : "short", t.qty, t.entry_price, format_iso8601_ms(t.exit_time_ns),
                     t.exit_price, t.pnl_usd);
}

template <class Map>
void differences(const Map& a, const Map& b, std::vector<std::string>& only_a, std::vector<std::string>& only_b) {
  for (const auto& [k, v] : a) {
    if (!b.contains(k)) only_a.push_back(v);
  }
  for (const auto& [k, v] : b) {
    if (!a.contains(k)) only_b.push_back(v);
  }
}

std::string outcome_text(const AttemptResult& r) {
  switch (r.outcome) {
    case AttemptOutcome::passed: return fmt::format("passed after {:.2f} days (phase {})", r.days, r.phase);
    case AttemptOutcome::breached:
      return fmt::format("breached {} at {}: loss {:.2f} USD against {:.2f} USD{}", r.breach_rule,
                         format_iso8601_ms(r.breach_time_ns), r.breach_loss_usd, r.breach_limit_usd,
                         r.breach_gap_through_stop ? " (a stop gapped)" : "");
    case AttemptOutcome::expired: return fmt::format("neither passed nor breached in {:.2f} days", r.days);
    case AttemptOutcome::failed: return "failed: " + r.detail;
  }
  return "";
}

/// "section.key: old -> new" for each canonical line that differs.
std::vector<std::string> changed_keys(const Config& a, const Config& b) {
  auto lines = [](const std::string& text) {
    std::map<std::string, std::string> out;
    std::string section;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("[")) {
        section = line.substr(1, line.size() - 2);
        continue;
      }
      const auto eq = line.find(" = ");
      if (eq != std::string::npos) out[section + "." + line.substr(0, eq)] = line.substr(eq + 3);
    }
    return out;
  };
  const auto la = lines(a.canonical()), lb = lines(b.canonical());
  std::vector<std::string> out;
  for (const auto& [k, v] : lb) {
    const auto it = la.find(k);
    if (it == la.end() || it->second != v) out.push_back(k + ": " + (it == la.end() ? "" : it->second) + " -> " + v);
  }
  return out;
}

}  // namespace

std::expected<WhatIfResult, std::string> replay_what_if(JournalStore& store, std::uint64_t session,
                                                        const std::string& override_path,
                                                        const std::map<std::string, std::string>& model_pins,
                                                        const std::string& registry_dir) {
  auto reader = JournalReader::open(store, session);
  if (!reader) return std::unexpected(reader.error());
  if (reader->manifest().level == JournalLevel::HASH) {
    return std::unexpected("session " + session_hex(session) +
                           " was recorded at level hash: its inputs are not stored; record at level inputs or full");
  }
  auto base = load_recorded(*reader, "", registry_dir);
  if (!base) return std::unexpected(base.error());
  auto variant = load_recorded(*reader, override_path, registry_dir, model_pins);
  if (!variant) return std::unexpected(variant.error());
  WhatIfResult r;
  r.session = session;
  r.warnings = base->warnings;
  r.changed_keys = changed_keys(base->config, variant->config);
  for (const auto& [name, version] : model_pins) r.changed_keys.push_back("model " + name + ": -> " + version);
  if (r.changed_keys.empty()) r.warnings.push_back(override_path + " changes no key of the recorded config");

  RunLog logs[2];
  WhatIfRun* runs[2] = {&r.baseline, &r.variant};
  const RecordedSession* setups[2] = {&*base, &*variant};
  for (int i = 0; i < 2; ++i) {
    AttemptTap tap(setups[i]->config, /*keep_curve=*/true);
    auto run = run_inputs(*reader, *setups[i], setups[i]->config,
                          [&](const FramePtr& f) { observe(logs[i], tap, f); });
    if (!run) return std::unexpected(run.error());
    runs[i]->hash = run->chain.hex();
    runs[i]->messages = run->messages;
    tap.finish(runs[i]->result);
    runs[i]->result.final_hash = runs[i]->hash;
    runs[i]->result.bars = run->inputs;
    runs[i]->trades = tap.trades();
  }
  if (r.baseline.hash != reader->head().chain.hex() && reader->head().closed) {
    r.warnings.push_back("the baseline re-run does not reproduce the recorded final hash (" + reader->head().chain.hex() +
                         "): run `verity replay --verify` to see where");
  }
  // The first seq where the two runs differ.
  const auto& a = logs[0].frames;
  const auto& b = logs[1].frames;
  for (std::size_t k = 0; k < std::max(a.size(), b.size()); ++k) {
    const FramePtr ra = k < a.size() ? a[k] : nullptr;
    const FramePtr rb = k < b.size() ? b[k] : nullptr;
    if (ra && rb) {
      const auto x = ra->bytes(), y = rb->bytes();
      if (std::equal(x.begin(), x.end(), y.begin(), y.end())) continue;
    }
    Divergence d;
    d.seq = (ra ? ra : rb)->seq();
    d.actor = std::string(actor_name((ra ? ra : rb)->source()));
    d.kind = std::string(kind_name((ra ? ra : rb)->kind()));
    if (ra) d.recorded = to_text(*ra);
    if (rb) d.replayed = to_text(*rb);
    if (ra && rb) d.fields = diff_frames(*ra, *rb);
    d.what = ra && rb ? "the first message the change alters" : "one run made more messages than the other";
    r.first_divergence = d;
    break;
  }
  differences(logs[0].signals, logs[1].signals, r.signals_removed, r.signals_added);
  for (const auto& [k, v] : logs[0].decisions) {
    const auto it = logs[1].decisions.find(k);
    if (it != logs[1].decisions.end() && it->second != v) r.decisions_changed.push_back(k + ": " + v + " -> " + it->second);
  }
  std::map<std::string, std::string> ta, tb;
  for (const auto& t : r.baseline.trades) ta[trade_text(t)] = trade_text(t);
  for (const auto& t : r.variant.trades) tb[trade_text(t)] = trade_text(t);
  differences(ta, tb, r.trades_removed, r.trades_added);
  return r;
}

std::string what_if_json(const WhatIfResult& r, bool full) {
  const bool with_curves = full;
  nlohmann::ordered_json j;
  j["what_if"] = true;
  j["session"] = session_hex(r.session);
  j["changed_keys"] = r.changed_keys;
  j["identical"] = !r.first_divergence.has_value();
  if (r.first_divergence) {
    const Divergence& d = *r.first_divergence;
    nlohmann::ordered_json fields = nlohmann::ordered_json::array();
    for (const FieldDiff& f : d.fields) fields.push_back({{"path", f.path}, {"baseline", f.recorded}, {"what_if", f.replayed}});
    j["first_divergence"] = {{"seq", d.seq}, {"actor", d.actor}, {"kind", d.kind}, {"what", d.what}, {"fields", fields}};
  }
  // The summary line counts; the report lists.
  auto listed = [full](const std::vector<std::string>& v) {
    return full ? nlohmann::ordered_json(v) : nlohmann::ordered_json(v.size());
  };
  j["signals"] = {{"added", listed(r.signals_added)}, {"removed", listed(r.signals_removed)}};
  j["decisions_changed"] = listed(r.decisions_changed);
  j["trades"] = {{"baseline", r.baseline.trades.size()},
                 {"what_if", r.variant.trades.size()},
                 {"added", listed(r.trades_added)},
                 {"removed", listed(r.trades_removed)}};
  auto run_json = [&](const WhatIfRun& run) {
    nlohmann::ordered_json x;
    x["final_hash"] = run.hash;
    x["messages"] = run.messages;
    x["equity_end_usd"] = run.result.curve.empty() ? 0.0 : run.result.curve.back().equity_usd;
    x["return_pct"] = run.result.metrics.return_pct;
    x["max_drawdown_pct"] = run.result.metrics.max_drawdown_pct;
    x["trades"] = run.result.metrics.trades;
    x["ftmo"] = outcome_text(run.result);
    x["outcome"] = std::string(outcome_name(run.result.outcome));
    if (with_curves) {
      nlohmann::ordered_json c = nlohmann::ordered_json::array();
      for (const EquityPoint& p : run.result.curve) c.push_back({p.time_ns, p.equity_usd});
      x["equity_curve"] = c;
    }
    return x;
  };
  j["baseline"] = run_json(r.baseline);
  j["what_if_run"] = run_json(r.variant);
  const double eb = r.baseline.result.curve.empty() ? 0.0 : r.baseline.result.curve.back().equity_usd;
  const double ev = r.variant.result.curve.empty() ? 0.0 : r.variant.result.curve.back().equity_usd;
  j["pnl_delta_usd"] = ev - eb;
  if (with_curves) {
    // The equity delta at each hour both runs sampled.
    std::map<std::int64_t, double> base;
    for (const EquityPoint& p : r.baseline.result.curve) base[p.time_ns] = p.equity_usd;
    nlohmann::ordered_json delta = nlohmann::ordered_json::array();
    for (const EquityPoint& p : r.variant.result.curve) {
      if (auto it = base.find(p.time_ns); it != base.end()) delta.push_back({p.time_ns, p.equity_usd - it->second});
    }
    j["equity_delta"] = delta;
  }
  j["warnings"] = r.warnings;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string what_if_text(const WhatIfResult& r) {
  std::string out;
  out += "what-if on session " + session_hex(r.session) + "\n";
  for (const auto& k : r.changed_keys) out += "  changed " + k + "\n";
  if (!r.first_divergence) {
    out += "  no difference: the change alters no message\n";
  } else {
    const Divergence& d = *r.first_divergence;
    out += fmt::format("  first divergence at seq {} ({}, {})\n", d.seq, d.actor, d.kind);
    for (std::size_t i = 0; i < std::min<std::size_t>(d.fields.size(), 8); ++i) {
      out += "    " + d.fields[i].path + ": " + d.fields[i].recorded + " -> " + d.fields[i].replayed + "\n";
    }
  }
  out += fmt::format("  signals: {} added, {} removed; risk decisions changed: {}\n", r.signals_added.size(),
                     r.signals_removed.size(), r.decisions_changed.size());
  out += fmt::format("  trades: {} -> {} ({} added, {} removed)\n", r.baseline.trades.size(), r.variant.trades.size(),
                     r.trades_added.size(), r.trades_removed.size());
  auto eq = [](const WhatIfRun& run) { return run.result.curve.empty() ? 0.0 : run.result.curve.back().equity_usd; };
  out += fmt::format("  equity: {:.2f} -> {:.2f} USD ({:+.2f}); max drawdown {:.2f}% -> {:.2f}%\n", eq(r.baseline),
                     eq(r.variant), eq(r.variant) - eq(r.baseline), r.baseline.result.metrics.max_drawdown_pct,
                     r.variant.result.metrics.max_drawdown_pct);
  out += "  FTMO, recorded config: " + outcome_text(r.baseline.result) + "\n";
  out += "  FTMO, what-if config:  " + outcome_text(r.variant.result) + "\n";
  return out;
}

}  // namespace verity
