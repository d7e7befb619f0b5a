// The challenge report (sim/report.*): summary.json, attempts.csv, and
// report.html rendered by headless Chromium, whose dumped DOM must show
// every chart drawn by the page's script and no script error. Skips when no
// chromium is installed (apt-get install chromium; infra/deps.sh has it).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

#include "actors/runtime/clock.hpp"
#include "sim/report.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/files.hpp"

namespace verity {
namespace {

constexpr std::int64_t kStartNs = 1'704'067'200'000'000'000;  // 2024-01-01T00:00:00Z
constexpr std::int64_t kHourNs = 3'600'000'000'000;
constexpr int kCharts = 4;

using testing::slurp;

/// Hourly equity for `hours` hours: a drift plus a deterministic wiggle.
std::vector<EquityPoint> curve(int hours, double drift_per_hour, int phase) {
  std::vector<EquityPoint> c;
  double eq = 100'000;
  for (int h = 0; h <= hours; ++h) {
    c.push_back({kStartNs + h * kHourNs, eq});
    eq += drift_per_hour + 150.0 * (((h * 7 + phase) % 11) - 5) / 5.0;
  }
  return c;
}

AttemptResult attempt(std::uint64_t i, AttemptOutcome outcome, double days) {
  AttemptResult a;
  a.index = i;
  a.seed = 1000 + i;
  a.outcome = outcome;
  a.phase = outcome == AttemptOutcome::passed ? 2 : 1;
  a.days = days;
  a.trading_days = static_cast<int>(days);
  a.start_ns = kStartNs;
  a.end_ns = kStartNs + static_cast<std::int64_t>(days * 24) * kHourNs;
  a.bars = static_cast<std::uint64_t>(days * 24 * 60);
  a.equity_end_usd = 100'000 + 500.0 * static_cast<double>(i);
  a.final_hash = "0123456789abcdef0123456789abcde" + std::to_string(i % 10);
  a.metrics.return_pct = 1.5 * static_cast<double>(i);
  a.metrics.sharpe = 0.25 * static_cast<double>(i);
  a.metrics.trades = 10 + i;
  a.metrics.days = days;
  return a;
}

struct Batch {
  BatchSummary summary;
  std::vector<AttemptResult> attempts;
};

/// 3 passed, 2 breached (daily_loss with a gap-through stop, max_loss), 2
/// expired and 1 failed; the first five keep hourly curves.
Batch mixed_batch() {
  Batch b;
  auto& v = b.attempts;
  v.push_back(attempt(0, AttemptOutcome::passed, 12.5));
  v.push_back(attempt(1, AttemptOutcome::passed, 9.25));
  v.push_back(attempt(2, AttemptOutcome::passed, 12.75));
  v.push_back(attempt(3, AttemptOutcome::breached, 4.5));
  v.back().breach_rule = "daily_loss";
  v.back().breach_time_ns = kStartNs + 108 * kHourNs;
  v.back().breach_equity_usd = 94'800;
  v.back().breach_reference_usd = 100'000;
  v.back().breach_limit_usd = 5'000;
  v.back().breach_loss_usd = 5'200;
  v.back().breach_gap_through_stop = true;
  v.back().detail = "daily loss 5200 > 5000, \"gap\" through the stop at 94,800 </script>";
  v.push_back(attempt(4, AttemptOutcome::breached, 20));
  v.back().breach_rule = "max_loss";
  v.back().breach_time_ns = kStartNs + 480 * kHourNs;
  v.back().breach_equity_usd = 89'900;
  v.back().breach_reference_usd = 100'000;
  v.back().breach_limit_usd = 10'000;
  v.back().breach_loss_usd = 10'100;
  v.push_back(attempt(5, AttemptOutcome::expired, 30));
  v.push_back(attempt(6, AttemptOutcome::expired, 30));
  v.push_back(attempt(7, AttemptOutcome::failed, 0.5));
  v.back().detail = "store: cannot open\nline two";
  v[0].curve = curve(300, 40, 0);
  v[1].curve = curve(222, 55, 3);
  v[3].curve = curve(108, -48, 1);
  v[4].curve = curve(480, -21, 5);
  v[5].curve = curve(720, 3, 2);

  auto& s = b.summary;
  s.scenario = "scenarios/ftmo_2step.toml";
  s.variant = "2step";
  s.base_seed = 1000;
  s.attempts = v.size();
  s.passed = 3;
  s.pass_rate = 3.0 / 8.0;
  s.ci95_low = 0.136;
  s.ci95_high = 0.694;
  s.median_days_to_pass = 12.5;
  s.breaches = {{"daily_loss", 1}, {"max_loss", 1}};
  s.outcomes = {{"passed", 3}, {"breached", 2}, {"expired", 2}, {"failed", 1}};
  s.final_hash = "fedcba9876543210fedcba9876543210";
  s.gate_attempts = 8;
  s.gate_required_pct = 70;
  s.gate_rate_pct = 37.5;
  s.gate_evaluated = true;
  s.gate_passed = false;
  s.checks = {{"deterministic_replay", true}, {"no_gap_through", false}};
  s.aggregate.mean = {{"return_pct", 5.25}, {"sharpe", 0.875}, {"trades", 13.5}};
  s.aggregate.median = {{"return_pct", 5.25}, {"sharpe", 0.875}, {"trades", 13.5}};
  s.bars = 0;
  for (const auto& a : v) s.bars += a.bars;
  s.threads = 2;
  s.elapsed_s = 1.25;
  return b;
}

/// 5 attempts, none passed, no curves, no breaches.
Batch empty_batch() {
  Batch b;
  for (std::uint64_t i = 0; i < 5; ++i) b.attempts.push_back(attempt(i, AttemptOutcome::expired, 30));
  auto& s = b.summary;
  s.scenario = "s.toml";
  s.variant = "1step";
  s.attempts = 5;
  s.outcomes = {{"expired", 5}};
  s.final_hash = "00";
  s.gate_attempts = 20;
  s.gate_required_pct = 70;
  s.threads = 1;
  return b;
}

std::string find_chromium() {
  for (const char* name : {"chromium", "chromium-browser"}) {
    const std::string cmd = std::string("command -v ") + name + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) return name;
  }
  return "";
}

struct Dump {
  int exit_code = -1;
  std::string dom;
  double seconds = 0;
};

/// Loads report.html in headless Chromium and returns the DOM after its
/// scripts ran. The profile lives in a fresh temp dir.
Dump dump_dom(const std::string& browser, const std::string& html_path) {
  testing::TempDir profile;
  const std::string out = profile.sub("dom.html");
  const std::string cmd = "timeout 60 " + browser +
                          " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage"
                          " --disable-background-networking --no-first-run --no-default-browser-check"
                          " --disable-extensions --disable-sync --user-data-dir=" +
                          profile.sub("profile") + " --virtual-time-budget=5000 --dump-dom 'file://" + html_path +
                          "' >" + out + " 2>/dev/null </dev/null";
  const Stopwatch watch;
  const int status = std::system(cmd.c_str());
  Dump d;
  d.seconds = watch.elapsed_s();
  d.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  d.dom = slurp(out);
  return d;
}

/// The opening tag and the content of <svg id="id">...</svg> in `dom`.
struct Svg {
  bool found = false;
  std::string tag, body;
};
Svg find_svg(const std::string& dom, const std::string& id) {
  Svg s;
  const auto at = dom.find("id=\"" + id + "\"");
  if (at == std::string::npos) return s;
  const auto open = dom.rfind("<svg", at);
  const auto tag_end = dom.find('>', at);
  const auto close = dom.find("</svg>", tag_end);
  if (open == std::string::npos || tag_end == std::string::npos || close == std::string::npos) return s;
  s.found = true;
  s.tag = dom.substr(open, tag_end - open + 1);
  s.body = dom.substr(tag_end + 1, close - tag_end - 1);
  return s;
}

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto p = text.find(part); p != std::string::npos; p = text.find(part, p + 1)) ++n;
  return n;
}

