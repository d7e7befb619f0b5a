// Configuration: defaults, TOML, VERITY_* environment and flag overrides, in
// that order of precedence, each validated with an error that names the key,
// where the value came from and what was expected. The canonical form names
// the session, so it is pinned here.
#include "actors/runtime/config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace verity {
namespace {

using testing::TempDir;
using Env = std::map<std::string, std::string>;

std::string write_file(const TempDir& dir, const std::string& text, const std::string& name = "verity.toml") {
  const std::string path = dir.sub(name);
  std::ofstream(path) << text;
  return path;
}

/// The error of a load that must fail; the test fails if it loads.
std::string load_error(const std::string& path, const std::vector<ConfigOverride>& overrides = {},
                       const Env& env = {}) {
  auto c = load_config(path, overrides, env);
  if (c) {
    ADD_FAILURE() << "expected an error, got a config:\n" << c->canonical();
    return "";
  }
  return c.error();
}

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

TEST(Config, DefaultsLoad) {
  auto c = load_config("", {}, {});
  ASSERT_TRUE(c.has_value()) << c.error();
  EXPECT_EQ(c->session.seed, 42u);
  EXPECT_EQ(c->session.bars, 100'000);
  EXPECT_EQ(c->journal.level, JournalLevel::FULL);
  EXPECT_EQ(c->journal.durability, Durability::async);
  EXPECT_EQ(c->features.ema_fast, 50);
  EXPECT_EQ(c->features.ema_slow, 200);
  EXPECT_EQ(c->ftmo.max_daily_loss_pct, 5.0);
  EXPECT_EQ(c->market.start_time_ns, 1'704'067'200'000'000'000);
  EXPECT_EQ(c->canonical(), Config{}.canonical());
}

TEST(Config, TomlFileSetsValues) {
  TempDir dir;
  const std::string path = write_file(dir, R"([session]
seed = 7
bars = 1234

[journal]
level = "hash"
durability = "off"
dir = "elsewhere"

[market]
symbol = "ETHUSDT"
start_time = "2024-03-31T00:30:00.250Z"
volatility_annual = 1.25

[ftmo]
max_daily_loss_pct = 3     # an integer is fine where a number is expected
guard_daily_loss_pct = 2.5

[risk]
kill_switch = true

[log]
level = "off"
)");
  auto c = load_config(path, {}, {});
  ASSERT_TRUE(c.has_value()) << c.error();
  EXPECT_EQ(c->session.seed, 7u);
  EXPECT_EQ(c->session.bars, 1234);
  EXPECT_EQ(c->journal.level, JournalLevel::HASH);
  EXPECT_EQ(c->journal.durability, Durability::off);
  EXPECT_EQ(c->journal.dir, "elsewhere");
  EXPECT_EQ(c->market.symbol, "ETHUSDT");
  EXPECT_EQ(c->market.start_time_ns, 1'711'845'000'250'000'000);
  EXPECT_EQ(c->market.volatility_annual, 1.25);
  EXPECT_EQ(c->ftmo.max_daily_loss_pct, 3.0);
  EXPECT_TRUE(c->risk.kill_switch);
  EXPECT_EQ(c->log.level, "off");
  // Untouched keys keep their defaults.
  EXPECT_EQ(c->features.atr, 14);
}

TEST(Config, TomlNativeDatesAreTimestamps) {
  TempDir dir;
  auto c = load_config(write_file(dir, "[market]\nstart_time = 2024-03-31T00:30:00Z\n"), {}, {});
  ASSERT_TRUE(c.has_value()) << c.error();
  EXPECT_EQ(c->market.start_time_ns, 1'711'845'000'000'000'000);
  c = load_config(write_file(dir, "[market]\nstart_time = 2024-03-31\n", "date.toml"), {}, {});
  ASSERT_TRUE(c.has_value()) << c.error();
  EXPECT_EQ(c->market.start_time_ns, 1'711'843'200'000'000'000);
}

TEST(Config, UnknownKeyNamesKeyFileAndLine) {
  TempDir dir;
  const std::string path = write_file(dir, "[risk]\nkill_switch = false\nmax_daily_loss = 3\n");
  const std::string e = load_error(path);
  EXPECT_TRUE(contains(e, "unknown key risk.max_daily_loss"));
  EXPECT_TRUE(contains(e, path + " line 3"));
}

TEST(Config, UnknownSectionAndBareKeysAreErrors) {
  TempDir dir;
  EXPECT_TRUE(contains(load_error(write_file(dir, "[riks]\nkill_switch = true\n")), "riks.kill_switch"));
  EXPECT_TRUE(contains(load_error(write_file(dir, "seed = 3\n", "bare.toml")), "'seed' must be a [section]"));
  EXPECT_TRUE(contains(load_error(write_file(dir, "[risk.sub]\nx = 1\n", "nested.toml")), "unknown key risk.sub"));
}

TEST(Config, WrongTypeNamesKeyAndExpected) {
  TempDir dir;
  std::string e = load_error(write_file(dir, "[session]\nbars = \"many\"\n"));
  EXPECT_TRUE(contains(e, "session.bars"));
  EXPECT_TRUE(contains(e, "expected an integer"));
  EXPECT_TRUE(contains(e, "line 2"));

  e = load_error(write_file(dir, "[session]\nbars = 1.5\n", "float.toml"));
  EXPECT_TRUE(contains(e, "session.bars"));
  EXPECT_TRUE(contains(e, "expected an integer"));

  e = load_error(write_file(dir, "[risk]\nkill_switch = \"yes\"\n", "bool.toml"));
  EXPECT_TRUE(contains(e, "risk.kill_switch"));
  EXPECT_TRUE(contains(e, "expected true or false"));

  e = load_error(write_file(dir, "[journal]\nlevel = \"everything\"\n", "choice.toml"));
  EXPECT_TRUE(contains(e, "journal.level"));
  EXPECT_TRUE(contains(e, "expected one of \"full\" \"inputs\" \"hash\""));

  e = load_error(write_file(dir, "[market]\nstart_time = \"2024-02-30\"\n", "time.toml"));
  EXPECT_TRUE(contains(e, "market.start_time"));
  EXPECT_TRUE(contains(e, "ISO 8601"));
}

TEST(Config, OutOfRangeNamesKeyAndRange) {
  TempDir dir;
  std::string e = load_error(write_file(dir, "[ftmo]\nmax_daily_loss_pct = -1\n"));
  EXPECT_TRUE(contains(e, "ftmo.max_daily_loss_pct"));
  EXPECT_TRUE(contains(e, "[0.01, 100.0]"));

  e = load_error(write_file(dir, "[session]\nbars = 0\n", "bars.toml"));
  EXPECT_TRUE(contains(e, "session.bars"));
  EXPECT_TRUE(contains(e, "[1, 10000000000]"));

  e = load_error(write_file(dir, "[ftmo]\nmax_daily_loss_pct = 100.5\n", "high.toml"));
  EXPECT_TRUE(contains(e, "ftmo.max_daily_loss_pct"));
  // The edges of a range are inside it.
  EXPECT_TRUE(load_config(write_file(dir, "[ftmo]\nmax_daily_loss_pct = 10\n", "edge.toml"), {}, {}).has_value());
}

TEST(Config, TomlSyntaxErrorNamesFileAndLine) {
  TempDir dir;
  const std::string path = write_file(dir, "[session]\nseed = 1\nbars = = 2\n");
  const std::string e = load_error(path);
  EXPECT_TRUE(contains(e, path));
  EXPECT_TRUE(contains(e, "line 3"));
}

TEST(Config, EmaFastMustBeBelowEmaSlow) {
  for (const char* text :
       {"[features]\nema_fast = 30\nema_slow = 20\n", "[features]\nema_fast = 20\nema_slow = 20\n"}) {
    TempDir dir;
    const std::string e = load_error(write_file(dir, text));
    EXPECT_TRUE(contains(e, "features.ema_fast"));
    EXPECT_TRUE(contains(e, "features.ema_slow"));
  }
  // The check runs on the resolved config, not key by key, so a file that
  // raises both periods past the defaults is fine.
  TempDir dir;
  auto c = load_config(write_file(dir, "[features]\nema_fast = 30\nema_slow = 60\n"), {}, {});
  ASSERT_TRUE(c.has_value()) << c.error();
}

TEST(Config, MaxPositionIsBoundedByInitialBalance) {
  const std::string e = load_error("", {{"risk.max_position_usd", "1e9", "--test"}});
  EXPECT_TRUE(contains(e, "risk.max_position_usd"));
  EXPECT_TRUE(contains(e, "portfolio.initial_balance_usd"));
}

TEST(Config, EnvironmentOverrideApplies) {
  auto c = load_config("", {}, {{"VERITY_FTMO_MAX_DAILY_LOSS_PCT", "4.75"}, {"VERITY_RISK_KILL_SWITCH", "1"}});
  ASSERT_TRUE(c.has_value()) << c.error();
  EXPECT_EQ(c->ftmo.max_daily_loss_pct, 4.75);
  EXPECT_TRUE(c->risk.kill_switch);
}

TEST(Config, BadEnvironmentValueNamesTheVariable) {
  for (const char* bad : {"-5", "abc", "5x", ""}) {
    const std::string e = load_error("", {}, {{"VERITY_SESSION_BARS", bad}});
    EXPECT_TRUE(contains(e, "VERITY_SESSION_BARS"));
    EXPECT_TRUE(contains(e, "session.bars"));
  }
}

TEST(Config, UnknownEnvironmentVariableIsAnError) {
  const std::string e = load_error("", {}, {{"VERITY_FOO", "1"}});
  EXPECT_TRUE(contains(e, "VERITY_FOO"));
}

TEST(Config, BadOverrideNamesTheFlag) {
  std::string e = load_error("", {{"session.seed", "abc", "--seed"}});
  EXPECT_TRUE(contains(e, "session.seed"));
  EXPECT_TRUE(contains(e, "--seed"));
  e = load_error("", {{"session.nope", "1", "--nope"}});
  EXPECT_TRUE(contains(e, "unknown key session.nope"));
}

TEST(Config, PrecedenceIsDefaultsFileEnvironmentOverrides) {
  TempDir dir;
  const std::string path = write_file(dir, "[session]\nseed = 2\nbars = 20\n[features]\nsma = 30\n");
  auto c = load_config(path, {{"session.seed", "4", "--seed"}},
                       {{"VERITY_SESSION_SEED", "3"}, {"VERITY_SESSION_BARS", "30"}});
  ASSERT_TRUE(c.has_value()) << c.error();
  EXPECT_EQ(c->session.seed, 4u);     // override beats environment and file
  EXPECT_EQ(c->session.bars, 30);     // environment beats file
  EXPECT_EQ(c->features.sma, 30);     // file beats default
  EXPECT_EQ(c->features.atr, 14);     // default
}

TEST(Config, CanonicalIsSortedAndLeavesOutStorageKeys) {
  const std::string text = Config{}.canonical();
  std::vector<std::string> sections;
  std::vector<std::vector<std::string>> keys;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    ASSERT_NE(end, std::string::npos) << "every line ends with a newline";
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.starts_with("[")) {
      sections.push_back(line.substr(1, line.size() - 2));
      keys.emplace_back();
    } else {
      ASSERT_FALSE(keys.empty()) << line;
      keys.back().push_back(line.substr(0, line.find(" = ")));
    }
  }
  const std::vector<std::string> expected = {"challenge", "data",      "execution", "features", "ftmo",
                                             "learning",  "market",    "model",     "portfolio", "risk",
                                             "session",   "strategy",  "stress"};
  EXPECT_EQ(sections, expected);  // sorted, and no journal, log or train
  for (const auto& k : keys) {
    EXPECT_FALSE(k.empty());
    EXPECT_TRUE(std::is_sorted(k.begin(), k.end()));
  }
  EXPECT_TRUE(is_storage_key("journal.level"));
  EXPECT_TRUE(is_storage_key("log.level"));
  EXPECT_TRUE(is_storage_key("data.dir"));
  EXPECT_FALSE(is_storage_key("data.policy"));  // repairing gaps changes the bars a run sees
  EXPECT_FALSE(is_storage_key("risk.kill_switch"));
  EXPECT_TRUE(is_storage_key("model.registry"));   // the manifest records each model's file hash instead
  EXPECT_TRUE(is_storage_key("train.epochs"));     // verity train's own
  EXPECT_FALSE(is_storage_key("model.strategy"));
}

