// `verity replay`: re-run a journaled session from its manifest and inputs.
// `--verify` compares every message byte for byte and the final hash.
#include <cstdio>

#include "actors/runtime/log.hpp"
#include "actors/runtime/rocksdb_store.hpp"
#include "app/commands.hpp"
#include "replay/replay.hpp"

namespace verity::app {

namespace {

struct ReplayArgs {
  std::string dir = "verity-data/journal";
  std::string session;
  bool verify = false;
};

void print_divergence(const Divergence& d) {
  std::printf("verity replay: DIVERGED at seq %llu (%s, %s): %s\n", static_cast<unsigned long long>(d.seq),
              d.actor.c_str(), d.kind.c_str(), d.what.c_str());
  if (!d.recorded.empty()) std::printf("  recorded: %s\n", d.recorded.c_str());
  if (!d.replayed.empty()) std::printf("  replayed: %s\n", d.replayed.c_str());
  for (const FieldDiff& f : d.fields) {
    std::printf("  %s: %s -> %s\n", f.path.c_str(), f.recorded.c_str(), f.replayed.c_str());
  }
}

int run_replay(const ReplayArgs& a) {
  if (!a.verify) {
    std::fprintf(stderr, "verity replay: say what to do: --verify (what-if and stepping come later)\n");
    return kExitError;
  }
  auto store = RocksDbStore::open_read_only(a.dir);
  if (!store) {
    std::fprintf(stderr, "verity replay: %s\n", store.error().c_str());
    return kExitError;
  }
  auto session = pick_session(**store, a.session);
  if (!session) {
    std::fprintf(stderr, "verity replay: %s\n", session.error().c_str());
    return kExitError;
  }
  auto r = replay_verify(**store, *session);
  if (!r) {
    std::fprintf(stderr, "verity replay: %s\n", r.error().c_str());
    return kExitError;
  }
  for (const std::string& w : r->warnings) std::fprintf(stderr, "verity replay: warning: %s\n", w.c_str());
  if (r->identical) {
    std::printf("verity replay: session %s identical: %llu messages from %llu inputs, final hash %s (%.2f s)\n",
                session_hex(r->session).c_str(), static_cast<unsigned long long>(r->messages),
                static_cast<unsigned long long>(r->inputs), r->final_hash.hex().c_str(), r->elapsed_s);
  } else if (r->divergence) {
    print_divergence(*r->divergence);
  }
  std::printf("%s\n", replay_json(*r).c_str());
  return r->identical ? kExitOk : kExitFailed;
}

void add_replay(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<ReplayArgs>();
  auto* cmd = app.add_subcommand("replay", "Re-run a journaled session from its manifest and journaled inputs.");
  cmd->footer(
      "--verify rebuilds the graph from the session's manifest (config, seed, data hashes), feeds it the journaled\n"
      "inputs and compares every message byte for byte, then the final hash. The session must be recorded at\n"
      "level full. The last line on stdout is JSON: identical, messages, final_hash, and first_divergence (seq,\n"
      "actor, kind, field diffs) when it diverged. Exit 0 identical, 1 diverged, 2 error (a damaged journal is\n"
      "an error naming the seq, never identical).");
  cmd->add_option("--journal", args->dir, "journal folder")->capture_default_str();
  cmd->add_option("--session", args->session, "session id or a unique prefix of it; default: the only one");
  cmd->add_flag("--verify", args->verify, "compare every replayed message and the final hash with the journal");
  cmd->callback([&run, args] { run = [args] { return run_replay(*args); }; });
}

}  // namespace

const Registrar register_replay("", "replay", add_replay);

}  // namespace verity::app
