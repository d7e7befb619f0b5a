// The real `verity` binary, run as a user would: every command answers
// --help, bad input fails fast with exit 2 and a message naming the flag or
// key, and `sim` prints one JSON summary whose final hash depends on the seed
// and nothing else (not the process, not the journal level).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace verity {
namespace {

using nlohmann::json;
using testing::CommandResult;
using testing::contains;
using testing::lines;
using testing::run_verity;
using testing::TempDir;



bool is_hash_hex(const std::string& s) { return std::regex_match(s, std::regex("[0-9a-f]{32}")); }

TEST(Cli, HelpForEveryCommandMentionsEachOption) {
  struct Case {
    std::string args;
    std::vector<std::string> mentions;
  };
  const std::vector<Case> cases = {
      {"--help", {"sim", "config", "journal", "--help", "--version"}},
      {"sim --help",
       {"--config", "--seed", "--bars", "--journal", "--level", "--durability", "--log-level", "final_hash"}},
      {"config --help", {"--config", "--keys"}},
      {"journal --help", {"ls", "check"}},
      {"journal ls --help", {"--journal", "--session"}},
      {"journal check --help", {"--journal", "--session"}},
  };
  for (const Case& c : cases) {
    const CommandResult r = run_verity(c.args);
    EXPECT_EQ(r.exit_code, 0) << c.args << "\n" << r.err;
    for (const auto& m : c.mentions) EXPECT_TRUE(contains(r.out, m)) << c.args;
  }
}

TEST(Cli, VersionPrintsTheBuildId) {
  const CommandResult r = run_verity("--version");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(r.last_line().empty());
}

TEST(Cli, MissingSubcommandIsAUsageError) {
  const CommandResult r = run_verity("");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("verity: a command is required; the commands here are: challenge,"), std::string::npos) << r.err;
  const CommandResult group = run_verity("models");
  EXPECT_EQ(group.exit_code, 2);
  EXPECT_NE(group.err.find("verity models: a command is required; the commands here are: add, evaluate, ls,"),
            std::string::npos)
      << group.err;
}

TEST(Cli, AnUnknownCommandIsNamedWithTheCommandsThereAre) {
  const CommandResult r = run_verity("models list");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("verity models: unknown command 'list'; the commands here are: add, evaluate, ls,"),
            std::string::npos)
      << r.err;
  const CommandResult top = run_verity("smi --bars 10");
  EXPECT_EQ(top.exit_code, 2);
  EXPECT_NE(top.err.find("verity: unknown command 'smi'"), std::string::npos) << top.err;
  // A known command's own arguments are its business: CLI11's message stands.
  const CommandResult flag = run_verity("sim --bars");
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_NE(flag.err.find("--bars"), std::string::npos) << flag.err;
  EXPECT_EQ(flag.err.find("unknown command"), std::string::npos) << flag.err;
}

TEST(Cli, BadInputExits2NamingTheFlagOrKey) {
  TempDir dir;
  const std::string bad_toml = dir.sub("bad.toml");
  std::ofstream(bad_toml) << "[risk]\nkill_switch = false\nnope = 1\n";
  // Every case writes its journal (if it ever got that far) inside the temp
  // dir and asks for few bars, so a case that wrongly succeeds stays cheap.
  const std::string j = " --journal " + dir.sub("journal");
  struct Case {
    std::string args, env;
    std::vector<std::string> mentions;
  };
  const std::vector<Case> cases = {
      {"sim --seed abc --bars 10" + j, "", {"session.seed", "--seed", "abc"}},
      {"sim --bars 0" + j, "", {"session.bars", "--bars", "[1, "}},
      {"sim --level bogus --bars 10" + j, "", {"journal.level", "--level", "bogus"}},
      {"sim --durability nope --bars 10" + j, "", {"journal.durability", "--durability", "nope"}},
      {"sim --bogus-flag --bars 10" + j, "", {"--bogus-flag"}},
      {"sim --config /nonexistent.toml --bars 10" + j, "", {"/nonexistent.toml"}},
      {"sim --config " + bad_toml + " --bars 10" + j, "", {"risk.nope", bad_toml + " line 3"}},
      {"sim" + j, "VERITY_SESSION_BARS=-5", {"VERITY_SESSION_BARS", "session.bars"}},
      {"sim --bars 10" + j, "VERITY_FOO=1", {"VERITY_FOO"}},
      {"config", "VERITY_FTMO_MAX_DAILY_LOSS_PCT=-1", {"ftmo.max_daily_loss_pct", "VERITY_FTMO_MAX_DAILY_LOSS_PCT"}},
  };
  for (const Case& c : cases) {
    const CommandResult r = run_verity(c.args, c.env);
    EXPECT_EQ(r.exit_code, 2) << c.env << " verity " << c.args << "\nstdout: " << r.out << "\nstderr: " << r.err;
    for (const auto& m : c.mentions) EXPECT_TRUE(contains(r.err, m)) << c.env << " verity " << c.args;
    EXPECT_TRUE(r.out.empty()) << c.args << ": errors belong on stderr, got " << r.out;
  }
}

