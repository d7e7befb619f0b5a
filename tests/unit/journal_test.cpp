// The journal's write and read sides over both stores: what a step commits,
// what each level stores, reading one record or a range, reopening a RocksDB
// journal, the durability modes, and the records that describe a session.
// The typed tests run the same facts against MemoryStore and RocksDbStore,
// because the memory twin is only useful if it behaves like the real one.
#include <capnp/message.h>
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
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

using testing::TempDir;
using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kSession = 0x5e55'10c0'ffee'0001ULL;
constexpr std::int64_t kStartNs = 1'704'067'200'000'000'000;
constexpr std::int64_t kMinuteNs = 60'000'000'000;

ManifestInfo make_manifest(JournalLevel level, std::uint64_t session = kSession) {
  ManifestInfo m;
  m.session = session;
  m.root_seed = 42;
  m.mode = Mode::SIM;
  m.level = level;
  m.config = "[session]\nseed = 42\n";
  m.config_hash = hash128(m.config);
  m.build_id = "test-build";
  m.command = "verity_tests";
  return m;
}

/// What a test wrote: every envelope's bytes by seq, and counts to check
/// the levels against.
struct Written {
  std::map<std::uint64_t, Bytes> frames;
  std::uint64_t inputs = 0;
  std::uint64_t steps_with_outputs = 0;
};

/// Runs one step per entry of `outputs_per_step`: an input bar from outside,
/// then that many outputs from actors inside the graph, then a commit.
Written write_steps(JournalWriter& writer, const std::vector<int>& outputs_per_step) {
  Session session(writer, Logger::silent());
  Written w;
  const ActorId inside[] = {ActorId::FEED, ActorId::FEATURES, ActorId::MODEL};
  for (std::size_t step = 0; step < outputs_per_step.size(); ++step) {
    const std::int64_t t = kStartNs + static_cast<std::int64_t>(writer.last_seq() + step) * kMinuteNs;
    session.begin_step(t);
    auto in = session.emit<schema::Bar>(ActorId::EXTERNAL, ActorId::FEED, [&](schema::Bar::Builder b) {
      b.setSymbol("BTCUSDT");
      b.setOpenTimeNs(t - kMinuteNs);
      b.setIntervalNs(kMinuteNs);
      b.setClose(50'000.0 + static_cast<double>(step));
    });
    w.frames[in.frame->seq()] = Bytes(in.frame->bytes().begin(), in.frame->bytes().end());
    w.inputs += 1;
    for (int i = 0; i < outputs_per_step[step]; ++i) {
      auto out = session.emit<schema::Signal>(inside[i % 3], ActorId::RISK, [&](schema::Signal::Builder b) {
        b.setSignalId(step * 100 + static_cast<std::uint64_t>(i));
        b.setSymbol("BTCUSDT");
        b.setTimeNs(t);
        b.setConfidence(0.5 + 0.01 * i);
      });
      w.frames[out.frame->seq()] = Bytes(out.frame->bytes().begin(), out.frame->bytes().end());
    }
    if (outputs_per_step[step] > 0) w.steps_with_outputs += 1;
    EXPECT_TRUE(writer.commit_step().has_value());
  }
  return w;
}

std::unique_ptr<JournalWriter> create_writer(JournalStore& store, JournalLevel level = JournalLevel::FULL,
                                             std::uint64_t session = kSession) {
  auto w = JournalWriter::create(store, make_manifest(level, session), false);
  EXPECT_TRUE(w.has_value()) << (w ? "" : w.error());
  return w ? std::move(*w) : nullptr;
}

JournalReader open_reader(JournalStore& store, std::uint64_t session = kSession) {
  auto r = JournalReader::open(store, session);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error());
  if (!r) throw std::runtime_error(r.error());
  return std::move(*r);
}

Bytes bytes_of(const FramePtr& f) { return Bytes(f->bytes().begin(), f->bytes().end()); }

std::uint64_t count_keys(JournalStore& store, Family family, std::string_view from, std::string_view to) {
  std::uint64_t n = 0;
  EXPECT_TRUE(store.scan(family, from, to, [&](std::string_view, std::string_view) { return ++n, true; }));
  return n;
}

std::uint64_t count_digests(JournalStore& store, std::uint64_t session = kSession) {
  return count_keys(store, Family::meta, keys::meta_seq(session, keys::kDigest, 0),
                    keys::meta_seq(session, keys::kDigest, UINT64_MAX));
}

// ---- the two stores behind one face --------------------------------------

/// Named in-memory stores. Closing keeps the maps, as a clean close of a
/// real store keeps its files.
class MemoryBackend {
 public:
  JournalStore& open(const std::string& name) {
    auto& s = stores_[name];
    if (!s) s = std::make_unique<MemoryStore>();
    return *s;
  }
  void close(const std::string&) {}

 private:
  std::map<std::string, std::unique_ptr<MemoryStore>> stores_;
};

