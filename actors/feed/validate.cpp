#include "actors/feed/validate.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "actors/feed/timeframe.hpp"
#include "actors/runtime/calendar.hpp"

namespace verity {

std::string_view check_name(Check c) {
  switch (c) {
    case Check::gap: return "gap";
    case Check::duplicate: return "duplicate";
    case Check::out_of_order: return "out_of_order";
    case Check::misaligned: return "misaligned";
    case Check::not_finite: return "not_finite";
    case Check::non_positive_price: return "non_positive_price";
    case Check::negative_volume: return "negative_volume";
    case Check::high_below_low: return "high_below_low";
    case Check::open_close_outside: return "open_close_outside";
  }
  return "unknown";
}

std::string_view check_title(Check c) {
  switch (c) {
    case Check::gap: return "gaps (missing candles)";
    case Check::duplicate: return "duplicates";
    case Check::out_of_order: return "out of order";
    case Check::misaligned: return "off the interval grid";
    case Check::not_finite: return "NaN or inf";
    case Check::non_positive_price: return "non-positive price";
    case Check::negative_volume: return "negative volume";
    case Check::high_below_low: return "high < low";
    case Check::open_close_outside: return "open/close outside [low, high]";
  }
  return "unknown";
}

std::string check_names(std::uint32_t bits) {
  std::string out;
  for (Check c : kAllChecks) {
    if (!(bits & check_bit(c))) continue;
    if (!out.empty()) out += ", ";
    out += check_name(c);
  }
  return out;
}

std::string_view policy_name(Policy p) {
  switch (p) {
    case Policy::reject: return "reject";
    case Policy::quarantine: return "quarantine";
    case Policy::repair: return "repair";
  }
  return "reject";
}

std::optional<Policy> parse_policy(std::string_view name) {
  for (Policy p : {Policy::reject, Policy::quarantine, Policy::repair}) {
    if (policy_name(p) == name) return p;
  }
  return std::nullopt;
}

std::string time_text(std::int64_t t_ns) {
  std::string s = format_iso8601_ms(t_ns);  // "...T00:00:00.000Z"
  if (s.size() > 5 && s.compare(s.size() - 5, 5, ".000Z") == 0) s.replace(s.size() - 5, 5, "Z");
  return s;
}

std::string interval_text(std::int64_t interval_ns) {
  if (auto tf = timeframe_of_interval(interval_ns)) return std::string(timeframe_name(*tf));
  if (interval_ns % 1'000'000'000 == 0) return std::to_string(interval_ns / 1'000'000'000) + "s";
  return std::to_string(interval_ns) + "ns";
}

std::string ValidationReport::where(std::uint32_t source, std::uint64_t line) const {
  std::string out = source < sources.size() ? sources[source] : "input";
  if (line != 0) {
    out += " " + (source < row_units.size() ? row_units[source] : std::string("line")) + " " + std::to_string(line);
  }
  return out;
}

namespace {

std::string num(double v) {
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, ptr);
}

/// Problems a row has on its own, as check bits, with every one in words.
std::uint32_t value_checks(const BarData& b, std::string& reason) {
  std::uint32_t bits = 0;
  auto add = [&](Check c, const std::string& what) {
    bits |= check_bit(c);
    if (!reason.empty()) reason += "; ";
    reason += what;
  };
  const struct {
    const char* name;
    double v;
  } prices[] = {{"open", b.open}, {"high", b.high}, {"low", b.low}, {"close", b.close}};
  bool finite = true;
  for (const auto& p : prices) {
    if (!std::isfinite(p.v)) {
      add(Check::not_finite, std::string(p.name) + " is " + num(p.v));
      finite = false;
    } else if (p.v <= 0) {
      add(Check::non_positive_price, std::string(p.name) + " " + num(p.v) + " is not positive");
    }
  }
  if (!std::isfinite(b.volume)) {
    add(Check::not_finite, "volume is " + num(b.volume));
  } else if (b.volume < 0) {
    add(Check::negative_volume, "volume " + num(b.volume) + " is negative");
  }
  if (!finite) return bits;
  if (b.high < b.low) add(Check::high_below_low, "high " + num(b.high) + " is below low " + num(b.low));
  const double lo = std::min(b.low, b.high), hi = std::max(b.low, b.high);
  if (b.open < lo || b.open > hi) {
    add(Check::open_close_outside,
        "open " + num(b.open) + " is outside [low " + num(b.low) + ", high " + num(b.high) + "]");
  }
  if (b.close < lo || b.close > hi) {
    add(Check::open_close_outside,
        "close " + num(b.close) + " is outside [low " + num(b.low) + ", high " + num(b.high) + "]");
  }
  return bits;
}

void count(CheckTotal& t, std::int64_t first_ns, std::int64_t last_ns, std::uint64_t n, std::uint32_t source,
           std::uint64_t line) {
  if (t.count == 0) {
    t.first_ns = first_ns, t.last_ns = last_ns, t.first_source = source, t.first_line = line;
  } else {
    t.first_ns = std::min(t.first_ns, first_ns);
    t.last_ns = std::max(t.last_ns, last_ns);
  }
  t.count += n;
}

bool same_values(const BarData& a, const BarData& b) {
  auto same = [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); };
  return same(a.open, b.open) && same(a.high, b.high) && same(a.low, b.low) && same(a.close, b.close) &&
         same(a.volume, b.volume);
}

}  // namespace

