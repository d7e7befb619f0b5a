// The model file format (models/model_file.hpp): a valid file of every
// network kind round-trips byte for byte, and every way a file can be wrong
// (truncated, bit-flipped, a wrong magic or version, a tensor of the wrong
// shape, a feature feature set 2 lacks, a normaliser of the wrong size, a
// hash the registry did not record) is refused with an error that names the
// problem, never a crash. save_model_file refuses what decode would refuse.
#include "models/model_file.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "actors/runtime/prng.hpp"
#include "tests/support/rc_gen.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/files.hpp"

namespace verity {
namespace {

namespace fs = std::filesystem;
using testing::int_in;
using testing::TempDir;

/// Passes when `text` contains `part`; a failure shows the whole text.
::testing::AssertionResult mentions(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not mention \"" << part << "\"";
}

NetShape shape_of(NetKind kind) {
  NetShape s;
  s.kind = kind;
  s.inputs = 3;
  if (kind == NetKind::lstm) {
    s.window = 4;
    s.hidden = 5;
    s.layers = 1;
  } else if (kind == NetKind::transformer) {
    s.window = 4;
    s.hidden = 4;
    s.heads = 2;
    s.layers = 2;
    s.ff = 6;
  }
  return s;
}

/// A valid model of `kind` with every field set (seeded random weights), so
/// a round trip exercises the whole format.
ModelFile sample_model(NetKind kind, std::uint64_t seed = 1) {
  Prng prng(seed);
  ModelFile m;
  m.name = std::string(net_kind_name(kind)) + "-BTCUSDT";
  m.version = "1.2.3";
  m.shape = shape_of(kind);
  m.features = {"log_return", "rsi", "volatility"};
  m.horizon_bars = 15;
  m.symbols = {"BTCUSDT", "BNBUSDT"};
  m.train_data_hash = hash128(std::string_view("training bars"));
  m.seed = 0x1234'5678'9abc'def0ULL;
  m.normalizer.mean = {0.0001, 50.0, 0.002};
  m.normalizer.scale = {0.001, 12.5, 0.0007};
  m.normalizer.clip = 6.0;
  m.calibration.platt_a = 1.1;
  m.calibration.platt_b = -0.05;
  m.calibration.iso_x = {0.2, 0.45, 0.6};
  m.calibration.iso_y = {0.3, 0.5, 0.66};
  m.drift.quantiles = {{-1, 0, 1}, {20, 50, 80}, {0.001, 0.002, 0.004}};
  m.drift.samples = 5000;
  m.patterns["up/1/L"] = {40, 25};
  m.patterns["down/0/T"] = {12, 5};
  m.tensors = expected_tensors(m.shape);
  for (auto& t : m.tensors) {
    t.values.resize(t.numel());
    for (auto& v : t.values) v = static_cast<float>(0.3 * prng.normal());
  }
  return m;
}

using testing::slurp;

/// The decode error of `m` encoded as is (encode_model does not validate,
/// and it seals a correct checksum, so decode reaches the field checks).
std::string decode_error_of(const ModelFile& m) {
  auto d = decode_model(encode_model(m), "crafted.vmodel");
  if (d) return "";
  return d.error();
}

TEST(ModelFile, EveryKindRoundTripsByteForByte) {
  for (NetKind kind : {NetKind::logistic, NetKind::lstm, NetKind::transformer}) {
    SCOPED_TRACE(std::string(net_kind_name(kind)));
    const ModelFile m = sample_model(kind);
    const std::string bytes = encode_model(m);
    auto d = decode_model(bytes, "mem.vmodel");
    ASSERT_TRUE(d.has_value()) << d.error();
    EXPECT_EQ(encode_model(*d), bytes);
    EXPECT_EQ(encode_model(m), bytes);  // the same model gives the same bytes
    EXPECT_EQ(d->name, m.name);
    EXPECT_EQ(d->version, m.version);
    EXPECT_EQ(d->shape, m.shape);
    EXPECT_EQ(d->features, m.features);
    EXPECT_EQ(d->symbols, m.symbols);
    EXPECT_EQ(d->train_data_hash, m.train_data_hash);
    EXPECT_EQ(d->seed, m.seed);
    EXPECT_EQ(d->normalizer.mean, m.normalizer.mean);
    EXPECT_EQ(d->normalizer.scale, m.normalizer.scale);
    EXPECT_EQ(d->calibration.iso_y, m.calibration.iso_y);
    EXPECT_EQ(d->drift.quantiles, m.drift.quantiles);
    EXPECT_EQ(d->patterns, m.patterns);
    ASSERT_EQ(d->tensors.size(), m.tensors.size());
    for (std::size_t i = 0; i < m.tensors.size(); ++i) {
      EXPECT_EQ(d->tensors[i].name, m.tensors[i].name);
      EXPECT_EQ(d->tensors[i].shape, m.tensors[i].shape);
      EXPECT_EQ(d->tensors[i].values, m.tensors[i].values);
    }
    EXPECT_EQ(weights_hash(d->tensors), weights_hash(m.tensors));
    EXPECT_EQ(d->parameters(), m.parameters());
  }
}

TEST(ModelFile, SaveAndLoadRoundTripWithTheRecordedHash) {
  TempDir dir;
  const ModelFile m = sample_model(NetKind::lstm);
  const std::string path = dir.sub("sub/lstm.vmodel");  // the parent is created
  auto h = save_model_file(m, path);
  ASSERT_TRUE(h.has_value()) << h.error();
  EXPECT_EQ(*h, hash128(slurp(path)));
  EXPECT_EQ(slurp(path), encode_model(m));
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  auto loaded = load_model_file(path, &*h);
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  EXPECT_EQ(encode_model(*loaded), encode_model(m));
  auto missing = load_model_file(dir.sub("nope.vmodel"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_TRUE(mentions(missing.error(), "cannot be read"));
}

TEST(ModelFile, EveryTruncationIsRefusedWithoutACrash) {
  const std::string bytes = encode_model(sample_model(NetKind::logistic));
  ASSERT_GT(bytes.size(), 100u);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto d = decode_model(std::string_view(bytes).substr(0, n), "short.vmodel");
    ASSERT_FALSE(d.has_value()) << "a prefix of " << n << " bytes decoded";
    ASSERT_TRUE(mentions(d.error(), "model file short.vmodel: ")) << n;
    if (n < 32) {
      ASSERT_TRUE(mentions(d.error(), "truncated")) << n;
    } else {
      ASSERT_TRUE(mentions(d.error(), "checksum mismatch")) << n;
    }
  }
}

TEST(ModelFile, EveryFlippedBitIsRefused) {
  const std::string bytes = encode_model(sample_model(NetKind::logistic));
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      auto d = decode_model(bad, "flipped.vmodel");
      ASSERT_FALSE(d.has_value()) << "byte " << i << " bit " << bit;
      // The magic and the version are checked first, and by name; every other
      // byte is behind the checksum (the trailer is the checksum itself).
      const char* why = i < 12 ? "not a Verity model file" : i < 16 ? "format version" : "checksum mismatch";
      ASSERT_TRUE(mentions(d.error(), why)) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(ModelFile, WrongMagicAndFutureVersionAreNamed) {
  const std::string bytes = encode_model(sample_model(NetKind::lstm));
  std::string magic = bytes;
  magic.replace(0, 6, "PYTORC");
  auto m = decode_model(magic, "model.pt");
  ASSERT_FALSE(m.has_value());
  EXPECT_TRUE(mentions(m.error(), "model file model.pt: not a Verity model file"));

  std::string future = bytes;
  future[12] = 2;  // little-endian u32 after the 12-byte magic
  auto v = decode_model(future, "future.vmodel");
  ASSERT_FALSE(v.has_value());
  EXPECT_TRUE(mentions(v.error(), "format version 2; this build reads version 1"));

  auto empty = decode_model("", "empty.vmodel");
  ASSERT_FALSE(empty.has_value());
  EXPECT_TRUE(mentions(empty.error(), "truncated: 0 bytes"));
}

TEST(ModelFile, ATensorOfTheWrongShapeIsNamed) {
  ModelFile m = sample_model(NetKind::lstm);
  // head.weight is [1, hidden]; make it [1, hidden + 1] with matching values,
  // so only the shape check can catch it.
  NamedTensor& head = m.tensors[m.tensors.size() - 2];
  ASSERT_EQ(head.name, "head.weight");
  head.shape = {1, m.shape.hidden + 1};
  head.values.assign(m.shape.hidden + 1, 0.5f);
  const std::string e = decode_error_of(m);
  EXPECT_TRUE(mentions(e, "model file crafted.vmodel: field tensors: 'head.weight' has shape [1, 6]; "
                          "this network needs [1, 5]"));

  ModelFile values = sample_model(NetKind::transformer);
  values.tensors[0].values.pop_back();
  EXPECT_TRUE(mentions(decode_error_of(values), "'input.weight' has 11 values, its shape [4, 3] needs 12"));

  ModelFile renamed = sample_model(NetKind::lstm);
  renamed.tensors[1].name = "lstm.weight_hh_l1";
  EXPECT_TRUE(mentions(decode_error_of(renamed), "tensor 1 is 'lstm.weight_hh_l1', expected 'lstm.weight_hh_l0'"));

  ModelFile missing = sample_model(NetKind::transformer);
  missing.tensors.pop_back();
  EXPECT_TRUE(mentions(decode_error_of(missing), "tensors; a transformer of this shape has"));

  ModelFile nan = sample_model(NetKind::logistic);
  nan.tensors[0].values[1] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(mentions(decode_error_of(nan), "'head.weight' holds a value that is not finite"));

  ModelFile heads = sample_model(NetKind::transformer);
  heads.shape.heads = 3;  // does not divide the width 4
  EXPECT_TRUE(mentions(decode_error_of(heads), "network shape: transformer heads 3 must divide width 4"));

  ModelFile kind = sample_model(NetKind::logistic);
  kind.shape.kind = static_cast<NetKind>(9);
  EXPECT_TRUE(mentions(decode_error_of(kind), "unknown network kind 9"));
}

TEST(ModelFile, AFeatureOutsideFeatureSet2IsNamed) {
  ModelFile m = sample_model(NetKind::lstm);
  m.features[1] = "rsi_4h";
  EXPECT_TRUE(mentions(decode_error_of(m), "field features: column 'rsi_4h' is not in feature set 2"));

  ModelFile twice = sample_model(NetKind::lstm);
  twice.features[2] = "log_return";
  EXPECT_TRUE(mentions(decode_error_of(twice), "column 'log_return' appears twice"));

  ModelFile count = sample_model(NetKind::lstm);
  count.features.pop_back();
  EXPECT_TRUE(mentions(decode_error_of(count), "field features: 2 columns for a network of 3 inputs"));
}

TEST(ModelFile, ANormaliserOfTheWrongSizeIsNamed) {
  ModelFile m = sample_model(NetKind::transformer);
  m.normalizer.scale.pop_back();
  EXPECT_TRUE(mentions(decode_error_of(m), "field normalizer: 3 means and 2 scales for 3 inputs"));

  ModelFile zero = sample_model(NetKind::transformer);
  zero.normalizer.scale[2] = 0;
  EXPECT_TRUE(mentions(decode_error_of(zero), "scale of 'volatility' must be positive and finite"));

  ModelFile drift = sample_model(NetKind::logistic);
  drift.drift.quantiles.pop_back();
  EXPECT_TRUE(mentions(decode_error_of(drift), "field drift: 2 columns of quantiles for 3 inputs"));

  ModelFile iso = sample_model(NetKind::logistic);
  iso.calibration.iso_x = {0.5, 0.4, 0.6};
  EXPECT_TRUE(mentions(decode_error_of(iso), "isotonic thresholds not ascending"));
}

TEST(ModelFile, LoadWithAnotherHashDoesNotMatchTheRegistry) {
  TempDir dir;
  const std::string path = dir.sub("m.vmodel");
  auto h = save_model_file(sample_model(NetKind::logistic), path);
  ASSERT_TRUE(h.has_value()) << h.error();
  Hash128 other = *h;
  other.bytes[0] ^= 1;
  auto l = load_model_file(path, &other);
  ASSERT_FALSE(l.has_value());
  EXPECT_TRUE(mentions(l.error(), "model file " + path + ": hash " + h->hex() + " does not match the registry's " +
                                      other.hex()));
  // Without an expected hash the file itself is fine.
  EXPECT_TRUE(load_model_file(path).has_value());
}

TEST(ModelFile, SaveRefusesAnInvalidModelAndWritesNothing) {
  TempDir dir;
  const std::string path = dir.sub("bad.vmodel");
  ModelFile m = sample_model(NetKind::lstm);
  m.features[0] = "not_a_feature";
  auto s = save_model_file(m, path);
  ASSERT_FALSE(s.has_value());
  EXPECT_TRUE(mentions(s.error(), "model lstm-BTCUSDT not saved to " + path + ": field features: column 'not_a_feature'"));
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".tmp"));

  ModelFile unnamed = sample_model(NetKind::logistic);
  unnamed.name.clear();
  auto u = save_model_file(unnamed, path);
  ASSERT_FALSE(u.has_value());
  EXPECT_TRUE(mentions(u.error(), "field name: empty"));

  ModelFile shape = sample_model(NetKind::lstm);
  shape.tensors[0].shape = {shape.tensors[0].shape[1], shape.tensors[0].shape[0]};
  auto t = save_model_file(shape, path);
  ASSERT_FALSE(t.has_value());
  EXPECT_TRUE(mentions(t.error(), "'lstm.weight_ih_l0' has shape [3, 20]; this network needs [20, 3]"));
  EXPECT_FALSE(fs::exists(path));
}

// Random byte changes anywhere in a file never decode: the checksum (or the
// magic or version check in front of it) catches every one.
RC_GTEST_PROP(ModelFileProperties, RandomByteChangesNeverDecode, ()) {
  static const std::string bytes = encode_model(sample_model(NetKind::transformer, 3));
  std::string bad = bytes;
  const int changes = int_in(1, 5);
  for (int c = 0; c < changes; ++c) {
    const auto at = static_cast<std::size_t>(int_in(0, static_cast<int>(bytes.size())));
    bad[at] = static_cast<char>(bad[at] ^ int_in(1, 256));
  }
  auto d = decode_model(bad, "random.vmodel");
  RC_ASSERT(!d.has_value());
  RC_ASSERT(d.error().starts_with("model file random.vmodel: "));
}

// Changes behind a correct checksum (a file written by a buggy or hostile
// encoder) reach the field checks: they either decode into a model that
// passes every check (so its own encoding decodes again), or fail with an
// error that is not the checksum's; never a crash or an allocation the
// file's size does not bound.
RC_GTEST_PROP(ModelFileProperties, ResealedChangesDecodeCleanlyOrFail, ()) {
  static const std::string bytes = encode_model(sample_model(NetKind::lstm, 4));
  constexpr std::size_t kHeader = 16, kTrailer = 16;
  std::string body = bytes.substr(0, bytes.size() - kTrailer);
  const int changes = int_in(1, 4);
  for (int c = 0; c < changes; ++c) {
    const auto at = kHeader + static_cast<std::size_t>(int_in(0, static_cast<int>(body.size() - kHeader)));
    body[at] = static_cast<char>(body[at] ^ int_in(1, 256));
  }
  const Hash128 h = hash128(body);
  const std::string sealed = body + std::string(reinterpret_cast<const char*>(h.bytes.data()), h.bytes.size());
  auto d = decode_model(sealed, "resealed.vmodel");
  if (d) {
    RC_ASSERT(decode_model(encode_model(*d), "again.vmodel").has_value());
  } else {
    RC_ASSERT(d.error().starts_with("model file resealed.vmodel: "));
    RC_ASSERT(d.error().find("checksum") == std::string::npos);
  }
}

}  // namespace
}  // namespace verity