/// Every http:// or https:// in `html` is the SVG namespace.
void expect_offline(const std::string& html) {
  static const std::regex url(R"(https?://[^\s"'<>)]*)");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), url); it != std::sregex_iterator(); ++it) {
    EXPECT_EQ(it->str(), "http://www.w3.org/2000/svg") << "the report references the network";
  }
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
}

/// Renders the report and checks every chart was drawn without an error.
/// Returns the DOM ("" when skipped).
std::string expect_renders(const std::string& html_path) {
  const std::string browser = find_chromium();
  if (browser.empty()) return "";
  const Dump d = dump_dom(browser, html_path);
  EXPECT_EQ(d.exit_code, 0) << "chromium failed";
  std::cout << "[ report ] headless chromium took " << d.seconds << " s\n";
  EXPECT_NE(d.dom.find("data-charts-drawn=\"" + std::to_string(kCharts) + "\""), std::string::npos)
      << "not every chart was drawn; DOM:\n" << d.dom.substr(0, 4000);
  for (const char* id : {"chart-equity", "chart-drawdown", "chart-days-to-pass", "chart-breaches"}) {
    const Svg svg = find_svg(d.dom, id);
    EXPECT_TRUE(svg.found) << id;
    if (!svg.found) continue;
    EXPECT_NE(svg.tag.find("data-drawn=\"1\""), std::string::npos) << id << ": " << svg.tag;
    EXPECT_TRUE(svg.body.find("<path") != std::string::npos || svg.body.find("<rect") != std::string::npos)
        << id << " has nothing drawn";
  }
  static const std::regex error_pre(R"(<pre id="report-error"[^>]*>([^<]*)</pre>)");
  std::smatch m;
  EXPECT_TRUE(std::regex_search(d.dom, m, error_pre)) << "no report-error element";
  if (!m.empty()) {
    EXPECT_EQ(m[1].str(), "") << "the page's script failed";
  }
  return d.dom;
}

