// On-disk corruption of a RocksDB journal: a real session is journaled and
// closed (close() flushes it into .sst files), then the files are damaged the
// way a bad disk or an interrupted copy would: bytes flipped, or the file cut
// short. Whatever RocksDB does with that, opening and verifying the journal
// must end in an error that says what is wrong (a seq, or storage
// corruption), never in success, and a damaged record must never be handed
// out as data. `verity journal check` must say the same with a failing exit.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "actors/runtime/config.hpp"
#include "actors/runtime/journal_reader.hpp"
#include "actors/runtime/rocksdb_store.hpp"
#include "sim/sim_runner.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace verity {
namespace {

namespace fs = std::filesystem;
using testing::run_verity;
using testing::TempDir;
using Bytes = std::vector<std::uint8_t>;

/// What reading a journal came to: success, or the first error's text.
struct Outcome {
  bool ok = false;
  std::string error;
};

bool names_the_problem(const std::string& error) {
  for (const char* word : {"seq ", "orrupt", "storage", "checksum"}) {
    if (error.find(word) != std::string::npos) return true;
  }
  return false;
}

class JournalCorruption : public ::testing::Test {
 protected:
  void SetUp() override {
    Config config;
    config.session.bars = 360;  // about 2,000 messages
    config.log.level = "off";
    config.journal.level = JournalLevel::FULL;
    config.journal.dir = clean_dir();
    {
      auto store = RocksDbStore::open(clean_dir(), Durability::off);
      ASSERT_TRUE(store.has_value()) << store.error();
      auto result = run_sim(config, **store, "verity_tests journal corruption");
      ASSERT_TRUE(result.has_value()) << result.error();
      session_ = result->session;
      final_hash_ = result->final_hash;
      ASSERT_GT(result->stored, 1'500u);
    }
    // Keep every record as written, to check that whatever a damaged journal
    // still hands out is exactly what was journaled.
    auto store = RocksDbStore::open_read_only(clean_dir());
    ASSERT_TRUE(store.has_value()) << store.error();
    auto reader = JournalReader::open(**store, session_);
    ASSERT_TRUE(reader.has_value()) << reader.error();
    ASSERT_TRUE(reader->for_each(1, UINT64_MAX, [&](const FramePtr& f) {
      originals_[f->seq()] = Bytes(f->bytes().begin(), f->bytes().end());
      return true;
    }));
    ASSERT_EQ(originals_.size(), reader->head().last_seq);
  }

  std::string clean_dir() const { return dir_.sub("clean"); }

  /// A fresh copy of the clean journal to damage.
  std::string copy_of_clean(const std::string& name) const {
    const std::string to = dir_.sub(name);
    fs::copy(clean_dir(), to, fs::copy_options::recursive);
    return to;
  }

  static std::vector<fs::path> sst_files(const std::string& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() == ".sst") out.push_back(e.path());
    }
    std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) {
      return fs::file_size(a) > fs::file_size(b);
    });
    return out;
  }

  static fs::path largest_sst(const std::string& dir) {
    auto all = sst_files(dir);
    EXPECT_FALSE(all.empty()) << "close() should have flushed the journal into .sst files";
    return all.empty() ? fs::path() : all.front();
  }

  static void flip_bytes(const fs::path& file, std::uintmax_t offset, std::size_t count) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.is_open()) << file;
    std::vector<char> buf(count);
    f.seekg(static_cast<std::streamoff>(offset));
    f.read(buf.data(), static_cast<std::streamsize>(count));
    for (char& c : buf) c = static_cast<char>(~c);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(buf.data(), static_cast<std::streamsize>(count));
    ASSERT_TRUE(f.good()) << file;
  }

  /// Opens, walks and verifies the journal in `dir` the way the tools do,
  /// checking along the way that every frame handed out is an original.
  Outcome read_back(const std::string& dir, bool read_only = true) {
    auto store = read_only ? RocksDbStore::open_read_only(dir) : RocksDbStore::open(dir, Durability::synced);
    if (!store) return {false, store.error()};
    auto sessions = JournalReader::sessions(**store);
    if (!sessions) return {false, sessions.error()};
    // Losing the whole session from the listing would let a check pass on
    // nothing at all.
    EXPECT_EQ(*sessions, std::vector<std::uint64_t>{session_});
    auto reader = JournalReader::open(**store, session_);
    if (!reader) return {false, reader.error()};
    Outcome out;
    auto walk = reader->for_each(1, UINT64_MAX, [&](const FramePtr& f) {
      EXPECT_EQ(Bytes(f->bytes().begin(), f->bytes().end()), originals_.at(f->seq())) << "seq " << f->seq();
      return true;
    });
    if (!walk) out.error = walk.error().message();
    for (const auto& [seq, bytes] : originals_) {
      auto f = reader->read(seq);
      if (f) {
        EXPECT_EQ(Bytes((*f)->bytes().begin(), (*f)->bytes().end()), bytes) << "seq " << seq;
      } else if (out.error.empty()) {
        out.error = f.error().message();
      }
    }
    auto report = reader->verify();
    if (!report) return {false, report.error().message()};
    // verify() passing with damage anywhere is the one outcome never allowed;
    // it must at least agree with the walk and the reads.
    EXPECT_EQ(report->chain, final_hash_);
    out.ok = out.error.empty();
    return out;
  }

  void expect_clear_failure(const std::string& dir, const std::string& what) {
    for (bool read_only : {true, false}) {
      // Each open mode gets its own copy: a read-write open may repair or rewrite files.
      const std::string copy = dir + (read_only ? "-ro" : "-rw");
      fs::copy(dir, copy, fs::copy_options::recursive);
      const Outcome o = read_back(copy, read_only);
      EXPECT_FALSE(o.ok) << what << (read_only ? " (read-only)" : " (read-write)") << ": damage went unnoticed";
      EXPECT_TRUE(names_the_problem(o.error)) << what << ": unclear error: " << o.error;
    }
  }

  TempDir dir_;
  std::uint64_t session_ = 0;
  Hash128 final_hash_;
  std::map<std::uint64_t, Bytes> originals_;
};

