// The ops dashboard: one self-contained HTML page (inline CSS and JS, inline
// SVG, no external asset, no CDN) served at GET /. Its script fetches
// /api/status and /healthz every 2 s and re-renders: mode badge, equity with
// a line of the equity curve, positions, FTMO status, recent signals, the
// kill switch and counters. All text reaches the DOM through textContent,
// never innerHTML, so a symbol or a rejection reason cannot inject markup.
//
// For tests, <body> carries data-renders="N" (successful renders so far) and
// #dash-error holds the last error ("" when the last fetch rendered).
#pragma once

#include <string>

namespace verity {

/// The page; the same bytes every call.
const std::string& dashboard_html();

}  // namespace verity
