// `verity journal` tools on a real journal: ls, stats, cat, export, backup,
// restore and prune, run as a user would. One sim session is recorded once
// for the suite; backup/restore and prune build their own journals.
#include <capnp/message.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "actors/runtime/config.hpp"
#include "actors/runtime/journal_reader.hpp"
#include "actors/runtime/journal_writer.hpp"
#include "actors/runtime/log.hpp"
#include "actors/runtime/rocksdb_store.hpp"
#include "sim/sim_runner.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/files.hpp"

namespace verity {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::CommandResult;
using testing::contains;
using testing::lines;
using testing::run_verity;
using testing::TempDir;


using testing::slurp;

bool is_iso(const std::string& s) {
  return std::regex_match(s, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"));
}

/// Splits one RFC 4180 record (no line breaks inside fields).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

class JournalTools : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    journal_ = dir_->sub("journal");
    sim_ = run_verity("sim --bars 2000 --seed 11 --level full --journal " + journal_);
    try {
      summary_ = json::parse(sim_.last_line());
    } catch (const json::exception&) {
      summary_ = json();
    }
  }
  static void TearDownTestSuite() { dir_.reset(); }

  void SetUp() override {
    ASSERT_EQ(sim_.exit_code, 0) << sim_.err;
    ASSERT_TRUE(summary_.is_object()) << sim_.out;
  }

  static std::string j() { return " --journal " + journal_; }
  static std::uint64_t messages() { return summary_["messages"].get<std::uint64_t>(); }

  static inline std::unique_ptr<TempDir> dir_;
  static inline std::string journal_;
  static inline CommandResult sim_;
  static inline json summary_;
};

TEST_F(JournalTools, EveryNewCommandAnswersHelp) {
  struct Case {
    std::string args;
    std::vector<std::string> mentions;
  };
  const std::vector<Case> cases = {
      {"journal --help", {"ls", "check", "stats", "cat", "export", "backup", "restore", "prune"}},
      {"journal ls --help", {"--journal", "--session", "first_time", "final_hash"}},
      {"journal stats --help", {"--journal", "--session", "--json", "by_actor_kind"}},
      {"journal cat --help",
       {"--journal", "--session", "--from-seq", "--to-seq", "--until", "--actor", "--kind", "--limit", "orderIntent"}},
      {"journal export --help",
       {"--format", "--out", "--from-seq", "--to-seq", "--actor", "--kind", "--limit", "jsonl", "csv"}},
      {"journal backup --help", {"--journal", "--to"}},
      {"journal restore --help", {"--from", "--journal"}},
      {"journal prune --help", {"--journal", "--older-than-days", "--dry-run", "--now", "live"}},
  };
  for (const Case& c : cases) {
    const CommandResult r = run_verity(c.args);
    EXPECT_EQ(r.exit_code, 0) << c.args << "\n" << r.err;
    for (const auto& m : c.mentions) EXPECT_TRUE(contains(r.out, m)) << c.args;
  }
}

TEST_F(JournalTools, LsShowsModeSeedLevelTimeRangeCountClosedAndHash) {
  const CommandResult r = run_verity("journal ls" + j());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto out = lines(r.out);
  ASSERT_EQ(out.size(), 1u) << r.out;
  const json s = json::parse(out[0]);
  EXPECT_EQ(s["session"], summary_["session"]);
  EXPECT_EQ(s["mode"], "sim");
  EXPECT_EQ(s["seed"], 11);
  EXPECT_EQ(s["level"], "full");
  EXPECT_EQ(s["messages"], summary_["messages"]);
  EXPECT_EQ(s["closed"], true);
  EXPECT_EQ(s["final_hash"], summary_["final_hash"]);
  ASSERT_TRUE(s["first_time"].is_string()) << s;
  ASSERT_TRUE(s["last_time"].is_string()) << s;
  EXPECT_TRUE(is_iso(s["first_time"])) << s["first_time"];
  EXPECT_TRUE(is_iso(s["last_time"])) << s["last_time"];
  EXPECT_LT(s["first_time"].get<std::string>(), s["last_time"].get<std::string>());  // ISO sorts as time
  EXPECT_TRUE(s.contains("build_id"));
}

