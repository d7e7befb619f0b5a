#include "sim/report.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "actors/runtime/calendar.hpp"
#include "sim/metrics.hpp"

namespace verity {
namespace {

using ojson = nlohmann::ordered_json;

constexpr double kNsPerDay = 86400e9;
constexpr std::size_t kTableRows = 200;  // attempts listed in report.html

// Non-UTF-8 bytes (a scenario path, an error text) become U+FFFD instead of
// throwing.
std::string dump(const ojson& j) { return j.dump(-1, ' ', false, ojson::error_handler_t::replace); }

/// The shortest text that reads back as the same double; empty when not finite.
std::string num(double v) { return std::isfinite(v) ? fmt::format("{}", v) : std::string(); }

/// Fixed decimals for people; "-" when not finite.
std::string fixed(double v, int decimals) {
  return std::isfinite(v) ? fmt::format("{:.{}f}", v, decimals) : std::string("-");
}

std::string iso(std::int64_t t_ns) { return format_iso8601_ms(t_ns); }

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

/// JSON for a <script> block: every '<' becomes \u003c (so neither "</script"
/// nor "<!--" can appear; '<' occurs only inside JSON strings).
std::string script_json(const ojson& j) {
  const std::string text = dump(j);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

double round_to(double v, double scale) { return std::round(v * scale) / scale; }

const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& [name, value] : metric_values(AttemptMetrics{})) n.push_back(name);
    return n;
  }();
  return names;
}

bool has_breach(const AttemptResult& a) { return !a.breach_rule.empty(); }

// --- report.html -------------------------------------------------------------