TEST(Config, HashIgnoresStorageKeysOnly) {
  auto a = load_config("", {{"journal.level", "hash", "--level"}}, {});
  auto b = load_config("", {{"journal.level", "full", "--level"},
                            {"journal.dir", "/tmp/other", "--journal"},
                            {"journal.durability", "synced", "--durability"},
                            {"log.level", "off", "--log-level"}},
                       {});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->hash(), b->hash());
  EXPECT_EQ(a->canonical(), b->canonical());
  // Any outcome key changes it.
  auto c = load_config("", {{"session.seed", "43", "--seed"}}, {});
  auto d = load_config("", {{"execution.spread_bps", "1.5", "--spread"}}, {});
  ASSERT_TRUE(c && d);
  EXPECT_NE(a->hash(), c->hash());
  EXPECT_NE(a->hash(), d->hash());
}

TEST(Config, Mt5KeysAreOutsideTheHashAndCheckedWhenTheVenueIsMt5) {
  EXPECT_TRUE(is_storage_key("mt5.symbols"));  // how orders reach the venue; its answers are journaled inputs
  EXPECT_TRUE(is_storage_key("mt5.base_url"));
  EXPECT_FALSE(is_storage_key("execution.venue"));
  EXPECT_TRUE(is_live_venue("mt5"));
  EXPECT_TRUE(is_live_venue("binance"));
  EXPECT_FALSE(is_live_venue("sim"));

  TempDir dir;
  const std::string path = write_file(dir, R"([execution]
venue = "mt5"

[session]
symbols = "BTCUSDT,EURUSD"

[mt5]
base_url = "http://10.1.2.3:8787"
symbols = "BTCUSDT=BTCUSD:1:0.01:0.01, EURUSD=EURUSD:100000"
account_currency = "EUR"
usd_per_account_unit = 1.08
attach_brackets = true
max_attempts = 6
timeout_ms = 2000
connect_timeout_ms = 500
open_order_poll_ms = 0
)");
  auto c = load_config(path, {}, {});
  ASSERT_TRUE(c.has_value()) << c.error();
  EXPECT_EQ(c->execution.venue, "mt5");
  EXPECT_EQ(c->mt5.base_url, "http://10.1.2.3:8787");
  EXPECT_EQ(c->mt5.account_currency, "EUR");
  EXPECT_DOUBLE_EQ(c->mt5.usd_per_account_unit, 1.08);
  EXPECT_TRUE(c->mt5.attach_brackets);
  EXPECT_EQ(c->mt5.max_attempts, 6);
  EXPECT_EQ(c->mt5.timeout_ms, 2000);
  EXPECT_EQ(c->mt5.connect_timeout_ms, 500);
  EXPECT_EQ(c->mt5.open_order_poll_ms, 0);
  // Out of the hash: other mt5.* values, the same session.
  Config same = *c;
  same.mt5 = Mt5Config{};
  EXPECT_EQ(same.hash(), c->hash());
  EXPECT_EQ(c->canonical().find("[mt5]"), std::string::npos);
  // A replay rebuilds the config from the canonical form, which has no mt5.*:
  // it must load without them.
  auto replayed = load_config_text(c->canonical(), "manifest");
  ASSERT_TRUE(replayed.has_value()) << replayed.error();
  EXPECT_EQ(replayed->execution.venue, "mt5");
  EXPECT_EQ(replayed->hash(), c->hash());

  // A bad map names the key, the entry and the form expected.
  const std::string bad = load_error("", {{"execution.venue", "mt5", "--venue"}},
                                     {{"VERITY_MT5_SYMBOLS", "BTCUSDT=BTCUSD:zero"}});
  EXPECT_TRUE(contains(bad, "mt5.symbols"));
  EXPECT_TRUE(contains(bad, "BTCUSDT=BTCUSD:zero"));
  EXPECT_TRUE(contains(bad, "contract size"));
  EXPECT_TRUE(contains(bad, "VERITY=MT5[:contract_size[:volume_step[:volume_min]]]"));
  EXPECT_TRUE(contains(load_error("", {{"execution.venue", "mt5", "--venue"}, {"mt5.symbols", "BTCUSDT", "--x"}}),
                       "mt5.symbols"));
  EXPECT_TRUE(contains(load_error("", {{"execution.venue", "mt5", "--venue"}, {"mt5.symbols", " , ", "--x"}}),
                       "maps no symbol"));
  // Every session symbol needs an entry.
  const std::string missing = load_error("", {{"execution.venue", "mt5", "--venue"}, {"session.symbols", "BTCUSDT,ETHUSDT", "--symbols"}});
  EXPECT_TRUE(contains(missing, "mt5.symbols"));
  EXPECT_TRUE(contains(missing, "ETHUSDT"));
  // The shim's URL.
  EXPECT_TRUE(contains(load_error("", {{"execution.venue", "mt5", "--venue"}, {"mt5.base_url", "127.0.0.1:8787", "--x"}}),
                       "mt5.base_url"));
  // With another venue the mt5 keys are not in use and not checked.
  auto sim = load_config("", {{"mt5.symbols", "BTCUSDT=BTCUSD:zero", "--x"}}, {});
  EXPECT_TRUE(sim.has_value()) << sim.error();
  // Ranges, as for every key.
  EXPECT_TRUE(contains(load_error("", {{"mt5.max_attempts", "0", "--x"}}), "mt5.max_attempts"));
  EXPECT_TRUE(contains(load_error("", {{"execution.venue", "ftx", "--venue"}}), "\"mt5\""));
}

