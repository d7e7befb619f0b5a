// The ops endpoints (live/ops/): the Prometheus text format to the byte,
// the status JSON, readiness, and the server on loopback answering
// /healthz, /metrics, /api/status, / and 404.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <regex>
#include <thread>

#include "live/net/http_client.hpp"
#include "live/ops/dashboard.hpp"
#include "live/ops/health.hpp"
#include "live/ops/live_metrics.hpp"
#include "live/ops/ops_server.hpp"
#include "live/ops/prometheus.hpp"
#include "live/ops/status.hpp"
#include "tests/support/run_command.hpp"

namespace verity {
namespace {

constexpr std::int64_t kT0 = 1'704'067'200'000'000'000;  // 2024-01-01T00:00:00Z
constexpr std::int64_t kSecond = 1'000'000'000;

LiveStatus sample_status() {
  LiveStatus s;
  s.mode = "dryrun";
  s.session = "0123456789abcdef";
  s.started_ns = kT0;
  s.now_ns = kT0 + 3600 * kSecond + 5 * kSecond;
  s.last_bar_close_ns = {{"BTCUSDT", kT0 + 3600 * kSecond}, {"ETHUSDT", kT0 + 3540 * kSecond}};
  s.bars_by_symbol = {{"BTCUSDT", 60}, {"ETHUSDT", 59}};
  s.feed_connected = true;
  s.bars = 119;
  s.signals = 7;
  s.orders = 3;
  s.fills = 3;
  s.rejections = 4;
  s.reconnects = 1;
  s.venue_errors = 2;
  s.telegram_commands = 5;
  s.equity_usd = 101'234.5;
  s.balance_usd = 100'800.25;
  s.day_start_balance_usd = 100'000;
  s.positions = {{"BTCUSDT", 0.25, 42'000.5, 43'000.75, 250.0625}};
  s.ftmo = {"active", 1, 1.2345, 10, 0.5, 5, 0.75, 10, 3, 4};
  s.recent_signals = {{kT0 + 60 * kSecond, "BTCUSDT", "long", "high", "accepted", 0.71},
                      {kT0 + 120 * kSecond, "ETHUSDT", "short", "low", "rejected: below threshold", 0.52}};
  s.equity_curve = {{kT0, 100'000}, {kT0 + 1800 * kSecond, 100'500.5}, {kT0 + 3600 * kSecond, 101'234.5}};
  s.return_7d_pct = 1.23;
  s.return_30d_pct = -0.5;
  s.trades_7d = 4;
  s.trades_30d = 9;
  s.win_rate_7d_pct = 75;
  s.win_rate_30d_pct = 44.4;
  s.kill_switch = true;
  s.kill_switch_source = "telegram";
  s.threshold = 0.6;
  return s;
}

// --- Prometheus text format ---------------------------------------------------

TEST(OpsPrometheus, GoldenTextForASmallRegistry) {
  MetricsRegistry r;
  r.counter("app_requests_total", "Requests served.", {{"code", "200"}, {"method", "get"}}).inc(3);
  r.counter("app_requests_total", "Requests served.", {{"code", "500"}, {"method", "get"}}).inc();
  r.gauge("app_temperature_celsius", "Temperature\\now\nsecond line.").set(-1.5);
  Histogram& h = r.histogram("app_latency_seconds", "Latency.", {0.1, 0.5, 1});
  for (double v : {0.05, 0.1, 0.2, 0.7, 3.0}) h.observe(v);
  const std::string want =
      "# HELP app_latency_seconds Latency.\n"
      "# TYPE app_latency_seconds histogram\n"
      "app_latency_seconds_bucket{le=\"0.1\"} 2\n"
      "app_latency_seconds_bucket{le=\"0.5\"} 3\n"
      "app_latency_seconds_bucket{le=\"1\"} 4\n"
      "app_latency_seconds_bucket{le=\"+Inf\"} 5\n"
      "app_latency_seconds_sum 4.05\n"
      "app_latency_seconds_count 5\n"
      "# HELP app_requests_total Requests served.\n"
      "# TYPE app_requests_total counter\n"
      "app_requests_total{code=\"200\",method=\"get\"} 3\n"
      "app_requests_total{code=\"500\",method=\"get\"} 1\n"
      "# HELP app_temperature_celsius Temperature\\\\now\\nsecond line.\n"
      "# TYPE app_temperature_celsius gauge\n"
      "app_temperature_celsius -1.5\n";
  EXPECT_EQ(r.render(), want);
}

TEST(OpsPrometheus, HistogramBucketsAreCumulativeAndInclusive) {
  MetricsRegistry r;
  Histogram& h = r.histogram("lat_seconds", "x", latency_buckets_s(), {{"stage", "decide"}});
  // One observation exactly on each bound (le is inclusive), one above all.
  const auto bounds = latency_buckets_s();
  for (double b : bounds) h.observe(b);
  h.observe(2.0);
  h.observe(0.0);
  const auto snap = h.snapshot();
  ASSERT_EQ(snap.cumulative.size(), bounds.size() + 1);
  EXPECT_EQ(snap.cumulative[0], 2u);  // 0 and 50 µs
  for (std::size_t i = 1; i < bounds.size(); ++i) EXPECT_EQ(snap.cumulative[i], i + 2) << "bucket " << i;
  EXPECT_EQ(snap.cumulative.back(), snap.count);
  EXPECT_EQ(snap.count, bounds.size() + 2);

  // The text has the same cumulative counts, bucket by bucket, in order.
  const std::string text = r.render();
  std::uint64_t previous = 0;
  int lines = 0;
  static const std::regex bucket(R"re(lat_seconds_bucket\{stage="decide",le="([^"]+)"\} (\d+))re");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), bucket); it != std::sregex_iterator(); ++it) {
    const std::uint64_t v = std::stoull((*it)[2].str());
    EXPECT_GE(v, previous) << (*it)[0].str();
    previous = v;
    ++lines;
  }
  EXPECT_EQ(lines, static_cast<int>(bounds.size()) + 1);
  EXPECT_TRUE(testing::contains(text, "lat_seconds_bucket{stage=\"decide\",le=\"5e-05\"} 2\n"));
  EXPECT_TRUE(testing::contains(text, "lat_seconds_bucket{stage=\"decide\",le=\"+Inf\"} 16\n"));
  EXPECT_TRUE(testing::contains(text, "lat_seconds_count{stage=\"decide\"} 16\n"));
  EXPECT_EQ(bounds.front(), 50e-6);
  EXPECT_EQ(bounds.back(), 1.0);
}

TEST(OpsPrometheus, LabelValuesAreEscaped) {
  MetricsRegistry r;
  r.counter("x_total", "x", {{"path", "C:\\dir \"quoted\"\nnext"}}).inc(2);
  EXPECT_EQ(r.render(),
            "# HELP x_total x\n# TYPE x_total counter\n"
            "x_total{path=\"C:\\\\dir \\\"quoted\\\"\\nnext\"} 2\n");
  EXPECT_EQ(prometheus_escape_label("plain"), "plain");
}

TEST(OpsPrometheus, NumbersSameMetricAndMonotonicCounters) {
  EXPECT_EQ(prometheus_number(0), "0");
  EXPECT_EQ(prometheus_number(1e-6), "1e-06");
  EXPECT_EQ(prometheus_number(123456789), "123456789");
  EXPECT_EQ(prometheus_number(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(prometheus_number(0.0005), "0.0005");
  EXPECT_EQ(prometheus_number(5e-5), "5e-05");
  EXPECT_EQ(prometheus_number(-2.5e20), "-2.5e+20");
  EXPECT_EQ(prometheus_number(1e15), "1000000000000000");
  EXPECT_EQ(prometheus_number(1e16), "1e+16");
  EXPECT_EQ(prometheus_number(std::nan("")), "NaN");
  EXPECT_EQ(prometheus_number(INFINITY), "+Inf");
  EXPECT_EQ(prometheus_number(-INFINITY), "-Inf");

  MetricsRegistry r;
  Counter& a = r.counter("c_total", "c", {{"k", "v"}});
  Counter& b = r.counter("c_total", "c", {{"k", "v"}});
  EXPECT_EQ(&a, &b);
  a.advance_to(10);
  a.advance_to(4);  // never lowered
  EXPECT_EQ(b.value(), 10);
  a.inc(0.5);
  EXPECT_EQ(a.value(), 10.5);

  // Many threads at once lose no increment.
  Counter& hot = r.counter("hot_total", "h");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) hot.inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(hot.value(), 40'000);
}

TEST(OpsPrometheus, MisuseAborts) {
  EXPECT_DEATH(
      {
        MetricsRegistry r;
        r.counter("bad name", "x");
      },
      "metric name");
  EXPECT_DEATH(
      {
        MetricsRegistry r;
        r.counter("dup", "x");
        r.gauge("dup", "x");
      },
      "one type");
  EXPECT_DEATH(
      {
        MetricsRegistry r;
        r.counter("neg_total", "x").inc(-1);
      },
      "only goes up");
  EXPECT_DEATH({ Histogram h({1.0, 0.5}); }, "strictly increase");
}

TEST(OpsLiveMetrics, RefreshFromStatusSetsEveryName) {
  MetricsRegistry r;
  LiveMetrics m(r);
  m.decision_latency_s.observe(0.0003);
  m.step_latency_s.observe(0.002);
  const LiveStatus s = sample_status();
  m.refresh(s, "build-1");
  const std::string text = r.render();
  for (const char* line : {
           "verity_bars_total{symbol=\"BTCUSDT\"} 60\n",
           "verity_bars_total{symbol=\"ETHUSDT\"} 59\n",
           "verity_signals_total 7\n",
           "verity_orders_total 3\n",
           "verity_fills_total 3\n",
           "verity_rejections_total 4\n",
           "verity_ws_reconnects_total 1\n",
           "verity_venue_errors_total 2\n",
           "verity_telegram_commands_total 5\n",
           "verity_equity_usd 101234.5\n",
           "verity_balance_usd 100800.25\n",
           "verity_feed_staleness_seconds 5\n",
           "verity_kill_switch 1\n",
           "verity_info{mode=\"dryrun\",session=\"0123456789abcdef\",build=\"build-1\"} 1\n",
           "verity_decision_latency_seconds_bucket{le=\"0.0005\"} 1\n",
           "verity_decision_latency_seconds_count 1\n",
           "verity_step_latency_seconds_bucket{le=\"0.001\"} 0\n",
           "verity_step_latency_seconds_bucket{le=\"0.0025\"} 1\n",
           "# TYPE verity_decision_latency_seconds histogram\n",
           "# TYPE verity_bars_total counter\n",
           "# TYPE verity_equity_usd gauge\n",
       }) {
    EXPECT_TRUE(testing::contains(text, line));
  }
  // Refreshing again with the same totals does not double count.
  m.refresh(s, "build-1");
  EXPECT_EQ(m.signals.value(), 7);
  EXPECT_EQ(r.render(), text);
}

// --- status JSON and readiness ---------------------------------------------------

TEST(OpsStatus, JsonRoundTripAndKeyOrder) {
  const LiveStatus s = sample_status();
  const std::string text = status_json(s);
  auto back = parse_status_json(text);
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(*back, s);
  const auto j = nlohmann::ordered_json::parse(text);
  EXPECT_EQ(j.begin().key(), "mode");
  EXPECT_EQ(j["feed_staleness_s"], 5.0);
  EXPECT_EQ(j["equity_curve"][1][1], 100'500.5);
  EXPECT_EQ(j["positions"][0]["symbol"], "BTCUSDT");
  // The default (nothing published yet) round-trips too.
  auto empty = parse_status_json(status_json(LiveStatus{}));
  ASSERT_TRUE(empty.has_value()) << empty.error();
  EXPECT_EQ(*empty, LiveStatus{});
}

TEST(OpsStatus, JsonSurvivesHostileTextAndNonFiniteNumbers) {
  LiveStatus s = sample_status();
  s.recent_signals[0].decision = "rejected: \"quoted\" <script>alert(1)</script> \xff\xfe bad utf-8";
  s.equity_usd = std::nan("");
  const std::string text = status_json(s);  // must not throw on invalid UTF-8
  const auto j = nlohmann::json::parse(text);
  EXPECT_TRUE(j["equity_usd"].is_null());
  EXPECT_NE(j["recent_signals"][0]["decision"].get<std::string>().find("<script>"), std::string::npos);
}

TEST(OpsStatus, ParseErrorsNameTheKey) {
  auto r = parse_status_json(R"({"mode":"dryrun","bars":-3})");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), "status.bars: expected a count (a non-negative integer)");
  r = parse_status_json(R"({"positions":[{"symbol":5}]})");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), "status.positions[0].symbol: expected a string");
  r = parse_status_json(R"({"ftmo":{"phase":"two"}})");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), "status.ftmo.phase: expected an integer");
  EXPECT_FALSE(parse_status_json("{").has_value());
  EXPECT_FALSE(parse_status_json("[]").has_value());
}

TEST(OpsStatus, BoardKeepsTheNewestWithinBounds) {
  StatusBoard board;
  EXPECT_EQ(board.generation(), 0u);
  LiveStatus s;
  for (int i = 0; i < 80; ++i) s.recent_signals.push_back({i, "S", "long", "low", "accepted", 0.6});
  for (int i = 0; i < 700; ++i) s.equity_curve.emplace_back(i, 1000.0 + i);
  board.publish(s);
  const LiveStatus r = board.read();
  EXPECT_EQ(board.generation(), 1u);
  ASSERT_EQ(r.recent_signals.size(), kMaxRecentSignals);
  EXPECT_EQ(r.recent_signals.front().time_ns, 30);
  EXPECT_EQ(r.recent_signals.back().time_ns, 79);
  ASSERT_EQ(r.equity_curve.size(), kMaxEquityPoints);
  EXPECT_EQ(r.equity_curve.front().first, 200);
}

TEST(OpsHealth, ReadyStaleDisconnectedJournal) {
  LiveStatus s = sample_status();  // newest bar 5 s old
  HealthReport h = check_health(s, 90);
  EXPECT_TRUE(h.ready);
  EXPECT_DOUBLE_EQ(h.staleness_s, 5);
  EXPECT_EQ(health_json(h),
            R"({"live":true,"ready":true,"checks":{"feed":{"ok":true,"staleness_s":5.0,"limit_s":90.0,"connected":true},)"
            R"("journal":{"ok":true}},"mode":"dryrun"})");
  s.now_ns += 120 * kSecond;
  EXPECT_FALSE(check_health(s, 90).ready);
  EXPECT_FALSE(check_health(s, 90).feed_ok);
  s = sample_status();
  s.feed_connected = false;
  EXPECT_FALSE(check_health(s, 90).ready);
  s = sample_status();
  s.journal_ok = false;
  h = check_health(s, 90);
  EXPECT_FALSE(h.ready);
  EXPECT_TRUE(h.feed_ok);
  // No bar yet: staleness runs from the start.
  s = sample_status();
  s.last_bar_close_ns.clear();
  EXPECT_DOUBLE_EQ(feed_staleness_s(s), 3605);
  // Nothing published: not ready.
  EXPECT_FALSE(check_health(LiveStatus{}, 90).ready);
}

// --- the server on loopback ----------------------------------------------------------

struct Served {
  StatusBoard board;
  MetricsRegistry registry;
  LiveMetrics metrics{registry};
  std::unique_ptr<OpsServer> server;

