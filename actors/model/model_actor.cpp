// The model actor: runs the configured strategy per symbol over feature
// vectors and sends its signals to risk. The strategy is the rule-based
// baseline (EmaCrossStrategy), or registry models (EnsembleStrategy), whose
// predictions also go to the learning actor, whose head updates come back.
// Either decides on scan bars only, one per model.scan_minutes
// (ScanSchedule); the models' windows take every bar.
#include <cmath>
#include <map>
#include <optional>

#include "actors/model/ensemble.hpp"
#include "actors/model/scan_schedule.hpp"
#include "actors/runtime/state_archive.hpp"
#include "models/session_models.hpp"

#include "actors/features/indicators.hpp"
#include "actors/model/ema_cross.hpp"
#include "actors/runtime/assert.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/convert.hpp"
#include "actors/runtime/direct_dispatch.hpp"
#include "actors/runtime/interfaces.hpp"
#include "actors/runtime/snapshot.hpp"
#include "actors/runtime/session.hpp"

namespace verity {

namespace {
/// Where the baseline's inputs sit in FeatureVector.values, looked up by
/// name once, so a change to the feature set's order cannot feed it the
/// wrong column.
struct BaselineColumns {
  std::size_t close, ema_fast, ema_slow, atr;
};

const BaselineColumns& baseline_columns() {
  static const BaselineColumns columns = [] {
    auto find = [](std::string_view name) {
      const auto index = feature_index(name);
      VERITY_ASSERT(index.has_value(), "the baseline's columns are in the feature set");
      return *index;
    };
    return BaselineColumns{find("close"), find("ema_fast"), find("ema_slow"), find("atr")};
  }();
  return columns;
}
}  // namespace

struct model_state {
  std::map<std::string, EmaCrossStrategy> strategies;
  std::optional<EnsembleStrategy> ensemble;  // model strategies only
  std::optional<ScanSchedule> scans;         // set up from the config when the actor starts
  std::vector<double> values;                // scratch: one feature vector
  std::uint64_t next_signal_id = 1;
  static inline const char* name = "model";
};

namespace {
schema::Tier schema_tier(TierLevel t) {
  return t == TierLevel::high ? schema::Tier::HIGH : t == TierLevel::medium ? schema::Tier::MEDIUM : schema::Tier::LOW;
}

schema::Direction direction_of(int d) {
  return d > 0 ? schema::Direction::UP : d < 0 ? schema::Direction::DOWN : schema::Direction::FLAT;
}

/// One bar of the model strategy: into the members' windows, and on a scan
/// bar member and ensemble predictions to learning, and a signal to risk
/// when the scan makes one.
template <class Self>
void run_models(Self self, const Wiring* w, const Msg<schema::FeatureVector>& in,
                bool scan_due) {
  auto f = in.get();
  auto& st = self->state;
  auto values = f.getValues();
  st.values.resize(values.size());
  for (unsigned i = 0; i < values.size(); ++i) st.values[i] = values[i];
  const std::string symbol = text_of(f.getSymbol());
  const std::int64_t t = f.getTimeNs();
  st.ensemble->push(symbol, t, st.values);
  self->send(w->learning, w->session->forward(ActorId::MODEL, ActorId::LEARNING, in));
  if (!scan_due) return;
  const Scan scan = st.ensemble->scan(symbol, st.values);
  // The horizon the models were trained on (their files, recorded by hash),
  // never a config key the session does not record.
  const std::int64_t horizon_ns = w->models->models.front().file.horizon_bars * 60'000'000'000;
  const double close = st.values[baseline_columns().close];
  for (const auto& m : scan.members) {
    self->send(w->learning, w->session->emit<schema::Prediction>(ActorId::MODEL, ActorId::LEARNING, [&](auto p) {
      const int dir = m.output.p_up >= 0.5 ? 1 : -1;
      p.setSymbol(symbol);
      p.setTimeNs(t);
      p.setModel(m.model->name);
      p.setVersion(m.model->version);
      p.setDirection(direction_of(dir));
      p.setProbability(dir > 0 ? m.output.p_up : 1.0 - m.output.p_up);
      p.setHorizonNs(horizon_ns);
      p.setProbabilityUp(m.output.p_up);
      p.setRawProbabilityUp(m.output.raw_p_up);
      p.setClose(close);
      auto e = p.initEmbedding(static_cast<unsigned>(m.output.embedding.size()));
      for (unsigned i = 0; i < e.size(); ++i) e.set(i, m.output.embedding[i]);
    }));
  }
  if (!scan.scored) return;
  self->send(w->learning, w->session->emit<schema::Prediction>(ActorId::MODEL, ActorId::LEARNING, [&](auto p) {
    p.setSymbol(symbol);
    p.setTimeNs(t);
    p.setModel("ensemble");
    p.setDirection(direction_of(scan.call.direction));
    p.setProbability(scan.call.direction > 0 ? scan.p_up : 1.0 - scan.p_up);
    p.setHorizonNs(horizon_ns);
    p.setProbabilityUp(scan.p_up);
    p.setRawProbabilityUp(scan.p_up);
    p.setClose(close);
    p.setPattern(scan.pattern);
    p.setConfidence(scan.call.confidence);
    p.setTier(schema_tier(scan.tier));
  }));
  if (!scan.signal) return;
  const SignalSpec& spec = *scan.signal;
  const std::uint64_t id = st.next_signal_id++;
  self->send(w->risk, w->session->emit<schema::Signal>(ActorId::MODEL, ActorId::RISK, [&](auto s) {
    s.setSignalId(id);
    s.setSymbol(symbol);
    s.setTimeNs(t);
    s.setStrategy(w->config->model.strategy);
    s.setDirection(spec.direction);
    s.setConfidence(spec.confidence);
    s.setTier(schema_tier(scan.tier));
    s.setEntry(spec.entry);
    s.setTakeProfit(spec.take_profit);
    s.setStopLoss(spec.stop_loss);
  }));
}

/// Online learning's new head for one member; the weights hash it carries
/// must be what applying it gives (the learning actor computed it from the
/// same weights), or the two actors disagree about the model.
template <class Self>
void apply_update(Self self, const Msg<schema::ModelUpdate>& in) {
  auto u = in.get();
  VERITY_ASSERT(self->state.ensemble.has_value(), "model updates come only to model strategies");
  ModelRunner* r = self->state.ensemble->runner(text_of(u.getModel()));
  VERITY_ASSERT(r != nullptr, "an update names a model the session runs");
  auto delta = u.getDelta();
  StateReader reader(std::string_view(reinterpret_cast<const char*>(delta.begin()), delta.size()), "model update");
  std::vector<float> head;
  float bias = 0;
  reader.get_all(head, bias);
  VERITY_ASSERT(reader.ok() && reader.at_end(), "a model update's delta is a head");
  r->set_head(head, bias);
  const Hash128 h = r->weights_hash();
  auto expected = u.getParamsHash();
  VERITY_ASSERT(expected.size() == 16 && std::equal(h.bytes.begin(), h.bytes.end(), expected.begin()),
                "the updated weights hash to what the learning actor computed");
}

template <class Self>
auto model_handlers(Self self, const Wiring* w) {
  if (w->config->model.strategy != "baseline") {
    VERITY_ASSERT(w->models != nullptr, "a model strategy's session loads its models before the graph starts");
    auto made = EnsembleStrategy::make(*w->config, *w->models);
    VERITY_ASSERT(made.has_value(), "the session checked its models before the graph started");
    self->state.ensemble.emplace(std::move(*made));
  }
  self->state.scans.emplace(w->config->model.scan_minutes * 60'000'000'000);
  w->snapshots->add(
      ActorId::MODEL,
      [self](StateWriter& out) {
        save_keyed(out, self->state.strategies);
        out.put(self->state.next_signal_id);
        self->state.scans->save(out);
        if (self->state.ensemble) self->state.ensemble->save(out);
      },
      [self, w](StateReader& in) {
        load_keyed(in, self->state.strategies, [w] { return EmaCrossStrategy(w->config->strategy); });
        in.get(self->state.next_signal_id);
        self->state.scans->load(in);
        if (self->state.ensemble) self->state.ensemble->load(in);
      });
  return std::make_tuple(
      [=](const Msg<schema::ModelUpdate>& in) { apply_update(self, in); },
      [=](const Msg<schema::FeatureVector>& in) {
        auto f = in.get();
        VERITY_ASSERT(f.getFeatureSet() == kFeatureSetStreaming, "model takes feature set 2");
        auto values = f.getValues();
        VERITY_ASSERT(values.size() == kFeatureCount, "feature set 2 has kFeatureCount values");
        const std::string symbol = text_of(f.getSymbol());
        const bool scan_due = self->state.scans->due(symbol, f.getTimeNs());
        if (self->state.ensemble) {
          run_models(self, w, in, scan_due);
          return;
        }
        if (!scan_due) return;
        const BaselineColumns& c = baseline_columns();
        FeatureRow row;
        row.close = values[c.close];
        row.ema_fast = values[c.ema_fast];
        row.ema_slow = values[c.ema_slow];
        row.atr = values[c.atr];
        // The baseline waits for its own columns only: each column is NaN
        // until it is warm (docs/FEATURES.md), while the vector's `ready`
        // also waits for the hourly EMA slope, about two days of 1m bars.
        row.ready = !std::isnan(row.close) && !std::isnan(row.ema_fast) && !std::isnan(row.ema_slow) &&
                    !std::isnan(row.atr);
        auto& strategies = self->state.strategies;
        auto it = strategies.find(symbol);
        if (it == strategies.end()) it = strategies.emplace(symbol, EmaCrossStrategy(w->config->strategy)).first;
        auto spec = it->second.on_features(row);
        if (!spec) return;
        const std::uint64_t id = self->state.next_signal_id++;
        self->send(w->risk, w->session->emit<schema::Signal>(ActorId::MODEL, ActorId::RISK, [&](auto s) {
          s.setSignalId(id);
          s.setSymbol(symbol);
          s.setTimeNs(f.getTimeNs());
          s.setStrategy("ema_cross");
          s.setDirection(spec->direction);
          s.setConfidence(spec->confidence);
          s.setTier(schema::Tier::LOW);
          s.setEntry(spec->entry);
          s.setTakeProfit(spec->take_profit);
          s.setStopLoss(spec->stop_loss);
        }));
      });
}

model_actor::behavior_type model_behavior(model_actor::stateful_pointer<model_state> self, const Wiring* w) {
  return behavior_of<model_actor>(model_handlers(self, w));
}

}  // namespace

model_actor spawn_model(caf::actor_system& system, const Wiring* w) { return system.spawn(model_behavior, w); }

void add_direct_model(DirectDispatcher& d, const Wiring* w) {
  d.add<model_state>(ActorId::MODEL, [w](auto self) { return model_handlers(self, w); });
}

}  // namespace verity