TEST(Cli, JournalOnAMissingFolderFails) {
  TempDir dir;
  const CommandResult r = run_verity("journal check --journal " + dir.sub("nothing-here"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(r.err.empty());
}

TEST(Cli, ConfigKeysListsEverySection) {
  const CommandResult r = run_verity("config --keys");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* section : {"session", "journal", "market", "features", "strategy", "risk", "execution",
                              "portfolio", "log"}) {
    EXPECT_TRUE(contains(r.out, std::string("`") + section + ".")) << section;
  }
  EXPECT_TRUE(contains(r.out, "| key |"));
}

TEST(Cli, ConfigShowsTheResolvedConfigWithEnvironment) {
  const CommandResult r = run_verity("config", "VERITY_FTMO_MAX_DAILY_LOSS_PCT=4.75");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "max_daily_loss_pct = 4.75"));
  const std::string last = r.last_line();
  ASSERT_TRUE(last.starts_with("# config_hash = ")) << last;
  EXPECT_TRUE(is_hash_hex(last.substr(16)));
}

/// Sim runs are the slow part, so the suite runs each one once and shares it.
class CliSim : public ::testing::Test {
 protected:
  struct Run {
    CommandResult result;
    json summary;
    std::string journal;
  };

  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    seed7_ = std::make_unique<Run>(sim("--seed 7 --level full", "seed7"));
    seed7_again_ = std::make_unique<Run>(sim("--seed 7", "seed7-again"));
    seed8_ = std::make_unique<Run>(sim("--seed 8", "seed8"));
    seed7_hash_ = std::make_unique<Run>(sim("--seed 7 --level hash --durability off", "seed7-hash"));
  }
  static void TearDownTestSuite() {
    seed7_.reset();
    seed7_again_.reset();
    seed8_.reset();
    seed7_hash_.reset();
    dir_.reset();
  }

  static Run sim(const std::string& args, const std::string& name) {
    Run run;
    run.journal = dir_->sub(name);
    run.result = run_verity("sim --bars 3000 --journal " + run.journal + " " + args);
    try {
      run.summary = json::parse(run.result.last_line());
    } catch (const json::exception&) {
      run.summary = json();  // the tests report the raw output
    }
    return run;
  }

  static void expect_ok(const Run& run) {
    ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
    ASSERT_TRUE(run.summary.is_object()) << "last line is not JSON: " << run.result.last_line();
  }

  static inline std::unique_ptr<TempDir> dir_;
  static inline std::unique_ptr<Run> seed7_, seed7_again_, seed8_, seed7_hash_;
};

TEST_F(CliSim, SummaryIsOneJsonObject) {
  expect_ok(*seed7_);
  const json& s = seed7_->summary;
  for (const char* key : {"seed", "bars", "messages", "final_hash", "equity_end", "trades", "elapsed_s"}) {
    EXPECT_TRUE(s.contains(key)) << key << " missing from " << s.dump();
  }
  EXPECT_EQ(s["seed"].get<std::uint64_t>(), 7u);
  EXPECT_EQ(s["bars"].get<std::int64_t>(), 3000);
  EXPECT_GT(s["messages"].get<std::uint64_t>(), 3000u);  // each bar fans out through the graph
  EXPECT_TRUE(is_hash_hex(s["final_hash"].get<std::string>())) << s["final_hash"];
  EXPECT_TRUE(s["equity_end"].is_number());
  EXPECT_GT(s["equity_end"].get<double>(), 0.0);
  EXPECT_TRUE(s["trades"].is_number_unsigned());
  EXPECT_GE(s["elapsed_s"].get<double>(), 0.0);
  EXPECT_EQ(s["journal"].get<std::string>(), seed7_->journal);
}

