// `verity features`: feature set 2 over a candle file, one CSV row per bar.
// Columns: open_time (ISO 8601 UTC, the bar's open; its features are known at
// its close), ready (0/1), then kFeatureColumns in order (docs/FEATURES.md).
// Numbers are the shortest text that reads back to the same double, so the
// CSV carries the engine's values bit for bit; a column that is not warm yet
// is empty.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>

#include "actors/features/indicators.hpp"
#include "actors/feed/candle_file.hpp"
#include "actors/runtime/calendar.hpp"
#include "actors/runtime/config.hpp"
#include "app/commands.hpp"

namespace verity::app {

namespace {

struct FeaturesArgs {
  std::string input, output, symbol = "BTCUSDT", config_path;
};

void append_number(std::string& out, double v) {
  if (std::isnan(v)) return;
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

/// The first row the engine must not see: a bar that fails the feed's checks.
std::optional<LoadError> first_bad_row(const std::string& path, const CandleFile& file) {
  std::optional<std::int64_t> prev;
  for (const CandleRow& r : file.rows) {
    if (auto problem = check_bar(r.bar, prev)) return LoadError{path, r.line, problem->field, problem->reason};
    prev = r.bar.open_time_ns;
  }
  return std::nullopt;
}

int run_features(const FeaturesArgs& a) {
  auto config = load_config(a.config_path, {}, verity_environment());
  if (!config) {
    std::fprintf(stderr, "verity features: %s\n", config.error().c_str());
    return kExitError;
  }
  auto file = load_candle_file(a.input, a.symbol);
  if (!file) {
    std::fprintf(stderr, "verity features: %s\n", file.error().text().c_str());
    return kExitError;
  }
  if (auto bad = first_bad_row(a.input, *file)) {
    std::fprintf(stderr, "verity features: %s\n", bad->text().c_str());
    return kExitError;
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(a.output.c_str(), "wb"), &std::fclose);
  if (!out) {
    std::fprintf(stderr, "verity features: %s: cannot open for writing\n", a.output.c_str());
    return kExitError;
  }
  std::string text = "open_time,ready";
  for (const auto& column : kFeatureColumns) text.append(",").append(column.name);
  text += '\n';
  FeatureEngine engine(config->features);
  double values[kFeatureCount];
  std::size_t ready_rows = 0;
  bool ok = true;
  for (const CandleRow& r : file->rows) {
    const FeatureRow row = engine.update(r.bar);
    feature_values(row, values);
    text += format_iso8601_ms(r.bar.open_time_ns);
    text += row.ready ? ",1" : ",0";
    for (double v : values) {
      text += ',';
      append_number(text, v);
    }
    text += '\n';
    ready_rows += row.ready ? 1 : 0;
    if (text.size() > (1u << 20)) {
      ok = ok && std::fwrite(text.data(), 1, text.size(), out.get()) == text.size();
      text.clear();
    }
  }
  ok = ok && std::fwrite(text.data(), 1, text.size(), out.get()) == text.size();
  ok = std::fclose(out.release()) == 0 && ok;
  if (!ok) {
    std::fprintf(stderr, "verity features: %s: write failed\n", a.output.c_str());
    return kExitError;
  }
  std::printf("verity features: %zu bars from %s, %zu ready, %zu columns, wrote %s\n", file->rows.size(),
              a.input.c_str(), ready_rows, kFeatureCount, a.output.c_str());
  return kExitOk;
}

void add_features(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<FeaturesArgs>();
  auto* cmd = app.add_subcommand("features", "Compute feature set 2 over a candle file and write it as CSV.");
  cmd->add_option("--input", args->input, "candle file (freqtrade JSON, Binance kline CSV, generic CSV, ...)")
      ->required();
  cmd->add_option("--output", args->output, "CSV file to write")->required();
  cmd->add_option("--symbol", args->symbol, "symbol the candles belong to")->capture_default_str();
  cmd->add_option("--config", args->config_path, "TOML config whose [features] periods to use")
      ->check(CLI::ExistingFile);
  cmd->callback([&run, args] { run = [args] { return run_features(*args); }; });
}

}  // namespace

const Registrar register_features("", "features", add_features);

}  // namespace verity::app
