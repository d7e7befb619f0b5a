#include "models/trainer.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "actors/features/indicators.hpp"
#include "actors/learning/drift.hpp"
#include "actors/runtime/clock.hpp"
#include "actors/runtime/prng.hpp"
#include "models/calibration.hpp"
#include "models/confidence.hpp"
#include "models/dataset.hpp"
#include "models/metrics.hpp"
#include "models/registry.hpp"
#include "models/torch_backend.hpp"
#include "sim/session_inputs.hpp"

namespace verity {

namespace {
constexpr std::int64_t kDayNs = 86'400'000'000'000;
constexpr std::int64_t kMinuteNs = 60'000'000'000;

std::int64_t days_ns(double days) { return static_cast<std::int64_t>(days * static_cast<double>(kDayNs)); }

struct Group {
  NetKind kind;
  std::string name;                  // model name: "lstm-BTCUSDT", "transformer"
  std::vector<std::string> symbols;  // what it trains on
};

/// Per fold, for scoring the ensemble: calibrated p_up by model kind, per sample.
using SampleKey = std::pair<std::uint32_t, std::uint32_t>;  // series, t
using Scores = std::map<SampleKey, std::map<NetKind, double>>;

NetShape shape_for(NetKind kind, const TrainConfig& t, std::size_t inputs) {
  NetShape s;
  s.kind = kind;
  s.inputs = static_cast<std::uint32_t>(inputs);
  s.window = kind == NetKind::logistic ? 1 : static_cast<std::uint32_t>(t.window);
  if (kind == NetKind::lstm) {
    s.hidden = static_cast<std::uint32_t>(t.lstm_hidden);
    s.layers = 1;
  } else if (kind == NetKind::transformer) {
    s.hidden = static_cast<std::uint32_t>(t.transformer_width);
    s.heads = static_cast<std::uint32_t>(t.transformer_heads);
    s.layers = static_cast<std::uint32_t>(t.transformer_layers);
    s.ff = static_cast<std::uint32_t>(t.transformer_ff);
  }
  return s;
}

std::vector<double> as_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

std::vector<int> labels_of(const std::vector<Sample>& samples) {
  std::vector<int> y;
  y.reserve(samples.size());
  for (const auto& s : samples) y.push_back(s.label);
  return y;
}

TierThresholds tiers_of(const ModelConfig& m) { return {m.min_confidence, m.tier_medium, m.tier_high}; }

nlohmann::json metrics_row(const std::vector<double>& p, const std::vector<int>& y, const ModelConfig& m) {
  if (p.empty()) return {{"n", 0}};
  auto r = classification_metrics(p, y, tiers_of(m), m.conservative_bias_pct / 100.0);
  if (!r) return {{"n", p.size()}, {"error", r.error()}};
  return to_json(*r);
}

/// The causal half of the leakage test: feature rows computed from a prefix
/// of each series equal the rows computed from the whole series, bit for bit.
bool prefix_rows_match(const std::vector<BarData>& bars, const SeriesFeatures& s, const FeaturesConfig& config,
                       const std::vector<std::size_t>& columns, std::string& detail) {
  const std::size_t n = bars.size();
  double row[kFeatureCount];
  for (double frac : {0.25, 0.5, 0.75}) {
    const std::size_t cut = static_cast<std::size_t>(static_cast<double>(n) * frac);
    FeatureEngine engine(config);
    for (std::size_t t = 0; t < cut; ++t) {
      feature_values(engine.update(bars[t]), row);
      for (std::size_t c = 0; c < columns.size(); ++c) {
        const double a = row[columns[c]], b = s.values[t * columns.size() + c];
        if (!(a == b || (std::isnan(a) && std::isnan(b)))) {
          detail = s.symbol + " row " + std::to_string(t) + " differs between a prefix of " + std::to_string(cut) +
                   " bars and the whole series";
          return false;
        }
      }
    }
  }
  return true;
}

struct FoldWork {
  const Config& config;
  const std::vector<SeriesFeatures>& series;
  const std::vector<std::string>& column_names;
  TorchBackend& backend;
  const TrainHooks& hooks;
  std::string checkpoint_dir;
};

struct GroupResult {
  ModelFile file;
  nlohmann::json per_symbol;  // test metrics by symbol
  nlohmann::json training;    // epochs, losses
};

std::expected<GroupResult, std::string> train_group(FoldWork& w, const Group& g, const Fold& fold, std::size_t fold_index,
                                                    Scores& scores, bool& leak_free, std::string& leak_detail) {
  const TrainConfig& tc = w.config.train;
  const std::int64_t rows = tc.window;
  const std::size_t columns = w.column_names.size();
  auto train_s = split_samples(w.series, fold.train, tc.horizon_min, rows, tc.stride, g.symbols);
  auto val_s = split_samples(w.series, fold.validation, tc.horizon_min, rows, 1, g.symbols);
  auto test_s = split_samples(w.series, fold.test, tc.horizon_min, rows, 1, g.symbols);
  if (train_s.size() < 50 || val_s.size() < 20 || test_s.size() < 20)
    return std::unexpected("fold " + std::to_string(fold_index + 1) + ", " + g.name + ": too few samples (train " +
                           std::to_string(train_s.size()) + ", validation " + std::to_string(val_s.size()) + ", test " +
                           std::to_string(test_s.size()) + "); lengthen the data or the train.*_days windows");
  // The split half of the leakage test: every label is known before the next split starts.
  auto label_time = [&](const Sample& s) { return w.series[s.series].close_time_ns[s.t + tc.horizon_min]; };
  for (const auto& s : train_s)
    if (label_time(s) >= fold.validation.start_ns) {
      leak_free = false;
      leak_detail = g.name + ": a training label is known only after validation starts";
    }
  for (const auto& s : val_s)
    if (label_time(s) >= fold.test.start_ns) {
      leak_free = false;
      leak_detail = g.name + ": a validation label is known only after the test split starts";
    }

  const Normalizer norm = fit_normalizer(w.series, fold.train, g.symbols, columns);
  const NetShape shape = shape_for(g.kind, tc, columns);
  const auto train_set = make_train_set(w.series, train_s, shape.window, norm);
  const auto val_set = make_train_set(w.series, val_s, shape.window, norm);
  const auto test_set = make_train_set(w.series, test_s, shape.window, norm);

  ModelFile file;
  file.name = g.name;
  file.version = "0.0.0";
  file.shape = shape;
  file.features = w.column_names;
  file.horizon_bars = tc.horizon_min;
  file.symbols = g.symbols;
  file.train_data_hash = split_hash(w.series, fold.train, g.symbols);
  file.seed = PrngStreams(w.config.session.seed).stream("train/" + g.name + "/" + std::to_string(fold_index)).next_u64();
  file.normalizer = norm;

  TrainOptions opt;
  opt.seed = file.seed;
  opt.max_epochs = static_cast<int>(tc.epochs);
  opt.patience = static_cast<int>(tc.patience);
  opt.batch = static_cast<int>(tc.batch);
  opt.learning_rate = tc.learning_rate;
  nlohmann::json epochs = nlohmann::json::array();
  const std::string where = "fold " + std::to_string(fold_index + 1) + " " + g.name;
  Stopwatch watch;
  opt.on_epoch = [&](const EpochReport& e) {
    epochs.push_back({{"epoch", e.epoch}, {"train_loss", e.train_loss}, {"validation_loss", e.validation_loss}});
    ModelFile ck = file;
    ck.tensors = e.tensors;
    const std::string path = w.checkpoint_dir + "/" + g.name + "/fold" + std::to_string(fold_index + 1) + "/epoch-" +
                             std::to_string(e.epoch) + ".vmodel";
    (void)save_model_file(ck, path);
    if (w.hooks.progress)
      w.hooks.progress(where + " epoch " + std::to_string(e.epoch) + ": train loss " + std::to_string(e.train_loss) +
                       ", validation loss " + std::to_string(e.validation_loss) + (e.improved ? " (best)" : "") + ", " +
                       std::to_string(static_cast<int>(watch.elapsed_s())) + " s");
  };
  auto trained = w.backend.train(shape, expected_tensors(shape), train_set, val_set, opt);
  if (!trained) return std::unexpected(where + ": " + trained.error());
  file.tensors = trained->tensors;

  auto raw_val = w.backend.predict(shape, file.tensors, val_set);
  if (!raw_val) return std::unexpected(where + ": " + raw_val.error());
  const auto val_labels = labels_of(val_s);
  auto calibration = fit_calibration(as_double(*raw_val), val_labels);
  if (!calibration) return std::unexpected(where + ": calibration: " + calibration.error());
  file.calibration = *calibration;
  const auto kind = parse_calibration_kind(w.config.model.calibration);
  // Pattern counts from validation, for the sample floor.
  for (std::size_t i = 0; i < val_s.size(); ++i) {
    const auto& s = w.series[val_s[i].series];
    const Call call = call_of(calibrate(file.calibration, *kind, (*raw_val)[i]), w.config.model.conservative_bias_pct);
    auto& c = file.patterns[pattern_key(call.direction, s.vol_regime[val_s[i].t], s.sessions[val_s[i].t])];
    ++c.seen;
    if ((call.direction > 0) == (val_s[i].label == 1)) ++c.correct;
  }
  // The drift reference: the training split's raw values per column.
  std::vector<std::vector<double>> values(columns);
  for (const auto& s : w.series) {
    if (std::find(g.symbols.begin(), g.symbols.end(), s.symbol) == g.symbols.end()) continue;
    for (std::size_t t = 0; t < s.rows(); ++t)
      if (fold.train.contains(s.close_time_ns[t]))
        for (std::size_t c = 0; c < columns; ++c) values[c].push_back(s.values[t * columns + c]);
  }
  file.drift = make_drift_reference(values);

  auto raw_test = w.backend.predict(shape, file.tensors, test_set);
  if (!raw_test) return std::unexpected(where + ": " + raw_test.error());
  GroupResult out;
  for (const auto& sym : g.symbols) {
    std::vector<double> p;
    std::vector<int> y;
    for (std::size_t i = 0; i < test_s.size(); ++i) {
      if (w.series[test_s[i].series].symbol != sym) continue;
      const double cal = calibrate(file.calibration, *kind, (*raw_test)[i]);
      p.push_back(cal);
      y.push_back(test_s[i].label);
      scores[{test_s[i].series, test_s[i].t}][g.kind] = cal;
    }
    out.per_symbol[sym] = metrics_row(p, y, w.config.model);
  }
  out.training = {{"epochs", epochs},
                  {"best_epoch", trained->best_epoch},
                  {"epochs_run", trained->epochs_run},
                  {"train_samples", train_s.size()},
                  {"validation_samples", val_s.size()},
                  {"test_samples", test_s.size()},
                  {"seconds", watch.elapsed_s()}};
  out.file = std::move(file);
  return out;
}

/// The naive baselines and the ensemble on one symbol's test samples.
void score_references(const FoldWork& w, const Fold& fold, const std::string& sym, const Scores& scores,
                      nlohmann::json& rows) {
  const TrainConfig& tc = w.config.train;
  const ModelConfig& m = w.config.model;
  auto test_s = split_samples(w.series, fold.test, tc.horizon_min, tc.window, 1, {sym});
  std::vector<int> y = labels_of(test_s);
  std::vector<double> up, persist, rule, ensemble;
  std::vector<int> ey;
  const double conf = w.config.strategy.confidence;
  for (const auto& smp : test_s) {
    const auto& s = w.series[smp.series];
    // The naive baselines call with the rule-based strategy's confidence, so
    // their probabilistic scores compare like with like.
    up.push_back(conf);
    const std::size_t back = smp.t >= static_cast<std::size_t>(tc.horizon_min) ? smp.t - tc.horizon_min : 0;
    persist.push_back(s.close[smp.t] > s.close[back] ? conf : (s.close[smp.t] < s.close[back] ? 1.0 - conf : 0.5));
    rule.push_back(s.ema_side[smp.t] > 0 ? conf : (s.ema_side[smp.t] < 0 ? 1.0 - conf : 0.5));
    auto it = scores.find({smp.series, smp.t});
    if (it == scores.end()) continue;
    std::vector<std::pair<double, double>> members;
    for (const auto& [kind, p] : it->second) {
      const double weight = kind == NetKind::lstm ? m.lstm_weight
                            : kind == NetKind::transformer ? m.transformer_weight
                                                           : m.logistic_weight;
      if (weight > 0) members.emplace_back(weight, p);
    }
    if (members.empty()) continue;
    if (auto p = ensemble_probability(members)) {
      ensemble.push_back(*p);
      ey.push_back(smp.label);
    }
  }
  rows["always_up"] = metrics_row(up, y, m);
  rows["persistence"] = metrics_row(persist, y, m);
  rows["rule_based"] = metrics_row(rule, y, m);
  if (!ensemble.empty()) rows["ensemble"] = metrics_row(ensemble, ey, m);
}

std::string fmt(const nlohmann::json& row, const char* key, int digits = 3) {
  if (!row.contains(key) || !row[key].is_number()) return "–";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, row[key].get<double>());
  return buf;
}
}  // namespace

