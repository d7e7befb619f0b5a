// The Telegram bot (live/telegram/): command parsing, replies, Bot API
// parsing, and the bot against the fake Bot API on loopback: a full round
// trip, the allow-list, faults (500, 429, malformed JSON), the token never
// in an error, and a prompt stop().
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "actors/runtime/clock.hpp"
#include "live/ops/status.hpp"
#include "live/telegram/bot.hpp"
#include "live/telegram/commands.hpp"
#include "live/telegram/format.hpp"
#include "live/telegram/telegram_api.hpp"
#include "tests/support/fake_telegram.hpp"
#include "tests/support/run_command.hpp"

namespace verity {
namespace {

using namespace std::chrono_literals;
using testing::contains;
using Kind = TelegramCommandKind;

constexpr std::int64_t kT0 = 1'704'067'200'000'000'000;  // 2024-01-01T00:00:00Z
constexpr std::int64_t kSecond = 1'000'000'000;
const std::string kToken = "123456789:AAHsecret-TOKEN_value-xyz";

// --- commands ---------------------------------------------------------------------

TEST(TelegramCommands, ParsesEveryCommand) {
  struct Case {
    const char* text;
    Kind kind;
    const char* name;
  };
  for (const Case& c : {Case{"/start", Kind::start, "start"}, Case{"/check", Kind::check, "check"},
                        Case{"/stats", Kind::stats, "stats"}, Case{"/ftmo_status", Kind::ftmo_status, "ftmo_status"},
                        Case{"/help", Kind::help, "help"}, Case{"  /CHECK  ", Kind::check, "check"},
                        Case{"/check now please", Kind::check, "check"},
                        Case{"/stats@VerityBot", Kind::stats, "stats"}}) {
    const TelegramCommand cmd = parse_command(c.text, "VerityBot");
    EXPECT_EQ(cmd.kind, c.kind) << c.text;
    EXPECT_EQ(cmd.name, c.name) << c.text;
    EXPECT_TRUE(is_query(cmd.kind)) << c.text;
    EXPECT_EQ(cmd.text, c.text);
  }
  auto t = parse_command("/threshold 0.7");
  EXPECT_EQ(t.kind, Kind::threshold);
  EXPECT_DOUBLE_EQ(t.threshold, 0.7);
  EXPECT_EQ(t.argument, "0.7");
  EXPECT_TRUE(is_control(t.kind));
  EXPECT_DOUBLE_EQ(parse_command("/threshold 0.50").threshold, 0.50);
  EXPECT_DOUBLE_EQ(parse_command("/threshold 0.99").threshold, 0.99);
  EXPECT_DOUBLE_EQ(parse_command("/threshold@verityBOT  .65 ", "VerityBot").threshold, 0.65);

  auto k = parse_command("/kill_switch on");
  EXPECT_EQ(k.kind, Kind::kill_switch);
  EXPECT_TRUE(k.kill_switch_on);
  k = parse_command("/kill_switch OFF");
  EXPECT_EQ(k.kind, Kind::kill_switch);
  EXPECT_FALSE(k.kill_switch_on);
  EXPECT_EQ(parse_command("/kill_switch@AnyBot on").kind, Kind::kill_switch);  // no username set: any accepted
}

TEST(TelegramCommands, BadArgumentsSayWhatIsExpected) {
  for (const char* text : {"/threshold", "/threshold abc", "/threshold 0.49", "/threshold 1", "/threshold 0.995",
                           "/threshold nan", "/threshold inf", "/threshold 0.6 0.7", "/threshold 1e-1",
                           "/threshold 0,6", "/threshold -0.6", "/threshold 0x1p-1"}) {
    const auto c = parse_command(text);
    EXPECT_EQ(c.kind, Kind::invalid) << text;
    EXPECT_EQ(c.name, "threshold") << text;
    EXPECT_TRUE(contains(c.error, "expected /threshold <n> with n a number from 0.50 to 0.99")) << text;
  }
  EXPECT_TRUE(contains(parse_command("/threshold").error, "got nothing"));
  EXPECT_TRUE(contains(parse_command("/threshold abc").error, "got \"abc\""));
  EXPECT_TRUE(contains(parse_command("/threshold 0.3").error, "out of range"));
  for (const char* text : {"/kill_switch", "/kill_switch maybe", "/kill_switch on now", "/kill_switch 1"}) {
    const auto c = parse_command(text);
    EXPECT_EQ(c.kind, Kind::invalid) << text;
    EXPECT_TRUE(contains(c.error, "expected /kill_switch on or /kill_switch off")) << text;
  }
  // A long argument is quoted back cut short.
  const auto c = parse_command("/threshold " + std::string(500, 'x'));
  EXPECT_LT(c.error.size(), 200u);
  EXPECT_EQ(format_invalid("dryrun", c).rfind("[DRYRUN] /threshold: expected", 0), 0u);
}

TEST(TelegramCommands, UnknownTextOtherBotsAndBounds) {
  EXPECT_EQ(parse_command("hello").kind, Kind::unknown);
  EXPECT_EQ(parse_command("hello").name, "");
  EXPECT_EQ(parse_command("").kind, Kind::unknown);
  EXPECT_EQ(parse_command("/").kind, Kind::unknown);
  EXPECT_EQ(parse_command("/buy BTC").kind, Kind::unknown);
  EXPECT_EQ(parse_command("/buy BTC").name, "buy");
  EXPECT_EQ(parse_command("/check@OtherBot", "VerityBot").kind, Kind::other_bot);
  EXPECT_EQ(parse_command("/check@OtherBot").kind, Kind::check);

  // Text is kept to 256 bytes without splitting a UTF-8 sequence.
  std::string long_text = "/help ";
  for (int i = 0; i < 200; ++i) long_text += "\xE2\x82\xAC";  // the euro sign, 3 bytes
  const auto c = parse_command(long_text);
  EXPECT_EQ(c.kind, Kind::help);
  EXPECT_LE(c.text.size(), kMaxCommandTextBytes);
  EXPECT_EQ((c.text.size() - 6) % 3, 0u);
  EXPECT_EQ(truncate_utf8("a\xC3\xA9", 2), "a");
}

// --- formatting -------------------------------------------------------------------------

LiveStatus sample_status() {
  LiveStatus s;
  s.mode = "dryrun";
  s.session = "0123456789abcdef";
  s.started_ns = kT0;
  s.now_ns = kT0 + 2 * 3600 * kSecond + 13 * 60 * kSecond;
  s.last_bar_close_ns = {{"BTCUSDT", s.now_ns - 12 * kSecond}};
  s.feed_connected = true;
  s.bars = 133;
  s.signals = 4;
  s.orders = 2;
  s.fills = 2;
  s.rejections = 1;
  s.equity_usd = 101'234.56;
  s.balance_usd = 100'000;
  s.positions = {{"BTCUSDT", 0.5, 42'000.5, 42'500, 249.75}};
  s.ftmo = {"active", 1, 1.23, 10, 0.4, 5, 0.8, 10, 3, 4};
  s.return_7d_pct = 1.5;
  s.return_30d_pct = -2.25;
  s.trades_7d = 4;
  s.trades_30d = 12;
  s.win_rate_7d_pct = 75;
  s.win_rate_30d_pct = 41.67;
  s.kill_switch = true;
  s.kill_switch_source = "telegram";
  s.threshold = 0.6;
  return s;
}

TEST(TelegramFormat, ModeTagAndNumbers) {
  EXPECT_EQ(mode_tag("dryrun"), "[DRYRUN]");
  EXPECT_EQ(mode_tag("live"), "[LIVE]");
  EXPECT_EQ(mode_tag(""), "[?]");
  EXPECT_EQ(group_number(1234567.891), "1,234,567.89");
  EXPECT_EQ(group_number(-1234.5, 1), "-1,234.5");
  EXPECT_EQ(group_number(999.999), "1,000.00");
  EXPECT_EQ(group_number(-0.001), "0.00");
  EXPECT_EQ(group_number(12, 0), "12");
  EXPECT_EQ(group_number(std::nan("")), "n/a");
}

TEST(TelegramFormat, SignalAndAlerts) {
  TelegramSignal s{kT0, "BTCUSDT", "long", "high", 0.7234, 42'000, 43'000, 41'500, "accepted"};
  EXPECT_EQ(format_signal("live", s),
            "[LIVE] SIGNAL BTCUSDT LONG\nTier high, confidence 0.72\nEntry 42,000.00, TP 43,000.00, SL 41,500.00, "
            "R:R 2.00\nDecision: accepted\n2024-01-01T00:00:00.000Z");
  TelegramSignal bare{kT0, "ETHUSDT", "short", "", 0.5, 0, 0, 0, ""};
  EXPECT_EQ(format_signal("dryrun", bare), "[DRYRUN] SIGNAL ETHUSDT SHORT\nTier n/a, confidence 0.50\n2024-01-01T00:00:00.000Z");

  const std::pair<AlertKind, const char*> kinds[] = {
      {AlertKind::kill_switch_signal_blocked, "Kill switch is on: signal blocked"},
      {AlertKind::guardrail_breach_attempt, "Guardrail"},
      {AlertKind::drawdown_over_10pct, "Drawdown over 10%"},
      {AlertKind::volatility_spike, "Volatility spike"},
      {AlertKind::venue_api_failure, "Venue API failure"},
      {AlertKind::feed_stale, "Market data feed is stale"},
      {AlertKind::generic, "ALERT: Alert"},
  };
  for (const auto& [kind, title] : kinds) {
    const std::string text = format_alert("dryrun", {kind, kT0, "BTCUSDT", "", "equity 89,000 USD"});
    EXPECT_EQ(text.rfind("[DRYRUN] ALERT: ", 0), 0u) << text;
    EXPECT_TRUE(contains(text, title));
    EXPECT_TRUE(contains(text, "\nSymbol: BTCUSDT\nequity 89,000 USD\n2024-01-01T00:00:00.000Z"));
    EXPECT_EQ(parse_alert_kind(alert_kind_name(kind)), kind);
  }
  EXPECT_EQ(format_alert("live", {AlertKind::generic, 0, "", "Journal slow", ""}), "[LIVE] ALERT: Journal slow\n(no time)");
  EXPECT_FALSE(parse_alert_kind("nope").has_value());
}

TEST(TelegramFormat, QueryReplies) {
  const LiveStatus s = sample_status();
  const std::string check = format_check(s);
  for (const char* part : {"[DRYRUN] System check\n", "Session 0123456789abcdef, up 2h 13m",
                           "Feed: connected, newest bar 12s ago (BTCUSDT)", "Journal: ok", "Kill switch: ON (telegram)",
                           "Threshold: 0.60", "Equity 101,234.56 USD, balance 100,000.00 USD", "Open positions: 1",
                           "BTCUSDT 0.500000 @ 42,000.50, unrealized 249.75 USD", "Bars 133, signals 4, orders 2",
                           "As of 2024-01-01T02:13:00.000Z"}) {
    EXPECT_TRUE(contains(check, part));
  }
  EXPECT_EQ(format_stats(s),
            "[DRYRUN] Performance\n7 days: return +1.50%, 4 trades, win rate 75.00%\n30 days: return -2.25%, 12 trades, "
            "win rate 41.67%\nEquity 101,234.56 USD\nAs of 2024-01-01T02:13:00.000Z");
  EXPECT_EQ(format_ftmo_status(s),
            "[DRYRUN] FTMO status\nState: active, phase 1\nProfit: +1.23% of 10.00% target\nDaily loss: 0.40% of 5.00% "
            "limit\nTotal loss: 0.80% of 10.00% limit\nTrading days: 3 of 4 minimum\nAs of 2024-01-01T02:13:00.000Z");
  for (const char* cmd : {"/check", "/stats", "/ftmo_status", "/threshold", "/kill_switch", "/help"}) {
    EXPECT_TRUE(contains(format_help("live"), cmd));
  }
  EXPECT_EQ(format_start("live").rfind("[LIVE] Verity is running", 0), 0u);
  // Nothing published yet.
  LiveStatus none;
  EXPECT_EQ(format_check(none), "[?] System check\nNo status yet: the live runner has not published a snapshot.");
  EXPECT_EQ(default_reply(parse_command("/stats"), none, "live").rfind("[LIVE] Performance\nNo status yet", 0), 0u);
  // Controls get no default reply (the runner confirms); unknown text gets help.
  EXPECT_EQ(default_reply(parse_command("/kill_switch on"), s, "live"), "");
  EXPECT_EQ(default_reply(parse_command("hi"), s, "live"), format_help("dryrun"));
  EXPECT_EQ(format_threshold_set("live", 0.55, 0.7), "[LIVE] Threshold set to 0.70 (was 0.55).");
  EXPECT_EQ(format_kill_switch_set("live", true, "@ops"), "[LIVE] Kill switch ON: no new risk will be taken. (by @ops)");
  // Messages are cut to Telegram's limit on a UTF-8 boundary.
  const std::string huge(5000, 'x');
  EXPECT_EQ(clamp_message(huge).size(), kTelegramMaxTextBytes);
  EXPECT_TRUE(clamp_message(huge).ends_with("..."));
}

// --- Bot API parsing ----------------------------------------------------------------------

TEST(TelegramApiParse, UpdatesTextMessagesAndSkips) {
  const std::string body = R"({"ok":true,"result":[
    {"update_id":10,"message":{"message_id":1,"from":{"id":7,"is_bot":false,"first_name":"Ann","username":"ann"},
      "chat":{"id":7,"type":"private"},"date":1700000000,"text":"/check"}},
    {"update_id":11,"message":{"message_id":2,"from":{"id":8,"first_name":"Bob"},"chat":{"id":-100,"type":"group"},
      "date":1700000001,"photo":[{"file_id":"x"}]}},
    {"update_id":12,"edited_message":{"message_id":1,"chat":{"id":7},"text":"/stats"}},
    {"update_id":13,"callback_query":{"id":"q"}},
    {"update_id":"14","message":{}},
    [1,2],
    {"update_id":15,"message":{"chat":{"id":"seven"},"text":"x"}},
    {"update_id":16,"message":{"chat":{"id":9},"text":5}},
    {"update_id":17,"message":{"from":{"id":3},"chat":{"id":3,"type":"private"},"text":"hi"}}
  ]})";
  auto r = parse_get_updates(200, body);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->messages.size(), 2u);
  EXPECT_EQ(r->messages[0].update_id, 10);
  EXPECT_EQ(r->messages[0].chat_id, 7);
  EXPECT_EQ(r->messages[0].user, "@ann");
  EXPECT_EQ(r->messages[0].text, "/check");
  EXPECT_EQ(r->messages[0].date_s, 1'700'000'000);
  EXPECT_EQ(r->messages[1].user, "user 3");
  EXPECT_EQ(r->last_update_id, 17);
  std::vector<std::string> reasons;
  for (const auto& s : r->skipped) reasons.push_back(s.reason);
  ASSERT_EQ(reasons.size(), 7u);
  EXPECT_EQ(reasons[0], "update 11: message without text (a photo, sticker, file or service message)");
  EXPECT_EQ(reasons[1], "update 12: edited_message updates are not handled (only new messages)");
  EXPECT_EQ(reasons[2], "update 13: callback_query updates are not handled (only new messages)");
  EXPECT_EQ(reasons[3], "update 4: field update_id is a string (expected an integer)");
  EXPECT_EQ(reasons[4], "update 5: expected an object, found an array");
  EXPECT_EQ(reasons[5], "update 15: field message.chat.id: expected an integer");
  EXPECT_EQ(reasons[6], "update 16: field message.text: expected a string, found an integer");

  auto empty = parse_get_updates(200, R"({"ok":true,"result":[]})");
  ASSERT_TRUE(empty.has_value());
  EXPECT_FALSE(empty->last_update_id.has_value());
}