/// Named RocksDB folders in one temp dir. Closing destroys the store, which
/// closes the database; opening again reads what is on disk.
class RocksBackend {
 public:
  JournalStore& open(const std::string& name) {
    auto& s = stores_[name];
    if (!s) {
      auto opened = RocksDbStore::open(dir_.sub(name), Durability::async);
      if (!opened) throw std::runtime_error(opened.error());
      s = std::move(*opened);
    }
    return *s;
  }
  void close(const std::string& name) { stores_.erase(name); }

 private:
  TempDir dir_;  // declared first: the stores close before the folder goes
  std::map<std::string, std::unique_ptr<RocksDbStore>> stores_;
};

template <class Backend>
class JournalStoreTest : public ::testing::Test {
 protected:
  Backend backend_;
};

using Backends = ::testing::Types<MemoryBackend, RocksBackend>;
class BackendNames {
 public:
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, MemoryBackend> ? "Memory" : "RocksDb";
  }
};
TYPED_TEST_SUITE(JournalStoreTest, Backends, BackendNames);

TYPED_TEST(JournalStoreTest, AppendThenReadEachRecord) {
  auto& store = this->backend_.open("j");
  auto writer = create_writer(store);
  const Written w = write_steps(*writer, {2, 0, 3});
  ASSERT_EQ(w.frames.size(), 8u);
  EXPECT_EQ(writer->last_seq(), 8u);
  EXPECT_EQ(writer->messages(), 8u);
  EXPECT_EQ(writer->stored(), 8u);

  auto reader = open_reader(store);
  for (const auto& [seq, bytes] : w.frames) {
    auto f = reader.read(seq);
    ASSERT_TRUE(f.has_value()) << f.error().message();
    EXPECT_EQ((*f)->seq(), seq);
    EXPECT_EQ(bytes_of(*f), bytes) << "seq " << seq;
  }
  // The first record is the input of step one, stamped by the session.
  auto first = reader.read(1);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ((*first)->source(), ActorId::EXTERNAL);
  EXPECT_EQ((*first)->kind(), Kind::BAR);
  EXPECT_EQ((*first)->envelope().getSession(), kSession);
  EXPECT_EQ((*first)->time_ns(), kStartNs);
}

TYPED_TEST(JournalStoreTest, ReadingASeqThatWasNeverWrittenIsAnError) {
  auto& store = this->backend_.open("j");
  auto writer = create_writer(store);
  write_steps(*writer, {1});
  auto reader = open_reader(store);
  for (std::uint64_t seq : {std::uint64_t{0}, std::uint64_t{3}, UINT64_MAX}) {
    auto f = reader.read(seq);
    ASSERT_FALSE(f.has_value()) << seq;
    EXPECT_EQ(f.error().seq, seq);
    EXPECT_NE(f.error().what.find("no record"), std::string::npos) << f.error().what;
  }
}

TYPED_TEST(JournalStoreTest, ForEachVisitsARangeInSeqOrder) {
  auto& store = this->backend_.open("j");
  auto writer = create_writer(store);
  const Written w = write_steps(*writer, {3, 1, 4, 1});  // 13 messages
  auto reader = open_reader(store);
  auto collect = [&](std::uint64_t from, std::uint64_t to) {
    std::vector<std::uint64_t> seqs;
    auto ok = reader.for_each(from, to, [&](const FramePtr& f) {
      EXPECT_EQ(bytes_of(f), w.frames.at(f->seq()));
      seqs.push_back(f->seq());
      return true;
    });
    EXPECT_TRUE(ok.has_value()) << ok.error().message();
    return seqs;
  };
  std::vector<std::uint64_t> all(13);
  for (std::uint64_t i = 0; i < 13; ++i) all[i] = i + 1;
  EXPECT_EQ(collect(1, UINT64_MAX), all);
  EXPECT_EQ(collect(0, 13), all);
  EXPECT_EQ(collect(4, 7), (std::vector<std::uint64_t>{4, 5, 6, 7}));
  EXPECT_EQ(collect(9, 9), (std::vector<std::uint64_t>{9}));
  EXPECT_EQ(collect(13, UINT64_MAX), (std::vector<std::uint64_t>{13}));
  EXPECT_TRUE(collect(14, UINT64_MAX).empty());
  EXPECT_TRUE(collect(7, 6).empty());

  // Returning false stops the walk at once.
  std::vector<std::uint64_t> seen;
  auto ok = reader.for_each(2, UINT64_MAX, [&](const FramePtr& f) {
    seen.push_back(f->seq());
    return seen.size() < 3;
  });
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{2, 3, 4}));
}

TYPED_TEST(JournalStoreTest, ForEachStaysInsideItsSession) {
  // Two sessions in one store: a range walk must not run into the other's keys.
  auto& store = this->backend_.open("j");
  auto a = create_writer(store, JournalLevel::FULL, 1);
  auto b = create_writer(store, JournalLevel::FULL, 2);
  write_steps(*a, {2});
  write_steps(*b, {4});
  auto reader = open_reader(store, 1);
  std::uint64_t visited = 0;
  ASSERT_TRUE(reader.for_each(0, UINT64_MAX, [&](const FramePtr& f) {
    EXPECT_EQ(f->envelope().getSession(), 1u);
    return ++visited, true;
  }));
  EXPECT_EQ(visited, 3u);
}

