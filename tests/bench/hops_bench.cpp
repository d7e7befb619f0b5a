// Message-passing benchmarks: what a deterministic CAF hop costs against a
// plain function call, and what making a message (Session::emit) costs.
//
// Both pipelines pass the same sealed Bar frame through the same number of
// stages, and each stage does the same token work (it reads the frame's seq
// through the pointer), so the difference is the cost of the hop itself:
// mailbox, scheduler, behavior matching and message boxing.
#include <benchmark/benchmark.h>

#include <caf/scheduler/test_coordinator.hpp>

#include <functional>
#include <memory>
#include <vector>

#include "actors/runtime/assert.hpp"
#include "actors/runtime/convert.hpp"
#include "actors/runtime/graph.hpp"
#include "actors/runtime/interfaces.hpp"
#include "actors/runtime/memory_store.hpp"
#include "actors/runtime/session.hpp"

namespace verity {
namespace {

using Bar = schema::Bar;

BarData sample_bar() {
  BarData b;
  b.symbol = "BTCUSDT";
  b.open_time_ns = 1'704'067'200'000'000'000;
  b.interval_ns = 60'000'000'000;
  b.open = 50'000.0;
  b.high = 50'120.5;
  b.low = 49'910.25;
  b.close = 50'050.75;
  b.volume = 48.125;
  return b;
}

ManifestInfo bench_manifest(JournalLevel level) {
  ManifestInfo m;
  m.session = 0x5eed;
  m.level = level;
  m.config = "# benchmark";
  m.config_hash = hash128(m.config);
  m.build_id = VERITY_BUILD_ID;
  m.command = "verity_bench";
  return m;
}

/// A journal at level hash on a memory store, and a session that emits into it.
struct EmitRig {
  MemoryStore store;
  std::unique_ptr<JournalWriter> writer;
  std::unique_ptr<Session> session;

  EmitRig() {
    auto w = JournalWriter::create(store, bench_manifest(JournalLevel::HASH), false);
    VERITY_ASSERT(w.has_value(), "the benchmark journal must open");
    writer = std::move(*w);
    session = std::make_unique<Session>(*writer, Logger::silent());
  }
};

/// One sealed Bar, made the way the sequencer makes an input.
Msg<Bar> sample_msg() {
  static EmitRig rig;
  const BarData bar = sample_bar();
  rig.session->begin_step(bar.open_time_ns + bar.interval_ns);
  return rig.session->emit<Bar>(ActorId::EXTERNAL, ActorId::FEED, [&](Bar::Builder b) { fill_bar(b, bar); });
}

// --- CAF: a chain of typed actors on the deterministic scheduler -------------

using stage_actor = caf::typed_actor<takes<Bar>>;

struct stage_state {
  std::uint64_t seq_sum = 0;
  static inline const char* name = "bench_stage";
};

stage_actor::behavior_type stage_behavior(stage_actor::stateful_pointer<stage_state> self, stage_actor next) {
  return {
      [=](const Msg<Bar>& in) {
        self->state.seq_sum += in.frame->seq();
        if (next) self->send(next, in);
      },
  };
}

/// One input per iteration, then the scheduler runs until idle: the sim's pattern.
void BM_CafHops(benchmark::State& state) {
  const auto stages = static_cast<std::size_t>(state.range(0));
  const Msg<Bar> msg = sample_msg();
  DeterministicConfig config;
  caf::actor_system system{config};
  auto& scheduler = dynamic_cast<caf::scheduler::test_coordinator&>(system.scheduler());
  std::vector<stage_actor> chain(stages);
  stage_actor next;  // invalid: the last stage sends nothing on
  for (std::size_t i = stages; i-- > 0;) {
    chain[i] = system.spawn(stage_behavior, next);
    next = chain[i];
  }
  scheduler.run();
  std::size_t hops = 0;
  for (auto _ : state) {
    caf::anon_send(chain.front(), msg);
    hops += scheduler.run();
  }
  VERITY_ASSERT(hops == stages * static_cast<std::size_t>(state.iterations()), "every stage must handle every input");
  for (auto& a : chain) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  scheduler.run();
  state.SetItemsProcessed(static_cast<std::int64_t>(hops));
}

// --- the same stages as plain virtual calls -----------------------------------

class Stage {
 public:
  virtual ~Stage() = default;
  virtual void on(const Msg<Bar>& in) = 0;
};

class ForwardStage final : public Stage {
 public:
  explicit ForwardStage(Stage* next) : next_(next) {}
  void on(const Msg<Bar>& in) override {
    seq_sum_ += in.frame->seq();
    if (next_ != nullptr) next_->on(in);
  }
  std::uint64_t seq_sum() const { return seq_sum_; }

