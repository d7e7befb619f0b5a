#include "actors/runtime/graph.hpp"

#include "actors/runtime/log.hpp"

#include <caf/scheduler/test_coordinator.hpp>

namespace verity {

DeterministicConfig::DeterministicConfig() {
  set("scheduler.policy", caf::atom("testing"));
  set("logger.verbosity", caf::atom("quiet"));
  set("logger.file-verbosity", caf::atom("quiet"));
  set("logger.console-verbosity", caf::atom("quiet"));
}

struct Graph::System {
  DeterministicConfig config;
  caf::actor_system system{config};
  caf::scheduler::test_coordinator& scheduler =
      dynamic_cast<caf::scheduler::test_coordinator&>(system.scheduler());
};

Graph::Graph(Session& session, const Config& config, const ExecutionMetrics* metrics, const SessionModels* models,
             Dispatch dispatch)
    : snapshots_(std::make_unique<SnapshotRegistry>()) {
  wiring_.snapshots = snapshots_.get();
  wiring_.session = &session;
  wiring_.config = &config;
  wiring_.metrics = metrics;
  wiring_.models = models;
  const Wiring* w = &wiring_;
  // Made downstream first, in the same order either way: each registers its
  // state for snapshots as it is made. Handles are read only when messages flow.
  if (dispatch == Dispatch::direct) {
    direct_ = std::make_unique<DirectDispatcher>();
    auto& d = *direct_;
    add_direct_notify(d, w);
    add_direct_portfolio(d, w);
    add_direct_learning(d, w);
    add_direct_execution(d, w);
    add_direct_risk(d, w);
    add_direct_model(d, w);
    add_direct_features(d, w);
    add_direct_feed(d, w);
    return;
  }
  system_ = std::make_unique<System>();
  auto& sys = system_->system;
  wiring_.notify = spawn_notify(sys, w);
  wiring_.portfolio = spawn_portfolio(sys, w);
  wiring_.learning = spawn_learning(sys, w);
  wiring_.execution = spawn_execution(sys, w);
  wiring_.risk = spawn_risk(sys, w);
  wiring_.model = spawn_model(sys, w);
  wiring_.features = spawn_features(sys, w);
  wiring_.feed = spawn_feed(sys, w);
  run_until_idle();
}

Graph::~Graph() {
  if (!system_) return;
  auto stop = [](const auto& handle) { caf::anon_send_exit(handle, caf::exit_reason::user_shutdown); };
  stop(wiring_.feed);
  stop(wiring_.features);
  stop(wiring_.model);
  stop(wiring_.risk);
  stop(wiring_.execution);
  stop(wiring_.portfolio);
  stop(wiring_.learning);
  stop(wiring_.notify);
  run_until_idle();
  wiring_ = Wiring{};
  system_.reset();
}

std::size_t Graph::run_until_idle() { return direct_ ? direct_->run() : system_->scheduler.run(); }

Status Sequencer::replay_step(const FramePtr& input) {
  session_.begin_step(input->time_ns());
  switch (input->kind()) {
    case Kind::BAR:
      graph_.deliver(session_.forward(ActorId::EXTERNAL, InputRoute<schema::Bar>::destination, Msg<schema::Bar>{input}));
      break;
    case Kind::CONTROL_COMMAND:
      graph_.deliver(session_.forward(ActorId::EXTERNAL, InputRoute<schema::ControlCommand>::destination,
                                      Msg<schema::ControlCommand>{input}));
      break;
    case Kind::EXECUTION_REPORT:
      graph_.deliver(session_.forward(ActorId::EXTERNAL, InputRoute<schema::ExecutionReport>::destination,
                                      Msg<schema::ExecutionReport>{input}));
      break;
    default:
      return std::unexpected("seq " + std::to_string(input->seq()) + ": a " + std::string(kind_name(input->kind())) +
                             " from outside the graph is not an input the graph takes");
  }
  hops_ += graph_.run_until_idle();
  return after_step();
}

Status Sequencer::after_step() {
  if (auto ok = journal_.commit_step(); !ok) return ok;
  if (snapshot_every_ == 0 || journal_.steps() % snapshot_every_ != 0) return {};
  return journal_.write_snapshot(take_snapshot());
}

SnapshotInfo Sequencer::take_snapshot() {
  SnapshotInfo s;
  s.session = journal_.session();
  s.seq = journal_.last_seq();
  s.messages = journal_.messages();
  s.steps = journal_.steps();
  s.time_ns = session_.now_ns();
  s.chain = journal_.chain();
  s.actors = graph_.snapshots().save_all();
  s.counts.assign(session_.counts().begin(), session_.counts().end());
  if (const FramePtr& a = session_.last_account()) {
    const auto b = a->bytes();
    s.last_account.assign(reinterpret_cast<const char*>(b.data()), b.size());
  }
  return s;
}

Status Sequencer::restore(const SnapshotInfo& s) {
  const std::string what = "the snapshot at seq " + std::to_string(s.seq) + " of session " + session_hex(s.session);
  if (auto ok = graph_.snapshots().load_all(s.actors, what); !ok) return ok;
  std::array<std::uint64_t, kKindCount> counts{};
  for (std::size_t k = 0; k < std::min(counts.size(), s.counts.size()); ++k) counts[k] = s.counts[k];
  FramePtr last_account;
  if (!s.last_account.empty()) {
    auto f = Frame::decode(
        std::span(reinterpret_cast<const std::uint8_t*>(s.last_account.data()), s.last_account.size()));
    if (!f) return std::unexpected(what + ": its last account snapshot: " + f.error());
    last_account = *f;
  }
  journal_.restore_position(s.seq, s.chain, s.messages, s.steps);
  session_.restore(counts, std::move(last_account));
  return {};
}

}  // namespace verity

