// What a sim session reads, built from its config: the stream of bars (the
// seeded generator, or imported candles of one or more symbols merged by
// time) and the data sources the manifest and the session id must name,
// each with the content hash of what was actually read.
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "actors/runtime/config.hpp"
#include "actors/runtime/journal_records.hpp"
#include "actors/runtime/prng.hpp"
#include "sim/bar_source.hpp"

namespace verity {

struct ExecutionMetrics;

struct SessionModels;

struct SessionInputs {
  std::unique_ptr<BarSource> bars;
  std::shared_ptr<const ExecutionMetrics> metrics;  // the version execution.metrics names
  std::shared_ptr<const SessionModels> models;      // the registry models model.strategy needs; null for the baseline
  std::vector<DataSourceInfo> data_sources;
};

/// session.source "generator": session.bars bars of market.model.
/// session.source "store": the candles of each of session.symbols at
/// session.timeframe in [session.from, session.to) from the store in
/// data.dir, merged by close time; a missing series is an error naming it.
/// Either way the execution metrics version named by execution.metrics is
/// loaded and listed as a data source, and so is each registry model the
/// strategy needs (name@version with its file hash): a model is data the
/// session reads, so it is part of the session id.
std::expected<SessionInputs, std::string> make_session_inputs(const Config& config, const PrngStreams& streams);

/// What every session reads besides its bars, added to `in`: the execution
/// metrics version execution.metrics names and the registry models the
/// strategy needs, each listed in in.data_sources with its hash. A live
/// session, whose bars come from outside, reads these the same way.
std::expected<void, std::string> add_session_models(const Config& config, SessionInputs& in);

/// "BTCUSDT, ETHUSDT" -> {"BTCUSDT", "ETHUSDT"}: trimmed, empty items refused.
std::expected<std::vector<std::string>, std::string> split_symbols(const std::string& list);

}  // namespace verity
