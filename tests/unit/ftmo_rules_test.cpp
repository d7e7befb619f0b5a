// The FTMO rules, with hand-worked numbers for every rule and the calendar
// edge cases (Prague midnight in winter and summer).
#include "actors/risk/ftmo_rules.hpp"

#include <gtest/gtest.h>

#include "actors/runtime/calendar.hpp"

namespace verity {
namespace {

constexpr std::int64_t kHour = 3'600'000'000'000;
// 2024-01-15T12:00:00Z, a Monday in winter: Prague is UTC+1, midnight is 23:00 UTC.
const std::int64_t kMonNoon = *parse_iso8601_ns("2024-01-15T12:00:00Z");
// 2024-07-15T12:00:00Z, summer: Prague is UTC+2, midnight is 22:00 UTC.
const std::int64_t kSummerNoon = *parse_iso8601_ns("2024-07-15T12:00:00Z");

TEST(FtmoTracker, DailyLossIsEquityAgainstTheBalanceAtPragueMidnight) {
  FtmoTracker t(FtmoRules::two_step_phase1(100'000));
  t.on_trade(kMonNoon);
  EXPECT_EQ(t.on_account(kMonNoon, 103'000, 103'000, false), FtmoStatus::running);
  // 22:30 UTC is 23:30 in Prague: still Monday, the reference is 100'000.
  EXPECT_EQ(t.on_account(kMonNoon + 10 * kHour + kHour / 2, 103'000, 99'000, true), FtmoStatus::running);
  EXPECT_EQ(t.day_start_balance_usd(), 100'000);
  // 23:30 UTC is Tuesday 00:30 in Prague: the reference is Monday's last
  // balance, 103'000, and the limit is 5% of initial, 5'000: 98'000 is the
  // lowest equity allowed.
  EXPECT_EQ(t.on_account(kMonNoon + 11 * kHour + kHour / 2, 103'000, 98'000, true), FtmoStatus::running);
  EXPECT_EQ(t.day_start_balance_usd(), 103'000);
  EXPECT_EQ(t.on_account(kMonNoon + 12 * kHour, 103'000, 97'999.99, true), FtmoStatus::breached);
  ASSERT_TRUE(t.breach().has_value());
  EXPECT_EQ(t.breach()->rule, FtmoRule::daily_loss);
  EXPECT_EQ(t.breach()->reference_usd, 103'000);
  EXPECT_EQ(t.breach()->limit_usd, 5'000);
  EXPECT_NEAR(t.breach()->loss_usd, 5'000.01, 1e-6);
  EXPECT_NE(t.breach()->describe().find("daily_loss"), std::string::npos);
}

TEST(FtmoTracker, PragueMidnightFollowsSummerTime) {
  FtmoTracker t(FtmoRules::two_step_phase1(100'000));
  t.on_account(kSummerNoon, 102'000, 102'000, false);
  // 21:30 UTC is 23:30 CEST: same day.
  t.on_account(kSummerNoon + 9 * kHour + kHour / 2, 102'000, 102'000, false);
  EXPECT_EQ(t.day_start_balance_usd(), 100'000);
  // 22:30 UTC is 00:30 CEST: the next day.
  t.on_account(kSummerNoon + 10 * kHour + kHour / 2, 102'000, 102'000, false);
  EXPECT_EQ(t.day_start_balance_usd(), 102'000);
}

TEST(FtmoTracker, StaticMaxLossKeepsEquityAtOrAbove90Percent) {
  FtmoTracker t(FtmoRules::two_step_phase1(100'000));
  // Lose 4'000 a day for two days (each within the daily limit)...
  t.on_account(kMonNoon, 96'000, 96'000, false);
  t.on_account(kMonNoon + 24 * kHour, 92'000, 92'000, false);
  // ...then on day three equity at exactly 90'000 is allowed, below is not.
  EXPECT_EQ(t.on_account(kMonNoon + 48 * kHour, 92'000, 90'000, true), FtmoStatus::running);
  EXPECT_EQ(t.max_loss_floor_usd(), 90'000);
  EXPECT_EQ(t.on_account(kMonNoon + 48 * kHour + 1, 92'000, 89'999, true), FtmoStatus::breached);
  EXPECT_EQ(t.breach()->rule, FtmoRule::max_loss);
}

TEST(FtmoTracker, OneStepMaxLossTrailsTheHighestEndOfDayBalance) {
  FtmoTracker t(FtmoRules::one_step(100'000));
  t.on_account(kMonNoon, 106'000, 106'000, false);
  EXPECT_EQ(t.max_loss_floor_usd(), 90'000);  // no day has ended yet
  t.on_account(kMonNoon + 24 * kHour, 104'000, 104'000, false);  // Monday ended at 106'000
  EXPECT_EQ(t.max_loss_floor_usd(), 96'000);
  t.on_account(kMonNoon + 48 * kHour, 102'000, 102'000, false);  // Tuesday ended lower: no change
  EXPECT_EQ(t.max_loss_floor_usd(), 96'000);
  // Wednesday's reference is Tuesday's last balance, 104'000. Daily loss on
  // 1-Step is 3% of initial: 101'000 is allowed, below is not.
  EXPECT_EQ(t.day_start_balance_usd(), 104'000);
  EXPECT_EQ(t.on_account(kMonNoon + 49 * kHour, 102'000, 101'000, true), FtmoStatus::running);
  EXPECT_EQ(t.on_account(kMonNoon + 50 * kHour, 102'000, 100'999, true), FtmoStatus::breached);
  EXPECT_EQ(t.breach()->rule, FtmoRule::daily_loss);
}

TEST(FtmoTracker, PassNeedsTargetFlatAndTradingDays) {
  FtmoTracker t(FtmoRules::two_step_phase1(100'000));
  t.on_trade(kMonNoon);
  // The target on balance, but a position is still open: not yet.
  EXPECT_EQ(t.on_account(kMonNoon, 110'000, 110'500, true), FtmoStatus::running);
  // Flat, but only one trading day of four.
  EXPECT_EQ(t.on_account(kMonNoon + 1, 110'000, 110'000, false), FtmoStatus::running);
  for (int d = 1; d < 4; ++d) t.on_trade(kMonNoon + d * 24 * kHour);
  EXPECT_EQ(t.trading_days(), 4);
  EXPECT_EQ(t.on_account(kMonNoon + 3 * 24 * kHour + 1, 110'000, 110'000, false), FtmoStatus::passed);
  EXPECT_EQ(t.passed_at_ns(), kMonNoon + 3 * 24 * kHour + 1);
  // Final: a later loss changes nothing.
  EXPECT_EQ(t.on_account(kMonNoon + 4 * 24 * kHour, 50'000, 50'000, false), FtmoStatus::passed);
}

TEST(FtmoTracker, TradingDaysAreCountedOnPragueDays) {
  FtmoTracker t(FtmoRules::two_step_phase1(100'000));
  t.on_trade(kMonNoon);                    // Monday
  t.on_trade(kMonNoon + 10 * kHour);       // 22:00 UTC = 23:00 Prague: Monday
  EXPECT_EQ(t.trading_days(), 1);
  t.on_trade(kMonNoon + 11 * kHour + 1);   // 23:00:00+ UTC = Tuesday in Prague
  EXPECT_EQ(t.trading_days(), 2);
}

TEST(FtmoTracker, OneStepBestDayRuleHoldsThePassBack) {
  FtmoTracker t(FtmoRules::one_step(100'000));
  t.on_trade(kMonNoon);
  // Monday makes 8'000; the total reaches 10'000 on Tuesday. The best day
  // (8'000) is over 50% of the profit: no pass.
  t.on_account(kMonNoon, 108'000, 108'000, false);
  EXPECT_EQ(t.on_account(kMonNoon + 24 * kHour, 110'000, 110'000, false), FtmoStatus::running);
  EXPECT_EQ(t.best_day_profit_usd(), 8'000);
  // By Thursday the profit is 16'000 and 8'000 is exactly 50%: passed.
  t.on_account(kMonNoon + 48 * kHour, 113'000, 113'000, false);
  EXPECT_EQ(t.on_account(kMonNoon + 72 * kHour, 116'000, 116'000, false), FtmoStatus::passed);
}

TEST(FtmoTracker, GuardrailHeadroomIsTheTighterOfDailyAndTotal) {
  FtmoTracker t(FtmoRules::two_step_phase1(100'000));
  // Fresh: daily guard 4'500, total guard 9'000: daily is tighter.
  t.on_account(kMonNoon, 100'000, 100'000, false);
  EXPECT_DOUBLE_EQ(t.guard_headroom_usd(), 4'500);
  // Down 3'000 today: 1'500 left.
  t.on_account(kMonNoon + 1, 97'000, 97'000, false);
  EXPECT_DOUBLE_EQ(t.guard_headroom_usd(), 1'500);
  // Tuesday closes 4'000 lower; Wednesday starts from 93'000: daily room
  // 4'500, total room 93'000 - 91'000 = 2'000.
  t.on_account(kMonNoon + 24 * kHour, 97'000, 97'000, false);
  t.on_account(kMonNoon + 24 * kHour + 1, 93'000, 93'000, false);
  t.on_account(kMonNoon + 48 * kHour, 93'000, 93'000, false);
  EXPECT_EQ(t.day_start_balance_usd(), 93'000);
  EXPECT_DOUBLE_EQ(t.guard_headroom_usd(), 2'000);
  // Past the total guard (but not the firm's limit): nothing may be added.
  EXPECT_EQ(t.on_account(kMonNoon + 48 * kHour + 1, 93'000, 90'500, true), FtmoStatus::running);
  EXPECT_DOUBLE_EQ(t.guard_headroom_usd(), 0);
}

TEST(FtmoTracker, VerificationTargetIsFivePercent) {
  FtmoTracker t(FtmoRules::two_step_verification(50'000));
  for (int d = 0; d < 4; ++d) t.on_trade(kMonNoon + d * 24 * kHour);
  EXPECT_EQ(t.on_account(kMonNoon + 3 * 24 * kHour, 52'499, 52'499, false), FtmoStatus::running);
  EXPECT_EQ(t.on_account(kMonNoon + 3 * 24 * kHour + 1, 52'500, 52'500, false), FtmoStatus::passed);
}

}  // namespace
}  // namespace verity
