// A challenge batch split into ranges (sim/partial_result.hpp), written as
// partial files, read back and merged, gives the same summary, attempts.csv
// and report.html as the batch run whole; the near-equal split covers every
// attempt once; bad partials and bad sets of partials are errors naming the
// field or the file.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <limits>

#include "sim/challenge_runner.hpp"
#include "sim/partial_result.hpp"
#include "sim/report.hpp"

namespace verity {
namespace {

const std::string kSource = VERITY_SOURCE_DIR;
const std::string k2Step = kSource + "/scenarios/ftmo_2step_100k.toml";

Config scenario_config(const std::string& seed = "42") {
  // A gate over the first 5 of 9 attempts, so the merge judges it too.
  auto c = load_config(k2Step, {{"challenge.max_days", "2", "test"}, {"session.seed", seed, "test"},
                                {"challenge.gate_attempts", "5", "test"}, {"log.level", "off", "test"}},
                       {});
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error());
  return *c;
}

ChallengeRun run_piece(const Config& config, std::uint64_t seeds, std::optional<ChallengeOptions::Range> range) {
  ChallengeOptions o;
  o.scenario = "scenarios/ftmo_2step_100k.toml";
  o.attempts = seeds;
  o.threads = 1;
  o.range = range;
  auto run = run_challenge(config, o);
  EXPECT_TRUE(run.has_value()) << (run ? "" : run.error());
  return *run;
}

TEST(ChallengePartial, ThreeUnevenPiecesMergeToTheWholeBatch) {
  const Config config = scenario_config();
  constexpr std::uint64_t kSeeds = 9;
  const ChallengeRun whole = run_piece(config, kSeeds, std::nullopt);
  std::vector<NamedPartial> parts;
  // Out of order, uneven, each through its file text.
  for (auto [from, to] : {std::pair<std::uint64_t, std::uint64_t>{5, 9}, {0, 1}, {1, 5}}) {
    const ChallengeRun piece = run_piece(config, kSeeds, ChallengeOptions::Range{from, to});
    auto parsed = parse_partial(partial_text(partial_of(piece)));
    ASSERT_TRUE(parsed.has_value()) << parsed.error();
    parts.push_back({"part-" + std::to_string(from), std::move(*parsed)});
  }
  auto merged = merge_partials(parts);
  ASSERT_TRUE(merged.has_value()) << merged.error();
  BatchSummary s = summarize_batch(merged->batch, merged->attempts, /*whole=*/true);
  EXPECT_EQ(merged->threads, 3u);
  // The per-run figures are the only ones that may differ: align them.
  s.threads = whole.summary.threads;
  s.elapsed_s = whole.summary.elapsed_s;
  EXPECT_EQ(s.final_hash, whole.summary.final_hash);
  EXPECT_TRUE(s.gate_evaluated);
  EXPECT_EQ(summary_json(s).dump(), summary_json(whole.summary).dump());
  EXPECT_EQ(attempts_csv(merged->attempts), attempts_csv(whole.attempts));
  EXPECT_EQ(report_html(s, merged->attempts), report_html(whole.summary, whole.attempts));
  // Every attempt reads back bit for bit, curves and daily returns included.
  ASSERT_EQ(merged->attempts.size(), whole.attempts.size());
  for (std::size_t i = 0; i < whole.attempts.size(); ++i) {
    const AttemptResult& a = whole.attempts[i];
    const AttemptResult& b = merged->attempts[i];
    EXPECT_EQ(a.final_hash, b.final_hash) << i;
    EXPECT_EQ(a.curve.size(), b.curve.size()) << i;
    EXPECT_EQ(a.metrics.daily_returns, b.metrics.daily_returns) << i;
    EXPECT_EQ(a.checks, b.checks) << i;
  }
}

TEST(ChallengePartial, NonFiniteNumbersAndEveryFieldRoundTrip) {
  PartialResult p;
  p.batch = {"s.toml", "00ff", "build-x", "1step", 7, 3, {"guardrail", "no_crash"}, 20, 70};
  p.from = 1;
  p.to = 2;
  p.threads = 2;
  p.elapsed_s = 1.25;
  AttemptResult a;
  a.index = 1;
  a.seed = std::numeric_limits<std::uint64_t>::max();
  a.outcome = AttemptOutcome::breached;
  a.phase = 2;
  a.days = 0.1;
  a.start_ns = -5;
  a.breach_rule = "daily_loss";
  a.breach_gap_through_stop = true;
  a.metrics.sharpe = std::numeric_limits<double>::infinity();
  a.metrics.sortino = -std::numeric_limits<double>::infinity();
  a.metrics.mar = std::numeric_limits<double>::quiet_NaN();
  a.metrics.session_wins = {1, 2, 3};
  a.metrics.daily_returns = {0.1, -0.0, 1e-300};
  a.curve = {{10, 100000.5}};
  a.checks = {{"guardrail", false}};
  a.check_failures = {"broke, \"quoted\""};
  a.detail = "line\nbreak";
  p.attempts = {a};
  auto back = parse_partial(partial_text(p));
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(partial_text(*back), partial_text(p));
  const AttemptResult& b = back->attempts[0];
  EXPECT_EQ(b.seed, a.seed);
  EXPECT_TRUE(std::isinf(b.metrics.sharpe) && b.metrics.sharpe > 0);
  EXPECT_TRUE(std::isinf(b.metrics.sortino) && b.metrics.sortino < 0);
  EXPECT_TRUE(std::isnan(b.metrics.mar));
  EXPECT_TRUE(std::signbit(b.metrics.daily_returns[1]));
  EXPECT_EQ(b.check_failures, a.check_failures);
  EXPECT_EQ(back->batch.checks, p.batch.checks);
}

TEST(ChallengePartial, BadTextIsAnErrorNamingTheField) {
  PartialResult p;
  p.batch = {"s.toml", "00ff", "build-x", "2step", 7, 3, {}, 20, 70};
  p.from = 0;
  p.to = 1;
  AttemptResult a;
  p.attempts = {a};
  const std::string good = partial_text(p);
  ASSERT_TRUE(parse_partial(good).has_value());
  auto error_of = [](const std::string& text) {
    auto r = parse_partial(text);
    return r ? std::string("(parsed)") : r.error();
  };
  auto with = [&](const std::string& from, const std::string& to) {
    std::string t = good;
    const auto at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return t.replace(at, from.size(), to);
  };
  EXPECT_NE(error_of(good.substr(0, good.size() / 2)).find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("[]").find("expected an object, got an array"), std::string::npos);
  EXPECT_NE(error_of(with("\"sharpe\":0.0", "\"sharpe\":\"high\"")).find("attempts[0].metrics.sharpe: expected a number"),
            std::string::npos);
  EXPECT_NE(error_of(with("\"seed\":7", "\"seed\":-7")).find("batch.seed: expected an integer >= 0"), std::string::npos);
  EXPECT_NE(error_of(with("\"outcome\":\"expired\"", "\"outcome\":\"won\"")).find("attempts[0].outcome"),
            std::string::npos);
  EXPECT_NE(error_of(with("\"trades\":0,", "")).find("attempts[0].metrics.trades: missing"), std::string::npos);
  EXPECT_NE(error_of(with("\"to\":1", "\"to\":4")).find("range: [0, 4) ends beyond the batch of 3"),
            std::string::npos);
  EXPECT_NE(error_of(with("\"to\":1", "\"to\":2")).find("attempts: 1 entries for the range [0, 2)"),
            std::string::npos);
  EXPECT_NE(error_of(with("verity-challenge-partial/1", "verity-challenge-partial/9")).find("another version"),
            std::string::npos);
  EXPECT_NE(error_of(with("\"curve\":[]", "\"curve\":[[1]]")).find("attempts[0].curve[0]"), std::string::npos);
}

NamedPartial piece(const std::string& path, std::uint64_t seeds, std::uint64_t from, std::uint64_t to,
                   std::uint64_t seed = 7) {
  NamedPartial n;
  n.path = path;
  n.partial.batch = {"s.toml", "00ff", "build-x", "2step", seed, seeds, {}, 20, 70};
  n.partial.from = from;
  n.partial.to = to;
  for (std::uint64_t i = from; i < to; ++i) {
    AttemptResult a;
    a.index = i;
    n.partial.attempts.push_back(a);
  }
  return n;
}

TEST(ChallengePartial, MergeNamesGapsOverlapsAndForeignFiles) {
  auto error_of = [](std::vector<NamedPartial> parts) {
    auto r = merge_partials(std::move(parts));
    return r ? std::string("(merged)") : r.error();
  };
  EXPECT_EQ(error_of({piece("a", 9, 0, 4), piece("b", 9, 4, 9)}), "(merged)");
  EXPECT_EQ(error_of({piece("a", 9, 0, 4), piece("b", 9, 5, 9)}),
            "attempt 4 of the batch of 9 is in no partial file (a gap between a [0, 4) and b [5, 9))");
  EXPECT_EQ(error_of({piece("a", 9, 0, 5), piece("b", 9, 3, 9)}),
            "attempts [3, 5) would be merged twice: a [0, 5) overlaps b [3, 9)");
  EXPECT_NE(error_of({piece("b", 9, 2, 9)}).find("attempts [0, 2) of the batch of 9 is in no partial file"),
            std::string::npos);
  EXPECT_NE(error_of({piece("a", 9, 0, 7)}).find("attempts [7, 9)"), std::string::npos);
  EXPECT_EQ(error_of({piece("a", 9, 0, 4), piece("b", 9, 4, 9, 8)}),
            "b is not of the batch of a: they differ in batch.seed (7 vs 8)");
  EXPECT_NE(error_of({piece("a", 9, 0, 4), piece("b", 10, 4, 10)}).find("batch.seeds (9 vs 10)"), std::string::npos);
  EXPECT_EQ(error_of({}), "no partial files given");
}

TEST(ChallengePartial, SplitRangeCoversEveryAttemptOnceInNearEqualPieces) {
  rc::check("split_range tiles [0, seeds)", [] {
    const auto seeds = *rc::gen::inRange<std::uint64_t>(1, 5000);
    const auto count = *rc::gen::inRange<std::uint64_t>(1, seeds + 1);
    std::uint64_t next = 0, smallest = seeds, largest = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
      const IndexRange r = split_range(seeds, count, i);
      RC_ASSERT(r.from == next);
      RC_ASSERT(r.to > r.from);
      smallest = std::min(smallest, r.to - r.from);
      largest = std::max(largest, r.to - r.from);
      next = r.to;
    }
    RC_ASSERT(next == seeds);
    RC_ASSERT(largest - smallest <= 1);
  });
  const IndexRange r = split_range(10, 3, 0);
  EXPECT_EQ(r.from, 0u);
  EXPECT_EQ(r.to, 4u);
  EXPECT_EQ(split_range(10, 3, 2).from, 7u);
  EXPECT_EQ(split_range(1'000'000, 1'000'000, 999'999).to, 1'000'000u);
}

}  // namespace
}  // namespace verity
