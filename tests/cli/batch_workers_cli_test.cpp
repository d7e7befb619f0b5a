// A challenge batch spread over `verity batch worker` processes on loopback
// by `verity challenge --workers` (docs/DISTRIBUTED.md), through the real
// binary: with a worker SIGKILLed mid-run the batch still completes and its
// summary, final hash and attempts.csv equal a local run's; a worker with
// another secret is refused (exit 2 when it is the only one); --verify-sample
// re-runs attempts here and agrees. Every process a test starts is killed at
// its end, pass or fail (Process's destructor).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <thread>

#include "tests/support/files.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/summary_json.hpp"

extern char** environ;

namespace verity {
namespace {

using testing::contains;
using testing::last_json;
using testing::without_per_run;
using testing::run_verity;
using testing::slurp;
using testing::TempDir;

const std::string kSource = VERITY_SOURCE_DIR;
const std::string k2Step = kSource + "/scenarios/ftmo_2step_100k.toml";
constexpr const char* kSecret = "s3cret-for-tests-only";

/// A child process of the test, its stdout and stderr in files. The
/// destructor SIGKILLs it (if it still runs) and reaps it.
class Process {
 public:
  Process(const std::vector<std::string>& args, const std::vector<std::string>& env, const std::string& out_path,
          const std::string& err_path)
      : out_path_(out_path), err_path_(err_path) {
    std::vector<std::string> envs;
    for (char** e = environ; *e; ++e) {
      const std::string kv = *e;
      if (!kv.starts_with("BATCH_SECRET")) envs.push_back(kv);
    }
    envs.insert(envs.end(), env.begin(), env.end());
    std::vector<std::string> argv_s = {VERITY_BIN};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv, envp;
    for (auto& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    for (auto& s : envs) envp.push_back(s.data());
    envp.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int in = open("/dev/null", O_RDONLY);
      dup2(out, 1);
      dup2(err, 2);
      dup2(in, 0);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() { kill_now(); }

  /// Sends `sig` (SIGSTOP: the process stalls, its sockets stay open).
  void signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  void kill_now() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  /// The exit code, or -1 when it did not end within `limit` (then it is killed).
  int wait(std::chrono::seconds limit) {
    for (auto waited = std::chrono::milliseconds(0); waited < limit; waited += std::chrono::milliseconds(20)) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill_now();
    return -1;
  }
  std::string out() const { return slurp(out_path_); }
  std::string err() const { return slurp(err_path_); }
  /// Waits until stderr contains `text`; false after `limit`.
  bool wait_for_err(const std::string& text, std::chrono::seconds limit) const {
    for (auto waited = std::chrono::milliseconds(0); waited < limit; waited += std::chrono::milliseconds(10)) {
      if (err().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

 private:
  pid_t pid_ = -1;
  std::string out_path_, err_path_;
};

/// A `verity batch worker --port 0` and the port it printed (0 when it did not).
struct Worker {
  std::unique_ptr<Process> process;
  int port = 0;
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
};

Worker start_worker(const TempDir& dir, const std::string& name, const std::string& secret) {
  Worker w;
  w.process = std::make_unique<Process>(std::vector<std::string>{"batch", "worker", "--port", "0", "--threads", "1"},
                                        std::vector<std::string>{"BATCH_SECRET=" + secret}, dir.sub(name + ".out"),
                                        dir.sub(name + ".err"));
  for (int i = 0; i < 1000 && w.port == 0; ++i) {
    for (const std::string& line : testing::lines(w.process->out())) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.value("worker", "") == "listening") w.port = j["port"].get<int>();
    }
    if (w.port == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(w.port, 0) << name << " printed no port: " << w.process->out() << w.process->err();
  return w;
}

TEST(BatchWorkersCli, AKilledWorkerStillGivesTheLocalRunsResult) {
  TempDir dir;
  const std::string batch = "--scenario " + k2Step + " --seeds 60 --max-days 4";
  const auto local = run_verity("challenge " + batch + " --report " + dir.sub("local"));
  ASSERT_EQ(local.exit_code, 0) << local.out << local.err;

  std::vector<Worker> workers;
  for (int i = 0; i < 3; ++i) workers.push_back(start_worker(dir, "w" + std::to_string(i), kSecret));
  ASSERT_TRUE(workers[0].port && workers[1].port && workers[2].port);
  Process coordinator({"challenge", "--scenario", k2Step, "--seeds", "60", "--max-days", "4", "--range-size", "2",
                       "--workers", workers[0].address() + "," + workers[1].address() + "," + workers[2].address(),
                       "--report", dir.sub("remote")},
                      {std::string("BATCH_SECRET=") + kSecret}, dir.sub("c.out"), dir.sub("c.err"));
  ASSERT_TRUE(coordinator.wait_for_err("ranges 1/30 done", std::chrono::seconds(60))) << coordinator.err();
  workers[1].process->kill_now();
  const int rc = coordinator.wait(std::chrono::seconds(180));
  ASSERT_EQ(rc, 0) << coordinator.out() << coordinator.err();
  EXPECT_TRUE(contains(coordinator.err(), "ranges 30/30 done"));
  EXPECT_TRUE(contains(coordinator.err(), "worker " + workers[1].address() + " dropped"));
  const auto want = last_json(local.out), got = last_json(coordinator.out());
  EXPECT_EQ(got["final_hash"], want["final_hash"]);
  EXPECT_EQ(without_per_run(got), without_per_run(want));
  const std::string csv = slurp(dir.sub("remote/attempts.csv"));
  EXPECT_FALSE(csv.empty());
  EXPECT_EQ(csv, slurp(dir.sub("local/attempts.csv")));
}

TEST(BatchWorkersCli, AStalledWorkersRangeGoesToAnotherAfterTheTimeout) {
  TempDir dir;
  const auto local = run_verity("challenge --scenario " + k2Step + " --seeds 20 --max-days 2 --report " + dir.sub("l"));
  ASSERT_EQ(local.exit_code, 0) << local.out << local.err;
  std::vector<Worker> workers;
  for (int i = 0; i < 2; ++i) workers.push_back(start_worker(dir, "w" + std::to_string(i), kSecret));
  ASSERT_TRUE(workers[0].port && workers[1].port);
  Process coordinator({"challenge", "--scenario", k2Step, "--seeds", "20", "--max-days", "2", "--range-size", "2",
                       "--worker-timeout-s", "3", "--workers", workers[0].address() + "," + workers[1].address(),
                       "--report", dir.sub("r")},
                      {std::string("BATCH_SECRET=") + kSecret}, dir.sub("c.out"), dir.sub("c.err"));
  ASSERT_TRUE(coordinator.wait_for_err("ranges 1/10 done", std::chrono::seconds(60))) << coordinator.err();
  // Stopped, not dead: the connection stays up and the range in flight never comes back.
  workers[0].process->signal(SIGSTOP);
  const int rc = coordinator.wait(std::chrono::seconds(120));
  ASSERT_EQ(rc, 0) << coordinator.out() << coordinator.err();
  EXPECT_TRUE(contains(coordinator.err(), "worker " + workers[0].address() + " dropped")) << coordinator.err();
  EXPECT_TRUE(contains(coordinator.err(), "ranges 10/10 done"));
  EXPECT_EQ(last_json(coordinator.out())["final_hash"], last_json(local.out)["final_hash"]);
  EXPECT_EQ(slurp(dir.sub("r/attempts.csv")), slurp(dir.sub("l/attempts.csv")));
}

TEST(BatchWorkersCli, AWorkerStalledBeforeTheHandshakeIsDroppedNotWaitedFor) {
  TempDir dir;
  std::vector<Worker> workers;
  for (int i = 0; i < 2; ++i) workers.push_back(start_worker(dir, "w" + std::to_string(i), kSecret));
  ASSERT_TRUE(workers[0].port && workers[1].port);
  workers[0].process->signal(SIGSTOP);  // its port still accepts TCP; CAF's handshake never completes
  Process coordinator({"challenge", "--scenario", k2Step, "--seeds", "6", "--max-days", "2", "--worker-timeout-s",
                       "2", "--workers", workers[0].address() + "," + workers[1].address(), "--report", dir.sub("r")},
                      {std::string("BATCH_SECRET=") + kSecret}, dir.sub("c.out"), dir.sub("c.err"));
  const int rc = coordinator.wait(std::chrono::seconds(60));
  ASSERT_EQ(rc, 0) << coordinator.out() << coordinator.err();
  EXPECT_TRUE(contains(coordinator.err(), "worker " + workers[0].address() + " dropped: cannot connect"))
      << coordinator.err();
}

TEST(BatchWorkersCli, AWorkerWithAnotherSecretIsRefused) {
  TempDir dir;
  Worker w = start_worker(dir, "w", "another-secret");
  ASSERT_NE(w.port, 0);
  Process coordinator({"challenge", "--scenario", k2Step, "--seeds", "4", "--max-days", "2", "--workers", w.address(),
                       "--worker-timeout-s", "60", "--report", dir.sub("r")},
                      {std::string("BATCH_SECRET=") + kSecret}, dir.sub("c.out"), dir.sub("c.err"));
  const int rc = coordinator.wait(std::chrono::seconds(60));
  EXPECT_EQ(rc, 2) << coordinator.out() << coordinator.err();
  EXPECT_TRUE(contains(coordinator.err(), "secret was refused"));
  EXPECT_TRUE(contains(coordinator.err(), w.address()));
  EXPECT_TRUE(contains(w.process->err(), "refused a request"));
  EXPECT_FALSE(std::filesystem::exists(dir.sub("r/summary.json")));
  // The secret is nowhere in what either side printed.
  EXPECT_EQ((coordinator.out() + coordinator.err() + w.process->out() + w.process->err()).find(kSecret),
            std::string::npos);
}

TEST(BatchWorkersCli, NoSecretIsAClearError) {
  const auto r = run_verity("batch worker --port 0", "BATCH_SECRET= BATCH_SECRET_FILE=");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "BATCH_SECRET"));
  const auto c = run_verity("challenge --scenario " + k2Step + " --seeds 2 --workers 127.0.0.1:9",
                            "BATCH_SECRET= BATCH_SECRET_FILE=");
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_TRUE(contains(c.err, "BATCH_SECRET"));
  const auto bad = run_verity("challenge --scenario " + k2Step + " --seeds 2 --workers nonsense", "BATCH_SECRET=x");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(contains(bad.err, "nonsense"));
}

TEST(BatchWorkersCli, VerifySampleAgreesWithTheWorkers) {
  TempDir dir;
  std::vector<Worker> workers;
  for (int i = 0; i < 2; ++i) workers.push_back(start_worker(dir, "w" + std::to_string(i), kSecret));
  ASSERT_TRUE(workers[0].port && workers[1].port);
  Process coordinator({"challenge", "--scenario", k2Step, "--seeds", "10", "--max-days", "2", "--verify-sample", "2",
                       "--workers", workers[0].address() + "," + workers[1].address(), "--report", dir.sub("r")},
                      {std::string("BATCH_SECRET=") + kSecret}, dir.sub("c.out"), dir.sub("c.err"));
  const int rc = coordinator.wait(std::chrono::seconds(120));
  ASSERT_EQ(rc, 0) << coordinator.out() << coordinator.err();
  EXPECT_TRUE(contains(coordinator.err(), "their final hashes match the workers'"));
  const auto local = run_verity("challenge --scenario " + k2Step + " --seeds 10 --max-days 2 --report " + dir.sub("l"));
  ASSERT_EQ(local.exit_code, 0) << local.err;
  EXPECT_EQ(last_json(coordinator.out())["final_hash"], last_json(local.out)["final_hash"]);
}

}  // namespace
}  // namespace verity
