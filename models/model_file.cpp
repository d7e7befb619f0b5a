#include "models/model_file.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "actors/features/indicators.hpp"
#include "actors/runtime/state_archive.hpp"

namespace verity {

namespace {
constexpr std::string_view kMagic = "VERITYMODEL\n";
constexpr std::uint32_t kFormatVersion = 1;
constexpr std::size_t kHeaderBytes = 12 + 4;
constexpr std::size_t kTrailerBytes = 16;
constexpr std::uint32_t kMaxDim = 4096;

std::string shape_text(const std::vector<std::uint32_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint32_t get_u32(std::string_view in) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  return v;
}

void put_shape(StateWriter& w, const NetShape& s) {
  w.put_all(s.kind, s.inputs, s.window, s.hidden, s.layers, s.heads, s.ff);
}
void get_shape(StateReader& r, NetShape& s) { r.get_all(s.kind, s.inputs, s.window, s.hidden, s.layers, s.heads, s.ff); }

std::expected<void, std::string> check_shape(const NetShape& s) {
  auto bad = [](std::string what) { return std::unexpected("network shape: " + std::move(what)); };
  if (s.kind != NetKind::logistic && s.kind != NetKind::lstm && s.kind != NetKind::transformer)
    return bad("unknown network kind " + std::to_string(static_cast<int>(s.kind)));
  if (s.inputs < 1 || s.inputs > kMaxDim) return bad("inputs " + std::to_string(s.inputs) + ", expected 1..4096");
  if (s.window < 1 || s.window > kMaxDim) return bad("window " + std::to_string(s.window) + ", expected 1..4096");
  if (s.kind == NetKind::lstm) {
    if (s.hidden < 1 || s.hidden > kMaxDim) return bad("lstm hidden " + std::to_string(s.hidden) + ", expected 1..4096");
    if (s.layers != 1) return bad("lstm layers " + std::to_string(s.layers) + ", expected 1");
  }
  if (s.kind == NetKind::transformer) {
    if (s.hidden < 1 || s.hidden > 1024) return bad("transformer width " + std::to_string(s.hidden) + ", expected 1..1024");
    if (s.heads < 1 || s.hidden % s.heads != 0)
      return bad("transformer heads " + std::to_string(s.heads) + " must divide width " + std::to_string(s.hidden));
    if (s.layers < 1 || s.layers > 8) return bad("transformer layers " + std::to_string(s.layers) + ", expected 1..8");
    if (s.ff < 1 || s.ff > kMaxDim) return bad("transformer ff " + std::to_string(s.ff) + ", expected 1..4096");
  }
  return {};
}

template <class Check>
std::expected<void, std::string> section(StateReader& r, const char* name, Check&& read) {
  read();
  if (!r.ok()) return std::unexpected(std::string("field ") + name + ": " + r.error());
  return {};
}
}  // namespace

std::string_view net_kind_name(NetKind k) {
  switch (k) {
    case NetKind::logistic: return "logistic";
    case NetKind::lstm: return "lstm";
    case NetKind::transformer: return "transformer";
  }
  return "unknown";
}

std::expected<NetKind, std::string> parse_net_kind(std::string_view name) {
  if (name == "logistic") return NetKind::logistic;
  if (name == "lstm") return NetKind::lstm;
  if (name == "transformer") return NetKind::transformer;
  return std::unexpected("unknown network kind '" + std::string(name) + "': expected logistic, lstm or transformer");
}

std::vector<NamedTensor> expected_tensors(const NetShape& s) {
  std::vector<NamedTensor> t;
  auto add = [&](std::string name, std::vector<std::uint32_t> shape) { t.push_back({std::move(name), std::move(shape), {}}); };
  std::uint32_t head_in = s.inputs;
  if (s.kind == NetKind::lstm) {
    const std::uint32_t g = 4 * s.hidden;
    add("lstm.weight_ih_l0", {g, s.inputs});
    add("lstm.weight_hh_l0", {g, s.hidden});
    add("lstm.bias_ih_l0", {g});
    add("lstm.bias_hh_l0", {g});
    head_in = s.hidden;
  } else if (s.kind == NetKind::transformer) {
    const std::uint32_t d = s.hidden;
    add("input.weight", {d, s.inputs});
    add("input.bias", {d});
    add("position", {s.window, d});
    for (std::uint32_t l = 0; l < s.layers; ++l) {
      const std::string p = "layer" + std::to_string(l) + ".";
      add(p + "qkv.weight", {3 * d, d});
      add(p + "qkv.bias", {3 * d});
      add(p + "out.weight", {d, d});
      add(p + "out.bias", {d});
      add(p + "norm1.weight", {d});
      add(p + "norm1.bias", {d});
      add(p + "ff1.weight", {s.ff, d});
      add(p + "ff1.bias", {s.ff});
      add(p + "ff2.weight", {d, s.ff});
      add(p + "ff2.bias", {d});
      add(p + "norm2.weight", {d});
      add(p + "norm2.bias", {d});
    }
    head_in = d;
  }
  add("head.weight", {1, head_in});
  add("head.bias", {1});
  return t;
}

std::size_t ModelFile::parameters() const {
  std::size_t n = 0;
  for (const auto& t : tensors) n += t.values.size();
  return n;
}

std::string encode_model(const ModelFile& m) {
  StateWriter w;
  w.put_all(m.name, m.version);
  put_shape(w, m.shape);
  w.put_all(m.features, m.horizon_bars, m.symbols);
  for (auto b : m.train_data_hash.bytes) w.put(b);
  w.put(m.seed);
  w.put_all(m.normalizer.mean, m.normalizer.scale, m.normalizer.clip);
  w.put_all(m.calibration.platt_a, m.calibration.platt_b, m.calibration.iso_x, m.calibration.iso_y);
  w.put_all(m.drift.quantiles, m.drift.samples);
  w.put(static_cast<std::uint64_t>(m.patterns.size()));
  for (const auto& [key, c] : m.patterns) w.put_all(key, c.seen, c.correct);
  w.put(static_cast<std::uint64_t>(m.tensors.size()));
  for (const auto& t : m.tensors) w.put_all(t.name, t.shape, t.values);

  std::string out(kMagic);
  put_u32(out, kFormatVersion);
  out += w.bytes();
  const Hash128 h = hash128(out);
  out.append(reinterpret_cast<const char*>(h.bytes.data()), h.bytes.size());
  return out;
}

namespace {
std::expected<void, std::string> validate(const ModelFile& m) {
  if (auto ok = check_shape(m.shape); !ok) return ok;
  const auto& s = m.shape;
  if (m.name.empty()) return std::unexpected("field name: empty");
  if (m.version.empty()) return std::unexpected("field version: empty");
  if (m.features.size() != s.inputs)
    return std::unexpected("field features: " + std::to_string(m.features.size()) + " columns for a network of " +
                           std::to_string(s.inputs) + " inputs");
  std::set<std::string> seen;
  for (const auto& f : m.features) {
    if (!feature_index(f))
      return std::unexpected("field features: column '" + f + "' is not in feature set 2 (docs/FEATURES.md)");
    if (!seen.insert(f).second) return std::unexpected("field features: column '" + f + "' appears twice");
  }
  if (m.horizon_bars < 1) return std::unexpected("field horizon_bars: " + std::to_string(m.horizon_bars) + ", expected >= 1");
  const auto& n = m.normalizer;
  if (n.mean.size() != s.inputs || n.scale.size() != s.inputs)
    return std::unexpected("field normalizer: " + std::to_string(n.mean.size()) + " means and " +
                           std::to_string(n.scale.size()) + " scales for " + std::to_string(s.inputs) + " inputs");
  for (std::size_t i = 0; i < s.inputs; ++i) {
    if (!std::isfinite(n.mean[i])) return std::unexpected("field normalizer: mean of '" + m.features[i] + "' is not finite");
    if (!(n.scale[i] > 0) || !std::isfinite(n.scale[i]))
      return std::unexpected("field normalizer: scale of '" + m.features[i] + "' must be positive and finite");
  }
  if (!(n.clip > 0)) return std::unexpected("field normalizer: clip must be positive");
  const auto& c = m.calibration;
  if (!std::isfinite(c.platt_a) || !std::isfinite(c.platt_b)) return std::unexpected("field calibration: Platt a or b not finite");
  if (c.iso_x.size() != c.iso_y.size()) return std::unexpected("field calibration: isotonic x and y differ in length");
  for (std::size_t i = 0; i < c.iso_x.size(); ++i) {
    if (!(c.iso_y[i] >= 0 && c.iso_y[i] <= 1)) return std::unexpected("field calibration: isotonic output outside [0, 1]");
    if (i > 0 && !(c.iso_x[i] > c.iso_x[i - 1])) return std::unexpected("field calibration: isotonic thresholds not ascending");
  }
  if (!m.drift.quantiles.empty() && m.drift.quantiles.size() != s.inputs)
    return std::unexpected("field drift: " + std::to_string(m.drift.quantiles.size()) + " columns of quantiles for " +
                           std::to_string(s.inputs) + " inputs");
  const auto expected = expected_tensors(s);
  if (m.tensors.size() != expected.size())
    return std::unexpected("field tensors: " + std::to_string(m.tensors.size()) + " tensors; a " +
                           std::string(net_kind_name(s.kind)) + " of this shape has " + std::to_string(expected.size()));
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& t = m.tensors[i];
    const auto& e = expected[i];
    if (t.name != e.name)
      return std::unexpected("field tensors: tensor " + std::to_string(i) + " is '" + t.name + "', expected '" + e.name + "'");
    if (t.shape != e.shape)
      return std::unexpected("field tensors: '" + t.name + "' has shape " + shape_text(t.shape) + "; this network needs " +
                             shape_text(e.shape));
    if (t.values.size() != e.numel())
      return std::unexpected("field tensors: '" + t.name + "' has " + std::to_string(t.values.size()) + " values, its shape " +
                             shape_text(e.shape) + " needs " + std::to_string(e.numel()));
    for (float v : t.values)
      if (!std::isfinite(v)) return std::unexpected("field tensors: '" + t.name + "' holds a value that is not finite");
  }
  return {};
}

std::expected<ModelFile, std::string> decode_body(std::string_view body) {
  ModelFile m;
  StateReader r(body, "model");
  auto step = [&](const char* name, auto&& read) { return section(r, name, read); };
  std::expected<void, std::string> ok;
  if (!(ok = step("name", [&] { r.get_all(m.name, m.version); }))) return std::unexpected(ok.error());
  if (!(ok = step("shape", [&] { get_shape(r, m.shape); }))) return std::unexpected(ok.error());
  if (auto s = check_shape(m.shape); !s) return std::unexpected(s.error());
  if (!(ok = step("features", [&] { r.get_all(m.features, m.horizon_bars, m.symbols); }))) return std::unexpected(ok.error());
  if (!(ok = step("train_data_hash", [&] {
        for (auto& b : m.train_data_hash.bytes) r.get(b);
        r.get(m.seed);
      })))
    return std::unexpected(ok.error());
  if (!(ok = step("normalizer", [&] { r.get_all(m.normalizer.mean, m.normalizer.scale, m.normalizer.clip); })))
    return std::unexpected(ok.error());
  if (!(ok = step("calibration", [&] {
        r.get_all(m.calibration.platt_a, m.calibration.platt_b, m.calibration.iso_x, m.calibration.iso_y);
      })))
    return std::unexpected(ok.error());
  if (!(ok = step("drift", [&] { r.get_all(m.drift.quantiles, m.drift.samples); }))) return std::unexpected(ok.error());
  if (!(ok = step("patterns", [&] {
        std::uint64_t n = 0;
        r.get(n);
        for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
          std::string key;
          PatternCount c;
          r.get_all(key, c.seen, c.correct);
          m.patterns[key] = c;
        }
      })))
    return std::unexpected(ok.error());
  if (!(ok = step("tensors", [&] {
        std::uint64_t n = 0;
        r.get(n);
        if (n > 4096) {
          r.fail("a count of " + std::to_string(n) + " tensors");
          return;
        }
        m.tensors.resize(n);
        for (auto& t : m.tensors) r.get_all(t.name, t.shape, t.values);
      })))
    return std::unexpected(ok.error());
  if (!r.at_end()) return std::unexpected("trailing bytes after the tensors");
  if (auto v = validate(m); !v) return std::unexpected(v.error());
  return m;
}
}  // namespace

