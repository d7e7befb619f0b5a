#include "replay/replay.hpp"

#include "models/session_models.hpp"

#include <capnp/dynamic.h>
#include <capnp/schema.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <deque>

#include "actors/execution/execution_metrics.hpp"
#include "actors/runtime/clock.hpp"
#include "actors/runtime/graph.hpp"
#include "actors/runtime/journal_reader.hpp"
#include "actors/runtime/journal_writer.hpp"
#include "actors/runtime/log.hpp"
#include "actors/runtime/memory_store.hpp"
#include "actors/runtime/project_path.hpp"
#include "actors/runtime/session.hpp"

namespace verity {

namespace {

std::string text_of_value(const capnp::DynamicValue::Reader& v) { return std::string(kj::str(v).cStr()); }

void diff_value(const std::string& path, const capnp::DynamicValue::Reader& a, const capnp::DynamicValue::Reader& b,
                std::vector<FieldDiff>& out);

void diff_struct(const std::string& path, capnp::DynamicStruct::Reader a, capnp::DynamicStruct::Reader b,
                 std::vector<FieldDiff>& out) {
  auto prefix = [&](kj::StringPtr name) { return path.empty() ? std::string(name.cStr()) : path + "." + name.cStr(); };
  for (auto field : a.getSchema().getNonUnionFields()) {
    const kj::StringPtr name = field.getProto().getName();
    if (path.empty() && name == "checksum") continue;  // differs whenever anything else does
    diff_value(prefix(name), a.get(field), b.get(field), out);
  }
  if (a.getSchema().getUnionFields().size() == 0) return;
  KJ_IF_MAYBE (wa, a.which()) {
    KJ_IF_MAYBE (wb, b.which()) {
      if (wa->getIndex() != wb->getIndex()) {
        out.push_back({prefix("(which)"), wa->getProto().getName().cStr(), wb->getProto().getName().cStr()});
        return;
      }
      diff_value(prefix(wa->getProto().getName()), a.get(*wa), b.get(*wb), out);
    }
  }
}

void diff_value(const std::string& path, const capnp::DynamicValue::Reader& a, const capnp::DynamicValue::Reader& b,
                std::vector<FieldDiff>& out) {
  if (a.getType() != b.getType()) {
    out.push_back({path, text_of_value(a), text_of_value(b)});
    return;
  }
  switch (a.getType()) {
    case capnp::DynamicValue::STRUCT:
      diff_struct(path, a.as<capnp::DynamicStruct>(), b.as<capnp::DynamicStruct>(), out);
      return;
    case capnp::DynamicValue::LIST: {
      auto la = a.as<capnp::DynamicList>(), lb = b.as<capnp::DynamicList>();
      if (la.size() != lb.size()) {
        out.push_back({path + ".size", std::to_string(la.size()), std::to_string(lb.size())});
      }
      for (unsigned i = 0; i < std::min(la.size(), lb.size()); ++i) {
        diff_value(path + "[" + std::to_string(i) + "]", la[i], lb[i], out);
      }
      return;
    }
    default: {
      std::string ta = text_of_value(a), tb = text_of_value(b);
      if (ta != tb) out.push_back({path, std::move(ta), std::move(tb)});
    }
  }
}

Divergence make_divergence(std::uint64_t seq, const FramePtr& recorded, const FramePtr& replayed, std::string what) {
  Divergence d;
  d.seq = seq;
  const FramePtr& any = recorded ? recorded : replayed;
  d.actor = std::string(actor_name(any->source()));
  d.kind = std::string(kind_name(any->kind()));
  if (recorded) d.recorded = to_text(*recorded);
  if (replayed) d.replayed = to_text(*replayed);
  if (recorded && replayed) d.fields = diff_frames(*recorded, *replayed);
  d.what = std::move(what);
  return d;
}

}  // namespace

std::vector<FieldDiff> diff_frames(const Frame& recorded, const Frame& replayed) {
  std::vector<FieldDiff> out;
  diff_struct("", capnp::toDynamic(recorded.envelope()), capnp::toDynamic(replayed.envelope()), out);
  return out;
}

std::expected<std::uint64_t, std::string> pick_session(JournalStore& store, const std::string& prefix) {
  auto sessions = JournalReader::sessions(store);
  if (!sessions) return std::unexpected(sessions.error());
  if (sessions->empty()) return std::unexpected("no sessions in " + store.describe());
  std::vector<std::uint64_t> matches;
  std::string all;
  for (std::uint64_t s : *sessions) {
    all += (all.empty() ? "" : ", ") + session_hex(s);
    if (prefix.empty() || session_hex(s).starts_with(prefix)) matches.push_back(s);
  }
  if (matches.size() == 1) return matches.front();
  if (matches.empty()) return std::unexpected("no session " + prefix + " in " + store.describe() + "; there are: " + all);
  return std::unexpected(std::string(prefix.empty() ? "several sessions" : "several sessions match " + prefix) +
                         " in " + store.describe() + ": " + all + "; name one with --session");
}

std::expected<RecordedSession, std::string> load_recorded(JournalReader& reader, const std::string& override_path,
                                                          const std::string& registry_dir,
                                                          const std::map<std::string, std::string>& model_pins) {
  const ManifestInfo& recorded = reader.manifest();
  const HeadInfo& head = reader.head();
  RecordedSession out;
  out.session = recorded.session;
  const std::string name = "session " + session_hex(recorded.session);
  if (hash128(recorded.config) != recorded.config_hash) {
    return std::unexpected(name + ": the manifest's config does not match its recorded config hash");
  }
  if (recorded.build_id != VERITY_BUILD_ID) {
    out.warnings.push_back("recorded by build " + recorded.build_id + ", replayed by build " +
                           std::string(VERITY_BUILD_ID) + ": a divergence may come from a code change");
  }
  if (!head.closed) {
    out.warnings.push_back("the session did not close (it was interrupted): replaying the " +
                           std::to_string(head.last_seq) + " messages of its committed steps");
  }
  auto config = load_config_text(recorded.config, "the manifest of " + name, override_path);
  if (!config) return std::unexpected(config.error());
  config->log.level = "warn";
  out.config = std::move(*config);
  // The models it ran, by recorded hash: a replay with other weights would
  // diverge for that reason alone, so a mismatch is an error, not a warning.
  if (!registry_dir.empty()) out.config.model.registry = registry_dir;
  auto models = load_recorded_models(out.config.model.registry, recorded.models, model_pins);
  if (!models) return std::unexpected(name + ": " + models.error());
  out.models = std::move(*models);
  // The execution metrics the venue drew from: the version the manifest names, with its hash.
  for (const DataSourceInfo& d : recorded.data_sources) {
    if (!d.name.starts_with("execution-metrics:")) continue;
    const std::string version = d.name.substr(std::string("execution-metrics:").size());
    auto dir = resolve_project_path(kExecutionMetricsDir, "execution.metrics", PathKind::directory);
    if (!dir) return std::unexpected(dir.error());
    auto loaded = load_execution_metrics(*dir, version);
    if (!loaded) return std::unexpected(name + " used execution metrics " + version + ": " + loaded.error());
    if (hash128(to_json_text(*loaded)) != d.hash) {
      return std::unexpected(name + " used execution metrics " + version +
                             ", and the file here has other contents (hash " + hash128(to_json_text(*loaded)).hex() +
                             ", recorded " + d.hash.hex() + ")");
    }
    out.metrics = std::make_shared<const ExecutionMetrics>(std::move(*loaded));
  }
  if (!out.metrics) out.warnings.push_back("the manifest names no execution metrics: the venue uses the fixed costs");
  return out;
}

std::expected<InputsRun, std::string> run_inputs(JournalReader& reader, const RecordedSession& recorded,
                                                 const Config& config,
                                                 const std::function<void(const FramePtr&)>& observer) {
  ManifestInfo m = reader.manifest();
  m.level = JournalLevel::HASH;  // the run keeps only its chain
  MemoryStore scratch;
  auto writer = JournalWriter::create(scratch, m, /*replace_existing=*/true);
  if (!writer) return std::unexpected(writer.error());
  Session session(**writer, Logger(Mode::REPLAY, m.session, parse_log_level(config.log.level).value()));
  InputsRun out;
  session.set_observer([&](const FramePtr& f) {
    ++out.messages;
    if (observer) observer(f);
  });
  std::optional<std::string> failure;
  {
    Graph graph(session, config, recorded.metrics.get(), recorded.models.get());
    Sequencer sequencer(session, graph, **writer);
    auto walked = reader.for_each(1, reader.head().last_seq, [&](const FramePtr& rec) {
      if (rec->source() != ActorId::EXTERNAL) return true;
      if (session.stop_requested()) {
        out.stopped_early = true;
        return false;
      }
      if (auto ok = sequencer.replay_step(rec); !ok) {
        failure = ok.error();
        return false;
      }
      ++out.inputs;
      return true;
    });
    if (!walked) return std::unexpected("session " + session_hex(m.session) + ": " + walked.error().message());
    if (failure) return std::unexpected("session " + session_hex(m.session) + ": " + *failure);
  }
  out.chain = (*writer)->chain();
  return out;
}

std::expected<ReplayResult, std::string> replay_verify(JournalStore& store, std::uint64_t session,
                                                       const ReplayOptions& options) {
  Stopwatch watch;
  auto reader = JournalReader::open(store, session);
  if (!reader) return std::unexpected(reader.error());
  const ManifestInfo& recorded = reader->manifest();
  const HeadInfo& head = reader->head();
  ReplayResult r;
  r.session = session;
  r.recorded_hash = head.chain;
  const std::string name = "session " + session_hex(session);
  if (recorded.level != JournalLevel::FULL) {
    return std::unexpected(name + " was recorded at level " + std::string(level_name(recorded.level)) +
                           ": its outputs are not stored, so they cannot be compared; record at level full "
                           "(verity sim --level full) to verify message by message");
  }
  auto setup = load_recorded(*reader, "", options.registry_dir);
  if (!setup) return std::unexpected(setup.error());
  r.warnings = setup->warnings;
  const Config& config = setup->config;

  ManifestInfo m = recorded;
  m.level = JournalLevel::HASH;  // the replay keeps only its chain
  MemoryStore scratch;
  auto writer = JournalWriter::create(scratch, m, /*replace_existing=*/true);
  if (!writer) return std::unexpected(writer.error());
  Session replay_session(**writer, Logger(Mode::REPLAY, session, parse_log_level(config.log.level).value()));
  std::deque<FramePtr> made;
  replay_session.set_observer([&made](const FramePtr& f) { made.push_back(f); });

  std::optional<std::string> failure;
  {
    Graph graph(replay_session, config, setup->metrics.get(), setup->models.get());
    Sequencer sequencer(replay_session, graph, **writer);
    if (options.snapshot_seq != 0) {
      // Start from the latest snapshot at or before the one asked for: the
      // actors' states, the chain and the counts after its step.
      auto latest = latest_snapshot_seq(store, session, std::min(options.snapshot_seq, head.last_seq));
      if (!latest) return std::unexpected(latest.error());
      const std::uint64_t pick = *latest;
      if (pick == 0) {
        return std::unexpected(name + " has no snapshot at or before seq " +
                               (options.snapshot_seq == UINT64_MAX ? std::string("the end")
                                                                   : std::to_string(options.snapshot_seq)) +
                               " (journal.snapshot_every, levels full and inputs)");
      }
      auto snap = read_snapshot(store, session, pick);
      if (!snap) return std::unexpected(snap.error());
      if (auto ok = sequencer.restore(*snap); !ok) return std::unexpected(ok.error());
      r.from_snapshot = pick;
    }
    auto diverge = [&](std::uint64_t seq, const FramePtr& rec, const FramePtr& rep, std::string what) {
      r.divergence = make_divergence(seq, rec, rep, std::move(what));
      return false;
    };
    const std::uint64_t last = std::min(head.last_seq, options.to_seq);
    // Recorded outputs are compared as bytes; a record is decoded (and so
    // verified) only when it must be read: an input to feed, or a difference
    // to report. Equal bytes carry an equal, valid checksum.
    std::optional<JournalError> bad_record;
    auto walked = reader->for_each_raw(r.from_snapshot + 1, head.last_seq, [&](std::uint64_t seq, std::string_view bytes) {
      auto decoded = [&]() -> FramePtr {
        auto f = reader->decode(seq, bytes);
        if (!f) {
          bad_record = f.error();
          return nullptr;
        }
        return *f;
      };
      if (made.empty()) {
        // The replay is between steps: the record must be the next input.
        FramePtr rec = decoded();
        if (!rec) return false;
        if (rec->source() != ActorId::EXTERNAL) return diverge(seq, rec, nullptr, "the replay made no message at this seq");
        // The range ends before this input: later records are not replayed.
        if (seq > last || rec->time_ns() > options.until_ns) return false;
        if (auto ok = sequencer.replay_step(rec); !ok) {
          failure = ok.error();
          return false;
        }
        ++r.inputs;
        if (made.empty()) return diverge(seq, rec, nullptr, "the replay made no message at this seq");
      }
      FramePtr rep = made.front();
      made.pop_front();
      ++r.messages;
      const auto mine = rep->bytes();
      if (rep->seq() != seq || mine.size() != bytes.size() || std::memcmp(mine.data(), bytes.data(), bytes.size()) != 0) {
        FramePtr rec = decoded();
        if (!rec) return false;
        return diverge(seq, rec, rep, rec->source() == ActorId::EXTERNAL
                                          ? "the replay made a message the journal does not have before the next input"
                                          : "the replayed message differs from the recorded one");
      }
      if (options.on_message && seq >= options.from_seq) options.on_message(*rep);
      return true;
    });
    if (bad_record) return std::unexpected(name + ": " + bad_record->message());
    if (!walked) return std::unexpected(name + ": " + walked.error().message());
    if (failure) return std::unexpected(name + ": " + *failure);
    if (!r.divergence && !made.empty()) {
      r.divergence = make_divergence(made.front()->seq(), nullptr, made.front(),
                                     "the replay made more messages than the journal holds");
    }
  }
  r.final_hash = (*writer)->chain();
  r.partial = r.from_snapshot + r.messages < head.last_seq && !r.divergence;
  if (r.partial) {
    // A range: every message in it matched; the chain is checked only at the end of a whole session.
    r.identical = true;
    r.elapsed_s = watch.elapsed_s();
    return r;
  }
  r.identical = !r.divergence && r.final_hash == r.recorded_hash && r.from_snapshot + r.messages == head.last_seq;
  if (!r.divergence && !r.identical) {
    Divergence d;
    d.seq = head.last_seq;
    d.what = "every message matched but the chain " + r.final_hash.hex() + " differs from the recorded head " +
             r.recorded_hash.hex();
    r.divergence = d;
  }
  r.elapsed_s = watch.elapsed_s();
  return r;
}

std::string replay_json(const ReplayResult& r) {
  nlohmann::ordered_json j;
  j["identical"] = r.identical;
  j["partial"] = r.partial;
  if (r.from_snapshot != 0) j["from_snapshot_seq"] = r.from_snapshot;
  j["session"] = session_hex(r.session);
  j["messages"] = r.messages;
  j["inputs"] = r.inputs;
  j["final_hash"] = r.final_hash.hex();
  j["recorded_hash"] = r.recorded_hash.hex();
  if (r.divergence) {
    const Divergence& d = *r.divergence;
    nlohmann::ordered_json dj;
    dj["seq"] = d.seq;
    dj["actor"] = d.actor;
    dj["kind"] = d.kind;
    dj["what"] = d.what;
    nlohmann::ordered_json fields = nlohmann::ordered_json::array();
    for (const FieldDiff& f : d.fields) fields.push_back({{"path", f.path}, {"recorded", f.recorded}, {"replayed", f.replayed}});
    dj["fields"] = fields;
    j["first_divergence"] = dj;
  }
  j["warnings"] = r.warnings;
  j["elapsed_s"] = r.elapsed_s;
  j["messages_per_s"] = r.elapsed_s > 0 ? static_cast<double>(r.messages) / r.elapsed_s : 0.0;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace verity
