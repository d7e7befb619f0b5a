// The graph's alerts (docs/LIVE.md, "Alerts"): Notification messages to
// `external`, made by the same sessions in sim, dryrun and live, each with
// the session's mode. Here on seeded sims, where each one can be forced.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "actors/runtime/convert.hpp"
#include "actors/runtime/memory_store.hpp"
#include "sim/sim_runner.hpp"

namespace verity {
namespace {

/// Alert events by count, with every alert's mode checked.
std::map<std::string, int> alerts_of(const Config& config) {
  MemoryStore store;
  std::map<std::string, int> out;
  SimHooks hooks;
  hooks.observer = [&](const FramePtr& f) {
    if (f->kind() != Kind::NOTIFICATION || f->destination() != ActorId::EXTERNAL) return;
    auto n = f->envelope().getPayload().getNotification();
    EXPECT_EQ(n.getMode(), schema::Mode::SIM);
    EXPECT_GE(n.getSeverity(), schema::Severity::WARNING);
    ++out[text_of(n.getEvent())];
  };
  auto r = run_sim(config, store, "test", hooks);
  EXPECT_TRUE(r.has_value()) << r.error();
  return out;
}

Config base() {
  Config c;
  c.log.level = "off";
  c.session.bars = 6000;
  c.journal.level = JournalLevel::HASH;
  return c;
}

TEST(Alerts, AKillSwitchBlockAndAVolatilitySpike) {
  Config c = base();
  c.risk.kill_switch = true;
  c.stress.flash_crash_at_min = 3000;  // a 20% drop inside one bar's range
  c.stress.flash_crash_minutes = 1;
  const auto alerts = alerts_of(c);
  EXPECT_GT(alerts.count("kill_switch_signal_blocked") ? alerts.at("kill_switch_signal_blocked") : 0, 0);
  EXPECT_GT(alerts.count("volatility_spike") ? alerts.at("volatility_spike") : 0, 0);
  EXPECT_EQ(alerts.count("guardrail_breach_attempt"), 0u) << "nothing traded: no guardrail was near";
}

TEST(Alerts, ADrawdownAlertOncePerExcursion) {
  Config c = base();
  c.risk.alert_drawdown_pct = 0.1;  // the smallest threshold: any losing stretch crosses it
  const auto alerts = alerts_of(c);
  ASSERT_TRUE(alerts.count("drawdown_over_10pct")) << "no drawdown alert in 6000 bars of trading";
  EXPECT_LE(alerts.at("drawdown_over_10pct"), 20) << "re-armed only under half the threshold, not on every snapshot";
  Config quiet = base();
  EXPECT_EQ(alerts_of(quiet).count("drawdown_over_10pct"), 0u) << "the default 10% is not crossed in a short sim";
}

}  // namespace
}  // namespace verity
