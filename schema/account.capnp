# Portfolio state as the portfolio actor publishes it. Money is in USD.
@0xebdbc66189a6a479;
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("verity::schema");

struct Position {
  symbol @0 :Text;
  qty @1 :Float64;           # signed: negative is short
  avgPrice @2 :Float64;
  markPrice @3 :Float64;
  unrealizedPnlUsd @4 :Float64;
  realizedPnlUsd @5 :Float64;
}

struct PositionUpdate {
  timeNs @0 :Int64;
  position @1 :Position;
}

struct AccountSnapshot {
  timeNs @0 :Int64;
  balanceUsd @1 :Float64;    # cash: initial + realized P&L - fees
  equityUsd @2 :Float64;     # balance + floating P&L
  realizedPnlUsd @3 :Float64;
  unrealizedPnlUsd @4 :Float64;
  feesUsd @5 :Float64;
  trades @6 :UInt64;         # fills so far
  positions @7 :List(Position);
}

enum ChallengeState {
  running @0;
  phasePassed @1;            # 2-Step phase 1 passed; verification starts
  passed @2;
  breached @3;
}

# The FTMO challenge as risk tracks it: sent when the state changes. A breach
# names the rule and the numbers behind it.
struct ChallengeStatus {
  timeNs @0 :Int64;
  state @1 :ChallengeState;
  phase @2 :UInt8;           # 1, or 2 for the 2-Step verification
  rule @3 :Text;             # "daily_loss", "max_loss" when breached
  equityUsd @4 :Float64;
  balanceUsd @5 :Float64;
  referenceUsd @6 :Float64;  # day-start balance (daily) or the max-loss base
  limitUsd @7 :Float64;      # the loss allowed
  lossUsd @8 :Float64;       # the loss at the breach
  tradingDays @9 :UInt32;
  detail @10 :Text;          # plain words, e.g. "stop gapped through"
}