  explicit Served(double limit_s = 90) {
    auto s = OpsServer::start("127.0.0.1", 0, board, registry, limit_s);
    if (!s) ADD_FAILURE() << s.error();
    else server = std::move(*s);
  }
  net::HttpResult get(const std::string& target, const std::string& method = "GET") const {
    net::HttpCall call;
    call.method = method;
    call.url = server->base_url() + target;
    auto r = net::http_call(call);
    if (!r) {
      ADD_FAILURE() << r.error();
      return {};
    }
    return *r;
  }
};

TEST(OpsServer, HealthzReadyThenStaleThenLiveness) {
  Served o;
  ASSERT_TRUE(o.server);
  // Nothing published yet: not ready, but alive.
  EXPECT_EQ(o.get("/healthz").status, 503);
  EXPECT_EQ(o.get("/healthz?probe=live").status, 200);

  LiveStatus s = sample_status();
  o.board.publish(s);
  auto r = o.get("/healthz");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["live"], true);
  EXPECT_EQ(j["ready"], true);
  EXPECT_EQ(j["mode"], "dryrun");
  EXPECT_EQ(j["checks"]["feed"]["staleness_s"], 5.0);
  EXPECT_EQ(j["checks"]["feed"]["limit_s"], 90.0);
  EXPECT_EQ(j["checks"]["journal"]["ok"], true);

