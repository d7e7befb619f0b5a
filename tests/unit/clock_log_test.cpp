// The Clock's two implementations, and the JSON-line log format every line
// must follow (DESIGN.md, Observability).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "actors/runtime/clock.hpp"
#include "actors/runtime/log.hpp"

namespace verity {
namespace {

TEST(SimClock, MovesOnlyForwardAndOnlyWhenTold) {
  SimClock c(1'000);
  EXPECT_EQ(c.now_ns(), 1'000);
  EXPECT_EQ(c.now_ns(), 1'000);  // reading does not advance it
  c.advance_to(5'000);
  EXPECT_EQ(c.now_ns(), 5'000);
  c.advance_to(2'000);  // earlier: ignored, the clock stays monotonic
  EXPECT_EQ(c.now_ns(), 5'000);
}

TEST(LiveClock, IsStrictlyIncreasingAndNearTheWallClock) {
  LiveClock c;
  std::int64_t last = c.now_ns();
  // 2020-01-01 and 2100-01-01: a reading outside these is not wall time.
  EXPECT_GT(last, 1'577'836'800'000'000'000);
  EXPECT_LT(last, 4'102'444'800'000'000'000);
  for (int i = 0; i < 10'000; ++i) {
    const std::int64_t now = c.now_ns();
    ASSERT_GT(now, last);
    last = now;
  }
}

TEST(Stopwatch, MeasuresElapsedTimeForward) {
  Stopwatch w;
  EXPECT_GE(w.elapsed_s(), 0.0);
  EXPECT_LT(w.elapsed_s(), 60.0);
}

TEST(Logger, EveryLineIsOneJsonObjectWithTheRequiredFields) {
  Logger log(Mode::SIM, 0x0123456789abcdefULL, LogLevel::debug);
  ::testing::internal::CaptureStderr();
  log.event(LogLevel::info, 1'704'067'260'000'000'000, 42, "risk", "signal_rejected",
            {{"pair", "BTCUSDT"}, {"reason", "dailyLoss"}});
  log.event(LogLevel::debug, 0, 43, "execution", "fill");
  log.event(LogLevel::trace, 0, 44, "feed", "not_written");  // below the level
  const std::string out = ::testing::internal::GetCapturedStderr();

  std::istringstream lines(out);
  std::string line;
  std::vector<nlohmann::json> parsed;
  while (std::getline(lines, line)) parsed.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(parsed.size(), 2u) << out;
  const auto& first = parsed[0];
  for (const char* field : {"ts", "level", "mode", "session", "seq", "actor", "event"}) {
    EXPECT_TRUE(first.contains(field)) << field << " missing in " << first.dump();
  }
  EXPECT_EQ(first["ts"], "2024-01-01T00:01:00.000Z");  // logical time, not wall time
  EXPECT_EQ(first["mode"], "sim");
  EXPECT_EQ(first["session"], "0123456789abcdef");
  EXPECT_EQ(first["seq"], 42);
  EXPECT_EQ(first["actor"], "risk");
  EXPECT_EQ(first["event"], "signal_rejected");
  EXPECT_EQ(first["pair"], "BTCUSDT");
  EXPECT_EQ(parsed[1]["level"], "debug");
}

TEST(Logger, SilentWritesNothing) {
  const Logger log = Logger::silent();
  EXPECT_FALSE(log.enabled(LogLevel::error));
  ::testing::internal::CaptureStderr();
  log.event(LogLevel::error, 0, 1, "feed", "anything");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace verity
