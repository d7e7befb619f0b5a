// The model registry (models/registry.hpp) on real RocksDB folders and real
// model files written with save_model_file: records, version order, gates,
// promotion with and without overrides, rollback, and files that are broken
// or changed behind the registry's back.
#include "models/registry.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "models/model_file.hpp"
#include "tests/support/models.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/files.hpp"

namespace verity {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::small_model;
using testing::TempDir;
using testing::write_small_model;

constexpr std::int64_t kT0 = 1'735'689'600'000'000'000;  // 2025-01-01T00:00:00Z
constexpr std::int64_t kHour = 3'600'000'000'000;


json good_metrics() {
  return json::parse(R"({"per_symbol": {"BTCUSDT": {"accuracy": 0.71, "ece": 0.031, "brier": 0.2}},
                         "leakage_test": true})");
}

json bad_metrics() {  // calibration too poor, leakage test not reported
  return json::parse(R"({"per_symbol": {"BTCUSDT": {"accuracy": 0.70, "ece": 0.07}}})");
}

using testing::slurp;

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

class Registry : public ::testing::Test {
 protected:
  /// Writes a model file into the scratch folder and returns its path.
  std::string model_file(const std::string& name, const std::string& version, float weight = 0.25f) {
    return write_small_model(tmp_.sub(name + "-" + version + ".src.vmodel"), name, version, weight);
  }

  ModelRegistry open() {
    auto r = ModelRegistry::open(dir_, true);
    EXPECT_TRUE(r.has_value()) << r.error();
    return std::move(*r);
  }

  ModelRecord add(ModelRegistry& reg, const std::string& name, const std::string& version, const json& metrics,
                  std::int64_t t = kT0) {
    auto r = reg.add(model_file(name, version), json{{"epochs", 3}}, metrics, GateConfig{}, t);
    EXPECT_TRUE(r.has_value()) << r.error();
    return r.value_or(ModelRecord{});
  }

  TempDir tmp_;
  std::string dir_ = tmp_.sub("registry");
};

TEST_F(Registry, AddListGet) {
  auto reg = open();
  const std::string src = model_file("lstm-BTCUSDT", "1.0.0");
  auto rec = reg.add(src, json{{"epochs", 3}}, good_metrics(), GateConfig{}, kT0);
  ASSERT_TRUE(rec.has_value()) << rec.error();
  EXPECT_EQ(rec->tag(), "lstm-BTCUSDT@1.0.0");
  EXPECT_EQ(rec->file, "files/lstm-BTCUSDT-1.0.0.vmodel");
  EXPECT_EQ(rec->file_hash, hash128(std::string_view(slurp(src))));
  EXPECT_EQ(slurp(reg.file_path(*rec)), slurp(src));
  EXPECT_EQ(rec->kind(), "logistic");
  EXPECT_EQ(rec->parameters, 3u);  // head.weight 1x2 + head.bias 1
  EXPECT_EQ(rec->features, (std::vector<std::string>{"close", "rsi"}));
  EXPECT_EQ(rec->symbols, (std::vector<std::string>{"BTCUSDT"}));
  EXPECT_EQ(rec->horizon_bars, 15);
  EXPECT_EQ(rec->seed, 7u);
  EXPECT_EQ(rec->train_data_hash, hash128(std::string_view("training bars")));
  EXPECT_EQ(rec->train_options, (json{{"epochs", 3}}));
  EXPECT_EQ(rec->created_ns, kT0);
  EXPECT_EQ(rec->status(), ModelStatus::candidate);
  EXPECT_TRUE(rec->gates_passed());

  auto all = reg.list();
  ASSERT_TRUE(all.has_value()) << all.error();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(record_to_json((*all)[0]), record_to_json(*rec));

  auto got = reg.get("lstm-BTCUSDT@1.0.0");
  ASSERT_TRUE(got.has_value()) << got.error();
  EXPECT_EQ(record_to_json(*got), record_to_json(*rec));
  auto loaded = reg.load(*got);
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  EXPECT_EQ(loaded->name, "lstm-BTCUSDT");

  auto none = reg.get("lstm-BTCUSDT");  // no promoted version yet
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().find("no promoted version of lstm-BTCUSDT"), std::string::npos) << none.error();
  auto unknown = reg.get("transformer@2.0.0");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().find("it holds: lstm-BTCUSDT@1.0.0"), std::string::npos) << unknown.error();
  auto bad = reg.get("lstm-BTCUSDT@1.0");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().find("not a model tag"), std::string::npos) << bad.error();
}

