// The model actor: runs the configured strategy per symbol over feature
// vectors and sends its signals to risk. For now the strategy is the
// rule-based baseline (EmaCrossStrategy).
#include <map>

#include "actors/features/indicators.hpp"
#include "actors/model/ema_cross.hpp"
#include "actors/runtime/assert.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/convert.hpp"
#include "actors/runtime/interfaces.hpp"
#include "actors/runtime/session.hpp"

namespace verity {

struct model_state {
  std::map<std::string, EmaCrossStrategy> strategies;
  std::uint64_t next_signal_id = 1;
  static inline const char* name = "model";
};

namespace {
model_actor::behavior_type model_behavior(model_actor::stateful_pointer<model_state> self, const Wiring* w) {
  return {
      [=](const Msg<schema::FeatureVector>& in) {
        auto f = in.get();
        VERITY_ASSERT(f.getFeatureSet() == kFeatureSetBaseline, "model takes feature set 1");
        auto values = f.getValues();
        VERITY_ASSERT(values.size() == 5, "feature set 1 has five values");
        FeatureRow row{values[0], values[1], values[2], values[3], values[4], f.getReady()};
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
