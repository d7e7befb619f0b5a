#include "models/dataset.hpp"

#include <cmath>
#include <map>
#include <set>

#include "actors/features/indicators.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/state_archive.hpp"
#include "sim/bar_source.hpp"

namespace verity {

std::expected<std::vector<std::size_t>, std::string> resolve_columns(const std::string& list,
                                                                     std::vector<std::string>* names) {
  std::vector<std::size_t> out;
  std::set<std::string> seen;
  for (std::string_view name : split_list(list)) {
    const auto index = feature_index(name);
    if (!index) return std::unexpected("feature column '" + std::string(name) + "' is not in feature set 2 (docs/FEATURES.md)");
    if (!seen.insert(std::string(name)).second) return std::unexpected("feature column '" + std::string(name) + "' appears twice");
    out.push_back(*index);
    if (names) names->emplace_back(name);
  }
  if (out.empty()) return std::unexpected("no feature columns: expected a comma-separated list of feature set 2 names");
  return out;
}

std::expected<std::vector<SeriesFeatures>, std::string> build_series(BarSource& bars, const FeaturesConfig& config,
                                                                     const std::vector<std::size_t>& columns) {
  std::map<std::string, std::size_t> index;
  std::vector<SeriesFeatures> series;
  std::vector<FeatureEngine> engines;
  std::vector<StateWriter> hashes;
  double row[kFeatureCount];
  while (auto bar = bars.next()) {
    auto [it, fresh] = index.emplace(bar->symbol, series.size());
    if (fresh) {
      series.push_back({});
      series.back().symbol = bar->symbol;
      series.back().interval_ns = bar->interval_ns;
      engines.emplace_back(config);
      hashes.emplace_back();
    }
    SeriesFeatures& s = series[it->second];
    if (bar->interval_ns != s.interval_ns)
      return std::unexpected("symbol " + s.symbol + ": bars of two intervals; expected one timeframe per symbol");
    const FeatureRow f = engines[it->second].update(*bar);
    feature_values(f, row);
    s.close_time_ns.push_back(close_time_ns(*bar));
    s.close.push_back(bar->close);
    for (auto c : columns) s.values.push_back(row[c]);
    s.ema_side.push_back(std::isnan(f.ema_fast) || std::isnan(f.ema_slow) ? 0 : (f.ema_fast > f.ema_slow ? 1 : -1));
    s.vol_regime.push_back(std::isnan(f.vol_regime) ? -1 : static_cast<std::int8_t>(f.vol_regime));
    s.sessions.push_back({f.session_tokyo == 1.0, f.session_london == 1.0, f.session_new_york == 1.0});
    hashes[it->second].put_all(bar->open_time_ns, bar->open, bar->high, bar->low, bar->close, bar->volume);
  }
  for (std::size_t i = 0; i < series.size(); ++i) series[i].bars_hash = hash128(hashes[i].bytes());
  if (series.empty()) return std::unexpected("no bars to train on");
  return series;
}

namespace {
bool wanted(const std::vector<std::string>& symbols, const std::string& s) {
  if (symbols.empty()) return true;
  for (const auto& x : symbols)
    if (x == s) return true;
  return false;
}

bool warm_row(const SeriesFeatures& s, std::size_t t, std::size_t columns) {
  for (std::size_t c = 0; c < columns; ++c)
    if (std::isnan(s.values[t * columns + c])) return false;
  return true;
}
}  // namespace

std::vector<Sample> split_samples(const std::vector<SeriesFeatures>& series, const TimeWindow& window,
                                  std::int64_t horizon_bars, std::int64_t input_rows, std::int64_t stride,
                                  const std::vector<std::string>& symbols) {
  std::vector<Sample> out;
  for (std::uint32_t si = 0; si < series.size(); ++si) {
    const auto& s = series[si];
    if (!wanted(symbols, s.symbol) || s.rows() == 0) continue;
    const std::size_t columns = s.values.size() / s.rows();
    // Warm, gap-free run lengths ending at each row.
    std::int64_t run = 0;
    std::int64_t eligible = 0;
    for (std::size_t t = 0; t < s.rows(); ++t) {
      const bool contiguous = t > 0 && s.close_time_ns[t] - s.close_time_ns[t - 1] == s.interval_ns;
      const bool warm = warm_row(s, t, columns);
      run = warm ? (contiguous ? run + 1 : 1) : 0;
      if (!window.contains(s.close_time_ns[t]) || run < input_rows) continue;
      const std::size_t later = t + static_cast<std::size_t>(horizon_bars);
      if (later >= s.rows()) continue;
      if (s.close_time_ns[later] - s.close_time_ns[t] != horizon_bars * s.interval_ns) continue;  // a gap in the horizon
      if (!window.contains(s.close_time_ns[later])) continue;  // the label is known only after the split ends
      if (eligible++ % stride != 0) continue;
      out.push_back({si, static_cast<std::uint32_t>(t), s.close[later] > s.close[t] ? 1 : 0});
    }
  }
  return out;
}

Normalizer fit_normalizer(const std::vector<SeriesFeatures>& series, const TimeWindow& window,
                          const std::vector<std::string>& symbols, std::size_t columns) {
  std::vector<double> sum(columns, 0.0), count(columns, 0.0);
  for (const auto& s : series) {
    if (!wanted(symbols, s.symbol)) continue;
    for (std::size_t t = 0; t < s.rows(); ++t) {
      if (!window.contains(s.close_time_ns[t])) continue;
      for (std::size_t c = 0; c < columns; ++c) {
        const double v = s.values[t * columns + c];
        if (std::isnan(v)) continue;
        sum[c] += v;
        count[c] += 1;
      }
    }
  }
  Normalizer n;
  n.mean.assign(columns, 0.0);
  n.scale.assign(columns, 1.0);
  for (std::size_t c = 0; c < columns; ++c) n.mean[c] = count[c] > 0 ? sum[c] / count[c] : 0.0;
  std::vector<double> squares(columns, 0.0);
  for (const auto& s : series) {
    if (!wanted(symbols, s.symbol)) continue;
    for (std::size_t t = 0; t < s.rows(); ++t) {
      if (!window.contains(s.close_time_ns[t])) continue;
      for (std::size_t c = 0; c < columns; ++c) {
        const double v = s.values[t * columns + c];
        if (!std::isnan(v)) squares[c] += (v - n.mean[c]) * (v - n.mean[c]);
      }
    }
  }
  for (std::size_t c = 0; c < columns; ++c) {
    const double sd = count[c] > 1 ? std::sqrt(squares[c] / count[c]) : 0.0;
    n.scale[c] = sd > 1e-12 && std::isfinite(sd) ? sd : 1.0;
  }
  return n;
}

void normalize_row(const Normalizer& n, std::span<const double> raw, std::span<float> out) {
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const double v = raw[i];
    if (std::isnan(v)) {
      out[i] = 0.0f;
      continue;
    }
    double z = (v - n.mean[i]) / n.scale[i];
    if (z > n.clip) z = n.clip;
    if (z < -n.clip) z = -n.clip;
    out[i] = static_cast<float>(z);
  }
}

