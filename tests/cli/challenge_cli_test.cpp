// `verity challenge` end to end through the real binary: the summary line,
// determinism across runs and thread counts, re-verifying one attempt,
// stress scenarios, imported history, and bad scenarios failing at start.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/run_command.hpp"

namespace verity {
namespace {

using testing::contains;
using testing::run_verity;
using testing::TempDir;

const std::string kSource = VERITY_SOURCE_DIR;
const std::string k2Step = kSource + "/scenarios/ftmo_2step_100k.toml";

nlohmann::json last_json(const testing::CommandResult& r) {
  auto j = nlohmann::json::parse(r.last_line(), nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  return j;
}

/// The summary without the wall-clock figures, which are the only ones allowed to differ.
nlohmann::json without_timing(nlohmann::json j) {
  for (const char* k : {"elapsed_s", "bars_per_s", "bars_per_s_per_core", "threads"}) j.erase(k);
  return j;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string write_scenario(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.sub(name);
  std::ofstream(path) << text;
  return path;
}

TEST(ChallengeCli, SummaryLineHasEveryFieldAndTheReportIsWritten) {
  TempDir dir;
  const auto r = run_verity("challenge --scenario " + k2Step + " --seeds 3 --max-days 3 --report " + dir.sub("rep"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto j = last_json(r);
  for (const char* key : {"attempts", "passed", "pass_rate", "pass_rate_ci95", "median_days_to_pass", "breaches",
                          "final_hash", "gate", "checks", "metrics"}) {
    EXPECT_TRUE(j.contains(key)) << key << "\n" << r.last_line();
  }
  EXPECT_EQ(j["attempts"], 3);
  EXPECT_TRUE(j["breaches"].contains("daily_loss"));
  EXPECT_TRUE(j["breaches"].contains("max_loss"));
  EXPECT_EQ(j["pass_rate_ci95"].size(), 2u);
  EXPECT_EQ(j["gate"]["evaluated"], false);  // 3 attempts; the gate needs 20
  EXPECT_TRUE(contains(r.out, dir.sub("rep") + "/report.html"));
  for (const char* f : {"report.html", "summary.json", "attempts.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(dir.sub("rep") + "/" + f)) << f;
  }
  // summary.json is the same object as the last line.
  EXPECT_EQ(without_timing(nlohmann::json::parse(read(dir.sub("rep") + "/summary.json"))), without_timing(j));
}

TEST(ChallengeCli, SameArgumentsGiveTheSameJsonOnAnyThreadCount) {
  TempDir dir;
  const std::string args = "challenge --scenario " + k2Step + " --seeds 4 --max-days 2 --report " + dir.sub("a");
  const auto one = run_verity(args + " --threads 1");
  const auto two = run_verity(args + " --threads 2");
  const auto again = run_verity(args + " --threads 2");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(without_timing(last_json(one)), without_timing(last_json(two)));
  EXPECT_EQ(without_timing(last_json(two)), without_timing(last_json(again)));
  // Another root seed is another batch.
  const auto other = run_verity(args + " --seed 43");
  EXPECT_NE(last_json(other)["final_hash"], last_json(one)["final_hash"]);
}

TEST(ChallengeCli, OneAttemptReRunsAloneToTheSameFinalHash) {
  TempDir dir;
  const auto batch =
      run_verity("challenge --scenario " + k2Step + " --seeds 3 --max-days 2 --report " + dir.sub("batch"));
  ASSERT_EQ(batch.exit_code, 0) << batch.err;
  const std::string csv = read(dir.sub("batch") + "/attempts.csv");
  // Row for attempt 2 (header, then attempts 0, 1, 2).
  std::istringstream lines(csv);
  std::string header, row;
  std::getline(lines, header);
  for (int i = 0; i <= 2; ++i) std::getline(lines, row);
  const auto single = run_verity("challenge --scenario " + k2Step + " --seeds 3 --max-days 2 --attempt 2 --report " +
                                 dir.sub("single"));
  ASSERT_EQ(single.exit_code, 0) << single.err;
  const std::string one = read(dir.sub("single") + "/attempts.csv");
  std::istringstream l2(one);
  std::string h2, r2;
  std::getline(l2, h2);
  std::getline(l2, r2);
  EXPECT_EQ(r2, row);  // the same attempt, every column, hash included
  EXPECT_TRUE(row.starts_with("2,")) << row;
}

TEST(ChallengeCli, StressScenariosRunAndTheirChecksHold) {
  for (const char* name : {"stress_flash_crash", "stress_venue_outage", "stress_rejection_storm"}) {
    TempDir dir;
    const auto r = run_verity("challenge --scenario " + kSource + "/scenarios/" + name +
                              ".toml --seeds 2 --max-days 3 --report " + dir.sub("rep"));
    EXPECT_EQ(r.exit_code, 0) << name << "\n" << r.out << r.err;
    const auto j = last_json(r);
    for (const char* check : {"guardrail", "reconcile", "no_crash"}) {
      EXPECT_EQ(j["checks"][check], true) << name << " " << check << "\n" << r.out;
    }
  }
}

TEST(ChallengeCli, BadScenariosFailAtStartNamingTheProblem) {
  TempDir dir;
  struct Case {
    const char* name;
    std::string text;
    std::vector<std::string> expect;
  };
  const std::vector<Case> cases = {
      {"unknown_key.toml", "[ftmo]\nmax_daily_loss = 5\n", {"unknown key ftmo.max_daily_loss", "line 2"}},
      {"negative.toml", "[ftmo]\nmax_loss_pct = -10\n", {"ftmo.max_loss_pct", "line 2", "[0.01, 100.0]"}},
      {"daily_above_max.toml", "[ftmo]\nmax_daily_loss_pct = 12\nmax_loss_pct = 10\n",
       {"ftmo.max_daily_loss_pct (12.0) is above ftmo.max_loss_pct (10.0)"}},
      {"unknown_symbol.toml", "[market]\nsymbol = \"DOGEUSDT\"\n",
       {"market.symbol DOGEUSDT is unknown to the calibration", "BTCUSDT"}},
      {"unknown_stored_symbol.toml",
       "[session]\nsource = \"store\"\nsymbols = \"NOPEUSDT\"\n[data]\ndir = \"" + dir.sub("empty-store") + "\"\n",
       {"NOPEUSDT"}},
      {"bad_check.toml", "[stress]\nchecks = \"guardrail,vibes\"\n", {"stress.checks", "vibes"}},
  };
  for (const Case& c : cases) {
    const std::string path = write_scenario(dir, c.name, c.text);
    const auto r = run_verity("challenge --scenario " + path + " --seeds 1 --report " + dir.sub("rep"));
    EXPECT_EQ(r.exit_code, 2) << c.name << "\n" << r.out << r.err;
    for (const std::string& part : c.expect) EXPECT_TRUE(contains(r.err, part)) << c.name;
    EXPECT_FALSE(std::filesystem::exists(dir.sub("rep") + "/report.html")) << c.name;
  }
  // Bad arguments, too.
  EXPECT_EQ(run_verity("challenge --scenario " + k2Step + " --seeds 0").exit_code, 2);
  const auto outside = run_verity("challenge --scenario " + k2Step + " --seeds 3 --attempt 3");
  EXPECT_EQ(outside.exit_code, 2);
  EXPECT_TRUE(contains(outside.err, "--attempt 3"));
  EXPECT_EQ(run_verity("challenge --seeds 3").exit_code, 2);  // --scenario is required
}

TEST(ChallengeCli, AttemptsRunOnWindowsOfImportedHistory) {
  const std::string csv = kSource + "/../shared/data/01_binance_spot_1m_btc_bnb_2021/BTC_USDT-1m.json";
  if (!std::filesystem::exists(csv)) GTEST_SKIP() << "no shared data at " << csv << " (see ../shared/data/SOURCES.md)";
  TempDir dir;
  const auto imp = run_verity("data import " + csv + " --symbol BTCUSDT --data " + dir.sub("store"));
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  const auto r = run_verity("challenge --scenario " + kSource + "/scenarios/ftmo_2step_history.toml --seeds 3 "
                            "--max-days 5 --data " + dir.sub("store") + " --report " + dir.sub("rep"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto j = last_json(r);
  EXPECT_EQ(j["attempts"], 3);
  EXPECT_EQ(j["outcomes"]["failed"], 0);
  // Each attempt starts somewhere else in the data.
  const std::string attempts = read(dir.sub("rep") + "/attempts.csv");
  std::istringstream lines(attempts);
  std::string header, row;
  std::getline(lines, header);
  std::set<std::string> starts;
  while (std::getline(lines, row)) {
    std::vector<std::string> cols;
    std::stringstream ss(row);
    std::string col;
    while (std::getline(ss, col, ',')) cols.push_back(col);
    ASSERT_GT(cols.size(), 7u);
    starts.insert(cols[6]);  // start
    EXPECT_TRUE(cols[6].starts_with("2021-")) << row;
  }
  EXPECT_EQ(starts.size(), 3u);
}

}  // namespace
}  // namespace verity