TEST_F(Registry, DuplicateVersionRefused) {
  auto reg = open();
  add(reg, "m", "1.0.0", good_metrics());
  auto again = reg.add(model_file("m", "1.0.0", 0.5f), json::object(), good_metrics(), GateConfig{}, kT0 + kHour);
  ASSERT_FALSE(again.has_value());
  EXPECT_NE(again.error().find("m@1.0.0 is already registered"), std::string::npos) << again.error();
  EXPECT_NE(again.error().find("e.g. 1.1.0"), std::string::npos) << again.error();
}

TEST_F(Registry, SemverOrdersNumerically) {
  EXPECT_TRUE(SemVer::parse("1.10.0") > SemVer::parse("1.9.0"));
  EXPECT_TRUE(SemVer::parse("2.0.0") > SemVer::parse("1.99.99"));
  EXPECT_EQ(SemVer::parse("0.0.0")->text(), "0.0.0");
  for (const char* bad : {"1.0", "01.0.0", "1.0.0-rc1", "a.b.c", "1..0", "", "4294967296.0.0", "1.0.0.0"}) {
    EXPECT_FALSE(SemVer::parse(bad).has_value()) << bad;
  }

  auto reg = open();
  for (const char* v : {"1.9.0", "1.10.0", "1.2.0", "0.9.12"}) add(reg, "m", v, good_metrics());
  add(reg, "m-b", "1.0.0", good_metrics());
  add(reg, "l", "3.0.0", good_metrics());
  auto all = reg.list();
  ASSERT_TRUE(all.has_value()) << all.error();
  std::vector<std::string> tags;
  for (const auto& r : *all) tags.push_back(r.tag());
  EXPECT_EQ(tags, (std::vector<std::string>{"l@3.0.0", "m@0.9.12", "m@1.2.0", "m@1.9.0", "m@1.10.0", "m-b@1.0.0"}));

  auto next = reg.next_version("m");
  ASSERT_TRUE(next.has_value()) << next.error();
  EXPECT_EQ(*next, "1.11.0");
  EXPECT_EQ(reg.next_version("new-model").value_or(""), "1.0.0");
  EXPECT_EQ(reg.versions("m").value_or(std::vector<ModelRecord>{}).size(), 4u);
}

TEST_F(Registry, GatesPassAtThresholdAndFailBelow) {
  const GateConfig config;
  auto gates = evaluate_gates(json::parse(R"({"per_symbol": {"BTCUSDT": {"accuracy": 0.68, "ece": 0.05},
                                                              "ETHUSDT": {"accuracy": 0.80, "ece": 0.01}},
                                              "leakage_test": true})"),
                              config);
  ASSERT_EQ(gates.size(), 5u);
  std::vector<std::string> names;
  for (const auto& g : gates) {
    names.push_back(g.gate);
    EXPECT_TRUE(g.passed) << g.gate << ": " << g.detail;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"accuracy:BTCUSDT", "calibration_mae:BTCUSDT", "accuracy:ETHUSDT",
                                             "calibration_mae:ETHUSDT", "leakage_test"}));

  gates = evaluate_gates(json::parse(R"({"per_symbol": {"BTCUSDT": {"accuracy": 0.65, "ece": 0.07}},
                                         "leakage_test": false})"),
                         config);
  ASSERT_EQ(gates.size(), 3u);
  for (const auto& g : gates) EXPECT_FALSE(g.passed) << g.gate;
  EXPECT_EQ(gates[0].detail, "0.6500 < 0.6800");
  EXPECT_EQ(gates[1].detail, "0.0700 > 0.0500");
  EXPECT_EQ(gates[2].detail, "the leakage test failed");
  EXPECT_EQ(gates[2].value, 0.0);
}

