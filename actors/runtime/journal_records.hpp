// The journal's own records in C++ form: the session manifest, the head
// that is committed with every step, and the step digests of level `inputs`.
// Each encodes to a sealed Cap'n Proto record (schema/journal.capnp) and
// decodes with every check a reader of untrusted bytes needs.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "actors/runtime/hash.hpp"
#include "schema/control.capnp.h"
#include "schema/journal.capnp.h"

namespace verity {

using JournalLevel = schema::JournalLevel;
using Mode = schema::Mode;

std::string_view level_name(JournalLevel level);
std::optional<JournalLevel> parse_level(std::string_view name);
std::string_view mode_name(Mode mode);

/// Bumped when the journal's layout changes in a way old readers cannot read.
inline constexpr std::uint32_t kJournalFormatVersion = 1;

struct DataSourceInfo {
  std::string name;
  Hash128 hash;
};

struct ModelVersionInfo {
  std::string name, version;
  Hash128 file_hash;
};

struct ManifestInfo {
  std::uint64_t session = 0;
  std::uint64_t root_seed = 0;
  Mode mode = Mode::SIM;
  JournalLevel level = JournalLevel::FULL;
  std::string config;  // canonical TOML
  Hash128 config_hash;
  std::string build_id;
  std::string command;
  std::vector<ModelVersionInfo> models;
  std::vector<DataSourceInfo> data_sources;
  std::uint32_t format_version = kJournalFormatVersion;
  std::int64_t recorded_at_ns = 0;  // wall time the recording started; 0: unknown
};

struct HeadInfo {
  std::uint64_t session = 0;
  std::uint64_t last_seq = 0;
  std::uint64_t messages = 0;
  std::uint64_t stored = 0;
  std::uint64_t steps = 0;
  Hash128 chain;
  std::int64_t last_time_ns = 0;
  bool closed = false;
  JournalLevel level = JournalLevel::FULL;
};

struct StepDigestInfo {
  std::uint64_t session = 0;
  std::uint64_t first_seq = 0, last_seq = 0;
  Hash128 chain;
};

std::string encode(const ManifestInfo& m);
std::string encode(const HeadInfo& h);
std::string encode(const StepDigestInfo& d);

std::expected<ManifestInfo, std::string> decode_manifest(std::string_view bytes);
std::expected<HeadInfo, std::string> decode_head(std::string_view bytes);
std::expected<StepDigestInfo, std::string> decode_digest(std::string_view bytes);

/// The session id: the first 8 bytes of xxh3-128 over mode, seed, canonical
/// config and the content hash of every data source (candles, calibration
/// files), so two runs over different data never share an id even when the
/// config names the same files. The same run gets the same id in any folder;
/// the build id is left out so a golden hash survives a rebuild.
std::uint64_t session_id(Mode mode, std::uint64_t root_seed, std::string_view canonical_config,
                         const std::vector<DataSourceInfo>& data_sources = {});

}  // namespace verity
