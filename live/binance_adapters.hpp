// The live session's MarketFeed and VenueGateway on the Binance spot
// connector (live/binance/): history and the closed-kline stream for the
// feed; signed orders, order queries and reconciliation for the venue.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "actors/runtime/config.hpp"
#include "live/binance/binance_rest.hpp"
#include "live/binance/kline_stream.hpp"
#include "live/live_session.hpp"

namespace verity {

/// Endpoints, timeouts and jitter seeds of the connector, from live.*.
BinanceRestOptions binance_rest_options(const Config& config);

/// Why the graph is told an order failed. Binance's refusals of the order
/// itself keep their meaning: -2010 for lack of balance is
/// insufficientMargin (on spot, also a sell of an asset not held: there is
/// no short), -1013 NOTIONAL is minNotional, -1013 LOT_SIZE / PRICE_FILTER
/// and -1111 are precision. Anything else (no answer, 5xx, 429, a ban, an
/// unsettled order, another refusal) is venueUnavailable, which counts as a
/// venue failure and alerts.
schema::RejectReason reject_reason_of(const BinanceError& error);

class BinanceFeed final : public MarketFeed {
 public:
  explicit BinanceFeed(const Config& config, std::chrono::milliseconds stale_after = std::chrono::seconds(60));
  ~BinanceFeed() override;
  std::expected<std::vector<Candle>, std::string> history(const std::string& symbol, std::int64_t count) override;
  std::expected<void, std::string> start(const std::map<std::string, std::int64_t>& after_open_ns,
                                         std::function<void(LiveBar)> sink) override;
  void stop() override;
  State state() const override;

 private:
  const Config config_;
  std::chrono::milliseconds stale_after_;
  std::unique_ptr<BinanceRest> rest_;
  std::unique_ptr<KlineStream> stream_;
};

/// Orders out on its own thread, answers back as LiveReports. A fill's fee
/// in the quote asset counts as is, in the base asset at the fill price;
/// in a third asset (BNB) it is estimated at execution.taker_fee_bps of the
/// fill's notional, and the report's detail says so.
class BinanceGateway final : public VenueGateway {
 public:
  BinanceGateway(const Config& config, BinanceCredentials credentials);
  ~BinanceGateway() override;
  std::expected<std::string, std::string> reconcile() override;
  void start(std::function<void(LiveReport)> sink) override;
  void send(OutboundOrder order) override;
  void stop() override;
  std::uint64_t errors() const override { return errors_; }

 private:
  void run();
  void place(const OutboundOrder& o);
  void cancel(const OutboundOrder& o);
  void reject(const OutboundOrder& o, const std::string& why,
              schema::RejectReason reason = schema::RejectReason::VENUE_UNAVAILABLE);
  double step_size(const std::string& symbol);

  const Config config_;
  std::unique_ptr<BinanceRest> rest_;
  std::function<void(LiveReport)> sink_;
  std::map<std::string, SymbolFilters> filters_;
  std::map<std::uint64_t, std::string> client_ids_;  // graph order id -> clientOrderId (cancels)
  std::map<std::uint64_t, std::string> symbols_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<OutboundOrder> queue_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> errors_{0};
  std::uint64_t next_exec_ = 1;
  std::thread thread_;
};

}  // namespace verity