TEST_F(Registry, MissingMetricFailsItsGate) {
  const GateConfig config;
  // ece missing for BTCUSDT; ETHUSDT (a symbol the model was trained on) absent; no leakage test.
  auto gates = evaluate_gates(json::parse(R"({"per_symbol": {"BTCUSDT": {"accuracy": 0.9}}})"), config,
                              {"BTCUSDT", "ETHUSDT"});
  ASSERT_EQ(gates.size(), 5u);
  EXPECT_TRUE(gates[0].passed);
  EXPECT_FALSE(gates[1].passed);
  EXPECT_FALSE(gates[1].value.has_value());
  EXPECT_EQ(gates[1].detail, "metric per_symbol.BTCUSDT.ece missing");
  EXPECT_EQ(gates[2].detail, "metric per_symbol.ETHUSDT.accuracy missing");
  EXPECT_EQ(gates[3].detail, "metric per_symbol.ETHUSDT.ece missing");
  EXPECT_EQ(gates[4].detail, "metric leakage_test missing");
  for (std::size_t i = 1; i < gates.size(); ++i) EXPECT_FALSE(gates[i].passed) << gates[i].gate;

  // No per-symbol metrics at all: the accuracy and calibration gates still appear, failed.
  gates = evaluate_gates(json::parse(R"({"leakage_test": true})"), config);
  ASSERT_EQ(gates.size(), 3u);
  EXPECT_EQ(gates[0].gate, "accuracy");
  EXPECT_FALSE(gates[0].passed);
  EXPECT_EQ(gates[0].detail, "metric per_symbol missing");
  EXPECT_FALSE(gates[1].passed);
  EXPECT_TRUE(gates[2].passed);

  // Not numbers, out of range, not a boolean.
  gates = evaluate_gates(json::parse(R"({"per_symbol": {"X": {"accuracy": "0.9", "ece": 1.5}}, "leakage_test": 1})"),
                         config);
  ASSERT_EQ(gates.size(), 3u);
  for (const auto& g : gates) EXPECT_FALSE(g.passed) << g.gate;
  EXPECT_NE(gates[0].detail.find("is not a number"), std::string::npos) << gates[0].detail;
  EXPECT_NE(gates[1].detail.find("outside [0, 1]"), std::string::npos) << gates[1].detail;
  EXPECT_NE(gates[2].detail.find("not a boolean"), std::string::npos) << gates[2].detail;

  // A leakage test the config does not require is still listed, and says so.
  GateConfig lax;
  lax.require_leakage_test = false;
  gates = evaluate_gates(json::parse(R"({"per_symbol": {"X": {"accuracy": 0.9, "ece": 0.01}}})"), lax);
  ASSERT_EQ(gates.size(), 3u);
  EXPECT_TRUE(gates[2].passed);
  EXPECT_EQ(gates[2].detail, "not required by the gate config (the test missing)");
}

TEST_F(Registry, GateThresholdsAreConfigurable) {
  auto reg = open();
  GateConfig strict;
  strict.min_accuracy = 0.75;
  auto r = reg.add(model_file("m", "1.0.0"), json::object(), good_metrics(), strict, kT0);
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_FALSE(r->gates_passed());
  EXPECT_EQ(r->failed_gates().at(0).gate, "accuracy:BTCUSDT");
  EXPECT_EQ(r->gate_config.min_accuracy, 0.75);
  GateConfig nonsense;
  nonsense.max_calibration_mae = 5;  // a percentage where a fraction belongs
  auto refused = reg.add(model_file("m", "1.1.0"), json::object(), good_metrics(), nonsense, kT0);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().find("max_calibration_mae"), std::string::npos) << refused.error();
}

