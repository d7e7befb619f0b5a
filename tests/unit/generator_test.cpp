// The calibrated market generator: determinism, valid OHLCV, the TOML
// calibration format and its errors, and a calibrate-then-generate round trip
// (parameters fitted on a long generated path land near the generating ones,
// within the loose tolerances stated at each check).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "actors/runtime/config.hpp"
#include "actors/runtime/hash.hpp"
#include "actors/runtime/journal_reader.hpp"
#include "actors/runtime/memory_store.hpp"
#include "sim/market_calibration.hpp"
#include "sim/market_generator.hpp"
#include "sim/market_model.hpp"
#include "sim/sim_runner.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace verity {
namespace {

/// A model with every feature switched on and a clear pattern in each, close
/// to the BTC fit in size so the round trip tests a realistic case.
MarketModelParams test_params() {
  MarketModelParams p;
  p.symbol = "TESTUSDT";
  p.garch_alpha = 0.08;
  p.garch_beta = 0.86;
  p.garch_omega = 1e-6 * (1.0 - 0.94 - 0.08 * 0.003 * 15);  // unconditional variance near 1e-6: sd 0.1% a bar
  p.jump_probability = 0.003;
  p.jump_up_probability = 0.5;
  p.jump_excess_mean = 1.0;
  p.jump_tail_shape = 0.2;
  p.jump_excess_max = 15.0;
  for (int h = 0; h < kHours; ++h) {
    // Busy US and Europe afternoons, quiet Asian small hours.
    p.volatility_hourly[h] = h < 6 ? 0.75 : h < 13 ? 1.0 : h < 20 ? 1.3 : 0.9;
    p.volume_hourly[h] = h < 6 ? 0.7 : h < 13 ? 1.0 : h < 20 ? 1.35 : 0.9;
  }
  p.volatility_weekday = {0.8, 1.05, 1.05, 1.1, 1.1, 1.05, 0.85};
  p.volume_weekday = {0.75, 1.05, 1.1, 1.1, 1.1, 1.1, 0.8};
  p.regime_multiplier = {0.6, 1.0, 1.8};
  p.regime_transition = {{{0.997, 0.003, 0.0}, {0.002, 0.996, 0.002}, {0.0, 0.005, 0.995}}};
  p.volume_log_intercept = 10.0;
  p.volume_abs_z_beta = 0.3;
  p.volume_log_sigma_beta = 1.0;
  p.volume_ar1 = 0.5;
  p.volume_residual_sd = 0.45;
  return p;
}

MarketConfig calibrated_config() {
  MarketConfig c;
  c.model = "calibrated";
  c.start_price = 30'000.0;
  return c;
}

std::vector<BarData> generate(const MarketModelParams& p, std::uint64_t seed, std::size_t bars,
                              MarketConfig config = calibrated_config()) {
  auto g = make_market_generator(config, &p, PrngStreams(seed));
  EXPECT_TRUE(g.has_value()) << (g ? "" : g.error());
  std::vector<BarData> out;
  out.reserve(bars);
  for (std::size_t i = 0; i < bars; ++i) out.push_back((*g)->next());
  return out;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool identical(const std::vector<BarData>& a, const std::vector<BarData>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const BarData &x = a[i], &y = b[i];
    if (x.open_time_ns != y.open_time_ns || !same_bits(x.open, y.open) || !same_bits(x.high, y.high) ||
        !same_bits(x.low, y.low) || !same_bits(x.close, y.close) || !same_bits(x.volume, y.volume)) {
      return false;
    }
  }
  return true;
}

/// xxh3 of every bar's fields, to pin the generator's output.
std::string digest(const std::vector<BarData>& bars) {
  std::string bytes;
  for (const auto& b : bars) {
    for (double v : {b.open, b.high, b.low, b.close, b.volume}) bytes.append(reinterpret_cast<const char*>(&v), 8);
    bytes.append(reinterpret_cast<const char*>(&b.open_time_ns), 8);
  }
  return hash128(bytes).hex();
}

std::string shipped(const std::string& name) { return std::string(VERITY_SOURCE_DIR) + "/scenarios/market/" + name; }

// --- determinism and validity ---------------------------------------------------

TEST(Generator, SameSeedSameBarsBitForBit) {
  const auto p = test_params();
  EXPECT_TRUE(identical(generate(p, 11, 20'000), generate(p, 11, 20'000)));
}

TEST(Generator, DifferentSeedDifferentBars) {
  const auto p = test_params();
  const auto a = generate(p, 11, 100), b = generate(p, 12, 100);
  EXPECT_FALSE(identical(a, b));
  EXPECT_NE(a[1].close, b[1].close);
}

TEST(Generator, OutputIsPinned) {
  // If this fails, every calibrated sim's bars changed: change it only on purpose.
  EXPECT_EQ(digest(generate(test_params(), 1, 5'000)), "068a9f478e26a911dc9c0608e2f25f8e")
      << "update the pinned digest if the change is intended";
}

TEST(Generator, GbmModelIsUnchanged) {
  // model "gbm" keeps drawing from the one stream "feed.generator", as before the calibrated model existed.
  MarketConfig c;
  c.model = "gbm";
  PrngStreams streams(5);
  GbmGenerator direct(c, streams.stream("feed.generator"));
  auto made = make_market_generator(c, nullptr, streams);
  ASSERT_TRUE(made.has_value());
  for (int i = 0; i < 1000; ++i) {
    const BarData a = direct.next(), b = (*made)->next();
    ASSERT_TRUE(same_bits(a.close, b.close)) << i;
    ASSERT_TRUE(same_bits(a.volume, b.volume)) << i;
  }
}

void expect_valid(const std::vector<BarData>& bars) {
  std::optional<std::int64_t> previous;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const BarData& b = bars[i];
    const auto problem = check_bar(b, previous);
    ASSERT_FALSE(problem.has_value()) << "bar " << i << ": " << problem->field << " " << problem->reason;
    ASSERT_GE(b.high, std::max(b.open, b.close)) << i;
    ASSERT_LE(b.low, std::min(b.open, b.close)) << i;
    ASSERT_GT(b.low, 0.0) << i;
    ASSERT_GE(b.volume, 0.0) << i;
    if (i > 0) {
      ASSERT_EQ(b.open_time_ns - bars[i - 1].open_time_ns, b.interval_ns) << i;
      ASSERT_TRUE(same_bits(b.open, bars[i - 1].close)) << "bar " << i << " opens where the last closed";
    }
    previous = b.open_time_ns;
  }
}

TEST(Generator, BarsAreValidOhlcv) { expect_valid(generate(test_params(), 3, 100'000)); }

TEST(Generator, BarsStayValidUnderExtremeParameters) {
  // Violent: frequent large jumps, near-unit persistence, one sub-step, a wild high regime.
  auto p = test_params();
  p.substeps = 1;
  p.jump_probability = 0.2;
  p.jump_excess_mean = 20.0;
  p.jump_tail_shape = 0.9;
  p.jump_excess_max = 1000.0;
  p.garch_alpha = 0.001;
  p.garch_beta = 0.99;
  p.garch_omega = 1e-7;
  p.regime_multiplier = {0.01, 1.0, 50.0};
  expect_valid(generate(p, 4, 50'000));
  p.substeps = 64;
  p.jump_probability = 0.0;
  expect_valid(generate(p, 5, 20'000));
}

TEST(Generator, IntervalMustMatchTheCalibration) {
  auto config = calibrated_config();
  config.bar_interval_s = 300;
  const auto p = test_params();
  auto g = make_market_generator(config, &p, PrngStreams(1));
  ASSERT_FALSE(g.has_value());
  EXPECT_NE(g.error().find("60-s bars"), std::string::npos) << g.error();
  EXPECT_NE(g.error().find("market.bar_interval_s"), std::string::npos) << g.error();
}

TEST(Generator, JumpExcessQuantiles) {
  auto p = test_params();
  p.jump_tail_shape = 0.0;
  p.jump_excess_mean = 2.0;
  // Exponential: the median is mean * ln 2.
  EXPECT_NEAR(jump_excess_quantile(p, 0.5), 2.0 * 0.6931471805599453, 1e-12);
  p.jump_tail_shape = 0.5;
  // Generalised Pareto, scale = mean * (1 - xi) = 1: the median is (2^xi - 1) / xi.
  EXPECT_NEAR(jump_excess_quantile(p, 0.5), (1.4142135623730951 - 1.0) / 0.5, 1e-12);
  EXPECT_EQ(jump_excess_quantile(p, 1.0 - 1e-15), p.jump_excess_max) << "the cap holds";
}

TEST(Generator, StationaryRegimesSolveTheChain) {
  const auto p = test_params();
  const auto pi = stationary_regimes(p.regime_transition);
  for (int j = 0; j < kRegimes; ++j) {
    double flow = 0;
    for (int i = 0; i < kRegimes; ++i) flow += pi[i] * p.regime_transition[i][j];
    EXPECT_NEAR(flow, pi[j], 1e-12);
  }
}

TEST(Generator, CalendarBuckets) {
  // 2024-01-01T00:00:00Z was a Monday; 2021-04-04T23:59:00Z a Sunday.
  EXPECT_EQ(utc_weekday(1'704'067'200'000'000'000), 1);
  EXPECT_EQ(utc_hour(1'704'067'200'000'000'000), 0);
  EXPECT_EQ(utc_weekday(1'617'580'740'000'000'000), 0);
  EXPECT_EQ(utc_hour(1'617'580'740'000'000'000), 23);
}

// --- the calibration file ---------------------------------------------------------

TEST(MarketModel, TomlRoundTripsBitForBit) {
  const auto p = test_params();
  const std::string text = market_model_toml(p, {"data.json", 123, "abcd", "verity data calibrate", "a note"});
  auto back = parse_market_model(text, "test.toml");
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(market_model_toml(*back, {"data.json", 123, "abcd", "verity data calibrate", "a note"}), text);
  EXPECT_TRUE(same_bits(back->garch_omega, p.garch_omega));
  EXPECT_TRUE(same_bits(back->regime_transition[2][1], p.regime_transition[2][1]));
  EXPECT_TRUE(identical(generate(p, 9, 1000), generate(*back, 9, 1000)));
  EXPECT_NE(text.find("# source: data.json"), std::string::npos);
  EXPECT_NE(text.find("# source rows: 123"), std::string::npos);
}

struct BadCase {
  std::string from, to;               // text replaced in a good file
  std::vector<std::string> expected;  // substrings of the error
};

TEST(MarketModel, BadFilesNameTheFileAndKey) {
  const std::string good = market_model_toml(test_params(), {});
  const std::vector<BadCase> cases = {
      {"alpha = ", "alfa = ", {"bad.toml", "unknown key garch.alfa"}},
      {"[jumps]\n", "[jumps]\nextra = 1\n", {"bad.toml", "unknown key jumps.extra"}},
      {"up_probability = 0.5", "up_probability = 1.5", {"bad.toml", "jumps.up_probability", "[0.0, 1.0]"}},
      {"beta = 0.86", "beta = 0.99", {"bad.toml", "garch.alpha", "below 1"}},
      {"substeps = 8", "substeps = 0", {"bad.toml", "market.substeps", "[1, 64]"}},
      {"symbol = \"TESTUSDT\"", "symbol = 3", {"bad.toml", "market.symbol"}},
      {"[0.997, 0.003, 0.0]", "[0.997, 0.0, 0.0]", {"bad.toml", "regimes.transition[0]", "sums to"}},
      {"[0.6, 1.0, 1.8]", "[0.6, 1.0]", {"bad.toml", "regimes.volatility_multiplier", "3 numbers"}},
      {"[0.6, 1.0, 1.8]", "[0.6, -1.0, 1.8]", {"bad.toml", "regimes.volatility_multiplier[1]"}},
      {"version = 1", "version = 2", {"bad.toml", "model.version"}},
      {"omega = ", "omega = \"x\"\nunused_omega = ", {"bad.toml", "unknown key garch.unused_omega"}},
      {"ar1 = 0.5", "ar1 = 1.0", {"bad.toml", "volume.ar1", "(-1.0, 1.0)"}},
      {"[volume]", "[volume", {"bad.toml", "line"}},
  };
  for (const auto& c : cases) {
    std::string text = good;
    const auto at = text.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.from;
    text.replace(at, c.from.size(), c.to);
    auto r = parse_market_model(text, "bad.toml");
    ASSERT_FALSE(r.has_value()) << "accepted: " << c.to;
    for (const auto& e : c.expected) EXPECT_NE(r.error().find(e), std::string::npos) << r.error();
  }
  // A missing key: drop the line.
  std::string text = good;
  const auto at = text.find("excess_mean_sigma");
  text.erase(at, text.find('\n', at) - at);
  auto r = parse_market_model(text, "bad.toml");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("jumps.excess_mean_sigma: missing"), std::string::npos) << r.error();
}

TEST(MarketModel, MissingFileNamesThePath) {
  auto r = load_market_model("no/such/calibration.toml");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("no/such/calibration.toml"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("absolute path"), std::string::npos) << r.error();
  auto abs = load_market_model("/no/such/calibration.toml");
  ASSERT_FALSE(abs.has_value());
  EXPECT_NE(abs.error().find("/no/such/calibration.toml"), std::string::npos) << abs.error();
}

TEST(MarketModel, DefaultPathResolvesFromTheBuildTree) {
  // The tests run in build*/tests/: the default relative path is found above the executable.
  auto r = load_market_model(MarketConfig{}.calibration);
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->params.symbol, "BTCUSDT");
}

TEST(MarketModel, ShippedCalibrationsLoadAndNameTheirSource) {
  for (const auto& [file, source] :
       {std::pair{"btcusdt_1m.toml", "BTC_USDT-1m.json"}, std::pair{"bnbusdt_1m.toml", "BNB_USDT-1m.json"}}) {
    auto r = load_market_model(shipped(file));
    ASSERT_TRUE(r.has_value()) << r.error();
    std::ifstream in(shipped(file));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find(std::string("# source: ") + "../shared/data/01_binance_spot_1m_btc_bnb_2021/" + source),
              std::string::npos)
        << file;
    EXPECT_NE(text.find("# source xxh3-128: "), std::string::npos) << file;
    EXPECT_NE(text.find("quasi-log-likelihood"), std::string::npos) << file;
    EXPECT_EQ(r->content_hash, hash128(text));
  }
}

TEST(MarketModel, SimRecordsTheCalibrationHashInTheManifest) {
  Config c;
  c.session.bars = 500;
  c.log.level = "off";
  c.market.model = "calibrated";
  c.market.calibration = shipped("btcusdt_1m.toml");
  MemoryStore store;
  auto r = run_sim(c, store, "generator_test");
  ASSERT_TRUE(r.has_value()) << r.error();
  auto reader = JournalReader::open(store, r->session);
  ASSERT_TRUE(reader.has_value()) << reader.error();
  const auto& sources = reader->manifest().data_sources;
  ASSERT_EQ(sources.size(), 2u);  // the calibration, then the execution metrics version
  EXPECT_EQ(sources[0].name, "generator:calibrated " + c.market.calibration);
  EXPECT_TRUE(sources[1].name.starts_with("execution-metrics:")) << sources[1].name;
  EXPECT_EQ(sources[0].hash, load_market_model(c.market.calibration)->content_hash);
}

TEST(MarketModel, SimFailsClearlyOnAMissingCalibration) {
  Config c;
  c.session.bars = 10;
  c.log.level = "off";
  c.market.model = "calibrated";
  c.market.calibration = "scenarios/market/nope.toml";
  MemoryStore store;
  auto r = run_sim(c, store, "generator_test");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("scenarios/market/nope.toml"), std::string::npos) << r.error();
}

// --- calibration ------------------------------------------------------------------

TEST(Calibration, IsDeterministic) {
  const auto bars = generate(test_params(), 21, 20'000);
  auto a = calibrate_market(bars, "TESTUSDT"), b = calibrate_market(bars, "TESTUSDT");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(market_model_toml(a->params, {}), market_model_toml(b->params, {}));
}

TEST(Calibration, RejectsTooFewBars) {
  auto r = calibrate_market(generate(test_params(), 1, 100), "X");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("2000"), std::string::npos) << r.error();
}

TEST(Calibration, NormalTail) {
  EXPECT_NEAR(normal_upper_tail(0.0), 0.5, 1e-12);
  EXPECT_NEAR(normal_upper_tail(4.0), 3.1671241833119863e-05, 1e-13);
}

TEST(Calibration, RoundTripRecoversTheGeneratingParameters) {
  // 200 days of 1-minute bars from known parameters, then a fit.
  const auto truth = test_params();
  const auto bars = generate(truth, 2024, 288'000);
  auto fit = calibrate_market(bars, "TESTUSDT");
  ASSERT_TRUE(fit.has_value()) << fit.error();
  const auto& p = fit->params;
  std::printf("[ round trip ] %s", fit->notes().c_str());
  std::printf("[ round trip ] garch alpha %.4f beta %.4f omega %.3g; jumps %.5f up %.3f excess %.3f shape %.3f\n",
              p.garch_alpha, p.garch_beta, p.garch_omega, p.jump_probability, p.jump_up_probability, p.jump_excess_mean,
              p.jump_tail_shape);
  std::printf("[ round trip ] regimes x%.3f x%.3f x%.3f; stay %.4f %.4f %.4f\n", p.regime_multiplier[0],
              p.regime_multiplier[1], p.regime_multiplier[2], p.regime_transition[0][0], p.regime_transition[1][1],
              p.regime_transition[2][2]);
  std::printf("[ round trip ] substeps %d\n", p.substeps);
  std::printf("[ round trip ] volume intercept %.3f abs_z %.3f log_sigma %.3f ar1 %.3f sd %.3f\n",
              p.volume_log_intercept, p.volume_abs_z_beta, p.volume_log_sigma_beta, p.volume_ar1, p.volume_residual_sd);
  // Seasonality: each factor within 10%.
  for (int h = 0; h < kHours; ++h) {
    EXPECT_NEAR(p.volatility_hourly[h] / truth.volatility_hourly[h], 1.0, 0.10) << "volatility hour " << h;
    EXPECT_NEAR(p.volume_hourly[h] / truth.volume_hourly[h], 1.0, 0.10) << "volume hour " << h;
  }
  for (int d = 0; d < kWeekdays; ++d) {
    EXPECT_NEAR(p.volatility_weekday[d] / truth.volatility_weekday[d], 1.0, 0.10) << "volatility weekday " << d;
    EXPECT_NEAR(p.volume_weekday[d] / truth.volume_weekday[d], 1.0, 0.10) << "volume weekday " << d;
  }
  // Jumps: intensity within 35%, direction within 0.1, mean excess within 30%, tail shape within 0.2 (the
  // excess is measured against the fitted, not the true, volatility, which blurs the tail; the fit came out
  // at 0.04 for a true 0.2 when this was written).
  EXPECT_NEAR(p.jump_probability / truth.jump_probability, 1.0, 0.35);
  EXPECT_NEAR(p.jump_up_probability, truth.jump_up_probability, 0.1);
  EXPECT_NEAR(p.jump_excess_mean / truth.jump_excess_mean, 1.0, 0.30);
  EXPECT_NEAR(p.jump_tail_shape, truth.jump_tail_shape, 0.2);
  // Regimes: ordered, and the spread of multipliers within 35%.
  EXPECT_LT(p.regime_multiplier[0], p.regime_multiplier[1]);
  EXPECT_LT(p.regime_multiplier[1], p.regime_multiplier[2]);
  EXPECT_NEAR(
      (p.regime_multiplier[2] / p.regime_multiplier[0]) / (truth.regime_multiplier[2] / truth.regime_multiplier[0]),
      1.0, 0.35);
  for (int k = 0; k < kRegimes; ++k) EXPECT_GT(p.regime_transition[k][k], 0.98) << "regime " << k << " is persistent";
  // GARCH: persistence within 0.05, alpha within 0.04.
  EXPECT_NEAR(p.garch_alpha + p.garch_beta, truth.garch_alpha + truth.garch_beta, 0.05);
  EXPECT_NEAR(p.garch_alpha, truth.garch_alpha, 0.04);
  // Sub-steps: the bar ranges point back to the generating count, or a neighbour on the 4..64 ladder.
  EXPECT_GE(p.substeps, truth.substeps / 2);
  EXPECT_LE(p.substeps, truth.substeps * 2);
  // Volume: slopes within 0.15, AR(1) within 0.1, residual sd within 20%.
  EXPECT_NEAR(p.volume_abs_z_beta, truth.volume_abs_z_beta, 0.15);
  EXPECT_NEAR(p.volume_log_sigma_beta, truth.volume_log_sigma_beta, 0.15);
  EXPECT_NEAR(p.volume_ar1, truth.volume_ar1, 0.1);
  EXPECT_NEAR(p.volume_residual_sd / truth.volume_residual_sd, 1.0, 0.2);
}

// --- the command ------------------------------------------------------------------

/// Writes `bars` as freqtrade JSON candles.
void write_freqtrade(const std::string& path, const std::vector<BarData>& bars) {
  std::ofstream out(path);
  out.precision(17);
  out << "[";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const BarData& b = bars[i];
    out << (i ? "," : "") << "[" << b.open_time_ns / 1'000'000 << "," << b.open << "," << b.high << "," << b.low << ","
        << b.close << "," << b.volume << "]";
  }
  out << "]";
}

TEST(CalibrateCli, WritesALoadableModelNamingItsSource) {
  testing::TempDir dir;
  write_freqtrade(dir.sub("TEST_USDT-1m.json"), generate(test_params(), 8, 5'000));
  const auto r = testing::run_verity("data calibrate --input " + dir.sub("TEST_USDT-1m.json") + " --output " +
                                     dir.sub("out/test.toml"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto model = load_market_model(dir.sub("out/test.toml"));
  ASSERT_TRUE(model.has_value()) << model.error();
  EXPECT_EQ(model->params.symbol, "TESTUSDT") << "the symbol comes from the file name";
  std::ifstream in(dir.sub("out/test.toml"));
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ifstream source(dir.sub("TEST_USDT-1m.json"));
  const std::string bytes((std::istreambuf_iterator<char>(source)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("# source rows: 5000"), std::string::npos) << text;
  EXPECT_NE(text.find("# source xxh3-128: " + hash128(bytes).hex()), std::string::npos) << text;
  EXPECT_NE(text.find("# command: verity data calibrate --input"), std::string::npos) << text;
}

TEST(CalibrateCli, BadInputNamesFileAndLine) {
  testing::TempDir dir;
  auto bars = generate(test_params(), 8, 3'000);
  bars[1234].high = bars[1234].low * 0.5;  // high below low
  write_freqtrade(dir.sub("bad.json"), bars);
  const auto r = testing::run_verity("data calibrate --symbol X --input " + dir.sub("bad.json") + " --output " +
                                     dir.sub("x.toml"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1235"), std::string::npos) << r.err;  // the 1,235th candle
  EXPECT_NE(r.err.find("high"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.sub("x.toml")));
  const auto missing = testing::run_verity("data calibrate --input " + dir.sub("none.json") + " --output x.toml");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("none.json"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace verity