ValidationReport validate_candles(std::span<const CandleRow> rows, const ValidateOptions& options) {
  ValidationReport r;
  r.symbol = options.symbol;
  r.interval_ns = options.interval_ns > 0 ? options.interval_ns : 60'000'000'000;
  r.sources = options.sources;
  r.row_units = options.row_units;
  r.rows = rows.size();
  const std::int64_t iv = r.interval_ns;
  // Open times taken into the time sequence, ascending, with their row.
  std::vector<std::pair<std::int64_t, std::size_t>> seen;
  seen.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const CandleRow& row = rows[i];
    const std::int64_t t = row.bar.open_time_ns;
    if (i == 0) r.first_ns = r.last_ns = t;
    r.first_ns = std::min(r.first_ns, t);
    r.last_ns = std::max(r.last_ns, t);
    std::string reason;
    std::uint32_t bits = 0;
    if (seen.empty() || t > seen.back().first) {
      if (!seen.empty() && t - seen.back().first > iv) {
        const std::int64_t prev = seen.back().first;
        Gap g;
        g.missing = (t - prev - 1) / iv;  // grid slots strictly between the two rows
        g.first_missing_ns = prev + iv;
        g.last_missing_ns = prev + g.missing * iv;
        g.source = row.source;
        g.line_after = row.line;
        count(r.totals[static_cast<std::size_t>(Check::gap)], g.first_missing_ns, g.last_missing_ns,
              static_cast<std::uint64_t>(g.missing), row.source, row.line);
        r.gaps.push_back(g);
      }
      seen.emplace_back(t, i);
    } else {
      const auto it = std::lower_bound(seen.begin(), seen.end(), std::make_pair(t, std::size_t{0}));
      if (it != seen.end() && it->first == t) {
        const CandleRow& first = rows[it->second];
        bits |= check_bit(Check::duplicate);
        reason = "duplicate of " + r.where(first.source, first.line) + " at " + time_text(t) +
                 (same_values(first.bar, row.bar) ? " (identical values)" : " (different values)");
      } else {
        const CandleRow& latest = rows[seen.back().second];
        bits |= check_bit(Check::out_of_order);
        reason = "out of order: " + time_text(t) + " comes after " + r.where(latest.source, latest.line) + " at " +
                 time_text(latest.bar.open_time_ns);
      }
    }
    if (t % iv != 0) {
      bits |= check_bit(Check::misaligned);
      if (!reason.empty()) reason += "; ";
      reason += "open time " + time_text(t) + " is not on the " + interval_text(iv) + " grid";
    }
    bits |= value_checks(row.bar, reason);
    if (bits == 0) continue;
    for (Check c : kAllChecks) {
      if (bits & check_bit(c)) count(r.totals[static_cast<std::size_t>(c)], t, t, 1, row.source, row.line);
    }
    r.bad_rows.push_back(BadRow{i, row.source, row.line, t, bits, std::move(reason)});
  }
  return r;
}

