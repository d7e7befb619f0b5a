// `verity challenge` end to end through the real binary: the summary line,
// determinism across runs and thread counts, re-verifying one attempt,
// stress scenarios, imported history, and bad scenarios failing at start.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "tests/support/run_command.hpp"
#include "tests/support/summary_json.hpp"

namespace verity {
namespace {

using testing::contains;
using testing::last_json;
using testing::without_per_run;
using testing::run_verity;
using testing::TempDir;

const std::string kSource = VERITY_SOURCE_DIR;
const std::string k2Step = kSource + "/scenarios/ftmo_2step_100k.toml";

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
  EXPECT_EQ(without_per_run(nlohmann::json::parse(read(dir.sub("rep") + "/summary.json"))), without_per_run(j));
}

TEST(ChallengeCli, SameArgumentsGiveTheSameJsonOnAnyThreadCount) {
  TempDir dir;
  const std::string args = "challenge --scenario " + k2Step + " --seeds 4 --max-days 2 --report " + dir.sub("a");
  const auto one = run_verity(args + " --threads 1");
  const auto two = run_verity(args + " --threads 2");
  const auto again = run_verity(args + " --threads 2");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(without_per_run(last_json(one)), without_per_run(last_json(two)));
  EXPECT_EQ(without_per_run(last_json(two)), without_per_run(last_json(again)));
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
  const auto huge = run_verity("challenge --scenario " + k2Step + " --seeds 5000000000");
  EXPECT_EQ(huge.exit_code, 2);
  EXPECT_TRUE(contains(huge.err, "expected 1 to 1000000 attempts"));
  EXPECT_EQ(run_verity("challenge --scenario " + k2Step + " --seeds lots").exit_code, 2);
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

std::vector<std::map<std::string, std::string>> read_csv_rows(const std::string& path) {
  // attempts.csv quotes only `detail`, the last column: split the rest on commas.
  std::ifstream in(path);
  std::string header, line;
  std::getline(in, header);
  std::vector<std::string> names;
  std::stringstream hs(header);
  for (std::string n; std::getline(hs, n, ',');) names.push_back(n);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    std::map<std::string, std::string> row;
    std::size_t pos = 0;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (i + 1 == names.size()) {
        row[names[i]] = line.substr(pos);
        break;
      }
      const std::size_t comma = line.find(',', pos);
      row[names[i]] = line.substr(pos, comma - pos);
      pos = comma + 1;
    }
    rows.push_back(row);
  }
  return rows;
}