 private:
  Stage* next_;
  std::uint64_t seq_sum_ = 0;
};

void BM_FunctionPipeline(benchmark::State& state) {
  const auto stages = static_cast<std::size_t>(state.range(0));
  const Msg<Bar> msg = sample_msg();
  std::vector<std::unique_ptr<ForwardStage>> chain(stages);
  Stage* next = nullptr;
  for (std::size_t i = stages; i-- > 0;) {
    chain[i] = std::make_unique<ForwardStage>(next);
    next = chain[i].get();
  }
  Stage* first = chain.front().get();
  for (auto _ : state) {
    // Hide the target from the optimizer, as a wiring chosen at run time would.
    benchmark::DoNotOptimize(first);
    first->on(msg);
  }
  benchmark::DoNotOptimize(chain.back()->seq_sum());
  state.SetItemsProcessed(static_cast<std::int64_t>(stages * state.iterations()));
}

/// The same stages as std::function, each taking the message by value, so
/// every hop copies the FramePtr (an atomic reference count), as a CAF send does.
void BM_StdFunctionPipeline(benchmark::State& state) {
  const auto stages = static_cast<std::size_t>(state.range(0));
  const Msg<Bar> msg = sample_msg();
  std::vector<std::function<void(Msg<Bar>)>> chain(stages);
  std::vector<std::uint64_t> seq_sums(stages);
  for (std::size_t i = stages; i-- > 0;) {
    const std::function<void(Msg<Bar>)>* next = i + 1 < stages ? &chain[i + 1] : nullptr;
    std::uint64_t* sum = &seq_sums[i];
    chain[i] = [next, sum](Msg<Bar> in) {
      *sum += in.frame->seq();
      if (next != nullptr) (*next)(in);
    };
  }
  for (auto _ : state) chain.front()(msg);
  benchmark::DoNotOptimize(seq_sums.back());
  state.SetItemsProcessed(static_cast<std::int64_t>(stages * state.iterations()));
}

// --- making messages ----------------------------------------------------------

/// Build, seal, hash into the chain (level hash: nothing stored), one Bar per iteration.
void BM_SessionEmit(benchmark::State& state) {
  EmitRig rig;
  BarData bar = sample_bar();
  for (auto _ : state) {
    bar.open_time_ns += bar.interval_ns;
    rig.session->begin_step(bar.open_time_ns + bar.interval_ns);
    auto m = rig.session->emit<Bar>(ActorId::EXTERNAL, ActorId::FEED, [&](Bar::Builder b) { fill_bar(b, bar); });
    benchmark::DoNotOptimize(m.frame.get());
  }
  benchmark::DoNotOptimize(rig.writer->chain());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

/// The feed's fan-out: the same payload copied into a new envelope.
void BM_SessionForward(benchmark::State& state) {
  // One input forwarded over and over: a frame may be read any number of
  // times (its reader has no traversal budget; see Frame's constructor).
  EmitRig rig;
  const BarData bar = sample_bar();
  rig.session->begin_step(bar.open_time_ns + bar.interval_ns);
  const Msg<Bar> in =
      rig.session->emit<Bar>(ActorId::EXTERNAL, ActorId::FEED, [&](Bar::Builder b) { fill_bar(b, bar); });
  for (auto _ : state) {
    auto m = rig.session->forward(ActorId::FEED, ActorId::FEATURES, in);
    benchmark::DoNotOptimize(m.frame.get());
  }
  benchmark::DoNotOptimize(rig.writer->chain());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// Six stages: the graph's longest path, feed -> features -> model -> risk -> execution -> portfolio.
BENCHMARK(BM_CafHops)->Arg(6);
BENCHMARK(BM_FunctionPipeline)->Arg(6);
BENCHMARK(BM_StdFunctionPipeline)->Arg(6);
BENCHMARK(BM_SessionEmit);
BENCHMARK(BM_SessionForward);

}  // namespace
}  // namespace verity
