// Reference values for Verity's feature set 2, from TA-Lib's own C code
// compiled to WebAssembly (npm talib-web 0.1.3), technicalindicators 3.1.0
// for Bollinger %B, and exact rational arithmetic for %B; and the comparison
// with what `verity features` wrote. docs/FEATURES.md says which TA-Lib function
// checks which column, and where the definitions differ.
//
//   node features_reference.js compare CANDLES FEATURES.csv
//       Reads CANDLES itself (freqtrade JSON, or CSV with a header whose
//       first column is an ISO or epoch-ms time), computes the reference
//       columns, and compares them row by row with FEATURES.csv wherever
//       both are defined. Prints the largest relative error per column;
//       exits 1 if any exceeds 1e-9 or the two readers disagree on a time.
//   node features_reference.js bench BARS.bin
//       Times the TA-Lib calls for the same columns over the bars in
//       BARS.bin (little-endian float64 records: open_time_ms, open, high,
//       low, close, volume) and prints one JSON line with bars/s.
//
// talib-web's own wrappers are bypassed: they pass endIdx one past the end,
// drop outBegIdx, and copy arrays element by element. We call the exported
// TA_* functions directly, as a C caller would.
'use strict';

const fs = require('fs');
const path = require('path');

const kTolerance = 1e-9;

// --- TA-Lib ------------------------------------------------------------------

let M = null;

async function initTalib() {
  const talib = require('talib-web');
  // Node 20 has fetch(), which emscripten prefers and which cannot read a
  // file path; without it the module reads the .wasm from disk.
  const savedFetch = globalThis.fetch;
  delete globalThis.fetch;
  try {
    M = await talib.init(path.join(path.dirname(require.resolve('talib-web')), 'talib.wasm'));
  } finally {
    if (savedFetch) globalThis.fetch = savedFetch;
  }
}

/// Calls TA_<name>(0, n-1, inputs..., options..., &beg, &nb, outputs...) and
/// returns the outputs as Float64Arrays of length n, NaN where undefined.
function ta(name, inputs, options, outputs) {
  const n = inputs[0].length;
  const fn = M['_TA_' + name];
  if (!fn) throw new Error('TA-Lib has no ' + name);
  const allocs = [];
  const alloc = (bytes) => {
    const p = M._malloc(bytes);
    if (!p) throw new Error('TA-Lib heap exhausted');
    allocs.push(p);
    return p;
  };
  try {
    const inPtrs = inputs.map((a) => {
      const p = alloc(n * 8);
      M.HEAPF64.set(a, p / 8);
      return p;
    });
    const beg = alloc(4), nb = alloc(4);
    const outPtrs = Array.from({ length: outputs }, () => alloc(n * 8));
    const rc = fn(0, n - 1, ...inPtrs, ...options, beg, nb, ...outPtrs);
    if (rc !== 0) throw new Error('TA_' + name + ' returned ' + rc);
    const b = M.HEAP32[beg / 4], k = M.HEAP32[nb / 4];
    return outPtrs.map((p) => {
      const full = new Float64Array(n).fill(NaN);
      full.set(M.HEAPF64.subarray(p / 8, p / 8 + k), b);
      return full;
    });
  } finally {
    allocs.forEach((p) => M._free(p));
  }
}

// The periods of the default [features] config (actors/runtime/config.hpp).
const P = {
  sma: 200, ema_fast: 50, ema_slow: 200, atr: 14, rsi: 14, macd_fast: 12, macd_slow: 26, macd_signal: 9,
  bollinger: 20, bollinger_k: 2.0, volatility: 30, momentum: 10, volume_z: 30,
};
const kMaTypeSma = 0;

/// Each reference column as a Float64Array over the bars (NaN where TA-Lib
/// gives nothing).
function referenceColumns(bars, extras) {
  const ref = talibColumns(bars);
  Object.assign(ref, higherTimeframe(bars, 15 * 60000, '15m'), higherTimeframe(bars, 3600000, '1h'));
  Object.assign(ref, sessions(bars));
  if (extras) {
    // TA-Lib's BBANDS takes its standard deviation from a running sum of
    // squared prices, which at BTC's price level cancels about 9 of 16
    // digits and drifts with the history; %B, a ratio of small differences,
    // shows it (up to 5e-8). Its bands still match to 1e-10, so %B is
    // checked against technicalindicators (a two-pass deviation) and against
    // exact arithmetic instead; TA-Lib's %B is reported, not gated.
    ref['bb_pct_b'] = technicalIndicatorsPctB(bars.close);
    ref['bb_pct_b (TA-Lib bands, not gated)'] = ref.bb_pct_b_talib;
    ref['bb_pct_b (exact)'] = exactPctB(bars.close, P.bollinger, P.bollinger_k);
  }
  delete ref.bb_pct_b_talib;
  return ref;
}

