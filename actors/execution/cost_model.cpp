#include "actors/execution/cost_model.hpp"

#include <algorithm>

#include "actors/runtime/config.hpp"
#include "actors/runtime/detmath.hpp"
#include "actors/runtime/prng.hpp"

namespace verity {

namespace {
/// The standard normal's 0.9 quantile.
constexpr double kZ90 = 1.2815515655446004;

const Distribution* usable(const std::optional<Distribution>& d) {
  return d.has_value() && !d->empty() ? &*d : nullptr;
}

const Distribution* pick(const SessionMetrics& m, bool want_spread) {
  return usable(want_spread ? m.spread_bps : m.slippage_bps);
}
}  // namespace

CostModel::CostModel(const ExecutionConfig& c, const ExecutionMetrics* metrics)
    : metrics_(metrics),
      empirical_(c.cost_model != "fixed"),
      spread_bps_(c.spread_bps),
      slippage_bps_(c.slippage_bps),
      taker_fee_bps_(c.taker_fee_bps),
      maker_fee_bps_(c.maker_fee_bps) {}

CostFigure CostModel::figure(std::string_view pair, std::int64_t time_ns, bool want_spread) const {
  if (empirical_ && metrics_ != nullptr) {
    if (const PairMetrics* p = metrics_->find(pair)) {
      const TradingSession s = session_of(time_ns);
      const std::string base = p->pair + " " + std::string(method_name(p->method)) + " ";
      if (const Distribution* d = pick(p->session(s), want_spread)) {
        return CostFigure{d->p50, d->p90, d->mean, base + std::string(session_name(s))};
      }
      if (const Distribution* d = pick(p->all, want_spread)) return CostFigure{d->p50, d->p90, d->mean, base + "all"};
    }
  }
  const double fixed = want_spread ? spread_bps_ : slippage_bps_;
  return CostFigure{fixed, fixed, fixed, "fixed"};
}

CostFigure CostModel::spread(std::string_view pair, std::int64_t time_ns) const { return figure(pair, time_ns, true); }
CostFigure CostModel::slippage(std::string_view pair, std::int64_t time_ns) const {
  return figure(pair, time_ns, false);
}

double CostModel::draw(const CostFigure& f, Prng& prng) {
  if (!f.lognormal()) return std::max(0.0, f.mean_bps);
  const double mu = det_log(f.p50_bps);
  const double sigma = det_log(f.p90_bps / f.p50_bps) / kZ90;
  const double x = det_exp(mu + sigma * prng.normal());
  return std::min(x, kMaxDrawOverP90 * f.p90_bps);
}

double CostModel::draw_spread_bps(std::string_view pair, std::int64_t time_ns, Prng& prng) const {
  return draw(spread(pair, time_ns), prng);
}

double CostModel::draw_slippage_bps(std::string_view pair, std::int64_t time_ns, Prng& prng) const {
  return draw(slippage(pair, time_ns), prng);
}

double CostModel::p90(const CostFigure& f) {
  // A figure drawn as a constant mean has no tail of its own: its p90 is the
  // larger of the measured p90 and that constant, so no draw exceeds it.
  return std::max(0.0, f.lognormal() ? f.p90_bps : std::max(f.p90_bps, f.mean_bps));
}

double CostModel::p90_spread_bps(std::string_view pair, std::int64_t time_ns) const {
  return p90(spread(pair, time_ns));
}

double CostModel::p90_slippage_bps(std::string_view pair, std::int64_t time_ns) const {
  return p90(slippage(pair, time_ns));
}

double CostModel::worst_cost_bps(std::string_view pair, std::int64_t time_ns) const {
  return p90_spread_bps(pair, time_ns) / 2.0 + p90_slippage_bps(pair, time_ns) + taker_fee_bps_;
}

}  // namespace verity