TYPED_TEST(JournalStoreTest, StepIsInvisibleUntilCommitted) {
  auto& store = this->backend_.open("j");
  auto writer = create_writer(store);
  write_steps(*writer, {1});
  const Hash128 after_first = writer->chain();

  // Record a second step but do not commit it yet.
  Session session(*writer, Logger::silent());
  session.begin_step(kStartNs + 5 * kMinuteNs);
  session.emit<schema::Bar>(ActorId::EXTERNAL, ActorId::FEED, [](schema::Bar::Builder b) { b.setSymbol("X"); });
  EXPECT_EQ(writer->last_seq(), 3u);
  {
    auto reader = open_reader(store);
    EXPECT_EQ(reader.head().last_seq, 2u);
    EXPECT_EQ(reader.head().chain, after_first);
    EXPECT_FALSE(reader.read(3).has_value());
    EXPECT_TRUE(reader.verify().has_value());
  }
  ASSERT_TRUE(writer->commit_step().has_value());
  auto reader = open_reader(store);
  EXPECT_EQ(reader.head().last_seq, 3u);
  EXPECT_TRUE(reader.read(3).has_value());
  EXPECT_EQ(reader.head().chain, writer->chain());
}

TYPED_TEST(JournalStoreTest, HeadAdvancesWithEveryStep) {
  auto& store = this->backend_.open("j");
  auto writer = create_writer(store);
  {
    auto reader = open_reader(store);
    EXPECT_EQ(reader.head().last_seq, 0u);
    EXPECT_EQ(reader.head().steps, 0u);
    EXPECT_EQ(reader.head().messages, 0u);
    EXPECT_FALSE(reader.head().closed);
    EXPECT_EQ(reader.head().chain, Hash128{});
  }
  const std::vector<int> outputs = {2, 0, 1, 3};
  std::uint64_t messages = 0;
  std::vector<Hash128> chains;
  for (std::size_t step = 0; step < outputs.size(); ++step) {
    write_steps(*writer, {outputs[step]});
    messages += 1 + static_cast<std::uint64_t>(outputs[step]);
    auto reader = open_reader(store);
    const HeadInfo& h = reader.head();
    EXPECT_EQ(h.session, kSession);
    EXPECT_EQ(h.steps, step + 1);
    EXPECT_EQ(h.last_seq, messages);
    EXPECT_EQ(h.messages, messages);
    EXPECT_EQ(h.stored, messages);
    EXPECT_EQ(h.chain, writer->chain());
    EXPECT_EQ(h.level, JournalLevel::FULL);
    EXPECT_FALSE(h.closed);
    chains.push_back(h.chain);
    auto report = reader.verify();
    ASSERT_TRUE(report.has_value()) << report.error().message();
    EXPECT_EQ(report->chain, h.chain);
  }
  for (std::size_t i = 1; i < chains.size(); ++i) EXPECT_NE(chains[i], chains[i - 1]);

  // An empty step commits nothing and leaves the head where it was.
  ASSERT_TRUE(writer->commit_step().has_value());
  EXPECT_EQ(open_reader(store).head().steps, outputs.size());

  ASSERT_TRUE(writer->close().has_value());
  auto reader = open_reader(store);
  EXPECT_TRUE(reader.head().closed);
  EXPECT_EQ(reader.head().last_seq, messages);
  EXPECT_EQ(reader.head().chain, chains.back());
}

TYPED_TEST(JournalStoreTest, ReopenReadsEverythingBack) {
  Written w;
  Hash128 chain;
  {
    auto& store = this->backend_.open("j");
    auto writer = create_writer(store);
    w = write_steps(*writer, {2, 5, 0, 1, 3});
    chain = writer->chain();
    ASSERT_TRUE(writer->close().has_value());
    writer.reset();
    this->backend_.close("j");
  }
  auto& store = this->backend_.open("j");
  auto reader = open_reader(store);
  EXPECT_TRUE(reader.head().closed);
  EXPECT_EQ(reader.head().chain, chain);
  EXPECT_EQ(reader.manifest().session, kSession);
  EXPECT_EQ(reader.manifest().build_id, "test-build");
  std::uint64_t n = 0;
  ASSERT_TRUE(reader.for_each(1, UINT64_MAX, [&](const FramePtr& f) {
    EXPECT_EQ(bytes_of(f), w.frames.at(f->seq()));
    return ++n, true;
  }));
  EXPECT_EQ(n, w.frames.size());
  auto report = reader.verify();
  ASSERT_TRUE(report.has_value()) << report.error().message();
  EXPECT_EQ(report->chain, chain);
  EXPECT_EQ(report->records, w.frames.size());
  EXPECT_EQ(report->last_seq, w.frames.size());
  EXPECT_EQ(report->digests, 0u);
}