TEST_F(JournalTools, StatsCountsAddUpByKindActorAndBoth) {
  const CommandResult r = run_verity("journal stats" + j());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "actor")) << "a table comes first";
  const json s = json::parse(r.last_line());
  EXPECT_EQ(s["session"], summary_["session"]);
  EXPECT_EQ(s["counted"].get<std::uint64_t>(), messages());  // level full stores every message
  auto sum = [](const json& counts) {
    std::uint64_t n = 0;
    for (const auto& [k, v] : counts.items()) n += v.get<std::uint64_t>();
    return n;
  };
  EXPECT_EQ(sum(s["by_kind"]), messages());
  EXPECT_EQ(sum(s["by_actor"]), messages());
  std::uint64_t both = 0;
  for (const auto& [actor, kinds] : s["by_actor_kind"].items()) {
    EXPECT_EQ(sum(kinds), s["by_actor"][actor].get<std::uint64_t>()) << actor;
    both += sum(kinds);
  }
  EXPECT_EQ(both, messages());
  // The feed fans each bar out three ways, so there are bars, and they come from the feed or outside.
  EXPECT_GE(s["by_kind"]["bar"].get<std::uint64_t>(), 2000u);
  EXPECT_GE(s["by_actor_kind"]["external"]["bar"].get<std::uint64_t>(), 2000u);

  const CommandResult only = run_verity("journal stats --json" + j());
  ASSERT_EQ(only.exit_code, 0) << only.err;
  const auto out = lines(only.out);
  ASSERT_EQ(out.size(), 1u) << only.out;
  EXPECT_EQ(json::parse(out[0]), s);
}

TEST_F(JournalTools, CatPrintsOneDecodedLinePerMatchingMessage) {
  const CommandResult r = run_verity("journal cat --from-seq 10 --to-seq 20" + j());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto out = lines(r.out);
  ASSERT_EQ(out.size(), 11u) << r.out;
  const std::regex line(R"((\d+) (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) ([a-z]+)->([a-z]+) ([a-zA-Z]+) \(.*\))");
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(out[i], m, line)) << out[i];
    EXPECT_EQ(std::stoull(m[1]), 10 + i);
  }

  const CommandResult bars = run_verity("journal cat --kind bar --limit 5" + j());
  ASSERT_EQ(bars.exit_code, 0) << bars.err;
  const auto bar_lines = lines(bars.out);
  ASSERT_EQ(bar_lines.size(), 5u) << bars.out;
  for (const auto& l : bar_lines) {
    EXPECT_TRUE(contains(l, " bar (")) << l;
    EXPECT_TRUE(contains(l, "symbol = ")) << l;
  }

  const CommandResult risk = run_verity("journal cat --actor risk,execution --kind orderIntent,order --limit 50" + j());
  ASSERT_EQ(risk.exit_code, 0) << risk.err;
  for (const auto& l : lines(risk.out)) {
    EXPECT_TRUE(contains(l, "risk") || contains(l, "execution")) << l;
    EXPECT_TRUE(contains(l, " orderIntent (") || contains(l, " order (")) << l;
  }

  // The session can be named by a prefix of its id.
  const std::string prefix = summary_["session"].get<std::string>().substr(0, 6);
  const CommandResult named = run_verity("journal cat --limit 1 --session " + prefix + j());
  ASSERT_EQ(named.exit_code, 0) << named.err;
  EXPECT_EQ(lines(named.out).size(), 1u);
  EXPECT_TRUE(named.out.starts_with("1 ")) << named.out;
}

