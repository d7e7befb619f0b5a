// `verity models` run as a user would: add, ls, show, promote (refused, then
// with --override), rollback, their exit codes and --help. The model files
// are written by the test with save_model_file.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "models/model_file.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/models.hpp"
#include "tests/support/temp_dir.hpp"

namespace verity {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::CommandResult;
using testing::contains;
using testing::lines;
using testing::run_verity;
using testing::small_model;
using testing::TempDir;
using testing::write_small_model;


void spit(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

class ModelsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = tmp_.sub("registry");
    good_ = tmp_.sub("good.json");
    bad_ = tmp_.sub("bad.json");
    spit(good_, R"({"per_symbol": {"BTCUSDT": {"accuracy": 0.712, "ece": 0.031}}, "leakage_test": true})");
    spit(bad_, R"({"per_symbol": {"BTCUSDT": {"accuracy": 0.70, "ece": 0.07}}})");
  }

  std::string model(const std::string& name, const std::string& version, float weight = 0.25f) {
    return write_small_model(tmp_.sub(name + "-" + version + ".vmodel"), name, version, weight);
  }

  /// `verity models ARGS --registry REGISTRY`.
  CommandResult models(const std::string& args) { return run_verity("models " + args + " --registry " + registry_); }

  void add_ok(const std::string& name, const std::string& version, const std::string& metrics) {
    auto r = models("add " + model(name, version) + " --metrics " + metrics + " --now 2025-01-01T00:00:00Z");
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  }

  TempDir tmp_;
  std::string registry_, good_, bad_;
};

TEST_F(ModelsCli, EveryCommandAnswersHelp) {
  auto group = run_verity("models --help");
  EXPECT_EQ(group.exit_code, 0) << group.err;
  EXPECT_TRUE(contains(group.out, "Model registry"));
  for (const char* cmd : {"ls", "show", "promote", "rollback", "add"}) {
    auto r = run_verity(std::string("models ") + cmd + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd << ": " << r.err;
    EXPECT_TRUE(contains(r.out, "--registry")) << cmd;
    EXPECT_TRUE(contains(r.out, "Exit 0")) << cmd;
  }
  EXPECT_TRUE(contains(run_verity("models promote --help").out, "--override"));
  EXPECT_TRUE(contains(run_verity("--help").out, "models"));
}

TEST_F(ModelsCli, MissingRegistryIsExit2AndSaysHowToMakeOne) {
  auto r = models("ls");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "no model registry at " + registry_));
  EXPECT_TRUE(contains(r.err, "verity train"));
  EXPECT_FALSE(fs::exists(registry_));  // readers never create it
  EXPECT_EQ(models("promote m@1.0.0").exit_code, 2);
}