TEST(ChallengeCli, PassesAreDetectedAcrossBothPhasesAndTimed) {
  // Tiny targets, so the losing baseline still passes some attempts: this
  // tests the pass path (phase 1, then verification), not the strategy.
  TempDir dir;
  const auto path = write_scenario(dir, "easy.toml",
                                   "[ftmo]\nprofit_target_pct = 0.05\nverification_target_pct = 0.05\n"
                                   "min_trading_days = 1\n[challenge]\nmax_days = 5\n");
  const auto r = run_verity("challenge --scenario " + path + " --seeds 10 --report " + dir.sub("rep"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto j = last_json(r);
  ASSERT_GT(j["passed"].get<int>(), 0) << r.last_line();
  EXPECT_GT(j["median_days_to_pass"].get<double>(), 0);
  EXPECT_LT(j["median_days_to_pass"].get<double>(), 5);
  const double rate = j["pass_rate"];
  EXPECT_DOUBLE_EQ(rate, j["passed"].get<double>() / 10.0);
  EXPECT_LE(j["pass_rate_ci95"][0].get<double>(), rate);
  EXPECT_GE(j["pass_rate_ci95"][1].get<double>(), rate);
  for (const auto& row : read_csv_rows(dir.sub("rep") + "/attempts.csv")) {
    if (row.at("outcome") != "passed") continue;
    EXPECT_EQ(row.at("phase"), "2");  // a pass of the 2-Step is a pass of the verification
    EXPECT_GE(std::stoi(row.at("trading_days")), 1);
    EXPECT_LT(std::stod(row.at("days")), 5.0);
  }
}

TEST(ChallengeCli, BreachesCarryTheirRuleTimeAndNumbersAndNothingFollows) {
  // Risky sizing with guardrails at the firm's limits: attempts breach.
  TempDir dir;
  const auto path = write_scenario(dir, "risky.toml",
                                   "[risk]\nrisk_per_trade_pct = 4\nmax_position_usd = 1000000\n"
                                   "[ftmo]\nguard_daily_loss_pct = 5\nguard_max_loss_pct = 10\n"
                                   "[challenge]\nmax_days = 10\n");
  const auto r = run_verity("challenge --scenario " + path + " --seeds 10 --report " + dir.sub("rep"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;  // every check held: nothing approved after a breach
  const auto j = last_json(r);
  const int breaches = j["breaches"]["daily_loss"].get<int>() + j["breaches"]["max_loss"].get<int>();
  ASSERT_GT(breaches, 0) << r.last_line();
  EXPECT_EQ(j["outcomes"]["breached"], breaches);
  EXPECT_EQ(j["checks"]["guardrail"], true);
  for (const auto& row : read_csv_rows(dir.sub("rep") + "/attempts.csv")) {
    if (row.at("outcome") != "breached") continue;
    const std::string rule = row.at("breach_rule");
    EXPECT_TRUE(rule == "daily_loss" || rule == "max_loss") << rule;
    EXPECT_TRUE(row.at("breach_time").starts_with("2024-") || row.at("breach_time").starts_with("2025-"));
    // The loss is over the limit, and the limit is the rule's share of 100'000.
    EXPECT_GT(std::stod(row.at("breach_loss_usd")), std::stod(row.at("breach_limit_usd")));
    EXPECT_EQ(std::stod(row.at("breach_limit_usd")), rule == "daily_loss" ? 5'000.0 : 10'000.0);
    EXPECT_TRUE(contains(row.at("detail"), rule + " breached at"));
  }
}

TEST(ChallengeCli, ABreachThroughAGappedStopIsReportedAsSuch) {
  // Monday opens 8% away from Friday: positions held over a weekend at 5x
  // leverage gap through their stops.
  TempDir dir;
  const auto path = write_scenario(dir, "gaps.toml",
                                   "[risk]\nrisk_per_trade_pct = 2\nmax_position_usd = 1000000\nleverage_min = 5\n"
                                   "[challenge]\nmax_days = 10\n[stress]\nweekend_gap_pct = 8.0\n");
  const auto r = run_verity("challenge --scenario " + path + " --seeds 20 --report " + dir.sub("rep"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  int gapped = 0;
  for (const auto& row : read_csv_rows(dir.sub("rep") + "/attempts.csv")) {
    if (row.at("gap_through_stop") != "1") continue;
    ++gapped;
    EXPECT_EQ(row.at("outcome"), "breached");
    EXPECT_TRUE(contains(row.at("detail"), "gapped through a stop"));
  }
  EXPECT_GT(gapped, 0) << read(dir.sub("rep") + "/attempts.csv");
}

TEST(ChallengeCli, JournaledAttemptsReplayIdentically) {
  TempDir dir;
  const auto r = run_verity("challenge --scenario " + k2Step + " --seeds 2 --max-days 1 --journal " + dir.sub("j") +
                            " --report " + dir.sub("rep"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto rows = read_csv_rows(dir.sub("rep") + "/attempts.csv");
  ASSERT_EQ(rows.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const auto v = run_verity("replay --verify --journal " + dir.sub("j") + "/attempt-" + std::to_string(i));
    ASSERT_EQ(v.exit_code, 0) << v.out << v.err;
    EXPECT_TRUE(contains(v.last_line(), "\"final_hash\":\"" + rows[i].at("final_hash") + "\""));
  }
}

TEST(ChallengeCli, AProgressBarOnATerminalOnly) {
  TempDir dir;
  const std::string cmd = std::string(VERITY_BIN) + " challenge --scenario " + k2Step +
                          " --seeds 2 --max-days 1 --report " + dir.sub("rep");
  // `script` gives the command a pseudo-terminal.
  const auto tty = testing::run_command("script -qec '" + cmd + "' /dev/null");
  if (tty.exit_code == 127) GTEST_SKIP() << "no `script` (bsdutils) to make a terminal";
  EXPECT_EQ(tty.exit_code, 0) << tty.out << tty.err;
  EXPECT_TRUE(contains(tty.out, "2/2 attempts"));
  const auto piped = run_verity("challenge --scenario " + k2Step + " --seeds 2 --max-days 1 --report " + dir.sub("rep"));
  EXPECT_FALSE(contains(piped.err + piped.out, "2/2 attempts"));
}

}  // namespace
}  // namespace verity