/// The columns that come from TA-Lib calls alone.
function talibColumns(bars) {
  const { close, high, low, volume } = bars;
  const n = close.length;
  const ref = {};
  ref.close = close;
  const [ratio] = ta('ROCR', [close], [1], 1);
  ref.log_return = ta('LN', [ratio.subarray(1)], [], 1)[0];
  ref.log_return = shift(ref.log_return, 1, n);
  [ref.sma] = ta('SMA', [close], [P.sma], 1);
  [ref.ema_fast] = ta('EMA', [close], [P.ema_fast], 1);
  [ref.ema_slow] = ta('EMA', [close], [P.ema_slow], 1);
  [ref.rsi] = ta('RSI', [close], [P.rsi], 1);
  [ref.macd, ref.macd_signal, ref.macd_hist] = ta('MACD', [close], [P.macd_fast, P.macd_slow, P.macd_signal], 3);
  [ref.bb_upper, ref.bb_middle, ref.bb_lower] =
      ta('BBANDS', [close], [P.bollinger, P.bollinger_k, P.bollinger_k, kMaTypeSma], 3);
  ref.bb_pct_b_talib = new Float64Array(n).fill(NaN);
  for (let i = 0; i < n; ++i) {
    const u = ref.bb_upper[i], l = ref.bb_lower[i];
    if (u > l) ref.bb_pct_b_talib[i] = (close[i] - l) / (u - l);
  }
  [ref.atr] = ta('ATR', [high, low, close], [P.atr], 1);
  [ref.obv] = ta('OBV', [close, volume], [], 1);
  const returns = ref.log_return.subarray(1);
  const [variance] = ta('VAR', [returns], [P.volatility, 1.0], 1);
  ref.volatility = shift(variance.map(Math.sqrt), 1, n);
  const [rocr] = ta('ROCR', [close], [P.momentum], 1);
  ref.momentum = rocr.map((r) => r - 1.0);
  const [vmean] = ta('SMA', [volume], [P.volume_z], 1);
  const [vvar] = ta('VAR', [volume], [P.volume_z, 1.0], 1);
  ref.volume_z = new Float64Array(n).fill(NaN);
  for (let i = 0; i < n; ++i) {
    if (vvar[i] > 0) ref.volume_z[i] = (volume[i] - vmean[i]) / Math.sqrt(vvar[i]);
  }
  return ref;
}

function technicalIndicatorsPctB(close) {
  const ti = require('technicalindicators');
  const out = new Float64Array(close.length).fill(NaN);
  const bb = ti.BollingerBands.calculate({ period: P.bollinger, stdDev: P.bollinger_k, values: Array.from(close) });
  bb.forEach((b, k) => (out[k + P.bollinger - 1] = b.pb));
  return out;
}

