#include "app/batch_coordinator.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <optional>
#include <set>

#include "actors/runtime/clock.hpp"
#include "actors/runtime/prng.hpp"
#include "app/batch_output.hpp"
#include "app/batch_protocol.hpp"
#include "app/commands.hpp"
#include "live/secrets.hpp"
#include "sim/challenge_runner.hpp"
#include "sim/partial_result.hpp"

namespace verity::app {

namespace {

/// The PRNG stream --verify-sample draws its attempts from (root seed, this).
constexpr std::uint64_t kVerifyStream = 0x7665726966790001ULL;
/// At most this many workers: each is a TCP connection and a line of progress.
constexpr std::size_t kMaxWorkers = 1024;

struct Worker {
  std::string name;  // host:port as given
  caf::actor handle;
  bool alive = false;
  std::string gone;                  // why it was dropped
  std::optional<std::size_t> range;  // the range in flight
  std::uint64_t tag = 0;             // its dispatch
  double sent_s = 0;                 // when it was sent, on the coordinator's stopwatch
  std::uint64_t attempts = 0;        // attempts answered
  double busy_s = 0;                 // summed round trips of the answered ranges
  unsigned threads = 0;              // the most threads one of its ranges ran on
};

struct Batch {
  std::vector<IndexRange> ranges;
  std::vector<std::optional<PartialResult>> results;  // by range
  std::vector<std::string> ran_by;                    // by range: the worker that answered
  std::deque<std::size_t> pending;
  std::size_t done = 0;
};

std::string range_text(const IndexRange& r) {
  return "[" + std::to_string(r.from) + ", " + std::to_string(r.to) + ")";
}

/// Drops a worker; its range in flight goes back to the front of the queue.
void drop(Worker& w, Batch& b, const std::string& why) {
  if (!w.alive) return;
  w.alive = false;
  w.gone = why;
  std::string back;
  if (w.range) {
    b.pending.push_front(*w.range);
    back = "; its range " + range_text(b.ranges[*w.range]) + " goes to another worker";
  }
  w.range.reset();
  std::fprintf(stderr, "verity challenge: worker %s dropped: %s%s\n", w.name.c_str(), why.c_str(), back.c_str());
  std::fflush(stderr);
}

void print_progress(const std::vector<Worker>& workers, const Batch& b) {
  std::string line = "verity challenge: ranges " + std::to_string(b.done) + "/" + std::to_string(b.ranges.size()) + " done;";
  for (const Worker& w : workers) {
    char rate[64];
    if (!w.alive) {
      std::snprintf(rate, sizeof rate, "gone");
    } else {
      std::snprintf(rate, sizeof rate, "%.1f attempts/s", w.busy_s > 0 ? static_cast<double>(w.attempts) / w.busy_s : 0.0);
    }
    line += " " + w.name + " " + rate + ",";
  }
  line.pop_back();
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

/// Checks a worker's answer for range `k` against the batch this
/// coordinator built; an error says what differs.
std::expected<PartialResult, std::string> check_answer(const std::string& text, const IndexRange& r,
                                                       const BatchSpec& spec) {
  auto p = parse_partial(text);
  if (!p) return std::unexpected("sent an unreadable partial result: " + p.error());
  if (p->from != r.from || p->to != r.to) {
    return std::unexpected("answered the range " + range_text({p->from, p->to}) + " for " + range_text(r));
  }
  if (p->batch.build_id != spec.build_id) {
    return std::unexpected("runs build " + p->batch.build_id + "; this coordinator is " + spec.build_id +
                           " (results of another build may differ)");
  }
  if (p->batch.config_hash != spec.config_hash || p->batch.base_seed != spec.base_seed ||
      p->batch.seeds != spec.seeds || p->batch.scenario != spec.scenario) {
    return std::unexpected("ran another batch: config " + p->batch.config_hash + " (this batch's is " +
                           spec.config_hash + ")");
  }
  return p;
}

/// --verify-sample: K attempts drawn by a PRNG seeded from the root seed,
/// re-run here; their final hashes must equal the workers'. They run on CAF
/// while workers run the direct dispatcher, so the check covers the
/// dispatcher too (the two must agree bit for bit).
int verify_sample(const Config& config, const CoordinatorOptions& o, const std::vector<AttemptResult>& attempts,
                  const Batch& b) {
  const std::uint64_t k = std::min(o.verify_sample, o.seeds);
  std::vector<std::uint64_t> order(o.seeds);
  for (std::uint64_t i = 0; i < o.seeds; ++i) order[i] = i;
  Prng rng(config.session.seed, kVerifyStream);
  for (std::uint64_t i = 0; i < k; ++i) std::swap(order[i], order[i + rng.below(o.seeds - i)]);
  order.resize(k);
  std::sort(order.begin(), order.end());
  std::string list;
  for (std::uint64_t index : order) {
    const AttemptResult local = run_attempt(config, index, command_line(), "", Dispatch::caf);
    std::string worker = "?";
    for (std::size_t r = 0; r < b.ranges.size(); ++r) {
      if (b.ranges[r].from <= index && index < b.ranges[r].to) worker = b.ran_by[r];
    }
    if (local.final_hash != attempts[index].final_hash) {
      std::fprintf(stderr,
                   "verity challenge: --verify-sample: attempt %llu differs: worker %s sent final hash %s, this "
                   "machine computed %s\n",
                   static_cast<unsigned long long>(index), worker.c_str(), attempts[index].final_hash.c_str(),
                   local.final_hash.c_str());
      return kExitFailed;
    }
    list += (list.empty() ? "" : ", ") + std::to_string(index);
  }
  std::fprintf(stderr, "verity challenge: --verify-sample: attempts %s re-run here; their final hashes match the workers'\n",
               list.c_str());
  return kExitOk;
}

/// Connects every worker and monitors it; those that cannot be reached, or
/// do not finish CAF's handshake within `timeout_s` (a stopped process
/// still accepts the TCP connection), are dropped with the reason.
std::vector<Worker> connect(caf::actor_system& system, caf::scoped_actor& self, const std::vector<std::string>& names,
                            double timeout_s) {
  std::vector<Worker> workers;
  const auto timeout = std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000));
  for (const std::string& name : names) {
    Worker w;
    w.name = name;
    const auto colon = name.rfind(':');
    // The middleman actor's connect, not the blocking remote_actor: it
    // takes a timeout.
    std::string error;
    caf::strong_actor_ptr handle;
    self->request(system.middleman().actor_handle(), timeout, caf::connect_atom::value, name.substr(0, colon),
                  static_cast<std::uint16_t>(std::stoul(name.substr(colon + 1))))
        .receive(
            [&](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
              handle = std::move(ptr);
            },
            [&](caf::error& e) { error = system.render(e); });
    if (!handle) {
      w.gone = "cannot connect: " + (error.empty() ? std::string("no actor published there") : error);
      std::fprintf(stderr, "verity challenge: worker %s dropped: %s\n", name.c_str(), w.gone.c_str());
    } else {
      w.handle = caf::actor_cast<caf::actor>(std::move(handle));
      w.alive = true;
      self->monitor(w.handle);
    }
    workers.push_back(std::move(w));
  }
  return workers;
}

/// Hands out the ranges until every one is answered or no worker is left.
void dispatch(caf::scoped_actor& self, std::vector<Worker>& workers, Batch& b, const BatchSpec& spec,
              const std::string& secret, const std::string& config_text, const CoordinatorOptions& o,
              const Stopwatch& watch) {
  std::uint64_t next_tag = 1;
  auto by_tag = [&](std::uint64_t tag) -> Worker* {
    for (Worker& w : workers) {
      if (w.alive && w.range && w.tag == tag) return &w;
    }
    return nullptr;  // a late answer: the range went to another worker
  };
  while (b.done < b.ranges.size()) {
    bool any_alive = false;
    for (Worker& w : workers) {
      any_alive = any_alive || w.alive;
      if (!w.alive || w.range || b.pending.empty()) continue;
      w.range = b.pending.front();
      b.pending.pop_front();
      w.tag = next_tag++;
      w.sent_s = watch.elapsed_s();
      const IndexRange& r = b.ranges[*w.range];
      self->send(w.handle, run_range_atom::value, secret, config_text, o.scenario, o.seeds, r.from, r.to, w.tag);
    }
    if (!any_alive) return;
    // Wait for an answer, at most until the earliest range in flight times out.
    double wait_s = 1.0;
    for (const Worker& w : workers) {
      if (w.alive && w.range) wait_s = std::min(wait_s, w.sent_s + o.worker_timeout_s - watch.elapsed_s());
    }
    const auto wait = std::chrono::milliseconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(wait_s * 1000)));
    self->receive(
        [&](range_done_atom, std::uint64_t tag, const std::string& text) {
          Worker* w = by_tag(tag);
          if (!w) return;
          const std::size_t k = *w->range;
          auto p = check_answer(text, b.ranges[k], spec);
          if (!p) return drop(*w, b, p.error());
          w->range.reset();
          w->attempts += p->to - p->from;
          w->busy_s += watch.elapsed_s() - w->sent_s;
          w->threads = std::max(w->threads, p->threads);
          if (!b.results[k]) {
            b.results[k] = std::move(*p);
            b.ran_by[k] = w->name;
            ++b.done;
          }
          if (o.progress) print_progress(workers, b);
        },
        [&](refused_atom, std::uint64_t tag, const std::string& reason) {
          if (Worker* w = by_tag(tag)) drop(*w, b, reason + " (BATCH_SECRET differs from the worker's)");
        },
        [&](range_failed_atom, std::uint64_t tag, const std::string& reason) {
          if (Worker* w = by_tag(tag)) drop(*w, b, "the range failed: " + reason);
        },
        [&](const caf::down_msg& down) {
          for (Worker& w : workers) {
            if (w.alive && w.handle.address() == down.source) {
              drop(w, b, "its connection is gone (" + caf::to_string(down.reason) + ")");
            }
          }
        },
        // det-ok: a worker's answer is awaited in wall time; the results do not depend on when it comes.
        caf::after(wait) >> [] {});
    for (Worker& w : workers) {
      if (w.alive && w.range && watch.elapsed_s() - w.sent_s >= o.worker_timeout_s) {  // det-ok: wall-time timeout
        drop(w, b, "no answer within --worker-timeout-s " + std::to_string(o.worker_timeout_s) + " s");
      }
    }
  }
}

}  // namespace

