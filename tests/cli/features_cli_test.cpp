// `verity features` run as a user would: one CSV row per bar under the
// documented header, values that read back to the engine's own doubles bit
// for bit, and bad input that fails with exit 2 naming file, line and column.
#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "actors/features/indicators.hpp"
#include "actors/runtime/config.hpp"
#include "tests/support/candles.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/files.hpp"

namespace verity {
namespace {

using testing::CommandResult;
using testing::contains;
using testing::run_verity;
using testing::TempDir;


using testing::slurp;

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(s);
  while (std::getline(in, field, sep)) out.push_back(field);
  if (!s.empty() && s.back() == sep) out.push_back("");
  return out;
}

/// Freqtrade JSON ([[ms, o, h, l, c, v], ...]) with round-trip numbers.
std::string freqtrade_json(const std::vector<BarData>& bars) {
  std::string out = "[";
  char buf[32];
  auto num = [&](double v) {
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  };
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    out += i ? ",\n[" : "\n[";
    out += std::to_string(b.open_time_ns / 1'000'000);
    for (double v : {b.open, b.high, b.low, b.close, b.volume}) {
      out += ',';
      num(v);
    }
    out += ']';
  }
  return out + "\n]\n";
}

std::string header() {
  std::string h = "open_time,ready";
  for (const auto& col : kFeatureColumns) h.append(",").append(col.name);
  return h;
}

TEST(FeaturesCli, WritesOneRowPerBarThatReadsBackBitForBit) {
  TempDir dir;
  const auto bars = testing::random_minute_bars(5, 4'000, 0.003);
  const std::string in = dir.sub("candles.json"), out = dir.sub("features.csv");
  std::ofstream(in) << freqtrade_json(bars);
  const CommandResult r = run_verity("features --input " + in + " --output " + out + " --symbol TESTUSDT");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "4000 bars"));

  const auto lines = split(slurp(out), '\n');
  ASSERT_EQ(lines.size(), bars.size() + 2);  // header, rows, and the empty field after the last newline
  EXPECT_EQ(lines[0], header());
  FeatureEngine engine{FeaturesConfig{}};
  double values[kFeatureCount];
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const FeatureRow row = engine.update(bars[i]);
    feature_values(row, values);
    const auto fields = split(lines[i + 1], ',');
    ASSERT_EQ(fields.size(), kFeatureCount + 2) << "row " << i;
    ASSERT_EQ(fields[1], row.ready ? "1" : "0") << "row " << i;
    for (std::size_t c = 0; c < kFeatureCount; ++c) {
      const std::string& f = fields[c + 2];
      if (std::isnan(values[c])) {
        ASSERT_EQ(f, "") << "row " << i << " " << kFeatureColumns[c].name << ": a cold column is empty";
        continue;
      }
      double parsed = 0;
      const auto res = std::from_chars(f.data(), f.data() + f.size(), parsed);
      ASSERT_EQ(res.ec, std::errc()) << f;
      ASSERT_EQ(std::bit_cast<std::uint64_t>(parsed), std::bit_cast<std::uint64_t>(values[c]))
          << "row " << i << " " << kFeatureColumns[c].name;
    }
  }
  EXPECT_EQ(split(lines[1], ',')[0], "2021-03-26T00:00:00.000Z");
}

TEST(FeaturesCli, HelpNamesEveryOption) {
  const CommandResult r = run_verity("features --help");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* option : {"--input", "--output", "--symbol", "--config"}) EXPECT_TRUE(contains(r.out, option));
}

TEST(FeaturesCli, BadInputNamesFileLineAndColumn) {
  TempDir dir;
  const std::string out = dir.sub("out.csv");
  auto write = [&](const std::string& name, const std::string& text) {
    const std::string path = dir.sub(name);
    std::ofstream(path) << text;
    return path;
  };
  struct Case {
    std::string path;
    std::vector<std::string> mentions;
  };
  const std::vector<Case> cases = {
      {dir.sub("missing.json"), {"missing.json"}},
      {write("text.json", "[[1616716800000,1,2,0.5,1.5,3],\n[1616716860000,1,2,0.5,\"x\",3]]"),
       {"text.json", "2", "close"}},
      {write("short.json", "[[1616716800000,1,2,0.5,1.5,3],[1616716860000,1,2]]"), {"short.json", "2"}},
      {write("truncated.json", "[[1616716800000,1,2,0.5,1.5,3],\n[1616716860000,1,2"), {"truncated.json", "2"}},
      {write("high_low.json", "[[1616716800000,1,2,0.5,1.5,3],[1616716860000,1,0.4,0.5,0.45,3]]"),
       {"high_low.json", "2", "high"}},
      {write("order.json",
             "[[1616716800000,1,2,0.5,1.5,3],[1616716920000,1,2,0.5,1.5,3],[1616716860000,1,2,0.5,1.5,3]]"),
       {"order.json", "3", "open_time"}},
      {write("duplicate.json", "[[1616716800000,1,2,0.5,1.5,3],[1616716800000,1,2,0.5,1.5,3]]"),
       {"duplicate.json", "2", "open_time"}},
      {write("nonpositive.json", "[[1616716800000,1,2,0.5,1.5,3],[1616716860000,1,2,0.5,-1.5,3]]"),
       {"nonpositive.json", "2", "close"}},
  };
  for (const Case& c : cases) {
    const CommandResult r = run_verity("features --input " + c.path + " --output " + out);
    EXPECT_EQ(r.exit_code, 2) << c.path << "\n" << r.out;
    for (const auto& m : c.mentions) EXPECT_TRUE(contains(r.err, m)) << c.path;
  }
  const CommandResult no_output = run_verity("features --input " + cases[1].path);
  EXPECT_NE(no_output.exit_code, 0);
  EXPECT_TRUE(contains(no_output.err, "--output"));
}

TEST(FeaturesCli, RunsOverTheSharedBtcFile) {
  const auto path = testing::shared_data_dir() / testing::kBtc2021;
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent";
  TempDir dir;
  const std::string out = dir.sub("btc.csv");
  const CommandResult r = run_verity("features --input " + path.string() + " --output " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "61272 bars"));
  const auto lines = split(slurp(out), '\n');
  EXPECT_EQ(lines.size(), 61'272u + 2);
  EXPECT_EQ(split(lines[1], ',')[0], "2021-04-02T00:00:00.000Z");
}

}  // namespace
}  // namespace verity
