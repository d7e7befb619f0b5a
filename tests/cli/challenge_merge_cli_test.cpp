// A challenge batch run in pieces (`verity challenge --range/--range-index
// ... --partial FILE`) and merged (`verity report merge`) through the real
// binary: the merged report folder and summary line equal a single run's
// apart from the per-run figures; bad arguments, gaps, overlaps, partials of
// another batch and corrupt files are clear errors (exit 2) naming the file.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/support/files.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/summary_json.hpp"

namespace verity {
namespace {

using testing::contains;
using testing::last_json;
using testing::without_per_run;
using testing::run_command;
using testing::run_verity;
using testing::TempDir;

const std::string kSource = VERITY_SOURCE_DIR;
const std::string k2Step = kSource + "/scenarios/ftmo_2step_100k.toml";
const std::string kBatch = "challenge --scenario " + k2Step + " --seeds 9 --max-days 2 --threads 1";

using testing::slurp;

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

/// The same batch run whole and in three uneven pieces, once for the suite.
class ChallengeMergeCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    whole_ = new testing::CommandResult(run_verity(kBatch + " --report " + dir_->sub("whole")));
    // [0, 2) and [2, 6) by --range, [6, 9) as the last of 3 near-equal pieces.
    pieces_[0] = run_verity(kBatch + " --range 0:2 --partial " + part(0));
    pieces_[1] = run_verity(kBatch + " --range 2:6 --partial " + part(1));
    pieces_[2] = run_verity(kBatch + " --range-index 2 --range-count 3 --partial " + part(2));
  }
  static void TearDownTestSuite() {
    delete whole_;
    delete dir_;
  }
  static std::string part(int i) { return dir_->sub("parts/part-" + std::to_string(i) + ".json"); }

  static TempDir* dir_;
  static testing::CommandResult* whole_;
  static testing::CommandResult pieces_[3];
};

TempDir* ChallengeMergeCli::dir_ = nullptr;
testing::CommandResult* ChallengeMergeCli::whole_ = nullptr;
testing::CommandResult ChallengeMergeCli::pieces_[3];

TEST_F(ChallengeMergeCli, PiecesMergeToWhatOneRunWrites) {
  ASSERT_EQ(whole_->exit_code, 0) << whole_->out << whole_->err;
  for (const auto& p : pieces_) ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
  // Each piece says what it wrote.
  const auto last = last_json(pieces_[2]);
  EXPECT_EQ(last["from"], 6);
  EXPECT_EQ(last["to"], 9);
  EXPECT_EQ(last["seeds"], 9);
  EXPECT_EQ(last["format"], "verity-challenge-partial/1");
  // Given in any order.
  const auto merged = run_verity("report merge --out " + dir_->sub("merged") + " " + part(2) + " " + part(0) + " " +
                                 part(1));
  ASSERT_EQ(merged.exit_code, 0) << merged.out << merged.err;
  EXPECT_EQ(last_json(merged)["final_hash"], last_json(*whole_)["final_hash"]);
  EXPECT_EQ(without_per_run(last_json(merged)), without_per_run(last_json(*whole_)));
  const auto whole_summary = nlohmann::json::parse(slurp(dir_->sub("whole/summary.json")));
  const auto merged_summary = nlohmann::json::parse(slurp(dir_->sub("merged/summary.json")));
  EXPECT_EQ(without_per_run(merged_summary), without_per_run(whole_summary));
  EXPECT_EQ(merged_summary["threads"], 3);  // one per piece, summed
  // Key order and number text too: the whole file but the per-run figures.
  auto strip = [](std::string text) {
    return std::regex_replace(text, std::regex(R"re("(threads|elapsed_s|bars_per_s|bars_per_s_per_core)":[^,]*,)re"), "");
  };
  EXPECT_EQ(strip(slurp(dir_->sub("merged/summary.json"))), strip(slurp(dir_->sub("whole/summary.json"))));
  EXPECT_EQ(slurp(dir_->sub("merged/attempts.csv")), slurp(dir_->sub("whole/attempts.csv")));
  const std::string html = slurp(dir_->sub("merged/report.html"));
  EXPECT_TRUE(contains(html, last_json(*whole_)["final_hash"].get<std::string>()));
  EXPECT_TRUE(contains(html, "data-charts-drawn") || contains(html, "chart-equity"));
}