TEST(TelegramApiParse, EnvelopeErrorsNameTheFieldAndKind) {
  using K = TelegramApiError::Kind;
  struct Case {
    int status;
    const char* body;
    K kind;
    const char* message;
  };
  const Case cases[] = {
      {200, "{\"ok\":true,\"result\":[{\"update_id\":", K::parse,
       "telegram getUpdates: the response body is not valid JSON (HTTP 200, 34 bytes)"},
      {200, "[1]", K::parse, "telegram getUpdates: expected a JSON object, found an array (HTTP 200, 3 bytes)"},
      {200, "{\"result\":[]}", K::parse, "telegram getUpdates: missing field ok (expected true or false)"},
      {200, "{\"ok\":\"yes\",\"result\":[]}", K::parse, "telegram getUpdates: field ok is a string (expected true or false)"},
      {200, "{\"ok\":true}", K::parse, "telegram getUpdates: missing field result in a response with ok true"},
      {200, "{\"ok\":true,\"result\":{}}", K::parse,
       "telegram getUpdates: field result: expected an array of updates, found an object"},
      {409, R"({"ok":false,"error_code":409,"description":"Conflict: terminated by other getUpdates request"})", K::api,
       "telegram getUpdates: error 409: Conflict: terminated by other getUpdates request"},
      {401, R"({"ok":false,"error_code":401,"description":"Unauthorized"})", K::unauthorized,
       "telegram getUpdates: error 401: Unauthorized"},
      {404, R"({"ok":false,"error_code":404,"description":"Not Found"})", K::unauthorized,
       "telegram getUpdates: error 404: Not Found"},
      {429, R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}})",
       K::rate_limited, "telegram getUpdates: error 429: Too Many Requests: retry after 7 (retry after 7 s)"},
      {502, "<html>Bad Gateway</html>", K::http,
       "telegram getUpdates: HTTP 502 with a body that is not a Bot API response (24 bytes)"},
      {500, R"({"ok":false})", K::api, "telegram getUpdates: error 500: no description"},
  };
  for (const Case& c : cases) {
    auto r = parse_get_updates(c.status, c.body);
    ASSERT_FALSE(r.has_value()) << c.body;
    EXPECT_EQ(r.error().kind, c.kind) << c.body;
    EXPECT_EQ(r.error().message, c.message);
    EXPECT_EQ(r.error().http_status, c.status);
  }
  auto limited = parse_get_updates(429, R"({"ok":false,"error_code":429,"parameters":{"retry_after":7}})");
  EXPECT_EQ(limited.error().retry_after_s, 7);
  auto no_hint = parse_get_updates(429, "slow down");
  EXPECT_EQ(no_hint.error().kind, K::rate_limited);
  EXPECT_EQ(no_hint.error().retry_after_s, 1);
  EXPECT_TRUE(parse_send_message(200, R"({"ok":true,"result":{"message_id":1}})").has_value());
  auto refused = parse_send_message(403, R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"})");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().message, "telegram sendMessage: error 403: Forbidden: bot was blocked by the user");
}