constexpr const char* kCss = R"CSS(
:root { --fg:#1d232b; --muted:#5e6a78; --bg:#ffffff; --panel:#f5f7fa; --line:#d9dee5;
        --passed:#2e9d5b; --breached:#d64545; --expired:#d99a1e; --failed:#7b52c7; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1180px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
.sub { color: var(--muted); margin: 0 0 14px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 10px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.card .v { font-size: 18px; font-weight: 600; overflow-wrap: anywhere; }
.gate { margin: 14px 0 0; padding: 10px 14px; border-radius: 6px; font-weight: 600; border: 1px solid var(--line); }
.gate.passed { background: #e6f5ec; border-color: var(--passed); }
.gate.failed { background: #fbe9e9; border-color: var(--breached); }
.gate.not-evaluated { background: var(--panel); }
.hash, code, td.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 18px; }
figure { margin: 0; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart text { font: 13px system-ui, sans-serif; fill: var(--muted); }
svg.chart text.msg { font-size: 16px; fill: var(--fg); }
svg.chart text.val { fill: var(--fg); font-weight: 600; }
svg.chart .plot-bg { fill: #fff; stroke: var(--line); }
svg.chart .grid { stroke: #e8ebf0; stroke-width: 1; fill: none; }
svg.chart .series { fill: none; stroke-width: 1.4; stroke-linejoin: round; opacity: .85; }
svg.chart .ref { stroke: var(--fg); stroke-dasharray: 4 3; stroke-width: 1; fill: none; }
table { border-collapse: collapse; width: 100%; background: #fff; }
#metrics { width: auto; min-width: 480px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: right; white-space: nowrap; }
th { background: var(--panel); position: sticky; top: 0; }
th:first-child, td:first-child, td.l, th.l { text-align: left; }
td.wrap { white-space: normal; text-align: left; min-width: 160px; }
.scroll { max-height: 640px; overflow: auto; border: 1px solid var(--line); border-radius: 6px; }
.o-passed { color: var(--passed); font-weight: 600; }
.o-breached { color: var(--breached); font-weight: 600; }
.o-expired { color: var(--expired); font-weight: 600; }
.o-failed { color: var(--failed); font-weight: 600; }
.checks span { display: inline-block; margin: 2px 8px 2px 0; }
#report-error { background: #fbe9e9; border: 1px solid var(--breached); color: #8a1f1f; padding: 10px; white-space: pre-wrap; }
.note { color: var(--muted); font-size: 12px; }
)CSS";

// Draws the four charts from the JSON block #report-data into the <svg>s.
// Each chart that draws sets data-drawn="1" on its <svg>; at the end <body>
// gets data-charts-drawn = how many did. Any exception is shown in
// <pre id="report-error">.
constexpr const char* kScript = R"JS(
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var COLORS = { passed: '#2e9d5b', breached: '#d64545', expired: '#d99a1e', failed: '#7b52c7' };
  var W = 760, H = 340, M = { l: 70, r: 18, t: 26, b: 46 };
  var errors = [];

  function showError(e) {
    var text = e && e.stack ? String(e.stack) : String(e);
    if (e && e.message && text.indexOf(e.message) < 0) text = e.message + '\n' + text;
    errors.push(text);
    var pre = document.getElementById('report-error');
    pre.textContent = 'The report script failed:\n' + errors.join('\n\n');
    pre.hidden = false;
  }
  window.addEventListener('error', function (ev) { showError(ev.error || ev.message); });

  function el(parent, name, attrs, text) {
    var e = document.createElementNS(NS, name);
    if (attrs) for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    parent.appendChild(e);
    return e;
  }

  function niceTicks(lo, hi, n) {
    if (!(hi > lo)) { lo = lo - 1; hi = hi + 1; }
    var span = hi - lo, step = Math.pow(10, Math.floor(Math.log10(span / n)));
    var ratio = span / n / step;
    if (ratio >= 5) step *= 10; else if (ratio >= 2.5) step *= 5; else if (ratio >= 1.2) step *= 2;
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
    return out;
  }

  function fmtNum(v) {
    var a = Math.abs(v);
    if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
    if (a >= 1e4) return (v / 1e3).toFixed(a >= 1e5 ? 0 : 1) + 'k';
    if (a >= 100 || v === Math.round(v)) return String(Math.round(v));
    return String(+v.toPrecision(3));
  }

  // A plot area with a background, grid, ticks and axis labels; returns the scales.
  function frame(svg, xr, yr, xlabel, ylabel, opts) {
    opts = opts || {};
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var pw = W - M.l - M.r, ph = H - M.t - M.b;
    var x = function (v) { return M.l + (v - xr[0]) / (xr[1] - xr[0]) * pw; };
    var y = function (v) { return M.t + ph - (v - yr[0]) / (yr[1] - yr[0]) * ph; };
    el(svg, 'rect', { 'class': 'plot-bg', x: M.l, y: M.t, width: pw, height: ph });
    var grid = '';
    var xt = opts.empty ? [] : opts.xticks || niceTicks(xr[0], xr[1], 8);
    var yt = opts.empty ? [] : niceTicks(yr[0], yr[1], 6);
    xt.forEach(function (v) {
      if (v < xr[0] || v > xr[1]) return;
      var px = x(v).toFixed(1);
      grid += 'M' + px + ' ' + M.t + 'V' + (M.t + ph);
      el(svg, 'text', { x: px, y: M.t + ph + 16, 'text-anchor': 'middle' }, (opts.xfmt || fmtNum)(v));
    });
    yt.forEach(function (v) {
      if (v < yr[0] || v > yr[1]) return;
      var py = y(v).toFixed(1);
      grid += 'M' + M.l + ' ' + py + 'H' + (M.l + pw);
      el(svg, 'text', { x: M.l - 6, y: +py + 4, 'text-anchor': 'end' }, (opts.yfmt || fmtNum)(v));
    });
    if (grid) el(svg, 'path', { 'class': 'grid', d: grid });
    el(svg, 'text', { x: M.l + pw / 2, y: H - 8, 'text-anchor': 'middle' }, xlabel);
    el(svg, 'text', { x: 14, y: M.t + ph / 2, 'text-anchor': 'middle',
                      transform: 'rotate(-90 14 ' + (M.t + ph / 2) + ')' }, ylabel);
    return { x: x, y: y, pw: pw, ph: ph };
  }

  function message(svg, text) {
    el(svg, 'text', { 'class': 'msg', x: M.l + (W - M.l - M.r) / 2, y: M.t + (H - M.t - M.b) / 2,
                      'text-anchor': 'middle' }, text);
  }

  // A row of swatches in the top margin, above the plot.
  function legend(svg, entries) {
    var x = M.l;
    entries.forEach(function (e) {
      el(svg, 'rect', { 'class': 'swatch', x: x, y: 7, width: 14, height: 9, fill: e.color });
      el(svg, 'text', { x: x + 19, y: 16 }, e.label);
      x += 30 + 7.5 * e.label.length;
    });
  }

  function pathOf(f, xs, ys) {
    var d = '';
    for (var i = 0; i < xs.length; i++) {
      if (!isFinite(xs[i]) || !isFinite(ys[i])) continue;
      d += (d ? 'L' : 'M') + f.x(xs[i]).toFixed(2) + ' ' + f.y(ys[i]).toFixed(2);
    }
    return d;
  }

  function outcomeLegend(curves) {
    var counts = {};
    curves.forEach(function (c) { counts[c.outcome] = (counts[c.outcome] || 0) + 1; });
    return ['passed', 'breached', 'expired', 'failed'].filter(function (o) { return counts[o]; })
      .map(function (o) { return { color: COLORS[o], label: o + ' (' + counts[o] + ')' }; });
  }

  function extent(arrays, lo, hi) {
    arrays.forEach(function (a) { a.forEach(function (v) { if (isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }); });
    return [lo, hi];
  }

  function pad(r, frac) {
    if (!(r[1] > r[0])) return [r[0] - 1, r[1] + 1];
    var p = (r[1] - r[0]) * frac;
    return [r[0] - p, r[1] + p];
  }

  function seriesChart(svg, curves, ys, ylabel, yr, ref) {
    if (!curves.length) {
      frame(svg, [0, 1], [0, 1], 'days from start', ylabel, { empty: true });
      message(svg, 'no equity curves recorded (the runner keeps curves for sample attempts only)');
      return;
    }
    var xr = extent(curves.map(function (c) { return c.days; }), 0, 0);
    if (!(xr[1] > xr[0])) xr[1] = xr[0] + 1;
    var f = frame(svg, xr, yr, 'days from start', ylabel);
    if (ref !== undefined && ref >= yr[0] && ref <= yr[1]) {
      el(svg, 'path', { 'class': 'ref', d: 'M' + M.l + ' ' + f.y(ref).toFixed(2) + 'H' + (M.l + f.pw) });
    }
    curves.forEach(function (c, i) {
      var p = el(svg, 'path', { 'class': 'series o-' + c.outcome, d: pathOf(f, c.days, ys[i]),
                                stroke: COLORS[c.outcome] || '#555', 'data-attempt': c.index });
      el(p, 'title', null, 'attempt ' + c.index + ' (seed ' + c.seed + '): ' + c.outcome);
    });
    legend(svg, outcomeLegend(curves));
  }

  function drawEquity(svg, data) {
    var curves = data.curves;
    var ys = curves.map(function (c) { return c.equity; });
    var yr = pad(extent(ys, Infinity, -Infinity), 0.05);
    if (!curves.length) yr = [0, 1];
    seriesChart(svg, curves, ys, 'equity (USD)', yr, curves.length ? curves[0].equity[0] : undefined);
  }

  function drawdowns(eq) {
    var peak = -Infinity;
    return eq.map(function (v) {
      if (v > peak) peak = v;
      return peak > 0 ? (Math.max(v, 0) / peak - 1) * 100 : 0;
    });
  }

  function drawDrawdown(svg, data) {
    var curves = data.curves;
    var ys = curves.map(function (c) { return drawdowns(c.equity); });
    var lo = extent(ys, 0, 0)[0];
    seriesChart(svg, curves, ys, 'drawdown (%)', [lo < 0 ? lo * 1.05 : -1, 0], undefined);
  }

  function drawHistogram(svg, data) {
    var days = data.pass_days;
    if (!days.length) {
      frame(svg, [0, 1], [0, 1], 'days to pass', 'attempts', { empty: true });
      message(svg, 'no attempt passed');
      return;
    }
    var counts = {}, lo = Infinity, hi = -Infinity, top = 0;
    days.forEach(function (d) {
      var b = Math.floor(d);
      counts[b] = (counts[b] || 0) + 1;
      lo = Math.min(lo, b); hi = Math.max(hi, b);
      top = Math.max(top, counts[b]);
    });
    var xticks = [];
    var every = Math.max(1, Math.ceil((hi - lo + 1) / 15));
    for (var t = lo; t <= hi + 1; t += every) xticks.push(t);
    var f = frame(svg, [lo, hi + 1], [0, top * 1.12], 'days to pass (day bins: [d, d+1))', 'attempts',
                  { xticks: xticks, yfmt: function (v) { return v === Math.round(v) ? String(v) : ''; } });
    for (var b = lo; b <= hi; b++) {
      if (!counts[b]) continue;
      var x0 = f.x(b), x1 = f.x(b + 1), y0 = f.y(counts[b]);
      var r = el(svg, 'rect', { 'class': 'bar', x: (x0 + 1).toFixed(2), y: y0.toFixed(2),
                                width: Math.max(1, x1 - x0 - 2).toFixed(2), height: (f.y(0) - y0).toFixed(2),
                                fill: COLORS.passed });
      el(r, 'title', null, counts[b] + ' passed in day ' + b + ' to ' + (b + 1));
    }
    var med = data.summary.median_days_to_pass;
    if (isFinite(med) && med >= lo && med <= hi + 1) {
      el(svg, 'path', { 'class': 'ref', d: 'M' + f.x(med).toFixed(2) + ' ' + M.t + 'V' + (M.t + f.ph) });
      var right = f.x(med) > M.l + f.pw * 0.7;
      el(svg, 'text', { 'class': 'val', x: f.x(med) + (right ? -4 : 4), y: M.t + 14,
                        'text-anchor': right ? 'end' : 'start' }, 'median ' + (+med.toFixed(2)));
    }
  }

  function drawBreaches(svg, data) {
    var s = data.summary, cats = [];
    Object.keys(s.breaches).forEach(function (rule) {
      cats.push({ label: rule, n: s.breaches[rule], color: COLORS.breached });
    });
    cats.push({ label: 'expired', n: s.outcomes.expired || 0, color: COLORS.expired });
    cats.push({ label: 'failed', n: s.outcomes.failed || 0, color: COLORS.failed });
    var top = 0;
    cats.forEach(function (c) { top = Math.max(top, c.n); });
    var f = frame(svg, [0, cats.length], [0, Math.max(1, top) * 1.15], 'breached rule / other outcome',
                  'attempts', { xticks: [], yfmt: function (v) { return v === Math.round(v) ? String(v) : ''; } });
    var bw = f.pw / cats.length;
    cats.forEach(function (c, i) {
      var x0 = M.l + i * bw, yv = f.y(c.n);
      var r = el(svg, 'rect', { 'class': 'bar', x: (x0 + bw * 0.2).toFixed(2), y: yv.toFixed(2),
                                width: (bw * 0.6).toFixed(2), height: (f.y(0) - yv).toFixed(2), fill: c.color });
      el(r, 'title', null, c.label + ': ' + c.n);
      el(svg, 'text', { 'class': 'val', x: x0 + bw / 2, y: yv - 4, 'text-anchor': 'middle' }, String(c.n));
      el(svg, 'text', { x: x0 + bw / 2, y: M.t + f.ph + 16, 'text-anchor': 'middle' }, c.label);
    });
    if (top === 0) message(svg, 'no breaches, no expired or failed attempts');
  }

  var drawn = 0;
  try {
    var data = JSON.parse(document.getElementById('report-data').textContent);
    var charts = [['chart-equity', drawEquity], ['chart-drawdown', drawDrawdown],
                  ['chart-days-to-pass', drawHistogram], ['chart-breaches', drawBreaches]];
    charts.forEach(function (c) {
      var svg = document.getElementById(c[0]);
      try {
        c[1](svg, data);
        svg.setAttribute('data-drawn', '1');
        drawn++;
      } catch (e) {
        showError(e);
      }
    });
  } catch (e) {
    showError(e);
  }
  document.body.setAttribute('data-charts-drawn', String(drawn));
})();
)JS";

void add_card(std::string& out, std::string_view key, const std::string& value) {
  out += fmt::format("<div class=\"card\"><div class=\"k\">{}</div><div class=\"v\">{}</div></div>\n",
                     html_escape(key), value);
}

ojson report_data(const BatchSummary& s, const std::vector<AttemptResult>& attempts) {
  ojson data;
  data["summary"] = summary_json(s);
  ojson curves = ojson::array();
  ojson pass_days = ojson::array();
  for (const auto& a : attempts) {
    if (a.outcome == AttemptOutcome::passed) pass_days.push_back(a.days);
    if (a.curve.empty()) continue;
    const std::int64_t start = a.start_ns != 0 ? a.start_ns : a.curve.front().time_ns;
    ojson days = ojson::array(), equity = ojson::array();
    for (const auto& p : a.curve) {
      days.push_back(round_to(static_cast<double>(p.time_ns - start) / kNsPerDay, 1e6));
      equity.push_back(round_to(p.equity_usd, 100));
    }
    ojson c;
    c["index"] = a.index;
    c["seed"] = a.seed;
    c["outcome"] = std::string(outcome_name(a.outcome));
    c["days"] = std::move(days);
    c["equity"] = std::move(equity);
    curves.push_back(std::move(c));
  }
  data["curves"] = std::move(curves);
  data["pass_days"] = std::move(pass_days);
  return data;
}

std::expected<void, std::string> write_file(const std::filesystem::path& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return std::unexpected(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
  const std::size_t n = std::fwrite(text.data(), 1, text.size(), f);
  if (n != text.size()) {
    const int e = errno;
    std::fclose(f);
    return std::unexpected(fmt::format("cannot write {}: {}", path.string(), std::strerror(e)));
  }
  if (std::fclose(f) != 0) {
    return std::unexpected(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
  }
  return {};
}

}  // namespace

std::string gate_text(const BatchSummary& s) {
  if (!s.gate_evaluated) {
    return fmt::format("not evaluated: {} attempts ran, the gate needs {}", s.attempts, s.gate_attempts);
  }
  // The passes among the gate's attempts, from its rate.
  const auto passes = static_cast<long long>(std::llround(s.gate_rate_pct / 100.0 * static_cast<double>(s.gate_attempts)));
  return fmt::format("{}: {} of {} attempts passed ({:.1f}%) {} {}%", s.gate_passed ? "passed" : "failed", passes,
                     s.gate_attempts, s.gate_rate_pct, s.gate_passed ? ">=" : "<", s.gate_required_pct);
}

ojson summary_json(const BatchSummary& s) {
  ojson j;
  j["attempts"] = s.attempts;
  j["passed"] = s.passed;
  j["pass_rate"] = s.pass_rate;
  j["pass_rate_ci95"] = ojson::array({s.ci95_low, s.ci95_high});
  j["median_days_to_pass"] = s.median_days_to_pass;

  std::map<std::string, std::uint64_t> breaches = s.breaches;
  breaches.try_emplace("daily_loss", 0);
  breaches.try_emplace("max_loss", 0);
  ojson b = ojson::object();
  for (const auto& [rule, n] : breaches) b[rule] = n;
  j["breaches"] = std::move(b);

  // The four outcomes first in their fixed order, then any other name given.
  ojson o = ojson::object();
  for (const char* name : {"passed", "breached", "expired", "failed"}) {
    auto it = s.outcomes.find(name);
    o[name] = it == s.outcomes.end() ? std::uint64_t{0} : it->second;
  }
  for (const auto& [name, n] : s.outcomes) {
    if (!o.contains(name)) o[name] = n;
  }
  j["outcomes"] = std::move(o);
  j["final_hash"] = s.final_hash;

  ojson gate;
  gate["attempts"] = s.gate_attempts;
  gate["required_pct"] = s.gate_required_pct;
  gate["rate_pct"] = s.gate_rate_pct;
  gate["evaluated"] = s.gate_evaluated;
  gate["passed"] = s.gate_passed;
  gate["text"] = gate_text(s);
  j["gate"] = std::move(gate);

  ojson checks = ojson::object();
  for (const auto& [name, held] : s.checks) checks[name] = held;
  j["checks"] = std::move(checks);

  j["scenario"] = s.scenario;
  j["variant"] = s.variant;
  j["seed"] = s.base_seed;
  j["bars"] = s.bars;
  j["threads"] = s.threads;
  j["elapsed_s"] = s.elapsed_s;
  const double bars_per_s = s.elapsed_s > 0 ? static_cast<double>(s.bars) / s.elapsed_s : 0.0;
  j["bars_per_s"] = bars_per_s;
  j["bars_per_s_per_core"] = bars_per_s / static_cast<double>(s.threads > 0 ? s.threads : 1);

  ojson mean = ojson::object(), med = ojson::object();
  for (const auto& [name, v] : s.aggregate.mean) mean[name] = v;
  for (const auto& [name, v] : s.aggregate.median) med[name] = v;
  ojson metrics;
  metrics["mean"] = std::move(mean);
  metrics["median"] = std::move(med);
  j["metrics"] = std::move(metrics);
  return j;
}

std::string attempts_csv(const std::vector<AttemptResult>& attempts) {
  std::string out =
      "index,seed,outcome,phase,days,trading_days,start,end,bars,equity_end_usd,breach_rule,breach_time,"
      "breach_equity_usd,breach_reference_usd,breach_limit_usd,breach_loss_usd,gap_through_stop,final_hash";
  const auto& names = metric_names();
  for (const auto& n : names) out += "," + csv_field(n);
  out += ",detail\n";
  for (const auto& a : attempts) {
    const bool breach = has_breach(a);
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},", a.index, a.seed, outcome_name(a.outcome), a.phase, num(a.days),
                       a.trading_days, iso(a.start_ns), iso(a.end_ns), a.bars, num(a.equity_end_usd));
    if (breach) {
      out += fmt::format("{},{},{},{},{},{},", csv_field(a.breach_rule), iso(a.breach_time_ns), num(a.breach_equity_usd),
                         num(a.breach_reference_usd), num(a.breach_limit_usd), num(a.breach_loss_usd));
    } else {
      out += ",,,,,,";
    }
    out += a.breach_gap_through_stop ? "1," : "0,";
    out += csv_field(a.final_hash);
    const auto values = metric_values(a.metrics);
    for (const auto& n : names) {
      auto it = values.find(n);
      out += ",";
      if (it != values.end()) out += num(it->second);
    }
    out += "," + csv_field(a.detail) + "\n";
  }
  return out;
}

std::string report_html(const BatchSummary& s, const std::vector<AttemptResult>& attempts) {
  std::string h;
  h.reserve(64 * 1024);
  const std::string title = fmt::format("Challenge report: {} ({})", s.scenario, s.variant);
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // Offline by construction: the page may load nothing from anywhere.
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'; img-src data:\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>" + html_escape(title) + "</title>\n<style>" + kCss + "</style>\n</head>\n<body>\n<main>\n";
  h += "<pre id=\"report-error\" hidden></pre>\n";
  h += "<h1>" + html_escape(title) + "</h1>\n";
  h += fmt::format("<p class=\"sub\">{} attempts from seed {}, {} bars, {} threads, {} s wall time</p>\n", s.attempts,
                   s.base_seed, s.bars, s.threads, fixed(s.elapsed_s, 2));

  // Header cards.
  h += "<div class=\"cards\">\n";
  add_card(h, "scenario", html_escape(s.scenario));
  add_card(h, "variant", html_escape(s.variant));
  add_card(h, "attempts", fmt::format("{}", s.attempts));
  add_card(h, "passed", fmt::format("{}", s.passed));
  add_card(h, "pass rate (95% Wilson CI)", fmt::format("{}% <span class=\"note\">({}% to {}%)</span>",
                                                       fixed(s.pass_rate * 100, 1), fixed(s.ci95_low * 100, 1),
                                                       fixed(s.ci95_high * 100, 1)));
  add_card(h, "median days to pass", s.passed > 0 ? fixed(s.median_days_to_pass, 2) : std::string("-"));
  h += "</div>\n";
  const char* gate_class = !s.gate_evaluated ? "not-evaluated" : s.gate_passed ? "passed" : "failed";
  h += fmt::format("<div class=\"gate {}\" id=\"gate\">Gate {}</div>\n", gate_class, html_escape(gate_text(s)));
  h += "<p>Final hash (over every attempt's hash in index order): <span class=\"hash\" id=\"final-hash\">" +
       html_escape(s.final_hash) + "</span></p>\n";
  if (!s.checks.empty()) {
    h += "<p class=\"checks\">Stress checks: ";
    for (const auto& [name, held] : s.checks) {
      h += fmt::format("<span class=\"{}\">{} {}</span>", held ? "o-passed" : "o-breached", html_escape(name),
                       held ? "held" : "broke");
    }
    h += "</p>\n";
  }

  // Charts: empty <svg>s the script fills.
  std::size_t with_curve = 0;
  for (const auto& a : attempts) with_curve += a.curve.empty() ? 0 : 1;
  h += "<h2>Charts</h2>\n<div class=\"grid2\">\n";
  h += fmt::format("<figure><figcaption>Equity of the sample attempts ({})</figcaption>"
                   "<svg class=\"chart\" id=\"chart-equity\" role=\"img\" aria-label=\"equity curves\"></svg></figure>\n",
                   with_curve);
  h += "<figure><figcaption>Drawdown from the running peak</figcaption>"
       "<svg class=\"chart\" id=\"chart-drawdown\" role=\"img\" aria-label=\"drawdown curves\"></svg></figure>\n";
  h += "<figure><figcaption>Days to pass</figcaption>"
       "<svg class=\"chart\" id=\"chart-days-to-pass\" role=\"img\" aria-label=\"days to pass histogram\"></svg>"
       "</figure>\n";
  h += "<figure><figcaption>Breaches by rule, and other outcomes</figcaption>"
       "<svg class=\"chart\" id=\"chart-breaches\" role=\"img\" aria-label=\"breaches by rule\"></svg></figure>\n";
  h += "</div>\n";

  // Metrics table.
  h += "<h2>Metrics over all attempts</h2>\n<table id=\"metrics\">\n<thead><tr><th class=\"l\">metric</th>"
       "<th>mean</th><th>median</th></tr></thead>\n<tbody>\n";
  std::map<std::string, std::pair<double, double>> rows;
  for (const auto& [name, v] : s.aggregate.mean) rows[name].first = v;
  for (const auto& [name, v] : s.aggregate.median) rows[name].second = v;
  for (const auto& [name, mm] : rows) {
    h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n", html_escape(name), fixed(mm.first, 3),
                     fixed(mm.second, 3));
  }
  if (rows.empty()) h += "<tr><td colspan=\"3\">no metrics</td></tr>\n";
  h += "</tbody>\n</table>\n<p class=\"note\">The hit_rate_*_pct rows pool every attempt's trades: the same value "
       "as mean and median.</p>\n";

  // Attempts table.
  h += "<h2>Attempts</h2>\n";
  if (attempts.size() > kTableRows) {
    h += fmt::format("<p class=\"note\">The first {} of {} attempts; attempts.csv has them all.</p>\n", kTableRows,
                     attempts.size());
  }
  h += "<div class=\"scroll\"><table id=\"attempts\">\n<thead><tr><th>#</th><th>seed</th><th class=\"l\">outcome</th>"
       "<th>phase</th><th>days</th><th>trading days</th><th>equity end</th><th class=\"l\">breach rule</th>"
       "<th class=\"l\">breach time (UTC)</th><th>equity</th><th>reference</th><th>limit</th><th>loss</th>"
       "<th>gap through stop</th><th class=\"l\">hash</th><th class=\"l\">detail</th></tr></thead>\n<tbody>\n";
  for (std::size_t i = 0; i < attempts.size() && i < kTableRows; ++i) {
    const auto& a = attempts[i];
    const std::string outcome(outcome_name(a.outcome));
    const bool breach = has_breach(a);
    h += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"l o-{}\">{}</td><td>{}</td><td>{}</td><td>{}</td>"
                     "<td>{}</td>",
                     a.index, a.seed, outcome, outcome, a.phase, fixed(a.days, 2), a.trading_days,
                     fixed(a.equity_end_usd, 2));
    if (breach) {
      h += fmt::format("<td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                       html_escape(a.breach_rule), iso(a.breach_time_ns), fixed(a.breach_equity_usd, 2),
                       fixed(a.breach_reference_usd, 2), fixed(a.breach_limit_usd, 2), fixed(a.breach_loss_usd, 2));
    } else {
      h += "<td></td><td></td><td></td><td></td><td></td><td></td>";
    }
    h += fmt::format("<td>{}</td><td class=\"mono l\">{}</td><td class=\"wrap\">{}</td></tr>\n",
                     a.breach_gap_through_stop ? "yes" : "", html_escape(a.final_hash), html_escape(a.detail));
  }
  if (attempts.empty()) h += "<tr><td colspan=\"16\">no attempts</td></tr>\n";
  h += "</tbody>\n</table></div>\n</main>\n";

  h += "<script type=\"application/json\" id=\"report-data\">" + script_json(report_data(s, attempts)) +
       "</script>\n";
  h += std::string("<script>") + kScript + "</script>\n</body>\n</html>\n";
  return h;
}

std::expected<void, std::string> write_report(const std::string& dir, const BatchSummary& summary,
                                              const std::vector<AttemptResult>& attempts) {
  namespace fs = std::filesystem;
  const fs::path root(dir);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return std::unexpected(fmt::format("cannot create {}: {}", root.string(), ec.message()));
  if (!fs::is_directory(root, ec)) {
    return std::unexpected(fmt::format("cannot create {}: {}", root.string(), std::strerror(ENOTDIR)));
  }
  if (auto r = write_file(root / "summary.json", dump(summary_json(summary)) + "\n"); !r) return r;
  if (auto r = write_file(root / "attempts.csv", attempts_csv(attempts)); !r) return r;
  if (auto r = write_file(root / "report.html", report_html(summary, attempts)); !r) return r;
  return {};
}

}  // namespace verity
