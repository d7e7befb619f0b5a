// Positions, cash and equity from fills and marks. Money is USD; a position's
// quantity is signed (negative is short). Balance is initial capital plus
// realized P&L minus fees; equity adds floating P&L at the latest marks.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "schema/order.capnp.h"

namespace verity {

struct PositionState {
  double qty = 0;
  double avg_price = 0;
  double mark = 0;
  double realized_usd = 0;
  double unrealized_usd() const { return qty * (mark - avg_price); }

  template <class W>
  void save(W& w) const { w.put_all(qty, avg_price, mark, realized_usd); }
  template <class R>
  void load(R& r) { r.get_all(qty, avg_price, mark, realized_usd); }
};

class Portfolio {
 public:
  explicit Portfolio(double initial_balance_usd) : initial_usd_(initial_balance_usd) {}

  void apply_fill(const std::string& symbol, schema::Side side, double qty, double price, double fee_usd);
  /// Returns true when the mark changed equity (an open position exists).
  bool mark(const std::string& symbol, double price);

  double initial_usd() const { return initial_usd_; }
  double realized_usd() const { return realized_usd_; }
  double fees_usd() const { return fees_usd_; }
  double balance_usd() const { return initial_usd_ + realized_usd_ - fees_usd_; }
  double unrealized_usd() const;
  double equity_usd() const { return balance_usd() + unrealized_usd(); }
  std::uint64_t fills() const { return fills_; }
  const std::map<std::string, PositionState>& positions() const { return positions_; }

  /// Everything but the initial balance (the config gives it).
  template <class W>
  void save(W& w) const { w.put_all(realized_usd_, fees_usd_, fills_, positions_); }
  template <class R>
  void load(R& r) { r.get_all(realized_usd_, fees_usd_, fills_, positions_); }

 private:
  double initial_usd_;
  double realized_usd_ = 0;
  double fees_usd_ = 0;
  std::uint64_t fills_ = 0;
  std::map<std::string, PositionState> positions_;  // ordered: iteration reaches output
};

}  // namespace verity