TEST(TelegramBackoff, GrowsIsCappedJitteredAndSeeded) {
  Prng a(5, 1), b(5, 1);
  std::vector<std::int64_t> waits;
  for (int f = 1; f <= 10; ++f) {
    const auto w = telegram_backoff(f, 500ms, 30'000ms, 0, a);
    EXPECT_EQ(w, telegram_backoff(f, 500ms, 30'000ms, 0, b)) << "same seed, same waits";
    const std::int64_t base = std::min<std::int64_t>(500LL << (f - 1), 30'000);
    EXPECT_GE(w.count(), base / 2) << f;
    EXPECT_LE(w.count(), base) << f;
    waits.push_back(w.count());
  }
  EXPECT_GT(waits[5], waits[0]);
  const auto r = telegram_backoff(1, 500ms, 30'000ms, 7, a);
  EXPECT_GE(r.count(), 7000);
  EXPECT_LE(r.count(), 7250);
}

// --- the bot against the fake Bot API ------------------------------------------------------

/// Collects what the bot hands out, thread-safely.
struct Recorder {
  mutable std::mutex mutex;
  std::vector<TelegramCommand> commands;
  std::vector<std::string> warnings;

  TelegramBotCallbacks callbacks(std::function<std::string(const TelegramCommand&)> reply_builder = {}) {
    TelegramBotCallbacks cb;
    cb.on_command = [this](const TelegramCommand& c) {
      std::lock_guard lock(mutex);
      commands.push_back(c);
    };
    cb.on_warning = [this](std::string_view w) {
      std::lock_guard lock(mutex);
      warnings.emplace_back(w);
    };
    cb.reply_builder = std::move(reply_builder);
    return cb;
  }
  std::vector<TelegramCommand> got() const {
    std::lock_guard lock(mutex);
    return commands;
  }
  std::vector<std::string> warned() const {
    std::lock_guard lock(mutex);
    return warnings;
  }
  std::string all_warnings() const {
    std::string out;
    for (const auto& w : warned()) out += w + "\n";
    return out;
  }
};

TelegramBotOptions fast_options(std::vector<std::int64_t> allowed) {
  TelegramBotOptions o;
  o.mode = "dryrun";
  o.allowed_chat_ids = std::move(allowed);
  o.bot_username = "VerityBot";
  o.poll_timeout_s = 1;
  o.backoff_initial = 20ms;
  o.backoff_max = 200ms;
  o.jitter_seed = 42;
  return o;
}

TelegramBotApi api_for(const testing::FakeTelegram& fake, const std::string& token = kToken) {
  TelegramApiOptions o;
  o.base_url = fake.base_url();
  o.poll_margin = 3000ms;
  o.request_timeout = 3000ms;
  return TelegramBotApi(Secret(token), o);
}

std::vector<std::string> texts_to(const testing::FakeTelegram& fake, std::int64_t chat) {
  std::vector<std::string> out;
  for (const auto& m : fake.sent()) {
    if (m.chat_id == chat) out.push_back(m.text);
  }
  return out;
}

TEST(TelegramBot, RoundTripDeliversEachCommandOnceAndReplies) {
  testing::FakeTelegram fake(kToken);
  StatusBoard board;
  board.publish(sample_status());
  Recorder rec;
  TelegramBot bot(api_for(fake), fast_options({42}), rec.callbacks(status_reply_builder(board, "dryrun")));
  bot.start();
  const std::vector<std::string> inputs = {"/check",      "/threshold 0.7", "/kill_switch on", "hello",
                                           "/threshold abc", "/stats@VerityBot", "/ftmo_status", "/help",
                                           "/start",      "/check@OtherBot"};
  for (const auto& t : inputs) fake.push_text(42, "ops", t);
  // Replies: check, hello (help), threshold abc (usage), stats, ftmo, help, start.
  ASSERT_TRUE(fake.wait_for_sent(7, 10s)) << fake.sent().size() << " sent; warnings:\n" << rec.all_warnings();
  // Let a few more polls happen: nothing is delivered twice.
  const std::size_t polls = fake.get_updates_calls();
  ASSERT_TRUE(fake.wait_for_polls(polls + 2, 10s));
  bot.stop();

  const auto cmds = rec.got();
  std::vector<std::string> names;
  for (const auto& c : cmds) names.push_back(std::string(command_kind_name(c.kind)));
  EXPECT_EQ(names, (std::vector<std::string>{"check", "threshold", "kill_switch", "stats", "ftmo_status", "help", "start"}));
  for (const auto& c : cmds) {
    EXPECT_EQ(c.chat_id, 42);
    EXPECT_EQ(c.user, "@ops");
    EXPECT_GE(c.update_id, 100);
  }
  ASSERT_EQ(cmds.size(), 7u);
  EXPECT_DOUBLE_EQ(cmds[1].threshold, 0.7);
  EXPECT_TRUE(cmds[2].kill_switch_on);
  EXPECT_LT(cmds[0].update_id, cmds[1].update_id);

  const auto replies = texts_to(fake, 42);
  ASSERT_EQ(replies.size(), 7u) << "controls are confirmed by the runner, not the bot";
  EXPECT_TRUE(contains(replies[0], "[DRYRUN] System check"));
  EXPECT_TRUE(contains(replies[0], "Kill switch: ON (telegram)"));
  EXPECT_EQ(replies[1], format_help("dryrun"));
  EXPECT_TRUE(contains(replies[2], "[DRYRUN] /threshold: expected /threshold <n>"));
  EXPECT_TRUE(contains(replies[3], "[DRYRUN] Performance"));
  EXPECT_TRUE(contains(replies[4], "[DRYRUN] FTMO status"));
  EXPECT_EQ(replies[5], format_help("dryrun"));
  EXPECT_TRUE(contains(replies[6], "[DRYRUN] Verity is running"));
  for (const auto& m : fake.sent()) EXPECT_EQ(m.parse_mode, "") << "plain text";

  const auto stats = bot.stats();
  EXPECT_EQ(stats.commands, 7u);
  EXPECT_EQ(stats.messages, inputs.size());
  EXPECT_EQ(stats.sent, 7u);
  EXPECT_EQ(stats.next_offset, 100 + static_cast<std::int64_t>(inputs.size()));
  // stop() confirmed the last batch: the fake holds nothing unconfirmed.
  EXPECT_EQ(fake.pending_updates(), 0u);
  EXPECT_EQ(fake.last_offset(), stats.next_offset);
  EXPECT_EQ(fake.max_timeout_requested(), 1);
}

TEST(TelegramBot, StrangersHaveNoEffectAndLearnNothing) {
  testing::FakeTelegram fake(kToken);
  StatusBoard board;
  board.publish(sample_status());
  Recorder rec;
  TelegramBot bot(api_for(fake), fast_options({42}), rec.callbacks(status_reply_builder(board, "dryrun")));
  bot.start();
  fake.push_text(999, "mallory", "/kill_switch off hunter2");
  fake.push_text(999, "mallory", "/check");
  fake.push_text(999, "mallory", "my password is hunter2");
  fake.push_text(42, "ops", "/help");
  ASSERT_TRUE(fake.wait_for_sent(4, 10s)) << rec.all_warnings();
  ASSERT_TRUE(bot.wait_idle(5s));
  bot.stop();

  const auto cmds = rec.got();
  ASSERT_EQ(cmds.size(), 1u) << "only the allow-listed chat's /help";
  EXPECT_EQ(cmds[0].chat_id, 42);
  EXPECT_EQ(texts_to(fake, 999), (std::vector<std::string>{"Not authorised.", "Not authorised.", "Not authorised."}));
  const auto warnings = rec.warned();
  ASSERT_EQ(warnings.size(), 3u) << rec.all_warnings();
  EXPECT_EQ(warnings[0], "telegram: chat 999 is not allow-listed; ignored /kill_switch");
  EXPECT_EQ(warnings[1], "telegram: chat 999 is not allow-listed; ignored /check");
  EXPECT_EQ(warnings[2], "telegram: chat 999 is not allow-listed; ignored a text message");
  EXPECT_FALSE(contains(rec.all_warnings(), "hunter2"));
  EXPECT_EQ(bot.stats().unauthorised, 3u);
  EXPECT_FALSE(bot.allowed(999));
  EXPECT_TRUE(bot.allowed(42));
}

TEST(TelegramBot, BroadcastReachesEveryAllowedChat) {
  testing::FakeTelegram fake(kToken);
  Recorder rec;
  TelegramBot bot(api_for(fake), fast_options({42, 7, -1001}), rec.callbacks());
  bot.start();
  const std::string alert = format_alert("dryrun", {AlertKind::feed_stale, kT0, "BTCUSDT", "", "no bar for 3m"});
  EXPECT_EQ(bot.broadcast(alert), 3u);
  ASSERT_TRUE(fake.wait_for_sent(3, 10s));
  bot.stop();
  std::vector<std::int64_t> chats;
  for (const auto& m : fake.sent()) {
    chats.push_back(m.chat_id);
    EXPECT_EQ(m.text, alert);
  }
  std::sort(chats.begin(), chats.end());
  EXPECT_EQ(chats, (std::vector<std::int64_t>{-1001, 7, 42}));
}

TEST(TelegramBot, RecoversFrom500And429AndMalformedJson) {
  testing::FakeTelegram fake(kToken);
  Recorder rec;
  // A 3 s long poll: while one is in flight, the next call the fake sees
  // is the sender's, so a fault meant for sendMessage lands there.
  TelegramBotOptions options = fast_options({42});
  options.poll_timeout_s = 3;
  TelegramBot bot(api_for(fake), options, rec.callbacks());

  fake.fail_next(2);  // the first two polls fail with 500
  bot.start();
  fake.push_text(42, "ops", "/check");
  ASSERT_TRUE(fake.wait_for_sent(1, 10s)) << rec.all_warnings();

  fake.malformed_next_get_updates();
  fake.push_text(42, "ops", "/stats");  // answers the poll in flight; the next one is malformed
  ASSERT_TRUE(fake.wait_for_sent(2, 10s)) << rec.all_warnings();
  fake.push_text(42, "ops", "/ftmo_status");
  ASSERT_TRUE(fake.wait_for_sent(3, 10s)) << rec.all_warnings();

  // The sender meets a 500 and a 429 (retry_after 1 s): the message is
  // retried, not lost, and the 429 is waited out.
  ASSERT_TRUE(bot.wait_idle(5s));
  std::this_thread::sleep_for(100ms);  // the next poll is in flight
  fake.fail_next(1);
  EXPECT_TRUE(bot.send(42, "[DRYRUN] after a 500"));
  ASSERT_TRUE(fake.wait_for_sent(4, 10s)) << rec.all_warnings();
  ASSERT_TRUE(bot.wait_idle(5s));
  std::this_thread::sleep_for(100ms);
  fake.rate_limit_next(1, 1);
  const Stopwatch watch;
  EXPECT_TRUE(bot.send(42, "[DRYRUN] after a 429"));
  ASSERT_TRUE(fake.wait_for_sent(5, 10s)) << rec.all_warnings();
  EXPECT_GE(watch.elapsed_s(), 0.9);
  bot.stop();

  const auto cmds = rec.got();
  ASSERT_EQ(cmds.size(), 3u) << "each command once, despite the faults";
  EXPECT_EQ(cmds[0].kind, Kind::check);
  EXPECT_EQ(cmds[1].kind, Kind::stats);
  EXPECT_EQ(cmds[2].kind, Kind::ftmo_status);
  const std::string w = rec.all_warnings();
  EXPECT_TRUE(contains(w, "telegram getUpdates: error 500: Internal Server Error; polling again in"));
  EXPECT_TRUE(contains(w, "telegram getUpdates: the response body is not valid JSON"));
  const auto replies = texts_to(fake, 42);
  ASSERT_EQ(replies.size(), 5u);
  EXPECT_EQ(replies[3], "[DRYRUN] after a 500");
  EXPECT_EQ(replies[4], "[DRYRUN] after a 429");
  EXPECT_GE(bot.stats().poll_errors, 3u);
  EXPECT_EQ(bot.stats().send_retries, 2u);
  EXPECT_EQ(bot.stats().send_failures, 0u);
}

TEST(TelegramBot, RateLimitedPollWaitsRetryAfter) {
  testing::FakeTelegram fake(kToken);
  Recorder rec;
  TelegramBot bot(api_for(fake), fast_options({42}), rec.callbacks());
  fake.rate_limit_next(1, 1);  // the first call is a poll: nothing to send yet
  const Stopwatch watch;
  bot.start();
  fake.push_text(42, "ops", "/help");
  ASSERT_TRUE(fake.wait_for_sent(1, 10s)) << rec.all_warnings();
  EXPECT_GE(watch.elapsed_s(), 0.9);
  bot.stop();
  EXPECT_TRUE(contains(rec.all_warnings(), "error 429: Too Many Requests: retry after 1 (retry after 1 s); polling again in 1"));
  EXPECT_EQ(rec.got().size(), 1u);
}

/// Polls `pred` every 5 ms until it holds or `timeout` passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout) {
  const Stopwatch watch;
  while (!pred()) {
    if (watch.elapsed_s() * 1000 > static_cast<double>(timeout.count())) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

TEST(TelegramBot, TokenNeverAppearsInAnyError) {
  std::vector<std::string> errors;
  // A wrong token: 401.
  testing::FakeTelegram fake(kToken);
  {
    const TelegramBotApi wrong = api_for(fake, kToken + "x");
    auto u = wrong.get_updates(0, 0);
    ASSERT_FALSE(u.has_value());
    EXPECT_EQ(u.error().kind, TelegramApiError::Kind::unauthorized);
    errors.push_back(u.error().message);
    auto s = wrong.send_message(42, "hi");
    ASSERT_FALSE(s.has_value());
    errors.push_back(s.error().message);
  }
  // 500, 429, malformed JSON, an API refusal.
  const TelegramBotApi api = api_for(fake);
  fake.fail_next(1);
  errors.push_back(api.get_updates(0, 0).error().message);
  fake.rate_limit_next(1, 3);
  errors.push_back(api.send_message(42, "x").error().message);
  fake.malformed_next_get_updates();
  errors.push_back(api.get_updates(0, 0).error().message);
  errors.push_back(api.send_message(42, "").error().message);
  // An update type named like the token (a server echoing it) is redacted too.
  fake.push_update({{kToken, 1}});
  auto odd = api.get_updates(0, 0);
  ASSERT_TRUE(odd.has_value()) << odd.error().message;
  ASSERT_EQ(odd->skipped.size(), 1u);
  errors.push_back(odd->skipped[0].reason);
  // Transport: nothing listens on the port any more.
  const TelegramBotApi dead = [&] {
    testing::FakeTelegram gone(kToken);
    return api_for(gone);
  }();
  auto t = dead.get_updates(0, 0);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().kind, TelegramApiError::Kind::transport);
  EXPECT_TRUE(contains(t.error().message, "telegram getUpdates: ")) << t.error().message;
  errors.push_back(t.error().message);
  errors.push_back(dead.send_message(1, "x").error().message);
  // No token at all.
  errors.push_back(TelegramBotApi(Secret(), {}).get_updates(0, 0).error().message);
  // The bot's warnings with a wrong token and with a dead server.
  Recorder rec;
  {
    TelegramBot bot(api_for(fake, kToken + "x"), fast_options({42}), rec.callbacks());
    bot.start();
    bot.send(42, "hello");
    ASSERT_TRUE(eventually([&] { return rec.warned().size() >= 3; }, 5000ms));
    bot.stop();
  }
  {
    TelegramBot bot(dead, fast_options({42}), rec.callbacks());
    bot.start();
    ASSERT_TRUE(eventually([&] { return rec.warned().size() >= 6; }, 5000ms));
    bot.stop();
  }
  for (const auto& w : rec.warned()) errors.push_back(w);
  EXPECT_EQ(api.describe_token(), "(set, " + std::to_string(kToken.size()) + " bytes)");

  ASSERT_GE(errors.size(), 15u);
  const std::string secret_part = kToken.substr(kToken.find(':') + 1);
  for (const auto& e : errors) {
    EXPECT_FALSE(e.empty());
    EXPECT_FALSE(contains(e, kToken)) << e;
    EXPECT_FALSE(contains(e, secret_part)) << e;
    EXPECT_FALSE(contains(e, "/bot")) << "an error shows a URL path: " << e;
  }
}

TEST(TelegramBot, StopIsPromptAndJoined) {
  testing::FakeTelegram fake(kToken);
  Recorder rec;
  // In a 30 s rate-limit wait: stop() wakes it at once.
  {
    TelegramBot bot(api_for(fake), fast_options({42}), rec.callbacks());
    fake.rate_limit_next(1, 30);
    bot.start();
    ASSERT_TRUE(fake.wait_for_polls(1, 5s));
    std::this_thread::sleep_for(100ms);
    const Stopwatch watch;
    bot.stop();
    EXPECT_LT(watch.elapsed_s(), 0.5) << "stop() must not wait out a retry_after";
    EXPECT_TRUE(contains(rec.all_warnings(), "(retry after 30 s)"));
  }
  // A sender in a long backoff: stop() wakes it too and drops the message.
  {
    TelegramBotOptions o = fast_options({42});
    o.backoff_initial = 20'000ms;
    o.backoff_max = 20'000ms;
    TelegramBot bot(api_for(fake), o, rec.callbacks());
    const std::size_t polls = fake.get_updates_calls();
    bot.start();
    ASSERT_TRUE(fake.wait_for_polls(polls + 1, 5s));
    std::this_thread::sleep_for(50ms);  // the poll is waiting in the fake: the next call is the send
    fake.fail_next(1);
    const std::size_t before = fake.send_message_calls();
    bot.send(42, "will be dropped");
    ASSERT_TRUE(eventually([&] { return fake.send_message_calls() > before; }, 5000ms));
    std::this_thread::sleep_for(100ms);
    const Stopwatch watch;
    bot.stop();
    EXPECT_LT(watch.elapsed_s(), 0.5);
    EXPECT_EQ(bot.stats().dropped, 1u);
  }
  // In a 20 s long poll: stop() ends it at once (a second getUpdates makes
  // the server answer the waiting one with 409, as Telegram does), and the
  // fake sees no call after it.
  {
    TelegramBotOptions o = fast_options({42});
    o.poll_timeout_s = 20;
    TelegramBot bot(api_for(fake), o, rec.callbacks());
    bot.start();
    bot.start();  // a second start does nothing
    const std::size_t before = fake.get_updates_calls();
    ASSERT_TRUE(fake.wait_for_polls(before + 1, 5s));
    std::this_thread::sleep_for(100ms);
    const std::size_t conflicts = fake.conflicts();
    const Stopwatch watch;
    bot.stop();
    EXPECT_LT(watch.elapsed_s(), 0.5);
    EXPECT_EQ(fake.conflicts(), conflicts + 1);
    const std::size_t after = fake.get_updates_calls();
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(fake.get_updates_calls(), after) << "a thread outlived stop()";
    bot.stop();  // idempotent
    EXPECT_FALSE(bot.send(42, "after stop"));
  }
}

}  // namespace
}  // namespace verity
