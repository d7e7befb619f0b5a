// `verity batch worker`: a node that runs ranges of challenge batches for a
// coordinator (`verity challenge --workers`), over CAF's middleman on TCP
// (docs/DISTRIBUTED.md). Every request must carry the shared secret of the
// worker's environment (BATCH_SECRET or BATCH_SECRET_FILE); any other is
// refused before anything runs. A range's answer is the partial result text
// `verity challenge --range FROM:TO --partial FILE` writes for it.
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <string>

#include "actors/runtime/config.hpp"
#include "app/batch_protocol.hpp"
#include "app/commands.hpp"
#include "live/secrets.hpp"
#include "sim/challenge_runner.hpp"
#include "sim/partial_result.hpp"

namespace verity::app {

namespace {

struct WorkerArgs {
  int port = 0;
  std::string bind = "127.0.0.1";
  unsigned threads = 0;
};

struct WorkerState {
  Secret secret;
  unsigned threads = 0;
};

/// Runs attempts [from, to) of the batch the config text describes; the
/// partial's text, or an error.
std::expected<std::string, std::string> run_range(const WorkerState& w, const std::string& config_text,
                                                  const std::string& scenario, std::uint64_t seeds,
                                                  std::uint64_t from, std::uint64_t to) {
  auto config = load_config_text(config_text, "the coordinator's config");
  if (!config) return std::unexpected(config.error());
  // Per-session info logs of hundreds of attempts drown the worker's own lines.
  config->log.level = "warn";
  constexpr std::uint64_t kMaxSeeds = 1'000'000;  // as `verity challenge --seeds`: results are held in memory
  if (seeds > kMaxSeeds) return std::unexpected("a batch of " + std::to_string(seeds) + " attempts; at most 1000000");
  if (!(from < to && to <= seeds)) {
    return std::unexpected("the range [" + std::to_string(from) + ", " + std::to_string(to) +
                           ") is not within the batch of " + std::to_string(seeds));
  }
  ChallengeOptions o;
  o.scenario = scenario;
  o.attempts = seeds;
  o.threads = w.threads;
  o.range = ChallengeOptions::Range{from, to};
  o.command = command_line();
  auto run = run_challenge(*config, o);
  if (!run) return std::unexpected(run.error());
  PartialResult p;
  p.batch = run->batch;
  p.from = from;
  p.to = to;
  p.threads = run->summary.threads;
  p.elapsed_s = run->summary.elapsed_s;
  p.attempts = std::move(run->attempts);
  return partial_text(p);
}

/// The worker actor, detached: a range runs on the actor's own thread (and
/// the threads run_challenge starts), never on CAF's scheduler.
caf::behavior worker_actor(caf::event_based_actor* self, std::shared_ptr<const WorkerState> state) {
  return {
      [self, state](run_range_atom, const std::string& secret, const std::string& config_text,
                    const std::string& scenario, std::uint64_t seeds, std::uint64_t from, std::uint64_t to,
                    std::uint64_t tag) {
        auto reply_to = caf::actor_cast<caf::actor>(self->current_sender());
        const std::string who = reply_to ? caf::to_string(reply_to.node()) : std::string("unknown sender");
        if (!secret_matches(secret, state->secret.reveal())) {
          std::fprintf(stderr, "verity batch worker: refused a request from %s: the secret does not match\n",
                       who.c_str());
          std::fflush(stderr);
          if (reply_to) self->send(reply_to, refused_atom::value, tag, std::string("the secret was refused"));
          return;
        }
        std::fprintf(stderr, "verity batch worker: attempts [%llu, %llu) of %llu of %s\n",
                     static_cast<unsigned long long>(from), static_cast<unsigned long long>(to),
                     static_cast<unsigned long long>(seeds), scenario.c_str());
        std::fflush(stderr);
        auto text = run_range(*state, config_text, scenario, seeds, from, to);
        if (!reply_to) return;
        if (text) {
          self->send(reply_to, range_done_atom::value, tag, std::move(*text));
        } else {
          std::fprintf(stderr, "verity batch worker: range failed: %s\n", text.error().c_str());
          std::fflush(stderr);
          self->send(reply_to, range_failed_atom::value, tag, text.error());
        }
      },
  };
}

int run_worker(const WorkerArgs& a) {
  auto secret = read_process_secret(kBatchSecretVar);
  if (!secret) {
    std::fprintf(stderr, "verity batch worker: %s\n", secret.error().c_str());
    return kExitError;
  }
  if (secret->empty()) {
    std::fprintf(stderr,
                 "verity batch worker: no shared secret: set BATCH_SECRET (or BATCH_SECRET_FILE, a file holding it) "
                 "to the value the coordinator has\n");
    return kExitError;
  }
  if (a.port < 0 || a.port > 65535) {
    std::fprintf(stderr, "verity batch worker: --port is %d; expected 0 (any free port) to 65535\n", a.port);
    return kExitError;
  }
  // SIGINT and SIGTERM are blocked before CAF starts its threads (they
  // inherit the mask), so only the sigwait below takes them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  caf::actor_system system{cfg};
  auto state = std::make_shared<WorkerState>();
  state->secret = std::move(*secret);
  state->threads = a.threads;
  auto worker = system.spawn<caf::detached>(worker_actor, std::shared_ptr<const WorkerState>(state));
  auto port = system.middleman().publish(worker, static_cast<std::uint16_t>(a.port), a.bind.c_str(), /*reuse=*/false);
  if (!port) {
    std::fprintf(stderr, "verity batch worker: cannot listen on %s:%d: %s\n", a.bind.c_str(), a.port,
                 system.render(port.error()).c_str());
    caf::anon_send_exit(worker, caf::exit_reason::user_shutdown);
    return kExitError;
  }
  std::fprintf(stderr, "verity batch worker: listening on %s:%u, %u threads (0: every core); stop with SIGTERM\n",
               a.bind.c_str(), static_cast<unsigned>(*port), a.threads);
  nlohmann::ordered_json j;
  j["worker"] = "listening";
  j["bind"] = a.bind;
  j["port"] = *port;
  j["threads"] = a.threads;
  j["build_id"] = VERITY_BUILD_ID;
  std::printf("%s\n", j.dump().c_str());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&stop, &signal);
  std::fprintf(stderr, "verity batch worker: stopping on signal %d\n", signal);
  std::fflush(stderr);
  // A range in progress is abandoned: the coordinator gives it to another
  // worker. Waiting for it would hold a stop for minutes.
  std::_Exit(kExitOk);
}

void add_worker(CLI::App& parent, std::function<int()>& run) {
  auto args = std::make_shared<WorkerArgs>();
  auto* cmd = parent.add_subcommand(
      "worker", "Serve ranges of challenge batches to a coordinator (`verity challenge --workers`) over TCP.");
  cmd->footer(
      "Listens on --bind:--port (default 127.0.0.1; --port 0 picks a free port) and prints one JSON line:\n"
      "{\"worker\":\"listening\",\"bind\":...,\"port\":P,...}. The shared secret comes only from the\n"
      "environment: BATCH_SECRET, or BATCH_SECRET_FILE naming a file that holds it; a request with any other\n"
      "secret is refused and logged, and nothing runs. Each request runs one range of a batch on --threads\n"
      "threads and answers with its partial result (docs/DISTRIBUTED.md). Runs until SIGINT or SIGTERM.\n"
      "Exit 0 on a signal, 2 when the secret is missing or the port cannot be bound.");
  cmd->add_option("--port", args->port, "TCP port; 0: any free port (printed)")->required();
  cmd->add_option("--bind", args->bind, "address to listen on")->capture_default_str();
  cmd->add_option("--threads", args->threads, "threads per range, one session each (default: every core)");
  cmd->callback([&run, args] { run = [args] { return run_worker(*args); }; });
}

}  // namespace

const Registrar register_batch_worker("batch", "worker", add_worker);

}  // namespace verity::app
