// Snapshot state of the venue, the portfolio and risk (issue 5): saving at a
// random point and loading into a fresh object continues bit for bit as the
// original would, over random order flow, bars, account updates and signals.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "tests/support/rc_gen.hpp"

#include <bit>
#include <cmath>
#include <variant>
#include <vector>

#include "actors/execution/instrument.hpp"
#include "actors/execution/sim_venue.hpp"
#include "actors/risk/risk_engine.hpp"
#include "actors/runtime/config.hpp"
#include "actors/runtime/state_archive.hpp"

namespace verity {
namespace {

using testing::int_in;

constexpr std::int64_t kMinuteNs = 60'000'000'000;
constexpr std::int64_t kStart = 1'705'276'800'000'000'000;  // 2024-01-15T00:00Z


/// Saves `from` and loads the bytes into `to`; checks the round trip.
template <class T>
void copy_state(const T& from, T& to) {
  StateWriter w;
  w.put(from);
  StateReader r(w.bytes(), "test snapshot");
  r.get(to);
  RC_ASSERT(r.ok());
  RC_ASSERT(r.at_end());
  StateWriter again;
  again.put(to);
  RC_ASSERT(again.bytes() == w.bytes());
}

bool same(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

void expect_same(const std::vector<FillSpec>& a, const std::vector<FillSpec>& b) {
  RC_ASSERT(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    RC_ASSERT(a[i].order_id == b[i].order_id);
    RC_ASSERT(a[i].exec_id == b[i].exec_id);
    RC_ASSERT(a[i].status == b[i].status);
    RC_ASSERT(same(a[i].qty, b[i].qty));
    RC_ASSERT(same(a[i].price, b[i].price));
    RC_ASSERT(same(a[i].fee_usd, b[i].fee_usd));
    RC_ASSERT(same(a[i].cum_qty, b[i].cum_qty));
    RC_ASSERT(a[i].detail == b[i].detail);
  }
}

RC_GTEST_PROP(DomainState, VenueContinuesBitForBitAfterSaveAndLoad, ()) {
  Config config;
  config.session.seed = static_cast<std::uint64_t>(int_in(0, 1'000'000));
  config.execution.cost_model = "fixed";
  config.execution.latency_ms = int_in(0, 400);
  config.execution.participation_pct = int_in(1, 100);
  config.execution.qty_step = 0.001;
  using Event = std::variant<BarData, VenueOrder>;
  std::vector<Event> events;
  double price = 100;
  std::uint64_t next_id = 1;
  for (int i = 0, n = int_in(1, 120); i < n; ++i) {
    if (int_in(0, 3) != 0) {
      BarData b;
      b.symbol = "AAA";
      b.open_time_ns = kStart + i * kMinuteNs;
      b.interval_ns = kMinuteNs;
      b.open = price;
      price = std::max(1.0, price * (1 + int_in(-30, 31) / 1000.0));
      b.close = price;
      b.high = std::max(b.open, b.close) * 1.01;
      b.low = std::min(b.open, b.close) * 0.99;
      b.volume = int_in(0, 500);
      events.push_back(b);
    } else {
      VenueOrder o;
      o.order_id = next_id++;
      o.symbol = "AAA";
      o.side = int_in(0, 2) ? schema::Side::BUY : schema::Side::SELL;
      const int type = int_in(0, 3);
      o.type = type == 0 ? schema::OrderType::MARKET : (type == 1 ? schema::OrderType::LIMIT : schema::OrderType::STOP);
      o.qty = floor_to_step(int_in(1, 2000) / 100.0, 0.001);
      o.limit_price = o.type == schema::OrderType::LIMIT ? std::round(price * (1 + int_in(-20, 21) / 1000.0) * 100) / 100 : 0;
      o.stop_price = o.type == schema::OrderType::STOP ? std::round(price * (1 + int_in(-20, 21) / 1000.0) * 100) / 100 : 0;
      o.reduce_only = int_in(0, 5) == 0;
      if (int_in(0, 2) == 0) {
        o.stop_loss = price * (o.side == schema::Side::BUY ? 0.97 : 1.03);
        o.take_profit = price * (o.side == schema::Side::BUY ? 1.04 : 0.96);
      }
      events.push_back(o);
    }
  }
  const std::size_t split = static_cast<std::size_t>(int_in(0, static_cast<int>(events.size()) + 1));
  SimVenue original(config), saved(config);
  auto run = [](SimVenue& v, const Event& e) {
    return std::holds_alternative<BarData>(e) ? v.on_bar(std::get<BarData>(e)) : v.on_order(std::get<VenueOrder>(e));
  };
  for (std::size_t i = 0; i < split; ++i) {
    expect_same(run(original, events[i]), run(saved, events[i]));
  }
  SimVenue loaded(config);
  copy_state(saved, loaded);
  for (std::size_t i = split; i < events.size(); ++i) expect_same(run(original, events[i]), run(loaded, events[i]));
  RC_ASSERT(same(original.ledger().equity_usd(), loaded.ledger().equity_usd()));
  RC_ASSERT(same(original.ledger().balance_usd(), loaded.ledger().balance_usd()));
}

RC_GTEST_PROP(DomainState, RiskContinuesBitForBitAfterSaveAndLoad, ()) {
  RiskConfig risk;
  risk.rate_limit_per_hour = int_in(1, 10);
  FtmoConfig ftmo;
  auto cost = [](std::string_view, std::int64_t) { return 3.0; };
  RiskEngine original(risk, ftmo, 100'000, 0.001, cost), saved(risk, ftmo, 100'000, 0.001, cost);
  struct Step {
    bool account;
    AccountView view;
    SignalSpec signal;
    schema::Tier tier;
    std::int64_t t;
  };
  std::vector<Step> steps;
  double balance = 100'000;
  std::uint64_t trades = 0;
  for (int i = 0, n = int_in(1, 150); i < n; ++i) {
    Step s{};
    s.t = kStart + i * 7 * kMinuteNs;
    s.account = int_in(0, 2) == 0;
    if (s.account) {
      balance += int_in(-800, 700);
      s.view.time_ns = s.t;
      s.view.balance_usd = balance;
      s.view.equity_usd = balance + int_in(-500, 500);
      trades += static_cast<std::uint64_t>(int_in(0, 2));
      s.view.trades = trades;
      if (int_in(0, 2)) {
        s.view.position_qty["BTC"] = int_in(-5, 6) / 10.0;
        s.view.mark["BTC"] = 100 + int_in(-5, 6);
      }
    } else {
      const int d = int_in(0, 3);
      s.signal.direction = d == 0 ? schema::Direction::FLAT : (d == 1 ? schema::Direction::UP : schema::Direction::DOWN);
      s.signal.entry = 100;
      s.signal.stop_loss = s.signal.direction == schema::Direction::UP ? 98 : 102;
      s.signal.confidence = int_in(50, 100) / 100.0;
      s.tier = int_in(0, 2) ? schema::Tier::LOW : schema::Tier::HIGH;
    }
    steps.push_back(s);
  }
  auto run = [](RiskEngine& r, const Step& s) {
    std::string out;
    if (s.account) {
      if (auto e = r.on_account(s.view)) out = "event " + std::to_string(static_cast<int>(e->state));
    } else {
      const RiskVerdict v = r.evaluate("BTC", s.t, s.signal, s.tier);
      out = std::to_string(v.approved) + " " + std::to_string(static_cast<int>(v.reason)) + " " + v.detail;
      for (const auto& o : v.orders) out += " " + std::to_string(std::bit_cast<std::uint64_t>(o.qty));
      out += " " + std::to_string(std::bit_cast<std::uint64_t>(v.headroom_usd));
    }
    return out;
  };
  const std::size_t split = static_cast<std::size_t>(int_in(0, static_cast<int>(steps.size()) + 1));
  for (std::size_t i = 0; i < split; ++i) RC_ASSERT(run(original, steps[i]) == run(saved, steps[i]));
  RiskEngine loaded(risk, ftmo, 100'000, 0.001, cost);
  copy_state(saved, loaded);
  for (std::size_t i = split; i < steps.size(); ++i) RC_ASSERT(run(original, steps[i]) == run(loaded, steps[i]));
  RC_ASSERT(original.challenge_over() == loaded.challenge_over());
  RC_ASSERT(original.phase() == loaded.phase());
}

TEST(DomainState, TruncatedVenueStateIsAnErrorNotACrash) {
  Config config;
  SimVenue venue(config);
  BarData b{"AAA", kStart, kMinuteNs, 100, 101, 99, 100.5, 10};
  venue.on_bar(b);
  StateWriter w;
  w.put(venue);
  for (std::size_t cut = 0; cut < w.bytes().size(); cut += 7) {
    SimVenue fresh(config);
    StateReader r(std::string_view(w.bytes()).substr(0, cut), "venue snapshot");
    r.get(fresh);
    EXPECT_FALSE(r.ok()) << cut;
  }
}

}  // namespace
}  // namespace verity