TEST_F(Registry, PromoteRefusedThenOverriddenWithReason) {
  auto reg = open();
  add(reg, "m", "1.0.0", bad_metrics());
  auto refused = reg.promote("m@1.0.0", kT0 + kHour);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().find("refused: m@1.0.0 failed 2 of 3 promotion gates"), std::string::npos)
      << refused.error();
  EXPECT_NE(refused.error().find("FAIL calibration_mae:BTCUSDT"), std::string::npos) << refused.error();
  EXPECT_NE(refused.error().find("FAIL leakage_test"), std::string::npos) << refused.error();
  EXPECT_EQ(reg.get("m@1.0.0")->status(), ModelStatus::candidate);
  EXPECT_FALSE(reg.promote("m@1.0.0", kT0 + kHour, "   ").has_value());  // blank is no reason

  auto p = reg.promote("m@1.0.0", kT0 + kHour, "paper trading only; recalibrating");
  ASSERT_TRUE(p.has_value()) << p.error();
  ASSERT_EQ(p->overridden.size(), 2u);
  EXPECT_EQ(p->overridden[0].gate, "calibration_mae:BTCUSDT");
  EXPECT_FALSE(p->retired.has_value());
  auto now = reg.get("m");
  ASSERT_TRUE(now.has_value()) << now.error();
  EXPECT_EQ(now->status_text(), "promoted (gates overridden: paper trading only; recalibrating)");
  ASSERT_EQ(now->deployments.size(), 1u);
  EXPECT_EQ(now->deployments[0].overridden_gates,
            (std::vector<std::string>{"calibration_mae:BTCUSDT", "leakage_test"}));
  EXPECT_EQ(now->deployments[0].by, "promote");
  EXPECT_EQ(now->deployments[0].promoted_ns, kT0 + kHour);

  auto twice = reg.promote("m@1.0.0", kT0 + 2 * kHour);
  ASSERT_FALSE(twice.has_value());
  EXPECT_NE(twice.error().find("already promoted"), std::string::npos) << twice.error();
  EXPECT_FALSE(reg.promote("m", kT0).has_value());  // a bare name is not a version
}

TEST_F(Registry, PromoteAThenBThenRollbackPromotesAAgain) {
  auto reg = open();
  add(reg, "m", "1.0.0", good_metrics());
  add(reg, "m", "1.1.0", good_metrics());
  ASSERT_TRUE(reg.promote("m@1.0.0", kT0 + 1 * kHour).has_value());
  auto b = reg.promote("m@1.1.0", kT0 + 2 * kHour);
  ASSERT_TRUE(b.has_value()) << b.error();
  ASSERT_TRUE(b->retired.has_value());
  EXPECT_EQ(b->retired->tag(), "m@1.0.0");
  EXPECT_EQ(reg.get("m@1.0.0")->status(), ModelStatus::retired);
  EXPECT_EQ(reg.get("m@1.0.0")->deployments.back().retired_ns, kT0 + 2 * kHour);

  auto back = reg.rollback("m", kT0 + 3 * kHour);
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(back->promoted.tag(), "m@1.0.0");
  EXPECT_EQ(back->retired->tag(), "m@1.1.0");
  auto a = reg.get("m");
  ASSERT_TRUE(a.has_value()) << a.error();
  EXPECT_EQ(a->tag(), "m@1.0.0");
  ASSERT_EQ(a->deployments.size(), 2u);
  EXPECT_EQ(a->deployments[1].by, "rollback");
  EXPECT_EQ(a->deployments[1].seq, 3u);
  EXPECT_EQ(reg.get("m@1.1.0")->deployments.back().retired_ns, kT0 + 3 * kHour);
  auto promoted_file = reg.load_promoted("m");
  ASSERT_TRUE(promoted_file.has_value()) << promoted_file.error();
  EXPECT_EQ(promoted_file->version, "1.0.0");

  // A second rollback undoes the first.
  auto again = reg.rollback("m", kT0 + 4 * kHour);
  ASSERT_TRUE(again.has_value()) << again.error();
  EXPECT_EQ(again->promoted.tag(), "m@1.1.0");
  // A tag puts exactly that version back.
  auto exact = reg.rollback("m@1.0.0", kT0 + 5 * kHour);
  ASSERT_TRUE(exact.has_value()) << exact.error();
  EXPECT_EQ(reg.get("m")->tag(), "m@1.0.0");
}

TEST_F(Registry, RollbackWithNothingBeforeIsAnError) {
  auto reg = open();
  add(reg, "m", "1.0.0", good_metrics());
  add(reg, "m", "1.1.0", good_metrics());
  auto nothing = reg.rollback("m", kT0 + kHour);
  ASSERT_FALSE(nothing.has_value());
  EXPECT_NE(nothing.error().find("nothing to roll back: no version of m is promoted"), std::string::npos)
      << nothing.error();
  ASSERT_TRUE(reg.promote("m@1.1.0", kT0 + kHour).has_value());
  auto first = reg.rollback("m", kT0 + 2 * kHour);
  ASSERT_FALSE(first.has_value());
  EXPECT_NE(first.error().find("nothing to roll back to: m@1.1.0 is the first version of m"), std::string::npos)
      << first.error();
  EXPECT_EQ(reg.get("m")->tag(), "m@1.1.0");  // unchanged
  auto unknown = reg.rollback("zz", kT0 + 2 * kHour);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().find("no model zz"), std::string::npos) << unknown.error();
}

