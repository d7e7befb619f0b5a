// The learning actor (model strategies): labels every prediction when its
// horizon elapses, trains each member network's head online from the
// labeled outcomes (actors/learning/online_head.hpp) and sends the new head
// to the model actor as a ModelUpdate — a journaled message, so a replay
// makes the same updates and ends with the same weights. It also runs the
// KS drift test on each symbol's input features and the retraining triggers
// on each model's rolling accuracy and calibration, and tells notify when
// either fires. With the baseline strategy it receives nothing.
#include <map>

#include "actors/features/indicators.hpp"
#include "actors/learning/drift.hpp"
#include "actors/learning/labeler.hpp"
#include "actors/learning/online_head.hpp"
#include "actors/learning/retrain_monitor.hpp"
#include "actors/runtime/assert.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/convert.hpp"
#include "actors/runtime/direct_dispatch.hpp"
#include "actors/runtime/interfaces.hpp"
#include "actors/runtime/prng.hpp"
#include "actors/runtime/session.hpp"
#include "actors/runtime/snapshot.hpp"
#include "actors/runtime/state_archive.hpp"
#include "models/session_models.hpp"

namespace verity {

namespace {
/// One model's learning: its outcomes, its online head, its triggers.
struct Learner {
  const LoadedModel* model = nullptr;
  std::vector<NamedTensor> tensors;  // the weights as they are now (the head follows the updates)
  OutcomeLabeler labeler;
  std::optional<OnlineHead> head;    // null when learning.enabled is off, and for the ensemble
  RetrainMonitor monitor;
  bool triggered = false;
  std::uint64_t updates = 0;
};

double validation_accuracy(const ModelFile& f) {
  std::uint64_t seen = 0, correct = 0;
  for (const auto& [k, c] : f.patterns) {
    seen += c.seen;
    correct += c.correct;
  }
  return seen > 0 ? static_cast<double>(correct) / static_cast<double>(seen) : 0.5;
}

RetrainConfig retrain_config(const LearningConfig& l) {
  RetrainConfig c;
  c.window = static_cast<std::size_t>(l.retrain_window);
  c.accuracy_drop_pts = l.accuracy_drop_pts;
  c.max_calibration_error = l.max_calibration_error;
  c.min_outcomes = std::min<std::size_t>(c.min_outcomes, c.window);
  return c;
}
}  // namespace

struct learning_state {
  std::map<std::string, Learner> learners;  // by model name, plus "ensemble"
  std::map<std::string, DriftDetector> drift;  // by symbol
  std::map<std::string, bool> drifted;
  std::vector<std::size_t> drift_columns;
  std::size_t close_column = *feature_index("close");
  static inline const char* name = "learning";
};

namespace {
template <class Self>
void notify(Self self, const Wiring* w, std::int64_t t,
            schema::Severity severity, const std::string& event, const std::string& symbol, const std::string& text) {
  self->send(w->notify, w->session->emit<schema::Notification>(ActorId::LEARNING, ActorId::NOTIFY, [&](auto n) {
    n.setTimeNs(t);
    n.setMode(w->session->mode());
    n.setSeverity(severity);
    n.setEvent(event);
    n.setSymbol(symbol);
    n.setText(text);
  }));
}

template <class Self>
void on_outcome(Self self, const Wiring* w, const std::string& name,
                Learner& l, const LabeledOutcome& o) {
  l.monitor.on_outcome(o.prediction.p_up, o.label);
  const RetrainStatus status = l.monitor.status();
  if (status.triggered && !l.triggered)
    notify(self, w, o.labeled_at_ns, schema::Severity::WARNING, "retrain_trigger", o.prediction.symbol,
           name + ": " + status.reason);
  l.triggered = status.triggered;
  if (!l.head) return;
  auto update = l.head->on_outcome(o.prediction.embedding, o.label);
  if (!update) return;
  for (auto& t : l.tensors) {
    if (t.name == "head.weight") t.values = update->w;
    if (t.name == "head.bias") t.values = {update->b};
  }
  ++l.updates;
  const Hash128 h = weights_hash(l.tensors);
  StateWriter delta;
  delta.put_all(update->w, update->b);
  self->send(w->model, w->session->emit<schema::ModelUpdate>(ActorId::LEARNING, ActorId::MODEL, [&](auto u) {
    u.setTimeNs(o.labeled_at_ns);
    u.setModel(name);
    u.setFromVersion(l.model->version);
    u.setToVersion(l.model->version + "+online." + std::to_string(l.updates));
    u.setParamsHash(capnp::Data::Reader(h.bytes.data(), h.bytes.size()));
    u.setDelta(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(delta.bytes().data()), delta.bytes().size()));
    u.setReason("online SGD " + std::to_string(update->update_index) + ": batch loss " +
                std::to_string(update->batch_loss_before) + " -> " + std::to_string(update->batch_loss_after));
  }));
}

template <class Self>
auto learning_handlers(Self self, const Wiring* w) {
  auto& st = self->state;
  if (w->models) {
    const auto& lc = w->config->learning;
    const PrngStreams streams(w->config->session.seed);
    OnlineConfig oc;
    oc.learning_rate = lc.learning_rate;
    oc.replay_capacity = static_cast<std::size_t>(lc.replay_capacity);
    oc.replay_batch = static_cast<std::size_t>(lc.replay_batch);
    oc.update_every = static_cast<std::size_t>(lc.update_every);
    // Each model labels at the horizon it was trained on (its file).
    auto horizon_ns_of = [](const LoadedModel& m) { return m.file.horizon_bars * 60'000'000'000; };
    for (const auto& m : w->models->models) {
      const auto& head_w = m.file.tensors[m.file.tensors.size() - 2].values;
      const float head_b = m.file.tensors.back().values[0];
      Learner l{&m, m.file.tensors, OutcomeLabeler(horizon_ns_of(m), 4 * 4096), std::nullopt,
                RetrainMonitor(validation_accuracy(m.file), retrain_config(lc))};
      if (lc.enabled) l.head.emplace(head_w, head_b, oc, streams.stream("learning/" + m.name));
      st.learners.emplace(m.name, std::move(l));
    }
    const LoadedModel& lead = w->models->models.front();
    st.learners.emplace("ensemble", Learner{&lead, {}, OutcomeLabeler(horizon_ns_of(lead), 4 * 4096), std::nullopt,
                                            RetrainMonitor(validation_accuracy(lead.file), retrain_config(lc))});
    // Calendar columns (sessions, day, hour) are functions of the clock: a
    // day of them never looks like ten, and that is not drift. The test
    // reads the market columns only.
    DriftReference reference;
    reference.samples = lead.file.drift.samples;
    std::vector<std::string> names;
    for (std::size_t c = 0; c < lead.file.features.size(); ++c) {
      const std::string& name = lead.file.features[c];
      if (name.starts_with("session_") || name == "day_of_week" || name == "hour_utc") continue;
      if (c >= lead.file.drift.quantiles.size()) continue;
      st.drift_columns.push_back(*feature_index(name));
      reference.quantiles.push_back(lead.file.drift.quantiles[c]);
      names.push_back(name);
    }
    DriftConfig dc;
    dc.window = static_cast<std::size_t>(lc.drift_window);
    dc.check_every = static_cast<std::size_t>(lc.drift_check_every);
    dc.alpha = lc.drift_alpha;
    for (const auto& sym : session_symbols(*w->config)) {
      st.drift.emplace(sym, DriftDetector(reference, names, dc));
      st.drifted[sym] = false;
    }
  }
  w->snapshots->add(
      ActorId::LEARNING,
      [self](StateWriter& out) {
        for (const auto& [name, l] : self->state.learners) {
          l.labeler.save(out);
          out.put(l.head.has_value());
          if (l.head) l.head->save(out);
          l.monitor.save(out);
          out.put_all(l.triggered, l.updates, l.tensors.empty() ? std::vector<float>{} : l.tensors[l.tensors.size() - 2].values,
                      l.tensors.empty() ? 0.0f : l.tensors.back().values[0]);
        }
        for (const auto& [sym, d] : self->state.drift) d.save(out);
        out.put(self->state.drifted);
      },
      [self](StateReader& in) {
        for (auto& [name, l] : self->state.learners) {
          l.labeler.load(in);
          bool has_head = false;
          in.get(has_head);
          if (has_head != l.head.has_value()) in.fail("online learning on in one run and off in the other");
          if (l.head) l.head->load(in);
          l.monitor.load(in);
          std::vector<float> hw;
          float hb = 0;
          in.get_all(l.triggered, l.updates, hw, hb);
          if (!l.tensors.empty() && in.ok()) {
            l.tensors[l.tensors.size() - 2].values = hw;
            l.tensors.back().values = {hb};
          }
        }
        for (auto& [sym, d] : self->state.drift) d.load(in);
        in.get(self->state.drifted);
      });
  return std::make_tuple(
      [=](const Msg<schema::Prediction>& in) {
        auto p = in.get();
        auto it = self->state.learners.find(text_of(p.getModel()));
        VERITY_ASSERT(it != self->state.learners.end(), "predictions come from the session's models");
        PendingPrediction pending;
        pending.symbol = text_of(p.getSymbol());
        pending.time_ns = p.getTimeNs();
        pending.close = p.getClose();
        pending.p_up = p.getProbabilityUp();
        pending.direction = p.getDirection() == schema::Direction::UP ? 1 : -1;
        pending.pattern = text_of(p.getPattern());
        auto e = p.getEmbedding();
        pending.embedding.resize(e.size());
        for (unsigned i = 0; i < e.size(); ++i) pending.embedding[i] = e[i];
        it->second.labeler.on_prediction(std::move(pending));
      },
      [=](const Msg<schema::FeatureVector>& in) {
        auto f = in.get();
        auto values = f.getValues();
        const std::string symbol = text_of(f.getSymbol());
        const std::int64_t t = f.getTimeNs();
        const double close = values[self->state.close_column];
        for (auto& [name, l] : self->state.learners)
          for (const auto& o : l.labeler.on_bar(symbol, t, close)) on_outcome(self, w, name, l, o);
        auto d = self->state.drift.find(symbol);
        if (d == self->state.drift.end()) return;
        std::vector<float> row;
        for (auto c : self->state.drift_columns) row.push_back(static_cast<float>(values[c]));
        auto report = d->second.on_row(row);
        if (!report) return;
        bool& was = self->state.drifted[symbol];
        if (report->drifted && !was) {
          std::string cols;
          for (const auto& c : report->columns)
            if (c.drifted) cols += (cols.empty() ? "" : ", ") + c.name + " (D " + std::to_string(c.d) + ")";
          notify(self, w, t, schema::Severity::ALERT, "feature_drift", symbol,
                 "KS test at alpha " + std::to_string(w->config->learning.drift_alpha) + ": " + cols);
        }
        was = report->drifted;
      });
}
learning_actor::behavior_type learning_behavior(learning_actor::stateful_pointer<learning_state> self, const Wiring* w) {
  return behavior_of<learning_actor>(learning_handlers(self, w));
}

}  // namespace

learning_actor spawn_learning(caf::actor_system& system, const Wiring* w) { return system.spawn(learning_behavior, w); }

void add_direct_learning(DirectDispatcher& d, const Wiring* w) {
  d.add<learning_state>(ActorId::LEARNING, [w](auto self) { return learning_handlers(self, w); });
}

}  // namespace verity