TEST_F(ChallengeMergeCli, APieceWritesNoReportFolder) {
  TempDir cwd;
  const auto r = run_command("cd " + cwd.str() + " && " + VERITY_BIN + " " + kBatch + " --range 8:9 --partial p.json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(std::filesystem::exists(cwd.sub("p.json")));
  EXPECT_FALSE(std::filesystem::exists(cwd.sub("verity-data")));
  EXPECT_EQ(last_json(r)["attempts"], 1);
}

TEST_F(ChallengeMergeCli, GapsOverlapsAndForeignPartialsAreErrorsNamingTheFiles) {
  for (const auto& p : pieces_) ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
  TempDir dir;
  const auto gap = run_verity("report merge --out " + dir.sub("o") + " " + part(0) + " " + part(2));
  EXPECT_EQ(gap.exit_code, 2);
  EXPECT_TRUE(contains(gap.err, "attempts [2, 6) of the batch of 9 is in no partial file"));
  EXPECT_TRUE(contains(gap.err, part(0)));
  EXPECT_TRUE(contains(gap.err, part(2)));

  const std::string overlap_part = dir.sub("overlap.json");
  ASSERT_EQ(run_verity(kBatch + " --range 1:3 --partial " + overlap_part).exit_code, 0);
  const auto overlap =
      run_verity("report merge --out " + dir.sub("o") + " " + part(0) + " " + overlap_part + " " + part(1) + " " + part(2));
  EXPECT_EQ(overlap.exit_code, 2);
  EXPECT_TRUE(contains(overlap.err, "attempt 1 would be merged twice"));
  EXPECT_TRUE(contains(overlap.err, overlap_part));

  const std::string same_twice = run_verity("report merge --out " + dir.sub("o") + " " + part(0) + " " + part(0) +
                                            " " + part(1) + " " + part(2)).err;
  EXPECT_TRUE(contains(same_twice, "would be merged twice"));

  const std::string other_seed = dir.sub("seed43.json");
  ASSERT_EQ(run_verity(kBatch + " --seed 43 --range 2:6 --partial " + other_seed).exit_code, 0);
  const auto seed = run_verity("report merge --out " + dir.sub("o") + " " + part(0) + " " + other_seed + " " + part(2));
  EXPECT_EQ(seed.exit_code, 2);
  EXPECT_TRUE(contains(seed.err, other_seed + " is not of the batch of " + part(0)));
  EXPECT_TRUE(contains(seed.err, "batch.seed"));

  // Another scenario file, and the same file under another key (--max-days): another config.
  const std::string other_scenario = dir.sub("scenario.json");
  ASSERT_EQ(run_verity("challenge --scenario " + kSource + "/scenarios/stress_flash_crash.toml --seeds 9 --max-days 2 "
                       "--threads 1 --range 2:6 --partial " + other_scenario).exit_code, 0);
  const auto sc = run_verity("report merge --out " + dir.sub("o") + " " + part(0) + " " + other_scenario + " " + part(2));
  EXPECT_EQ(sc.exit_code, 2);
  EXPECT_TRUE(contains(sc.err, other_scenario + " is not of the batch of " + part(0)));
  EXPECT_TRUE(contains(sc.err, "batch.scenario"));
  const std::string other_config = dir.sub("config.json");
  ASSERT_EQ(run_verity("challenge --scenario " + k2Step + " --seeds 9 --max-days 3 --threads 1 --range 2:6 --partial " +
                       other_config).exit_code, 0);
  const auto cfg = run_verity("report merge --out " + dir.sub("o") + " " + part(0) + " " + other_config + " " + part(2));
  EXPECT_EQ(cfg.exit_code, 2);
  EXPECT_TRUE(contains(cfg.err, other_config));
  EXPECT_TRUE(contains(cfg.err, "batch.config_hash"));
  EXPECT_FALSE(std::filesystem::exists(dir.sub("o/summary.json")));
}

TEST_F(ChallengeMergeCli, CorruptPartialsAreErrorsNamingTheFileAndField) {
  for (const auto& p : pieces_) ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
  TempDir dir;
  const std::string text = slurp(part(1));
  const std::string truncated = dir.sub("truncated.json");
  write(truncated, text.substr(0, text.size() / 3));
  const std::string wrong_type = dir.sub("wrong-type.json");
  write(wrong_type, std::regex_replace(text, std::regex(R"("bars":[0-9]+)"), R"("bars":"lots")",
                                       std::regex_constants::format_first_only));
  const std::string not_json = dir.sub("not-json.json");
  write(not_json, "verity\n");
  const std::string missing = dir.sub("missing.json");
  struct Case {
    std::string file;
    std::vector<std::string> expect;
  };
  for (const Case& c : std::vector<Case>{{truncated, {"not valid JSON"}},
                                         {wrong_type, {"attempts[0].bars: expected an integer, got a string"}},
                                         {not_json, {"not valid JSON"}},
                                         {missing, {"cannot read"}}}) {
    const auto r = run_verity("report merge --out " + dir.sub("o") + " " + part(0) + " " + c.file + " " + part(2));
    EXPECT_EQ(r.exit_code, 2) << c.file << "\n" << r.out << r.err;
    EXPECT_TRUE(contains(r.err, c.file + ": "));
    for (const std::string& e : c.expect) EXPECT_TRUE(contains(r.err, e)) << c.file;
    EXPECT_FALSE(contains(r.err, "terminate")) << r.err;
  }
}

TEST(ChallengeMergeArgs, BadRangeArgumentsFailAtStartNamingTheFlag) {
  TempDir dir;
  const std::string p = " --partial " + dir.sub("p.json");
  struct Case {
    std::string args;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {" --range 0:3", "needs --partial FILE"},
      {" --range-index 0 --range-count 3", "needs --partial FILE"},
      {p, "--partial needs --range FROM:TO"},
      {" --range 5:3" + p, "--range 5:3 is empty"},
      {" --range 4:4" + p, "--range 4:4 is empty"},
      {" --range 0:10" + p, "ends beyond the batch of --seeds 9"},
      {" --range 3" + p, "expected FROM:TO"},
      {" --range a:b" + p, "expected FROM:TO"},
      {" --range-index 3 --range-count 3" + p, "--range-index 3 is outside --range-count 3 (0 to 2)"},
      {" --range-index 0 --range-count 10" + p, "--range-count is 10; expected 1 to --seeds 9"},
      {" --range-index 0 --range-count 0" + p, "--range-count is 0"},
      {" --range-index 1" + p, "--range-index needs --range-count"},
      {" --range-count 3" + p, "--range-count needs --range-index"},
      {" --range 0:3 --range-index 0 --range-count 3" + p, "not both"},
      {" --range 0:3 --attempt 1" + p, "--attempt cannot be combined"},
  };
  for (const Case& c : cases) {
    const auto r = run_verity(kBatch + c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.out << r.err;
    EXPECT_TRUE(contains(r.err, c.expect)) << c.args;
    EXPECT_FALSE(std::filesystem::exists(dir.sub("p.json"))) << c.args;
  }
  // An unwritable partial fails before any attempt runs.
  write(dir.sub("file"), "x");
  const auto unwritable = run_verity(kBatch + " --range 0:1 --partial " + dir.sub("file/p.json"));
  EXPECT_EQ(unwritable.exit_code, 2);
  EXPECT_TRUE(contains(unwritable.err, "--partial: cannot create " + dir.sub("file")));
}

TEST(ChallengeMergeArgs, HelpAndMissingArguments) {
  const auto help = run_verity("report merge --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(contains(help.out, "--out"));
  EXPECT_TRUE(contains(help.out, "exactly once"));
  const auto group = run_verity("report --help");
  EXPECT_EQ(group.exit_code, 0);
  EXPECT_TRUE(contains(group.out, "merge"));
  EXPECT_TRUE(contains(run_verity("challenge --help").out, "--range-index"));
  EXPECT_EQ(run_verity("report merge --out /tmp/x").exit_code, 2);  // no partials
  EXPECT_EQ(run_verity("report merge a.json").exit_code, 2);        // no --out
}

}  // namespace
}  // namespace verity
