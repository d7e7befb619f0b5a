// `verity data calibrate`: fits the calibrated market generator to a candle
// file and writes the parameters as TOML (sim/market_calibration.hpp,
// docs/GENERATOR.md). The file's comments name the source, its row count and
// xxh3-128, and the fit's log-likelihood, so a shipped calibration says what
// it came from.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "actors/feed/candle_file.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/hash.hpp"
#include "app/commands.hpp"
#include "sim/market_calibration.hpp"
#include "sim/market_generator.hpp"
#include "sim/market_model.hpp"
#include "sim/market_stats.hpp"

namespace verity::app {

namespace {

struct CalibrateArgs {
  std::string input, symbol, output, report;
  std::uint64_t report_seed = 7;
  CalibrationOptions options;
};

/// "BTC_USDT-1m.json" -> "BTCUSDT": the file-name convention of freqtrade and Binance dumps.
std::string symbol_from_file_name(const std::string& path) {
  std::string stem = std::filesystem::path(path).stem().string();
  stem = stem.substr(0, stem.find('-'));
  std::string out;
  for (char c : stem) {
    if (std::isalnum(static_cast<unsigned char>(c))) out.push_back(static_cast<char>(std::toupper(c)));
  }
  return out;
}

/// The command as typed, with the binary's path shortened to `verity`.
std::string command_text() {
  const std::string& line = command_line();
  const auto space = line.find(' ');
  return "verity" + (space == std::string::npos ? std::string() : line.substr(space));
}

nlohmann::ordered_json facts_json(const std::vector<BarData>& bars) {
  const StylizedFacts f = stylized_facts(bars);
  const ReturnProfile p = return_profile(bars, 120);
  nlohmann::ordered_json j;
  j["returns"] = f.returns;
  j["sd"] = f.sd;
  j["kurtosis"] = f.kurtosis;
  j["abs_r_volume_corr"] = f.abs_r_volume_corr;
  j["mean_range"] = f.mean_range;
  j["mean_volume"] = f.mean_volume;
  j["acf_r"] = f.acf;
  j["session_sd"] = f.session_sd;
  j["session_volume"] = f.session_volume;
  j["abs_acf"] = p.abs_acf;
  j["tail_sd"] = p.tail_sd;
  j["tail_share"] = p.tail_share;
  j["hourly_abs_return"] = p.hourly_abs_return;
  j["hourly_volume"] = p.hourly_volume;
  return j;
}

/// Stylized facts of the data and of a generated path as long as the data,
/// from the same UTC start (so the same hours and weekdays): how well the fit
/// reproduces the market. docs/GENERATOR.md's figures are drawn from it.
bool write_report(const CalibrateArgs& a, const std::vector<BarData>& bars, const MarketModelParams& params) {
  MarketConfig config;
  config.model = "calibrated";
  config.symbol = params.symbol;
  config.bar_interval_s = params.bar_interval_s;
  config.start_time_ns = bars.front().open_time_ns;
  config.start_price = bars.front().open;
  CalibratedGenerator generator(config, params, PrngStreams(a.report_seed), "feed.generator");
  std::vector<BarData> path;
  path.reserve(bars.size());
  for (std::size_t i = 0; i < bars.size(); ++i) path.push_back(generator.next());
  nlohmann::ordered_json j;
  j["source"] = a.input;
  j["symbol"] = params.symbol;
  j["seed"] = a.report_seed;
  j["sessions"] = kSessionNames;
  j["real"] = facts_json(bars);
  j["generated"] = facts_json(path);
  std::ofstream out(a.report, std::ios::binary | std::ios::trunc);
  out << j.dump(1) << "\n";
  return static_cast<bool>(out);
}

int run_calibrate(const CalibrateArgs& a) {
  const std::string symbol = a.symbol.empty() ? symbol_from_file_name(a.input) : a.symbol;
  if (symbol.empty()) {
    std::fprintf(stderr, "verity data calibrate: cannot tell the symbol from %s; give --symbol\n", a.input.c_str());
    return kExitError;
  }
  auto file = load_candle_file(a.input, symbol);
  if (!file) {
    std::fprintf(stderr, "verity data calibrate: %s\n", file.error().text().c_str());
    return kExitError;
  }
  std::vector<BarData> bars;
  bars.reserve(file->rows.size());
  std::optional<std::int64_t> previous;
  for (const CandleRow& row : file->rows) {
    // A bad row would bias the fit; fix or import the file first (verity data validate).
    if (auto problem = check_bar(row.bar, previous)) {
      std::fprintf(stderr, "verity data calibrate: %s line %llu, column %s: %s\n", a.input.c_str(),
                   static_cast<unsigned long long>(row.line), problem->field.c_str(), problem->reason.c_str());
      return kExitError;
    }
    previous = row.bar.open_time_ns;
    bars.push_back(row.bar);
  }
  auto report = calibrate_market(bars, symbol, a.options);
  if (!report) {
    std::fprintf(stderr, "verity data calibrate: %s: %s\n", a.input.c_str(), report.error().c_str());
    return kExitError;
  }
  std::ifstream in(a.input, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  CalibrationProvenance prov;
  prov.source_file = a.input;
  prov.source_rows = file->rows.size();
  prov.source_hash = hash128(bytes.str()).hex();
  prov.command = command_text();
  prov.notes = report->notes();
  const std::string text = market_model_toml(report->params, prov);
  // What is written must load: the generator's checks are the final word on ranges.
  if (auto back = parse_market_model(text, a.output); !back) {
    std::fprintf(stderr, "verity data calibrate: the fit is not a usable model: %s\n", back.error().c_str());
    return kExitFailed;
  }
  std::error_code ec;
  const auto parent = std::filesystem::path(a.output).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::ofstream out(a.output, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    std::fprintf(stderr, "verity data calibrate: cannot write %s\n", a.output.c_str());
    return kExitError;
  }
  if (!a.report.empty() && !write_report(a, bars, report->params)) {
    std::fprintf(stderr, "verity data calibrate: cannot write %s\n", a.report.c_str());
    return kExitError;
  }
  const MarketModelParams& p = report->params;
  std::printf("verity data calibrate: %s (%s, %llu rows) -> %s\n", a.input.c_str(), symbol.c_str(),
              static_cast<unsigned long long>(prov.source_rows), a.output.c_str());
  std::printf("  garch omega %.4g alpha %.4f beta %.4f; jumps %.3g per bar; regimes x%.3f x%.3f x%.3f\n", p.garch_omega,
              p.garch_alpha, p.garch_beta, p.jump_probability, p.regime_multiplier[0], p.regime_multiplier[1],
              p.regime_multiplier[2]);
  std::istringstream notes(report->notes());
  for (std::string line; std::getline(notes, line);) std::printf("  %s\n", line.c_str());
  return kExitOk;
}

void add_calibrate(CLI::App& parent, std::function<int()>& run) {
  auto args = std::make_shared<CalibrateArgs>();
  auto* cmd = parent.add_subcommand("calibrate", "Fit the market generator's parameters to a candle file (TOML out).");
  cmd->footer(
      "Fits GARCH(1,1), jumps, hourly/weekday seasonality, volatility regimes and volume (docs/GENERATOR.md).\n"
      "Use the output with market.model = \"calibrated\" and market.calibration = OUTPUT.");
  cmd->add_option("--input", args->input, "candle file (freqtrade JSON, Binance kline CSV, generic CSV, Lean zip)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--symbol", args->symbol,
                  "symbol to record (default: from the file name, BTC_USDT-1m.json -> BTCUSDT)");
  cmd->add_option("--output", args->output, "TOML file to write, e.g. scenarios/market/btcusdt_1m.toml")->required();
  cmd->add_option("--jump-threshold", args->options.jump_threshold_sigma, "jump threshold k, in conditional sigmas")
      ->check(CLI::Range(1.0, 20.0))
      ->capture_default_str();
  cmd->add_option("--regime-window", args->options.regime_window, "bars in the rolling volatility behind the regimes")
      ->check(CLI::Range(10, 100000))
      ->capture_default_str();
  cmd->add_option("--substeps", args->options.substeps,
                  "intrabar path points per bar; 0 fits them to the data's bar ranges")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  cmd->add_option("--report", args->report,
                  "also write JSON stylized facts of the data and of a generated path of the same length");
  cmd->add_option("--report-seed", args->report_seed, "seed of the --report path")->capture_default_str();
  cmd->add_flag("--fit-drift", args->options.fit_drift, "keep the sample's mean return as drift (default: zero drift)");
  cmd->callback([&run, args] { run = [args] { return run_calibrate(*args); }; });
}

}  // namespace

const Registrar register_calibrate("data", "calibrate", add_calibrate);

}  // namespace verity::app