std::expected<TrainRun, std::string> run_training(const Config& config, const TrainHooks& hooks) {
  Stopwatch watch;
  const TrainConfig& tc = config.train;
  auto backend = torch_backend();
  if (!backend) return std::unexpected(backend.error());
  std::vector<std::string> column_names;
  auto columns = resolve_columns(tc.features, &column_names);
  if (!columns) return std::unexpected("train.features: " + columns.error());
  auto cal_kind = parse_calibration_kind(config.model.calibration);
  if (!cal_kind) return std::unexpected("model.calibration: " + cal_kind.error());
  if (tc.embargo_min < tc.horizon_min)
    return std::unexpected("train.embargo_min (" + std::to_string(tc.embargo_min) + ") must be at least train.horizon_min (" +
                           std::to_string(tc.horizon_min) + "): labels would reach into the next split");
  std::set<NetKind> kinds;
  for (std::string_view k : split_list(tc.models)) kinds.insert(*parse_net_kind(k));

  PrngStreams streams(config.session.seed);
  auto inputs = make_session_inputs(config, streams);
  if (!inputs) return std::unexpected(inputs.error());
  std::map<std::string, std::vector<BarData>> by_symbol;
  std::vector<BarData> all;
  while (auto b = inputs->bars->next()) {
    by_symbol[b->symbol].push_back(*b);
    all.push_back(std::move(*b));
  }
  VectorBarSource source(std::move(all), inputs->bars->describe());
  auto series = build_series(source, config.features, *columns);
  if (!series) return std::unexpected(series.error());
  for (const auto& s : *series)
    if (s.interval_ns != kMinuteNs)
      return std::unexpected("symbol " + s.symbol + ": bars of " + std::to_string(s.interval_ns / 1'000'000'000) +
                             " s; training reads 1-minute bars (horizons and windows count minutes)");

  bool leak_free = true;
  std::string leak_detail;
  for (const auto& s : *series)
    if (leak_free && !prefix_rows_match(by_symbol[s.symbol], s, config.features, *columns, leak_detail)) leak_free = false;

  WalkForwardPlan plan;
  plan.start_ns = series->front().close_time_ns.front();
  plan.end_ns = 0;
  for (const auto& s : *series) {
    plan.start_ns = std::min(plan.start_ns, s.close_time_ns.front());
    plan.end_ns = std::max(plan.end_ns, s.close_time_ns.back() + 1);
  }
  plan.train_ns = days_ns(tc.train_days);
  plan.validation_ns = days_ns(tc.validation_days);
  plan.test_ns = days_ns(tc.test_days);
  plan.step_ns = days_ns(tc.step_days);
  plan.embargo_ns = tc.embargo_min * kMinuteNs;
  plan.mode = tc.mode == "rolling" ? WalkForwardMode::rolling : WalkForwardMode::expanding;
  auto folds = walk_forward(plan);
  if (!folds) return std::unexpected("walk-forward plan (train.*): " + folds.error());
  if (tc.max_folds > 0 && folds->size() > static_cast<std::size_t>(tc.max_folds))
    folds->erase(folds->begin(), folds->end() - tc.max_folds);

  std::vector<std::string> symbols;
  for (const auto& s : *series) symbols.push_back(s.symbol);
  std::vector<Group> groups;
  for (NetKind k : kinds) {
    if (k == NetKind::transformer) {
      groups.push_back({k, "transformer", symbols});
    } else {
      for (const auto& sym : symbols) groups.push_back({k, std::string(net_kind_name(k)) + "-" + sym, {sym}});
    }
  }

  Hash128 data_hash;
  {
    std::string all_hashes;
    for (const auto& s : *series) all_hashes += s.symbol + s.bars_hash.hex();
    data_hash = hash128(all_hashes);
  }
  TrainRun run;
  run.backend = (*backend)->version();
  run.output_dir = tc.output + "/seed" + std::to_string(config.session.seed) + "-" + data_hash.hex().substr(0, 12);
  FoldWork work{config, *series, column_names, **backend, hooks, run.output_dir + "/checkpoints"};

  nlohmann::json fold_rows = nlohmann::json::array();
  std::map<std::string, GroupResult> last;  // by model name: the final fold's
  std::map<std::string, std::map<std::string, std::vector<nlohmann::json>>> test_by_model;  // name -> symbol -> per fold
  for (std::size_t f = 0; f < folds->size(); ++f) {
    const Fold& fold = (*folds)[f];
    Scores scores;
    nlohmann::json rows;  // symbol -> model -> metrics
    nlohmann::json training;
    for (const auto& g : groups) {
      auto r = train_group(work, g, fold, f, scores, leak_free, leak_detail);
      if (!r) return std::unexpected(r.error());
      for (auto& [sym, m] : r->per_symbol.items()) {
        rows[sym][std::string(net_kind_name(g.kind))] = m;
        test_by_model[g.name][sym].push_back(m);
      }
      training[g.name] = r->training;
      last[g.name] = std::move(*r);
    }
    for (const auto& sym : symbols) score_references(work, fold, sym, scores, rows[sym]);
    fold_rows.push_back({{"fold", f + 1},
                         {"train", {fold.train.start_ns, fold.train.end_ns}},
                         {"validation", {fold.validation.start_ns, fold.validation.end_ns}},
                         {"test", {fold.test.start_ns, fold.test.end_ns}},
                         {"symbols", rows},
                         {"training", training}});
  }

  run.report = {{"seed", config.session.seed},
                {"data", inputs->bars->describe()},
                {"data_hash", data_hash.hex()},
                {"backend", run.backend},
                {"features", column_names},
                {"horizon_min", tc.horizon_min},
                {"mode", tc.mode},
                {"calibration", config.model.calibration},
                {"conservative_bias_pct", config.model.conservative_bias_pct},
                {"leakage_test", leak_free},
                {"leakage_detail", leak_detail},
                {"folds", fold_rows}};

  std::error_code ec;
  std::filesystem::create_directories(run.output_dir + "/models", ec);
  std::optional<ModelRegistry> registry;
  if (tc.register_models) {
    auto r = ModelRegistry::open(config.model.registry, true);
    if (!r) return std::unexpected(r.error());
    registry.emplace(std::move(*r));
  }
  const GateConfig gates{tc.gate_min_accuracy, tc.gate_max_calibration_mae, tc.gate_leakage_test};
  LiveClock clock;
  for (auto& [name, result] : last) {
    ModelFile& file = result.file;
    // Gates read the walk-forward estimate: each metric's mean over the folds.
    nlohmann::json per_symbol;
    for (const auto& [sym, per_fold] : test_by_model[name]) {
      nlohmann::json mean;
      for (const char* key : {"accuracy", "ece", "brier", "log_loss", "auc"}) {
        double sum = 0;
        std::size_t n = 0;
        for (const auto& m : per_fold)
          if (m.contains(key) && m[key].is_number()) {
            sum += m[key].get<double>();
            ++n;
          }
        if (n > 0) mean[key] = sum / static_cast<double>(n);
      }
      mean["folds"] = per_fold.size();
      per_symbol[sym] = mean;
    }
    nlohmann::json metrics = {{"per_symbol", per_symbol},
                              {"leakage_test", leak_free},
                              {"last_fold", result.per_symbol},
                              {"training", result.training},
                              {"data", inputs->bars->describe()}};
    if (registry) {
      auto version = registry->next_version(name);
      if (!version) return std::unexpected(version.error());
      file.version = *version;
    }
    const std::string path = run.output_dir + "/models/" + name + "-" + file.version + ".vmodel";
    auto saved = save_model_file(file, path);
    if (!saved) return std::unexpected(saved.error());
    TrainedModel tm{name, "", path, *saved, weights_hash(file.tensors), false};
    if (registry) {
      nlohmann::json options = {{"seed", file.seed},          {"epochs", tc.epochs},       {"patience", tc.patience},
                                {"batch", tc.batch},          {"learning_rate", tc.learning_rate},
                                {"window", file.shape.window}, {"stride", tc.stride},      {"mode", tc.mode},
                                {"train_days", tc.train_days}, {"validation_days", tc.validation_days},
                                {"test_days", tc.test_days},  {"embargo_min", tc.embargo_min},
                                {"backend", run.backend}};
      auto rec = registry->add(path, options, metrics, gates, clock.now_ns());
      if (!rec) return std::unexpected(rec.error());
      tm.tag = rec->tag();
      tm.gates_passed = rec->gates_passed();
    }
    run.models.push_back(tm);
  }
  run.elapsed_s = watch.elapsed_s();
  std::ofstream(run.output_dir + "/report.json") << run.report.dump(2) << "\n";
  std::ofstream(run.output_dir + "/report.md") << walk_forward_markdown(run.report);
  return run;
}

std::string walk_forward_markdown(const nlohmann::json& report) {
  std::string out = "# Walk-forward evaluation\n\nData: " + report.value("data", std::string()) +
                    ". Horizon: " + std::to_string(report.value("horizon_min", 0)) + " min. Calibration: " +
                    report.value("calibration", std::string()) + ". Leakage test: " +
                    (report.value("leakage_test", false) ? "passed" : "FAILED") + ".\n\n";
  out += "| fold | symbol | model | n | accuracy | brier | log loss | ECE | AUC | low P/R | medium P/R | high P/R |\n";
  out += "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& fold : report["folds"]) {
    for (const auto& [sym, models] : fold["symbols"].items()) {
      for (const char* model : {"logistic", "lstm", "transformer", "ensemble", "always_up", "persistence", "rule_based"}) {
        if (!models.contains(model)) continue;
        const auto& m = models[model];
        auto tier = [&](const char* t) {
          if (!m.contains("tiers") || !m["tiers"].contains(t)) return std::string("–");
          const auto& x = m["tiers"][t];
          return fmt(x, "precision", 2) + " / " + fmt(x, "recall", 2) + " (" + std::to_string(x.value("calls", 0)) + ")";
        };
        out += "| " + std::to_string(fold.value("fold", 0)) + " | " + sym + " | " + model + " | " +
               std::to_string(m.value("n", 0)) + " | " + fmt(m, "accuracy") + " | " + fmt(m, "brier") + " | " +
               fmt(m, "log_loss") + " | " + fmt(m, "ece") + " | " + fmt(m, "auc") + " | " + tier("low") + " | " +
               tier("medium") + " | " + tier("high") + " |\n";
      }
    }
  }
  // Reliability curves of the calibrated networks: per probability bin, the
  // mean predicted P(up), the observed fraction up and the count.
  out += "\n## Reliability curves\n\nEach cell: mean predicted P(up) / observed fraction up (samples), per bin "
         "of predicted P(up); empty bins are blank.\n\n| fold | symbol | model |";
  for (int b = 0; b < 10; ++b) out += " " + std::to_string(b * 10) + "–" + std::to_string((b + 1) * 10) + "% |";
  out += "\n|---|---|---|";
  for (int b = 0; b < 10; ++b) out += "---|";
  out += "\n";
  for (const auto& fold : report["folds"]) {
    for (const auto& [sym, models] : fold["symbols"].items()) {
      for (const char* model : {"logistic", "lstm", "transformer", "ensemble"}) {
        if (!models.contains(model) || !models[model].contains("reliability")) continue;
        out += "| " + std::to_string(fold.value("fold", 0)) + " | " + sym + " | " + model + " |";
        for (const auto& bin : models[model]["reliability"]) {
          const int count = bin.value("count", 0);
          out += count > 0 ? " " + fmt(bin, "mean_predicted", 2) + " / " + fmt(bin, "fraction_up", 2) + " (" +
                                 std::to_string(count) + ") |"
                           : " |";
        }
        out += "\n";
      }
    }
  }
  return out;
}

std::string train_summary_json(const TrainRun& run) {
  nlohmann::json models = nlohmann::json::array();
  for (const auto& m : run.models)
    models.push_back({{"name", m.name},
                      {"tag", m.tag},
                      {"file", m.path},
                      {"file_hash", m.file_hash.hex()},
                      {"weights_hash", m.weights_hash.hex()},
                      {"gates_passed", m.gates_passed}});
  nlohmann::json j = {{"models", models},
                      {"folds", run.report["folds"].size()},
                      {"seed", run.report["seed"]},
                      {"data_hash", run.report["data_hash"]},
                      {"leakage_test", run.report["leakage_test"]},
                      {"backend", run.backend},
                      {"report", run.output_dir + "/report.md"},
                      {"elapsed_s", std::round(run.elapsed_s * 10) / 10}};
  return j.dump();
}

}  // namespace verity
