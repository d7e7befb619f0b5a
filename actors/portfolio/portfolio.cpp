#include "actors/portfolio/portfolio.hpp"

#include <algorithm>
#include <cmath>

#include "actors/runtime/assert.hpp"

namespace verity {

void Portfolio::apply_fill(const std::string& symbol, schema::Side side, double qty, double price, double fee_usd) {
  VERITY_ASSERT(qty > 0, "fill quantity must be positive");
  VERITY_ASSERT(price > 0, "fill price must be positive");
  auto& p = positions_[symbol];
  const double delta = side == schema::Side::BUY ? qty : -qty;
  if (p.qty == 0 || (p.qty > 0) == (delta > 0)) {
    // Opening or adding: the average price moves to the blend.
    const double size = std::fabs(p.qty);
    p.avg_price = (size * p.avg_price + qty * price) / (size + qty);
    p.qty += delta;
  } else {
    // Reducing, closing or flipping: realize P&L on the closed part.
    const double closed = std::min(qty, std::fabs(p.qty));
    const double pnl = closed * (price - p.avg_price) * (p.qty > 0 ? 1.0 : -1.0);
    p.realized_usd += pnl;
    realized_usd_ += pnl;
    const double before = p.qty;
    p.qty += delta;
    // A fill that closes exactly leaves exactly zero; guard float residue.
    if (std::fabs(p.qty) <= 1e-12 * std::max(1.0, std::fabs(before))) p.qty = 0;
    if (p.qty == 0) p.avg_price = 0;
    else if ((p.qty > 0) != (before > 0)) p.avg_price = price;  // flipped: the rest opened here
  }
  p.mark = price;
  fees_usd_ += fee_usd;
  ++fills_;
}

bool Portfolio::mark(const std::string& symbol, double price) {
  auto it = positions_.find(symbol);
  if (it == positions_.end()) return false;
  const bool moved = it->second.mark != price && it->second.qty != 0;
  it->second.mark = price;
  return moved;
}

double Portfolio::unrealized_usd() const {
  double sum = 0;
  for (const auto& [symbol, p] : positions_) sum += p.unrealized_usd();
  return sum;
}

}  // namespace verity
