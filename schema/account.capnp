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
