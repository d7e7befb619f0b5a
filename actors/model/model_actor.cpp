// The model actor: runs the configured strategy per symbol over feature
// vectors and sends its signals to risk. For now the strategy is the
// rule-based baseline (EmaCrossStrategy).
#include <cmath>
#include <map>

#include "actors/features/indicators.hpp"
#include "actors/model/ema_cross.hpp"
#include "actors/runtime/assert.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/convert.hpp"
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
  std::uint64_t next_signal_id = 1;
  static inline const char* name = "model";
};

namespace {
model_actor::behavior_type model_behavior(model_actor::stateful_pointer<model_state> self, const Wiring* w) {
  w->snapshots->add(
      ActorId::MODEL,
      [self](StateWriter& out) {
        save_keyed(out, self->state.strategies);
        out.put(self->state.next_signal_id);
      },
      [self, w](StateReader& in) {
        load_keyed(in, self->state.strategies, [w] { return EmaCrossStrategy(w->config->strategy); });
        in.get(self->state.next_signal_id);
      });
  return {
      [=](const Msg<schema::FeatureVector>& in) {
        auto f = in.get();
        VERITY_ASSERT(f.getFeatureSet() == kFeatureSetStreaming, "model takes feature set 2");
        auto values = f.getValues();
        VERITY_ASSERT(values.size() == kFeatureCount, "feature set 2 has kFeatureCount values");
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
        const std::string symbol = text_of(f.getSymbol());
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
      },
  };
}

}  // namespace

model_actor spawn_model(caf::actor_system& system, const Wiring* w) { return system.spawn(model_behavior, w); }

}  // namespace verity
