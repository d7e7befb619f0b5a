// Damage to a stored journal never goes unnoticed: any single-bit flip, any
// two records swapped, any record or step digest erased, or a head rolled
// back, and verify() fails with the seq of the damaged record. The journals
// are small and in memory (MemoryStore) so every property runs its cases in
// well under a second; one test repeats the flip on a real RocksDB store.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/runtime/journal_reader.hpp"
#include "actors/runtime/journal_writer.hpp"
#include "actors/runtime/log.hpp"
#include "actors/runtime/memory_store.hpp"
#include "actors/runtime/rocksdb_store.hpp"
#include "actors/runtime/session.hpp"
#include "schema/market.capnp.h"
#include "schema/signal.capnp.h"
#include "tests/support/temp_dir.hpp"

namespace verity {
namespace {

constexpr std::uint64_t kSession = 0x00C0'FFEE'0000'0042ULL;
constexpr std::int64_t kStartNs = 1'704'067'200'000'000'000;

ManifestInfo manifest(JournalLevel level) {
  ManifestInfo m;
  m.session = kSession;
  m.root_seed = 7;
  m.level = level;
  m.config = "[session]\nseed = 7\n";
  m.config_hash = hash128(m.config);
  return m;
}

/// Writes one step per entry: an input bar, then that many outputs.
void write_steps(JournalWriter& writer, const std::vector<int>& outputs_per_step) {
  Session session(writer, Logger::silent());
  for (std::size_t step = 0; step < outputs_per_step.size(); ++step) {
    const std::int64_t t = kStartNs + static_cast<std::int64_t>(writer.last_seq()) * 1'000'000'000;
    session.begin_step(t);
    session.emit<schema::Bar>(ActorId::EXTERNAL, ActorId::FEED, [&](schema::Bar::Builder b) {
      b.setSymbol("BTCUSDT");
      b.setClose(40'000.0 + static_cast<double>(step));
    });
    for (int i = 0; i < outputs_per_step[step]; ++i) {
      session.emit<schema::Signal>(ActorId::MODEL, ActorId::RISK, [&](schema::Signal::Builder b) {
        b.setSignalId(writer.last_seq());
        b.setSymbol("BTCUSDT");
        b.setStrategy("ema-cross");
        b.setConfidence(0.6);
      });
    }
    RC_ASSERT(writer.commit_step().has_value());
  }
}

/// Outputs per step for a small random journal of `min_steps` to 8 steps.
std::vector<int> gen_script(int min_steps, int max_outputs = 4) {
  const int steps = *rc::gen::inRange(min_steps, 9);
  return *rc::gen::container<std::vector<int>>(static_cast<std::size_t>(steps), rc::gen::inRange(0, max_outputs + 1));
}

/// A journal written into a fresh MemoryStore.
struct Journal {
  MemoryStore store;
  std::unique_ptr<JournalWriter> writer;

  Journal(JournalLevel level, const std::vector<int>& script) {
    auto w = JournalWriter::create(store, manifest(level), false);
    RC_ASSERT(w.has_value());
    writer = std::move(*w);
    write_steps(*writer, script);
  }

  std::map<std::string, std::string>& records() { return store.family(Family::journal); }
  std::map<std::string, std::string>& meta() { return store.family(Family::meta); }

  /// The keys of a family as a vector, so a generated index can pick one.
  static std::vector<std::string> keys_of(const std::map<std::string, std::string>& m, char meta_tag = 0) {
    std::vector<std::string> out;
    for (const auto& [k, v] : m) {
      if (meta_tag == 0 || (k.size() == 17 && k[8] == meta_tag)) out.push_back(k);
    }
    return out;
  }

  /// Verifies the journal as a reader opened now would; the error if any.
  std::optional<JournalError> verify() {
    auto reader = JournalReader::open(store, kSession);
    RC_ASSERT(reader.has_value());
    auto report = reader->verify();
    if (report) return std::nullopt;
    return report.error();
  }
};

std::uint64_t seq_of_record(const std::string& key) { return keys::read_be64(std::string_view(key).substr(8)); }
std::uint64_t seq_of_digest(const std::string& key) { return keys::read_be64(std::string_view(key).substr(9)); }

void flip_bit(std::string& value, std::size_t bit) {
  value[bit / 8] = static_cast<char>(static_cast<std::uint8_t>(value[bit / 8]) ^ (1u << (bit % 8)));
}

RC_GTEST_PROP(JournalDamage, UndamagedJournalsVerify, ()) {
  // The baseline the damage properties stand on: every generated journal,
  // at every level, verifies as written.
  const auto level = *rc::gen::element(JournalLevel::FULL, JournalLevel::INPUTS, JournalLevel::HASH);
  Journal j(level, gen_script(1));
  // Level hash writes its head only at close, so close before comparing.
  RC_ASSERT(j.writer->close().has_value());
  RC_ASSERT(!j.verify().has_value());
  auto reader = JournalReader::open(j.store, kSession);
  RC_ASSERT(reader.has_value());
  auto report = reader->verify();
  RC_ASSERT(report.has_value());
  RC_ASSERT(report->chain == j.writer->chain());
  RC_ASSERT(report->last_seq == j.writer->last_seq());
}

RC_GTEST_PROP(JournalDamage, AnyBitFlipIsCaughtAtItsSeq, ()) {
  Journal j(JournalLevel::FULL, gen_script(1));
  const auto keys = Journal::keys_of(j.records());
  RC_ASSERT(keys.size() == j.writer->messages());
  const auto& key = *rc::gen::elementOf(keys);
  std::string& value = j.records().at(key);
  const auto bit = *rc::gen::inRange<std::size_t>(0, value.size() * 8);
  RC_CLASSIFY(bit / 8 >= 16 && bit / 8 < 24, "checksum word");
  RC_CLASSIFY(bit / 8 < 16, "framing");
  flip_bit(value, bit);
  const auto error = j.verify();
  RC_ASSERT(error.has_value());
  RC_ASSERT(error->seq == seq_of_record(key));
  // Reading that record alone fails the same way; it is never returned.
  auto reader = JournalReader::open(j.store, kSession);
  auto one = reader->read(seq_of_record(key));
  RC_ASSERT(!one.has_value());
  RC_ASSERT(one.error().seq == seq_of_record(key));
}

RC_GTEST_PROP(JournalDamage, SwappedRecordsAreCaught, ()) {
  Journal j(JournalLevel::FULL, gen_script(2));
  const auto keys = Journal::keys_of(j.records());
  const auto a = *rc::gen::inRange<std::size_t>(0, keys.size());
  const auto b = *rc::gen::distinctFrom(rc::gen::inRange<std::size_t>(0, keys.size()), a);
  std::swap(j.records().at(keys[a]), j.records().at(keys[b]));
  const auto error = j.verify();
  RC_ASSERT(error.has_value());
  // The scan meets the lower of the two keys first, holding the other's record.
  RC_ASSERT(error->seq == seq_of_record(keys[std::min(a, b)]));
}

RC_GTEST_PROP(JournalDamage, ErasedRecordIsCaughtAtItsSeq, ()) {
  Journal j(JournalLevel::FULL, gen_script(1));
  const auto keys = Journal::keys_of(j.records());
  const auto index = *rc::gen::inRange<std::size_t>(0, keys.size());
  RC_CLASSIFY(index + 1 == keys.size(), "last record");
  j.records().erase(keys[index]);
  const auto error = j.verify();
  RC_ASSERT(error.has_value());
  RC_ASSERT(error->seq == seq_of_record(keys[index]));
}

RC_GTEST_PROP(JournalDamage, HeadRolledBackIsCaught, ()) {
  // A head one step behind its records: the records of the last step are
  // beyond what the head committed.
  const auto script = gen_script(1);
  Journal j(JournalLevel::FULL, script);
  const std::string old_head = j.meta().at(keys::meta(kSession, keys::kHead));
  const std::uint64_t old_last = j.writer->last_seq();
  write_steps(*j.writer, {*rc::gen::inRange(0, 4)});
  j.meta()[keys::meta(kSession, keys::kHead)] = old_head;
  const auto error = j.verify();
  RC_ASSERT(error.has_value());
  RC_ASSERT(error->seq == old_last + 1);
}

RC_GTEST_PROP(JournalDamage, InputsLevelErasedDigestIsCaught, ()) {
  auto script = gen_script(1);
  if (std::all_of(script.begin(), script.end(), [](int n) { return n == 0; })) script[0] = 1;
  Journal j(JournalLevel::INPUTS, script);
  const auto digests = Journal::keys_of(j.meta(), keys::kDigest);
  RC_ASSERT(!digests.empty());
  const auto& key = *rc::gen::elementOf(digests);
  j.meta().erase(key);
  const auto error = j.verify();
  RC_ASSERT(error.has_value());
  RC_ASSERT(error->seq == seq_of_digest(key));
}

RC_GTEST_PROP(JournalDamage, InputsLevelAnyBitFlipIsCaught, ()) {
  // At level inputs the stored values are the inputs and the step digests;
  // a flip in either names the seq it is stored under.
  auto script = gen_script(1);
  if (std::all_of(script.begin(), script.end(), [](int n) { return n == 0; })) script[0] = 1;
  Journal j(JournalLevel::INPUTS, script);
  const bool in_digest = *rc::gen::arbitrary<bool>();
  RC_TAG(in_digest ? "digest" : "input record");
  const auto keys = in_digest ? Journal::keys_of(j.meta(), keys::kDigest) : Journal::keys_of(j.records());
  const auto& key = *rc::gen::elementOf(keys);
  std::string& value = in_digest ? j.meta().at(key) : j.records().at(key);
  flip_bit(value, *rc::gen::inRange<std::size_t>(0, value.size() * 8));
  const auto error = j.verify();
  RC_ASSERT(error.has_value());
  RC_ASSERT(error->seq == (in_digest ? seq_of_digest(key) : seq_of_record(key)));
}

RC_GTEST_PROP(JournalDamage, InputsLevelErasedInputIsCaught, ()) {
  Journal j(JournalLevel::INPUTS, gen_script(1));
  const auto keys = Journal::keys_of(j.records());
  const auto& key = *rc::gen::elementOf(keys);
  j.records().erase(key);
  const auto error = j.verify();
  RC_ASSERT(error.has_value());
  RC_ASSERT(error->seq == seq_of_record(key));
}

TEST(JournalDamageRocksDb, BitFlipInAStoredValueIsCaughtAtItsSeq) {
  // The same flip through RocksDB: overwrite one record with a damaged copy,
  // close, reopen, and the reader must name that record.
  testing::TempDir dir;
  constexpr std::uint64_t kDamagedSeq = 5;
  {
    auto store = RocksDbStore::open(dir.str(), Durability::synced);
    ASSERT_TRUE(store.has_value()) << store.error();
    auto w = JournalWriter::create(**store, manifest(JournalLevel::FULL), false);
    ASSERT_TRUE(w.has_value()) << w.error();
    Session session(**w, Logger::silent());
    for (int step = 0; step < 4; ++step) {
      session.begin_step(kStartNs + step);
      session.emit<schema::Bar>(ActorId::EXTERNAL, ActorId::FEED, [](schema::Bar::Builder b) { b.setSymbol("X"); });
      session.emit<schema::Signal>(ActorId::MODEL, ActorId::RISK, [](schema::Signal::Builder b) { b.setSymbol("X"); });
      ASSERT_TRUE((*w)->commit_step().has_value());
    }
    ASSERT_TRUE((*w)->close().has_value());
    auto value = (*store)->get(Family::journal, keys::record(kSession, kDamagedSeq));
    ASSERT_TRUE(value.has_value() && value->has_value());
    std::string damaged = **value;
    flip_bit(damaged, damaged.size() * 8 / 2);
    (*store)->put(Family::journal, keys::record(kSession, kDamagedSeq), damaged);
    ASSERT_TRUE((*store)->commit().has_value());
    ASSERT_TRUE((*store)->flush().has_value());
  }
  auto store = RocksDbStore::open_read_only(dir.str());
  ASSERT_TRUE(store.has_value()) << store.error();
  auto reader = JournalReader::open(**store, kSession);
  ASSERT_TRUE(reader.has_value()) << reader.error();
  auto report = reader->verify();
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().seq, kDamagedSeq);
  EXPECT_EQ(report.error().what, "checksum mismatch");
  EXPECT_EQ(report.error().message(), "seq 5: checksum mismatch");
  // The records before it still read, and the damaged one never does.
  std::vector<std::uint64_t> seen;
  auto walk = reader->for_each(1, UINT64_MAX, [&](const FramePtr& f) {
    seen.push_back(f->seq());
    return true;
  });
  ASSERT_FALSE(walk.has_value());
  EXPECT_EQ(walk.error().seq, kDamagedSeq);
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2, 3, 4}));
}

}  // namespace
}  // namespace verity
