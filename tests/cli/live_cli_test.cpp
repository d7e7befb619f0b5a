// `verity live` as a user runs it: the real binary against the mock
// exchange and a fake Telegram Bot API, both on 127.0.0.1 in this process.
// An allow-listed chat's /kill_switch and /threshold become journaled
// inputs and are confirmed; a stranger's command has no effect; the
// kill-switch file is a third source; the token appears nowhere (output,
// journal files); `verity replay --verify` reports the session identical.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "actors/runtime/journal_reader.hpp"
#include "actors/runtime/rocksdb_store.hpp"
#include "actors/runtime/convert.hpp"
#include "tests/support/fake_telegram.hpp"
#include "tests/support/mock_binance.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/files.hpp"
#include "tests/support/journals.hpp"

namespace verity {
namespace {

using testing::contains;
using testing::run_verity;

constexpr const char* kToken = "424242:AAH-test-token-never-printed";

using testing::slurp_dir;

TEST(LiveCli, TelegramCommandsAreJournaledInputsAndTheSessionReplays) {
  testing::MockBinanceOptions o;
  o.series["BTCUSDT"] = testing::synthetic_candles(21, 1500, 30'000.0);
  o.start_bar = 400;
  o.server_time_runs_within_bar = false;
  auto mock = testing::MockBinance::start(std::move(o));
  ASSERT_TRUE(mock.has_value()) << mock.error();
  testing::FakeTelegram telegram(kToken);
  telegram.push_text(1001, "operator", "/kill_switch on");
  telegram.push_text(666, "stranger", "/kill_switch off");
  telegram.push_text(1001, "operator", "/threshold 0.6");
  testing::TempDir tmp;
  const std::string kill_file = tmp.sub("KILL");
  std::ofstream(kill_file) << "on\n";

  (*mock)->run(std::chrono::milliseconds(40));
  const std::string env = std::string("TELEGRAM_BOT_TOKEN=") + kToken +
                          " VERITY_TELEGRAM_ALLOWED_CHATS=1001 VERITY_TELEGRAM_POLL_TIMEOUT_S=1"
                          " VERITY_TELEGRAM_API_BASE=" + telegram.base_url();
  const auto r = run_verity("live --mode dryrun --telegram --symbols BTCUSDT --warmup-bars 300 --max-bars 60"
                            " --http-port 0 --log-level info --rest-base " + (*mock)->rest_base() +
                                " --ws-base " + (*mock)->ws_base() + " --kill-switch-file " + kill_file +
                                " --journal " + tmp.sub("journal"),
                            env);
  (*mock)->pause();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "dashboard http://127.0.0.1:"));
  const auto summary = nlohmann::json::parse(r.last_line());
  EXPECT_EQ(summary["mode"], "dryrun");
  EXPECT_EQ(summary["live_bars"], 60);
  EXPECT_EQ(summary["warmup_bars"], 300);
  EXPECT_EQ(summary["stop"], "max_bars");

  // The operator was answered; the stranger got nothing useful.
  ASSERT_TRUE(telegram.wait_for_sent(3, std::chrono::seconds(5)));
  bool confirmed = false, refused = false;
  for (const auto& m : telegram.sent()) {
    if (m.chat_id == 1001 && m.text.find("[DRYRUN]") != std::string::npos &&
        m.text.find("ill switch") != std::string::npos)
      confirmed = true;
    if (m.chat_id == 666) {
      EXPECT_EQ(m.text, "Not authorised.");
      refused = true;
    }
  }
  EXPECT_TRUE(confirmed);
  EXPECT_TRUE(refused);

