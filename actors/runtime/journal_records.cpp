#include "actors/runtime/journal_records.hpp"
#include "actors/runtime/snapshot.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstring>

#include "actors/runtime/envelope.hpp"

namespace verity {

namespace {

capnp::Data::Reader data_of(const Hash128& h) { return capnp::Data::Reader(h.bytes.data(), 16); }

std::string to_string(kj::Array<capnp::word> words) {
  auto bytes = as_bytes(words.asPtr());
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::expected<Hash128, std::string> hash_field(capnp::Data::Reader d, const char* field) {
  if (d.size() != 16) return std::unexpected(std::string(field) + " is " + std::to_string(d.size()) + " bytes; expected 16");
  return Hash128::from_bytes({d.begin(), d.size()});
}

std::string text(capnp::Text::Reader t) { return std::string(t.begin(), t.size()); }

/// Verifies a sealed record and runs `read` on its root; Cap'n Proto errors
/// from malformed bytes become error values.
template <class Root, class T, class Read>
std::expected<T, std::string> decode_sealed(std::string_view bytes, const char* what, Read&& read) {
  std::span<const std::uint8_t> span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  if (auto ok = verify_sealed(span); !ok) return std::unexpected(std::string(what) + ": " + ok.error());
  try {
    auto words = copy_to_words(span);
    capnp::FlatArrayMessageReader reader(words.asPtr());
    return read(reader.getRoot<Root>());
  } catch (const kj::Exception& e) {
    return std::unexpected(std::string(what) + " is malformed: " + e.getDescription().cStr());
  }
}

}  // namespace

std::string_view level_name(JournalLevel level) {
  switch (level) {
    case JournalLevel::FULL: return "full";
    case JournalLevel::INPUTS: return "inputs";
    case JournalLevel::HASH: return "hash";
  }
  return "unknown";
}

std::optional<JournalLevel> parse_level(std::string_view name) {
  if (name == "full") return JournalLevel::FULL;
  if (name == "inputs") return JournalLevel::INPUTS;
  if (name == "hash") return JournalLevel::HASH;
  return std::nullopt;
}

std::string_view mode_name(Mode mode) {
  switch (mode) {
    case Mode::SIM: return "sim";
    case Mode::REPLAY: return "replay";
    case Mode::DRYRUN: return "dryrun";
    case Mode::LIVE: return "live";
  }
  return "unknown";
}

std::string encode(const ManifestInfo& m) {
  capnp::MallocMessageBuilder b;
  auto r = b.initRoot<schema::SessionManifest>();
  r.setSession(m.session);
  r.setRootSeed(m.root_seed);
  r.setMode(m.mode);
  r.setLevel(m.level);
  r.setConfig(m.config);
  r.setConfigHash(data_of(m.config_hash));
  r.setBuildId(m.build_id);
  r.setCommand(m.command);
  auto models = r.initModelVersions(static_cast<unsigned>(m.models.size()));
  for (unsigned i = 0; i < m.models.size(); ++i) {
    models[i].setName(m.models[i].name);
    models[i].setVersion(m.models[i].version);
    models[i].setFileHash(data_of(m.models[i].file_hash));
  }
  auto sources = r.initDataSources(static_cast<unsigned>(m.data_sources.size()));
  for (unsigned i = 0; i < m.data_sources.size(); ++i) {
    sources[i].setName(m.data_sources[i].name);
    sources[i].setHash(data_of(m.data_sources[i].hash));
  }
  r.setFormatVersion(m.format_version);
  r.setRecordedAtNs(m.recorded_at_ns);
  return to_string(seal(b));
}

std::string encode(const HeadInfo& h) {
  capnp::MallocMessageBuilder b(64);
  auto r = b.initRoot<schema::JournalHead>();
  r.setSession(h.session);
  r.setLastSeq(h.last_seq);
  r.setMessages(h.messages);
  r.setStored(h.stored);
  r.setSteps(h.steps);
  r.setChain(data_of(h.chain));
  r.setLastTimeNs(h.last_time_ns);
  r.setClosed(h.closed);
  r.setLevel(h.level);
  return to_string(seal(b));
}

std::string encode(const StepDigestInfo& d) {
  capnp::MallocMessageBuilder b(32);
  auto r = b.initRoot<schema::StepDigest>();
  r.setSession(d.session);
  r.setFirstSeq(d.first_seq);
  r.setLastSeq(d.last_seq);
  r.setChain(data_of(d.chain));
  return to_string(seal(b));
}

std::expected<ManifestInfo, std::string> decode_manifest(std::string_view bytes) {
  return decode_sealed<schema::SessionManifest, ManifestInfo>(
      bytes, "session manifest", [](schema::SessionManifest::Reader r) -> std::expected<ManifestInfo, std::string> {
        ManifestInfo m;
        m.session = r.getSession();
        m.root_seed = r.getRootSeed();
        m.mode = r.getMode();
        m.level = r.getLevel();
        m.config = text(r.getConfig());
        auto ch = hash_field(r.getConfigHash(), "manifest configHash");
        if (!ch) return std::unexpected(ch.error());
        m.config_hash = *ch;
        m.build_id = text(r.getBuildId());
        m.command = text(r.getCommand());
        for (auto mv : r.getModelVersions()) {
          auto fh = hash_field(mv.getFileHash(), "manifest model fileHash");
          if (!fh) return std::unexpected(fh.error());
          m.models.push_back({text(mv.getName()), text(mv.getVersion()), *fh});
        }
        for (auto ds : r.getDataSources()) {
          auto h = hash_field(ds.getHash(), "manifest data source hash");
          if (!h) return std::unexpected(h.error());
          m.data_sources.push_back({text(ds.getName()), *h});
        }
        m.format_version = r.getFormatVersion();
        m.recorded_at_ns = r.getRecordedAtNs();
        if (m.format_version > kJournalFormatVersion) {
          return std::unexpected("journal format version " + std::to_string(m.format_version) +
                                 " is newer than this build reads (" + std::to_string(kJournalFormatVersion) + ")");
        }
        return m;
      });
}

std::expected<HeadInfo, std::string> decode_head(std::string_view bytes) {
  return decode_sealed<schema::JournalHead, HeadInfo>(
      bytes, "journal head", [](schema::JournalHead::Reader r) -> std::expected<HeadInfo, std::string> {
        HeadInfo h;
        h.session = r.getSession();
        h.last_seq = r.getLastSeq();
        h.messages = r.getMessages();
        h.stored = r.getStored();
        h.steps = r.getSteps();
        auto chain = hash_field(r.getChain(), "head chain");
        if (!chain) return std::unexpected(chain.error());
        h.chain = *chain;
        h.last_time_ns = r.getLastTimeNs();
        h.closed = r.getClosed();
        h.level = r.getLevel();
        return h;
      });
}

std::expected<StepDigestInfo, std::string> decode_digest(std::string_view bytes) {
  return decode_sealed<schema::StepDigest, StepDigestInfo>(
      bytes, "step digest", [](schema::StepDigest::Reader r) -> std::expected<StepDigestInfo, std::string> {
        StepDigestInfo d;
        d.session = r.getSession();
        d.first_seq = r.getFirstSeq();
        d.last_seq = r.getLastSeq();
        auto chain = hash_field(r.getChain(), "step digest chain");
        if (!chain) return std::unexpected(chain.error());
        d.chain = *chain;
        return d;
      });
}

std::uint64_t session_id(Mode mode, std::uint64_t root_seed, std::string_view canonical_config,
                         const std::vector<DataSourceInfo>& data_sources) {
  std::string material;
  material.append(mode_name(mode));
  material.push_back('\0');
  material.append(std::to_string(root_seed));
  material.push_back('\0');
  material.append(canonical_config);
  for (const auto& d : data_sources) {
    material.push_back('\0');
    material.append(d.name);
    material.push_back('\0');
    material.append(reinterpret_cast<const char*>(d.hash.bytes.data()), d.hash.bytes.size());
  }
  const Hash128 h = hash128(material);
  std::uint64_t id = 0;
  for (int i = 0; i < 8; ++i) id = id << 8 | h.bytes[i];
  return id;
}

// --- snapshots (declared in snapshot.hpp; the codecs of every record live here) ---

std::string encode(const SnapshotInfo& s) {
  capnp::MallocMessageBuilder b;
  auto r = b.initRoot<schema::Snapshot>();
  r.setSession(s.session);
  r.setSeq(s.seq);
  r.setChain(data_of(s.chain));
  r.setMessages(s.messages);
  r.setSteps(s.steps);
  r.setTimeNs(s.time_ns);
  auto actors = r.initActors(static_cast<unsigned>(s.actors.size()));
  unsigned i = 0;
  for (const auto& [actor, state] : s.actors) {
    actors[i].setActor(actor);
    actors[i].setState(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(state.data()), state.size()));
    ++i;
  }
  auto counts = r.initCounts(static_cast<unsigned>(s.counts.size()));
  for (unsigned k = 0; k < s.counts.size(); ++k) counts.set(k, s.counts[k]);
  r.setLastAccount(
      capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.last_account.data()), s.last_account.size()));
  return to_string(seal(b));
}

std::expected<SnapshotInfo, std::string> decode_snapshot(std::string_view bytes) {
  return decode_sealed<schema::Snapshot, SnapshotInfo>(
      bytes, "snapshot", [](schema::Snapshot::Reader r) -> std::expected<SnapshotInfo, std::string> {
        SnapshotInfo s;
        s.session = r.getSession();
        s.seq = r.getSeq();
        auto chain = hash_field(r.getChain(), "snapshot chain");
        if (!chain) return std::unexpected(chain.error());
        s.chain = *chain;
        s.messages = r.getMessages();
        s.steps = r.getSteps();
        s.time_ns = r.getTimeNs();
        for (auto a : r.getActors()) {
          auto d = a.getState();
          s.actors[a.getActor()] = std::string(reinterpret_cast<const char*>(d.begin()), d.size());
        }
        for (auto c : r.getCounts()) s.counts.push_back(c);
        auto last = r.getLastAccount();
        s.last_account.assign(reinterpret_cast<const char*>(last.begin()), last.size());
        return s;
      });
}

}  // namespace verity