/// %B from the exact rational values of the doubles: with the window scaled
/// to integers X (a common power of two), n*sd = sqrt(n*sum X^2 - (sum X)^2)
/// and %B = 1/2 + (n*x - sum X) / (2k * n*sd), evaluated to 120 bits.
function exactPctB(close, n, k) {
  const view = new DataView(new ArrayBuffer(8));
  const parts = (x) => {
    view.setFloat64(0, x);
    const b = view.getBigUint64(0);
    const e = Number((b >> 52n) & 0x7ffn);
    const m = b & ((1n << 52n) - 1n);
    return e === 0 ? [m, -1074] : [m | (1n << 52n), e - 1075];
  };
  // Newton's method from above converges down to floor(sqrt(v)).
  const isqrt = (v) => {
    if (v < 2n) return v;
    let x = 1n << BigInt(Math.ceil(v.toString(2).length / 2));
    for (;;) {
      const y = (x + v / x) >> 1n;
      if (y >= x) return x;
      x = y;
    }
  };
  const out = new Float64Array(close.length).fill(NaN);
  const split = Array.from(close, parts);
  const kPrec = 120n;
  for (let i = n - 1; i < close.length; ++i) {
    const w = split.slice(i - n + 1, i + 1);
    const emin = Math.min(...w.map(([, e]) => e));
    const X = w.map(([m, e]) => m << BigInt(e - emin));
    let sum = 0n, sq = 0n;
    for (const x of X) {
      sum += x;
      sq += x * x;
    }
    const N = BigInt(n);
    const q = N * sq - sum * sum;
    const d = N * X[n - 1] - sum;
    if (q === 0n) {
      out[i] = 0.5;
      continue;
    }
    let r = (d << (2n * kPrec)) / isqrt(q << (2n * kPrec));  // d / sqrt(q) with 120 fractional bits
    const neg = r < 0n;
    if (neg) r = -r;
    const ratio = Number(r) / 2 ** Number(kPrec);
    out[i] = 0.5 + (neg ? -ratio : ratio) / (2 * k);
  }
  return out;
}

function shift(a, by, n) {
  const out = new Float64Array(n).fill(NaN);
  out.set(a.subarray(0, n - by), by);
  return out;
}

/// Resamples by UTC bucket, independently of Verity's CausalResampler: at
/// bar i the latest usable bucket is bar i's own if bar i closes it, else
/// the previous bucket. RSI and EMA come from TA-Lib over the bucket closes.
function higherTimeframe(bars, lenMs, suffix) {
  const n = bars.close.length;
  const closes = [], last = new Int32Array(n);
  let current = null;
  for (let i = 0; i < n; ++i) {
    const t = bars.time[i];
    const start = Math.floor(t / lenMs) * lenMs;
    if (start !== current) {
      closes.push(bars.close[i]);
      current = start;
    } else {
      closes[closes.length - 1] = bars.close[i];
    }
    last[i] = t + bars.intervalMs >= start + lenMs ? closes.length - 1 : closes.length - 2;
  }
  const c = Float64Array.from(closes);
  const [rsi] = ta('RSI', [c], [P.rsi], 1);
  const [ema] = ta('EMA', [c], [P.ema_fast], 1);
  const out = {
    ['rsi_' + suffix]: new Float64Array(n).fill(NaN),
    ['ema_slope_' + suffix]: new Float64Array(n).fill(NaN),
  };
  for (let i = 0; i < n; ++i) {
    const k = last[i];
    if (k < 0) continue;
    out['rsi_' + suffix][i] = rsi[k];
    if (k >= 1) out['ema_slope_' + suffix][i] = (ema[k] - ema[k - 1]) / ema[k - 1];
  }
  return out;
}

/// Session flags from the ICU time-zone database (Intl), not from Verity's
/// DST rules: open 09-18 in Tokyo, 08-17 in London and New York, local
/// Monday to Friday, at the bar's open time. Computed once per UTC hour.
function sessions(bars) {
  const n = bars.time.length;
  const zones = { session_tokyo: ['Asia/Tokyo', 9, 18], session_london: ['Europe/London', 8, 17],
                  session_new_york: ['America/New_York', 8, 17] };
  const formats = {};
  for (const [col, [zone]] of Object.entries(zones)) {
    formats[col] =
        new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: 'numeric', hourCycle: 'h23' });
  }
  const out = { day_of_week: new Float64Array(n), hour_utc: new Float64Array(n) };
  for (const col of Object.keys(zones)) out[col] = new Float64Array(n);
  const cache = new Map();
  for (let i = 0; i < n; ++i) {
    const hour = Math.floor(bars.time[i] / 3600000);
    let flags = cache.get(hour);
    if (!flags) {
      flags = {};
      for (const [col, [, open, close]] of Object.entries(zones)) {
        const parts = formats[col].formatToParts(new Date(hour * 3600000));
        const wd = parts.find((p) => p.type === 'weekday').value;
        const h = Number(parts.find((p) => p.type === 'hour').value);
        flags[col] = wd !== 'Sat' && wd !== 'Sun' && h >= open && h < close ? 1 : 0;
      }
      cache.set(hour, flags);
    }
    for (const col of Object.keys(zones)) out[col][i] = flags[col];
    const d = new Date(bars.time[i]);
    out.day_of_week[i] = (d.getUTCDay() + 6) % 7;
    out.hour_utc[i] = d.getUTCHours();
  }
  return out;
}