std::expected<ImportPlan, std::string> plan_import(std::span<const CandleRow> rows, const ValidationReport& report,
                                                   Policy policy) {
  ImportPlan plan;
  if (policy == Policy::reject && !report.bad_rows.empty()) {
    const BadRow& b = report.bad_rows.front();
    return std::unexpected(report.where(b.source, b.line) + ": " + b.reason + " (" + check_names(b.checks) +
                           "); policy reject stores nothing: " + std::to_string(report.bad_rows.size()) +
                           " bad row(s) in all");
  }
  std::vector<char> bad(rows.size(), 0);
  for (const BadRow& b : report.bad_rows) {
    bad[b.index] = 1;
    const BarData& bar = rows[b.index].bar;
    plan.quarantine.push_back(QuarantinedRow{bar.open_time_ns, bar.open, bar.high, bar.low, bar.close, bar.volume,
                                             b.source < report.sources.size() ? report.sources[b.source] : "input",
                                             b.line, b.checks, b.reason});
  }
  plan.candles.reserve(rows.size() - report.bad_rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (bad[i]) continue;
    const BarData& b = rows[i].bar;
    plan.candles.push_back(Candle{b.open_time_ns, b.open, b.high, b.low, b.close, b.volume, 0});
  }
  if (policy != Policy::repair) return plan;

  // Slots of quarantined rows that were on the grid and in time order: a
  // bar filling one stands in for a quarantined row, not for a gap.
  std::vector<std::int64_t> quarantined_slots;
  for (const BadRow& b : report.bad_rows) {
    if (!(b.checks & (check_bit(Check::misaligned) | check_bit(Check::duplicate)))) {
      quarantined_slots.push_back(b.open_time_ns);
    }
  }
  std::sort(quarantined_slots.begin(), quarantined_slots.end());
  const std::int64_t iv = report.interval_ns;
  std::vector<Candle> filled;
  filled.reserve(plan.candles.size());
  for (std::size_t i = 0; i < plan.candles.size(); ++i) {
    if (i > 0) {
      const Candle& prev = plan.candles[i - 1];
      const std::int64_t holes = (plan.candles[i].open_time_ns - prev.open_time_ns - 1) / iv;
      if (holes > kMaxRepairGapCandles) {
        return std::unexpected("repair: the hole from " + time_text(prev.open_time_ns + iv) + " to " +
                               time_text(prev.open_time_ns + holes * iv) + " is " + std::to_string(holes) +
                               " candles, more than the " + std::to_string(kMaxRepairGapCandles) +
                               " one gap may be filled with; import with --policy quarantine instead");
      }
      for (std::int64_t k = 1; k <= holes; ++k) {
        const std::int64_t t = prev.open_time_ns + k * iv;
        filled.push_back(Candle{t, prev.close, prev.close, prev.close, prev.close, 0.0, kCandleSynthetic});
        if (std::binary_search(quarantined_slots.begin(), quarantined_slots.end(), t)) {
          ++plan.synthetic_for_quarantined;
        } else {
          ++plan.synthetic_for_gaps;
        }
      }
    }
    filled.push_back(plan.candles[i]);
  }
  plan.candles = std::move(filled);
  return plan;
}

// --- renderers ------------------------------------------------------------------------

namespace {

std::string range_text(std::int64_t a, std::int64_t b) {
  return a == b ? time_text(a) : time_text(a) + " .. " + time_text(b);
}

std::string heading(const ValidationReport& r) {
  std::string out = r.symbol + " " + interval_text(r.interval_ns) + ": " + std::to_string(r.rows) + " rows";
  if (r.rows > 0) out += " from " + time_text(r.first_ns) + " to " + time_text(r.last_ns);
  if (!r.sources.empty()) {
    out += " (";
    for (std::size_t i = 0; i < r.sources.size(); ++i) out += (i ? ", " : "") + r.sources[i];
    out += ")";
  }
  return out;
}

}  // namespace

