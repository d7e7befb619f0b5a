// `verity journal`: list the sessions in a journal and check their integrity.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "actors/runtime/calendar.hpp"
#include "actors/runtime/journal_reader.hpp"
#include "actors/runtime/log.hpp"
#include "actors/runtime/rocksdb_store.hpp"
#include "app/commands.hpp"

namespace verity::app {

namespace {

struct JournalArgs {
  std::string dir = "verity-data/journal";
  std::string session;  // hex; empty: all
};

/// The journal opened read-only, and the sessions the arguments select.
struct Opened {
  std::unique_ptr<RocksDbStore> store;
  std::vector<std::uint64_t> sessions;
};

std::expected<Opened, std::string> open_selected(const JournalArgs& a) {
  auto store = RocksDbStore::open_read_only(a.dir);
  if (!store) return std::unexpected(store.error());
  auto all = JournalReader::sessions(**store);
  if (!all) return std::unexpected(all.error());
  Opened out{std::move(*store), {}};
  for (auto s : *all) {
    if (a.session.empty() || session_hex(s) == a.session) out.sessions.push_back(s);
  }
  if (!a.session.empty() && out.sessions.empty()) {
    return std::unexpected("no session " + a.session + " in " + out.store->describe());
  }
  return out;
}

int ls(const JournalArgs& a) {
  auto opened = open_selected(a);
  if (!opened) {
    std::fprintf(stderr, "verity journal ls: %s\n", opened.error().c_str());
    return kExitError;
  }
  for (auto id : opened->sessions) {
    auto r = JournalReader::open(*opened->store, id);
    nlohmann::ordered_json j;
    j["session"] = session_hex(id);
    if (!r) {
      j["error"] = r.error();
    } else {
      j["mode"] = mode_name(r->manifest().mode);
      j["seed"] = r->manifest().root_seed;
      j["level"] = level_name(r->head().level);
      j["messages"] = r->head().messages;
      j["stored"] = r->head().stored;
      j["last_time"] = format_iso8601_ms(r->head().last_time_ns);
      j["closed"] = r->head().closed;
      j["final_hash"] = r->head().chain.hex();
      j["build_id"] = r->manifest().build_id;
    }
    std::printf("%s\n", j.dump().c_str());
  }
  return kExitOk;
}

int check(const JournalArgs& a) {
  auto opened = open_selected(a);
  if (!opened) {
    std::fprintf(stderr, "verity journal check: %s\n", opened.error().c_str());
    return kExitError;
  }
  int rc = kExitOk;
  for (auto id : opened->sessions) {
    auto r = JournalReader::open(*opened->store, id);
    if (!r) {
      std::fprintf(stderr, "verity journal check: session %s: %s\n", session_hex(id).c_str(), r.error().c_str());
      rc = kExitFailed;
      continue;
    }
    auto report = r->verify();
    nlohmann::ordered_json j;
    j["session"] = session_hex(id);
    j["ok"] = report.has_value();
    if (report) {
      j["records"] = report->records;
      j["digests"] = report->digests;
      j["last_seq"] = report->last_seq;
      j["final_hash"] = report->chain.hex();
    } else {
      j["seq"] = report.error().seq;
      j["error"] = report.error().what;
      std::fprintf(stderr, "verity journal check: session %s: %s\n", session_hex(id).c_str(),
                   report.error().message().c_str());
      rc = kExitFailed;
    }
    std::printf("%s\n", j.dump().c_str());
  }
  return rc;
}


void add_journal_options(CLI::App* c, const std::shared_ptr<JournalArgs>& args) {
  c->add_option("--journal", args->dir, "journal folder")->capture_default_str();
  c->add_option("--session", args->session, "one session id (16 hex digits); default: all");
}

void add_ls(CLI::App& journal, std::function<int()>& run) {
  auto args = std::make_shared<JournalArgs>();
  auto* c = journal.add_subcommand("ls", "One JSON line per session: mode, seed, level, messages, final hash.");
  add_journal_options(c, args);
  c->callback([&run, args] { run = [args] { return ls(*args); }; });
}

void add_check(CLI::App& journal, std::function<int()>& run) {
  auto args = std::make_shared<JournalArgs>();
  auto* c = journal.add_subcommand(
      "check", "Verify every record's checksum, the seq sequence and the hash chain. Exit 1 names the first bad seq.");
  add_journal_options(c, args);
  c->callback([&run, args] { run = [args] { return check(*args); }; });
}

}  // namespace

const Registrar register_journal_ls("journal", "ls", add_ls);
const Registrar register_journal_check("journal", "check", add_check);

}  // namespace verity::app
