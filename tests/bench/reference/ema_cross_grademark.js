#!/usr/bin/env node
// The challenge benchmark's reference engine: grademark (an independent
// JavaScript backtester built on data-forge) runs the EMA 50/200 crossover
// over the same bars Verity's challenge attempts run, one backtest per
// attempt, and prints its throughput as JSON.
//
//   node ema_cross_grademark.js BARS.bin [REPETITIONS]
//
// BARS.bin: little-endian float64 records of 7 values each,
// [attempt, open_time_ms, open, high, low, close, volume], attempts in order
// (tests/bench/challenge_bench.cpp writes it). The strategy is Verity's
// baseline (actors/model/ema_cross.cpp) in grademark's terms: indicators
// (EMA 50 and 200 seeded with their SMA as TA-Lib does, Wilder's ATR 14) in
// prepIndicators; enter long when the fast EMA crosses above the slow one
// and short when it crosses below; exit on the opposite cross, a stop 2 ATRs
// away or a target 3 ATRs away. Grademark enters and exits at the next
// bar's open. Timing covers building each attempt's DataFrame and the
// backtest, not node's start-up or reading the file; best of REPETITIONS.
'use strict';

const fs = require('fs');
const path = require('path');
const modules = path.join(__dirname, 'node_modules');
const { DataFrame } = require(path.join(modules, 'data-forge'));
const { backtest } = require(path.join(modules, 'grademark'));
// The package's index does not export the enum; its values are these strings.
const { TradeDirection } = require(path.join(modules, 'grademark', 'build', 'lib', 'strategy'));

const FAST = 50, SLOW = 200, ATR = 14, STOP_ATR = 2.0, TARGET_ATR = 3.0;

function readAttempts(file) {
  const buf = fs.readFileSync(file);
  const v = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
  const attempts = [];
  let current = null, id = -1;
  for (let i = 0; i + 7 <= v.length; i += 7) {
    if (v[i] !== id) {
      id = v[i];
      current = [];
      attempts.push(current);
    }
    current.push({ time: v[i + 1], open: v[i + 2], high: v[i + 3], low: v[i + 4], close: v[i + 5], volume: v[i + 6] });
  }
  return attempts;
}

// TA-Lib's EMA: the first value is the SMA of the first `period` closes.
function ema(closes, period) {
  const out = new Float64Array(closes.length).fill(NaN);
  const k = 2 / (period + 1);
  let sum = 0, value = NaN;
  for (let i = 0; i < closes.length; ++i) {
    if (i < period) {
      sum += closes[i];
      if (i === period - 1) value = sum / period;
    } else {
      value = (closes[i] - value) * k + value;
    }
    out[i] = value;
  }
  return out;
}

// Wilder's ATR, TA-Lib's seeding: the mean of the first `period` true ranges.
function atr(bars, period) {
  const out = new Float64Array(bars.length).fill(NaN);
  let sum = 0, value = NaN;
  for (let i = 1; i < bars.length; ++i) {
    const b = bars[i], pc = bars[i - 1].close;
    const tr = Math.max(b.high - b.low, Math.abs(b.high - pc), Math.abs(b.low - pc));
    if (i <= period) {
      sum += tr;
      if (i === period) value = sum / period;
    } else {
      value = (value * (period - 1) + tr) / period;
    }
    out[i] = value;
  }
  return out;
}

const strategy = {
  prepIndicators: ({ inputSeries }) => {
    const bars = inputSeries.toArray();
    const closes = bars.map((b) => b.close);
    const fast = ema(closes, FAST), slow = ema(closes, SLOW), range = atr(bars, ATR);
    let last = 0;
    const rows = bars.map((b, i) => {
      const side = fast[i] > slow[i] ? 1 : fast[i] < slow[i] ? -1 : 0;  // NaN compares false: 0
      const cross = side !== 0 && last !== 0 && side !== last ? side : 0;
      if (side !== 0) last = side;
      return { ...b, side, cross, atr: range[i] };
    });
    return new DataFrame(rows);
  },
  entryRule: (enter, { bar }) => {
    if (bar.cross > 0 && bar.atr > 0) enter({ direction: TradeDirection.Long });
    else if (bar.cross < 0 && bar.atr > 0) enter({ direction: TradeDirection.Short });
  },
  exitRule: (exit, { bar, position }) => {
    const against = position.direction === TradeDirection.Long ? bar.side < 0 : bar.side > 0;
    if (against) exit();
  },
  stopLoss: ({ bar }) => STOP_ATR * bar.atr,
  profitTarget: ({ bar }) => TARGET_ATR * bar.atr,
};

function run(attempts) {
  let trades = 0;
  const wall0 = process.hrtime.bigint(), cpu0 = process.cpuUsage();
  for (const bars of attempts) trades += backtest(strategy, new DataFrame(bars)).length;
  const wall = Number(process.hrtime.bigint() - wall0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1e6, trades };
}

function main() {
  const [file, reps] = process.argv.slice(2);
  if (!file) {
    console.error('usage: ema_cross_grademark.js BARS.bin [REPETITIONS]');
    process.exit(2);
  }
  const attempts = readAttempts(file);
  const bars = attempts.reduce((n, a) => n + a.length, 0);
  let best = null;
  for (let r = 0; r < Number(reps || 1); ++r) {
    const t = run(attempts);
    if (!best || t.wall < best.wall) best = t;
  }
  console.log(JSON.stringify({
    engine: 'grademark 0.3.0 on data-forge 1.10.5, node ' + process.version,
    attempts: attempts.length,
    bars,
    trades: best.trades,
    wall_s: best.wall,
    bars_per_s: bars / best.wall,
    bars_per_cpu_s: bars / best.cpu,
  }));
}

main();
