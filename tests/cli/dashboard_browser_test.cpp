// The ops dashboard in a real browser: an OpsServer on loopback serves the
// page and /api/status; headless Chromium loads it, runs its script and
// dumps the DOM, which must show the status' numbers, not just the empty
// page. Skips when no chromium is installed (apt-get install chromium;
// infra/deps.sh has it).
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <regex>

#include "actors/runtime/clock.hpp"
#include "live/ops/live_metrics.hpp"
#include "live/ops/ops_server.hpp"
#include "live/ops/status.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace verity {
namespace {

constexpr std::int64_t kT0 = 1'704'067'200'000'000'000;  // 2024-01-01T00:00:00Z
constexpr std::int64_t kSecond = 1'000'000'000;

std::string find_chromium() {
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (std::filesystem::exists(path)) return path;
  }
  return "";
}

/// Loads `url` in headless Chromium and returns the DOM after its scripts
/// ran (virtual time lets the 2 s refresh fire without waiting for it).
testing::CommandResult dump_dom(const std::string& browser, const std::string& url) {
  testing::TempDir profile;
  return testing::run_command(
      "timeout 60 " + browser +
      " --headless --disable-gpu --no-sandbox --disable-dev-shm-usage --disable-background-networking"
      " --no-first-run --no-default-browser-check --disable-extensions --disable-sync --user-data-dir=" +
      profile.sub("profile") + " --virtual-time-budget=5000 --dump-dom '" + url + "'");
}

LiveStatus busy_status() {
  LiveStatus s;
  s.mode = "live";
  s.session = "00c0ffee00c0ffee";
  s.started_ns = kT0;
  s.now_ns = kT0 + 7200 * kSecond;
  s.last_bar_close_ns = {{"BTCUSDT", s.now_ns - 20 * kSecond}, {"ETHUSDT", s.now_ns - 20 * kSecond}};
  s.feed_connected = true;
  s.bars = 240;
  s.signals = 3;
  s.orders = 1;
  s.fills = 1;
  s.rejections = 2;
  s.equity_usd = 101'234.56;
  s.balance_usd = 100'980.5;
  s.day_start_balance_usd = 100'000;
  s.positions = {{"SOLUSDT", 12.5, 98.25, 100.5, 28.125}};
  s.ftmo = {"phase1-trading", 1, 1.23, 10, 0.2, 5, 0.4, 10, 2, 4};
  s.recent_signals = {{kT0 + 600 * kSecond, "BTCUSDT", "long", "high", "accepted", 0.74},
                      {kT0 + 900 * kSecond, "ETHUSDT", "short", "low", "rejected: <b>kill switch</b>", 0.58}};
  for (int i = 0; i <= 120; ++i) s.equity_curve.emplace_back(kT0 + i * 60 * kSecond, 100'000 + 10.2 * i);
  s.kill_switch = true;
  s.kill_switch_source = "telegram";
  s.threshold = 0.6;
  return s;
}

/// The text inside the element with id `id` (no nested tags), or "".
/// Chromium dumps the DOM with the inline script after the rendered body.
std::string text_of(const std::string& dom, const std::string& id) {
  const std::regex re("id=\"" + id + "\"[^>]*>([^<]*)<");
  std::smatch m;
  return std::regex_search(dom, m, re) ? m[1].str() : "";
}

TEST(DashboardBrowser, RendersTheStatusFromApiStatus) {
  StatusBoard board;
  board.publish(busy_status());
  MetricsRegistry registry;
  auto server = OpsServer::start("127.0.0.1", 0, board, registry, 90);
  ASSERT_TRUE(server.has_value()) << server.error();

  const std::string browser = find_chromium();
  if (browser.empty()) {
    GTEST_SKIP() << "no chromium at /usr/bin/chromium: apt-get install chromium (infra/deps.sh) to render the "
                    "dashboard in a headless browser";
  }
  const Stopwatch watch;
  const auto r = dump_dom(browser, (*server)->base_url() + "/");
  std::cout << "[ dashboard ] headless chromium took " << watch.elapsed_s() << " s\n";
  ASSERT_EQ(r.exit_code, 0) << "chromium failed:\n" << r.err.substr(0, 2000);
  const std::string& dom = r.out;

  // The script ran and rendered /api/status at least once, without error.
  static const std::regex renders(R"re(data-renders="(\d+)")re");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(dom, m, renders)) << dom.substr(0, 3000);
  EXPECT_GE(std::stoi(m[1].str()), 1) << "the page never rendered the status; DOM:\n" << dom.substr(0, 4000);
  EXPECT_EQ(text_of(dom, "dash-error"), "");

  EXPECT_EQ(text_of(dom, "mode"), "LIVE");
  EXPECT_EQ(text_of(dom, "kill-switch"), "ON");
  EXPECT_EQ(text_of(dom, "kill-switch-source"), "(telegram)");
  EXPECT_EQ(text_of(dom, "equity"), "101,234.56");
  EXPECT_EQ(text_of(dom, "ftmo-state"), "phase1-trading");
  EXPECT_EQ(text_of(dom, "ftmo-days"), "2 of 4 minimum");
  EXPECT_EQ(text_of(dom, "ready"), "READY");
  EXPECT_EQ(text_of(dom, "session"), "00c0ffee00c0ffee");
  EXPECT_TRUE(testing::contains(dom, "<td>SOLUSDT</td>"));
  EXPECT_TRUE(testing::contains(dom, ">28.13</td>"));  // unrealized USD, 2 decimals
  EXPECT_TRUE(testing::contains(dom, "<td>BTCUSDT</td><td>long</td><td>high</td>"));
  EXPECT_TRUE(testing::contains(dom, ">0.74</td>"));
  // Text from the status is text, not markup.
  EXPECT_TRUE(testing::contains(dom, "rejected: &lt;b&gt;kill switch&lt;/b&gt;"));
  EXPECT_FALSE(testing::contains(dom, "<b>kill switch</b>"));
  // The equity line was drawn from all 121 points.
  EXPECT_TRUE(testing::contains(dom, "data-points=\"121\""));
  EXPECT_TRUE(testing::contains(dom, "<path class=\"line\" d=\"M0.0 "));
}