TEST_F(Registry, RollbackKeepsTheOriginalOverride) {
  auto reg = open();
  add(reg, "m", "1.0.0", bad_metrics());
  add(reg, "m", "1.1.0", good_metrics());
  add(reg, "m", "1.2.0", bad_metrics());
  ASSERT_TRUE(reg.promote("m@1.0.0", kT0 + kHour, "first deploy").has_value());
  ASSERT_TRUE(reg.promote("m@1.1.0", kT0 + 2 * kHour).has_value());
  auto back = reg.rollback("m", kT0 + 3 * kHour);
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(back->overridden.size(), 2u);
  EXPECT_EQ(reg.get("m")->status_text(), "promoted (gates overridden: first deploy)");
  // A version never promoted with an override is refused by its gates.
  auto refused = reg.rollback("m@1.2.0", kT0 + 4 * kHour);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().find("never promoted with an override"), std::string::npos) << refused.error();
}

TEST_F(Registry, TamperedFileDoesNotLoad) {
  auto reg = open();
  auto rec = add(reg, "m", "1.0.0", good_metrics());
  const std::string copy = reg.file_path(rec);
  // Replace the copy with another valid model file: only the hash can tell.
  ASSERT_TRUE(save_model_file(small_model("m", "1.0.0", 0.75f), copy).has_value());
  const std::string changed_hash = hash128(std::string_view(slurp(copy))).hex();
  auto loaded = reg.load(rec);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_NE(loaded.error().find(copy), std::string::npos) << loaded.error();
  EXPECT_NE(loaded.error().find(rec.file_hash.hex()), std::string::npos) << loaded.error();
  EXPECT_NE(loaded.error().find(changed_hash), std::string::npos) << loaded.error();
  EXPECT_NE(loaded.error().find("does not match"), std::string::npos) << loaded.error();
  // It is never put in force either.
  auto p = reg.promote("m@1.0.0", kT0 + kHour);
  ASSERT_FALSE(p.has_value());
  EXPECT_NE(p.error().find("does not match"), std::string::npos) << p.error();
  EXPECT_EQ(reg.get("m@1.0.0")->status(), ModelStatus::candidate);

  fs::remove(copy);
  auto missing = reg.load(rec);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().find("is missing"), std::string::npos) << missing.error();
}

TEST_F(Registry, TruncatedOrCorruptedFileRefusedAtAdd) {
  auto reg = open();
  const std::string src = model_file("m", "1.0.0");
  const std::string bytes = slurp(src);
  spit(src, bytes.substr(0, bytes.size() - 9));
  auto truncated = reg.add(src, json::object(), good_metrics(), GateConfig{}, kT0);
  ASSERT_FALSE(truncated.has_value());
  EXPECT_NE(truncated.error().find("refused " + src), std::string::npos) << truncated.error();

  std::string flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x10;
  spit(src, flipped);
  auto corrupted = reg.add(src, json::object(), good_metrics(), GateConfig{}, kT0);
  ASSERT_FALSE(corrupted.has_value());
  EXPECT_NE(corrupted.error().find("checksum"), std::string::npos) << corrupted.error();

  auto missing = reg.add(tmp_.sub("nope.vmodel"), json::object(), good_metrics(), GateConfig{}, kT0);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().find("no such file"), std::string::npos) << missing.error();

  EXPECT_TRUE(reg.list()->empty());
  EXPECT_TRUE(fs::is_empty(fs::path(dir_) / "files"));
}

