// `verity data resample`: stored candles to a longer timeframe, aligned to
// UTC, into the same store. Partial buckets are flagged, and a bucket that
// holds any synthetic (repaired) candle is flagged synthetic.
#include <cstdio>

#include "actors/feed/candle_store.hpp"
#include "actors/feed/resample.hpp"
#include "actors/runtime/calendar.hpp"
#include "actors/runtime/config.hpp"
#include "app/commands.hpp"

namespace verity::app {

namespace {

struct ResampleArgs {
  std::string symbol, from = "1m", to, data, config_path;
};

int run_resample(const ResampleArgs& a) {
  auto fail = [](const std::string& what) {
    std::fprintf(stderr, "verity data resample: %s\n", what.c_str());
    return kExitError;
  };
  std::vector<ConfigOverride> overrides;
  if (!a.data.empty()) overrides.push_back({"data.dir", a.data, "--data"});
  auto config = load_config(a.config_path, overrides, verity_environment());
  if (!config) return fail(config.error());
  const auto from = parse_timeframe(a.from);
  const auto to = parse_timeframe(a.to);
  if (!from) return fail("--from " + a.from + ": expected 1m, 5m, 15m, 1h, 4h or 1d");
  if (!to) return fail("--to " + a.to + ": expected 1m, 5m, 15m, 1h, 4h or 1d");
  if (timeframe_ns(*to) <= timeframe_ns(*from) || timeframe_ns(*to) % timeframe_ns(*from) != 0) {
    return fail("cannot resample " + a.from + " to " + a.to + ": the target must be a longer, whole multiple");
  }
  auto store = CandleStore::open(config->data.dir, /*read_only=*/false);
  if (!store) return fail(store.error());

  std::vector<BarData> source;
  std::vector<std::int64_t> synthetic_times;  // open times of repaired source candles
  auto scanned = (*store)->scan(a.symbol, *from, INT64_MIN, INT64_MAX, [&](const Candle& c) {
    source.push_back(to_bar(c, a.symbol, timeframe_ns(*from)));
    if (c.synthetic()) synthetic_times.push_back(c.open_time_ns);
    return true;
  });
  if (!scanned) return fail(scanned.error());
  if (source.empty()) {
    return fail("no " + a.from + " candles for " + a.symbol + " in " + config->data.dir +
                "; import them first with `verity data import FILE --symbol " + a.symbol + "`");
  }
  auto resampled = resample(source, *to);
  if (!resampled) return fail(resampled.error());

  std::vector<Candle> rows;
  rows.reserve(resampled->size());
  std::size_t next_synthetic = 0, partial = 0, synthetic = 0;
  for (const ResampledBar& r : *resampled) {
    Candle c;
    c.open_time_ns = r.bar.open_time_ns;
    c.open = r.bar.open;
    c.high = r.bar.high;
    c.low = r.bar.low;
    c.close = r.bar.close;
    c.volume = r.bar.volume;
    if (r.partial()) c.flags |= kCandlePartial, ++partial;
    const std::int64_t end = r.bar.open_time_ns + r.bar.interval_ns;
    bool any_synthetic = false;
    while (next_synthetic < synthetic_times.size() && synthetic_times[next_synthetic] < end) {
      any_synthetic = any_synthetic || synthetic_times[next_synthetic] >= r.bar.open_time_ns;
      ++next_synthetic;
    }
    if (any_synthetic) c.flags |= kCandleSynthetic, ++synthetic;
    rows.push_back(c);
  }
  PutOptions overwrite;
  overwrite.overwrite = true;  // the source is the truth: a re-run after new imports replaces what it made
  auto put = (*store)->put(a.symbol, *to, rows, {}, overwrite);
  if (!put) {
    std::fprintf(stderr, "verity data resample: %s\n", put.error().message.c_str());
    return put.error().conflict ? kExitFailed : kExitError;
  }
  std::printf("verity data resample: %s %s -> %s: %zu candles from %zu (%zu partial, %zu with synthetic minutes); "
              "%llu new, %llu unchanged, %llu replaced, %s .. %s\n",
              a.symbol.c_str(), a.from.c_str(), a.to.c_str(), rows.size(), source.size(), partial, synthetic,
              static_cast<unsigned long long>(put->added), static_cast<unsigned long long>(put->unchanged),
              static_cast<unsigned long long>(put->overwritten), format_iso8601_ms(rows.front().open_time_ns).c_str(),
              format_iso8601_ms(rows.back().open_time_ns).c_str());
  return kExitOk;
}

void add_resample(CLI::App& data, std::function<int()>& run) {
  auto args = std::make_shared<ResampleArgs>();
  auto* c = data.add_subcommand("resample",
                                "Resample stored candles to a longer timeframe (UTC-aligned buckets) into the store.");
  c->footer("Open of the first candle, high of the highs, low of the lows, close of the last, volume summed.\n"
            "A bucket with fewer source candles than its length holds is flagged partial; one holding any\n"
            "repaired (synthetic) candle is flagged synthetic. Re-running replaces what an earlier run made.");
  c->add_option("--symbol", args->symbol, "symbol whose candles to resample")->required();
  c->add_option("--from", args->from, "source timeframe")->capture_default_str();
  c->add_option("--to", args->to, "target timeframe: 5m, 15m, 1h, 4h or 1d")->required();
  c->add_option("--data", args->data, "candle store folder (data.dir)");
  c->add_option("--config", args->config_path, "TOML config file")->check(CLI::ExistingFile);
  c->callback([&run, args] { run = [args] { return run_resample(*args); }; });
}

}  // namespace

const Registrar register_data_resample("data", "resample", add_resample);

}  // namespace verity::app