TEST(ReportSummary, KeysInOrderAndGateText) {
  const Batch b = mixed_batch();
  const auto j = summary_json(b.summary);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  const std::vector<std::string> want = {
      "attempts", "passed",  "pass_rate", "pass_rate_ci95", "median_days_to_pass", "breaches", "outcomes",
      "final_hash", "gate",  "checks",    "scenario",       "variant",             "seed",     "bars",
      "threads",  "elapsed_s", "bars_per_s", "bars_per_s_per_core", "metrics"};
  EXPECT_EQ(keys, want);
  EXPECT_EQ(j["gate"]["text"], "failed: 3 of 8 attempts passed (37.5%) < 70%");
  EXPECT_DOUBLE_EQ(j["bars_per_s"].get<double>(), static_cast<double>(b.summary.bars) / 1.25);
  EXPECT_DOUBLE_EQ(j["bars_per_s_per_core"].get<double>(), static_cast<double>(b.summary.bars) / 1.25 / 2);
  EXPECT_TRUE(j["pass_rate"].is_number_float());
  EXPECT_EQ(j["pass_rate_ci95"].size(), 2u);

  BatchSummary s;
  s.attempts = 20;
  s.gate_attempts = 20;
  s.gate_required_pct = 70;
  s.gate_rate_pct = 75;
  s.gate_evaluated = true;
  s.gate_passed = true;
  EXPECT_EQ(gate_text(s), "passed: 15 of 20 attempts passed (75.0%) >= 70%");
  s.attempts = 5;
  s.gate_evaluated = false;
  EXPECT_EQ(gate_text(s), "not evaluated: 5 attempts ran, the gate needs 20");

  // Always both loss rules and all four outcomes, even at 0.
  const auto e = summary_json(empty_batch().summary);
  EXPECT_EQ(e["breaches"], nlohmann::ordered_json::parse(R"({"daily_loss":0,"max_loss":0})"));
  EXPECT_EQ(e["outcomes"], nlohmann::ordered_json::parse(R"({"passed":0,"breached":0,"expired":5,"failed":0})"));
  EXPECT_EQ(e["bars_per_s"], 0.0);
}

TEST(ReportSummary, DeterministicApartFromWallTime) {
  Batch a = mixed_batch(), b = mixed_batch();
  b.summary.elapsed_s = 99;
  EXPECT_EQ(attempts_csv(a.attempts), attempts_csv(b.attempts));
  auto ja = summary_json(a.summary), jb = summary_json(b.summary);
  for (const char* k : {"elapsed_s", "bars_per_s", "bars_per_s_per_core"}) {
    ja.erase(k);
    jb.erase(k);
  }
  EXPECT_EQ(ja.dump(), jb.dump());
}

TEST(ReportCsv, HeaderRowsAndQuoting) {
  const Batch b = mixed_batch();
  const std::string csv = attempts_csv(b.attempts);
  const auto first_line = csv.substr(0, csv.find('\n'));
  EXPECT_EQ(first_line.rfind("index,seed,outcome,phase,days,trading_days,start,end,bars,equity_end_usd,breach_rule,"
                             "breach_time,breach_equity_usd,breach_reference_usd,breach_limit_usd,breach_loss_usd,"
                             "gap_through_stop,final_hash,",
                             0),
            0u)
      << first_line;
  EXPECT_NE(first_line.find(",sharpe,"), std::string::npos) << first_line;
  EXPECT_TRUE(first_line.ends_with(",detail")) << first_line;
  EXPECT_TRUE(testing::contains(csv, "3,1003,breached,1,4.5,4,2024-01-01T00:00:00.000Z,2024-01-05T12:00:00.000Z,"
                                     "6480,101500,daily_loss,2024-01-05T12:00:00.000Z,94800,100000,5000,5200,1,"));
  EXPECT_TRUE(testing::contains(csv, ",\"daily loss 5200 > 5000, \"\"gap\"\" through the stop at 94,800 </script>\"\n"));
  EXPECT_TRUE(testing::contains(csv, ",\"store: cannot open\nline two\"\n"));
  // A row without a breach leaves the breach columns empty.
  EXPECT_TRUE(testing::contains(csv, "\n0,1000,passed,2,12.5,12,"));
  EXPECT_TRUE(testing::contains(csv, ",100000,,,,,,,0,0123456789abcdef0123456789abcde0,"));
}