TEST_F(ModelsCli, AddListAndShow) {
  auto added = models("add " + model("lstm-BTCUSDT", "1.0.0") + " --metrics " + good_ +
                      " --now 2025-01-01T00:00:00Z");
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_TRUE(contains(added.out, "registered lstm-BTCUSDT@1.0.0"));
  EXPECT_TRUE(contains(added.out, "gates 3/3 passed"));
  auto failing = models("add " + model("lstm-BTCUSDT", "1.1.0") + " --metrics " + bad_ + " --now 2025-01-02");
  ASSERT_EQ(failing.exit_code, 0) << failing.err;
  EXPECT_TRUE(contains(failing.out, "gates 2/3 FAILED"));
  EXPECT_TRUE(contains(failing.out, "FAIL leakage_test: missing"));

  auto ls = models("ls");
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  auto rows = lines(ls.out);
  ASSERT_EQ(rows.size(), 3u) << ls.out;
  EXPECT_TRUE(contains(rows[0], "TAG"));
  EXPECT_TRUE(contains(rows[1], "lstm-BTCUSDT@1.0.0"));
  EXPECT_TRUE(contains(rows[1], "candidate"));
  EXPECT_TRUE(contains(rows[1], "2025-01-01T00:00:00.000Z"));
  EXPECT_TRUE(contains(rows[1], "BTCUSDT=0.7120"));
  EXPECT_TRUE(contains(rows[1], "BTCUSDT=0.0310"));
  EXPECT_TRUE(contains(rows[2], "2/3 FAILED"));

  auto json_ls = models("ls --json");
  ASSERT_EQ(json_ls.exit_code, 0) << json_ls.err;
  auto records = lines(json_ls.out);
  ASSERT_EQ(records.size(), 2u);
  auto first = json::parse(records[0]);
  EXPECT_EQ(first["tag"], "lstm-BTCUSDT@1.0.0");
  EXPECT_EQ(first["kind"], "logistic");
  EXPECT_EQ(first["status"], "candidate");
  EXPECT_EQ(first["file_hash"].get<std::string>().size(), 32u);

  auto show = models("show lstm-BTCUSDT@1.1.0");
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_TRUE(contains(show.out, "model lstm-BTCUSDT@1.1.0"));
  EXPECT_TRUE(contains(show.out, "PASS  accuracy:BTCUSDT"));
  EXPECT_TRUE(contains(show.out, "FAIL  calibration_mae:BTCUSDT   0.0700 <= 0.0500  (0.0700 > 0.0500)"));
  EXPECT_TRUE(contains(show.out, "metric leakage_test missing"));
  EXPECT_TRUE(contains(show.out, "deployments: never promoted"));
  auto show_json = models("show lstm-BTCUSDT@1.0.0 --json");
  ASSERT_EQ(show_json.exit_code, 0) << show_json.err;
  auto j = json::parse(show_json.out);
  EXPECT_EQ(j["features"], (json{"close", "rsi"}));
  EXPECT_EQ(j["metrics"]["per_symbol"]["BTCUSDT"]["accuracy"], 0.712);

  auto unknown = models("show nope@1.0.0");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(contains(unknown.err, "it holds: lstm-BTCUSDT@1.0.0, lstm-BTCUSDT@1.1.0"));
  auto duplicate = models("add " + model("lstm-BTCUSDT", "1.0.0") + " --metrics " + good_);
  EXPECT_EQ(duplicate.exit_code, 2);
  EXPECT_TRUE(contains(duplicate.err, "already registered"));
}

TEST_F(ModelsCli, BrokenFilesAreRefused) {
  const std::string path = model("m", "1.0.0");
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  spit(path, ss.str().substr(0, ss.str().size() / 2));
  auto truncated = models("add " + path + " --metrics " + good_);
  EXPECT_EQ(truncated.exit_code, 2);
  EXPECT_TRUE(contains(truncated.err, "refused " + path));
  auto bad_json = models("add " + model("m", "1.0.1") + " --metrics " + path);
  EXPECT_EQ(bad_json.exit_code, 2);
  EXPECT_TRUE(contains(bad_json.err, "not valid JSON"));

  // A registered file changed on disk is never promoted.
  add_ok("m", "1.0.0", good_);
  ASSERT_TRUE(save_model_file(small_model("m", "1.0.0", 0.9f), registry_ + "/files/m-1.0.0.vmodel").has_value());
  auto promote = models("promote m@1.0.0");
  EXPECT_EQ(promote.exit_code, 1);
  EXPECT_TRUE(contains(promote.err, "does not match the registry's"));
}

TEST_F(ModelsCli, PromoteRefusedThenOverridden) {
  add_ok("m", "1.0.0", bad_);
  auto refused = models("promote m@1.0.0 --now 2025-01-03T00:00:00Z");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(contains(refused.err, "FAIL calibration_mae:BTCUSDT: 0.0700 <= 0.0500 required"));
  EXPECT_TRUE(contains(refused.err, "FAIL leakage_test: missing"));
  EXPECT_TRUE(contains(refused.err, "--override REASON"));
  EXPECT_TRUE(contains(models("ls").out, "candidate"));

  auto overridden = models("promote m@1.0.0 --override 'paper only, recalibrating' --now 2025-01-03T00:00:00Z");
  EXPECT_EQ(overridden.exit_code, 0) << overridden.err;
  EXPECT_TRUE(contains(overridden.out, "promoted m@1.0.0"));
  EXPECT_TRUE(contains(overridden.err, "WARNING: m@1.0.0 is in force with 2 failed gates overridden: "
                                       "calibration_mae:BTCUSDT (0.0700 > 0.0500), leakage_test (metric "
                                       "leakage_test missing); reason: paper only, recalibrating"));
  EXPECT_TRUE(contains(models("ls").out, "promoted (gates overridden: paper only, recalibrating)"));
  auto show = models("show m");
  EXPECT_EQ(show.exit_code, 0) << show.err;
  EXPECT_TRUE(contains(show.out, "#1 promote 2025-01-03T00:00:00.000Z -> in force; gates overridden "
                                 "(calibration_mae:BTCUSDT, leakage_test): paper only, recalibrating"));
  auto again = models("promote m@1.0.0");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_TRUE(contains(again.err, "already promoted"));
  EXPECT_EQ(models("promote m@9.9.9").exit_code, 2);
  EXPECT_EQ(models("promote m").exit_code, 2);
}