TEST_F(JournalCorruption, CleanJournalVerifies) {
  const Outcome o = read_back(copy_of_clean("plain"));
  EXPECT_TRUE(o.ok) << o.error;
  auto r = run_verity("journal check --journal " + clean_dir());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"ok\":true"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(final_hash_.hex()), std::string::npos) << r.out;
}

TEST_F(JournalCorruption, FlippedBytesInTheMiddleOfTheLargestSst) {
  const std::string dir = copy_of_clean("flipped");
  const fs::path sst = largest_sst(dir);
  flip_bytes(sst, fs::file_size(sst) / 2, 16);
  expect_clear_failure(dir, "16 bytes flipped mid-file");
}

TEST_F(JournalCorruption, OneFlippedByteAnywhereInAnySst) {
  // Sixteen positions through each .sst file (journal and meta families):
  // data blocks, index and footer alike.
  std::size_t copies = 0;
  for (const auto& clean_sst : sst_files(clean_dir())) {
    const auto size = fs::file_size(clean_sst);
    for (int k = 1; k < 16; ++k) {
      const std::string dir = copy_of_clean("flip-" + std::to_string(copies++));
      const fs::path sst = fs::path(dir) / clean_sst.filename();
      const auto offset = size * static_cast<std::uintmax_t>(k) / 16;
      flip_bytes(sst, offset, 1);
      expect_clear_failure(dir, clean_sst.filename().string() + " byte " + std::to_string(offset) + " flipped");
    }
  }
  EXPECT_GE(copies, 15u);
}