TEST_F(CliSim, SameSeedInAnotherProcessGivesTheSameRun) {
  expect_ok(*seed7_);
  expect_ok(*seed7_again_);
  const json &a = seed7_->summary, &b = seed7_again_->summary;
  EXPECT_EQ(a["final_hash"], b["final_hash"]);
  EXPECT_EQ(a["messages"], b["messages"]);
  EXPECT_EQ(a["equity_end"], b["equity_end"]);
  EXPECT_EQ(a["trades"], b["trades"]);
  EXPECT_EQ(a["session"], b["session"]);
}

TEST_F(CliSim, DifferentSeedGivesADifferentHash) {
  expect_ok(*seed7_);
  expect_ok(*seed8_);
  EXPECT_NE(seed7_->summary["final_hash"], seed8_->summary["final_hash"]);
  EXPECT_NE(seed7_->summary["session"], seed8_->summary["session"]);
}

TEST_F(CliSim, JournalLevelDoesNotChangeTheHash) {
  expect_ok(*seed7_);
  expect_ok(*seed7_hash_);
  EXPECT_EQ(seed7_->summary["level"], "full");
  EXPECT_EQ(seed7_hash_->summary["level"], "hash");
  EXPECT_EQ(seed7_->summary["final_hash"], seed7_hash_->summary["final_hash"]);
  EXPECT_EQ(seed7_->summary["messages"], seed7_hash_->summary["messages"]);
  // Level hash stores no envelopes; level full stores every one.
  EXPECT_EQ(seed7_hash_->summary["stored"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(seed7_->summary["stored"], seed7_->summary["messages"]);
}

TEST_F(CliSim, JournalLsAndCheckReadTheJournal) {
  expect_ok(*seed7_);
  const json& s = seed7_->summary;

  const CommandResult ls = run_verity("journal ls --journal " + seed7_->journal);
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  const auto ls_lines = lines(ls.out);
  ASSERT_EQ(ls_lines.size(), 1u) << ls.out;
  const json entry = json::parse(ls_lines[0]);
  EXPECT_EQ(entry["session"], s["session"]);
  EXPECT_EQ(entry["seed"].get<std::uint64_t>(), 7u);
  EXPECT_EQ(entry["mode"], "sim");
  EXPECT_EQ(entry["level"], "full");
  EXPECT_EQ(entry["messages"], s["messages"]);
  EXPECT_EQ(entry["final_hash"], s["final_hash"]);
  EXPECT_EQ(entry["closed"], true);

  const CommandResult check = run_verity("journal check --journal " + seed7_->journal);
  ASSERT_EQ(check.exit_code, 0) << check.err;
  const auto check_lines = lines(check.out);
  ASSERT_EQ(check_lines.size(), 1u) << check.out;
  const json report = json::parse(check_lines[0]);
  EXPECT_EQ(report["ok"], true);
  EXPECT_EQ(report["final_hash"], s["final_hash"]);
  EXPECT_EQ(report["records"], s["messages"]);
  EXPECT_EQ(report["last_seq"], s["messages"]);

  // --session selects one session; an unknown one is an error.
  const CommandResult one = run_verity("journal ls --journal " + seed7_->journal + " --session " +
                                       s["session"].get<std::string>());
  EXPECT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(lines(one.out).size(), 1u);
  const CommandResult none = run_verity("journal ls --journal " + seed7_->journal + " --session 0123456789abcdef");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_TRUE(contains(none.err, "0123456789abcdef"));
}

TEST(CliLogs, AreJsonLinesCarryingTheSessionContext) {
  testing::TempDir dir;
  const auto r = testing::run_verity("sim --seed 3 --bars 3000 --log-level debug --journal " + dir.sub("j"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = nlohmann::json::parse(r.last_line());
  std::istringstream lines(r.err);
  std::string line;
  std::size_t count = 0, trade_events = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);  // throws (fails the test) on a non-JSON line
    for (const char* field : {"ts", "level", "mode", "session", "seq", "actor", "event"}) {
      ASSERT_TRUE(j.contains(field)) << field << " missing in " << line;
    }
    EXPECT_EQ(j["mode"], "sim");
    EXPECT_EQ(j["session"], summary["session"]);
    const std::string event = j["event"];
    trade_events += event == "fill" || event == "signal_approved" || event == "signal_rejected";
    ++count;
  }
  EXPECT_GE(count, 2u);           // session_start and session_end at least
  EXPECT_GT(trade_events, 0u);    // and the debug-level trade events of 3,000 bars
}

}  // namespace
}  // namespace verity
