// The determinism contract, in process: for random seeds and lengths, the
// same seed and config give the same messages, final hash and equity; the
// journal level changes what is stored, never the hash; different seeds give
// different runs; and a level-full journal verifies to the run's final hash.
//
// Each case runs whole sessions, so each property runs a bounded number of
// cases (the first argument of check_bounded) rather than rapidcheck's
// default 100. RC_PARAMS="seed=N" still replays a failure.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <iostream>
#include <sstream>
#include <string>

#include "actors/runtime/journal_reader.hpp"
#include "actors/runtime/memory_store.hpp"
#include "sim/sim_runner.hpp"

namespace verity {
namespace {

/// Runs a rapidcheck property with at most `max_cases` successful cases,
/// reporting a failure (with its seed and counterexample) to GoogleTest.
template <class Testable>
void check_bounded(int max_cases, Testable&& testable) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata metadata;
  metadata.id = std::string(info->test_suite_name()) + "/" + info->name();
  metadata.description = info->name();
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = std::min(params.maxSuccess, max_cases);
  const auto result = rc::detail::checkTestable(std::forward<Testable>(testable), metadata, params);
  if (result.template is<rc::detail::SuccessResult>()) {
    // Show how the cases were spread, as RC_GTEST_PROP does.
    if (!result.template get<rc::detail::SuccessResult>().distribution.empty()) {
      rc::detail::printResultMessage(result, std::cout);
      std::cout << std::endl;
    }
  } else {
    std::ostringstream ss;
    rc::detail::printResultMessage(result, ss);
    FAIL() << ss.str();
  }
}

Config sim_config(std::uint64_t seed, std::int64_t bars, JournalLevel level = JournalLevel::FULL) {
  Config c;
  c.session.seed = seed;
  c.session.bars = bars;
  c.journal.level = level;
  c.log.level = "off";
  return c;
}

SimResult run(const Config& c, MemoryStore& store) {
  auto r = run_sim(c, store, "sim_determinism_prop");
  if (!r) RC_FAIL("run_sim failed: " + r.error());
  return *r;
}

/// rapidcheck scales inRange with its size, which starts at 0, so a few cases
/// would all be tiny; a fixed full size spreads them over the whole range.
template <class T>
rc::Gen<T> uniform(T lo, T hi) {
  return rc::gen::resize(rc::kNominalSize, rc::gen::inRange<T>(lo, hi));
}

/// Seeds within the range the config accepts for session.seed.
rc::Gen<std::uint64_t> seeds() { return uniform<std::uint64_t>(0, 9'200'000'000'000'000'000ULL); }

TEST(SimDeterminism, SameSeedSameRunAtAnyJournalLevel) {
  check_bounded(60, [] {
    const std::uint64_t seed = *seeds();
    const std::int64_t bars = *uniform<std::int64_t>(50, 1501);
    const JournalLevel second_level =
        *rc::gen::element(JournalLevel::FULL, JournalLevel::INPUTS, JournalLevel::HASH);
    MemoryStore store_a, store_b;
    const SimResult a = run(sim_config(seed, bars), store_a);
    const SimResult b = run(sim_config(seed, bars, second_level), store_b);
    RC_ASSERT(a.final_hash == b.final_hash);
    RC_ASSERT(a.messages == b.messages);
    RC_ASSERT(a.session == b.session);
    RC_ASSERT(a.by_kind == b.by_kind);
    RC_ASSERT(a.trades == b.trades);
    // Bit-identical doubles: the same arithmetic in the same order.
    RC_ASSERT(a.equity_end_usd == b.equity_end_usd);
    RC_ASSERT(a.balance_end_usd == b.balance_end_usd);
    RC_ASSERT(a.bars == bars);
    RC_ASSERT(a.messages > static_cast<std::uint64_t>(bars));
    RC_CLASSIFY(bars > 1000, "over 1000 bars");
  });
}

TEST(SimDeterminism, DifferentSeedsGiveDifferentHashes) {
  check_bounded(30, [] {
    const std::uint64_t seed = *seeds();
    const std::uint64_t other = *seeds();
    RC_PRE(seed != other);
    const std::int64_t bars = *uniform<std::int64_t>(50, 1001);
    MemoryStore store_a, store_b;
    const SimResult a = run(sim_config(seed, bars, JournalLevel::HASH), store_a);
    const SimResult b = run(sim_config(other, bars, JournalLevel::HASH), store_b);
    RC_ASSERT(a.final_hash != b.final_hash);
    RC_ASSERT(a.session != b.session);
  });
}

TEST(SimDeterminism, FullJournalVerifiesToTheFinalHash) {
  check_bounded(40, [] {
    const std::uint64_t seed = *seeds();
    const std::int64_t bars = *uniform<std::int64_t>(50, 1501);
    MemoryStore store;
    const SimResult r = run(sim_config(seed, bars), store);
    RC_ASSERT(r.stored == r.messages);

    auto sessions = JournalReader::sessions(store);
    RC_ASSERT(sessions.has_value());
    RC_ASSERT(sessions->size() == 1u);
    RC_ASSERT(sessions->front() == r.session);

    auto reader = JournalReader::open(store, r.session);
    RC_ASSERT(reader.has_value());
    RC_ASSERT(reader->manifest().root_seed == seed);
    RC_ASSERT(reader->head().closed);
    auto report = reader->verify();
    RC_ASSERT(report.has_value());
    RC_ASSERT(report->chain == r.final_hash);
    RC_ASSERT(report->records == r.messages);
    RC_ASSERT(report->last_seq == r.messages);
  });
}

}  // namespace
}  // namespace verity