TEST_F(JournalCorruption, TruncatedLargestSst) {
  const fs::path clean_sst = largest_sst(clean_dir());
  const auto size = fs::file_size(clean_sst);
  for (auto keep : {size / 2, size - 1, std::uintmax_t{0}}) {
    const std::string dir = copy_of_clean("truncated-" + std::to_string(keep));
    fs::resize_file(fs::path(dir) / clean_sst.filename(), keep);
    expect_clear_failure(dir, "largest .sst cut to " + std::to_string(keep) + " bytes");
  }
}

TEST_F(JournalCorruption, CliCheckFailsOnADamagedJournal) {
  const std::string flipped = copy_of_clean("cli-flipped");
  const fs::path sst = largest_sst(flipped);
  flip_bytes(sst, fs::file_size(sst) / 2, 16);
  const std::string truncated = copy_of_clean("cli-truncated");
  fs::resize_file(largest_sst(truncated), fs::file_size(largest_sst(truncated)) / 2);

  for (const std::string& dir : {flipped, truncated}) {
    auto r = run_verity("journal check --journal " + dir);
    EXPECT_TRUE(r.exit_code == 1 || r.exit_code == 2) << dir << ": exit " << r.exit_code << "\n" << r.err;
    const bool clear = r.err.find("seq") != std::string::npos || r.err.find("Corruption") != std::string::npos ||
                       r.err.find("corrupt") != std::string::npos;
    EXPECT_TRUE(clear) << dir << ": " << r.err;
    EXPECT_EQ(r.out.find("\"ok\":true"), std::string::npos) << r.out;
  }
}

TEST_F(JournalCorruption, ReplayVerifyNeverSaysIdenticalOnADamagedJournal) {
  // The clean journal replays identically...
  const auto clean = run_verity("replay --verify --journal " + clean_dir());
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_NE(clean.last_line().find("\"identical\":true"), std::string::npos) << clean.out;
  EXPECT_NE(clean.last_line().find(final_hash_.hex()), std::string::npos) << clean.out;
  // ...and no damaged copy does: each is an error (exit 2) naming what broke.
  const std::string flipped = copy_of_clean("replay-flipped");
  flip_bytes(largest_sst(flipped), fs::file_size(largest_sst(flipped)) / 2, 16);
  const std::string truncated = copy_of_clean("replay-truncated");
  fs::resize_file(largest_sst(truncated), fs::file_size(largest_sst(truncated)) / 2);
  for (const std::string& dir : {flipped, truncated}) {
    const auto r = run_verity("replay --verify --journal " + dir);
    EXPECT_EQ(r.exit_code, 2) << dir << "\n" << r.out << r.err;
    EXPECT_EQ(r.out.find("\"identical\":true"), std::string::npos) << r.out;
    const bool clear = r.err.find("seq") != std::string::npos || r.err.find("orrupt") != std::string::npos;
    EXPECT_TRUE(clear) << dir << ": " << r.err;
  }
}

TEST(JournalReadOnly, AFolderWithSomeFamiliesMissingReadsThemAsEmpty) {
  // What a run killed while RocksDB was creating its column families leaves.
  TempDir dir;
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir.sub("partial"), &raw).ok());
    rocksdb::ColumnFamilyHandle* h = nullptr;
    ASSERT_TRUE(raw->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), "journal", &h).ok());
    raw->DestroyColumnFamilyHandle(h);
    delete raw;
  }
  auto store = RocksDbStore::open_read_only(dir.sub("partial"));
  ASSERT_TRUE(store.has_value()) << store.error();
  auto sessions = JournalReader::sessions(**store);
  ASSERT_TRUE(sessions.has_value()) << sessions.error();
  EXPECT_TRUE(sessions->empty());
  auto got = (*store)->get(Family::snapshots, "x");
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(got->has_value());
  store->reset();
  // A writable open completes it.
  auto writable = RocksDbStore::open(dir.sub("partial"), Durability::async);
  ASSERT_TRUE(writable.has_value()) << writable.error();
}

}  // namespace
}  // namespace verity