TYPED_TEST(JournalStoreTest, ChainIsTheFoldOfTheStoredBytes) {
  // h[n] = xxh3_128(h[n-1] || envelope bytes), from h[0] = 0.
  auto& store = this->backend_.open("j");
  auto writer = create_writer(store);
  const Written w = write_steps(*writer, {1, 2});
  HashChain chain;
  for (const auto& [seq, bytes] : w.frames) chain.append(bytes);
  EXPECT_EQ(chain.head(), writer->chain());
  EXPECT_EQ(open_reader(store).head().chain, chain.head());
}

TYPED_TEST(JournalStoreTest, CreateOnAnExistingSessionFailsUnlessReplacing) {
  auto& store = this->backend_.open("j");
  auto writer = create_writer(store);
  write_steps(*writer, {2, 2});
  ASSERT_TRUE(writer->close().has_value());

  auto again = JournalWriter::create(store, make_manifest(JournalLevel::FULL), false);
  ASSERT_FALSE(again.has_value());
  EXPECT_NE(again.error().find("already"), std::string::npos) << again.error();
  EXPECT_NE(again.error().find(store.describe()), std::string::npos) << again.error();
  // The refused create left the old journal whole.
  {
    auto reader = open_reader(store);
    EXPECT_EQ(reader.head().last_seq, 6u);
    EXPECT_TRUE(reader.verify().has_value());
  }

  auto manifest = make_manifest(JournalLevel::FULL);
  manifest.command = "replaced";
  auto replaced = JournalWriter::create(store, manifest, true);
  ASSERT_TRUE(replaced.has_value()) << replaced.error();
  {
    auto reader = open_reader(store);
    EXPECT_EQ(reader.manifest().command, "replaced");
    EXPECT_EQ(reader.head().last_seq, 0u);
    EXPECT_EQ(count_keys(store, Family::journal, keys::record(kSession, 0), keys::record(kSession + 1, 0)), 0u);
    auto report = reader.verify();
    ASSERT_TRUE(report.has_value()) << report.error().message();
    EXPECT_EQ(report->records, 0u);
  }
  // The replacement writes from seq 1 again, and its journal verifies.
  const Written w = write_steps(**replaced, {1});
  EXPECT_EQ(w.frames.begin()->first, 1u);
  auto report = open_reader(store).verify();
  ASSERT_TRUE(report.has_value()) << report.error().message();
  EXPECT_EQ(report->records, 2u);
}

TYPED_TEST(JournalStoreTest, ReplacingASessionLeavesOtherSessionsAlone) {
  auto& store = this->backend_.open("j");
  auto keep = create_writer(store, JournalLevel::FULL, 7);
  write_steps(*keep, {1, 1});
  auto old = create_writer(store, JournalLevel::INPUTS, 8);
  write_steps(*old, {2});
  auto replaced = JournalWriter::create(store, make_manifest(JournalLevel::FULL, 8), true);
  ASSERT_TRUE(replaced.has_value());
  EXPECT_EQ(count_digests(store, 8), 0u) << "the replaced session's digests must go too";
  auto reader = open_reader(store, 7);
  auto report = reader.verify();
  ASSERT_TRUE(report.has_value()) << report.error().message();
  EXPECT_EQ(report->records, 4u);
}

