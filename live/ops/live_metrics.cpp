#include "live/ops/live_metrics.hpp"

namespace verity {

LiveMetrics::LiveMetrics(MetricsRegistry& r)
    : signals(r.counter("verity_signals_total", "Signals the model emitted.")),
      orders(r.counter("verity_orders_total", "Orders sent to the venue.")),
      fills(r.counter("verity_fills_total", "Fills reported by the venue.")),
      rejections(r.counter("verity_rejections_total", "Signals or orders rejected by risk or the venue.")),
      ws_reconnects(r.counter("verity_ws_reconnects_total", "Market data WebSocket reconnects.")),
      venue_errors(r.counter("verity_venue_errors_total", "Venue API calls that failed.")),
      telegram_commands(r.counter("verity_telegram_commands_total", "Telegram commands accepted from allow-listed chats.")),
      equity_usd(r.gauge("verity_equity_usd", "Account equity: balance plus floating P&L, fees included (USD).")),
      balance_usd(r.gauge("verity_balance_usd", "Account balance (USD).")),
      feed_staleness_s(r.gauge("verity_feed_staleness_seconds", "Seconds since the newest bar close on any symbol.")),
      kill_switch(r.gauge("verity_kill_switch", "1 when the kill switch is on, else 0.")),
      decision_latency_s(r.histogram("verity_decision_latency_seconds",
                                     "Bar received on the socket to order sent to the venue (seconds).",
                                     latency_buckets_s())),
      step_latency_s(r.histogram("verity_step_latency_seconds", "One sequencer step, input to commit (seconds).",
                                 latency_buckets_s())),
      registry_(r) {}

Counter& LiveMetrics::bars(std::string_view symbol) {
  return registry_.counter("verity_bars_total", "Bars received, per symbol.", {{"symbol", std::string(symbol)}});
}

void LiveMetrics::refresh(const LiveStatus& s, std::string_view build) {
  for (const auto& [symbol, n] : s.bars_by_symbol) bars(symbol).advance_to(static_cast<double>(n));
  signals.advance_to(static_cast<double>(s.signals));
  orders.advance_to(static_cast<double>(s.orders));
  fills.advance_to(static_cast<double>(s.fills));
  rejections.advance_to(static_cast<double>(s.rejections));
  ws_reconnects.advance_to(static_cast<double>(s.reconnects));
  venue_errors.advance_to(static_cast<double>(s.venue_errors));
  telegram_commands.advance_to(static_cast<double>(s.telegram_commands));
  equity_usd.set(s.equity_usd);
  balance_usd.set(s.balance_usd);
  feed_staleness_s.set(verity::feed_staleness_s(s));
  kill_switch.set(s.kill_switch ? 1.0 : 0.0);
  if (!s.session.empty()) {
    registry_
        .gauge("verity_info", "Constant 1, labelled with the mode, session id and build.",
               {{"mode", s.mode}, {"session", s.session}, {"build", std::string(build)}})
        .set(1);
  }
}

}  // namespace verity
