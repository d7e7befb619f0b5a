// `verity replay`: re-run a journaled session from its manifest and inputs.
// `--verify` compares every message byte for byte and the final hash.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "actors/runtime/calendar.hpp"
#include "actors/runtime/journal_filter.hpp"
#include "actors/runtime/log.hpp"
#include "actors/runtime/rocksdb_store.hpp"
#include "app/commands.hpp"
#include "replay/replay.hpp"
#include "models/session_models.hpp"
#include "replay/what_if.hpp"

namespace verity::app {

namespace {

struct ReplayArgs {
  std::string dir = "verity-data/journal";
  std::string session;
  bool verify = false;
  bool step = false;
  std::uint64_t from_seq = 1, to_seq = UINT64_MAX;
  std::string until;
  std::string actors, kinds;  // --step filters
  std::string from_snapshot;  // "latest" or a seq
  bool what_if = false;
  std::string config_path, report_dir, registry;
  std::vector<std::string> models;  // --model NAME@VERSION, repeatable
};

int run_what_if(const ReplayArgs& a, JournalStore& store, std::uint64_t session) {
  if (a.config_path.empty() && a.models.empty()) {
    std::fprintf(stderr, "verity replay: --what-if needs --config FILE (the keys to change) or --model NAME@VERSION\n");
    return kExitError;
  }
  auto pins = parse_model_pins(a.models);
  if (!pins) {
    std::fprintf(stderr, "verity replay: %s\n", pins.error().c_str());
    return kExitError;
  }
  auto r = replay_what_if(store, session, a.config_path, *pins, a.registry);
  if (!r) {
    std::fprintf(stderr, "verity replay: %s\n", r.error().c_str());
    return kExitError;
  }
  for (const std::string& w : r->warnings) std::fprintf(stderr, "verity replay: warning: %s\n", w.c_str());
  std::printf("%s", what_if_text(*r).c_str());
  if (!a.report_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.report_dir, ec);
    const std::string path = a.report_dir + "/whatif.json";
    std::ofstream out(path);
    out << what_if_json(*r, /*full=*/true) << "\n";
    if (ec || !out.good()) {
      std::fprintf(stderr, "verity replay: cannot write %s: %s\n", path.c_str(),
                   ec ? ec.message().c_str() : "write failed");
      return kExitError;
    }
    std::printf("verity replay: what-if report %s\n", path.c_str());
  }
  std::printf("%s\n", what_if_json(*r, /*full=*/false).c_str());
  return kExitOk;
}

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
  if (!a.verify && !a.step && !a.what_if) {
    std::fprintf(stderr, "verity replay: say what to do: --verify, --step or --what-if\n");
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
  if (a.what_if) return run_what_if(a, **store, *session);
  ReplayOptions options;
  options.registry_dir = a.registry;
  // One filter type for --step and `verity journal cat`: the same names, the same errors.
  auto filter = make_filter({a.from_seq, a.to_seq, a.until, a.actors, a.kinds});
  if (!filter) {
    std::fprintf(stderr, "verity replay: %s\n", filter.error().c_str());
    return kExitError;
  }
  options.from_seq = filter->from_seq;
  options.to_seq = filter->to_seq;
  if (filter->until_ns) options.until_ns = *filter->until_ns;
  if (!a.from_snapshot.empty()) {
    if (a.from_snapshot == "latest") {
      options.snapshot_seq = UINT64_MAX;
    } else {
      char* end = nullptr;
      options.snapshot_seq = std::strtoull(a.from_snapshot.c_str(), &end, 10);
      if (a.from_snapshot[0] == '-' || *end != '\0' || options.snapshot_seq == 0) {
        std::fprintf(stderr, "verity replay: --from-snapshot %s: expected \"latest\" or a seq of 1 or more\n",
                     a.from_snapshot.c_str());
        return kExitError;
      }
    }
  }
  if (a.step) {
    options.on_message = [f = *filter](const Frame& frame) {
      if (!f.matches(frame)) return;
      std::printf("%llu %s %s->%s %s\n", static_cast<unsigned long long>(frame.seq()),
                  format_iso8601_ms(frame.time_ns()).c_str(), std::string(actor_name(frame.source())).c_str(),
                  std::string(actor_name(frame.destination())).c_str(),
                  kj::str(frame.envelope().getPayload()).cStr());
    };
  }
  auto r = replay_verify(**store, *session, options);
  if (!r) {
    std::fprintf(stderr, "verity replay: %s\n", r.error().c_str());
    return kExitError;
  }
  for (const std::string& w : r->warnings) std::fprintf(stderr, "verity replay: warning: %s\n", w.c_str());
  if (r->identical && r->partial) {
    std::printf("verity replay: session %s identical up to seq %llu: %llu messages from %llu inputs\n",
                session_hex(r->session).c_str(), static_cast<unsigned long long>(r->messages),
                static_cast<unsigned long long>(r->messages), static_cast<unsigned long long>(r->inputs));
  } else if (r->identical) {
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
      "an error naming the seq, never identical).\n"
      "--what-if --config FILE re-runs the same inputs with FILE's keys replacing the recorded config's and\n"
      "reports the first divergence, signals added and removed, risk decisions changed, trades changed, the\n"
      "P&L and equity delta, and the FTMO outcome under each config; --report DIR writes whatif.json.");
  cmd->add_option("--journal", args->dir, "journal folder")->capture_default_str();
  cmd->add_option("--session", args->session, "session id or a unique prefix of it; default: the only one");
  cmd->add_flag("--verify", args->verify, "compare every replayed message and the final hash with the journal");
  cmd->add_flag("--step", args->step, "print each replayed message decoded (from --from-seq on)");
  cmd->add_option("--from-seq", args->from_seq, "compare and print from this seq on (the graph still replays from seq 1)");
  cmd->add_option("--to-seq", args->to_seq, "stop after the step that reaches this seq");
  cmd->add_option("--until", args->until, "stop before the first input after this time (ISO 8601 UTC)");
  cmd->add_option("--from-snapshot", args->from_snapshot,
                  "start from the latest actor-state snapshot at or before this seq (or \"latest\") and replay only "
                  "the journal after it");
  cmd->add_option("--actor", args->actors, "--step: only messages from or to these actors (comma-separated)");
  cmd->add_option("--kind", args->kinds, "--step: only these kinds (comma-separated, e.g. signal,order)");
  cmd->add_flag("--what-if", args->what_if,
                "re-run the journaled inputs under --config and report what changes against the recorded config");
  cmd->add_option("--config", args->config_path, "what-if: TOML whose keys replace the recorded config's")
      ->check(CLI::ExistingFile);
  cmd->add_option("--model", args->models,
                  "what-if: run another registry version of one of the session's models, NAME@VERSION (repeatable)");
  cmd->add_option("--registry", args->registry,
                  "model registry the session's models load from (default: model.registry, verity-data/models)");
  cmd->add_option("--report", args->report_dir, "what-if: folder for whatif.json (curves included)");
  cmd->callback([&run, args] { run = [args] { return run_replay(*args); }; });
}

}  // namespace

const Registrar register_replay("", "replay", add_replay);

}  // namespace verity::app