TEST(DashboardBrowser, RendersSensiblyWithNoDataYet) {
  StatusBoard board;  // nothing published
  MetricsRegistry registry;
  auto server = OpsServer::start("127.0.0.1", 0, board, registry, 90);
  ASSERT_TRUE(server.has_value()) << server.error();
  const std::string browser = find_chromium();
  if (browser.empty()) GTEST_SKIP() << "no chromium at /usr/bin/chromium: apt-get install chromium";
  const auto r = dump_dom(browser, (*server)->base_url() + "/");
  ASSERT_EQ(r.exit_code, 0) << r.err.substr(0, 2000);
  const std::string& dom = r.out;
  EXPECT_TRUE(testing::contains(dom, "data-renders=\"")) << dom.substr(0, 2000);
  EXPECT_FALSE(testing::contains(dom, "data-renders=\"0\"")) << "the script did not render the (empty) status";
  EXPECT_EQ(text_of(dom, "dash-error"), "");
  EXPECT_EQ(text_of(dom, "mode"), "NO DATA");
  EXPECT_EQ(text_of(dom, "ready"), "NOT READY");
  EXPECT_TRUE(testing::contains(dom, "no open positions"));
  EXPECT_TRUE(testing::contains(dom, "no signals yet"));
  EXPECT_TRUE(testing::contains(dom, "no equity curve yet"));
  // No JavaScript leftovers in what the page shows (the script itself aside).
  const std::string shown = dom.substr(0, dom.find("<script>"));
  EXPECT_FALSE(testing::contains(shown, "NaN"));
  EXPECT_FALSE(testing::contains(shown, "undefined"));
  EXPECT_FALSE(testing::contains(shown, "null"));
}

}  // namespace
}  // namespace verity