// --- reading candles ---------------------------------------------------------

function readCandles(file) {
  const text = fs.readFileSync(file, 'utf8');
  let rows;
  if (file.endsWith('.json')) {
    rows = JSON.parse(text);
  } else {
    const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
    rows = lines.slice(1).map((line) => {
      const f = line.split(',');
      // Epoch milliseconds, or an ISO time in UTC (fractions past ms dropped).
      const iso = () => f[0].replace(' ', 'T').replace(/(\.\d{3})\d*/, '$1') + 'Z';
      const t = /^\d+$/.test(f[0]) ? Number(f[0]) : Date.parse(iso());
      return [t, Number(f[1]), Number(f[2]), Number(f[3]), Number(f[4]), Number(f[5])];
    });
  }
  const n = rows.length;
  const bars = { time: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n),
                 low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  rows.forEach((r, i) => {
    bars.time[i] = r[0];
    bars.open[i] = r[1];
    bars.high[i] = r[2];
    bars.low[i] = r[3];
    bars.close[i] = r[4];
    bars.volume[i] = r[5];
  });
  bars.intervalMs = mostCommonStep(bars.time);
  return bars;
}

function mostCommonStep(time) {
  const counts = new Map();
  for (let i = 1; i < Math.min(time.length, 10000); ++i) {
    const d = time[i] - time[i - 1];
    if (d > 0) counts.set(d, (counts.get(d) || 0) + 1);
  }
  let best = 60000, count = 0;
  for (const [d, c] of counts) if (c > count) [best, count] = [d, c];
  return best;
}

function readFeatures(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  const header = lines[0].split(',');
  const cols = {};
  header.forEach((h) => (cols[h] = []));
  for (let i = 1; i < lines.length; ++i) {
    const f = lines[i].split(',');
    header.forEach((h, j) => cols[h].push(j === 0 ? f[j] : f[j] === '' ? NaN : Number(f[j])));
  }
  return cols;
}

// --- compare -----------------------------------------------------------------

/// Where a column crosses zero, an error relative to the value means nothing
/// at the crossing: it is taken relative to max(|reference|, floor), the
/// floor being the column's natural unit (see docs/FEATURES.md).
function floorFor(name) {
  if (name.startsWith('bb_pct_b')) return 1;   // one band width
  if (name === 'volume_z') return 1;           // one standard deviation
  return 0;                                    // plain relative error
}

async function compare(candlesFile, featuresFile) {
  await initTalib();
  const bars = readCandles(candlesFile);
  const ours = readFeatures(featuresFile);
  const n = bars.close.length;
  if (ours.open_time.length !== n) {
    throw new Error(`${featuresFile} has ${ours.open_time.length} rows, ${candlesFile} ${n}`);
  }
  for (let i = 0; i < n; ++i) {
    const iso = new Date(bars.time[i]).toISOString();
    if (iso !== ours.open_time[i]) {
      throw new Error(`row ${i}: the readers disagree on the time: ${iso} against ${ours.open_time[i]}`);
    }
  }
  const ref = referenceColumns(bars, true);
  let failed = false;
  const report = [];
  for (const name of Object.keys(ref)) {
    const column = name.split(' ')[0];
    const a = ours[column];
    if (!a) throw new Error(`${featuresFile} has no column ${column}`);
    const b = ref[name];
    let rows = 0, exact = 0, maxErr = 0, at = -1, onlyOurs = 0, onlyRef = 0;
    for (let i = 0; i < n; ++i) {
      const x = a[i], y = b[i];
      if (Number.isNaN(x) || Number.isNaN(y)) {
        if (!Number.isNaN(x)) ++onlyOurs;
        if (!Number.isNaN(y)) ++onlyRef;
        continue;
      }
      ++rows;
      if (x === y) {
        ++exact;
        continue;
      }
      const err = Math.abs(x - y) / Math.max(Math.abs(y), floorFor(name));
      if (!(err <= maxErr)) [maxErr, at] = [err, i];
    }
    const bad = (!(maxErr <= kTolerance) || rows === 0) && !name.includes('not gated');
    failed = failed || bad;
    report.push({ name, rows, exact, maxErr, at, onlyOurs, onlyRef, bad });
  }
  console.log(`reference: TA-Lib C code via npm talib-web 0.1.3 (bb_pct_b: technicalindicators 3.1.0 and exact ` +
              `arithmetic); candles ${path.basename(candlesFile)}, ${n} bars`);
  console.log('column                               rows  bit-equal  max rel err  at row  only ours  only ref');
  for (const r of report) {
    console.log(`${r.name.padEnd(34)} ${String(r.rows).padStart(6)} ${String(r.exact).padStart(10)} ` +
                `${r.maxErr.toExponential(2).padStart(12)} ${String(r.at).padStart(7)} ` +
                `${String(r.onlyOurs).padStart(10)} ` +
                `${String(r.onlyRef).padStart(9)}${r.bad ? '  FAIL' : ''}`);
  }
  console.log(failed ? `FAILED: a column differs by more than ${kTolerance} relative`
                     : `all columns within ${kTolerance} relative`);
  return failed ? 1 : 0;
}

