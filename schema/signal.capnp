# What the features and model actors produce: feature vectors, raw model
# predictions, and tradeable signals with entry, stop and target.
@0xc669f0885826cca4;
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("verity::schema");

# `values` follow the order of the feature set named by `featureSet`
# (docs/FEATURES.md); `ready` is false until every feature is warmed up.
struct FeatureVector {
  symbol @0 :Text;
  timeNs @1 :Int64;
  featureSet @2 :UInt32;
  ready @3 :Bool;
  values @4 :List(Float64);
}

enum Direction {
  flat @0;
  up @1;
  down @2;
}

# One model's view of one symbol at one scan: a member network (`model` is
# its registry name) or the ensemble (`model` "ensemble", `version` empty).
struct Prediction {
  symbol @0 :Text;
  timeNs @1 :Int64;
  model @2 :Text;
  version @3 :Text;
  direction @4 :Direction;
  probability @5 :Float64;   # calibrated probability of `direction`
  horizonNs @6 :Int64;
  probabilityUp @7 :Float64; # calibrated probability of up
  rawProbabilityUp @8 :Float64;  # before calibration (members)
  close @9 :Float64;         # the close at timeNs, which the label compares with
  embedding @10 :List(Float32);  # what the member's head read: online learning trains on it
  pattern @11 :Text;         # models/confidence.hpp pattern_key (ensemble)
  confidence @12 :Float64;   # after the conservative bias (ensemble)
  tier @13 :Tier;            # in force after hysteresis (ensemble)
}

enum Tier {
  low @0;
  medium @1;
  high @2;
}

# A signal with direction `flat` asks to close the position in `symbol`.
struct Signal {
  signalId @0 :UInt64;
  symbol @1 :Text;
  timeNs @2 :Int64;
  strategy @3 :Text;
  direction @4 :Direction;
  confidence @5 :Float64;
  tier @6 :Tier;
  entry @7 :Float64;
  takeProfit @8 :Float64;    # 0 when none
  stopLoss @9 :Float64;      # 0 when none
}