TEST(Config, HashCoversTheExactStartTime) {
  // A start time changes every bar's timestamp, so two start times must never
  // share one config hash (and session id). The canonical form writes
  // milliseconds, so a finer start time has to be refused or rendered exactly.
  auto whole_ms = load_config("", {{"market.start_time", "2024-01-01T00:00:00.001Z", "--start"}}, {});
  ASSERT_TRUE(whole_ms.has_value()) << whole_ms.error();
  EXPECT_NE(whole_ms->hash(), Config{}.hash());

  auto fine = load_config("", {{"market.start_time", "2024-01-01T00:00:00.0005Z", "--start"}}, {});
  if (fine) {
    EXPECT_NE(fine->market.start_time_ns, Config{}.market.start_time_ns);
    EXPECT_NE(fine->hash(), Config{}.hash()) << "a different start time has the default's hash";
  } else {
    EXPECT_TRUE(contains(fine.error(), "market.start_time"));
    EXPECT_TRUE(contains(fine.error(), "--start"));
    EXPECT_TRUE(contains(fine.error(), "whole milliseconds"));
  }
}

TEST(Config, CanonicalFormLoadsBackToItself) {
  // The manifest's canonical config is valid TOML for load_config and
  // reproduces the same config, so a session can be re-run from it.
  TempDir dir;
  auto c = load_config("", {{"session.seed", "123456789", "--seed"},
                            {"market.start_time", "2024-10-27T01:00:00.125Z", "--start"},
                            {"market.drift_annual", "-0.1", "--drift"},
                            {"strategy.confidence", "0.7", "--conf"}},
                       {});
  ASSERT_TRUE(c.has_value()) << c.error();
  auto back = load_config(write_file(dir, c->canonical()), {}, {});
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(back->canonical(), c->canonical());
  EXPECT_EQ(back->market.start_time_ns, c->market.start_time_ns);
  EXPECT_EQ(back->market.drift_annual, -0.1);
}