std::string report_text(const ValidationReport& r, std::size_t max_listed) {
  std::string out = heading(r) + "\n";
  char buf[256];
  for (Check c : kAllChecks) {
    const CheckTotal& t = r.total(c);
    if (c == Check::gap) {
      std::snprintf(buf, sizeof buf, "  %-32s %zu gap(s), %llu missing", "gaps (missing candles)", r.gaps.size(),
                    static_cast<unsigned long long>(t.count));
    } else {
      std::snprintf(buf, sizeof buf, "  %-32s %llu", std::string(check_title(c)).c_str(),
                    static_cast<unsigned long long>(t.count));
    }
    out += buf;
    if (t.count > 0) {
      out += "   " + range_text(t.first_ns, t.last_ns) + ", first at " + r.where(t.first_source, t.first_line);
    }
    out += "\n";
  }
  if (r.synthetic > 0) out += "  synthetic (repaired) candles     " + std::to_string(r.synthetic) + "\n";
  if (r.quarantined > 0) out += "  quarantined rows                 " + std::to_string(r.quarantined) + "\n";
  for (std::size_t i = 0; i < r.gaps.size() && i < max_listed; ++i) {
    const Gap& g = r.gaps[i];
    out += "  gap " + range_text(g.first_missing_ns, g.last_missing_ns) + ": " + std::to_string(g.missing) +
           " missing" + (g.line_after ? ", before " + r.where(g.source, g.line_after) : std::string()) + "\n";
  }
  if (r.gaps.size() > max_listed) out += "  ... and " + std::to_string(r.gaps.size() - max_listed) + " more gap(s)\n";
  for (std::size_t i = 0; i < r.bad_rows.size() && i < max_listed; ++i) {
    const BadRow& b = r.bad_rows[i];
    out += "  bad row " + r.where(b.source, b.line) + " at " + time_text(b.open_time_ns) + ": " + b.reason + "\n";
  }
  if (r.bad_rows.size() > max_listed) {
    out += "  ... and " + std::to_string(r.bad_rows.size() - max_listed) + " more bad row(s)\n";
  }
  for (std::size_t i = 0; i < r.quarantine.size() && i < max_listed; ++i) {
    const QuarantinedRow& q = r.quarantine[i];
    out += "  quarantined " + q.source + " line " + std::to_string(q.line) + " at " + time_text(q.open_time_ns) + ": " +
           q.reason + "\n";
  }
  if (r.quarantine.size() > max_listed) {
    out += "  ... and " + std::to_string(r.quarantine.size() - max_listed) + " more quarantined row(s)\n";
  }
  out += r.clean()
             ? "  verdict: clean\n"
             : "  verdict: " + std::to_string(r.gaps.size()) + " gap(s), " + std::to_string(r.bad_rows.size()) +
                   " bad row(s)" + (r.quarantined ? ", " + std::to_string(r.quarantined) + " quarantined" : "") + "\n";
  return out;
}

std::string report_json(const ValidationReport& r, std::size_t max_listed) {
  nlohmann::ordered_json j;
  j["symbol"] = r.symbol;
  j["timeframe"] = interval_text(r.interval_ns);
  j["sources"] = r.sources;
  j["rows"] = r.rows;
  j["first"] = r.rows ? time_text(r.first_ns) : "";
  j["last"] = r.rows ? time_text(r.last_ns) : "";
  j["synthetic"] = r.synthetic;
  j["quarantined"] = r.quarantined;
  j["clean"] = r.clean();
  nlohmann::ordered_json checks = nlohmann::ordered_json::object();
  for (Check c : kAllChecks) {
    const CheckTotal& t = r.total(c);
    nlohmann::ordered_json cj;
    cj["count"] = t.count;
    if (c == Check::gap) cj["gaps"] = r.gaps.size();
    if (t.count > 0) {
      cj["first"] = time_text(t.first_ns);
      cj["last"] = time_text(t.last_ns);
      cj["first_at"] = r.where(t.first_source, t.first_line);
    }
    checks[std::string(check_name(c))] = cj;
  }
  j["checks"] = checks;
  nlohmann::ordered_json gaps = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < r.gaps.size() && i < max_listed; ++i) {
    const Gap& g = r.gaps[i];
    gaps.push_back({{"first_missing", time_text(g.first_missing_ns)},
                    {"last_missing", time_text(g.last_missing_ns)},
                    {"first_missing_ns", g.first_missing_ns},
                    {"last_missing_ns", g.last_missing_ns},
                    {"missing", g.missing},
                    {"before", g.line_after ? r.where(g.source, g.line_after) : ""}});
  }
  j["gaps"] = gaps;
  nlohmann::ordered_json bad = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < r.bad_rows.size() && i < max_listed; ++i) {
    const BadRow& b = r.bad_rows[i];
    bad.push_back({{"at", r.where(b.source, b.line)},
                   {"line", b.line},
                   {"time", time_text(b.open_time_ns)},
                   {"checks", check_names(b.checks)},
                   {"reason", b.reason}});
  }
  j["bad_rows"] = bad;
  nlohmann::ordered_json quarantine = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < r.quarantine.size() && i < max_listed; ++i) {
    const QuarantinedRow& q = r.quarantine[i];
    quarantine.push_back({{"source", q.source},
                          {"line", q.line},
                          {"time", time_text(q.open_time_ns)},
                          {"checks", check_names(q.checks)},
                          {"reason", q.reason}});
  }
  j["quarantine"] = quarantine;
  j["listed_at_most"] = max_listed;
  return j.dump();
}

