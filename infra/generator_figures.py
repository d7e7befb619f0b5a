#!/usr/bin/env python3
"""Draws docs/GENERATOR.md's figures from `verity data calibrate --report` JSON:
one SVG per report with three panels, real against generated: the
autocorrelation of |r| (volatility clustering), the share of returns beyond k
standard deviations on a log scale (fat tails), and the hourly profile of
volatility and volume (seasonality). Standard library only.

Usage: generator_figures.py REPORT.json OUT.svg
"""
import json
import math
import sys

REAL, GEN, NORMAL = "#1f4e9c", "#d0641e", "#888888"
PANEL_W, PANEL_H, PAD = 300, 230, 42


def normal_tail(k):
    return math.erfc(k / math.sqrt(2))


def panel(x0, title, xlabel, series, xlog=False, ylog=False, ymin=None, legend_at_bottom=False):
    """series: list of (label, colour, dash, [(x, y)])."""
    xs = [x for _, _, _, pts in series for x, _ in pts]
    ys = [y for _, _, _, pts in series for _, y in pts if not ylog or y > 0]
    fx = (lambda v: math.log10(v)) if xlog else (lambda v: v)
    fy = (lambda v: math.log10(v)) if ylog else (lambda v: v)
    x_lo, x_hi = fx(min(xs)), fx(max(xs))
    y_lo = fy(ymin) if ymin is not None else min(fy(y) for y in ys)
    y_hi = max(fy(y) for y in ys)
    if not ylog and ymin is None:
        y_lo = min(y_lo, 0.0)
    y_hi += (y_hi - y_lo) * 0.05
    w, h = PANEL_W - PAD - 10, PANEL_H - PAD - 30

    def px(v):
        return x0 + PAD + (fx(v) - x_lo) / (x_hi - x_lo) * w

    def py(v):
        return 30 + h - (fy(v) - y_lo) / (y_hi - y_lo) * h

    out = [f'<text x="{x0 + PANEL_W / 2}" y="16" text-anchor="middle" font-weight="bold">{title}</text>',
           f'<rect x="{x0 + PAD}" y="30" width="{w}" height="{h}" fill="none" stroke="#ccc"/>',
           f'<text x="{x0 + PAD + w / 2}" y="{PANEL_H - 4}" text-anchor="middle">{xlabel}</text>']
    for frac in (0.0, 0.5, 1.0):
        yv = y_lo + frac * (y_hi - y_lo)
        label = f"1e{yv:.0f}" if ylog else f"{yv:.2f}"
        out.append(f'<text x="{x0 + PAD - 4}" y="{py(10 ** yv if ylog else yv) + 4}" text-anchor="end">{label}</text>')
    for frac in (0.0, 0.5, 1.0):
        xv = x_lo + frac * (x_hi - x_lo)
        label = f"{10 ** xv:.0f}" if xlog else f"{xv:.0f}"
        out.append(f'<text x="{px(10 ** xv if xlog else xv)}" y="{30 + h + 14}" text-anchor="middle">{label}</text>')
    legend = []  # drawn last, over the lines
    for i, (label, colour, dash, pts) in enumerate(series):
        pts = [(x, y) for x, y in pts if not ylog or y > 0]
        if pts:
            path = " ".join(f"{px(x):.1f},{py(max(y, 10 ** y_lo if ylog else y)):.1f}" for x, y in pts)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.6" '
                       f'stroke-dasharray="{dash}"/>')
        y_text = 30 + h - 6 - 13 * (len(series) - 1 - i) if legend_at_bottom else 44 + 13 * i
        text_w = 6.2 * len(label)
        legend.append(f'<rect x="{x0 + PAD + w - 8 - text_w}" y="{y_text - 10}" width="{text_w + 6}" '
                      f'height="13" fill="white" fill-opacity="0.85"/>')
        legend.append(f'<text x="{x0 + PAD + w - 4}" y="{y_text}" text-anchor="end" fill="{colour}">{label}</text>')
    return out + legend


def main():
    report = json.load(open(sys.argv[1]))
    real, gen = report["real"], report["generated"]
    lags = list(range(1, len(real["abs_acf"]) + 1))
    parts = []
    parts += panel(0, "autocorrelation of |r|", "lag, minutes",
                   [("real", REAL, "", list(zip(lags, real["abs_acf"]))),
                    ("generated", GEN, "", list(zip(lags, gen["abs_acf"])))], xlog=True)
    ks = real["tail_sd"]
    parts += panel(PANEL_W, "share of |r| beyond k sd", "k",
                   [("real", REAL, "", list(zip(ks, real["tail_share"]))),
                    ("generated", GEN, "", list(zip(ks, gen["tail_share"]))),
                    ("normal", NORMAL, "4 3", [(k, normal_tail(k)) for k in ks if normal_tail(k) > 1e-6])],
                   ylog=True, ymin=1e-6)
    hours = list(range(24))
    parts += panel(2 * PANEL_W, "hourly profile / mean", "UTC hour",
                   [("|r| real", REAL, "", list(zip(hours, real["hourly_abs_return"]))),
                    ("|r| generated", GEN, "", list(zip(hours, gen["hourly_abs_return"]))),
                    ("volume real", REAL, "4 3", list(zip(hours, real["hourly_volume"]))),
                    ("volume generated", GEN, "4 3", list(zip(hours, gen["hourly_volume"])))], ymin=0.4,
                   legend_at_bottom=True)
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{3 * PANEL_W}" height="{PANEL_H}" '
           f'font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="white"/>'
           + "".join(parts) + "</svg>\n")
    open(sys.argv[2], "w").write(svg)


if __name__ == "__main__":
    main()
