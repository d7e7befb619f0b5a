// Live sessions with execution.venue "mt5": bars from the mock exchange
// (tests/support/mock_binance.hpp) through the real Binance connector,
// orders to the fake MT5 shim (tests/support/fake_mt5.hpp) through the real
// MT5 bridge, both servers on 127.0.0.1. The session is live mode (manifest,
// LiveVenue, the gateway's reconcile), every order reaches the shim once
// under its own client id, the shim's bearer token is in no journaled byte,
// and `replay --verify` of the journal is identical without either server.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "actors/runtime/convert.hpp"
#include "actors/runtime/journal_reader.hpp"
#include "actors/runtime/memory_store.hpp"
#include "actors/runtime/prng.hpp"
#include "live/binance_adapters.hpp"
#include "live/live_session.hpp"
#include "live/mt5/mt5_bridge.hpp"
#include "replay/replay.hpp"
#include "tests/support/fake_mt5.hpp"
#include "tests/support/mock_binance.hpp"

namespace verity {
namespace {

using testing::FakeMt5;
using testing::FakeMt5Quote;
using testing::FakeMt5Symbol;
using testing::MockBinance;
using testing::MockBinanceOptions;

constexpr const char* kToken = "mt5-session-token-5be1c0d9a7";
constexpr std::int64_t kWarmup = 300;
constexpr std::int64_t kLiveBars = 140;  // both symbols: 70 per pair
constexpr std::int64_t kBarNs = 60'000'000'000;
constexpr const char* kSymbolMap = "BTCUSDT=BTCUSD:1:0.01:0.01,BNBUSDT=BNBUSD:1:0.01:0.01";

std::unique_ptr<MockBinance> start_mock() {
  MockBinanceOptions o;
  o.series["BTCUSDT"] = testing::synthetic_candles(11, 1200, 50'000.0);
  o.series["BNBUSDT"] = testing::synthetic_candles(12, 1200, 400.0);
  o.start_bar = kWarmup + 50;
  o.server_time_runs_within_bar = false;
  auto mock = MockBinance::start(std::move(o));
  EXPECT_TRUE(mock.has_value()) << mock.error();
  return mock ? std::move(*mock) : nullptr;
}

/// The shim's market orders fill at the mock's newest close, at its close
/// time, so the fills follow the bars the session sees.
void quote_from(FakeMt5& shim, const MockBinance& mock) {
  shim.add_symbol("BTCUSD", FakeMt5Symbol{1.0, 0.01, 0.01, 50'000.0});
  shim.add_symbol("BNBUSD", FakeMt5Symbol{1.0, 0.01, 0.01, 400.0});
  shim.set_commission_per_lot(0.5);
  shim.set_quote([&mock](const std::string& mt5_symbol) -> std::optional<FakeMt5Quote> {
    const auto bars = mock.closed_bars(mt5_symbol + "T");  // BTCUSD -> BTCUSDT
    if (bars.empty()) return std::nullopt;
    const Candle& last = bars.back();
    return FakeMt5Quote{last.close, (last.open_time_ns + kBarNs) / 1'000'000};
  });
}

/// A live mt5 config through load_config, as `verity live` builds it.
Config mt5_config(const MockBinance& mock, const FakeMt5& shim) {
  auto c = load_config("",
                       {{"execution.venue", "mt5", "test"},
                        {"session.symbols", "BTCUSDT,BNBUSDT", "test"},
                        {"log.level", "off", "test"},
                        {"live.rest_base", mock.rest_base(), "test"},
                        {"live.ws_base", mock.ws_base(), "test"},
                        {"live.warmup_bars", std::to_string(kWarmup), "test"},
                        {"live.max_bars", std::to_string(kLiveBars), "test"},
                        {"live.http_port", "-1", "test"},
                        {"risk.rate_limit_per_hour", "60", "test"},  // let the baseline trade often in a short session
                        {"risk.max_position_usd", "5000", "test"},
                        {"mt5.base_url", shim.base_url(), "test"},
                        {"mt5.symbols", kSymbolMap, "test"},
                        {"mt5.timeout_ms", "30000", "test"},  // the machine may be loaded
                        {"mt5.open_order_poll_ms", "200", "test"}},
                       {});
  EXPECT_TRUE(c.has_value()) << c.error();
  return c ? *c : Config{};
}

/// What the journal holds about orders and their answers.
struct JournaledOrders {
  std::set<std::string> client_ids;  // every Order to external
  std::uint64_t new_orders = 0;      // of them, action NEW
  std::uint64_t reports = 0;         // ExecutionReport inputs
  std::uint64_t zero_size = 0;       // of them, refused by the bridge without a call (below the lot minimum)
  std::uint64_t venue_unavailable = 0;
  std::uint64_t no_position = 0;     // the shim found nothing to close
  std::uint64_t frames = 0;
  bool token_seen = false;
};

JournaledOrders read_journal(JournalStore& store, std::uint64_t session) {
  JournaledOrders out;
  auto reader = JournalReader::open(store, session);
  EXPECT_TRUE(reader.has_value()) << reader.error();
  if (!reader) return out;
  auto walked = reader->for_each(1, reader->head().last_seq, [&](const FramePtr& f) {
    ++out.frames;
    const auto b = f->bytes();
    const std::string_view bytes(reinterpret_cast<const char*>(b.data()), b.size());
    out.token_seen = out.token_seen || bytes.find(kToken) != std::string_view::npos;
    if (f->kind() == Kind::ORDER && f->destination() == ActorId::EXTERNAL) {
      auto o = f->envelope().getPayload().getOrder();
      out.client_ids.insert(text_of(o.getClientOrderId()));
      out.new_orders += o.getAction() == schema::OrderAction::NEW;
    }
    if (f->kind() == Kind::EXECUTION_REPORT && f->source() == ActorId::EXTERNAL) {
      auto r = f->envelope().getPayload().getExecutionReport();
      ++out.reports;
      out.zero_size += r.getRejectReason() == schema::RejectReason::ZERO_SIZE;
      out.venue_unavailable += r.getRejectReason() == schema::RejectReason::VENUE_UNAVAILABLE;
      out.no_position += r.getRejectReason() == schema::RejectReason::NO_POSITION;
    }
    return true;
  });
  EXPECT_TRUE(walked.has_value());
  EXPECT_EQ(out.frames, reader->head().last_seq);
  return out;
}

TEST(LiveMt5Session, OrdersReachTheShimOnceAndTheSessionReplays) {
  auto mock = start_mock();
  ASSERT_NE(mock, nullptr);
  FakeMt5 shim(kToken);
  quote_from(shim, *mock);
  const Config config = mt5_config(*mock, shim);
  ASSERT_EQ(config.execution.venue, "mt5");
  auto options = mt5_options(config);
  ASSERT_TRUE(options.has_value()) << options.error();
  Mt5Gateway gateway(config.mt5.base_url, Secret(kToken), std::move(*options));
  BinanceFeed feed(config, std::chrono::milliseconds(400));
  MemoryStore store;

  mock->run(std::chrono::milliseconds(25));
  auto run = run_live(config, store, feed, &gateway, "test");
  mock->pause();
  ASSERT_TRUE(run.has_value()) << run.error();
  const LiveResult& r = *run;
  EXPECT_EQ(r.mode, "live");
  EXPECT_EQ(r.warmup_bars, static_cast<std::uint64_t>(2 * kWarmup));
  EXPECT_EQ(r.live_bars, static_cast<std::uint64_t>(kLiveBars));
  EXPECT_EQ(r.stop_reason, "max_bars");
  EXPECT_GT(r.orders_sent, 0u) << "the session traded: the test says something about orders";

  // Each order the session sent reached the shim once, under its own client
  // id, except those the bridge refused before any call (below the lot minimum).
  const JournaledOrders j = read_journal(store, r.session);
  EXPECT_EQ(j.client_ids.size(), r.orders_sent);
  EXPECT_EQ(j.reports, r.reports);
  EXPECT_EQ(j.venue_unavailable, 0u) << "the shim was up the whole session";
  EXPECT_EQ(j.no_position, 0u) << "an exit outlived its position (LiveVenue's brackets follow the net position)";
  EXPECT_FALSE(j.token_seen) << "the bearer token is in a journaled frame";
  const auto posts = shim.posts_by_client_id();
  EXPECT_EQ(shim.duplicate_posts(), 0u);
  EXPECT_EQ(shim.unauthorized_calls(), 0u);
  for (const auto& [client_id, n] : posts) {
    EXPECT_EQ(n, 1u) << client_id;
    EXPECT_TRUE(j.client_ids.contains(client_id)) << client_id << " reached the shim but is not in the journal";
  }
  EXPECT_GT(posts.size(), 0u);
  EXPECT_EQ(posts.size() + j.zero_size, j.new_orders);
  EXPECT_GT(r.reports, 0u) << "the shim's answers came back as journaled inputs";

  {
    auto reader = JournalReader::open(store, r.session);
    ASSERT_TRUE(reader.has_value()) << reader.error();
    EXPECT_EQ(reader->manifest().mode, Mode::LIVE);
    const std::string& canonical = reader->manifest().config;
    EXPECT_NE(canonical.find("venue = \"mt5\""), std::string::npos) << canonical;
    EXPECT_EQ(canonical.find("[mt5]"), std::string::npos) << "mt5.* are outside the session hash";
    EXPECT_EQ(canonical.find(kToken), std::string::npos);
  }

  auto replay = replay_verify(store, r.session);
  ASSERT_TRUE(replay.has_value()) << replay.error();
  EXPECT_TRUE(replay->identical) << (replay->divergence ? replay->divergence->kind + " at seq " +
                                                              std::to_string(replay->divergence->seq) + ": " +
                                                              replay->divergence->recorded + " vs " +
                                                              replay->divergence->replayed
                                                        : std::string());
  EXPECT_EQ(replay->final_hash, r.final_hash);
}

TEST(LiveMt5Session, TheMt5VenueNeedsAGatewayAndMt5KeysStayOutOfTheHash) {
  Config config;
  config.execution.venue = "mt5";
  config.log.level = "off";
  MemoryStore store;
  BinanceFeed feed(config);
  auto r = run_live(config, store, feed, nullptr, "test");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("execution.venue is mt5"), std::string::npos) << r.error();

  Config other = config;
  other.mt5.base_url = "http://10.0.0.7:9000";
  other.mt5.symbols = "BTCUSDT=XBTUSD:1:0.001:0.001";
  other.mt5.max_attempts = 2;
  EXPECT_EQ(other.hash(), config.hash());
  EXPECT_TRUE(is_live_venue("mt5"));
  EXPECT_TRUE(is_live_venue("binance"));
  EXPECT_FALSE(is_live_venue("sim"));
}

TEST(LiveMt5Session, OptionsComeFromTheConfigWithASeededJitter) {
  Config config;
  config.mt5.symbols = kSymbolMap;
  config.mt5.account_currency = "EUR";
  config.mt5.usd_per_account_unit = 1.08;
  config.mt5.attach_brackets = true;
  config.mt5.max_attempts = 6;
  config.mt5.timeout_ms = 1500;
  config.mt5.connect_timeout_ms = 700;
  config.mt5.open_order_poll_ms = 0;
  auto o = mt5_options(config);
  ASSERT_TRUE(o.has_value()) << o.error();
  ASSERT_EQ(o->symbols.size(), 2u);
  EXPECT_EQ(o->symbols.at("BNBUSDT").mt5_symbol, "BNBUSD");
  EXPECT_EQ(o->account_currency, "EUR");
  EXPECT_DOUBLE_EQ(o->usd_per_account_unit, 1.08);
  EXPECT_TRUE(o->attach_brackets);
  EXPECT_EQ(o->max_attempts, 6);
  EXPECT_EQ(o->timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(o->connect_timeout, std::chrono::milliseconds(700));
  EXPECT_EQ(o->open_order_poll, std::chrono::milliseconds(0));
  EXPECT_EQ(o->seed, PrngStreams(config.session.seed).stream("live-mt5").next_u64());
  Config reseeded = config;
  reseeded.session.seed = config.session.seed + 1;
  EXPECT_NE(mt5_options(reseeded)->seed, o->seed);

  config.mt5.symbols = "BTCUSDT";
  auto bad = mt5_options(config);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().find("mt5.symbols"), std::string::npos) << bad.error();
}

}  // namespace
}  // namespace verity
