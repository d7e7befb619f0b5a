# Control and housekeeping: operator commands, timer ticks, model updates and
# outbound notifications.
@0xa7db6dfc44273ffb;
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("verity::schema");

enum Mode {
  sim @0;
  replay @1;
  dryrun @2;
  live @3;
}

enum CommandSource {
  cli @0;
  telegram @1;
  file @2;
  env @3;
  http @4;
  session @5;   # the live session itself (the warm-up's start and end)
}

struct ControlCommand {
  timeNs @0 :Int64;
  source @1 :CommandSource;
  issuer @2 :Text;            # chat id, user name or file path; never a secret
  command :union {
    killSwitch @3 :Bool;
    threshold @4 :Float64;
    status @5 :Void;
    warmUp @6 :Bool;         # true while a live session steps its warm-up history: risk approves nothing
  }
}

struct TimerTick {
  timeNs @0 :Int64;
  name @1 :Text;
  periodNs @2 :Int64;
}

struct ModelUpdate {
  timeNs @0 :Int64;
  model @1 :Text;
  fromVersion @2 :Text;
  toVersion @3 :Text;
  paramsHash @4 :Data;
  delta @5 :Data;
  reason @6 :Text;
}

enum Severity {
  info @0;
  warning @1;
  alert @2;
  critical @3;
}

struct Notification {
  timeNs @0 :Int64;
  mode @1 :Mode;
  severity @2 :Severity;
  event @3 :Text;
  symbol @4 :Text;
  text @5 :Text;
}
