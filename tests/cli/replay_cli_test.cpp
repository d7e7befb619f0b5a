// `verity replay` through the real binary: verify, ranges and stepping,
// what-if reports, and bad arguments.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "tests/support/run_command.hpp"
#include "tests/support/summary_json.hpp"

namespace verity {
namespace {

using testing::contains;
using testing::last_json;
using testing::run_verity;
using testing::TempDir;

class ReplayCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto sim = run_verity("sim --bars 4000 --seed 5 --journal " + journal());
    ASSERT_EQ(sim.exit_code, 0) << sim.err;
    final_hash_ = last_json(sim)["final_hash"];
  }
  std::string journal() const { return dir_.sub("journal"); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_.sub(name)) << text;
    return dir_.sub(name);
  }
  TempDir dir_;
  std::string final_hash_;
};

TEST_F(ReplayCli, VerifySaysIdenticalWithTheRecordedHash) {
  const auto r = run_verity("replay --verify --journal " + journal());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto j = last_json(r);
  EXPECT_EQ(j["identical"], true);
  EXPECT_EQ(j["final_hash"], final_hash_);
  EXPECT_EQ(j["recorded_hash"], final_hash_);
  EXPECT_GT(j["messages"].get<int>(), 4000);
}

TEST_F(ReplayCli, RangesAndSteppingShowTheReplayedMessages) {
  const auto r = run_verity("replay --step --journal " + journal() + " --from-seq 100 --to-seq 110");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(r.out.starts_with("100 ")) << r.out;
  EXPECT_TRUE(contains(r.out, "\n110 "));
  EXPECT_FALSE(contains(r.out, "\n111 "));
  EXPECT_TRUE(contains(r.out, "external->feed (bar = "));
  EXPECT_EQ(last_json(r)["partial"], true);
  const auto until = run_verity("replay --verify --journal " + journal() + " --until 2024-01-01T01:00:00Z");
  ASSERT_EQ(until.exit_code, 0) << until.err;
  EXPECT_EQ(last_json(until)["inputs"], 60);  // one bar a minute, the first closing at 00:01
  const auto bad = run_verity("replay --verify --journal " + journal() + " --until yesterday");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(contains(bad.err, "--until \"yesterday\""));
  EXPECT_EQ(run_verity("replay --verify --journal " + journal() + " --from-seq 9 --to-seq 3").exit_code, 2);
  // Filters by actor and kind.
  const auto orders = run_verity("replay --step --journal " + journal() + " --kind order,executionReport --actor risk");
  ASSERT_EQ(orders.exit_code, 0) << orders.err;
  EXPECT_TRUE(contains(orders.out, "risk->execution (order = ")) << orders.out.substr(0, 500);
  EXPECT_FALSE(contains(orders.out, "(bar = "));
  EXPECT_FALSE(contains(orders.out, "(executionReport = "));  // execution->portfolio: not risk's
  const auto bad_kind = run_verity("replay --step --journal " + journal() + " --kind orders");
  EXPECT_EQ(bad_kind.exit_code, 2);
  EXPECT_TRUE(contains(bad_kind.err, "orders"));
}

TEST_F(ReplayCli, WhatIfReportsWhatTheChangeAltered) {
  const std::string change = write("risk.toml", "[risk]\nrisk_per_trade_pct = 1.0\n");
  const auto r = run_verity("replay --what-if --journal " + journal() + " --config " + change + " --report " +
                            dir_.sub("whatif"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto j = last_json(r);
  EXPECT_EQ(j["what_if"], true);
  EXPECT_EQ(j["identical"], false);
  EXPECT_EQ(j["changed_keys"][0], "risk.risk_per_trade_pct: 0.5 -> 1.0");
  EXPECT_EQ(j["first_divergence"]["kind"], "riskDecision");
  EXPECT_EQ(j["baseline"]["final_hash"], final_hash_);  // the baseline re-run is the recording
  EXPECT_NE(j["what_if_run"]["final_hash"], final_hash_);
  EXPECT_GT(j["decisions_changed"].get<int>(), 0);
  for (const char* k : {"signals", "trades", "pnl_delta_usd"}) EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_TRUE(j["baseline"].contains("ftmo"));
  EXPECT_TRUE(j["what_if_run"].contains("ftmo"));
  EXPECT_TRUE(contains(r.out, "FTMO, what-if config:"));
  // The report lists everything, with both equity curves and their delta.
  std::ifstream in(dir_.sub("whatif") + "/whatif.json");
  const auto report = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(report.is_discarded());
  EXPECT_TRUE(report["decisions_changed"].is_array());
  EXPECT_GT(report["baseline"]["equity_curve"].size(), 10u);
  EXPECT_GT(report["equity_delta"].size(), 10u);

  // A strategy change adds and removes signals.
  const std::string stops = write("stops.toml", "[strategy]\nstop_atr = 4.0\n[features]\nema_fast = 30\n");
  const auto s = run_verity("replay --what-if --journal " + journal() + " --config " + stops);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const auto sj = last_json(s);
  EXPECT_GT(sj["signals"]["added"].get<int>() + sj["signals"]["removed"].get<int>(), 0) << s.last_line();
}

TEST_F(ReplayCli, WhatIfWithoutAChangeIsIdenticalAndSaysSo) {
  const std::string same = write("same.toml", "[risk]\nrisk_per_trade_pct = 0.5\n");
  const auto r = run_verity("replay --what-if --journal " + journal() + " --config " + same);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(last_json(r)["identical"], true);
  EXPECT_TRUE(contains(r.err, "changes no key"));
}

TEST_F(ReplayCli, BadArgumentsFailClearly) {
  const std::string bad_key = write("bad.toml", "[risk]\nrisk_per_trade = 1\n");
  auto r = run_verity("replay --what-if --journal " + journal() + " --config " + bad_key);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "unknown key risk.risk_per_trade"));
  r = run_verity("replay --what-if --journal " + journal() + " --model lstm-7");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "expected NAME@VERSION"));
  r = run_verity("replay --what-if --journal " + journal() + " --model lstm-BTCUSDT@1.0.0");
  EXPECT_EQ(r.exit_code, 2);  // the session ran the baseline: no model to swap
  EXPECT_TRUE(contains(r.err, "ran no models"));
  r = run_verity("replay --what-if --journal " + journal());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--config"));
  r = run_verity("replay --journal " + journal());
  EXPECT_EQ(r.exit_code, 2);
  r = run_verity("replay --verify --journal " + dir_.sub("nowhere"));
  EXPECT_EQ(r.exit_code, 2);
  r = run_verity("replay --verify --journal " + journal() + " --session ffff");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "no session ffff"));
  // A session journaled at level hash keeps no inputs to replay.
  ASSERT_EQ(run_verity("sim --bars 100 --level hash --journal " + dir_.sub("hash")).exit_code, 0);
  r = run_verity("replay --verify --journal " + dir_.sub("hash"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "level hash"));
}

}  // namespace
}  // namespace verity
