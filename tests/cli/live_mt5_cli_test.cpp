// `verity live --mode live --venue mt5` as an operator runs it: the real
// binary, bars from the mock exchange, orders to the fake MT5 shim, both on
// 127.0.0.1 in this process. Orders reach the shim once per client id, the
// shim's bearer token appears nowhere (output, journal files), the journal
// is a live session that `verity replay --verify` reports identical; and
// each way of getting it wrong (--venue without live mode, no token, a bad
// symbol map, a config naming the other venue, a shim that is down) is a
// clear error.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "actors/runtime/journal_reader.hpp"
#include "actors/runtime/rocksdb_store.hpp"
#include "tests/support/fake_mt5.hpp"
#include "tests/support/mock_binance.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/files.hpp"
#include "tests/support/journals.hpp"

namespace verity {
namespace {

using testing::contains;
using testing::FakeMt5;
using testing::FakeMt5Quote;
using testing::FakeMt5Symbol;
using testing::run_verity;

constexpr const char* kToken = "mt5-cli-token-e8d21f4b0c93";
constexpr std::int64_t kBarNs = 60'000'000'000;

using testing::slurp_dir;

std::string write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

TEST(LiveMt5Cli, LiveSessionTradesThroughTheBridgeAndReplays) {
  testing::MockBinanceOptions o;
  o.series["BTCUSDT"] = testing::synthetic_candles(21, 1500, 30'000.0);
  o.start_bar = 400;
  o.server_time_runs_within_bar = false;
  auto mock = testing::MockBinance::start(std::move(o));
  ASSERT_TRUE(mock.has_value()) << mock.error();
  FakeMt5 shim(kToken);
  shim.add_symbol("BTCUSD", FakeMt5Symbol{1.0, 0.01, 0.01, 30'000.0});
  shim.set_commission_per_lot(0.5);
  const testing::MockBinance& market = **mock;
  shim.set_quote([&market](const std::string&) -> std::optional<FakeMt5Quote> {
    const auto bars = market.closed_bars("BTCUSDT");
    if (bars.empty()) return std::nullopt;
    return FakeMt5Quote{bars.back().close, (bars.back().open_time_ns + kBarNs) / 1'000'000};
  });
  testing::TempDir tmp;
  // Fast EMAs and a loose rate limit, so that 60 bars see trades.
  const std::string config = write_file(tmp.sub("live.toml"), R"([features]
ema_fast = 5
ema_slow = 20

[risk]
rate_limit_per_hour = 60
max_position_usd = 5000.0

[mt5]
base_url = ")" + shim.base_url() + R"("
symbols = "BTCUSDT=BTCUSD:1:0.01:0.01"
timeout_ms = 30000
)");

  (*mock)->run(std::chrono::milliseconds(40));
  const auto r = run_verity("live --mode live --venue mt5 --config " + config +
                                " --symbols BTCUSDT --warmup-bars 300 --max-bars 60 --http-port -1 --log-level info"
                                " --rest-base " + (*mock)->rest_base() + " --ws-base " + (*mock)->ws_base() +
                                " --journal " + tmp.sub("journal"),
                            std::string("MT5_BRIDGE_TOKEN=") + kToken);
  (*mock)->pause();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = nlohmann::json::parse(r.last_line());
  EXPECT_EQ(summary["mode"], "live");
  EXPECT_EQ(summary["live_bars"], 60);
  EXPECT_EQ(summary["stop"], "max_bars");
  const std::uint64_t sent = summary["orders_sent"].get<std::uint64_t>();
  EXPECT_GT(sent, 0u) << "the session traded: the test says something about orders";
  EXPECT_TRUE(contains(r.err, "venue_reconciled"));
  EXPECT_TRUE(contains(r.err, "bridge ok"));

  // Every order reached the shim once, under its own client id.
  const auto posts = shim.posts_by_client_id();
  EXPECT_GT(posts.size(), 0u);
  EXPECT_LE(posts.size(), sent);
  for (const auto& [client_id, n] : posts) EXPECT_EQ(n, 1u) << client_id;
  EXPECT_EQ(shim.duplicate_posts(), 0u);
  EXPECT_EQ(shim.unauthorized_calls(), 0u);

  // A live session, with the venue in its config and no mt5.* there.
  {
    auto store = RocksDbStore::open(tmp.sub("journal"), Durability::off);
    ASSERT_TRUE(store.has_value()) << store.error();
    auto reader = testing::only_session(**store);
    ASSERT_TRUE(reader.has_value()) << reader.error();
    EXPECT_EQ(reader->manifest().mode, Mode::LIVE);
    EXPECT_TRUE(contains(reader->manifest().config, "venue = \"mt5\""));
    EXPECT_EQ(reader->manifest().config.find("[mt5]"), std::string::npos);
  }

  // The token is nowhere: not in the output, not in the journal's files.
  EXPECT_EQ(r.out.find(kToken), std::string::npos);
  EXPECT_EQ(r.err.find(kToken), std::string::npos);
  EXPECT_EQ(slurp_dir(tmp.sub("journal")).find(kToken), std::string::npos);

  const auto replay = run_verity("replay --verify --journal " + tmp.sub("journal"));
  ASSERT_EQ(replay.exit_code, 0) << replay.out << replay.err;
  EXPECT_EQ(nlohmann::json::parse(replay.last_line())["identical"], true);
  EXPECT_EQ(replay.out.find(kToken), std::string::npos);
}

TEST(LiveMt5Cli, VenueWithoutLiveModeIsAClearError) {
  const auto r = run_verity("live --mode dryrun --venue mt5 --max-bars 1 --http-port -1",
                            std::string("MT5_BRIDGE_TOKEN=") + kToken);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--venue mt5"));
  EXPECT_TRUE(contains(r.err, "--mode live"));
  const auto implicit = run_verity("live --venue binance --max-bars 1 --http-port -1");
  EXPECT_EQ(implicit.exit_code, 2);
  EXPECT_TRUE(contains(implicit.err, "--venue binance"));

  const auto help = run_verity("live --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(contains(help.out, "--venue"));
  EXPECT_TRUE(contains(help.out, "MT5_BRIDGE_TOKEN"));
}

TEST(LiveMt5Cli, Mt5WithoutATokenIsAClearError) {
  const auto r = run_verity("live --mode live --venue mt5 --max-bars 1 --http-port -1",
                            "MT5_BRIDGE_TOKEN= MT5_BRIDGE_TOKEN_FILE=");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "MT5_BRIDGE_TOKEN"));
}

TEST(LiveMt5Cli, ABadSymbolMapIsAClearErrorWithoutTheToken) {
  testing::TempDir tmp;
  const std::string token_file = write_file(tmp.sub("token"), std::string(kToken) + "\n");
  const auto r = run_verity("live --mode live --venue mt5 --max-bars 1 --http-port -1 --journal " + tmp.sub("journal"),
                            "MT5_BRIDGE_TOKEN_FILE=" + token_file + " VERITY_MT5_SYMBOLS=BTCUSDT=BTCUSD:zero");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "mt5.symbols"));
  EXPECT_TRUE(contains(r.err, "contract size"));
  EXPECT_EQ(r.err.find(kToken), std::string::npos);
  EXPECT_EQ(r.out.find(kToken), std::string::npos);
}

TEST(LiveMt5Cli, AConfigNamingMt5NeedsVenueMt5) {
  const auto r = run_verity("live --mode live --max-bars 1 --http-port -1",
                            std::string("MT5_BRIDGE_TOKEN=") + kToken + " VERITY_EXECUTION_VENUE=mt5");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "execution.venue = \"mt5\""));
  EXPECT_TRUE(contains(r.err, "--venue mt5"));
}

TEST(LiveMt5Cli, AShimThatIsDownStopsTheStartWithoutTheToken) {
  FakeMt5 shim(kToken);
  const std::string url = shim.base_url();
  shim.stop();  // nothing listens there any more
  testing::TempDir tmp;
  const auto r = run_verity("live --mode live --venue mt5 --max-bars 1 --http-port -1 --journal " + tmp.sub("journal"),
                            std::string("MT5_BRIDGE_TOKEN=") + kToken + " VERITY_MT5_BASE_URL=" + url +
                                " VERITY_MT5_MAX_ATTEMPTS=1 VERITY_MT5_CONNECT_TIMEOUT_MS=2000");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "venue: "));
  EXPECT_TRUE(contains(r.err, "/health"));
  EXPECT_EQ(r.err.find(kToken), std::string::npos);
}

}  // namespace
}  // namespace verity