  s.now_ns += 600 * kSecond;  // the feed went quiet for 10 minutes
  o.board.publish(s);
  r = o.get("/healthz");
  EXPECT_EQ(r.status, 503);
  j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["ready"], false);
  EXPECT_EQ(j["checks"]["feed"]["ok"], false);
  EXPECT_EQ(j["checks"]["feed"]["staleness_s"], 605.0);
  EXPECT_EQ(o.get("/healthz?probe=live").status, 200);

  s = sample_status();
  s.journal_ok = false;
  o.board.publish(s);
  EXPECT_EQ(o.get("/healthz").status, 503);
}

TEST(OpsServer, MetricsContentTypeAndValues) {
  Served o;
  ASSERT_TRUE(o.server);
  o.board.publish(sample_status());
  o.metrics.refresh(o.board.read(), "b");
  o.metrics.decision_latency_s.observe(0.004);
  const auto r = o.get("/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_TRUE(testing::contains(r.body, "verity_equity_usd 101234.5\n"));
  EXPECT_TRUE(testing::contains(r.body, "verity_kill_switch 1\n"));
  EXPECT_TRUE(testing::contains(r.body, "verity_decision_latency_seconds_bucket{le=\"0.005\"} 1\n"));
  EXPECT_TRUE(testing::contains(r.body, "verity_decision_latency_seconds_bucket{le=\"0.0025\"} 0\n"));
  EXPECT_EQ(r.body, o.registry.render());
}

TEST(OpsServer, ApiStatusRoundTrip) {
  Served o;
  ASSERT_TRUE(o.server);
  const LiveStatus s = sample_status();
  o.board.publish(s);
  const auto r = o.get("/api/status");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  auto back = parse_status_json(r.body);
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(*back, s);
}

TEST(OpsServer, DashboardPageIsSelfContained) {
  Served o;
  ASSERT_TRUE(o.server);
  const auto r = o.get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.at("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(r.body, dashboard_html());
  static const std::regex url(R"(https?://[^\s"'<>)]*)");
  for (auto it = std::sregex_iterator(r.body.begin(), r.body.end(), url); it != std::sregex_iterator(); ++it) {
    EXPECT_EQ(it->str(), "http://www.w3.org/2000/svg") << "the dashboard references the network";
  }
  EXPECT_EQ(r.body.find("<link"), std::string::npos);
  EXPECT_EQ(r.body.find("src="), std::string::npos);
  EXPECT_EQ(r.body.find("innerHTML"), std::string::npos) << "text must reach the DOM through textContent";
}

TEST(OpsServer, UnknownPathIs404AndWrongMethod405) {
  Served o;
  ASSERT_TRUE(o.server);
  EXPECT_EQ(o.get("/nope").status, 404);
  EXPECT_EQ(o.get("/metrics/extra").status, 404);
  EXPECT_EQ(o.get("/metrics", "POST").status, 405);
}

TEST(OpsServer, BindErrorNamesTheAddress) {
  StatusBoard board;
  MetricsRegistry registry;
  auto first = OpsServer::start("127.0.0.1", 0, board, registry, 90);
  ASSERT_TRUE(first.has_value()) << first.error();
  auto second = OpsServer::start("127.0.0.1", (*first)->port(), board, registry, 90);
  ASSERT_FALSE(second.has_value());
  EXPECT_TRUE(testing::contains(second.error(), std::to_string((*first)->port()))) << second.error();
  (*first)->stop();
  (*first)->stop();  // idempotent
}

}  // namespace
}  // namespace verity
