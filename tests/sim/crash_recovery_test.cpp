// Crash recovery: a running `verity sim` is killed with SIGKILL at seeded
// random moments and restarted each time with the same command plus
// --resume, until it completes. The final hash must equal an uninterrupted
// run's, the journal must pass its integrity scan after every kill, no seq
// may be lost or duplicated, and no order may be journaled twice.
#include <gtest/gtest.h>

#include <signal.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "actors/runtime/clock.hpp"
#include "actors/runtime/journal_reader.hpp"
#include "actors/runtime/prng.hpp"
#include "actors/runtime/rocksdb_store.hpp"
#include "tests/support/run_command.hpp"

extern char** environ;

namespace verity {
namespace {

using testing::run_verity;
using testing::TempDir;

/// Starts `verity ARGS...` with stdout and stderr to /dev/null; returns its pid.
pid_t spawn_verity(const std::vector<std::string>& args) {
  std::vector<std::string> argv_s = {VERITY_BIN};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

struct JournalState {
  bool ok = false;
  std::string error;
  std::uint64_t last_seq = 0;
  bool closed = false;
  std::string chain;
};

/// The journal as a reader finds it: every record verified.
JournalState inspect(const std::string& dir) {
  JournalState s;
  if (!std::filesystem::exists(dir + "/CURRENT")) {
    s.ok = true;  // killed before RocksDB made the folder: nothing was journaled
    return s;
  }
  auto store = RocksDbStore::open_read_only(dir);
  if (!store) {
    s.error = store.error();
    return s;
  }
  auto sessions = JournalReader::sessions(**store);
  if (!sessions || sessions->empty()) {
    s.ok = true;  // killed before the manifest was committed
    return s;
  }
  auto reader = JournalReader::open(**store, sessions->front());
  if (!reader) {
    s.error = reader.error();
    return s;
  }
  auto report = reader->verify();
  if (!report) {
    s.error = report.error().message();
    return s;
  }
  s.ok = true;
  s.last_seq = report->last_seq;
  s.closed = reader->head().closed;
  s.chain = report->chain.hex();
  return s;
}

/// Runs `verity sim` and SIGKILLs it at seeded random moments, restarting
/// with --resume until it completes; starts over in a fresh journal until
/// `kills_wanted` kills have happened. Every kill leaves a journal that
/// passes its integrity scan and keeps every step committed before it; every
/// completed journal has the uninterrupted run's final hash.
void kill_and_resume(const std::string& durability, int kills_wanted, std::uint64_t seed, int bars) {
  TempDir dir;
  const std::string bars_arg = std::to_string(bars);
  const Stopwatch watch;  // test pacing, not engine time
  const auto reference =
      run_verity("sim --bars " + bars_arg + " --journal " + dir.sub("reference") + " --durability " + durability);
  const auto full_us = static_cast<std::int64_t>(watch.elapsed_s() * 1e6);
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  const auto ref = nlohmann::json::parse(reference.last_line());
  const std::string want_hash = ref["final_hash"];
  const std::uint64_t want_messages = ref["messages"];

  Prng prng(seed);
  int kills = 0, episodes = 0;
  std::set<std::uint64_t> kill_points;  // the last seq found after each kill
  while (kills < kills_wanted) {
    const std::string journal = dir.sub("killed-" + std::to_string(episodes++));
    const std::vector<std::string> args = {"sim",          "--bars",     bars_arg,    "--journal", journal,
                                           "--durability", durability, "--log-level", "off"};
    std::vector<std::string> resume_args = args;
    resume_args.push_back("--resume");
    std::uint64_t progress = 0;
    bool done = false;
    for (int runs = 0; !done; ++runs) {
      ASSERT_LT(runs, 200) << "never completed";
      const pid_t pid = spawn_verity(runs == 0 ? args : resume_args);
      ASSERT_GT(pid, 0);
      if (kills < kills_wanted) {
        // Anywhere from start-up to a little past a whole run.
        std::this_thread::sleep_for(std::chrono::microseconds(prng.range(1'000, full_us * 6 / 5)));
        ::kill(pid, SIGKILL);
      }
      int status = 0;
      ASSERT_EQ(::waitpid(pid, &status, 0), pid);
      if (WIFSIGNALED(status)) {
        ++kills;
        const JournalState s = inspect(journal);
        ASSERT_TRUE(s.ok) << "after kill " << kills << ": " << s.error;
        EXPECT_GE(s.last_seq, progress) << "kill " << kills << " lost committed steps";
        progress = s.last_seq;
        kill_points.insert(s.last_seq);
        continue;
      }
      ASSERT_TRUE(WIFEXITED(status));
      ASSERT_EQ(WEXITSTATUS(status), 0) << "episode " << episodes << " run " << runs << " failed";
      done = true;
    }
    const JournalState end = inspect(journal);
    ASSERT_TRUE(end.ok) << end.error;
    EXPECT_TRUE(end.closed);
    EXPECT_EQ(end.chain, want_hash) << "episode " << episodes;
    EXPECT_EQ(end.last_seq, want_messages);

    // No order journaled twice: order ids are unique and rise with seq.
    auto store = RocksDbStore::open_read_only(journal);
    ASSERT_TRUE(store.has_value());
    auto sessions = JournalReader::sessions(**store);
    ASSERT_TRUE(sessions.has_value());
    auto reader = JournalReader::open(**store, sessions->front());
    ASSERT_TRUE(reader.has_value());
    std::uint64_t last_order = 0, orders = 0;
    ASSERT_TRUE(reader->for_each(1, UINT64_MAX, [&](const FramePtr& f) {
      if (f->kind() != Kind::ORDER) return true;
      const std::uint64_t id = f->envelope().getPayload().getOrder().getOrderId();
      EXPECT_GT(id, last_order) << "order " << id << " at seq " << f->seq() << " repeats or goes back";
      last_order = id;
      ++orders;
      return true;
    }));
    EXPECT_GT(orders, 0u);
  }
  // Kills landed at many different points, not all in start-up.
  // Many kills land in start-up or in a resumed run's catch-up, where the
  // journal does not move (the same last seq is found again); how many
  // depends on the machine's load. Some must land at distinct points.
  EXPECT_GE(kill_points.size(), 3u) << "kills all hit start-up";
  std::printf("[ kills    ] %d kills over %d journals, %zu distinct last seqs\n", kills, episodes, kill_points.size());
}

TEST(CrashRecovery, FiftyKillsWithAsyncDurabilityLoseAndRepeatNothing) {
  kill_and_resume("async", 50, 20261121, 10000);
}

TEST(CrashRecovery, KillsResumingFromSnapshotsLoseAndRepeatNothing) {
  // Snapshots every 300 steps: most resumes start from one, not from the seed.
  ::setenv("VERITY_JOURNAL_SNAPSHOT_EVERY", "300", 1);
  kill_and_resume("async", 15, 99, 10000);
  ::unsetenv("VERITY_JOURNAL_SNAPSHOT_EVERY");
}

TEST(CrashRecovery, KillsWithSyncedDurabilityLoseAndRepeatNothing) {
  kill_and_resume("synced", 8, 7, 2000);
}

TEST(CrashRecovery, ResumingACompleteSessionChecksItAndChangesNothing) {
  TempDir dir;
  const auto first = run_verity("sim --bars 500 --journal " + dir.sub("j"));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto again = run_verity("sim --bars 500 --resume --journal " + dir.sub("j"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto a = nlohmann::json::parse(first.last_line()), b = nlohmann::json::parse(again.last_line());
  EXPECT_EQ(a["final_hash"], b["final_hash"]);
  EXPECT_EQ(a["messages"], b["messages"]);
  EXPECT_GT(b["resumed_at_seq"].get<std::uint64_t>(), 0u);
  // With snapshots, a resume starts from the latest one.
  ASSERT_EQ(run_verity("sim --bars 500 --journal " + dir.sub("s"), "VERITY_JOURNAL_SNAPSHOT_EVERY=100").exit_code, 0);
  const auto snap = run_verity("sim --bars 500 --resume --journal " + dir.sub("s"), "VERITY_JOURNAL_SNAPSHOT_EVERY=100");
  ASSERT_EQ(snap.exit_code, 0) << snap.err;
  const auto s = nlohmann::json::parse(snap.last_line());
  EXPECT_EQ(s["resumed_from_snapshot_seq"].get<std::uint64_t>() > 0, true) << snap.last_line();
  EXPECT_EQ(s["final_hash"], nlohmann::json::parse(run_verity("sim --bars 500 --journal " + dir.sub("t")).last_line())["final_hash"]);
  // Another config cannot resume this session: it is another session.
  const auto other = run_verity("sim --bars 501 --resume --journal " + dir.sub("j"));
  EXPECT_EQ(other.exit_code, 0) << other.err;  // a new session beside the first
  EXPECT_NE(nlohmann::json::parse(other.last_line())["final_hash"], a["final_hash"]);
}

}  // namespace
}  // namespace verity