  // The journal holds the commands as inputs: the operator's two and the file's.
  {
    auto store = RocksDbStore::open(tmp.sub("journal"), Durability::off);
    ASSERT_TRUE(store.has_value()) << store.error();
    auto reader = testing::only_session(**store);
    ASSERT_TRUE(reader.has_value()) << reader.error();
    EXPECT_EQ(reader->manifest().mode, Mode::DRYRUN);
    int telegram_kill = 0, telegram_threshold = 0, file_kill = 0, stranger = 0;
    (void)reader->for_each(1, reader->head().last_seq, [&](const FramePtr& f) {
      if (f->kind() != Kind::CONTROL_COMMAND || f->source() != ActorId::EXTERNAL) return true;
      auto c = f->envelope().getPayload().getControlCommand();
      const std::string issuer = text_of(c.getIssuer());
      if (issuer == "666") ++stranger;
      if (c.getSource() == schema::CommandSource::TELEGRAM && c.getCommand().isKillSwitch()) ++telegram_kill;
      if (c.getSource() == schema::CommandSource::TELEGRAM && c.getCommand().isThreshold()) {
        EXPECT_DOUBLE_EQ(c.getCommand().getThreshold(), 0.6);
        ++telegram_threshold;
      }
      if (c.getSource() == schema::CommandSource::FILE && c.getCommand().isKillSwitch()) ++file_kill;
      return true;
    });
    EXPECT_EQ(telegram_kill, 1);
    EXPECT_EQ(telegram_threshold, 1);
    EXPECT_EQ(file_kill, 1);
    EXPECT_EQ(stranger, 0);
  }

  // No secret anywhere: not in the output, not in the journal's files.
  EXPECT_EQ(r.out.find(kToken), std::string::npos);
  EXPECT_EQ(r.err.find(kToken), std::string::npos);
  EXPECT_EQ(slurp_dir(tmp.sub("journal")).find(kToken), std::string::npos);

  const auto replay = run_verity("replay --verify --journal " + tmp.sub("journal"));
  ASSERT_EQ(replay.exit_code, 0) << replay.out << replay.err;
  EXPECT_EQ(nlohmann::json::parse(replay.last_line())["identical"], true);
}

// SIGTERM (systemctl stop, docker stop) ends a session that would run
// forever: the I/O stops, a snapshot is written, the journal closes, exit 0,
// and the journal replays.
TEST(LiveCli, SigtermStopsCleanlyWithASnapshot) {
  testing::MockBinanceOptions o;
  o.series["BTCUSDT"] = testing::synthetic_candles(22, 3000, 30'000.0);
  o.start_bar = 400;
  o.server_time_runs_within_bar = false;
  auto mock = testing::MockBinance::start(std::move(o));
  ASSERT_TRUE(mock.has_value()) << mock.error();
  testing::TempDir tmp;
  (*mock)->run(std::chrono::milliseconds(50));
  const auto r = testing::run_command("timeout --preserve-status -s TERM 6 " + std::string(VERITY_BIN) +
                                      " live --symbols BTCUSDT --warmup-bars 300 --http-port -1 --rest-base " +
                                      (*mock)->rest_base() + " --ws-base " + (*mock)->ws_base() + " --journal " +
                                      tmp.sub("journal"));
  (*mock)->pause();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = nlohmann::json::parse(r.last_line());
  EXPECT_EQ(summary["stop"], "signal");
  EXPECT_GT(summary["live_bars"].get<int>(), 0);
  EXPECT_GT(summary["snapshot_seq"].get<int>(), 0);
  const auto replay = run_verity("replay --verify --journal " + tmp.sub("journal"));
  ASSERT_EQ(replay.exit_code, 0) << replay.out << replay.err;
  EXPECT_EQ(nlohmann::json::parse(replay.last_line())["identical"], true);
}

TEST(LiveCli, LiveModeWithoutKeysIsAClearError) {
  const auto r = run_verity("live --mode live --max-bars 1 --http-port -1 --rest-base http://127.0.0.1:9",
                            "BINANCE_API_KEY= BINANCE_API_SECRET=");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "BINANCE_API_KEY"));
}

TEST(LiveCli, TelegramWithoutAllowListIsAClearError) {
  const auto r = run_verity("live --telegram --max-bars 1 --http-port -1", std::string("TELEGRAM_BOT_TOKEN=") + kToken);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "telegram.allowed_chats"));
  EXPECT_EQ(r.err.find(kToken), std::string::npos);
}

}  // namespace
}  // namespace verity