TrainSet make_train_set(const std::vector<SeriesFeatures>& series, const std::vector<Sample>& samples,
                        std::int64_t input_rows, const Normalizer& normalizer) {
  TrainSet set;
  const std::size_t columns = normalizer.mean.size();
  set.inputs = static_cast<std::uint32_t>(columns);
  set.window = static_cast<std::uint32_t>(input_rows);
  set.x.resize(samples.size() * static_cast<std::size_t>(input_rows) * columns);
  set.y.reserve(samples.size());
  std::size_t pos = 0;
  for (const auto& smp : samples) {
    const auto& s = series[smp.series];
    for (std::int64_t r = input_rows - 1; r >= 0; --r) {
      const std::size_t t = smp.t - static_cast<std::size_t>(r);
      normalize_row(normalizer, std::span(s.values).subspan(t * columns, columns),
                    std::span(set.x).subspan(pos, columns));
      pos += columns;
    }
    set.y.push_back(static_cast<float>(smp.label));
  }
  return set;
}

Hash128 split_hash(const std::vector<SeriesFeatures>& series, const TimeWindow& window,
                   const std::vector<std::string>& symbols) {
  StateWriter w;
  w.put_all(window.start_ns, window.end_ns);
  for (const auto& s : series) {
    if (!wanted(symbols, s.symbol)) continue;
    w.put(s.symbol);
    for (auto b : s.bars_hash.bytes) w.put(b);
  }
  return hash128(w.bytes());
}

}  // namespace verity