// --- bench -------------------------------------------------------------------

/// TA-Lib's WebAssembly build declares a fixed 16 MiB memory, so a million
/// bars cannot be passed at once: the benchmark feeds them in chunks of
/// kChunk bars, each with the kOverlap bars before it so every indicator
/// is seeded inside the chunk (TA-Lib's usual windowed use). The work per
/// bar is what a single call would do, plus kOverlap / kChunk re-seeding.
const kChunk = 50000, kOverlap = 1000;

function slice(bars, from, to) {
  const s = {};
  for (const k of ['time', 'open', 'high', 'low', 'close', 'volume']) s[k] = bars[k].subarray(from, to);
  s.intervalMs = bars.intervalMs;
  return s;
}

async function bench(binFile, repetitions) {
  await initTalib();
  const raw = fs.readFileSync(binFile);
  const rec = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const n = rec.length / 6;
  const bars = { time: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n),
                 low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  for (let i = 0; i < n; ++i) {
    bars.time[i] = rec[6 * i];
    bars.open[i] = rec[6 * i + 1];
    bars.high[i] = rec[6 * i + 2];
    bars.low[i] = rec[6 * i + 3];
    bars.close[i] = rec[6 * i + 4];
    bars.volume[i] = rec[6 * i + 5];
  }
  bars.intervalMs = mostCommonStep(bars.time);
  // Best of `repetitions` by wall time and by the process's CPU time (the
  // computation's thread plus node's helpers), for every reference column
  // and for the TA-Lib calls alone.
  const time = (fn) => {
    const wall = [], cpu = [];
    for (let r = 0; r < repetitions; ++r) {
      const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
      for (let from = 0; from < n; from += kChunk) {
        fn(slice(bars, Math.max(0, from - kOverlap), Math.min(n, from + kChunk)));
      }
      const c = process.cpuUsage(c0);
      wall.push(Number(process.hrtime.bigint() - t0) / 1e9);
      cpu.push((c.user + c.system) / 1e6);
    }
    return { wall, cpu };
  };
  const all = time((b) => referenceColumns(b, false));
  const talibOnly = time(talibColumns);
  console.log(JSON.stringify({
    bars: n, chunk: kChunk, overlap: kOverlap, seconds: all.wall, cpu_seconds: all.cpu,
    bars_per_s: n / Math.min(...all.wall), bars_per_cpu_s: n / Math.min(...all.cpu),
    talib_only_bars_per_s: n / Math.min(...talibOnly.wall), talib_only_bars_per_cpu_s: n / Math.min(...talibOnly.cpu),
  }));
  return 0;
}

async function main() {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === 'compare' && args.length === 2) return compare(args[0], args[1]);
  if (mode === 'bench' && args.length >= 1) return bench(args[0], Number(args[1] || 3));
  console.error('usage: features_reference.js compare CANDLES FEATURES.csv | bench BARS.bin [REPETITIONS]');
  return 2;
}

main().then((code) => process.exit(code), (e) => {
  console.error('features_reference: ' + (e && e.stack ? e.stack : e));
  process.exit(2);
});
