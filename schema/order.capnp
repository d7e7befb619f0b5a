# The order path: risk turns a signal into an order intent and decides on it;
# execution turns approved orders into execution reports.
@0xd0debab2f9874c01;
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("verity::schema");

enum Side {
  buy @0;
  sell @1;
}

enum OrderType {
  market @0;
  limit @1;
  stop @2;
}

enum TimeInForce {
  gtc @0;
  ioc @1;
  fok @2;
}

# Why an order was refused, by risk or by the venue. Append only.
enum RejectReason {
  none @0;
  killSwitch @1;
  maxPosition @2;
  dailyLoss @3;
  maxLoss @4;
  rateLimit @5;
  backoff @6;
  invalidStop @7;
  zeroSize @8;
  insufficientMargin @9;
  minNotional @10;
  precision @11;
  venueUnavailable @12;
  noPosition @13;
  unknownOrder @14;          # cancel or replace of an order the venue does not hold
  challengeOver @15;         # the challenge attempt has passed or breached
  belowThreshold @16;        # confidence under the operator's /threshold
  warmUp @17;                # a live session's warm-up: history is never traded
}

# What an Order message asks of the venue.
enum OrderAction {
  new @0;
  cancel @1;                 # cancel targetOrderId
  replace @2;                # replace targetOrderId's qty and prices with this order's
}

struct OrderIntent {
  signalId @0 :UInt64;
  symbol @1 :Text;
  side @2 :Side;
  type @3 :OrderType;
  qty @4 :Float64;
  limitPrice @5 :Float64;
  stopPrice @6 :Float64;
  takeProfit @7 :Float64;
  stopLoss @8 :Float64;
  reduceOnly @9 :Bool;
  refPrice @10 :Float64;     # the price the decision was made at
}

struct RiskDecision {
  signalId @0 :UInt64;
  timeNs @1 :Int64;
  approved @2 :Bool;
  reason @3 :RejectReason;
  detail @4 :Text;
  intent @5 :OrderIntent;
  worstLossUsd @6 :Float64;  # the entry's loss at its stop, costs and p90 slippage included
  headroomUsd @7 :Float64;   # what new risk could lose before a guardrail, at decision time
}

struct Order {
  orderId @0 :UInt64;        # deterministic: derived from session and seq
  clientOrderId @1 :Text;
  symbol @2 :Text;
  side @3 :Side;
  type @4 :OrderType;
  qty @5 :Float64;
  limitPrice @6 :Float64;
  stopPrice @7 :Float64;
  takeProfit @8 :Float64;
  stopLoss @9 :Float64;
  reduceOnly @10 :Bool;
  timeInForce @11 :TimeInForce;
  timeNs @12 :Int64;
  signalId @13 :UInt64;
  refPrice @14 :Float64;
  action @15 :OrderAction;
  targetOrderId @16 :UInt64; # cancel / replace: the order to act on
}

enum OrderStatus {
  new @0;
  partiallyFilled @1;
  filled @2;
  canceled @3;
  rejected @4;
  expired @5;
}

enum Liquidity {
  taker @0;
  maker @1;
}

struct ExecutionReport {
  orderId @0 :UInt64;
  execId @1 :UInt64;
  symbol @2 :Text;
  side @3 :Side;
  status @4 :OrderStatus;
  timeNs @5 :Int64;
  lastQty @6 :Float64;
  lastPrice @7 :Float64;
  cumQty @8 :Float64;
  leavesQty @9 :Float64;
  feeUsd @10 :Float64;
  liquidity @11 :Liquidity;
  rejectReason @12 :RejectReason;
  detail @13 :Text;
}
