// The MT5 bridge (live/mt5/mt5_bridge.hpp) against the fake shim
// (tests/support/fake_mt5.hpp) over real HTTP on loopback: reconciliation,
// market and limit round trips with the lots conversion, the bearer token,
// the lookup-before-resend rule, the venueUnavailable fallback and cancels.
// Waits are generous deadlines, never timing assertions: the gateway runs on
// its own thread and the machine may be loaded.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "live/mt5/mt5_bridge.hpp"
#include "tests/support/fake_mt5.hpp"

namespace verity {
namespace {

using testing::FakeMt5;
using testing::FakeMt5Symbol;

constexpr const char* kToken = "mt5-bridge-token-7f3c9e21d4";
constexpr auto kDeadline = std::chrono::seconds(60);
constexpr std::int64_t kShimTimeMs = 1'700'000'123'000;

/// Reports as the session's queue would get them.
class Collector {
 public:
  std::function<void(LiveReport)> sink() {
    return [this](LiveReport r) {
      {
        std::lock_guard lock(mu_);
        reports_.push_back(std::move(r.report));
      }
      cv_.notify_all();
    };
  }
  /// True once at least `n` reports came.
  bool wait_for(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] { return reports_.size() >= n; });
  }
  std::vector<FillSpec> reports() const {
    std::lock_guard lock(mu_);
    return reports_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<FillSpec> reports_;
};

void add_symbols(FakeMt5& shim) {
  shim.add_symbol("BTCUSD", FakeMt5Symbol{1.0, 0.01, 0.01, 65'000.0});
  shim.add_symbol("EURUSD", FakeMt5Symbol{100'000.0, 0.01, 0.01, 1.1});
  shim.set_time_ms(kShimTimeMs);
}

Mt5Options options() {
  Mt5Options o;
  o.symbols["BTCUSDT"] = Mt5SymbolSpec{"BTCUSD", 1.0, 0.01, 0.01};
  o.symbols["EURUSD"] = Mt5SymbolSpec{"EURUSD", 100'000.0, 0.01, 0.01};
  o.seed = 7;
  o.sleep = [](std::chrono::milliseconds) {};  // retries at once: the test is about what is sent, not when
  o.timeout = std::chrono::seconds(30);
  o.connect_timeout = std::chrono::seconds(10);
  return o;
}

OutboundOrder order(std::uint64_t id, const std::string& symbol, schema::Side side, double qty,
                    schema::OrderType type = schema::OrderType::MARKET, double limit_price = 0) {
  OutboundOrder o;
  o.order.order_id = id;
  o.order.action = schema::OrderAction::NEW;
  o.order.symbol = symbol;
  o.order.side = side;
  o.order.type = type;
  o.order.qty = qty;
  o.order.limit_price = limit_price;
  o.client_order_id = "vtest-" + std::to_string(id);
  return o;
}

OutboundOrder cancel_of(std::uint64_t id, std::uint64_t target, const std::string& symbol) {
  OutboundOrder o;
  o.order.order_id = id;
  o.order.action = schema::OrderAction::CANCEL;
  o.order.target_order_id = target;
  o.order.symbol = symbol;
  o.client_order_id = "vtest-" + std::to_string(id);
  return o;
}

TEST(Mt5SymbolMap, ParsesEntriesAndNamesBadOnes) {
  auto m = parse_mt5_symbol_map("BTCUSDT=BTCUSD:1:0.01:0.01, EURUSD=EURUSD:100000,ETHUSDT=ETHUSD");
  ASSERT_TRUE(m.has_value()) << m.error();
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ(m->at("BTCUSDT").mt5_symbol, "BTCUSD");
  EXPECT_DOUBLE_EQ(m->at("EURUSD").contract_size, 100'000.0);
  EXPECT_DOUBLE_EQ(m->at("EURUSD").volume_step_lots, 0.01);
  EXPECT_DOUBLE_EQ(m->at("ETHUSDT").contract_size, 1.0);
  auto bad = parse_mt5_symbol_map("BTCUSDT=BTCUSD:zero");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().find("contract size"), std::string::npos) << bad.error();
  EXPECT_FALSE(parse_mt5_symbol_map("BTCUSDT").has_value());
  EXPECT_FALSE(parse_mt5_symbol_map("A=B,A=C").has_value());
}

TEST(Mt5Lots, ConvertUnitsByContractSizeRoundingDown) {
  const Mt5SymbolSpec eur{"EURUSD", 100'000.0, 0.01, 0.01};
  EXPECT_DOUBLE_EQ(mt5_lots_of(25'000, eur), 0.25);
  EXPECT_DOUBLE_EQ(mt5_lots_of(25'999, eur), 0.25);
  const Mt5SymbolSpec btc{"BTCUSD", 1.0, 0.01, 0.01};
  EXPECT_DOUBLE_EQ(mt5_lots_of(0.123, btc), 0.12);
  EXPECT_DOUBLE_EQ(mt5_lots_of(0.3, btc), 0.3);
  EXPECT_DOUBLE_EQ(mt5_lots_of(-1, btc), 0);
}

TEST(Mt5Bridge, ReconcileSummarisesAccountPositionsAndOrders) {
  FakeMt5 shim(kToken);
  add_symbols(shim);
  Collector got;
  Mt5Gateway gw(shim.base_url(), Secret(kToken), options());
  auto summary = gw.reconcile();
  ASSERT_TRUE(summary.has_value()) << summary.error();
  EXPECT_NE(summary->find("bridge ok"), std::string::npos) << *summary;
  EXPECT_NE(summary->find("USD balance 100000.00"), std::string::npos) << *summary;
  EXPECT_NE(summary->find("BTCUSDT=BTCUSD"), std::string::npos) << *summary;
  EXPECT_NE(summary->find("0 position(s)"), std::string::npos) << *summary;
  EXPECT_NE(summary->find("0 open order(s)"), std::string::npos) << *summary;

  gw.start(got.sink());
  gw.send(order(1, "BTCUSDT", schema::Side::BUY, 0.5));
  gw.send(order(2, "BTCUSDT", schema::Side::BUY, 0.1, schema::OrderType::LIMIT, 60'000));
  ASSERT_TRUE(got.wait_for(2));
  auto again = gw.reconcile();
  ASSERT_TRUE(again.has_value()) << again.error();
  EXPECT_NE(again->find("1 position(s) [BTCUSD buy 0.5 lots = 0.5 BTCUSDT @ 65000]"), std::string::npos) << *again;
  EXPECT_NE(again->find("1 open order(s) [vtest-2 BTCUSD buy limit 0.1 lots]"), std::string::npos) << *again;
  EXPECT_EQ(again->find(kToken), std::string::npos);
}

TEST(Mt5Bridge, ReconcileRefusesWhatWouldTradeWrong) {
  FakeMt5 shim(kToken);
  add_symbols(shim);
  {
    Mt5Options o = options();
    o.symbols["EURUSD"].contract_size = 1.0;  // a map that would trade 100000x too much
    Mt5Gateway gw(shim.base_url(), Secret(kToken), o);
    auto r = gw.reconcile();
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().find("GET /symbols/EURUSD"), std::string::npos) << r.error();
    EXPECT_NE(r.error().find("contract size"), std::string::npos) << r.error();
  }
  {
    Mt5Options o = options();
    o.symbols["XAUUSD"] = Mt5SymbolSpec{"XAUUSD", 100.0, 0.01, 0.01};
    Mt5Gateway gw(shim.base_url(), Secret(kToken), o);
    auto r = gw.reconcile();
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().find("no symbol XAUUSD"), std::string::npos) << r.error();
  }
  {
    Mt5Options o = options();
    o.symbols["BTCUSDT"].volume_step_lots = 0.015;  // volumes the terminal would refuse
    Mt5Gateway gw(shim.base_url(), Secret(kToken), o);
    auto r = gw.reconcile();
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().find("GET /symbols/BTCUSD: the terminal trades BTCUSD in steps of 0.01"), std::string::npos)
        << r.error();
  }
  {
    Mt5Options o = options();
    o.account_currency = "EUR";
    Mt5Gateway gw(shim.base_url(), Secret(kToken), o);
    auto r = gw.reconcile();
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().find("GET /account"), std::string::npos) << r.error();
    EXPECT_NE(r.error().find("expected EUR"), std::string::npos) << r.error();
  }
  shim.set_terminal_connected(false);
  Mt5Gateway gw(shim.base_url(), Secret(kToken), options());
  auto r = gw.reconcile();
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("GET /health"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("not connected"), std::string::npos) << r.error();
}

TEST(Mt5Bridge, MarketOrderRoundTripConvertsLotsAndFees) {
  FakeMt5 shim(kToken);
  add_symbols(shim);
  shim.set_commission_per_lot(5.0);  // USD per lot
  Collector got;
  Mt5Gateway gw(shim.base_url(), Secret(kToken), options());
  gw.start(got.sink());
  gw.send(order(11, "EURUSD", schema::Side::BUY, 25'000));       // 0.25 lots
  gw.send(order(12, "BTCUSDT", schema::Side::SELL, 0.123));      // 0.12 lots: rounded down to the step
  ASSERT_TRUE(got.wait_for(2));
  const auto reports = got.reports();
  ASSERT_EQ(reports.size(), 2u);

  const FillSpec& eur = reports[0];
  EXPECT_EQ(eur.order_id, 11u);
  EXPECT_EQ(eur.symbol, "EURUSD");
  EXPECT_EQ(eur.side, schema::Side::BUY);
  EXPECT_EQ(eur.status, schema::OrderStatus::FILLED);
  EXPECT_DOUBLE_EQ(eur.qty, 25'000.0);
  EXPECT_DOUBLE_EQ(eur.cum_qty, 25'000.0);
  EXPECT_DOUBLE_EQ(eur.leaves_qty, 0.0);
  EXPECT_DOUBLE_EQ(eur.price, 1.1);
  EXPECT_NEAR(eur.fee_usd, 1.25, 1e-9);
  EXPECT_EQ(eur.liquidity, schema::Liquidity::TAKER);
  EXPECT_EQ(eur.time_ns, kShimTimeMs * 1'000'000);

  const FillSpec& btc = reports[1];
  EXPECT_EQ(btc.order_id, 12u);
  EXPECT_EQ(btc.status, schema::OrderStatus::FILLED);
  EXPECT_NEAR(btc.qty, 0.12, 1e-12);
  EXPECT_DOUBLE_EQ(btc.price, 65'000.0);
  EXPECT_NEAR(btc.fee_usd, 0.6, 1e-9);
  EXPECT_NE(eur.exec_id, btc.exec_id);

  const auto sent = shim.order("vtest-11");
  ASSERT_TRUE(sent.has_value());
  EXPECT_DOUBLE_EQ(sent->volume_lots, 0.25);
  EXPECT_EQ(sent->symbol, "EURUSD");
  EXPECT_EQ(sent->side, "buy");
  EXPECT_EQ(sent->type, "market");
  EXPECT_DOUBLE_EQ(sent->sl, 0.0);  // brackets stay with LiveVenue unless attach_brackets
  EXPECT_DOUBLE_EQ(shim.position_lots("EURUSD"), 0.25);
  EXPECT_NEAR(shim.position_lots("BTCUSD"), -0.12, 1e-12);
  EXPECT_EQ(gw.errors(), 0u);
}

TEST(Mt5Bridge, AttachedBracketsGoToTheTerminal) {
  FakeMt5 shim(kToken);
  add_symbols(shim);
  Collector got;
  Mt5Options o = options();
  o.attach_brackets = true;
  Mt5Gateway gw(shim.base_url(), Secret(kToken), o);
  gw.start(got.sink());
  OutboundOrder entry = order(21, "BTCUSDT", schema::Side::BUY, 0.1);
  entry.order.stop_loss = 64'000;
  entry.order.take_profit = 67'000;
  gw.send(entry);
  ASSERT_TRUE(got.wait_for(1));
  const auto sent = shim.order("vtest-21");
  ASSERT_TRUE(sent.has_value());
  EXPECT_DOUBLE_EQ(sent->sl, 64'000.0);
  EXPECT_DOUBLE_EQ(sent->tp, 67'000.0);
}

TEST(Mt5Bridge, BelowTheMinimumVolumeIsRejectedWithoutACall) {
  FakeMt5 shim(kToken);
  add_symbols(shim);
  Collector got;
  Mt5Gateway gw(shim.base_url(), Secret(kToken), options());
  gw.start(got.sink());
  gw.send(order(31, "BTCUSDT", schema::Side::BUY, 0.004));
  gw.send(order(32, "SOLUSDT", schema::Side::BUY, 1.0));  // not in the map
  ASSERT_TRUE(got.wait_for(2));
  const auto reports = got.reports();
  EXPECT_EQ(reports[0].status, schema::OrderStatus::REJECTED);
  EXPECT_EQ(reports[0].reject_reason, schema::RejectReason::ZERO_SIZE);
  EXPECT_NE(reports[0].detail.find("below the minimum"), std::string::npos) << reports[0].detail;
  EXPECT_EQ(reports[1].status, schema::OrderStatus::REJECTED);
  EXPECT_EQ(reports[1].reject_reason, schema::RejectReason::VENUE_UNAVAILABLE);
  EXPECT_NE(reports[1].detail.find("SOLUSDT"), std::string::npos) << reports[1].detail;
  EXPECT_EQ(shim.posts(), 0u);
}

TEST(Mt5Bridge, BadTokenGivesAClearErrorWithoutTheToken) {
  FakeMt5 shim(kToken);
  add_symbols(shim);
  const std::string wrong = "wrong-token-0123456789abcdef";
  Collector got;
  Mt5Gateway gw(shim.base_url(), Secret(wrong), options());
  auto r = gw.reconcile();
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("GET /health"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("HTTP 401"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("bearer token"), std::string::npos) << r.error();
  EXPECT_EQ(r.error().find(wrong), std::string::npos) << r.error();
  EXPECT_EQ(r.error().find(kToken), std::string::npos) << r.error();

  gw.start(got.sink());
  gw.send(order(41, "BTCUSDT", schema::Side::BUY, 0.1));
  ASSERT_TRUE(got.wait_for(1));
  const FillSpec f = got.reports()[0];
  EXPECT_EQ(f.status, schema::OrderStatus::REJECTED);
  EXPECT_EQ(f.reject_reason, schema::RejectReason::VENUE_UNAVAILABLE);
  EXPECT_NE(f.detail.find("401"), std::string::npos) << f.detail;
  EXPECT_NE(f.detail.find("not placed"), std::string::npos) << f.detail;
  EXPECT_EQ(f.detail.find(wrong), std::string::npos) << f.detail;
  EXPECT_TRUE(shim.orders().empty());
  EXPECT_GE(shim.unauthorized_calls(), 2u);
  EXPECT_GE(gw.errors(), 1u);
}

TEST(Mt5Bridge, PostAnswered500AfterProcessingIsLookedUpNotResent) {
  FakeMt5 shim(kToken);
  add_symbols(shim);
  shim.fail_after_processing_next_post();
  Collector got;
  Mt5Gateway gw(shim.base_url(), Secret(kToken), options());
  gw.start(got.sink());
  gw.send(order(51, "BTCUSDT", schema::Side::BUY, 0.2));
  ASSERT_TRUE(got.wait_for(1));
  const FillSpec f = got.reports()[0];
  EXPECT_EQ(f.status, schema::OrderStatus::FILLED) << f.detail;
  EXPECT_NEAR(f.qty, 0.2, 1e-12);
  // One order at the shim, one POST, and the fate settled by a lookup.
  EXPECT_EQ(shim.orders().size(), 1u);
  EXPECT_EQ(shim.posts(), 1u);
  EXPECT_EQ(shim.duplicate_posts(), 0u);
  EXPECT_EQ(shim.lookups(), 1u);
  EXPECT_EQ(gw.stats().order_lookups, 1u);
  EXPECT_NEAR(shim.position_lots("BTCUSD"), 0.2, 1e-12);
}

TEST(Mt5Bridge, Post500BeforeProcessingIsLookedUpThenSentAgain) {
  FakeMt5 shim(kToken);
  add_symbols(shim);
  shim.fail_next(1);  // the POST fails before the shim does anything
  Collector got;
  Mt5Gateway gw(shim.base_url(), Secret(kToken), options());
  gw.start(got.sink());
  gw.send(order(61, "BTCUSDT", schema::Side::BUY, 0.2));
  ASSERT_TRUE(got.wait_for(1));
  EXPECT_EQ(got.reports()[0].status, schema::OrderStatus::FILLED) << got.reports()[0].detail;
  EXPECT_EQ(shim.orders().size(), 1u);
  EXPECT_EQ(shim.lookups(), 1u);  // 404: never seen, so sending again is safe
  EXPECT_EQ(shim.posts(), 1u);    // the failed one never reached the order handler
}

TEST(Mt5Bridge, LostPostAnswerThatCannotBeSettledIsReportedAsUnknown) {
  FakeMt5 shim(kToken);
  add_symbols(shim);
  shim.fail_after_processing_next_post(/*then_fail=*/100);
  Collector got;
  Mt5Gateway gw(shim.base_url(), Secret(kToken), options());
  gw.start(got.sink());
  gw.send(order(71, "BTCUSDT", schema::Side::BUY, 0.2));
  ASSERT_TRUE(got.wait_for(1));
  const FillSpec f = got.reports()[0];
  EXPECT_EQ(f.status, schema::OrderStatus::REJECTED);
  EXPECT_EQ(f.reject_reason, schema::RejectReason::VENUE_UNAVAILABLE);
  EXPECT_NE(f.detail.find("fate is unknown"), std::string::npos) << f.detail;
  EXPECT_NE(f.detail.find("vtest-71"), std::string::npos) << f.detail;
  // Never sent twice: one POST, then only lookups.
  EXPECT_EQ(shim.posts(), 1u);
  EXPECT_EQ(shim.orders().size(), 1u);
  EXPECT_EQ(gw.unknown_orders(), std::vector<std::string>{"vtest-71"});
}

TEST(Mt5Bridge, UnreachableShimRejectsWithVenueUnavailable) {
  FakeMt5 shim(kToken);
  add_symbols(shim);
  const std::string url = shim.base_url();
  shim.stop();
  Collector got;
  Mt5Gateway gw(url, Secret(kToken), options());
  auto r = gw.reconcile();
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("GET /health"), std::string::npos) << r.error();

  gw.start(got.sink());
  gw.send(order(81, "BTCUSDT", schema::Side::BUY, 0.1));
  ASSERT_TRUE(got.wait_for(1));
  const FillSpec f = got.reports()[0];
  EXPECT_EQ(f.order_id, 81u);
  EXPECT_EQ(f.status, schema::OrderStatus::REJECTED);
  EXPECT_EQ(f.reject_reason, schema::RejectReason::VENUE_UNAVAILABLE);
  EXPECT_NE(f.detail.find("venue unavailable"), std::string::npos) << f.detail;
  EXPECT_NE(f.detail.find("not placed"), std::string::npos) << f.detail;
  EXPECT_EQ(f.detail.find(kToken), std::string::npos) << f.detail;
  EXPECT_GT(f.time_ns, 0);
  EXPECT_TRUE(gw.unknown_orders().empty());
  EXPECT_GE(gw.errors(), 1u);
}

TEST(Mt5Bridge, TerminalRejectionKeepsItsReason) {
  FakeMt5 shim(kToken);
  add_symbols(shim);
  shim.reject_next_post("no_money", 10019, "No money");
  Collector got;
  Mt5Gateway gw(shim.base_url(), Secret(kToken), options());
  gw.start(got.sink());
  gw.send(order(91, "BTCUSDT", schema::Side::BUY, 10));
  ASSERT_TRUE(got.wait_for(1));
  const FillSpec f = got.reports()[0];
  EXPECT_EQ(f.status, schema::OrderStatus::REJECTED);
  EXPECT_EQ(f.reject_reason, schema::RejectReason::INSUFFICIENT_MARGIN);
  EXPECT_NE(f.detail.find("no_money (retcode 10019)"), std::string::npos) << f.detail;
  EXPECT_EQ(gw.errors(), 0u);  // a broker's refusal is not a bridge failure
}

TEST(Mt5Bridge, ReduceOnlyBeyondThePositionFillsWhatIsHeldAndCancelsTheRest) {
  FakeMt5 shim(kToken);
  add_symbols(shim);
  Collector got;
  Mt5Gateway gw(shim.base_url(), Secret(kToken), options());
  gw.start(got.sink());
  gw.send(order(101, "BTCUSDT", schema::Side::BUY, 0.1));
  OutboundOrder exit = order(102, "BTCUSDT", schema::Side::SELL, 0.3);
  exit.order.reduce_only = true;
  gw.send(exit);
  ASSERT_TRUE(got.wait_for(3));
  const auto reports = got.reports();
  EXPECT_EQ(reports[1].order_id, 102u);
  EXPECT_EQ(reports[1].status, schema::OrderStatus::PARTIALLY_FILLED);
  EXPECT_NEAR(reports[1].qty, 0.1, 1e-12);
  EXPECT_NEAR(reports[1].leaves_qty, 0.2, 1e-12);
  EXPECT_EQ(reports[2].order_id, 102u);
  EXPECT_EQ(reports[2].status, schema::OrderStatus::CANCELED);
  EXPECT_NEAR(reports[2].cum_qty, 0.1, 1e-12);
  EXPECT_NEAR(shim.position_lots("BTCUSD"), 0.0, 1e-12);
}

TEST(Mt5Bridge, CancelOfARestingLimitOrder) {
  FakeMt5 shim(kToken);
  add_symbols(shim);
  Collector got;
  Mt5Options o = options();
  o.open_order_poll = std::chrono::milliseconds(0);
  Mt5Gateway gw(shim.base_url(), Secret(kToken), o);
  gw.start(got.sink());
  gw.send(order(111, "BTCUSDT", schema::Side::BUY, 0.1, schema::OrderType::LIMIT, 60'000));
  ASSERT_TRUE(got.wait_for(1));
  const FillSpec placed = got.reports()[0];
  EXPECT_EQ(placed.order_id, 111u);
  EXPECT_EQ(placed.status, schema::OrderStatus::NEW);
  EXPECT_NEAR(placed.leaves_qty, 0.1, 1e-12);
  EXPECT_NE(placed.detail.find("mt5 ticket"), std::string::npos) << placed.detail;

  gw.send(cancel_of(112, 111, "BTCUSDT"));
  gw.send(cancel_of(113, 999, "BTCUSDT"));  // never sent by this gateway
  ASSERT_TRUE(got.wait_for(3));
  const auto reports = got.reports();
  EXPECT_EQ(reports[1].order_id, 111u);  // as the Binance gateway does: the canceled order's id
  EXPECT_EQ(reports[1].status, schema::OrderStatus::CANCELED);
  EXPECT_DOUBLE_EQ(reports[1].cum_qty, 0.0);
  EXPECT_EQ(reports[2].order_id, 113u);
  EXPECT_EQ(reports[2].status, schema::OrderStatus::REJECTED);
  EXPECT_EQ(reports[2].reject_reason, schema::RejectReason::UNKNOWN_ORDER);
  ASSERT_TRUE(shim.order("vtest-111").has_value());
  EXPECT_EQ(shim.order("vtest-111")->status, "canceled");
  EXPECT_EQ(shim.deletes(), 1u);
}

TEST(Mt5Bridge, ARestingLimitOrderFilledLaterIsPolled) {
  FakeMt5 shim(kToken);
  add_symbols(shim);
  shim.set_commission_per_lot(4.0);
  Collector got;
  Mt5Options o = options();
  o.open_order_poll = std::chrono::milliseconds(20);
  Mt5Gateway gw(shim.base_url(), Secret(kToken), o);
  gw.start(got.sink());
  gw.send(order(121, "EURUSD", schema::Side::SELL, 50'000, schema::OrderType::LIMIT, 1.2));
  ASSERT_TRUE(got.wait_for(1));
  EXPECT_EQ(got.reports()[0].status, schema::OrderStatus::NEW);
  ASSERT_TRUE(shim.fill_resting("vtest-121", 1.2));
  ASSERT_TRUE(got.wait_for(2));
  const FillSpec f = got.reports()[1];
  EXPECT_EQ(f.order_id, 121u);
  EXPECT_EQ(f.status, schema::OrderStatus::FILLED);
  EXPECT_DOUBLE_EQ(f.qty, 50'000.0);
  EXPECT_DOUBLE_EQ(f.price, 1.2);
  EXPECT_NEAR(f.fee_usd, 2.0, 1e-9);
  EXPECT_EQ(f.liquidity, schema::Liquidity::MAKER);
  gw.stop();
  EXPECT_EQ(got.reports().size(), 2u);  // a filled order is not reported again
}

TEST(Mt5Bridge, ARepeatedClientIdNeverMakesASecondOrder) {
  FakeMt5 shim(kToken);
  add_symbols(shim);
  Collector got;
  Mt5Gateway gw(shim.base_url(), Secret(kToken), options());
  gw.start(got.sink());
  gw.send(order(131, "BTCUSDT", schema::Side::BUY, 0.1));
  OutboundOrder again = order(132, "BTCUSDT", schema::Side::BUY, 0.1);
  again.client_order_id = "vtest-131";  // a restarted session sending its last order again
  gw.send(again);
  ASSERT_TRUE(got.wait_for(2));
  EXPECT_EQ(shim.orders().size(), 1u);
  EXPECT_EQ(shim.duplicate_posts(), 1u);
  EXPECT_NEAR(shim.position_lots("BTCUSD"), 0.1, 1e-12);
}

}  // namespace
}  // namespace verity