std::expected<ModelFile, std::string> decode_model(std::string_view bytes, const std::string& origin) {
  auto fail = [&](const std::string& why) { return std::unexpected("model file " + origin + ": " + why); };
  if (bytes.size() < kHeaderBytes + kTrailerBytes)
    return fail("truncated: " + std::to_string(bytes.size()) + " bytes, a model file has at least " +
                std::to_string(kHeaderBytes + kTrailerBytes));
  if (bytes.substr(0, kMagic.size()) != kMagic) return fail("not a Verity model file (the first bytes are not VERITYMODEL)");
  const std::uint32_t version = get_u32(bytes.substr(kMagic.size(), 4));
  if (version != kFormatVersion)
    return fail("format version " + std::to_string(version) + "; this build reads version " + std::to_string(kFormatVersion));
  const std::string_view sealed = bytes.substr(0, bytes.size() - kTrailerBytes);
  const Hash128 h = hash128(sealed);
  if (std::string_view(reinterpret_cast<const char*>(h.bytes.data()), kTrailerBytes) != bytes.substr(sealed.size()))
    return fail("checksum mismatch: the file is corrupted or truncated");
  auto m = decode_body(sealed.substr(kHeaderBytes));
  if (!m) return fail(m.error());
  return m;
}

std::expected<ModelFile, std::string> load_model_file(const std::string& path, const Hash128* expected_hash) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("model file " + path + ": cannot be read (missing or no permission)");
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  if (expected_hash) {
    const Hash128 h = hash128(bytes);
    if (!(h == *expected_hash))
      return std::unexpected("model file " + path + ": hash " + h.hex() + " does not match the registry's " +
                             expected_hash->hex() + " (the file changed after it was registered)");
  }
  return decode_model(bytes, path);
}

std::expected<Hash128, std::string> save_model_file(const ModelFile& m, const std::string& path) {
  if (auto v = validate(m); !v) return std::unexpected("model " + m.name + " not saved to " + path + ": " + v.error());
  const std::string bytes = encode_model(m);
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return std::unexpected("model file " + path + ": cannot write " + tmp);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) return std::unexpected("model file " + path + ": write failed");
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return std::unexpected("model file " + path + ": rename failed: " + ec.message());
  return hash128(bytes);
}

Hash128 weights_hash(const std::vector<NamedTensor>& tensors) {
  StateWriter w;
  for (const auto& t : tensors) w.put_all(t.name, t.shape, t.values);
  return hash128(w.bytes());
}

}  // namespace verity
