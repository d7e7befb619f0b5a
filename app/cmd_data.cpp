// `verity data import | ls | validate`: candle files into the market-data
// store (actors/feed/candle_store.hpp), checked by the validator
// (actors/feed/validate.hpp) under the configured policy. docs/DATA.md.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>

#include "actors/feed/candle_file.hpp"
#include "actors/feed/candle_store.hpp"
#include "actors/feed/validate.hpp"
#include "actors/runtime/config.hpp"
#include "app/commands.hpp"

namespace verity::app {

namespace {

struct DataArgs {
  std::vector<std::string> files;
  std::string symbol, format = "auto", timeframe, policy, data_dir, config_path, report_dir;
  bool overwrite = false, json = false;
};

void say(const char* command, const std::string& text) {
  std::fprintf(stderr, "verity data %s: %s\n", command, text.c_str());
}

/// Says why the command stops, and returns its exit code.
int stop(const char* command, const std::string& text, int exit_code) {
  say(command, text);
  return exit_code;
}

std::expected<Config, std::string> config_for(const DataArgs& a) {
  std::vector<ConfigOverride> overrides;
  if (!a.data_dir.empty()) overrides.push_back({"data.dir", a.data_dir, "--data"});
  if (!a.policy.empty()) overrides.push_back({"data.policy", a.policy, "--policy"});
  return load_config(a.config_path, overrides, verity_environment());
}

/// Every file loaded and joined in time order (files sorted by their first
/// open time, rows keeping their file and line), on one checked timeframe.
struct Loaded {
  std::vector<CandleRow> rows;
  std::vector<std::string> sources, units;
  Timeframe timeframe = Timeframe::m1;
  std::vector<std::string> notes;
};

std::expected<Loaded, std::string> load_all(const DataArgs& a) {
  const auto format = parse_candle_format(a.format);
  if (!format) return std::unexpected("--format " + a.format + " is not a format");
  std::optional<Timeframe> wanted;
  if (!a.timeframe.empty()) {
    wanted = parse_timeframe(a.timeframe);
    if (!wanted) return std::unexpected("--timeframe " + a.timeframe + " is not one of 1m, 5m, 15m, 1h, 4h, 1d");
  }
  std::vector<std::pair<std::string, CandleFile>> files;
  for (const std::string& path : a.files) {
    auto file = load_candle_file(path, a.symbol, *format);
    if (!file) return std::unexpected(file.error().text());
    files.emplace_back(path, std::move(*file));
  }
  Loaded out;
  std::optional<std::int64_t> interval;
  std::string interval_from;
  for (const auto& [path, file] : files) {
    if (file.rows.size() < 2) continue;  // one row says nothing about the step
    if (!interval) {
      interval = file.interval_ns, interval_from = path;
    } else if (*interval != file.interval_ns) {
      return std::unexpected(path + ": its rows are " + interval_text(file.interval_ns) + " apart, but those of " +
                             interval_from + " are " + interval_text(*interval) + " apart; import them separately");
    }
  }
  if (wanted) {
    if (interval && *interval != timeframe_ns(*wanted)) {
      return std::unexpected(interval_from + ": its rows are mostly " + interval_text(*interval) + " apart, not " +
                             std::string(timeframe_name(*wanted)) + " (--timeframe)");
    }
    out.timeframe = *wanted;
  } else {
    const auto tf = timeframe_of_interval(interval.value_or(timeframe_ns(Timeframe::m1)));
    if (!tf) {
      return std::unexpected(interval_from + ": its rows are " + interval_text(*interval) +
                             " apart; the store holds 1m, 5m, 15m, 1h, 4h and 1d candles");
    }
    out.timeframe = *tf;
  }
  std::stable_sort(files.begin(), files.end(), [](const auto& x, const auto& y) {
    return x.second.rows.front().bar.open_time_ns < y.second.rows.front().bar.open_time_ns;
  });
  std::size_t total = 0;
  for (const auto& f : files) total += f.second.rows.size();
  out.rows.reserve(total);
  for (std::uint32_t i = 0; i < files.size(); ++i) {
    auto& [path, file] = files[i];
    out.sources.push_back(path);
    out.units.push_back(file.row_unit);
    for (const auto& note : file.notes) {
      out.notes.push_back(path + ": " + std::string(candle_format_name(file.format)) + ", " + note);
    }
    for (CandleRow& r : file.rows) {
      r.source = i;
      r.bar.interval_ns = timeframe_ns(out.timeframe);
      out.rows.push_back(std::move(r));
    }
  }
  return out;
}

ValidationReport validate_loaded(const Loaded& l, const std::string& symbol) {
  ValidateOptions o;
  o.symbol = symbol;
  o.interval_ns = timeframe_ns(l.timeframe);
  o.sources = l.sources;
  o.row_units = l.units;
  return validate_candles(l.rows, o);
}

std::string gaps_summary(const ValidationReport& r, std::size_t max_listed) {
  std::string out;
  for (std::size_t i = 0; i < r.gaps.size() && i < max_listed; ++i) {
    const Gap& g = r.gaps[i];
    out += "  gap " + time_text(g.first_missing_ns) + " .. " + time_text(g.last_missing_ns) + ": " +
           std::to_string(g.missing) + " missing\n";
  }
  if (r.gaps.size() > max_listed) out += "  ... and " + std::to_string(r.gaps.size() - max_listed) + " more\n";
  return out;
}

// --- import ---------------------------------------------------------------------

int run_import(const DataArgs& a) {
  auto config = config_for(a);
  if (!config) return stop("import", config.error(), kExitError);
  if (auto ok = check_symbol(a.symbol); !ok) return stop("import", ok.error(), kExitError);
  const Policy policy = parse_policy(config->data.policy).value_or(Policy::reject);
  auto loaded = load_all(a);
  if (!loaded) return stop("import", loaded.error() + "; nothing was stored", kExitError);
  for (const auto& note : loaded->notes) say("import", note);
  const ValidationReport report = validate_loaded(*loaded, a.symbol);
  auto plan = plan_import(loaded->rows, report, policy);
  if (!plan) {
    std::fputs(report_text(report).c_str(), stderr);
    return stop("import", plan.error(), kExitFailed);
  }
  auto store = CandleStore::open(config->data.dir, false);
  if (!store) return stop("import", store.error(), kExitError);
  PutOptions options;
  options.overwrite = a.overwrite;
  auto put = (*store)->put(a.symbol, loaded->timeframe, plan->candles, plan->quarantine, options);
  if (!put) return stop("import", put.error().message, put.error().conflict ? kExitFailed : kExitError);
  const PutResult& p = *put;
  const std::string series = a.symbol + " " + std::string(timeframe_name(loaded->timeframe));
  std::printf("verity data import: %s: %llu rows read from %zu file(s), %s .. %s, policy %s\n", series.c_str(),
              static_cast<unsigned long long>(report.rows), loaded->sources.size(), time_text(report.first_ns).c_str(),
              time_text(report.last_ns).c_str(), std::string(policy_name(policy)).c_str());
  std::printf(
      "verity data import: %llu new, %llu unchanged, %llu overwritten, %llu synthetic kept out by real "
      "candles; %llu quarantined (%llu new, %llu unchanged, %llu updated)\n",
      static_cast<unsigned long long>(p.added), static_cast<unsigned long long>(p.unchanged),
      static_cast<unsigned long long>(p.overwritten), static_cast<unsigned long long>(p.kept_real),
      static_cast<unsigned long long>(plan->quarantine.size()), static_cast<unsigned long long>(p.quarantine_added),
      static_cast<unsigned long long>(p.quarantine_unchanged), static_cast<unsigned long long>(p.quarantine_updated));
  if (policy == Policy::repair) {
    std::printf(
        "verity data import: repair: %llu synthetic candles (%llu in gaps, %llu in place of quarantined rows), "
        "flagged; bad rows are quarantined, not stored\n",
        static_cast<unsigned long long>(plan->synthetic_for_gaps + plan->synthetic_for_quarantined),
        static_cast<unsigned long long>(plan->synthetic_for_gaps),
        static_cast<unsigned long long>(plan->synthetic_for_quarantined));
  } else if (!report.gaps.empty()) {
    std::printf(
        "verity data import: %zu gap(s), %llu missing candles, stored as gaps (--policy repair fills them):\n%s",
        report.gaps.size(), static_cast<unsigned long long>(report.missing()), gaps_summary(report, 10).c_str());
  }
  constexpr std::size_t kListed = 10;
  for (std::size_t i = 0; i < report.bad_rows.size() && i < kListed; ++i) {
    const BadRow& b = report.bad_rows[i];
    std::printf("  quarantined %s: %s\n", report.where(b.source, b.line).c_str(), b.reason.c_str());
  }
  if (report.bad_rows.size() > kListed) {
    std::printf("  ... and %zu more quarantined row(s)\n", report.bad_rows.size() - kListed);
  }
  const SeriesInfo& s = p.series;
  std::printf(
      "verity data import: %s now holds %llu candles (%llu synthetic), %s .. %s, %llu quarantined, content "
      "hash %s, in %s\n",
      series.c_str(), static_cast<unsigned long long>(s.rows), static_cast<unsigned long long>(s.synthetic),
      time_text(s.first_ns).c_str(), time_text(s.last_ns).c_str(), static_cast<unsigned long long>(s.quarantined),
      s.content_hash.hex().c_str(), config->data.dir.c_str());
  if (a.json) {
    nlohmann::ordered_json j;
    j["symbol"] = a.symbol;
    j["timeframe"] = timeframe_name(loaded->timeframe);
    j["policy"] = policy_name(policy);
    j["rows"] = report.rows;
    j["added"] = p.added;
    j["unchanged"] = p.unchanged;
    j["overwritten"] = p.overwritten;
    j["kept_real"] = p.kept_real;
    j["quarantined"] = plan->quarantine.size();
    j["synthetic"] = plan->synthetic_for_gaps + plan->synthetic_for_quarantined;
    j["gaps"] = report.gaps.size();
    j["missing"] = report.missing();
    j["stored_rows"] = s.rows;
    j["content_hash"] = s.content_hash.hex();
    std::printf("%s\n", j.dump().c_str());
  }
  return kExitOk;
}

// --- ls ----------------------------------------------------------------------------

int run_ls(const DataArgs& a) {
  auto config = config_for(a);
  if (!config) return stop("ls", config.error(), kExitError);
  auto store = CandleStore::open(config->data.dir, true);
  if (!store) return stop("ls", store.error(), kExitError);
  auto series = (*store)->list();
  if (!series) return stop("ls", series.error(), kExitError);
  if (a.json) {
    nlohmann::ordered_json j;
    j["dir"] = config->data.dir;
    j["series"] = nlohmann::ordered_json::array();
    for (const SeriesInfo& s : *series) {
      j["series"].push_back({{"symbol", s.symbol},
                             {"timeframe", timeframe_name(s.timeframe)},
                             {"first", s.rows ? time_text(s.first_ns) : ""},
                             {"last", s.rows ? time_text(s.last_ns) : ""},
                             {"first_ns", s.first_ns},
                             {"last_ns", s.last_ns},
                             {"rows", s.rows},
                             {"synthetic", s.synthetic},
                             {"quarantined", s.quarantined},
                             {"content_hash", s.content_hash.hex()}});
    }
    std::printf("%s\n", j.dump().c_str());
    return kExitOk;
  }
  std::printf("%-14s %-4s %-22s %-22s %10s %9s %11s  %s\n", "symbol", "tf", "first", "last", "rows", "synthetic",
              "quarantined", "content hash");
  for (const SeriesInfo& s : *series) {
    std::printf("%-14s %-4s %-22s %-22s %10llu %9llu %11llu  %s\n", s.symbol.c_str(),
                std::string(timeframe_name(s.timeframe)).c_str(), s.rows ? time_text(s.first_ns).c_str() : "-",
                s.rows ? time_text(s.last_ns).c_str() : "-", static_cast<unsigned long long>(s.rows),
                static_cast<unsigned long long>(s.synthetic), static_cast<unsigned long long>(s.quarantined),
                s.content_hash.hex().c_str());
  }
  if (series->empty()) std::printf("(nothing stored in %s)\n", config->data.dir.c_str());
  return kExitOk;
}

// --- validate -----------------------------------------------------------------------

/// Reports on every stored series of `symbol` (or one timeframe of it).
std::expected<std::vector<ValidationReport>, std::string> validate_stored(const DataArgs& a, const Config& config) {
  auto store = CandleStore::open(config.data.dir, true);
  if (!store) return std::unexpected(store.error());
  auto series = (*store)->list();
  if (!series) return std::unexpected(series.error());
  std::optional<Timeframe> only;
  if (!a.timeframe.empty()) {
    only = parse_timeframe(a.timeframe);
    if (!only) return std::unexpected("--timeframe " + a.timeframe + " is not one of 1m, 5m, 15m, 1h, 4h, 1d");
  }
  std::vector<ValidationReport> out;
  for (const SeriesInfo& s : *series) {
    if (s.symbol != a.symbol || (only && s.timeframe != *only)) continue;
    std::vector<CandleRow> rows;
    rows.reserve(s.rows);
    std::uint64_t synthetic = 0;
    auto scanned =
        (*store)->scan(s.symbol, s.timeframe, std::numeric_limits<std::int64_t>::min(),
                       std::numeric_limits<std::int64_t>::max(), [&](const Candle& c) {
                         CandleRow& r = rows.emplace_back();
                         r.bar = BarData{s.symbol, c.open_time_ns, timeframe_ns(s.timeframe), c.open, c.high, c.low,
                                         c.close,  c.volume};
                         synthetic += c.synthetic();
                         return true;
                       });
    if (!scanned) return std::unexpected(scanned.error());
    ValidateOptions o;
    o.symbol = s.symbol;
    o.interval_ns = timeframe_ns(s.timeframe);
    o.sources = {config.data.dir};
    ValidationReport r = validate_candles(rows, o);
    r.synthetic = synthetic;
    auto q = (*store)->scan_quarantine(s.symbol, s.timeframe, [&](const QuarantinedRow& row) {
      r.quarantine.push_back(row);
      return true;
    });
    if (!q) return std::unexpected(q.error());
    r.quarantined = r.quarantine.size();
    out.push_back(std::move(r));
  }
  if (out.empty()) {
    return std::unexpected("no " + a.symbol + (only ? " " + a.timeframe : std::string()) + " candles in " +
                           config.data.dir + " (verity data ls lists what is there)");
  }
  return out;
}

int run_validate(const DataArgs& a) {
  auto config = config_for(a);
  if (!config) return stop("validate", config.error(), kExitError);
  if (auto ok = check_symbol(a.symbol); !ok) return stop("validate", ok.error(), kExitError);
  std::vector<ValidationReport> reports;
  if (a.files.empty()) {
    auto stored = validate_stored(a, *config);
    if (!stored) return stop("validate", stored.error(), kExitError);
    reports = std::move(*stored);
  } else {
    auto loaded = load_all(a);
    if (!loaded) return stop("validate", loaded.error(), kExitError);
    for (const auto& note : loaded->notes) say("validate", note);
    reports.push_back(validate_loaded(*loaded, a.symbol));
  }
  bool clean = true;
  for (const ValidationReport& r : reports) {
    clean = clean && r.clean();
    if (a.json) {
      std::printf("%s\n", report_json(r).c_str());
    } else {
      std::fputs(report_text(r).c_str(), stdout);
    }
  }
  if (!a.report_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.report_dir, ec);
    const std::string path = (std::filesystem::path(a.report_dir) / (a.symbol + ".md")).string();
    std::ofstream out(path, std::ios::binary);
    out << report_markdown(reports);
    out.close();
    if (ec || !out) return stop("validate", "cannot write the report " + path, kExitError);
    say("validate", "report written to " + path);
  }
  return clean ? kExitOk : kExitFailed;
}

// --- registration -----------------------------------------------------------------------

void add_common(CLI::App* c, const std::shared_ptr<DataArgs>& args) {
  c->add_option("--config", args->config_path, "TOML config file")->check(CLI::ExistingFile);
  c->add_option("--data", args->data_dir, "market-data store folder (data.dir; default verity-data/market)");
}

void add_file_options(CLI::App* c, const std::shared_ptr<DataArgs>& args) {
  c->add_option("--format", args->format, "auto, binance-kline-csv, freqtrade-json, generic-csv or lean-zip")
      ->check(CLI::IsMember({"auto", "binance-kline-csv", "freqtrade-json", "generic-csv", "lean-zip"}))
      ->capture_default_str();
  c->add_option("--timeframe", args->timeframe,
                "1m, 5m, 15m, 1h, 4h or 1d; default: the files' most common step, which must match when given");
}

void add_import(CLI::App& data, std::function<int()>& run) {
  auto args = std::make_shared<DataArgs>();
  auto* c = data.add_subcommand("import", "Read candle files, validate them and store them (idempotent).");
  c->footer(
      "Policies (data.policy): reject stores nothing if any row is bad and names the first by file and line;\n"
      "quarantine stores good rows and sets bad ones aside (visible in ls and validate); repair also fills gaps\n"
      "with synthetic candles flat at the previous close, flagged and counted. Gaps never reject an import.\n"
      "Exit codes: 0 stored, 1 rejected (bad rows, or rows that differ from stored candles), 2 bad input or I/O.");
  c->add_option("files", args->files, "candle files (.csv, .json, Lean .zip)")->required();
  c->add_option("--symbol", args->symbol, "symbol to store the candles under, e.g. BTCUSDT")->required();
  add_file_options(c, args);
  c->add_option("--policy", args->policy, "reject, quarantine or repair (data.policy; default reject)");
  c->add_flag("--overwrite", args->overwrite, "replace stored candles whose values differ");
  c->add_flag("--json", args->json, "also print a JSON summary line");
  add_common(c, args);
  c->callback([&run, args] { run = [args] { return run_import(*args); }; });
}

void add_ls(CLI::App& data, std::function<int()>& run) {
  auto args = std::make_shared<DataArgs>();
  auto* c =
      data.add_subcommand("ls", "List stored series: range, rows, synthetic and quarantined counts, content hash.");
  c->add_flag("--json", args->json, "one JSON document instead of a table");
  add_common(c, args);
  c->callback([&run, args] { run = [args] { return run_ls(*args); }; });
}

void add_validate(CLI::App& data, std::function<int()>& run) {
  auto args = std::make_shared<DataArgs>();
  auto* c = data.add_subcommand("validate",
                                "Check candle files, or a stored symbol, for gaps, duplicates, order and bad values.");
  c->footer(
      "With FILEs, checks the files; without, checks every stored timeframe of --symbol (or --timeframe's).\n"
      "Exit codes: 0 clean, 1 problems found, 2 bad input or I/O.");
  c->add_option("files", args->files, "candle files; none: the stored series");
  c->add_option("--symbol", args->symbol, "symbol, e.g. BTCUSDT")->required();
  add_file_options(c, args);
  c->add_flag("--json", args->json, "one JSON object per series instead of text");
  c->add_option("--report", args->report_dir, "write a Markdown data-quality report, DIR/SYMBOL.md");
  add_common(c, args);
  c->callback([&run, args] { run = [args] { return run_validate(*args); }; });
}

}  // namespace

const Registrar register_data_import("data", "import", add_import);
const Registrar register_data_ls("data", "ls", add_ls);
const Registrar register_data_validate("data", "validate", add_validate);

}  // namespace verity::app