TEST(Config, CanonicalFormOfAnySeedParsesBack) {
  for (const char* seed : {"0", "42", "9223372036854775807", "9223372036854775808", "18446744073709551615"}) {
    auto c = load_config("", {{"session.seed", seed, "--seed"}}, {});
    ASSERT_TRUE(c.has_value()) << c.error();
    auto back = load_config_text(c->canonical(), "canonical");
    ASSERT_TRUE(back.has_value()) << seed << ": " << back.error();
    EXPECT_EQ(back->session.seed, c->session.seed);
    EXPECT_EQ(back->canonical(), c->canonical());
  }
}

TEST(Config, DefaultHashIsPinned) {
  // If this fails, every session id and final hash recorded so far changes:
  // change the literal only on purpose, and say so in the commit.
  const Config defaults;
  EXPECT_EQ(defaults.hash().hex(), "40b05ea2371c4ff7187a5804171c7262") << defaults.canonical();
}

TEST(Config, ReferenceListsEveryKeyWithItsVariable) {
  const std::string table = config_reference();
  for (const char* key : {"session.seed", "journal.level", "market.start_time", "features.ema_slow",
                          "strategy.stop_atr", "ftmo.max_daily_loss_pct", "execution.taker_fee_bps",
                          "portfolio.initial_balance_usd", "log.level"}) {
    EXPECT_TRUE(contains(table, std::string("`") + key + "`"));
  }
  EXPECT_TRUE(contains(table, "`VERITY_FTMO_MAX_DAILY_LOSS_PCT`"));
}

}  // namespace
}  // namespace verity
