// The direct dispatcher (actors/runtime/direct_dispatch.hpp) runs the graph's
// handlers in exactly the order CAF's testing scheduler does, so a session is
// the same session on either: the same messages, hops, counts by kind and
// final hash. Checked on the default sim, challenge attempts (2-Step and a
// stress scenario), an LSTM session with online learning (model and learning
// send to each other), and a journal recorded on the direct dispatcher that
// `replay --verify` (on CAF) finds identical, resumed from a snapshot too.
#include <gtest/gtest.h>

#include "actors/runtime/memory_store.hpp"
#include "replay/replay.hpp"
#include "sim/challenge_runner.hpp"
#include "sim/sim_runner.hpp"
#include "tests/support/lstm_models.hpp"
#include "tests/support/temp_dir.hpp"

namespace verity {
namespace {

const std::string kSource = VERITY_SOURCE_DIR;

SimResult run(const Config& config, Dispatch dispatch, JournalStore* store = nullptr) {
  MemoryStore memory;
  SimHooks hooks;
  hooks.dispatch = dispatch;
  auto r = run_sim(config, store ? *store : memory, "direct_dispatch_test", hooks);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error());
  return r ? *r : SimResult{};
}

void expect_same_session(const SimResult& caf, const SimResult& direct) {
  EXPECT_EQ(caf.final_hash.hex(), direct.final_hash.hex());
  EXPECT_EQ(caf.messages, direct.messages);
  EXPECT_EQ(caf.hops, direct.hops) << "one handler run per message, on either";
  EXPECT_EQ(caf.by_kind, direct.by_kind);
  EXPECT_EQ(caf.bars, direct.bars);
  EXPECT_EQ(caf.trades, direct.trades);
  EXPECT_DOUBLE_EQ(caf.equity_end_usd, direct.equity_end_usd);
}

TEST(DirectDispatch, TheDefaultSimIsTheSameSessionOnEither) {
  for (std::uint64_t seed : {1ull, 42ull, 977ull}) {
    Config c;
    c.log.level = "off";
    c.session.seed = seed;
    c.session.bars = 20'000;
    c.journal.level = JournalLevel::HASH;
    const SimResult caf = run(c, Dispatch::caf);
    const SimResult direct = run(c, Dispatch::direct);
    SCOPED_TRACE("seed " + std::to_string(seed));
    expect_same_session(caf, direct);
    EXPECT_GT(caf.trades, 0u) << "the session must trade for the check to mean much";
  }
}

TEST(DirectDispatch, ChallengeAttemptsGiveTheSameHashes) {
  for (const char* scenario : {"/scenarios/ftmo_2step_100k.toml", "/scenarios/stress_flash_crash.toml"}) {
    auto c = load_config(kSource + scenario, {{"challenge.max_days", "6", "test"}, {"log.level", "off", "test"}}, {});
    ASSERT_TRUE(c.has_value()) << c.error();
    for (std::uint64_t index : {0ull, 3ull}) {
      const AttemptResult caf = run_attempt(*c, index, "direct_dispatch_test", "", Dispatch::caf);
      const AttemptResult direct = run_attempt(*c, index, "direct_dispatch_test", "", Dispatch::direct);
      SCOPED_TRACE(std::string(scenario) + " attempt " + std::to_string(index));
      EXPECT_EQ(caf.outcome, direct.outcome) << caf.detail << " / " << direct.detail;
      EXPECT_NE(caf.final_hash, "");
      EXPECT_EQ(caf.final_hash, direct.final_hash);
      EXPECT_EQ(caf.bars, direct.bars);
      EXPECT_DOUBLE_EQ(caf.equity_end_usd, direct.equity_end_usd);
    }
  }
}

TEST(DirectDispatch, AnLstmSessionWithOnlineLearningIsTheSame) {
  testing::TempDir dir;
  ASSERT_TRUE(testing::register_models(dir.sub("registry"), {testing::momentum_lstm("BTCUSDT", 5, 16, 30)}));
  Config c;
  c.log.level = "off";
  c.session.seed = 8;
  c.session.bars = 3'000;
  c.journal.level = JournalLevel::HASH;
  testing::use_momentum_lstms(c, dir.sub("registry"));
  c.learning.enabled = true;
  const SimResult caf = run(c, Dispatch::caf);
  const SimResult direct = run(c, Dispatch::direct);
  expect_same_session(caf, direct);
  EXPECT_GT(caf.by_kind[static_cast<std::size_t>(Kind::PREDICTION)], 0u);
  EXPECT_GT(caf.by_kind[static_cast<std::size_t>(Kind::MODEL_UPDATE)], 0u) << "learning must send the model updates";
  EXPECT_GT(caf.trades, 0u);
}

TEST(DirectDispatch, AJournalRecordedDirectReplaysIdenticalOnCaf) {
  Config c;
  c.log.level = "off";
  c.session.seed = 31;
  c.session.bars = 6'000;
  c.journal.level = JournalLevel::FULL;
  c.journal.snapshot_every = 2'000;
  MemoryStore store;
  const SimResult direct = run(c, Dispatch::direct, &store);
  auto replay = replay_verify(store, direct.session);
  ASSERT_TRUE(replay.has_value()) << replay.error();
  EXPECT_TRUE(replay->identical);
  EXPECT_EQ(replay->messages, direct.messages);
  ReplayOptions from_snapshot;
  from_snapshot.snapshot_seq = ~std::uint64_t{0};  // the latest
  auto resumed = replay_verify(store, direct.session, from_snapshot);
  ASSERT_TRUE(resumed.has_value()) << resumed.error();
  EXPECT_TRUE(resumed->identical);
  EXPECT_GT(resumed->from_snapshot, 0u) << "the direct dispatcher's actors saved their state";
}

}  // namespace
}  // namespace verity