TEST(ReportBrowser, DrawsEveryChart) {
  testing::TempDir dir;
  const Batch b = mixed_batch();
  const std::string out = dir.sub("report/nested");
  auto r = write_report(out, b.summary, b.attempts);
  ASSERT_TRUE(r.has_value()) << r.error();

  // summary.json: one line, the keys, parses.
  const std::string summary_text = slurp(out + "/summary.json");
  EXPECT_EQ(count(summary_text, "\n"), 1u);
  const auto summary = nlohmann::json::parse(summary_text);
  for (const char* k : {"attempts", "passed", "pass_rate", "pass_rate_ci95", "median_days_to_pass", "breaches",
                        "outcomes", "final_hash", "gate", "checks", "scenario", "variant", "seed", "bars", "threads",
                        "elapsed_s", "bars_per_s", "bars_per_s_per_core", "metrics"}) {
    EXPECT_TRUE(summary.contains(k)) << k;
  }
  EXPECT_EQ(summary["attempts"], 8);
  EXPECT_EQ(summary["breaches"]["daily_loss"], 1);

  // attempts.csv: header + one line per attempt (the failed one's detail
  // holds a quoted line break, so count records, not raw lines, there).
  const std::string csv = slurp(out + "/attempts.csv");
  EXPECT_EQ(count(csv, "\n"), b.attempts.size() + 1 + 1);

  // VERITY_KEEP_REPORT=<dir> keeps a copy of the report to look at.
  if (const char* keep = std::getenv("VERITY_KEEP_REPORT")) {
    std::filesystem::copy(out, keep, std::filesystem::copy_options::recursive |
                                         std::filesystem::copy_options::overwrite_existing);
  }

  const std::string html = slurp(out + "/report.html");
  expect_offline(html);
  EXPECT_EQ(html.find("94,800 </script>"), std::string::npos) << "a </script> leaked out of escaping";
  EXPECT_TRUE(testing::contains(html, "failed: 3 of 8 attempts passed (37.5%) &lt; 70%"));
  EXPECT_TRUE(testing::contains(html, b.summary.final_hash));

  if (find_chromium().empty()) {
    GTEST_SKIP() << "no chromium or chromium-browser on PATH: apt-get install chromium (infra/deps.sh) to render "
                    "report.html in a headless browser";
  }
  const std::string dom = expect_renders(out + "/report.html");
  // One path per sample curve in each of the two line charts, and the bars.
  EXPECT_EQ(count(find_svg(dom, "chart-equity").body, "class=\"series"), 5u);
  EXPECT_EQ(count(find_svg(dom, "chart-drawdown").body, "class=\"series"), 5u);
  EXPECT_EQ(count(find_svg(dom, "chart-days-to-pass").body, "class=\"bar\""), 2u);  // days 9 and 12
  EXPECT_EQ(count(find_svg(dom, "chart-breaches").body, "class=\"bar\""), 4u);      // 2 rules, expired, failed
  for (const char* entry : {"passed (2)", "breached (2)", "expired (1)"}) {
    EXPECT_NE(dom.find(entry), std::string::npos) << "legend entry " << entry;
  }
}

TEST(ReportBrowser, NoPassesNoCurves) {
  testing::TempDir dir;
  const Batch b = empty_batch();
  auto r = write_report(dir.str(), b.summary, b.attempts);
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(count(slurp(dir.sub("attempts.csv")), "\n"), b.attempts.size() + 1);
  const std::string html = slurp(dir.sub("report.html"));
  expect_offline(html);
  EXPECT_TRUE(testing::contains(html, "not evaluated: 5 attempts ran, the gate needs 20"));

  if (find_chromium().empty()) {
    GTEST_SKIP() << "no chromium or chromium-browser on PATH: apt-get install chromium (infra/deps.sh) to render "
                    "report.html in a headless browser";
  }
  const std::string dom = expect_renders(dir.sub("report.html"));
  EXPECT_TRUE(testing::contains(dom, "no attempt passed"));
  EXPECT_TRUE(testing::contains(dom, "no equity curves recorded"));
}

TEST(ReportBrowser, NoAttemptsAtAll) {
  testing::TempDir dir;
  BatchSummary s;
  auto r = write_report(dir.str(), s, {});
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(count(slurp(dir.sub("attempts.csv")), "\n"), 1u);
  if (find_chromium().empty()) GTEST_SKIP() << "no chromium on PATH: apt-get install chromium";
  expect_renders(dir.sub("report.html"));
}

TEST(ReportWrite, ErrorNamesPathAndCause) {
  testing::TempDir dir;
  const std::string file = dir.sub("a-file");
  std::ofstream(file) << "x";
  auto r = write_report(file + "/sub", BatchSummary{}, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(testing::contains(r.error(), file + "/sub")) << r.error();
  EXPECT_TRUE(testing::contains(r.error(), "Not a directory")) << r.error();
}

}  // namespace
}  // namespace verity
