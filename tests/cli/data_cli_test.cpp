// `verity data import | ls | validate` run as a user would: imports are
// idempotent, `reject` names the bad file and line and stores nothing,
// `quarantine` keeps bad rows visible, `repair` fills and flags gaps, and
// each kind of bad input is a clear error (file, line, column) with exit 2
// and nothing stored.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
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
using testing::run_verity;
using testing::TempDir;


constexpr long long kT0Ms = 1'617'321'600'000;  // 2021-04-02T00:00:00Z

/// One Binance kline row at minute `m`.
std::string kline(int m, double close, double high_offset = 1.0) {
  const long long t = kT0Ms + m * 60'000LL;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%lld,%.2f,%.2f,%.2f,%.2f,12.5,%lld,1250.0,42,6.0,600.0,0\n", t, close,
                close + high_offset, close - 1, close, t + 59'999);
  return buf;
}

/// Minutes 0..9 without 4 and 5: one gap of two candles.
std::string klines_with_a_gap() {
  std::string out;
  for (int m = 0; m < 10; ++m) {
    if (m != 4 && m != 5) out += kline(m, 100 + m);
  }
  return out;
}

std::string write(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.sub(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

json ls_json(const std::string& store) {
  const CommandResult r = run_verity("data ls --json --data " + store);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  try {
    return json::parse(r.last_line());
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON: " << r.out;
    return json::object();
  }
}

TEST(DataCli, HelpForEveryDataCommand) {
  struct Case {
    std::string args;
    std::vector<std::string> mentions;
  };
  const std::vector<Case> cases = {
      {"data --help", {"import", "ls", "validate"}},
      {"data import --help",
       {"--symbol", "--format", "--timeframe", "--policy", "--data", "--config", "--overwrite", "--json", "reject",
        "quarantine", "repair"}},
      {"data ls --help", {"--json", "--data", "--config"}},
      {"data validate --help", {"--symbol", "--json", "--report", "--data", "--format", "--timeframe"}},
  };
  for (const Case& c : cases) {
    const CommandResult r = run_verity(c.args);
    EXPECT_EQ(r.exit_code, 0) << c.args << "\n" << r.err;
    for (const auto& m : c.mentions) EXPECT_TRUE(contains(r.out, m)) << c.args;
  }
}

TEST(DataCli, ImportTwiceIsIdempotentAndLsShowsRangesAndCounts) {
  TempDir dir;
  const std::string file = write(dir, "BTCUSDT-1m.csv", klines_with_a_gap());
  const std::string store = dir.sub("market");
  const CommandResult first = run_verity("data import " + file + " --symbol BTCUSDT --data " + store + " --json");
  ASSERT_EQ(first.exit_code, 0) << first.err << first.out;
  EXPECT_TRUE(contains(first.out, "8 new, 0 unchanged"));
  EXPECT_TRUE(contains(first.out, "1 gap(s), 2 missing candles"));
  EXPECT_TRUE(contains(first.out, "gap 2021-04-02T00:04:00Z .. 2021-04-02T00:05:00Z: 2 missing"));
  const json j1 = json::parse(first.last_line());

  const CommandResult second = run_verity("data import " + file + " --symbol BTCUSDT --data " + store + " --json");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_TRUE(contains(second.out, "0 new, 8 unchanged"));
  const json j2 = json::parse(second.last_line());
  EXPECT_EQ(j2["added"], 0);
  EXPECT_EQ(j2["unchanged"], 8);
  EXPECT_EQ(j2["content_hash"], j1["content_hash"]);

  const json ls = ls_json(store);
  ASSERT_EQ(ls["series"].size(), 1u);
  const json& s = ls["series"][0];
  EXPECT_EQ(s["symbol"], "BTCUSDT");
  EXPECT_EQ(s["timeframe"], "1m");
  EXPECT_EQ(s["first"], "2021-04-02T00:00:00Z");
  EXPECT_EQ(s["last"], "2021-04-02T00:09:00Z");
  EXPECT_EQ(s["rows"], 8);
  EXPECT_EQ(s["synthetic"], 0);
  EXPECT_EQ(s["quarantined"], 0);
  EXPECT_EQ(s["content_hash"], j1["content_hash"]);

  const CommandResult table = run_verity("data ls --data " + store);
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_TRUE(contains(table.out, "BTCUSDT"));
  EXPECT_TRUE(contains(table.out, "2021-04-02T00:00:00Z"));
  EXPECT_TRUE(contains(table.out, "2021-04-02T00:09:00Z"));
}

TEST(DataCli, RejectNamesFileAndLineAndStoresNothing) {
  TempDir dir;
  std::string rows = klines_with_a_gap();
  rows += kline(10, 110, -5);  // high below low on line 9
  const std::string file = write(dir, "bad.csv", rows);
  const std::string store = dir.sub("market");
  const CommandResult r = run_verity("data import " + file + " --symbol BTCUSDT --data " + store);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, file + " line 9: "));
  EXPECT_TRUE(contains(r.err, "high_below_low"));
  EXPECT_TRUE(contains(r.err, "stores nothing"));
  const CommandResult ls = run_verity("data ls --data " + store);
  EXPECT_EQ(ls.exit_code, 2);  // no store was even created
  EXPECT_TRUE(contains(ls.err, "no market data"));
}

