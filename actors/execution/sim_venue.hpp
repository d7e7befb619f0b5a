// The simulated venue: fills market orders at the last price plus half the
// spread and the slippage, and holds each position's stop-loss/take-profit
// bracket, checking it on every bar.
//
// Intrabar rule (conservative): when one bar touches both the stop and the
// target, the stop fills first. A bar that opens beyond the stop fills at the
// open (a gap through the stop is reported as such, never hidden).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/feed/bar.hpp"
#include "actors/risk/risk_engine.hpp"
#include "schema/order.capnp.h"

namespace verity {

struct ExecutionConfig;

struct FillSpec {
  std::uint64_t order_id = 0;
  std::uint64_t exec_id = 0;
  std::string symbol;
  schema::Side side = schema::Side::BUY;
  schema::OrderStatus status = schema::OrderStatus::FILLED;
  double qty = 0, price = 0, fee_usd = 0;
  schema::Liquidity liquidity = schema::Liquidity::TAKER;
  schema::RejectReason reject_reason = schema::RejectReason::NONE;
  std::string detail;  // "market", "stop", "stop (gap through)", "target", or why it was rejected
};

class SimVenue {
 public:
  explicit SimVenue(const ExecutionConfig& config);

  /// A market order: filled now, or rejected with a reason.
  FillSpec on_order(std::uint64_t order_id, const OrderSpec& order);
  /// Checks brackets against the bar; returns the exits it triggered.
  std::vector<FillSpec> on_bar(const BarData& bar);

  double position(const std::string& symbol) const;

 private:
  struct Book {
    double qty = 0;  // signed
    double stop_loss = 0, take_profit = 0;
    double last_price = 0;
    std::uint64_t entry_order_id = 0;
  };
  FillSpec fill(std::uint64_t order_id, Book& book, const std::string& symbol, schema::Side side, double qty,
                double price, schema::Liquidity liquidity, std::string detail);

  double taker_fee_bps_, maker_fee_bps_, half_spread_bps_, slippage_bps_;
  std::uint64_t next_exec_id_ = 1;
  std::map<std::string, Book> books_;
};

}  // namespace verity
