// The actor graph's contract: what each actor takes, as CAF typed actor
// interfaces over Cap'n Proto payloads. CAF checks at compile time that a
// send matches the receiver's interface.
//
//   external -> feed -> features -> model -> risk -> execution -> portfolio
//                 |                           ^  \        |           |
//                 +-> execution, portfolio    |   notify  +-> notify  |
//                                             +-----------------------+
//                                               (account snapshots)
#pragma once

#include <caf/all.hpp>

#include <tuple>

#include "actors/runtime/envelope.hpp"
#include "schema/account.capnp.h"
#include "schema/control.capnp.h"
#include "schema/market.capnp.h"
#include "schema/order.capnp.h"
#include "schema/signal.capnp.h"

// Messages stay inside one process: frames are shared, never serialized by CAF.
#define VERITY_ALLOW_MSG(Type, WHICH) CAF_ALLOW_UNSAFE_MESSAGE_TYPE(verity::Msg<verity::schema::Type>)
VERITY_PAYLOAD_KINDS(VERITY_ALLOW_MSG)
#undef VERITY_ALLOW_MSG

namespace verity {

template <class T>
using takes = caf::reacts_to<Msg<T>>;

/// Validates bars from outside; passes good ones on, quarantines bad ones.
using feed_actor = caf::typed_actor<takes<schema::Bar>>;
/// Streaming indicators per symbol; one feature vector per bar.
using features_actor = caf::typed_actor<takes<schema::Bar>>;
/// Turns feature vectors into predictions and signals (the rule-based
/// baseline, or registry models); applies online learning's head updates.
using model_actor = caf::typed_actor<takes<schema::FeatureVector>, takes<schema::ModelUpdate>>;
/// Labels predictions when their horizon elapses, trains the heads online,
/// tests features for drift and evaluates the retraining triggers.
using learning_actor = caf::typed_actor<takes<schema::FeatureVector>, takes<schema::Prediction>>;
/// Sizes and approves or rejects signals; follows the account; obeys commands.
using risk_actor = caf::typed_actor<takes<schema::Signal>, takes<schema::AccountSnapshot>, takes<schema::ControlCommand>>;
/// The venue: fills orders, watches brackets on every bar.
using execution_actor = caf::typed_actor<takes<schema::Bar>, takes<schema::Order>, takes<schema::ExecutionReport>>;
/// Positions, balance and equity from fills and marks.
using portfolio_actor = caf::typed_actor<takes<schema::Bar>, takes<schema::ExecutionReport>>;
/// The outbound sink: logs in sim, Telegram in live.
using notify_actor = caf::typed_actor<takes<schema::RiskDecision>, takes<schema::ExecutionReport>,
                                      takes<schema::Quarantine>, takes<schema::Notification>,
                                      takes<schema::ChallengeStatus>>;

class Session;
struct Config;
struct ExecutionMetrics;
struct SessionModels;
class SnapshotRegistry;

/// Handles of one session's actors, filled after all are spawned.
struct Wiring {
  Session* session = nullptr;
  const Config* config = nullptr;
  const ExecutionMetrics* metrics = nullptr;  // the empirical costs the venue draws from; may be null
  SnapshotRegistry* snapshots = nullptr;      // where each actor registers its state's save and load
  const SessionModels* models = nullptr;      // the registry models the strategy runs; null for the baseline
  feed_actor feed;
  features_actor features;
  model_actor model;
  risk_actor risk;
  execution_actor execution;
  portfolio_actor portfolio;
  learning_actor learning;
  notify_actor notify;
};

/// A CAF behavior from a tuple of handlers: each actor writes its handlers
/// once, generic over `self`, for CAF and for the direct dispatcher.
template <class Actor, class Handlers>
typename Actor::behavior_type behavior_of(Handlers handlers) {
  return std::apply([](auto&&... h) { return typename Actor::behavior_type{std::move(h)...}; }, std::move(handlers));
}

class DirectDispatcher;

// Each actor's file spawns it on CAF, or adds it to a direct dispatcher
// (actors/runtime/direct_dispatch.hpp); its state stays private to that file.
void add_direct_feed(DirectDispatcher& d, const Wiring* w);
void add_direct_features(DirectDispatcher& d, const Wiring* w);
void add_direct_model(DirectDispatcher& d, const Wiring* w);
void add_direct_risk(DirectDispatcher& d, const Wiring* w);
void add_direct_execution(DirectDispatcher& d, const Wiring* w);
void add_direct_portfolio(DirectDispatcher& d, const Wiring* w);
void add_direct_learning(DirectDispatcher& d, const Wiring* w);
void add_direct_notify(DirectDispatcher& d, const Wiring* w);
feed_actor spawn_feed(caf::actor_system& system, const Wiring* w);
features_actor spawn_features(caf::actor_system& system, const Wiring* w);
model_actor spawn_model(caf::actor_system& system, const Wiring* w);
risk_actor spawn_risk(caf::actor_system& system, const Wiring* w);
execution_actor spawn_execution(caf::actor_system& system, const Wiring* w);
portfolio_actor spawn_portfolio(caf::actor_system& system, const Wiring* w);
learning_actor spawn_learning(caf::actor_system& system, const Wiring* w);
notify_actor spawn_notify(caf::actor_system& system, const Wiring* w);

}  // namespace verity
