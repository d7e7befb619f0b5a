// `verity journal`: list the sessions in a journal, check their integrity,
// count, print and export their messages, back a journal up and restore it,
// and prune old sim sessions. docs/JOURNAL.md describes every subcommand.
#include <capnp/compat/json.h>
#include <capnp/dynamic.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>

#include "actors/runtime/calendar.hpp"
#include "actors/runtime/clock.hpp"
#include "actors/runtime/journal_filter.hpp"
#include "actors/runtime/journal_reader.hpp"
#include "actors/runtime/log.hpp"
#include "actors/runtime/rocksdb_store.hpp"
#include "app/commands.hpp"

namespace verity::app {

namespace {

namespace fs = std::filesystem;

struct JournalArgs {
  std::string dir = "verity-data/journal";
  std::string session;  // hex or a prefix of it; empty: all
};

/// Prints "verity journal <cmd>: <message>" to stderr and returns `rc`.
int fail(const char* cmd, const std::string& message, int rc = kExitError) {
  std::fprintf(stderr, "verity journal %s: %s\n", cmd, message.c_str());
  return rc;
}

std::string session_list(const std::vector<std::uint64_t>& sessions) {
  std::string all;
  for (auto s : sessions) all += (all.empty() ? "" : ", ") + session_hex(s);
  return all.empty() ? "none" : all;
}

/// The journal opened read-only, and the sessions the arguments select.
struct Opened {
  std::unique_ptr<RocksDbStore> store;
  std::vector<std::uint64_t> sessions;
};

/// Every session whose id starts with `a.session` (all when it is empty).
std::expected<Opened, std::string> open_selected(const JournalArgs& a) {
  auto store = RocksDbStore::open_read_only(a.dir);
  if (!store) return std::unexpected(store.error());
  auto all = JournalReader::sessions(**store);
  if (!all) return std::unexpected(all.error());
  Opened out{std::move(*store), {}};
  for (auto s : *all) {
    if (a.session.empty() || session_hex(s).starts_with(a.session)) out.sessions.push_back(s);
  }
  if (!a.session.empty() && out.sessions.empty()) {
    return std::unexpected("no session " + a.session + " in the " + out.store->describe() +
                           "; there are: " + session_list(*all));
  }
  return out;
}

/// Exactly one session: the one `a.session` names (or prefixes), or the only one.
std::expected<Opened, std::string> open_one(const JournalArgs& a) {
  auto opened = open_selected(a);
  if (!opened) return opened;
  if (opened->sessions.empty()) return std::unexpected("no sessions in the " + opened->store->describe());
  if (opened->sessions.size() > 1) {
    return std::unexpected(std::string(a.session.empty() ? "several sessions" : "several sessions match " + a.session) +
                           " in the " + opened->store->describe() + ": " + session_list(opened->sessions) +
                           "; name one with --session");
  }
  return opened;
}

std::string error_in(std::uint64_t session, const JournalError& e) {
  return "session " + session_hex(session) + ": " + e.message();
}

/// The time of the first stored message, if any is stored.
std::expected<std::optional<std::int64_t>, JournalError> first_time_ns(JournalReader& r) {
  std::optional<std::int64_t> t;
  auto ok = r.for_each(1, UINT64_MAX, [&](const FramePtr& f) {
    t = f->time_ns();
    return false;
  });
  if (!ok) return std::unexpected(ok.error());
  return t;
}

// --- ls, check ---------------------------------------------------------------

int ls(const JournalArgs& a) {
  auto opened = open_selected(a);
  if (!opened) return fail("ls", opened.error());
  for (auto id : opened->sessions) {
    auto r = JournalReader::open(*opened->store, id);
    nlohmann::ordered_json j;
    j["session"] = session_hex(id);
    if (!r) {
      j["error"] = r.error();
    } else {
      auto first = first_time_ns(*r);
      j["mode"] = mode_name(r->manifest().mode);
      j["seed"] = r->manifest().root_seed;
      j["level"] = level_name(r->head().level);
      j["messages"] = r->head().messages;
      j["stored"] = r->head().stored;
      if (first && *first) j["first_time"] = format_iso8601_ms(**first);
      else j["first_time"] = nullptr;
      j["last_time"] = format_iso8601_ms(r->head().last_time_ns);
      j["closed"] = r->head().closed;
      j["final_hash"] = r->head().chain.hex();
      j["build_id"] = r->manifest().build_id;
      if (!first) j["error"] = first.error().message();  // listed as damaged; `check` says more
    }
    std::printf("%s\n", j.dump().c_str());
  }
  return kExitOk;
}

int check(const JournalArgs& a) {
  auto opened = open_selected(a);
  if (!opened) return fail("check", opened.error());
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

// --- stats --------------------------------------------------------------------

struct StatsArgs : JournalArgs {
  bool json_only = false;
};

int stats(const StatsArgs& a) {
  auto opened = open_selected(a);
  if (!opened) return fail("stats", opened.error());
  for (auto id : opened->sessions) {
    auto r = JournalReader::open(*opened->store, id);
    if (!r) return fail("stats", "session " + session_hex(id) + ": " + r.error());
    std::map<std::string, std::uint64_t> by_kind, by_actor;
    std::map<std::string, std::map<std::string, std::uint64_t>> by_actor_kind;
    std::uint64_t counted = 0;
    auto ok = r->for_each(1, UINT64_MAX, [&](const FramePtr& f) {
      const std::string kind(kind_name(f->kind())), actor(actor_name(f->source()));
      ++by_kind[kind];
      ++by_actor[actor];
      ++by_actor_kind[actor][kind];
      ++counted;
      return true;
    });
    if (!ok) return fail("stats", error_in(id, ok.error()));
    if (!a.json_only) {
      std::printf("session %s (%s, level %s): %llu messages, %llu stored and counted\n", session_hex(id).c_str(),
                  std::string(mode_name(r->manifest().mode)).c_str(), std::string(level_name(r->head().level)).c_str(),
                  static_cast<unsigned long long>(r->head().messages), static_cast<unsigned long long>(counted));
      std::printf("  %-12s %-18s %12s\n", "actor", "kind", "count");
      for (const auto& [actor, kinds] : by_actor_kind) {
        for (const auto& [kind, n] : kinds) {
          std::printf("  %-12s %-18s %12llu\n", actor.c_str(), kind.c_str(), static_cast<unsigned long long>(n));
        }
      }
    }
    nlohmann::ordered_json j;
    j["session"] = session_hex(id);
    j["mode"] = mode_name(r->manifest().mode);
    j["level"] = level_name(r->head().level);
    j["messages"] = r->head().messages;
    j["counted"] = counted;
    j["by_kind"] = by_kind;
    j["by_actor"] = by_actor;
    j["by_actor_kind"] = by_actor_kind;
    std::printf("%s\n", j.dump().c_str());
  }
  return kExitOk;
}

// --- cat, export -------------------------------------------------------------

struct FilterArgs : JournalArgs {
  JournalFilterText filter;
  std::uint64_t limit = 0;  // 0: no limit
};

struct CatArgs : FilterArgs {};

struct ExportArgs : FilterArgs {
  std::string format;
  std::string out;
};

/// The payload's union member and its value, read through the schema.
struct PayloadValue {
  std::optional<capnp::StructSchema::Field> field;  // empty: a kind this binary does not know
  capnp::DynamicValue::Reader value;
};

PayloadValue payload_of(const Frame& f) {
  auto payload = capnp::toDynamic(f.envelope().getPayload());
  PayloadValue out;
  KJ_IF_MAYBE(field, payload.which()) {
    out.field = *field;
    out.value = payload.get(*field);
  }
  return out;
}

std::string payload_text(const Frame& f) {
  auto p = payload_of(f);
  if (!p.field) return "unknown(" + std::to_string(static_cast<unsigned>(f.kind())) + ")";
  return std::string(kj::str(p.value).cStr());
}

std::string route(const Frame& f) {
  return std::string(actor_name(f.source())) + "->" + std::string(actor_name(f.destination()));
}

/// Runs `fn` on every stored message of the one selected session that
/// matches the filter, up to the limit. Returns the exit code.
int for_matching(const char* cmd, const FilterArgs& a, const std::function<void(const Frame&)>& fn,
                 std::uint64_t* matched_out = nullptr) {
  auto filter = make_filter(a.filter);
  if (!filter) return fail(cmd, filter.error());
  auto opened = open_one(a);
  if (!opened) return fail(cmd, opened.error());
  const std::uint64_t id = opened->sessions.front();
  auto r = JournalReader::open(*opened->store, id);
  if (!r) return fail(cmd, "session " + session_hex(id) + ": " + r.error());
  if (r->head().level == JournalLevel::HASH) {
    std::fprintf(stderr,
                 "verity journal %s: session %s was recorded at level hash: no messages are stored, only the "
                 "final hash\n",
                 cmd, session_hex(id).c_str());
  }
  std::uint64_t matched = 0;
  auto ok = r->for_each(filter->from_seq, filter->to_seq, [&](const FramePtr& f) {
    if (filter->past_end(*f)) return false;
    if (!filter->matches(*f)) return true;
    fn(*f);
    ++matched;
    return a.limit == 0 || matched < a.limit;
  });
  if (!ok) return fail(cmd, error_in(id, ok.error()));
  if (matched_out) *matched_out = matched;
  return kExitOk;
}

int cat(const CatArgs& a) {
  return for_matching("cat", a, [](const Frame& f) {
    std::printf("%llu %s %s %s %s\n", static_cast<unsigned long long>(f.seq()), format_iso8601_ms(f.time_ns()).c_str(),
                route(f).c_str(), std::string(kind_name(f.kind())).c_str(), payload_text(f).c_str());
  });
}

/// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

/// The payload as JSON, by Cap'n Proto's own mapping (capnp::JsonCodec): 64-bit
/// integers are strings, Data is an array of byte values, NaN is "NaN".
nlohmann::ordered_json payload_json(const capnp::JsonCodec& codec, const Frame& f) {
  auto p = payload_of(f);
  if (!p.field) return nullptr;
  auto text = codec.encode(p.value, p.field->getType());
  return nlohmann::ordered_json::parse(text.cStr());
}

int export_journal(const ExportArgs& a) {
  if (a.format != "jsonl" && a.format != "csv") {
    return fail("export", "--format \"" + a.format + "\" is not one of: jsonl, csv");
  }
  // Check the filter and the journal before creating any file.
  if (auto filter = make_filter(a.filter); !filter) return fail("export", filter.error());
  if (auto opened = open_one(a); !opened) return fail("export", opened.error());

  FILE* out = stdout;
  std::string tmp;
  if (!a.out.empty()) {
    // Written beside the target and renamed at the end: the file appears whole or not at all.
    tmp = a.out + ".tmp";
    out = std::fopen(tmp.c_str(), "wb");
    if (!out) return fail("export", "cannot write " + tmp + ": " + std::strerror(errno));
  }
  capnp::JsonCodec codec;
  const bool csv = a.format == "csv";
  if (csv) std::fputs("seq,time_ns,time,source,destination,kind,payload\r\n", out);
  std::uint64_t matched = 0;
  int rc = for_matching(
      "export", a,
      [&](const Frame& f) {
        const std::string kind(kind_name(f.kind())), src(actor_name(f.source())), dst(actor_name(f.destination()));
        if (csv) {
          std::string line = std::to_string(f.seq()) + "," + std::to_string(f.time_ns()) + "," +
                             format_iso8601_ms(f.time_ns()) + "," + csv_field(src) + "," + csv_field(dst) + "," +
                             csv_field(kind) + "," + csv_field(payload_text(f)) + "\r\n";
          std::fputs(line.c_str(), out);
        } else {
          nlohmann::ordered_json j;
          j["seq"] = f.seq();
          j["time_ns"] = f.time_ns();
          j["time"] = format_iso8601_ms(f.time_ns());
          j["source"] = src;
          j["destination"] = dst;
          j["kind"] = kind;
          j["payload"] = payload_json(codec, f);
          std::string line = j.dump();
          line += '\n';
          std::fputs(line.c_str(), out);
        }
      },
      &matched);
  if (out == stdout) {
    std::fflush(stdout);
    return rc;
  }
  const bool write_error = std::ferror(out) != 0;
  const bool close_error = std::fclose(out) != 0;
  std::error_code ec;
  if (rc != kExitOk) {
    fs::remove(tmp, ec);
    return rc;
  }
  if (write_error || close_error) {
    fs::remove(tmp, ec);
    return fail("export", "cannot write " + a.out + " (disk full?)");
  }
  fs::rename(tmp, a.out, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return fail("export", "cannot write " + a.out + ": " + ec.message());
  }
  std::fprintf(stderr, "verity journal export: %llu messages to %s\n", static_cast<unsigned long long>(matched),
               a.out.c_str());
  return kExitOk;
}

// --- backup, restore --------------------------------------------------------

/// Exists and holds at least one entry (or is not a folder at all).
bool occupied(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return false;
  if (!fs::is_directory(dir, ec)) return true;
  return !fs::is_empty(dir, ec) || ec;
}

struct FolderSize {
  std::uint64_t files = 0, bytes = 0;
};

FolderSize folder_size(const std::string& dir) {
  FolderSize s;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) {
      s.files += 1;
      s.bytes += e.file_size(ec);
    }
  }
  return s;
}

struct BackupArgs {
  std::string dir = "verity-data/journal";
  std::string to;
};

struct RestoreArgs {
  std::string from;
  std::string dir;
};

/// One JSON line per session of `store`: verified (full scan) or just listed.
/// Returns how many failed verification.
std::expected<std::uint64_t, std::string> report_sessions(RocksDbStore& store, bool verify) {
  auto sessions = JournalReader::sessions(store);
  if (!sessions) return std::unexpected(sessions.error());
  std::uint64_t failed = 0;
  for (auto id : *sessions) {
    nlohmann::ordered_json j;
    j["session"] = session_hex(id);
    auto r = JournalReader::open(store, id);
    if (!r) {
      j["ok"] = false;
      j["error"] = r.error();
      ++failed;
    } else {
      j["mode"] = mode_name(r->manifest().mode);
      j["messages"] = r->head().messages;
      if (verify) {
        auto report = r->verify();
        j["ok"] = report.has_value();
        if (report) {
          j["final_hash"] = report->chain.hex();
        } else {
          j["seq"] = report.error().seq;
          j["error"] = report.error().what;
          ++failed;
        }
      } else {
        j["final_hash"] = r->head().chain.hex();
      }
    }
    std::printf("%s\n", j.dump().c_str());
  }
  return failed;
}

int backup(const BackupArgs& a) {
  if (occupied(a.to)) {
    return fail("backup", "backup folder " + a.to + " exists and is not empty; name a new or empty folder");
  }
  std::error_code ec;
  if (!fs::exists(fs::path(a.dir) / "CURRENT", ec)) {
    return fail("backup", "no journal at " + a.dir + ": expected a RocksDB folder with a CURRENT file");
  }
  std::uint64_t sessions = 0;
  {
    // Opened for writing: RocksDB's lock guarantees no other process writes
    // while the checkpoint is taken.
    auto store = RocksDbStore::open(a.dir, Durability::synced);
    if (!store) return fail("backup", store.error() + " (is a session still running on it?)");
    if (fs::exists(a.to, ec)) fs::remove(a.to, ec);  // an empty folder: RocksDB creates its own
    if (auto ok = (*store)->checkpoint(a.to); !ok) return fail("backup", ok.error());
  }
  auto copy = RocksDbStore::open_read_only(a.to);
  if (!copy) return fail("backup", "the checkpoint at " + a.to + " does not open: " + copy.error());
  auto failed = report_sessions(**copy, false);
  if (!failed) return fail("backup", "the checkpoint at " + a.to + ": " + failed.error());
  if (auto list = JournalReader::sessions(**copy)) sessions = list->size();
  const FolderSize size = folder_size(a.to);
  nlohmann::ordered_json j;
  j["backup"] = a.to;
  j["journal"] = a.dir;
  j["sessions"] = sessions;
  j["files"] = size.files;
  j["bytes"] = size.bytes;
  std::printf("%s\n", j.dump().c_str());
  return kExitOk;
}

int restore(const RestoreArgs& a) {
  std::error_code ec;
  if (!fs::is_directory(a.from, ec)) return fail("restore", "no backup at " + a.from + ": not a folder");
  if (!fs::exists(fs::path(a.from) / "CURRENT", ec)) {
    return fail("restore", a.from + " is not a journal checkpoint: it has no CURRENT file "
                                    "(make one with verity journal backup)");
  }
  {
    auto probe = RocksDbStore::open_read_only(a.from);
    if (!probe) return fail("restore", a.from + " is not a journal checkpoint: " + probe.error());
    auto sessions = JournalReader::sessions(**probe);
    if (!sessions) return fail("restore", a.from + " is not a readable journal checkpoint: " + sessions.error());
  }
  if (occupied(a.dir)) {
    return fail("restore", "journal folder " + a.dir +
                               " exists and is not empty; restore into a new or empty folder (nothing was changed)");
  }
  const bool existed = fs::exists(a.dir, ec);
  fs::create_directories(a.dir, ec);
  if (ec) return fail("restore", "cannot create journal folder " + a.dir + ": " + ec.message());
  // Copies, never links: the restored journal shares nothing with the backup.
  for (const auto& entry : fs::directory_iterator(a.from, ec)) {
    if (entry.path().filename() == "LOCK") continue;
    fs::copy(entry.path(), fs::path(a.dir) / entry.path().filename(), fs::copy_options::recursive, ec);
    if (ec) {
      const std::string what = "cannot copy " + entry.path().string() + " to " + a.dir + ": " + ec.message();
      std::error_code ignore;
      if (existed) {
        for (const auto& e : fs::directory_iterator(a.dir, ignore)) fs::remove_all(e.path(), ignore);
      } else {
        fs::remove_all(a.dir, ignore);
      }
      return fail("restore", what + " (the partial copy was removed)");
    }
  }
  if (ec) return fail("restore", "cannot read " + a.from + ": " + ec.message());
  auto store = RocksDbStore::open_read_only(a.dir);
  if (!store) return fail("restore", "the restored journal at " + a.dir + " does not open: " + store.error());
  auto sessions = JournalReader::sessions(**store);
  if (!sessions) return fail("restore", "the restored journal at " + a.dir + ": " + sessions.error());
  auto failed = report_sessions(**store, true);
  if (!failed) return fail("restore", "the restored journal at " + a.dir + ": " + failed.error());
  nlohmann::ordered_json j;
  j["restored"] = a.dir;
  j["from"] = a.from;
  j["sessions"] = sessions->size();
  j["verified"] = sessions->size() - *failed;
  j["failed"] = *failed;
  std::printf("%s\n", j.dump().c_str());
  if (*failed) {
    std::fprintf(stderr, "verity journal restore: %llu of %zu sessions in %s failed verification (see the JSON lines)\n",
                 static_cast<unsigned long long>(*failed), sessions->size(), a.dir.c_str());
    return kExitFailed;
  }
  return kExitOk;
}

// --- prune ---------------------------------------------------------------------

struct PruneArgs {
  std::string dir = "verity-data/journal";
  std::int64_t older_than_days = 90;
  bool dry_run = false;
  std::string now;  // ISO 8601; empty: the wall clock
};

/// Only sessions that can be re-run from their seed are pruned.
bool prunable_mode(Mode m) { return m == Mode::SIM || m == Mode::DRYRUN; }

int prune(const PruneArgs& a) {
  if (a.older_than_days < 0) {
    return fail("prune", "--older-than-days " + std::to_string(a.older_than_days) + " must be 0 or more");
  }
  std::int64_t now_ns = 0;
  if (a.now.empty()) {
    LiveClock clock;
    now_ns = clock.now_ns();
  } else {
    auto t = parse_iso8601_ns(a.now);
    if (!t) return fail("prune", "--now \"" + a.now + "\" is not an ISO 8601 UTC time (YYYY-MM-DD[THH:MM:SS[.fff]][Z])");
    now_ns = *t;
  }
  const std::int64_t cutoff_ns = now_ns - a.older_than_days * kNsPerDay;
  std::error_code ec;
  if (!fs::exists(fs::path(a.dir) / "CURRENT", ec)) {
    return fail("prune", "no journal at " + a.dir + ": expected a RocksDB folder with a CURRENT file");
  }
  auto store = RocksDbStore::open(a.dir, Durability::synced);
  if (!store) return fail("prune", store.error() + " (is a session still running on it?)");
  auto sessions = JournalReader::sessions(**store);
  if (!sessions) return fail("prune", sessions.error());
  std::uint64_t kept = 0, deleted = 0;
  for (auto id : *sessions) {
    nlohmann::ordered_json j;
    j["session"] = session_hex(id);
    bool remove = false;
    auto r = JournalReader::open(**store, id);
    if (!r) {
      j["decision"] = "keep";
      j["reason"] = "unreadable manifest or head, kept for inspection: " + r.error();
    } else {
      const Mode mode = r->manifest().mode;
      // Age is wall time since the recording started (the manifest's
      // recordedAtNs); journals from before that field use their last message time.
      const bool wall = r->manifest().recorded_at_ns != 0;
      const std::int64_t last = wall ? r->manifest().recorded_at_ns : r->head().last_time_ns;
      j["mode"] = mode_name(mode);
      j[wall ? "recorded_at" : "last_time"] = format_iso8601_ms(last);
      if (!prunable_mode(mode)) {
        j["decision"] = "keep";
        j["reason"] = std::string(mode_name(mode)) + " sessions are never pruned";
      } else if (last >= cutoff_ns) {
        j["decision"] = "keep";
        j["reason"] = std::string(wall ? "recorded" : "last message is") + " less than " +
                      std::to_string(a.older_than_days) + " days ago";
      } else {
        remove = true;
        j["decision"] = a.dry_run ? "would_delete" : "delete";
        j["reason"] = std::string(wall ? "recorded" : "last message is") + " more than " +
                      std::to_string(a.older_than_days) + " days ago";
      }
    }
    if (remove && !a.dry_run) {
      // One atomic batch per session: records, manifest, head and digests.
      std::string from;
      keys::append_be64(from, id);
      const std::string to = keys::session_end(id);
      (*store)->erase_range(Family::journal, from, to);
      (*store)->erase_range(Family::meta, from, to);
      if (auto ok = (*store)->commit(); !ok) {
        std::printf("%s\n", j.dump().c_str());
        return fail("prune", "session " + session_hex(id) + ": " + ok.error());
      }
    }
    if (remove) ++deleted;
    else ++kept;
    std::printf("%s\n", j.dump().c_str());
  }
  if (deleted && !a.dry_run) {
    if (auto ok = (*store)->compact(); !ok) return fail("prune", ok.error());
  }
  nlohmann::ordered_json s;
  s["journal"] = a.dir;
  s["now"] = format_iso8601_ms(now_ns);
  s["cutoff"] = format_iso8601_ms(cutoff_ns);
  s["dry_run"] = a.dry_run;
  s["kept"] = kept;
  s[a.dry_run ? "would_delete" : "deleted"] = deleted;
  std::printf("%s\n", s.dump().c_str());
  return kExitOk;
}

// --- command-line wiring --------------------------------------------------------

void add_journal_options(CLI::App* c, const std::shared_ptr<JournalArgs>& args, bool one) {
  c->add_option("--journal", args->dir, "journal folder")->capture_default_str();
  c->add_option("--session", args->session,
                one ? "session id (16 hex digits) or a unique prefix; default: the only session"
                    : "session id (16 hex digits) or a prefix of it; default: all");
}

template <class Args>
void add_filter_options(CLI::App* c, const std::shared_ptr<Args>& args) {
  add_journal_options(c, args, true);
  c->add_option("--from-seq", args->filter.from_seq, "first seq (inclusive)")->capture_default_str();
  c->add_option("--to-seq", args->filter.to_seq, "last seq (inclusive); default: the end");
  c->add_option("--until", args->filter.until, "only messages at or before this ISO 8601 UTC time");
  c->add_option("--actor", args->filter.actors,
                "only messages from or to these actors, comma-separated (" + valid_actor_names() + ")");
  c->add_option("--kind", args->filter.kinds, "only these kinds, comma-separated (" + valid_kind_names() + ")");
  c->add_option("--limit", args->limit, "stop after this many matching messages; 0: no limit")->capture_default_str();
}

void add_ls(CLI::App& journal, std::function<int()>& run) {
  auto args = std::make_shared<JournalArgs>();
  auto* c = journal.add_subcommand(
      "ls", "One JSON line per session: mode, seed, level, time range, messages, closed flag, final hash.");
  c->footer(
      "Keys: session, mode, seed, level, messages, stored, first_time (null when nothing is stored), last_time,\n"
      "closed, final_hash, build_id. Times are ISO 8601 UTC, the messages' logical time. Exit 0, or 2 when the\n"
      "journal cannot be read.");
  add_journal_options(c, args, false);
  c->callback([&run, args] { run = [args] { return ls(*args); }; });
}

void add_check(CLI::App& journal, std::function<int()>& run) {
  auto args = std::make_shared<JournalArgs>();
  auto* c = journal.add_subcommand(
      "check", "Verify every record's checksum, the seq sequence and the hash chain. Exit 1 names the first bad seq.");
  add_journal_options(c, args, false);
  c->callback([&run, args] { run = [args] { return check(*args); }; });
}

void add_stats(CLI::App& journal, std::function<int()>& run) {
  auto args = std::make_shared<StatsArgs>();
  auto* c = journal.add_subcommand("stats", "Count each session's stored messages by kind, by actor and by both.");
  c->footer(
      "Per session: a table (actor = the message's source) unless --json, then one JSON line with session, mode,\n"
      "level, messages, counted, by_kind, by_actor, by_actor_kind. The last line is JSON. Exit 0; 2 when the\n"
      "journal cannot be read or a record is damaged (naming its seq).");
  add_journal_options(c, args, false);
  c->add_flag("--json", args->json_only, "only the JSON lines, no table");
  c->callback([&run, args] { run = [args] { return stats(*args); }; });
}

void add_cat(CLI::App& journal, std::function<int()>& run) {
  auto args = std::make_shared<CatArgs>();
  auto* c = journal.add_subcommand("cat", "Print one session's messages, one decoded line each.");
  c->footer(
      "Each line: seq, time (ISO 8601 UTC), source->destination, kind, then the payload as Cap'n Proto text.\n"
      "Filters combine with AND; --actor matches the source or the destination. Exit 0; 2 on an unknown actor\n"
      "or kind (the message lists the valid names), a bad seq range, or a damaged record (naming its seq).");
  add_filter_options(c, args);
  c->callback([&run, args] { run = [args] { return cat(*args); }; });
}

void add_export(CLI::App& journal, std::function<int()>& run) {
  auto args = std::make_shared<ExportArgs>();
  auto* c = journal.add_subcommand("export", "Export one session's messages as JSON lines or CSV.");
  c->footer(
      "jsonl: one object per message: seq, time_ns, time, source, destination, kind, payload (Cap'n Proto's\n"
      "JSON mapping: 64-bit integers as strings). csv: header seq,time_ns,time,source,destination,kind,payload;\n"
      "payload as Cap'n Proto text; RFC 4180 quoting and CRLF line ends. --out writes FILE.tmp and renames it\n"
      "at the end. Same filters as cat. Exit 0; 2 on bad input, a damaged record or a write error.");
  add_filter_options(c, args);
  c->add_option("--format", args->format, "jsonl or csv")->required();
  c->add_option("--out", args->out, "output file; default: stdout");
  c->callback([&run, args] { run = [args] { return export_journal(*args); }; });
}

void add_backup(CLI::App& journal, std::function<int()>& run) {
  auto args = std::make_shared<BackupArgs>();
  auto* c = journal.add_subcommand("backup", "Checkpoint the whole journal (every session, every column family).");
  c->footer(
      "A RocksDB checkpoint: a consistent copy as of one instant, that opens as a journal. --to must not exist\n"
      "or be empty. On the same file system the table files are hard links (no extra space, but no protection\n"
      "against a failing disk: back up to another disk for that). Prints one JSON line per session and a\n"
      "summary (backup, journal, sessions, files, bytes). Exit 0; 2 on a bad folder or a journal in use.");
  c->add_option("--journal", args->dir, "journal folder")->capture_default_str();
  c->add_option("--to", args->to, "backup folder: new or empty")->required();
  c->callback([&run, args] { run = [args] { return backup(*args); }; });
}

void add_restore(CLI::App& journal, std::function<int()>& run) {
  auto args = std::make_shared<RestoreArgs>();
  auto* c = journal.add_subcommand("restore", "Copy a backup into a new journal folder and verify every session.");
  c->footer(
      "--journal must not exist or be empty. Files are copied, never linked. Then every session is verified\n"
      "as by check: one JSON line each (ok, final_hash or the bad seq), then a summary (restored, from,\n"
      "sessions, verified, failed). Exit 0 all verified, 1 some failed, 2 bad input or I/O error.");
  c->add_option("--from", args->from, "backup folder made by verity journal backup")->required();
  c->add_option("--journal", args->dir, "journal folder to create")->required();
  c->callback([&run, args] { run = [args] { return restore(*args); }; });
}

void add_prune(CLI::App& journal, std::function<int()>& run) {
  auto args = std::make_shared<PruneArgs>();
  auto* c = journal.add_subcommand("prune", "Delete sim and dryrun sessions whose last message is older than N days.");
  c->footer(
      "live and replay sessions are always kept. \"Older\" compares each session's last message time (its logical\n"
      "time: for a sim, the simulated market time) with now minus N days. One JSON line per session (decision:\n"
      "keep, delete or would_delete, and why), then a summary (kept, deleted or would_delete). Exit 0; 2 on bad\n"
      "input, a journal in use or an I/O error.");
  c->add_option("--journal", args->dir, "journal folder")->capture_default_str();
  c->add_option("--older-than-days", args->older_than_days, "age limit in days")->capture_default_str();
  c->add_flag("--dry-run", args->dry_run, "list what would be deleted; change nothing");
  c->add_option("--now", args->now, "take this ISO 8601 UTC time as now (tests); default: the wall clock");
  c->callback([&run, args] { run = [args] { return prune(*args); }; });
}

}  // namespace

const Registrar register_journal_ls("journal", "ls", add_ls);
const Registrar register_journal_check("journal", "check", add_check);
const Registrar register_journal_stats("journal", "stats", add_stats);
const Registrar register_journal_cat("journal", "cat", add_cat);
const Registrar register_journal_export("journal", "export", add_export);
const Registrar register_journal_backup("journal", "backup", add_backup);
const Registrar register_journal_restore("journal", "restore", add_restore);
const Registrar register_journal_prune("journal", "prune", add_prune);

}  // namespace verity::app
