# Market data entering the graph: candles, trades, top of book, and the
# quarantine record the feed emits for data it refuses to pass on.
# Times are nanoseconds since the Unix epoch, UTC. Prices are quote-currency
# units, quantities base-asset units.
@0xa297f7e868fef245;
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("verity::schema");

struct Bar {
  symbol @0 :Text;
  openTimeNs @1 :Int64;
  intervalNs @2 :Int64;
  open @3 :Float64;
  high @4 :Float64;
  low @5 :Float64;
  close @6 :Float64;
  volume @7 :Float64;
  synthetic @8 :Bool;    # true when generated or filled by a repair policy
}

enum Aggressor {
  unknown @0;
  buy @1;
  sell @2;
}

struct Trade {
  symbol @0 :Text;
  timeNs @1 :Int64;
  price @2 :Float64;
  qty @3 :Float64;
  aggressor @4 :Aggressor;
  tradeId @5 :UInt64;
}

struct TopOfBook {
  symbol @0 :Text;
  timeNs @1 :Int64;
  bidPrice @2 :Float64;
  bidQty @3 :Float64;
  askPrice @4 :Float64;
  askQty @5 :Float64;
}

# Bad data never passes silently: the feed turns it into this record.
struct Quarantine {
  symbol @0 :Text;
  timeNs @1 :Int64;
  source @2 :Text;       # file name or stream name
  line @3 :UInt64;       # 0 when the source has no lines
  field @4 :Text;
  reason @5 :Text;
}