TEST_F(Registry, WrongShapeRefusedAtAdd) {
  auto reg = open();
  ModelFile m = small_model("m", "1.0.0");
  m.tensors[0].shape = {2, 1};  // head.weight must be 1x2
  const std::string src = tmp_.sub("wrong-shape.vmodel");
  spit(src, encode_model(m));  // encode does not validate; save_model_file would refuse
  auto r = reg.add(src, json::object(), good_metrics(), GateConfig{}, kT0);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("head.weight"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("shape"), std::string::npos) << r.error();

  ModelFile bad_version = small_model("m", "v1");
  const std::string src2 = tmp_.sub("bad-version.vmodel");
  ASSERT_TRUE(save_model_file(bad_version, src2).has_value());
  auto r2 = reg.add(src2, json::object(), good_metrics(), GateConfig{}, kT0);
  ASSERT_FALSE(r2.has_value());
  EXPECT_NE(r2.error().find("not a semantic version"), std::string::npos) << r2.error();
  EXPECT_TRUE(reg.list()->empty());
}

TEST_F(Registry, ReopenPersistsEverything) {
  json before;
  {
    auto reg = open();
    add(reg, "m", "1.0.0", good_metrics());
    add(reg, "m", "1.1.0", bad_metrics());
    ASSERT_TRUE(reg.promote("m@1.0.0", kT0 + kHour).has_value());
    ASSERT_TRUE(reg.promote("m@1.1.0", kT0 + 2 * kHour, "reason kept").has_value());
    auto all = reg.list();
    ASSERT_TRUE(all.has_value()) << all.error();
    for (const auto& r : *all) before.push_back(record_to_json(r));
  }
  auto ro = ModelRegistry::open_read_only(dir_);
  ASSERT_TRUE(ro.has_value()) << ro.error();
  EXPECT_TRUE(ro->read_only());
  json after;
  auto all = ro->list();
  ASSERT_TRUE(all.has_value()) << all.error();
  for (const auto& r : *all) after.push_back(record_to_json(r));
  EXPECT_EQ(after, before);
  EXPECT_EQ(ro->get("m")->status_text(), "promoted (gates overridden: reason kept)");
  auto resolved = ro->resolve("m", "promoted");
  ASSERT_TRUE(resolved.has_value()) << resolved.error();
  EXPECT_EQ(resolved->first.tag(), "m@1.1.0");
  EXPECT_EQ(resolved->second.version, "1.1.0");
  auto write = ro->promote("m@1.0.0", kT0 + 3 * kHour);
  ASSERT_FALSE(write.has_value());
  EXPECT_NE(write.error().find("read-only"), std::string::npos) << write.error();
}

TEST_F(Registry, ResolveNamesWhatToDoWhenNothingIsPromoted) {
  auto reg = open();
  add(reg, "m", "1.0.0", good_metrics());
  auto r = reg.resolve("m", "");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), "no promoted version of m in registry " + dir_ +
                           ": promote one with `verity models promote m@VERSION`");
  auto exact = reg.resolve("m", "1.0.0");
  ASSERT_TRUE(exact.has_value()) << exact.error();
  EXPECT_EQ(exact->second.features, (std::vector<std::string>{"close", "rsi"}));
  EXPECT_FALSE(reg.resolve("m", "2.0.0").has_value());
}

TEST_F(Registry, MissingRegistryIsNotCreatedByReaders) {
  const std::string missing = tmp_.sub("nowhere");
  auto r = ModelRegistry::open(missing, false);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("no model registry at " + missing), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("verity train"), std::string::npos) << r.error();
  EXPECT_FALSE(ModelRegistry::open_read_only(missing).has_value());
  EXPECT_FALSE(fs::exists(missing));
}

TEST_F(Registry, RecordJsonRoundTrips) {
  auto reg = open();
  add(reg, "m", "1.0.0", bad_metrics());
  ASSERT_TRUE(reg.promote("m@1.0.0", kT0 + kHour, "why").has_value());
  const ModelRecord r = *reg.get("m@1.0.0");
  auto back = record_from_json(json::parse(record_to_json(r).dump()));
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(record_to_json(*back), record_to_json(r));
  EXPECT_EQ(back->gates, r.gates);
  EXPECT_EQ(back->deployments, r.deployments);
  json broken = record_to_json(r);
  broken["file"] = "../../etc/passwd";
  EXPECT_FALSE(record_from_json(broken).has_value());
  broken = record_to_json(r);
  broken.erase("gates");
  EXPECT_FALSE(record_from_json(broken).has_value());
}

}  // namespace
}  // namespace verity
