// Readiness and liveness for /healthz. Live means the process answers;
// ready means it is doing its job: the feed delivered a bar recently and is
// connected, and the journal accepts writes. A pure function of a status
// snapshot and the staleness limit, so it is tested without a server.
#pragma once

#include <string>

#include "live/ops/status.hpp"

namespace verity {

struct HealthReport {
  bool ready = false;
  bool feed_ok = false;
  bool feed_connected = false;
  double staleness_s = 0;  // feed_staleness_s(status)
  double limit_s = 0;
  bool journal_ok = false;
  std::string mode;
};

/// feed ok: connected and staleness_s <= limit_s; ready: feed ok and journal ok.
HealthReport check_health(const LiveStatus& s, double staleness_limit_s);

/// {"live":true,"ready":..,"checks":{"feed":{"ok":..,"staleness_s":..,"limit_s":..,
/// "connected":..},"journal":{"ok":..}},"mode":..}
std::string health_json(const HealthReport& h);

}  // namespace verity