TEST_F(ModelsCli, RollbackRestoresThePreviousVersion) {
  add_ok("m", "1.0.0", good_);
  add_ok("m", "1.1.0", good_);
  ASSERT_EQ(models("promote m@1.0.0 --now 2025-01-02T00:00:00Z").exit_code, 0);
  auto first = models("rollback m --now 2025-01-02T06:00:00Z");
  EXPECT_EQ(first.exit_code, 1);
  EXPECT_TRUE(contains(first.err, "nothing to roll back to: m@1.0.0 is the first version of m"));

  auto b = models("promote m@1.1.0 --now 2025-01-03T00:00:00Z");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_TRUE(contains(b.out, "promoted m@1.1.0 (retired m@1.0.0)"));
  auto back = models("rollback m --now 2025-01-04T00:00:00Z");
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_TRUE(contains(back.out, "rolled back m: m@1.1.0 retired, m@1.0.0 promoted"));
  auto show = models("show m");
  EXPECT_TRUE(contains(show.out, "model m@1.0.0"));
  EXPECT_TRUE(contains(show.out, "#1 promote 2025-01-02T00:00:00.000Z -> retired 2025-01-03T00:00:00.000Z"));
  EXPECT_TRUE(contains(show.out, "#3 rollback 2025-01-04T00:00:00.000Z -> in force"));

  auto to_tag = models("rollback m@1.1.0 --now 2025-01-05T00:00:00Z");
  EXPECT_EQ(to_tag.exit_code, 0) << to_tag.err;
  EXPECT_TRUE(contains(models("show m").out, "model m@1.1.0"));
  EXPECT_EQ(models("rollback nope").exit_code, 2);
  EXPECT_EQ(models("rollback m@7.0.0").exit_code, 2);
}

TEST_F(ModelsCli, RegistryFromTheConfigKey) {
  add_ok("m", "1.0.0", good_);
  // model.registry, the key `verity train` writes to, through its environment variable and a config file.
  auto env = run_verity("models ls --json", "VERITY_MODEL_REGISTRY=" + registry_);
  ASSERT_EQ(env.exit_code, 0) << env.err;
  EXPECT_EQ(lines(env.out).size(), 1u);
  const std::string toml = tmp_.sub("verity.toml");
  spit(toml, "[model]\nregistry = \"" + registry_ + "\"\n");
  auto file = run_verity("models show m@1.0.0 --config " + toml);
  EXPECT_EQ(file.exit_code, 0) << file.err;
  // --registry wins over both.
  auto flag = run_verity("models ls --config " + toml + " --registry " + tmp_.sub("other"),
                         "VERITY_MODEL_REGISTRY=" + registry_);
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_TRUE(contains(flag.err, "no model registry at " + tmp_.sub("other")));
}

TEST_F(ModelsCli, GateThresholdsFromFlags) {
  auto strict = models("add " + model("m", "1.0.0") + " --metrics " + good_ + " --min-accuracy 0.75");
  ASSERT_EQ(strict.exit_code, 0) << strict.err;
  EXPECT_TRUE(contains(strict.out, "FAIL accuracy:BTCUSDT: 0.7120 >= 0.7500 required"));
  auto lax = models("add " + model("m", "1.1.0") + " --metrics " + bad_ + " --no-leakage-test --json");
  ASSERT_EQ(lax.exit_code, 0) << lax.err;
  auto j = json::parse(lax.out);
  EXPECT_EQ(j["gate_config"]["require_leakage_test"], false);
  EXPECT_EQ(j["gates"][2]["detail"], "not required by the gate config (the test missing)");
  auto nonsense = models("add " + model("m", "1.2.0") + " --metrics " + good_ + " --max-calibration-mae 5");
  EXPECT_EQ(nonsense.exit_code, 2);
  EXPECT_TRUE(contains(nonsense.err, "--max-calibration-mae"));
}

}  // namespace
}  // namespace verity