std::string report_markdown(std::span<const ValidationReport> series, std::size_t max_listed) {
  std::string out;
  const std::string symbol = series.empty() ? "" : series.front().symbol;
  out += "# Data quality: " + symbol + "\n\n";
  out += "Written by `verity data validate --report`. Checks are described in docs/DATA.md.\n";
  for (const ValidationReport& r : series) {
    out += "\n## " + r.symbol + " " + interval_text(r.interval_ns) + "\n\n";
    out += "- rows: " + std::to_string(r.rows) + "\n";
    if (r.rows) out += "- range: " + time_text(r.first_ns) + " to " + time_text(r.last_ns) + "\n";
    if (!r.sources.empty()) {
      out += "- source:";
      for (const auto& s : r.sources) out += " `" + s + "`";
      out += "\n";
    }
    out += "- synthetic (repaired) candles: " + std::to_string(r.synthetic) + "\n";
    out += "- quarantined rows: " + std::to_string(r.quarantined) + "\n";
    out += "- verdict: " + std::string(r.clean() ? "**clean**" : "**problems found**") + "\n\n";
    out += "| check | count | first | last | first at |\n|---|---:|---|---|---|\n";
    for (Check c : kAllChecks) {
      const CheckTotal& t = r.total(c);
      std::string label(check_title(c));
      std::string n = std::to_string(t.count);
      if (c == Check::gap) n = std::to_string(r.gaps.size()) + " gaps, " + n + " missing";
      out += "| " + label + " | " + n + " | " + (t.count ? time_text(t.first_ns) : "") + " | " +
             (t.count ? time_text(t.last_ns) : "") + " | " + (t.count ? r.where(t.first_source, t.first_line) : "") +
             " |\n";
    }
    if (!r.gaps.empty()) {
      out += "\n### Gaps\n\n| first missing | last missing | missing candles | before |\n|---|---|---:|---|\n";
      for (std::size_t i = 0; i < r.gaps.size() && i < max_listed; ++i) {
        const Gap& g = r.gaps[i];
        out += "| " + time_text(g.first_missing_ns) + " | " + time_text(g.last_missing_ns) + " | " +
               std::to_string(g.missing) + " | " + (g.line_after ? r.where(g.source, g.line_after) : "") + " |\n";
      }
      if (r.gaps.size() > max_listed) {
        out += "\n" + std::to_string(r.gaps.size() - max_listed) + " more gaps not listed.\n";
      }
    }
    if (!r.bad_rows.empty()) {
      out += "\n### Bad rows\n\n| at | open time | checks | reason |\n|---|---|---|---|\n";
      for (std::size_t i = 0; i < r.bad_rows.size() && i < max_listed; ++i) {
        const BadRow& b = r.bad_rows[i];
        std::string reason = b.reason;
        std::replace(reason.begin(), reason.end(), '|', '/');
        out += "| " + r.where(b.source, b.line) + " | " + time_text(b.open_time_ns) + " | " + check_names(b.checks) +
               " | " + reason + " |\n";
      }
      if (r.bad_rows.size() > max_listed) {
        out += "\n" + std::to_string(r.bad_rows.size() - max_listed) + " more bad rows not listed.\n";
      }
    }
    if (!r.quarantine.empty()) {
      out += "\n### Quarantined rows\n\n| source | line | open time | checks | reason |\n|---|---:|---|---|---|\n";
      for (std::size_t i = 0; i < r.quarantine.size() && i < max_listed; ++i) {
        const QuarantinedRow& q = r.quarantine[i];
        std::string reason = q.reason;
        std::replace(reason.begin(), reason.end(), '|', '/');
        out += "| `" + q.source + "` | " + std::to_string(q.line) + " | " + time_text(q.open_time_ns) + " | " +
               check_names(q.checks) + " | " + reason + " |\n";
      }
      if (r.quarantine.size() > max_listed) {
        out += "\n" + std::to_string(r.quarantine.size() - max_listed) + " more quarantined rows not listed.\n";
      }
    }
  }
  return out;
}

}  // namespace verity