TEST_F(JournalTools, BadInputExits2WithAClearMessage) {
  struct Case {
    std::string args;
    std::vector<std::string> mentions;
  };
  const std::string missing = dir_->sub("nowhere");
  const std::vector<Case> cases = {
      {"journal cat --kind candle" + j(), {"unknown kind \"candle\"", "valid kinds: bar, trade"}},
      {"journal cat --actor broker" + j(), {"unknown actor \"broker\"", "valid actors: external, sequencer"}},
      {"journal cat --from-seq 9 --to-seq 3" + j(), {"--from-seq 9", "--to-seq 3"}},
      {"journal cat --until someday" + j(), {"--until", "someday"}},
      {"journal cat --session ffffffffffffffff" + j(), {"no session ffffffffffffffff", journal_}},
      {"journal cat --journal " + missing, {"no journal at " + missing}},
      {"journal stats --journal " + missing, {"no journal at " + missing}},
      {"journal ls --journal " + missing, {"no journal at " + missing}},
      {"journal export --format xml" + j(), {"--format \"xml\"", "jsonl, csv"}},
      {"journal export --format csv --kind candle" + j(), {"unknown kind \"candle\""}},
      {"journal export --format jsonl --out " + dir_->sub("no/such/dir/out.jsonl") + j(),
       {"cannot write", dir_->sub("no/such/dir/out.jsonl")}},
      {"journal prune --journal " + missing, {"no journal at " + missing}},
  };
  for (const Case& c : cases) {
    const CommandResult r = run_verity(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.out << r.err;
    for (const auto& m : c.mentions) EXPECT_TRUE(contains(r.err, m)) << c.args;
  }
  EXPECT_FALSE(fs::exists(missing)) << "reading tools must not create a journal";
}

TEST_F(JournalTools, ExportJsonlIsOneObjectPerMessage) {
  const CommandResult r = run_verity("journal export --format jsonl --from-seq 1 --to-seq 40" + j());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto out = lines(r.out);
  ASSERT_EQ(out.size(), 40u);
  std::uint64_t seq = 1;
  bool saw_bar = false;
  for (const auto& l : out) {
    const json m = json::parse(l);
    EXPECT_EQ(m["seq"].get<std::uint64_t>(), seq++);
    EXPECT_TRUE(m["time_ns"].is_number_integer());
    EXPECT_TRUE(is_iso(m["time"])) << l;
    for (const char* key : {"source", "destination", "kind"}) EXPECT_TRUE(m[key].is_string()) << key;
    ASSERT_TRUE(m["payload"].is_object()) << l;
    if (m["kind"] == "bar") {
      saw_bar = true;
      EXPECT_TRUE(m["payload"]["close"].is_number()) << l;
      EXPECT_TRUE(m["payload"]["symbol"].is_string()) << l;
      EXPECT_TRUE(m["payload"]["openTimeNs"].is_string()) << "64-bit integers are strings in capnp JSON: " << l;
    }
  }
  EXPECT_TRUE(saw_bar);

  // --out writes the same lines to a file and nothing to stdout.
  const std::string file = dir_->sub("out.jsonl");
  const CommandResult to_file = run_verity("journal export --format jsonl --from-seq 1 --to-seq 40 --out " + file + j());
  ASSERT_EQ(to_file.exit_code, 0) << to_file.err;
  EXPECT_TRUE(to_file.out.empty()) << to_file.out;
  EXPECT_EQ(slurp(file), r.out);
  EXPECT_FALSE(fs::exists(file + ".tmp"));
}

TEST_F(JournalTools, ExportCsvIsRfc4180WithCapnpTextPayloads) {
  const CommandResult cat = run_verity("journal cat --kind bar,accountSnapshot --limit 30" + j());
  ASSERT_EQ(cat.exit_code, 0) << cat.err;
  const CommandResult r = run_verity("journal export --format csv --kind bar,accountSnapshot --limit 30" + j());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\r\n")) << "RFC 4180 line ends";
  const auto out = lines(r.out);
  const auto cat_lines = lines(cat.out);
  ASSERT_EQ(out.size(), 31u);
  EXPECT_EQ(out[0], "seq,time_ns,time,source,destination,kind,payload");
  for (std::size_t i = 1; i < out.size(); ++i) {
    const auto f = csv_fields(out[i]);
    ASSERT_EQ(f.size(), 7u) << out[i];
    EXPECT_TRUE(is_iso(f[2])) << out[i];
    // The same message as cat's line: seq, time, route, kind and payload text.
    EXPECT_EQ(f[0] + " " + f[2] + " " + f[3] + "->" + f[4] + " " + f[5] + " " + f[6], cat_lines[i - 1]);
  }
}

TEST_F(JournalTools, BackupRestoreRoundTripKeepsTheFinalHash) {
  const std::string backup = dir_->sub("backup-1"), restored = dir_->sub("restored-1");
  const CommandResult b = run_verity("journal backup --to " + backup + j());
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const json bs = json::parse(b.last_line());
  EXPECT_EQ(bs["sessions"], 1);
  EXPECT_GT(bs["bytes"].get<std::uint64_t>(), 0u);

  const CommandResult r = run_verity("journal restore --from " + backup + " --journal " + restored);
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const auto out = lines(r.out);
  ASSERT_EQ(out.size(), 2u) << r.out;
  const json session = json::parse(out[0]);
  EXPECT_EQ(session["ok"], true);
  EXPECT_EQ(session["final_hash"], summary_["final_hash"]);
  const json rs = json::parse(out[1]);
  EXPECT_EQ(rs["verified"], 1);
  EXPECT_EQ(rs["failed"], 0);

  const CommandResult check = run_verity("journal check --journal " + restored);
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(json::parse(check.last_line())["final_hash"], summary_["final_hash"]);
  // The original journal is untouched and still checks.
  EXPECT_EQ(run_verity("journal check" + j()).exit_code, 0);
}

TEST_F(JournalTools, BackupAndRestoreRefuseOccupiedOrWrongFolders) {
  const std::string full = dir_->sub("occupied");
  fs::create_directories(full);
  std::ofstream(full + "/keep.txt") << "mine";
  const CommandResult b = run_verity("journal backup --to " + full + j());
  EXPECT_EQ(b.exit_code, 2);
  EXPECT_TRUE(contains(b.err, full));
  EXPECT_TRUE(contains(b.err, "not empty"));
  EXPECT_EQ(slurp(full + "/keep.txt"), "mine");

  // An empty folder is fine for a backup.
  const std::string empty = dir_->sub("empty-backup");
  fs::create_directories(empty);
  ASSERT_EQ(run_verity("journal backup --to " + empty + j()).exit_code, 0);

  const CommandResult not_checkpoint = run_verity("journal restore --from " + full + " --journal " + dir_->sub("r2"));
  EXPECT_EQ(not_checkpoint.exit_code, 2);
  EXPECT_TRUE(contains(not_checkpoint.err, full + " is not a journal checkpoint"));
  EXPECT_FALSE(fs::exists(dir_->sub("r2")));

  const CommandResult missing = run_verity("journal restore --from " + dir_->sub("nope") + " --journal " + dir_->sub("r3"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(contains(missing.err, dir_->sub("nope")));

  const CommandResult into_full = run_verity("journal restore --from " + empty + " --journal " + full);
  EXPECT_EQ(into_full.exit_code, 2);
  EXPECT_TRUE(contains(into_full.err, "journal folder " + full + " exists and is not empty"));
  EXPECT_EQ(slurp(full + "/keep.txt"), "mine");

  const CommandResult no_journal = run_verity("journal backup --to " + dir_->sub("b4") + " --journal " + dir_->sub("nope"));
  EXPECT_EQ(no_journal.exit_code, 2);
  EXPECT_TRUE(contains(no_journal.err, "no journal at " + dir_->sub("nope")));
}

TEST(JournalBackup, CheckpointOfARunSimSessionRestoresAndVerifies) {
  TempDir dir;
  Config config;
  config.session.bars = 300;
  config.log.level = "off";
  config.journal.level = JournalLevel::FULL;
  config.journal.dir = dir.sub("journal");
  std::string final_hash;
  {
    auto store = RocksDbStore::open(dir.sub("journal"), Durability::synced);
    ASSERT_TRUE(store.has_value()) << store.error();
    auto result = run_sim(config, **store, "verity_tests journal backup");
    ASSERT_TRUE(result.has_value()) << result.error();
    final_hash = result->final_hash.hex();
    // A checkpoint of an open store, as `journal backup` takes it.
    ASSERT_TRUE((*store)->checkpoint(dir.sub("backup")).has_value());
    const auto again = (*store)->checkpoint(dir.sub("backup"));
    ASSERT_FALSE(again.has_value());
    EXPECT_NE(again.error().find("already exists"), std::string::npos) << again.error();
  }
  const CommandResult r = run_verity("journal restore --from " + dir.sub("backup") + " --journal " + dir.sub("restored"));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const CommandResult check = run_verity("journal check --journal " + dir.sub("restored"));
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(json::parse(check.last_line())["final_hash"], final_hash);
}

// --- prune ----------------------------------------------------------------------

const std::int64_t kDay = 86'400'000'000'000;
const std::int64_t kJan1 = 1'704'067'200'000'000'000;  // 2024-01-01T00:00:00Z

/// A closed session of `mode` with three bars, the last at `last_ns`.
std::uint64_t write_session(JournalStore& store, Mode mode, std::uint64_t seed, std::int64_t last_ns) {
  ManifestInfo m;
  m.mode = mode;
  m.root_seed = seed;
  m.config = "test";
  m.session = session_id(mode, seed, m.config);
  m.build_id = "test";
  auto writer = JournalWriter::create(store, m, false);
  EXPECT_TRUE(writer.has_value()) << writer.error();
  for (std::uint64_t seq = 1; seq <= 3; ++seq) {
    capnp::MallocMessageBuilder builder;
    auto e = builder.initRoot<schema::Envelope>();
    e.setSession(m.session);
    e.setSeq(seq);
    e.setTimeNs(last_ns - static_cast<std::int64_t>(3 - seq) * 60'000'000'000);
    e.setSource(ActorId::EXTERNAL);
    e.setDestination(ActorId::FEED);
    e.getPayload().initBar().setSymbol("BTCUSDT");
    Frame f(seal(builder));
    (*writer)->record(f);
    EXPECT_TRUE((*writer)->commit_step().has_value());
  }
  EXPECT_TRUE((*writer)->close().has_value());
  return m.session;
}

std::size_t keys_of(RocksDbStore& store, Family family, std::uint64_t session) {
  std::string from;
  keys::append_be64(from, session);
  std::size_t n = 0;
  EXPECT_TRUE(store.scan(family, from, keys::session_end(session), [&](std::string_view, std::string_view) {
    ++n;
    return true;
  }));
  return n;
}

TEST(JournalPrune, DeletesOnlyOldSimAndDryrunSessions) {
  TempDir dir;
  const std::string journal = dir.sub("journal");
  const std::int64_t now = kJan1 + 200 * kDay;  // 2024-07-19
  std::uint64_t old_sim, old_dryrun, new_sim, old_live, old_replay;
  {
    auto store = RocksDbStore::open(journal, Durability::synced);
    ASSERT_TRUE(store.has_value()) << store.error();
    old_sim = write_session(**store, Mode::SIM, 1, now - 100 * kDay);
    old_dryrun = write_session(**store, Mode::DRYRUN, 2, now - 91 * kDay);
    new_sim = write_session(**store, Mode::SIM, 3, now - 89 * kDay);
    old_live = write_session(**store, Mode::LIVE, 4, now - 400 * kDay);
    old_replay = write_session(**store, Mode::REPLAY, 5, now - 400 * kDay);
  }
  const std::string args = " --journal " + journal + " --now 2024-07-19T00:00:00Z";

  auto decisions = [](const CommandResult& r) {
    std::map<std::string, std::string> out;
    const auto ls = lines(r.out);
    for (std::size_t i = 0; i + 1 < ls.size(); ++i) {
      const json d = json::parse(ls[i]);
      out[d["session"]] = d["decision"];
      EXPECT_TRUE(d["reason"].is_string()) << ls[i];
    }
    return out;
  };

  const CommandResult dry = run_verity("journal prune --dry-run" + args);
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  auto d = decisions(dry);
  EXPECT_EQ(d[session_hex(old_sim)], "would_delete");
  EXPECT_EQ(d[session_hex(old_dryrun)], "would_delete");
  EXPECT_EQ(d[session_hex(new_sim)], "keep");
  EXPECT_EQ(d[session_hex(old_live)], "keep");
  EXPECT_EQ(d[session_hex(old_replay)], "keep");
  json summary = json::parse(dry.last_line());
  EXPECT_EQ(summary["kept"], 3);
  EXPECT_EQ(summary["would_delete"], 2);
  EXPECT_EQ(summary["dry_run"], true);
  EXPECT_EQ(lines(run_verity("journal ls --journal " + journal).out).size(), 5u) << "a dry run changes nothing";

  const CommandResult real = run_verity("journal prune" + args);
  ASSERT_EQ(real.exit_code, 0) << real.err;
  d = decisions(real);
  EXPECT_EQ(d[session_hex(old_sim)], "delete");
  EXPECT_EQ(d[session_hex(old_dryrun)], "delete");
  summary = json::parse(real.last_line());
  EXPECT_EQ(summary["kept"], 3);
  EXPECT_EQ(summary["deleted"], 2);
  EXPECT_EQ(summary["cutoff"], "2024-04-20T00:00:00.000Z");

  const CommandResult ls = run_verity("journal ls --journal " + journal);
  ASSERT_EQ(ls.exit_code, 0);
  EXPECT_EQ(lines(ls.out).size(), 3u) << ls.out;
  EXPECT_EQ(run_verity("journal check --journal " + journal).exit_code, 0);
  {
    auto store = RocksDbStore::open_read_only(journal);
    ASSERT_TRUE(store.has_value()) << store.error();
    for (auto gone : {old_sim, old_dryrun}) {
      EXPECT_EQ(keys_of(**store, Family::journal, gone), 0u);
      EXPECT_EQ(keys_of(**store, Family::meta, gone), 0u);
    }
    EXPECT_EQ(keys_of(**store, Family::journal, new_sim), 3u);
    EXPECT_EQ(keys_of(**store, Family::journal, old_live), 3u);
  }

  // A shorter age limit takes the newer sim session too; live and replay stay.
  const CommandResult tighter = run_verity("journal prune --older-than-days 10" + args);
  ASSERT_EQ(tighter.exit_code, 0) << tighter.err;
  EXPECT_EQ(json::parse(tighter.last_line())["deleted"], 1);
  EXPECT_EQ(lines(run_verity("journal ls --journal " + journal).out).size(), 2u);
}

TEST(JournalPrune, AgeIsWallTimeSinceRecordingNotMarketTime) {
  // A sim over 2024 market data recorded today is young: it is kept.
  TempDir dir;
  ASSERT_EQ(run_verity("sim --bars 50 --journal " + dir.sub("j")).exit_code, 0);
  const auto kept = run_verity("journal prune --dry-run --journal " + dir.sub("j"));
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_TRUE(contains(kept.out, "\"decision\":\"keep\"")) << kept.out;
  EXPECT_TRUE(contains(kept.out, "recorded less than 90 days ago")) << kept.out;
  // Seen from a year later it is old.
  const auto later = run_verity("journal prune --dry-run --now 2099-01-01T00:00:00Z --journal " + dir.sub("j"));
  ASSERT_EQ(later.exit_code, 0) << later.err;
  EXPECT_TRUE(contains(later.out, "would_delete")) << later.out;
}

TEST(JournalPrune, BadInputExits2) {
  TempDir dir;
  const std::string journal = dir.sub("journal");
  {
    auto store = RocksDbStore::open(journal, Durability::synced);
    ASSERT_TRUE(store.has_value()) << store.error();
  }
  const CommandResult bad_now = run_verity("journal prune --now soon --journal " + journal);
  EXPECT_EQ(bad_now.exit_code, 2);
  EXPECT_TRUE(contains(bad_now.err, "--now \"soon\""));
  const CommandResult negative = run_verity("journal prune --older-than-days -1 --journal " + journal);
  EXPECT_EQ(negative.exit_code, 2);
  EXPECT_TRUE(contains(negative.err, "--older-than-days"));
  // An empty journal prunes nothing, with the wall clock as now.
  const CommandResult empty = run_verity("journal prune --journal " + journal);
  ASSERT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_EQ(json::parse(empty.last_line())["deleted"], 0);
}

}  // namespace
}  // namespace verity