TYPED_TEST(JournalStoreTest, SessionsListsEverySessionInKeyOrder) {
  auto& store = this->backend_.open("j");
  {
    auto none = JournalReader::sessions(store);
    ASSERT_TRUE(none.has_value());
    EXPECT_TRUE(none->empty());
  }
  // Created out of order, and with the top bit set, to see byte order.
  const std::vector<std::uint64_t> ids = {0x8000'0000'0000'0001ULL, 3, 0xFF, 1};
  std::vector<std::unique_ptr<JournalWriter>> writers;
  for (auto id : ids) {
    writers.push_back(create_writer(store, JournalLevel::FULL, id));
    write_steps(*writers.back(), {1});
  }
  auto listed = JournalReader::sessions(store);
  ASSERT_TRUE(listed.has_value()) << listed.error();
  EXPECT_EQ(*listed, (std::vector<std::uint64_t>{1, 3, 0xFF, 0x8000'0000'0000'0001ULL}));
}

TYPED_TEST(JournalStoreTest, OpeningAnUnknownSessionIsAnError) {
  auto& store = this->backend_.open("j");
  auto r = JournalReader::open(store, 12345);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("no session 12345"), std::string::npos) << r.error();
}

TYPED_TEST(JournalStoreTest, LevelsStoreWhatTheirContractSays) {
  // One script of steps, including a step without outputs, journaled at
  // each level into its own store under the same session id.
  const std::vector<int> outputs = {2, 0, 3, 1, 0, 4};
  struct Result {
    Hash128 chain;
    VerifyReport report;
    HeadInfo head;
  };
  std::map<JournalLevel, Result> results;
  std::uint64_t messages = 0;
  for (JournalLevel level : {JournalLevel::FULL, JournalLevel::INPUTS, JournalLevel::HASH}) {
    const std::string name(level_name(level));
    SCOPED_TRACE(name);
    auto& store = this->backend_.open(name);
    auto writer = create_writer(store, level);
    const Written w = write_steps(*writer, outputs);
    messages = w.frames.size();
    EXPECT_EQ(writer->level(), level);
    ASSERT_TRUE(writer->close().has_value());
    const Hash128 chain = writer->chain();
    writer.reset();
    this->backend_.close(name);

    auto& reopened = this->backend_.open(name);
    auto reader = open_reader(reopened);
    std::uint64_t stored = 0;
    ASSERT_TRUE(reopened.scan(Family::journal, keys::record(kSession, 0), keys::record(kSession + 1, 0),
                              [&](std::string_view, std::string_view v) {
                                auto f = Frame::decode({reinterpret_cast<const std::uint8_t*>(v.data()), v.size()});
                                EXPECT_TRUE(f.has_value());
                                if (level == JournalLevel::INPUTS && f) {
                                  EXPECT_EQ((*f)->source(), ActorId::EXTERNAL) << "an output was stored";
                                }
                                return ++stored, true;
                              }));
    const std::uint64_t digests = count_digests(reopened);
    auto report = reader.verify();
    ASSERT_TRUE(report.has_value()) << report.error().message();
    switch (level) {
      case JournalLevel::FULL:
        EXPECT_EQ(stored, messages);
        EXPECT_EQ(digests, 0u);
        EXPECT_EQ(report->records, messages);
        break;
      case JournalLevel::INPUTS:
        EXPECT_EQ(stored, w.inputs);
        EXPECT_EQ(digests, w.steps_with_outputs);
        EXPECT_EQ(report->records, w.inputs);
        EXPECT_EQ(report->digests, w.steps_with_outputs);
        break;
      case JournalLevel::HASH:
        EXPECT_EQ(stored, 0u);
        EXPECT_EQ(digests, 0u);
        EXPECT_EQ(report->records, 0u);
        break;
    }
    EXPECT_EQ(reader.head().stored, stored);
    EXPECT_EQ(reader.head().messages, messages);
    EXPECT_EQ(reader.head().last_seq, messages);
    EXPECT_EQ(reader.head().level, level);
    EXPECT_EQ(reader.manifest().level, level);
    EXPECT_TRUE(reader.head().closed);
    EXPECT_EQ(report->chain, chain);
    EXPECT_EQ(report->last_seq, messages);
    results[level] = {chain, *report, reader.head()};
  }
  // The chain covers every message whatever is stored, so the run's name
  // does not depend on the level it was journaled at.
  EXPECT_EQ(results[JournalLevel::INPUTS].chain, results[JournalLevel::FULL].chain);
  EXPECT_EQ(results[JournalLevel::HASH].chain, results[JournalLevel::FULL].chain);
  EXPECT_EQ(results[JournalLevel::HASH].head.chain, results[JournalLevel::FULL].head.chain);
}

TYPED_TEST(JournalStoreTest, HashLevelWritesTheHeadOnlyAtClose) {
  // Level hash is for big batches: nothing is written per step, so the head
  // stays empty until close. This pins that documented trade-off.
  auto& store = this->backend_.open("j");
  auto writer = create_writer(store, JournalLevel::HASH);
  write_steps(*writer, {1, 1});
  EXPECT_EQ(open_reader(store).head().last_seq, 0u);
  // An unclosed hash-level session has nothing to check: that is an error
  // naming the interruption, never a silent success.
  auto unclosed = open_reader(store).verify();
  ASSERT_FALSE(unclosed.has_value());
  EXPECT_NE(unclosed.error().what.find("did not close"), std::string::npos) << unclosed.error().message();
  ASSERT_TRUE(writer->close().has_value());
  auto reader = open_reader(store);
  EXPECT_EQ(reader.head().last_seq, 4u);
  EXPECT_EQ(reader.head().steps, 2u);
  EXPECT_EQ(reader.head().chain, writer->chain());
}

TYPED_TEST(JournalStoreTest, InputsLevelDigestsNameEachStepsOutputs) {
  auto& store = this->backend_.open("j");
  auto writer = create_writer(store, JournalLevel::INPUTS);
  write_steps(*writer, {2, 0, 1});  // seqs: in 1, out 2-3 | in 4 | in 5, out 6
  std::vector<StepDigestInfo> digests;
  auto collect = [&](std::string_view, std::string_view v) {
    auto d = decode_digest(v);
    EXPECT_TRUE(d.has_value());
    if (d) digests.push_back(*d);
    return true;
  };
  ASSERT_TRUE(store.scan(Family::meta, keys::meta_seq(kSession, keys::kDigest, 0),
                         keys::meta_seq(kSession, keys::kDigest, UINT64_MAX), collect));
  ASSERT_EQ(digests.size(), 2u);
  EXPECT_EQ(digests[0].first_seq, 2u);
  EXPECT_EQ(digests[0].last_seq, 3u);
  EXPECT_EQ(digests[1].first_seq, 6u);
  EXPECT_EQ(digests[1].last_seq, 6u);
  EXPECT_EQ(digests[1].chain, writer->chain());
  EXPECT_EQ(digests[0].session, kSession);
}

/// A sealed envelope with any seq, made without a Session.
TYPED_TEST(JournalStoreTest, InputsLevelVerifiesAnInputRecordedBetweenOutputs) {
  // A step whose inputs and outputs interleave (input, output, input, output),
  // as a journaled live clock reading would make: the writer closes a digest
  // at each input, so the journal verifies and the chain matches level full.
  auto& store = this->backend_.open("j");
  auto writer = create_writer(store, JournalLevel::INPUTS);
  Session session(*writer, Logger::silent());
  session.begin_step(1);
  auto bar = [](schema::Bar::Builder b) { b.setSymbol("X"); };
  session.emit<schema::Bar>(ActorId::EXTERNAL, ActorId::FEED, bar);
  session.emit<schema::Bar>(ActorId::FEED, ActorId::FEATURES, bar);
  session.emit<schema::Bar>(ActorId::EXTERNAL, ActorId::FEED, bar);
  session.emit<schema::Bar>(ActorId::FEED, ActorId::FEATURES, bar);
  ASSERT_TRUE(writer->commit_step().has_value());
  ASSERT_TRUE(writer->close().has_value());
  auto report = open_reader(store).verify();
  ASSERT_TRUE(report.has_value()) << report.error().message();
  EXPECT_EQ(report->records, 2u);
  EXPECT_EQ(report->digests, 2u);
  EXPECT_EQ(report->chain, writer->chain());
}

FramePtr frame_with_seq(std::uint64_t seq) {
  capnp::MallocMessageBuilder builder;
  auto e = builder.initRoot<schema::Envelope>();
  e.setSession(kSession);
  e.setSeq(seq);
  e.getPayload().initBar().setSymbol("X");
  return std::make_shared<const Frame>(seal(builder));
}

// forward_all builds once and copies: the bytes, seqs and chain must be
// those of forwarding to each destination in turn.
// forward_all copies a bar this binary built (the sequencer's input) and
// builds the first forward of one decoded from outside (a replayed input):
// the bytes are forward's either way.
class SessionForward : public ::testing::TestWithParam<bool> {};

TEST_P(SessionForward, ForwardAllMakesTheBytesOfForwardsOneByOne) {
  const bool decoded = GetParam();
  MemoryStore one_store, all_store;
  auto one_writer = create_writer(one_store);
  auto all_writer = create_writer(all_store);
  Session one(*one_writer, Logger::silent());
  Session all(*all_writer, Logger::silent());
  const std::array destinations{ActorId::FEATURES, ActorId::EXECUTION, ActorId::PORTFOLIO};
  for (int step = 0; step < 3; ++step) {
    std::vector<Bytes> expected, got;
    for (Session* s : {&one, &all}) {
      s->begin_step(kStartNs + step * kMinuteNs);
      auto in = s->emit<schema::Bar>(ActorId::EXTERNAL, ActorId::FEED, [&](schema::Bar::Builder b) {
        b.setSymbol(step == 1 ? "A-MUCH-LONGER-SYMBOL-NAME" : "BTCUSDT");
        b.setOpenTimeNs(kStartNs + (step - 1) * kMinuteNs);
        b.setIntervalNs(kMinuteNs);
        b.setHigh(50'010.0 + step);
        b.setClose(50'000.0 + step);
      });
      if (decoded) {
        auto from_outside = Frame::decode(in.frame->bytes());
        ASSERT_TRUE(from_outside.has_value()) << from_outside.error();
        in.frame = std::move(*from_outside);
        ASSERT_FALSE(in.frame->built());
      }
      // The forwards go out a step later than the input came in (a later time).
      s->begin_step(kStartNs + step * kMinuteNs + 1);
      if (s == &one) {
        for (ActorId d : destinations) {
          auto m = one.forward(ActorId::FEED, d, in);
          expected.emplace_back(m.frame->bytes().begin(), m.frame->bytes().end());
        }
      } else {
        for (const auto& m : all.forward_all(ActorId::FEED, destinations, in)) {
          got.emplace_back(m.frame->bytes().begin(), m.frame->bytes().end());
          EXPECT_TRUE(verify_sealed(m.frame->bytes()).has_value());
          EXPECT_EQ(m.frame->source(), ActorId::FEED);
        }
      }
      ASSERT_TRUE(s == &one ? one_writer->commit_step().has_value() : all_writer->commit_step().has_value());
    }
    EXPECT_EQ(got, expected) << "step " << step;
  }
  EXPECT_EQ(all_writer->chain(), one_writer->chain());
  EXPECT_EQ(all_writer->last_seq(), one_writer->last_seq());
  EXPECT_EQ(all.counts(), one.counts());
}
INSTANTIATE_TEST_SUITE_P(Inputs, SessionForward, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Decoded" : "Built"; });

TEST(JournalWriterDeathTest, ASeqGapIsAnInvariantFailure) {
  // Seqs are gapless by contract; a writer handed a gap is a bug upstream,
  // so it stops the process rather than journal a hole.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  MemoryStore store;
  auto writer = create_writer(store);
  writer->record(*frame_with_seq(1));
  EXPECT_DEATH(writer->record(*frame_with_seq(3)), "gapless");
  EXPECT_DEATH(writer->record(*frame_with_seq(1)), "gapless");
}

// ---- RocksDB only ----------------------------------------------------------

class DurabilityTest : public ::testing::TestWithParam<Durability> {};

TEST_P(DurabilityTest, CommittedStepsSurviveClose) {
  const Durability mode = GetParam();
  TempDir dir;
  Written w;
  Hash128 chain;
  {
    auto store = RocksDbStore::open(dir.str(), mode);
    ASSERT_TRUE(store.has_value()) << store.error();
    EXPECT_EQ((*store)->durability(), mode);
    auto writer = create_writer(**store);
    w = write_steps(*writer, {1, 2, 0, 3, 1});
    chain = writer->chain();
    if (mode == Durability::off) {
      // Without a WAL only what close() flushed is on disk.
      ASSERT_TRUE(writer->close().has_value());
    }
    // Otherwise the writer is dropped without close(): the WAL holds the steps.
  }
  auto store = RocksDbStore::open(dir.str(), Durability::synced);
  ASSERT_TRUE(store.has_value()) << store.error();
  auto reader = open_reader(**store);
  EXPECT_EQ(reader.head().last_seq, w.frames.size());
  EXPECT_EQ(reader.head().steps, 5u);
  EXPECT_EQ(reader.head().closed, mode == Durability::off);
  for (const auto& [seq, bytes] : w.frames) {
    auto f = reader.read(seq);
    ASSERT_TRUE(f.has_value()) << f.error().message();
    EXPECT_EQ(bytes_of(*f), bytes);
  }
  auto report = reader.verify();
  ASSERT_TRUE(report.has_value()) << report.error().message();
  EXPECT_EQ(report->chain, chain);
}

INSTANTIATE_TEST_SUITE_P(Rocks, DurabilityTest,
                         ::testing::Values(Durability::synced, Durability::async, Durability::off),
                         [](const auto& info) { return std::string(durability_name(info.param)); });

TEST(DurabilityNames, RoundTrip) {
  for (Durability d : {Durability::synced, Durability::async, Durability::off}) {
    auto back = parse_durability(durability_name(d));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, d);
  }
  EXPECT_FALSE(parse_durability("fsync").has_value());
  EXPECT_FALSE(parse_durability("").has_value());
}

TEST(RocksDbStore, OpenReadOnlyOnAMissingFolderNamesTheFolder) {
  TempDir dir;
  const std::string missing = dir.sub("no-such-journal");
  auto store = RocksDbStore::open_read_only(missing);
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().find(missing), std::string::npos) << store.error();
  EXPECT_FALSE(std::filesystem::exists(missing)) << "a read-only open must not create the folder";
}

TEST(RocksDbStore, OpenReadOnlyReadsAClosedJournal) {
  TempDir dir;
  Hash128 chain;
  {
    auto store = RocksDbStore::open(dir.str(), Durability::async);
    ASSERT_TRUE(store.has_value()) << store.error();
    auto writer = create_writer(**store);
    write_steps(*writer, {2, 1});
    chain = writer->chain();
    ASSERT_TRUE(writer->close().has_value());
  }
  auto store = RocksDbStore::open_read_only(dir.str());
  ASSERT_TRUE(store.has_value()) << store.error();
  EXPECT_NE((*store)->describe().find(dir.str()), std::string::npos);
  auto report = open_reader(**store).verify();
  ASSERT_TRUE(report.has_value()) << report.error().message();
  EXPECT_EQ(report->chain, chain);
}

// ---- the session's own records -----------------------------------------------

TEST(JournalRecords, ManifestRoundTrips) {
  ManifestInfo m = make_manifest(JournalLevel::INPUTS, 0xDEAD'BEEF'0000'0001ULL);
  m.root_seed = 0xFFFF'FFFF'FFFF'FFFFULL;
  m.mode = Mode::LIVE;
  m.config = "[market]\nsymbol = \"ETHUSDT\"\n";
  m.config_hash = hash128(m.config);
  m.build_id = "abc123-dirty";
  m.command = "verity live --dry-run";
  m.models = {{"gbm-direction", "v3", hash128(std::string_view("weights-3"))},
              {"ensemble", "2024-01-02", hash128(std::string_view("weights-e"))}};
  m.data_sources = {{"binance:BTCUSDT:1m", hash128(std::string_view("csv"))}};
  const std::string bytes = encode(m);
  auto back = decode_manifest(bytes);
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(back->session, m.session);
  EXPECT_EQ(back->root_seed, m.root_seed);
  EXPECT_EQ(back->mode, m.mode);
  EXPECT_EQ(back->level, m.level);
  EXPECT_EQ(back->config, m.config);
  EXPECT_EQ(back->config_hash, m.config_hash);
  EXPECT_EQ(back->build_id, m.build_id);
  EXPECT_EQ(back->command, m.command);
  ASSERT_EQ(back->models.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(back->models[i].name, m.models[i].name);
    EXPECT_EQ(back->models[i].version, m.models[i].version);
    EXPECT_EQ(back->models[i].file_hash, m.models[i].file_hash);
  }
  ASSERT_EQ(back->data_sources.size(), 1u);
  EXPECT_EQ(back->data_sources[0].name, m.data_sources[0].name);
  EXPECT_EQ(back->data_sources[0].hash, m.data_sources[0].hash);
  EXPECT_EQ(back->format_version, kJournalFormatVersion);
  // Encoding is deterministic: the manifest is itself part of what is compared.
  EXPECT_EQ(encode(*back), bytes);
}

TEST(JournalRecords, ManifestFromANewerFormatIsRefused) {
  ManifestInfo m = make_manifest(JournalLevel::FULL);
  m.format_version = kJournalFormatVersion + 1;
  auto back = decode_manifest(encode(m));
  ASSERT_FALSE(back.has_value());
  EXPECT_NE(back.error().find("newer"), std::string::npos) << back.error();
}

TEST(JournalRecords, DamagedRecordsAreRefused) {
  std::string manifest = encode(make_manifest(JournalLevel::FULL));
  manifest[manifest.size() / 2] ^= 0x20;
  auto m = decode_manifest(manifest);
  ASSERT_FALSE(m.has_value());
  EXPECT_NE(m.error().find("session manifest"), std::string::npos) << m.error();

  HeadInfo h;
  h.session = 9;
  std::string head = encode(h);
  head.back() ^= 0x01;
  auto hd = decode_head(head);
  ASSERT_FALSE(hd.has_value());
  EXPECT_NE(hd.error().find("journal head"), std::string::npos) << hd.error();

  auto d = decode_digest(std::string("short"));
  ASSERT_FALSE(d.has_value());
  EXPECT_NE(d.error().find("step digest"), std::string::npos) << d.error();
}

TEST(JournalRecords, HeadAndDigestRoundTrip) {
  HeadInfo h;
  h.session = 11;
  h.last_seq = 1'000'000;
  h.messages = 1'000'000;
  h.stored = 5;
  h.steps = 300;
  h.chain = hash128(std::string_view("chain"));
  h.last_time_ns = -5;
  h.closed = true;
  h.level = JournalLevel::INPUTS;
  auto hb = decode_head(encode(h));
  ASSERT_TRUE(hb.has_value()) << hb.error();
  EXPECT_EQ(hb->session, h.session);
  EXPECT_EQ(hb->last_seq, h.last_seq);
  EXPECT_EQ(hb->messages, h.messages);
  EXPECT_EQ(hb->stored, h.stored);
  EXPECT_EQ(hb->steps, h.steps);
  EXPECT_EQ(hb->chain, h.chain);
  EXPECT_EQ(hb->last_time_ns, h.last_time_ns);
  EXPECT_EQ(hb->closed, h.closed);
  EXPECT_EQ(hb->level, h.level);

  StepDigestInfo d{12, 40, 44, hash128(std::string_view("d"))};
  auto db = decode_digest(encode(d));
  ASSERT_TRUE(db.has_value()) << db.error();
  EXPECT_EQ(db->session, 12u);
  EXPECT_EQ(db->first_seq, 40u);
  EXPECT_EQ(db->last_seq, 44u);
  EXPECT_EQ(db->chain, d.chain);
}

TEST(JournalRecords, DamagedHeadStopsTheReaderAtOpen) {
  MemoryStore store;
  auto writer = create_writer(store);
  write_steps(*writer, {1});
  auto& head = store.family(Family::meta).at(keys::meta(kSession, keys::kHead));
  head[head.size() - 1] ^= 0x04;
  auto r = JournalReader::open(store, kSession);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("journal head"), std::string::npos) << r.error();
}

TEST(JournalRecords, LevelNamesRoundTrip) {
  for (JournalLevel l : {JournalLevel::FULL, JournalLevel::INPUTS, JournalLevel::HASH}) {
    auto back = parse_level(level_name(l));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, l);
  }
  EXPECT_FALSE(parse_level("everything").has_value());
}

TEST(JournalRecords, SessionIdDependsOnModeSeedAndConfigOnly) {
  const auto a = session_id(Mode::SIM, 42, "x = 1\n");
  EXPECT_EQ(a, session_id(Mode::SIM, 42, "x = 1\n"));
  EXPECT_NE(a, session_id(Mode::REPLAY, 42, "x = 1\n"));
  EXPECT_NE(a, session_id(Mode::SIM, 43, "x = 1\n"));
  EXPECT_NE(a, session_id(Mode::SIM, 42, "x = 2\n"));
  // The same config over different data is another session.
  const DataSourceInfo one{"store:BTCUSDT/1m", hash128(std::string_view("one"))};
  const DataSourceInfo two{"store:BTCUSDT/1m", hash128(std::string_view("two"))};
  EXPECT_NE(session_id(Mode::SIM, 42, "x = 1\n", {one}), session_id(Mode::SIM, 42, "x = 1\n", {two}));
  EXPECT_EQ(session_id(Mode::SIM, 42, "x = 1\n", {one}), session_id(Mode::SIM, 42, "x = 1\n", {one}));
}

}  // namespace
}  // namespace verity
