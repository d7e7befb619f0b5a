# The journal's own records: the envelope every message travels in, the
# session manifest, the head record committed with every step, and the step
# digests that stand in for outputs at journal level `inputs`.
#
# Every record here starts with `checksum @0 :UInt64`. Cap'n Proto puts the
# first 64-bit field at data word 0, so the checksum sits at a fixed byte
# offset of the flat message and covers every other byte (docs/SCHEMAS.md).
@0xd48ebfff6ce9ea3d;
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("verity::schema");

using Market = import "market.capnp";
using Signal = import "signal.capnp";
using Order = import "order.capnp";
using Account = import "account.capnp";
using Control = import "control.capnp";

enum ActorId {
  external @0;    # the world outside the graph: data sources, venues, operators
  sequencer @1;
  feed @2;
  features @3;
  model @4;
  risk @5;
  execution @6;
  portfolio @7;
  learning @8;
  notify @9;
}

struct Envelope {
  checksum @0 :UInt64;
  session @1 :UInt64;
  seq @2 :UInt64;            # gapless, starts at 1
  timeNs @3 :Int64;          # logical time from the Clock
  source @4 :ActorId;
  destination @5 :ActorId;
  # The message kind is the union's discriminant. New kinds are appended.
  payload :union {
    bar @6 :Market.Bar;
    trade @7 :Market.Trade;
    topOfBook @8 :Market.TopOfBook;
    quarantine @9 :Market.Quarantine;
    featureVector @10 :Signal.FeatureVector;
    prediction @11 :Signal.Prediction;
    signal @12 :Signal.Signal;
    orderIntent @13 :Order.OrderIntent;
    riskDecision @14 :Order.RiskDecision;
    order @15 :Order.Order;
    executionReport @16 :Order.ExecutionReport;
    positionUpdate @17 :Account.PositionUpdate;
    accountSnapshot @18 :Account.AccountSnapshot;
    modelUpdate @19 :Control.ModelUpdate;
    controlCommand @20 :Control.ControlCommand;
    notification @21 :Control.Notification;
    timerTick @22 :Control.TimerTick;
    challengeStatus @23 :Account.ChallengeStatus;
  }
}

enum JournalLevel {
  full @0;      # every message
  inputs @1;    # inputs, plus one digest per step for the outputs
  hash @2;      # the manifest and the head only
}

struct ModelVersion {
  name @0 :Text;
  version @1 :Text;
  fileHash @2 :Data;
}

struct DataSource {
  name @0 :Text;
  hash @1 :Data;
}

struct SessionManifest {
  checksum @0 :UInt64;
  session @1 :UInt64;
  rootSeed @2 :UInt64;
  mode @3 :Control.Mode;
  level @4 :JournalLevel;
  config @5 :Text;           # canonical TOML: every key, sorted, resolved
  configHash @6 :Data;       # xxh3-128 of `config`
  buildId @7 :Text;
  command @8 :Text;          # the command line that started the session
  modelVersions @9 :List(ModelVersion);
  dataSources @10 :List(DataSource);
  formatVersion @11 :UInt32;
  recordedAtNs @12 :Int64;   # wall time the recording started (LiveClock); 0 when unknown.
                             # Not part of the session id: retention reads it, replays ignore it.
}

# Written in the same batch as every step, so it always names the last step
# that is fully on disk.
struct JournalHead {
  checksum @0 :UInt64;
  session @1 :UInt64;
  lastSeq @2 :UInt64;
  messages @3 :UInt64;       # messages hashed into the chain
  stored @4 :UInt64;         # envelopes stored in the journal family
  steps @5 :UInt64;
  chain @6 :Data;            # h[lastSeq], 16 bytes
  lastTimeNs @7 :Int64;
  closed @8 :Bool;
  level @9 :JournalLevel;
}

# At level `inputs`, one per step that had outputs: the outputs' seq range
# and the chain value after the last of them.
struct StepDigest {
  checksum @0 :UInt64;
  session @1 :UInt64;
  firstSeq @2 :UInt64;
  lastSeq @3 :UInt64;
  chain @4 :Data;
}

# One actor's state in a snapshot: the bytes of its domain classes'
# save() (actors/runtime/state_archive.hpp), read back with load().
struct ActorState {
  actor @0 :ActorId;
  state @1 :Data;
}

# Every actor's state after the step that ended at `seq`, with what the
# journal writer needs to carry on from there. Stored in the snapshots
# family under session || seq; a restart loads the latest one that verifies
# and replays the journal from seq + 1.
struct Snapshot {
  checksum @0 :UInt64;
  session @1 :UInt64;
  seq @2 :UInt64;
  chain @3 :Data;            # the hash chain after `seq`
  messages @4 :UInt64;
  steps @5 :UInt64;
  timeNs @6 :Int64;          # logical time of the step
  actors @7 :List(ActorState);
  counts @8 :List(UInt64);   # messages made so far, by kind
  lastAccount @9 :Data;      # the last account snapshot's sealed envelope, or empty
}

