// The features actor: one FeatureEngine per symbol; one feature vector per
// bar (feature set 2, every column of kFeatureColumns in order), stamped at
// the bar's close, sent to the model.
#include <map>

#include "actors/features/indicators.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/convert.hpp"
#include "actors/runtime/direct_dispatch.hpp"
#include "actors/runtime/interfaces.hpp"
#include "actors/runtime/snapshot.hpp"
#include "actors/runtime/session.hpp"

namespace verity {

struct features_state {
  std::map<std::string, FeatureEngine> engines;
  static inline const char* name = "features";
};

namespace {
template <class Self>
auto features_handlers(Self self, const Wiring* w) {
  w->snapshots->add(
      ActorId::FEATURES, [self](StateWriter& out) { save_keyed(out, self->state.engines); },
      [self, w](StateReader& in) {
        load_keyed(in, self->state.engines, [w] { return FeatureEngine(w->config->features); });
      });
  return std::make_tuple(
      [=](const Msg<schema::Bar>& in) {
        const BarData bar = to_bar_data(in.get());
        auto& engines = self->state.engines;
        auto it = engines.find(bar.symbol);
        if (it == engines.end()) it = engines.emplace(bar.symbol, FeatureEngine(w->config->features)).first;
        const FeatureRow row = it->second.update(bar);
        self->send(w->model, w->session->emit<schema::FeatureVector>(ActorId::FEATURES, ActorId::MODEL, [&](auto f) {
          f.setSymbol(bar.symbol);
          f.setTimeNs(bar.open_time_ns + bar.interval_ns);
          f.setFeatureSet(kFeatureSetStreaming);
          f.setReady(row.ready);
          double values[kFeatureCount];
          feature_values(row, values);
          auto v = f.initValues(kFeatureCount);
          for (unsigned i = 0; i < kFeatureCount; ++i) v.set(i, values[i]);
        }));
      });
}

features_actor::behavior_type features_behavior(features_actor::stateful_pointer<features_state> self,
                                                const Wiring* w) {
  return behavior_of<features_actor>(features_handlers(self, w));
}

}  // namespace

features_actor spawn_features(caf::actor_system& system, const Wiring* w) { return system.spawn(features_behavior, w); }

void add_direct_features(DirectDispatcher& d, const Wiring* w) {
  d.add<features_state>(ActorId::FEATURES, [w](auto self) { return features_handlers(self, w); });
}

}  // namespace verity