std::expected<std::vector<std::string>, std::string> parse_workers(const std::string& text) {
  std::vector<std::string> out;
  for (auto item : split_list(text)) {
    const std::string entry(item);
    const auto colon = entry.rfind(':');
    bool ok = colon != std::string::npos && colon > 0 && colon + 1 < entry.size() && entry.size() - colon - 1 <= 5;
    for (std::size_t i = colon + 1; ok && i < entry.size(); ++i) ok = entry[i] >= '0' && entry[i] <= '9';
    if (ok) ok = std::stoul(entry.substr(colon + 1)) >= 1 && std::stoul(entry.substr(colon + 1)) <= 65535;
    if (!ok) return std::unexpected("--workers entry \"" + entry + "\" is not HOST:PORT (a port 1 to 65535)");
    if (std::find(out.begin(), out.end(), entry) != out.end()) {
      return std::unexpected("--workers names " + entry + " twice");
    }
    out.push_back(entry);
  }
  if (out.empty()) return std::unexpected("--workers is empty; expected HOST:PORT,HOST:PORT,...");
  if (out.size() > kMaxWorkers) return std::unexpected("--workers names more than " + std::to_string(kMaxWorkers) + " workers");
  return out;
}

int run_on_workers(const Config& config, const CoordinatorOptions& o) {
  auto secret = read_process_secret(kBatchSecretVar);
  if (!secret) {
    std::fprintf(stderr, "verity challenge: %s\n", secret.error().c_str());
    return kExitError;
  }
  if (secret->empty()) {
    std::fprintf(stderr, "verity challenge: --workers needs the workers' shared secret in BATCH_SECRET (or "
                         "BATCH_SECRET_FILE, a file holding it)\n");
    return kExitError;
  }
  if (auto ok = validate_challenge(config); !ok) {
    std::fprintf(stderr, "verity challenge: %s\n", ok.error().c_str());
    return kExitError;
  }
  const BatchSpec spec = batch_spec(config, o.scenario, o.seeds);
  Batch b;
  const std::uint64_t per_range =
      o.range_size ? o.range_size : std::max<std::uint64_t>(1, (o.seeds + 4 * o.workers.size() - 1) / (4 * o.workers.size()));
  for (std::uint64_t from = 0; from < o.seeds; from += per_range) {
    b.ranges.push_back({from, std::min(o.seeds, from + per_range)});
    b.pending.push_back(b.ranges.size() - 1);
  }
  b.results.resize(b.ranges.size());
  b.ran_by.resize(b.ranges.size());

  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  caf::actor_system system{cfg};
  Stopwatch watch;
  std::vector<Worker> workers;
  {
    caf::scoped_actor self{system};
    workers = connect(system, self, o.workers, o.worker_timeout_s);
    std::fprintf(stderr, "verity challenge: %zu ranges of up to %llu attempts on %zu workers\n", b.ranges.size(),
                 static_cast<unsigned long long>(per_range), o.workers.size());
    dispatch(self, workers, b, spec, secret->reveal(), config.canonical(), o, watch);
    for (Worker& w : workers) {
      if (w.alive) self->demonitor(w.handle);
    }
  }
  const double elapsed_s = watch.elapsed_s();
  if (b.done < b.ranges.size()) {
    std::string why;
    bool refused = false;
    for (const Worker& w : workers) {
      why += "\n  " + w.name + ": " + w.gone;
      refused = refused || w.gone.find("secret was refused") != std::string::npos;
    }
    std::fprintf(stderr, "verity challenge: every worker is gone with %zu of %zu ranges done:%s\n", b.done,
                 b.ranges.size(), why.c_str());
    if (refused) std::fprintf(stderr, "verity challenge: the secret was refused: set BATCH_SECRET to the workers' secret\n");
    return kExitError;
  }
  std::vector<NamedPartial> parts;
  for (std::size_t k = 0; k < b.ranges.size(); ++k) {
    parts.push_back({"worker " + b.ran_by[k] + " " + range_text(b.ranges[k]), std::move(*b.results[k])});
  }
  auto merged = merge_partials(std::move(parts));
  if (!merged) {
    std::fprintf(stderr, "verity challenge: %s\n", merged.error().c_str());
    return kExitError;
  }
  if (o.verify_sample > 0) {
    if (int rc = verify_sample(config, o, merged->attempts, b); rc != kExitOk) return rc;
  }
  BatchSummary s = summarize_batch(merged->batch, merged->attempts, /*whole=*/true);
  for (const Worker& w : workers) s.threads += w.threads;
  s.elapsed_s = elapsed_s;
  return finish_batch("verity challenge", s, merged->attempts, o.report_dir);
}

}  // namespace verity::app