TEST(DataCli, QuarantineKeepsBadRowsVisible) {
  TempDir dir;
  std::string rows = klines_with_a_gap();
  rows += kline(10, 110, -5);  // line 9
  rows += kline(3, 103);       // line 10: a duplicate of line 4
  const std::string file = write(dir, "bad.csv", rows);
  const std::string store = dir.sub("market");
  const CommandResult r = run_verity("data import " + file + " --symbol BTCUSDT --policy quarantine --data " + store);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "8 new"));
  EXPECT_TRUE(contains(r.out, "2 quarantined"));
  EXPECT_TRUE(contains(r.out, "quarantined " + file + " line 9"));
  const json ls = ls_json(store);
  EXPECT_EQ(ls["series"][0]["rows"], 8);
  EXPECT_EQ(ls["series"][0]["quarantined"], 2);

  const CommandResult v = run_verity("data validate --symbol BTCUSDT --data " + store);
  EXPECT_EQ(v.exit_code, 1);  // quarantined rows and a gap are problems found
  EXPECT_TRUE(contains(v.out, "quarantined rows                 2"));
  EXPECT_TRUE(contains(v.out, "quarantined " + file + " line 9 at 2021-04-02T00:10:00Z"));
  EXPECT_TRUE(contains(v.out, "quarantined " + file + " line 10 at 2021-04-02T00:03:00Z: duplicate of"));

  const CommandResult again =
      run_verity("data import " + file + " --symbol BTCUSDT --policy quarantine --data " + store);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(contains(again.out, "0 new, 8 unchanged"));
  EXPECT_TRUE(contains(again.out, "(0 new, 2 unchanged, 0 updated)"));
}

TEST(DataCli, RepairFillsGapsAndFlagsThem) {
  TempDir dir;
  const std::string file = write(dir, "gap.csv", klines_with_a_gap());
  const std::string store = dir.sub("market");
  // The policy can come from the environment as well as the flag.
  const CommandResult r =
      run_verity("data import " + file + " --symbol BTCUSDT --data " + store, "VERITY_DATA_POLICY=repair");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "policy repair"));
  EXPECT_TRUE(contains(r.out, "2 synthetic candles (2 in gaps, 0 in place of quarantined rows)"));
  const json ls = ls_json(store);
  EXPECT_EQ(ls["series"][0]["rows"], 10);
  EXPECT_EQ(ls["series"][0]["synthetic"], 2);
  const CommandResult v = run_verity("data validate --symbol BTCUSDT --json --data " + store);
  EXPECT_EQ(v.exit_code, 0) << v.out;  // no gap left, and the filled ones are counted as synthetic
  const json j = json::parse(v.last_line());
  EXPECT_EQ(j["checks"]["gap"]["count"], 0);
  EXPECT_EQ(j["synthetic"], 2);
}

