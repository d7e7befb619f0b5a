// Stylized facts of the calibrated generator against the real candles it was
// fitted to (docs/GENERATOR.md prints the same figures). The generated path
// has as many bars as the real file and starts at the same UTC time, so both
// cover the same hours and weekdays. Tolerances, stated once here:
//   - fat tails: kurtosis of 1-minute log returns > 3 (both);
//   - volatility clustering: autocorrelation of |r| > 0 at every lag 1..10 (both);
//   - per session (Asia 00-08, Europe 08-16, US 16-24 UTC): generated return sd
//     and mean volume within +-25% of the real ones.
// Skips with a message when ../shared/data is absent.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "actors/feed/candle_file.hpp"
#include "actors/runtime/config.hpp"
#include "sim/market_calibration.hpp"
#include "sim/market_generator.hpp"
#include "sim/market_model.hpp"
#include "sim/market_stats.hpp"
#include "tests/support/run_command.hpp"

namespace verity {
namespace {

constexpr double kSessionTolerance = 0.25;

std::string shared_file(const std::string& relative) {
  return std::string(VERITY_SOURCE_DIR) + "/../shared/data/" + relative;
}

struct RealAndGenerated {
  std::vector<BarData> real, generated;
};

/// Loads a real file and generates a path of the same length from the shipped calibration.
std::optional<RealAndGenerated> load_pair(const std::string& data_file, const std::string& symbol,
                                          const std::string& calibration, std::uint64_t seed) {
  auto file = load_candle_file(shared_file(data_file), symbol);
  EXPECT_TRUE(file.has_value()) << (file ? "" : file.error().text());
  if (!file) return std::nullopt;
  RealAndGenerated out;
  for (const auto& row : file->rows) out.real.push_back(row.bar);
  auto model = load_market_model(std::string(VERITY_SOURCE_DIR) + "/" + calibration);
  EXPECT_TRUE(model.has_value()) << (model ? "" : model.error());
  if (!model) return std::nullopt;
  MarketConfig config;
  config.model = "calibrated";
  config.symbol = symbol;
  config.start_time_ns = out.real.front().open_time_ns;
  config.start_price = out.real.front().open;
  auto generator = make_market_generator(config, &model->params, PrngStreams(seed));
  EXPECT_TRUE(generator.has_value());
  if (!generator) return std::nullopt;
  for (std::size_t i = 0; i < out.real.size(); ++i) out.generated.push_back((*generator)->next());
  return out;
}

void expect_stylized_facts(const RealAndGenerated& pair, const std::string& name) {
  const StylizedFacts real = stylized_facts(pair.real);
  const StylizedFacts gen = stylized_facts(pair.generated);
  std::printf("[ %s real      ] %s", name.c_str(), real.text().c_str());
  std::printf("[ %s generated ] %s", name.c_str(), gen.text().c_str());
  EXPECT_GT(real.kurtosis, 3.0);
  EXPECT_GT(gen.kurtosis, 3.0) << "generated 1-minute returns have no fat tails";
  for (int lag = 0; lag < kAcfLags; ++lag) {
    EXPECT_GT(real.abs_acf[lag], 0.0) << "real, lag " << lag + 1;
    EXPECT_GT(gen.abs_acf[lag], 0.0) << "generated |r| autocorrelation at lag " << lag + 1;
  }
  for (int s = 0; s < kSessions; ++s) {
    const double sd_ratio = gen.session_sd[s] / real.session_sd[s];
    const double volume_ratio = gen.session_volume[s] / real.session_volume[s];
    std::printf("[ %s %-12s] sd ratio %.3f, volume ratio %.3f (generated / real)\n", name.c_str(), kSessionNames[s],
                sd_ratio, volume_ratio);
    EXPECT_NEAR(sd_ratio, 1.0, kSessionTolerance) << kSessionNames[s] << " volatility";
    EXPECT_NEAR(volume_ratio, 1.0, kSessionTolerance) << kSessionNames[s] << " volume";
  }
}

TEST(StylizedFacts, BtcGeneratedMatchesReal) {
  const std::string data = "01_binance_spot_1m_btc_bnb_2021/BTC_USDT-1m.json";
  if (!std::filesystem::exists(shared_file(data))) GTEST_SKIP() << "real data absent: " << shared_file(data);
  auto pair = load_pair(data, "BTCUSDT", "scenarios/market/btcusdt_1m.toml", 7);
  ASSERT_TRUE(pair);
  expect_stylized_facts(*pair, "BTC");
}

TEST(StylizedFacts, BnbGeneratedMatchesReal) {
  const std::string data = "01_binance_spot_1m_btc_bnb_2021/BNB_USDT-1m.json";
  if (!std::filesystem::exists(shared_file(data))) GTEST_SKIP() << "real data absent: " << shared_file(data);
  auto pair = load_pair(data, "BNBUSDT", "scenarios/market/bnbusdt_1m.toml", 7);
  ASSERT_TRUE(pair);
  expect_stylized_facts(*pair, "BNB");
}

std::string without_command_line(const std::string& path) {
  std::ifstream in(path);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("# command:")) out += line + "\n";
  }
  return out;
}

TEST(StylizedFacts, ShippedCalibrationsAreReproducible) {
  // Re-running the documented command on the shared data gives the shipped files, comments and all.
  for (const auto& [data, shipped] :
       {std::pair{"01_binance_spot_1m_btc_bnb_2021/BTC_USDT-1m.json", "scenarios/market/btcusdt_1m.toml"},
        std::pair{"01_binance_spot_1m_btc_bnb_2021/BNB_USDT-1m.json", "scenarios/market/bnbusdt_1m.toml"}}) {
    if (!std::filesystem::exists(shared_file(data))) GTEST_SKIP() << "real data absent: " << shared_file(data);
    testing::TempDir dir;
    // Run from the project root with the relative input path the shipped files record.
    const auto r = testing::run_verity(
        "data calibrate --input ../shared/data/" + std::string(data) + " --output " + dir.sub("fit.toml"),
        std::string("cd ") + VERITY_SOURCE_DIR + " &&");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(without_command_line(dir.sub("fit.toml")),
              without_command_line(std::string(VERITY_SOURCE_DIR) + "/" + shipped))
        << shipped << " differs from a fresh fit: re-run the command in its header";
  }
}

}  // namespace
}  // namespace verity
