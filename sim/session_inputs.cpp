#include "sim/session_inputs.hpp"

#include "models/session_models.hpp"

#include <set>

#include "actors/execution/execution_metrics.hpp"
#include "actors/feed/candle_store.hpp"
#include "actors/feed/timeframe.hpp"
#include "actors/runtime/project_path.hpp"
#include "sim/market_generator.hpp"
#include "sim/market_model.hpp"

namespace verity {

namespace {

/// A generator, bounded to a number of bars.
class GeneratorBarSource final : public BarSource {
 public:
  GeneratorBarSource(std::unique_ptr<MarketGenerator> generator, std::int64_t bars, std::string name)
      : generator_(std::move(generator)), left_(bars), name_(std::move(name)) {}
  std::optional<BarData> next() override {
    if (left_ <= 0) return std::nullopt;
    --left_;
    return generator_->next();
  }
  std::string describe() const override { return name_; }

 private:
  std::unique_ptr<MarketGenerator> generator_;
  std::int64_t left_;
  std::string name_;
};

/// Stops a source after a number of bars.
class LimitedBarSource final : public BarSource {
 public:
  LimitedBarSource(std::unique_ptr<BarSource> inner, std::int64_t bars) : inner_(std::move(inner)), left_(bars) {}
  std::optional<BarData> next() override {
    if (left_ <= 0) return std::nullopt;
    --left_;
    return inner_->next();
  }
  std::string describe() const override { return inner_->describe(); }

 private:
  std::unique_ptr<BarSource> inner_;
  std::int64_t left_;
};

std::expected<SessionInputs, std::string> from_generator(const Config& config, const PrngStreams& streams) {
  SessionInputs in;
  const MarketModelParams* params = nullptr;
  std::optional<LoadedMarketModel> model;
  if (config.market.model == "calibrated") {
    // The model's dynamics live in a file the config only names: the
    // manifest records the file's content hash beside the path.
    auto loaded = load_market_model(config.market.calibration);
    if (!loaded) return std::unexpected(loaded.error());
    model = std::move(*loaded);
    params = &model->params;
    in.data_sources.push_back({"generator:calibrated " + config.market.calibration, model->content_hash});
  } else {
    in.data_sources.push_back({"generator:gbm", hash128(std::string_view("gbm-v1"))});
  }
  auto generator = make_market_generator(config.market, params, streams);
  if (!generator) return std::unexpected(generator.error());
  in.bars = std::make_unique<GeneratorBarSource>(std::move(*generator), config.session.bars,
                                                 "generator:" + config.market.model);
  return in;
}

std::expected<SessionInputs, std::string> from_store(const Config& config) {
  auto symbols = split_symbols(config.session.symbols);
  if (!symbols) return std::unexpected(symbols.error());
  const Timeframe tf = *parse_timeframe(config.session.timeframe);  // validated by the config layer
  auto store = CandleStore::open(config.data.dir, /*read_only=*/true);
  if (!store) return std::unexpected(store.error());

  SessionInputs in;
  std::vector<std::unique_ptr<BarSource>> sources;
  for (const std::string& symbol : *symbols) {
    const std::string series = symbol + "/" + std::string(timeframe_name(tf));
    auto info = (*store)->info(symbol, tf);
    if (!info) return std::unexpected(info.error());
    if (!*info || (*info)->rows == 0) {
      return std::unexpected("no candles for " + series + " in " + config.data.dir +
                             "; import them with `verity data import FILE --symbol " + symbol + "`");
    }
    std::vector<BarData> bars;
    auto ok = (*store)->scan(symbol, tf, config.session.from_ns, config.session.to_ns, [&](const Candle& c) {
      bars.push_back(to_bar(c, symbol, timeframe_ns(tf)));
      return true;
    });
    if (!ok) return std::unexpected(ok.error());
    if (bars.empty()) {
      return std::unexpected("no candles for " + series + " between session.from and session.to");
    }
    // The hash is of the whole stored series; session.from/to are in the config.
    in.data_sources.push_back({"store:" + series, (*info)->content_hash});
    sources.push_back(std::make_unique<VectorBarSource>(std::move(bars), "store:" + series));
  }
  in.bars = std::make_unique<LimitedBarSource>(std::make_unique<MergedBarSource>(std::move(sources)),
                                               config.session.bars);
  return in;
}

}  // namespace

std::expected<std::vector<std::string>, std::string> split_symbols(const std::string& list) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    std::string item = list.substr(start, comma - start);
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    item = first == std::string::npos ? "" : item.substr(first, last - first + 1);
    if (item.empty()) return std::unexpected("session.symbols \"" + list + "\" has an empty item; expected e.g. BTCUSDT,ETHUSDT");
    if (!seen.insert(item).second) return std::unexpected("session.symbols names " + item + " twice");
    out.push_back(item);
    start = comma + 1;
  }
  return out;
}

std::expected<void, std::string> add_session_models(const Config& config, SessionInputs& in) {
  // The execution metrics version the session runs with (execution.metrics):
  // an unknown version fails here, naming the versions there are.
  auto dir = resolve_project_path(kExecutionMetricsDir, "execution.metrics", PathKind::directory);
  if (!dir) return std::unexpected(dir.error());
  auto metrics = load_execution_metrics(*dir, config.execution.metrics);
  if (!metrics) return std::unexpected(metrics.error());
  in.data_sources.push_back({"execution-metrics:" + metrics->version, hash128(to_json_text(*metrics))});
  in.metrics = std::make_shared<const ExecutionMetrics>(std::move(*metrics));
  auto models = load_session_models(config);
  if (!models) return std::unexpected(models.error());
  in.models = std::move(*models);
  if (in.models)
    for (const auto& m : in.models->models) in.data_sources.push_back({"model:" + m.name + "@" + m.version, m.file_hash});
  return {};
}

std::expected<SessionInputs, std::string> make_session_inputs(const Config& config, const PrngStreams& streams) {
  auto in = config.session.source == "store" ? from_store(config) : from_generator(config, streams);
  if (!in) return in;
  if (auto ok = add_session_models(config, *in); !ok) return std::unexpected(ok.error());
  return in;
}

}  // namespace verity
