#include "live/ops/dashboard.hpp"

namespace verity {

namespace {

// The page. Every value is put into the DOM with textContent (or as an SVG
// attribute computed from numbers), so nothing from the status can become
// markup. Render functions tolerate missing fields: the page shows dashes
// and "no ... yet" until the runner publishes its first snapshot.
constexpr const char* kPage = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Verity ops</title>
<style>
  :root { --bg:#0f1419; --card:#182028; --fg:#e6e6e6; --muted:#8a96a3; --ok:#3fb950; --bad:#f85149; --warn:#d29922; --accent:#58a6ff; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
  header { display: flex; flex-wrap: wrap; align-items: center; gap: 12px; padding: 12px 20px; border-bottom: 1px solid #2a3540; }
  header h1 { font-size: 18px; margin: 0 8px 0 0; }
  .badge { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 600; font-size: 12px; letter-spacing: .04em; background: #2a3540; }
  .badge.live { background: var(--bad); color: #fff; }
  .badge.dryrun { background: var(--accent); color: #0f1419; }
  .badge.on { background: var(--bad); color: #fff; }
  .badge.off { background: #2a3540; color: var(--fg); }
  .badge.ok { background: var(--ok); color: #0f1419; }
  .badge.notok { background: var(--warn); color: #0f1419; }
  .muted { color: var(--muted); }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 16px; padding: 16px 20px; }
  section { background: var(--card); border-radius: 8px; padding: 12px 16px; min-width: 0; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0 0 8px; }
  .big { font-size: 28px; font-weight: 600; font-variant-numeric: tabular-nums; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #2a3540; white-space: nowrap; }
  td.num, th.num { text-align: right; }
  .pos { color: var(--ok); } .neg { color: var(--bad); }
  svg { width: 100%; height: 160px; display: block; }
  svg .line { fill: none; stroke: var(--accent); stroke-width: 1.5; }
  svg .axis { stroke: #2a3540; stroke-width: 1; }
  svg text { fill: var(--muted); font-size: 11px; }
  .bar { height: 6px; background: #2a3540; border-radius: 3px; overflow: hidden; margin-top: 2px; }
  .bar > div { height: 100%; background: var(--accent); }
  .bar.loss > div { background: var(--warn); }
  #dash-error { color: var(--bad); margin: 0 20px; white-space: pre-wrap; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; margin: 0; }
  dt { color: var(--muted); } dd { margin: 0; font-variant-numeric: tabular-nums; }
</style>
</head>
<body data-renders="0">
<header>
  <h1>Verity</h1>
  <span id="mode" class="badge">NO DATA</span>
  <span id="ready" class="badge">&mdash;</span>
  <span>Kill switch: <span id="kill-switch" class="badge">&mdash;</span> <span id="kill-switch-source" class="muted"></span></span>
  <span class="muted">session <span id="session">&mdash;</span></span>
  <span class="muted">updated <span id="updated">never</span></span>
</header>
<pre id="dash-error"></pre>
<main>
  <section>
    <h2>Equity</h2>
    <div class="big"><span id="equity">&mdash;</span> <span class="muted" style="font-size:14px">USD</span></div>
    <div class="muted">balance <span id="balance">&mdash;</span> USD &middot; today <span id="day-pnl">&mdash;</span> USD</div>
    <svg id="equity-chart" viewBox="0 0 600 160" preserveAspectRatio="none" role="img" aria-label="equity curve"></svg>
  </section>
  <section>
    <h2>FTMO challenge</h2>
    <dl>
      <dt>state</dt><dd id="ftmo-state">&mdash;</dd>
      <dt>phase</dt><dd id="ftmo-phase">&mdash;</dd>
      <dt>profit</dt><dd><span id="ftmo-profit">&mdash;</span><div class="bar"><div id="ftmo-profit-bar" style="width:0%"></div></div></dd>
      <dt>daily loss</dt><dd><span id="ftmo-daily">&mdash;</span><div class="bar loss"><div id="ftmo-daily-bar" style="width:0%"></div></div></dd>
      <dt>total loss</dt><dd><span id="ftmo-total">&mdash;</span><div class="bar loss"><div id="ftmo-total-bar" style="width:0%"></div></div></dd>
      <dt>trading days</dt><dd id="ftmo-days">&mdash;</dd>
    </dl>
  </section>
  <section>
    <h2>Feed and counters</h2>
    <dl>
      <dt>feed</dt><dd id="feed">&mdash;</dd>
      <dt>journal</dt><dd id="journal">&mdash;</dd>
      <dt>threshold</dt><dd id="threshold">&mdash;</dd>
      <dt>7 days</dt><dd id="stats-7d">&mdash;</dd>
      <dt>30 days</dt><dd id="stats-30d">&mdash;</dd>
      <dt>counts</dt><dd id="counters">&mdash;</dd>
    </dl>
  </section>
  <section class="wide">
    <h2>Positions</h2>
    <table id="positions">
      <thead><tr><th>symbol</th><th class="num">qty</th><th class="num">avg price</th><th class="num">mark</th><th class="num">unrealized USD</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section class="wide">
    <h2>Recent signals</h2>
    <table id="signals">
      <thead><tr><th>time (UTC)</th><th>symbol</th><th>side</th><th>tier</th><th class="num">confidence</th><th>decision</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
</main>
<script>
"use strict";
(function () {
  var SVG_NS = "http://www.w3.org/2000/svg";
  var renders = 0;

  function $(id) { return document.getElementById(id); }
  function isNum(v) { return typeof v === "number" && isFinite(v); }
  function fmt(v, digits) {
    if (!isNum(v)) return "\u2014";
    var s = v.toFixed(digits);
    var neg = s.charAt(0) === "-";
    if (neg) s = s.slice(1);
    var parts = s.split(".");
    parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (neg ? "-" : "") + parts.join(".");
  }
  function pct(v) { return isNum(v) ? fmt(v, 2) + "%" : "\u2014"; }
  function iso(ns) { return isNum(ns) && ns > 0 ? new Date(ns / 1e6).toISOString().replace("T", " ").slice(0, 19) : "\u2014"; }
  function setText(id, text) { $(id).textContent = text; }
  function setBadge(id, text, cls) { var e = $(id); e.textContent = text; e.className = "badge " + cls; }
  function setBar(id, value, limit) {
    var w = isNum(value) && isNum(limit) && limit > 0 ? Math.max(0, Math.min(100, 100 * value / limit)) : 0;
    $(id).style.width = w.toFixed(1) + "%";
  }
  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
  }
  function emptyRow(tbody, columns, text) {
    var tr = document.createElement("tr");
    var td = document.createElement("td");
    td.colSpan = columns;
    td.className = "muted";
    td.textContent = text;
    tr.appendChild(td);
    tbody.appendChild(tr);
  }
  function signClass(v) { return isNum(v) ? (v > 0 ? "num pos" : v < 0 ? "num neg" : "num") : "num"; }

  function renderHeader(s, health) {
    var mode = typeof s.mode === "string" && s.mode ? s.mode : "";
    setBadge("mode", mode ? mode.toUpperCase() : "NO DATA", mode === "live" ? "live" : mode === "dryrun" ? "dryrun" : "");
    setText("session", s.session || "\u2014");
    setText("updated", iso(s.now_ns));
    if (s.kill_switch === true) setBadge("kill-switch", "ON", "on");
    else if (s.kill_switch === false) setBadge("kill-switch", "OFF", "off");
    else setBadge("kill-switch", "\u2014", "");
    setText("kill-switch-source", s.kill_switch && s.kill_switch_source ? "(" + s.kill_switch_source + ")" : "");
    if (health && typeof health.ready === "boolean") setBadge("ready", health.ready ? "READY" : "NOT READY", health.ready ? "ok" : "notok");
    else setBadge("ready", "health unknown", "");
  }

  function renderEquity(s) {
    setText("equity", fmt(s.equity_usd, 2));
    setText("balance", fmt(s.balance_usd, 2));
    var day = isNum(s.equity_usd) && isNum(s.day_start_balance_usd) && s.day_start_balance_usd !== 0 ? s.equity_usd - s.day_start_balance_usd : NaN;
    setText("day-pnl", isNum(day) ? (day > 0 ? "+" : "") + fmt(day, 2) : "\u2014");
    var svg = $("equity-chart");
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var pts = (Array.isArray(s.equity_curve) ? s.equity_curve : []).filter(function (p) {
      return Array.isArray(p) && isNum(p[0]) && isNum(p[1]);
    });
    if (pts.length < 2) {
      var t = document.createElementNS(SVG_NS, "text");
      t.setAttribute("x", "300"); t.setAttribute("y", "85"); t.setAttribute("text-anchor", "middle");
      t.textContent = "no equity curve yet";
      svg.appendChild(t);
      svg.setAttribute("data-points", "0");
      return;
    }
    var t0 = pts[0][0], t1 = pts[pts.length - 1][0];
    var lo = Infinity, hi = -Infinity;
    pts.forEach(function (p) { lo = Math.min(lo, p[1]); hi = Math.max(hi, p[1]); });
    if (hi === lo) { hi += 1; lo -= 1; }
    var W = 600, H = 160, pad = 14;
    var d = pts.map(function (p, i) {
      var x = t1 > t0 ? (p[0] - t0) / (t1 - t0) * W : i / (pts.length - 1) * W;
      var y = pad + (hi - p[1]) / (hi - lo) * (H - 2 * pad);
      return (i ? "L" : "M") + x.toFixed(1) + " " + y.toFixed(1);
    }).join(" ");
    var axis = document.createElementNS(SVG_NS, "line");
    axis.setAttribute("class", "axis");
    axis.setAttribute("x1", "0"); axis.setAttribute("x2", String(W));
    axis.setAttribute("y1", String(H - 1)); axis.setAttribute("y2", String(H - 1));
    svg.appendChild(axis);
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("class", "line");
    path.setAttribute("d", d);
    svg.appendChild(path);
    [[hi, 11], [lo, H - 4]].forEach(function (l) {
      var label = document.createElementNS(SVG_NS, "text");
      label.setAttribute("x", "4"); label.setAttribute("y", String(l[1]));
      label.textContent = fmt(l[0], 0);
      svg.appendChild(label);
    });
    svg.setAttribute("data-points", String(pts.length));
  }

  function renderFtmo(f) {
    f = f || {};
    setText("ftmo-state", f.state || "\u2014");
    setText("ftmo-phase", isNum(f.phase) ? String(f.phase) : "\u2014");
    setText("ftmo-profit", pct(f.profit_pct) + " of " + pct(f.target_pct) + " target");
    setText("ftmo-daily", pct(f.daily_loss_pct) + " of " + pct(f.daily_limit_pct) + " limit");
    setText("ftmo-total", pct(f.total_loss_pct) + " of " + pct(f.max_loss_pct) + " limit");
    setText("ftmo-days", (isNum(f.trading_days) ? f.trading_days : "\u2014") + " of " + (isNum(f.min_trading_days) ? f.min_trading_days : "\u2014") + " minimum");
    setBar("ftmo-profit-bar", f.profit_pct, f.target_pct);
    setBar("ftmo-daily-bar", f.daily_loss_pct, f.daily_limit_pct);
    setBar("ftmo-total-bar", f.total_loss_pct, f.max_loss_pct);
  }

  function renderFeed(s) {
    var symbols = s.last_bar_close_ns && typeof s.last_bar_close_ns === "object" ? Object.keys(s.last_bar_close_ns) : [];
    setText("feed", (s.feed_connected ? "connected" : "disconnected") + ", newest bar " +
      (isNum(s.feed_staleness_s) ? fmt(s.feed_staleness_s, 1) + " s ago" : "\u2014") +
      (symbols.length ? " (" + symbols.join(", ") + ")" : ""));
    setText("journal", s.journal_ok === false ? "FAILING" : s.journal_ok === true ? "ok" : "\u2014");
    setText("threshold", fmt(s.threshold, 2));
    setText("stats-7d", pct(s.return_7d_pct) + " return, " + (isNum(s.trades_7d) ? s.trades_7d : "\u2014") + " trades, " + pct(s.win_rate_7d_pct) + " won");
    setText("stats-30d", pct(s.return_30d_pct) + " return, " + (isNum(s.trades_30d) ? s.trades_30d : "\u2014") + " trades, " + pct(s.win_rate_30d_pct) + " won");
    var names = ["bars", "signals", "orders", "fills", "rejections", "reconnects", "venue_errors", "telegram_commands"];
    setText("counters", names.map(function (n) { return n.replace("_", " ") + " " + (isNum(s[n]) ? s[n] : "\u2014"); }).join(" \u00b7 "));
  }

  function renderPositions(list) {
    var tbody = $("positions").tBodies[0];
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    list = Array.isArray(list) ? list : [];
    if (!list.length) return emptyRow(tbody, 5, "no open positions");
    list.forEach(function (p) {
      var tr = document.createElement("tr");
      cell(tr, String(p.symbol || ""));
      cell(tr, fmt(p.qty, 6), "num");
      cell(tr, fmt(p.avg_price, 2), "num");
      cell(tr, fmt(p.mark_price, 2), "num");
      cell(tr, fmt(p.unrealized_usd, 2), signClass(p.unrealized_usd));
      tbody.appendChild(tr);
    });
  }

  function renderSignals(list) {
    var tbody = $("signals").tBodies[0];
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    list = Array.isArray(list) ? list.slice().reverse() : [];  // newest first
    if (!list.length) return emptyRow(tbody, 6, "no signals yet");
    list.forEach(function (g) {
      var tr = document.createElement("tr");
      cell(tr, iso(g.time_ns));
      cell(tr, String(g.symbol || ""));
      cell(tr, String(g.side || ""));
      cell(tr, String(g.tier || ""));
      cell(tr, fmt(g.confidence, 2), "num");
      cell(tr, String(g.decision || ""), String(g.decision || "").indexOf("accepted") === 0 ? "pos" : "neg");
      tbody.appendChild(tr);
    });
  }

  function render(s, health) {
    renderHeader(s, health);
    renderEquity(s);
    renderFtmo(s.ftmo);
    renderFeed(s);
    renderPositions(s.positions);
    renderSignals(s.recent_signals);
    renders += 1;
    document.body.setAttribute("data-renders", String(renders));
  }

  function getJson(url) {
    // /healthz answers 503 with a JSON body when not ready: read it anyway.
    return fetch(url, { cache: "no-store" }).then(function (r) {
      return r.json().catch(function () { throw new Error(url + ": HTTP " + r.status + ", not JSON"); });
    });
  }

  function tick() {
    Promise.all([getJson("api/status"), getJson("healthz").catch(function () { return null; })])
      .then(function (both) {
        var s = both[0] || {};
        // Nothing published yet (the runner stamps now_ns): show no numbers at all.
        if (!(isNum(s.now_ns) && s.now_ns > 0)) s = {};
        render(s, both[1]);
        setText("dash-error", "");
      })
      .catch(function (e) { setText("dash-error", "status unavailable: " + (e && e.message ? e.message : String(e))); });
  }

  try { render({}, null); document.body.setAttribute("data-renders", "0"); renders = 0; }
  catch (e) { setText("dash-error", "render failed: " + e.message); }
  tick();
  setInterval(tick, 2000);
})();
</script>
</body>
</html>
)HTML";

}  // namespace

const std::string& dashboard_html() {
  static const std::string page(kPage);
  return page;
}

}  // namespace verity