TEST(DataCli, BadInputsExit2NamingFileLineAndColumnAndStoreNothing) {
  TempDir dir;
  const std::string store = dir.sub("market");
  // A good import first, so "nothing stored" can be checked against it.
  const std::string good = write(dir, "good.csv", klines_with_a_gap());
  ASSERT_EQ(run_verity("data import " + good + " --symbol BTCUSDT --data " + store).exit_code, 0);
  const json before = ls_json(store);

  std::string text_in_number = kline(20, 120);
  text_in_number.replace(text_in_number.find("121.00"), 6, "12l.00");
  std::string future = kline(21, 121);
  future.replace(0, 13, "4102444800000");
  struct Case {
    std::string name, content, where, what;
  };
  const std::vector<Case> cases = {
      {"truncated.csv", kline(20, 120) + kline(21, 121).substr(0, 40), " line 2, column ", "truncated"},
      {"columns.csv", kline(20, 120) + "1617322860000,1,2,0.5,1.5\n", " line 2, column 6: ", "expected 12 columns"},
      {"text.csv", text_in_number, " line 1, column 3 (high): ", "expected a number, got '12l.00'"},
      {"future.csv", kline(20, 120) + future, " line 2, column 1 (open_time): ", "far future"},
      {"empty.csv", "", " line 1, column 1: ", "empty"},
      {"empty.json", "", " line 1, column 1: ", "empty"},
  };
  for (const Case& c : cases) {
    const std::string path = write(dir, c.name, c.content);
    const CommandResult r = run_verity("data import " + path + " --symbol BTCUSDT --data " + store);
    EXPECT_EQ(r.exit_code, 2) << c.name << "\n" << r.out << r.err;
    EXPECT_TRUE(contains(r.err, path + c.where)) << c.name;
    EXPECT_TRUE(contains(r.err, c.what)) << c.name;
    EXPECT_TRUE(contains(r.err, "nothing was stored")) << c.name;
    EXPECT_EQ(ls_json(store), before) << c.name;
  }
  // Flags and files that do not exist are bad input too.
  EXPECT_EQ(run_verity("data import " + dir.sub("missing.csv") + " --symbol BTCUSDT --data " + store).exit_code, 2);
  EXPECT_EQ(run_verity("data import " + good + " --symbol 'BTC USDT' --data " + store).exit_code, 2);
  EXPECT_EQ(run_verity("data import " + good + " --symbol BTCUSDT --policy maybe --data " + store).exit_code, 2);
  const CommandResult tf = run_verity("data import " + good + " --symbol BTCUSDT --timeframe 1h --data " + store);
  EXPECT_EQ(tf.exit_code, 2);
  EXPECT_TRUE(contains(tf.err, "not 1h"));
  EXPECT_EQ(ls_json(store), before);
}

TEST(DataCli, ConflictingReimportNeedsOverwrite) {
  TempDir dir;
  const std::string store = dir.sub("market");
  ASSERT_EQ(run_verity("data import " + write(dir, "a.csv", kline(0, 100) + kline(1, 101)) +
                       " --symbol BTCUSDT --data " + store)
                .exit_code,
            0);
  const std::string changed = write(dir, "b.csv", kline(0, 100) + kline(1, 101.5));
  const CommandResult r = run_verity("data import " + changed + " --symbol BTCUSDT --data " + store);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "--overwrite"));
  const CommandResult forced = run_verity("data import " + changed + " --symbol BTCUSDT --overwrite --data " + store);
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_TRUE(contains(forced.out, "1 overwritten"));
}

TEST(DataCli, ValidateFilesWithJsonAndAMarkdownReport) {
  TempDir dir;
  const std::string file = write(dir, "gap.csv", klines_with_a_gap());
  const CommandResult text = run_verity("data validate " + file + " --symbol BTCUSDT");
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_TRUE(contains(text.out, "gaps (missing candles)           1 gap(s), 2 missing"));
  const std::string reports = dir.sub("reports");
  const CommandResult j = run_verity("data validate " + file + " --symbol BTCUSDT --json --report " + reports);
  EXPECT_EQ(j.exit_code, 1);
  const json report = json::parse(j.last_line());
  EXPECT_EQ(report["gaps"][0]["first_missing"], "2021-04-02T00:04:00Z");
  EXPECT_EQ(report["gaps"][0]["missing"], 2);
  std::ifstream md(reports + "/BTCUSDT.md");
  ASSERT_TRUE(md.good());
  std::stringstream ss;
  ss << md.rdbuf();
  EXPECT_TRUE(contains(ss.str(), "# Data quality: BTCUSDT"));
  EXPECT_TRUE(contains(ss.str(), "| 2021-04-02T00:04:00Z | 2021-04-02T00:05:00Z | 2 |"));

  std::string clean;
  for (int m = 0; m < 5; ++m) clean += kline(m, 100 + m);
  EXPECT_EQ(run_verity("data validate " + write(dir, "clean.csv", clean) + " --symbol BTCUSDT").exit_code, 0);
  EXPECT_EQ(run_verity("data validate --symbol BTCUSDT --data " + dir.sub("none")).exit_code, 2);
}

TEST(DataCli, TheRealBinanceFileShowsItsTwoMaintenanceGaps) {
  const std::string file =
      std::string(VERITY_SOURCE_DIR) + "/../shared/data/01_binance_spot_1m_btc_bnb_2021/BTC_USDT-1m.json";
  if (!std::filesystem::exists(file)) {
    GTEST_SKIP() << "shared data not found at " << file << " (see ../shared/data/SOURCES.md); skipped";
  }
  TempDir dir;
  const CommandResult r = run_verity("data import " + file + " --symbol BTCUSDT --data " + dir.sub("market"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "61272 new"));
  EXPECT_TRUE(contains(r.out, "gap 2021-04-20T02:00:00Z .. 2021-04-20T04:29:00Z: 150 missing"));
  EXPECT_TRUE(contains(r.out, "gap 2021-04-25T04:01:00Z .. 2021-04-25T08:44:00Z: 284 missing"));
}

}  // namespace
}  // namespace verity
