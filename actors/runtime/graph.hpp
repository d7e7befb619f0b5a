// One session's actor graph on CAF's deterministic `testing` scheduler, and
// the sequencer that drives it.
//
// The scheduler runs every actor on the caller's thread. The sequencer stamps
// and journals one input, delivers it, runs the scheduler until no actor has
// work left (the input has run to completion through the graph), then
// commits the step's batch. Only then does the next input enter.
#pragma once

#include <memory>

#include "actors/runtime/direct_dispatch.hpp"
#include "actors/runtime/dispatch.hpp"
#include "actors/runtime/interfaces.hpp"
#include "actors/runtime/session.hpp"
#include "actors/runtime/snapshot.hpp"

namespace verity {

/// CAF configured for deterministic runs: the `testing` scheduler, which runs
/// every actor on the caller's thread, and CAF's own logging silenced.
struct DeterministicConfig : caf::actor_system_config {
  DeterministicConfig();
};

class Graph {
 public:
  /// `metrics`: the execution metrics the session loaded (null: fixed costs).
  /// `models`: the registry models the strategy runs (null: the baseline).
  Graph(Session& session, const Config& config, const ExecutionMetrics* metrics = nullptr,
        const SessionModels* models = nullptr, Dispatch dispatch = Dispatch::caf);
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  void deliver(const Msg<schema::Bar>& m) { send(wiring_.feed, m); }
  void deliver(const Msg<schema::ControlCommand>& m) { send(wiring_.risk, m); }
  void deliver(const Msg<schema::ExecutionReport>& m) { send(wiring_.execution, m); }
  /// Runs actors until none has work; returns how many jobs ran.
  std::size_t run_until_idle();
  /// Every actor's state, to save between steps or load before the first.
  SnapshotRegistry& snapshots() { return *snapshots_; }

 private:
  template <class Handle, class T>
  void send(const Handle& to, const Msg<T>& m) {
    if (direct_) {
      direct_->post(m.frame);  // the sequencer keeps its input; one count more
    } else {
      caf::anon_send(to, m);
    }
  }

  struct System;
  Wiring wiring_;
  std::unique_ptr<SnapshotRegistry> snapshots_;
  std::unique_ptr<System> system_;            // Dispatch::caf
  std::unique_ptr<DirectDispatcher> direct_;  // Dispatch::direct
};

/// Input destinations: where each kind of outside input enters the graph.
template <class T>
struct InputRoute;
template <>
struct InputRoute<schema::Bar> {
  static constexpr ActorId destination = ActorId::FEED;
};
template <>
struct InputRoute<schema::ControlCommand> {
  static constexpr ActorId destination = ActorId::RISK;
};
/// A live venue's answers (execution.venue "binance" or "mt5").
template <>
struct InputRoute<schema::ExecutionReport> {
  static constexpr ActorId destination = ActorId::EXECUTION;
};

class Sequencer {
 public:
  Sequencer(Session& session, Graph& graph, JournalWriter& journal)
      : session_(session), graph_(graph), journal_(journal) {}

  /// One step: the input `fill` describes enters at logical time `time_ns`.
  template <class T, class Fill>
  Status step(std::int64_t time_ns, Fill&& fill) {
    session_.begin_step(time_ns);
    graph_.deliver(session_.emit<T>(ActorId::EXTERNAL, InputRoute<T>::destination, std::forward<Fill>(fill)));
    hops_ += graph_.run_until_idle();
    return after_step();
  }

  /// One step from a journaled input: the same payload enters at the same
  /// logical time, in a new envelope the Session stamps (so a faithful
  /// replay makes the same bytes). Bars, control commands and venue reports
  /// are inputs.
  Status replay_step(const FramePtr& input);

  /// Saves every actor's state each `every` steps (0: never).
  void set_snapshot_every(std::uint64_t every) { snapshot_every_ = every; }
  /// The snapshot of the state after the last committed step.
  SnapshotInfo take_snapshot();
  /// Puts the graph, the session and the journal writer where `snapshot`
  /// was taken, before the first input; the next step follows its seq.
  Status restore(const SnapshotInfo& snapshot);

  /// Actor jobs the scheduler has run: one per message handled.
  std::uint64_t hops() const { return hops_; }

 private:
  Status after_step();

  Session& session_;
  Graph& graph_;
  JournalWriter& journal_;
  std::uint64_t hops_ = 0;
  std::uint64_t snapshot_every_ = 0;
};

}  // namespace verity
