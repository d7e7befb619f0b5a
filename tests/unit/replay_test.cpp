// Replay verification in process: a recorded session replays identically; a
// journal whose one output was changed (and resealed and re-chained, as a
// journal written by different code would be) diverges at exactly that seq
// with a field-level diff; a session without stored outputs is refused.
#include <gtest/gtest.h>

#include <capnp/message.h>

#include "actors/runtime/journal_reader.hpp"
#include "actors/runtime/journal_writer.hpp"
#include "actors/runtime/memory_store.hpp"
#include "replay/replay.hpp"
#include "sim/sim_runner.hpp"

namespace verity {
namespace {

struct Recorded {
  MemoryStore store;
  SimResult result;
};

std::unique_ptr<Recorded> record(std::int64_t bars, JournalLevel level = JournalLevel::FULL) {
  auto r = std::make_unique<Recorded>();
  Config config;
  config.session.bars = bars;
  config.session.seed = 11;
  config.log.level = "off";
  config.journal.level = level;
  auto result = run_sim(config, r->store, "verity_tests replay");
  EXPECT_TRUE(result.has_value()) << result.error();
  r->result = *result;
  return r;
}

/// The session copied into `out` with `change` applied to the frame at `seq`.
template <class Change>
void copy_with_change(JournalStore& in, std::uint64_t session, JournalStore& out, std::uint64_t seq, Change change) {
  auto reader = JournalReader::open(in, session);
  ASSERT_TRUE(reader.has_value()) << reader.error();
  auto writer = JournalWriter::create(out, reader->manifest(), true);
  ASSERT_TRUE(writer.has_value()) << writer.error();
  ASSERT_TRUE(reader->for_each(1, reader->head().last_seq, [&](const FramePtr& f) {
    if (f->seq() != seq) {
      (*writer)->record(*f);
    } else {
      capnp::MallocMessageBuilder b;
      b.setRoot(f->envelope());
      change(b.getRoot<schema::Envelope>());
      Frame changed(seal(b));
      (*writer)->record(changed);
    }
    EXPECT_TRUE((*writer)->commit_step().has_value());
    return true;
  }));
  ASSERT_TRUE((*writer)->close().has_value());
}

TEST(Replay, ARecordedSessionReplaysIdentically) {
  auto rec = record(400);
  auto r = replay_verify(rec->store, rec->result.session);
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_TRUE(r->identical) << replay_json(*r);
  EXPECT_EQ(r->messages, rec->result.messages);
  EXPECT_EQ(r->inputs, 400u);
  EXPECT_EQ(r->final_hash, rec->result.final_hash);
  EXPECT_EQ(r->recorded_hash, rec->result.final_hash);
  EXPECT_FALSE(r->divergence.has_value());
}

TEST(Replay, AChangedOutputDivergesAtItsSeqWithAFieldDiff) {
  auto rec = record(3000);  // past the 200-bar EMA's warm-up: trades, so account snapshots
  // The first account snapshot: its seq, and the equity it carries.
  auto reader = JournalReader::open(rec->store, rec->result.session);
  ASSERT_TRUE(reader.has_value());
  std::uint64_t target = 0;
  double equity = 0;
  ASSERT_TRUE(reader->for_each(1, UINT64_MAX, [&](const FramePtr& f) {
    if (f->kind() != Kind::ACCOUNT_SNAPSHOT) return true;
    target = f->seq();
    equity = f->envelope().getPayload().getAccountSnapshot().getEquityUsd();
    return false;
  }));
  ASSERT_GT(target, 0u) << "no account snapshot in 3000 bars";
  MemoryStore tampered;
  copy_with_change(rec->store, rec->result.session, tampered, target, [&](schema::Envelope::Builder e) {
    e.getPayload().getAccountSnapshot().setEquityUsd(equity + 1.0);
  });
  // The tampered journal is internally consistent: its own checks pass.
  auto check = JournalReader::open(tampered, rec->result.session);
  ASSERT_TRUE(check.has_value());
  ASSERT_TRUE(check->verify().has_value());

  auto r = replay_verify(tampered, rec->result.session);
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_FALSE(r->identical);
  ASSERT_TRUE(r->divergence.has_value());
  const Divergence& d = *r->divergence;
  EXPECT_EQ(d.seq, target);
  EXPECT_EQ(d.actor, "portfolio");
  EXPECT_EQ(d.kind, "accountSnapshot");
  EXPECT_NE(d.recorded.find("equityUsd"), std::string::npos) << d.recorded;
  EXPECT_NE(d.replayed.find("equityUsd"), std::string::npos) << d.replayed;
  ASSERT_EQ(d.fields.size(), 1u) << replay_json(*r);  // the checksum is left out
  EXPECT_EQ(d.fields[0].path, "payload.accountSnapshot.equityUsd");
  EXPECT_NE(d.fields[0].recorded, d.fields[0].replayed);
  EXPECT_NE(replay_json(*r).find("\"first_divergence\""), std::string::npos);
  EXPECT_NE(replay_json(*r).find("\"identical\":false"), std::string::npos);
}

TEST(Replay, AnExtraOrMissingMessageIsADivergenceToo) {
  auto rec = record(300);
  // Drop the last message: the replay makes one the journal does not have.
  auto reader = JournalReader::open(rec->store, rec->result.session);
  ASSERT_TRUE(reader.has_value());
  const std::uint64_t last = reader->head().last_seq;
  MemoryStore shorter;
  {
    auto writer = JournalWriter::create(shorter, reader->manifest(), true);
    ASSERT_TRUE(writer.has_value());
    ASSERT_TRUE(reader->for_each(1, last - 1, [&](const FramePtr& f) {
      (*writer)->record(*f);
      return true;
    }));
    ASSERT_TRUE((*writer)->close().has_value());
  }
  auto r = replay_verify(shorter, rec->result.session);
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_FALSE(r->identical);
  ASSERT_TRUE(r->divergence.has_value());
  EXPECT_EQ(r->divergence->seq, last);
  EXPECT_TRUE(r->divergence->recorded.empty());
  EXPECT_FALSE(r->divergence->replayed.empty());
}

TEST(Replay, ASessionWithoutStoredOutputsIsRefusedClearly) {
  auto rec = record(50, JournalLevel::HASH);
  auto r = replay_verify(rec->store, rec->result.session);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("level hash"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("level full"), std::string::npos) << r.error();
}

TEST(Replay, PickSessionNamesWhatIsThere) {
  MemoryStore empty;
  EXPECT_FALSE(pick_session(empty, "").has_value());
  auto rec = record(20);
  auto one = pick_session(rec->store, "");
  ASSERT_TRUE(one.has_value()) << one.error();
  EXPECT_EQ(*one, rec->result.session);
  auto none = pick_session(rec->store, "zz");
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().find(session_hex(rec->result.session)), std::string::npos) << none.error();
}

}  // namespace
}  // namespace verity
