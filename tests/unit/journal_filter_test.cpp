// JournalFilter: which messages `verity journal cat` / `export` and
// `verity replay --step` select, and how bad actor and kind lists are refused.
#include "actors/runtime/journal_filter.hpp"

#include <capnp/message.h>
#include <gtest/gtest.h>

#include <string>

#include "actors/runtime/calendar.hpp"

namespace verity {
namespace {

/// A sealed envelope with the given header and an empty payload of `kind`.
FramePtr frame(std::uint64_t seq, std::int64_t time_ns, ActorId source, ActorId destination, Kind kind) {
  capnp::MallocMessageBuilder builder;
  auto e = builder.initRoot<schema::Envelope>();
  e.setSession(1);
  e.setSeq(seq);
  e.setTimeNs(time_ns);
  e.setSource(source);
  e.setDestination(destination);
  switch (kind) {
    case Kind::BAR: e.getPayload().initBar().setSymbol("BTCUSDT"); break;
    case Kind::ORDER_INTENT: e.getPayload().initOrderIntent(); break;
    case Kind::TIMER_TICK: e.getPayload().initTimerTick(); break;
    default: ADD_FAILURE() << "test helper does not build this kind"; break;
  }
  return std::make_shared<const Frame>(seal(builder));
}

const std::int64_t kT0 = 1'704'067'200'000'000'000;  // 2024-01-01T00:00:00Z

TEST(JournalFilter, DefaultMatchesEverything) {
  const JournalFilter f;
  EXPECT_TRUE(f.matches(*frame(1, kT0, ActorId::EXTERNAL, ActorId::FEED, Kind::BAR)));
  EXPECT_TRUE(f.matches(*frame(1'000'000, kT0, ActorId::RISK, ActorId::EXECUTION, Kind::ORDER_INTENT)));
  EXPECT_FALSE(f.past_end(*frame(UINT64_MAX, kT0, ActorId::RISK, ActorId::EXECUTION, Kind::ORDER_INTENT)));
}

TEST(JournalFilter, SeqRangeIsInclusiveAtBothEnds) {
  JournalFilter f;
  f.from_seq = 5;
  f.to_seq = 7;
  for (std::uint64_t seq = 3; seq <= 9; ++seq) {
    auto fr = frame(seq, kT0, ActorId::EXTERNAL, ActorId::FEED, Kind::BAR);
    EXPECT_EQ(f.matches(*fr), seq >= 5 && seq <= 7) << seq;
    EXPECT_EQ(f.past_end(*fr), seq > 7) << seq;
  }
}

TEST(JournalFilter, UntilKeepsMessagesAtOrBeforeTheTime) {
  JournalFilter f;
  f.until_ns = kT0 + 60;
  EXPECT_TRUE(f.matches(*frame(1, kT0, ActorId::EXTERNAL, ActorId::FEED, Kind::BAR)));
  EXPECT_TRUE(f.matches(*frame(2, kT0 + 60, ActorId::EXTERNAL, ActorId::FEED, Kind::BAR)));
  EXPECT_FALSE(f.matches(*frame(3, kT0 + 61, ActorId::EXTERNAL, ActorId::FEED, Kind::BAR)));
}

TEST(JournalFilter, ActorMatchesSourceOrDestination) {
  JournalFilter f;
  f.actors = {ActorId::RISK};
  EXPECT_TRUE(f.matches(*frame(1, kT0, ActorId::RISK, ActorId::EXECUTION, Kind::ORDER_INTENT)));
  EXPECT_TRUE(f.matches(*frame(2, kT0, ActorId::MODEL, ActorId::RISK, Kind::ORDER_INTENT)));
  EXPECT_FALSE(f.matches(*frame(3, kT0, ActorId::EXTERNAL, ActorId::FEED, Kind::BAR)));
  f.actors.insert(ActorId::FEED);
  EXPECT_TRUE(f.matches(*frame(3, kT0, ActorId::EXTERNAL, ActorId::FEED, Kind::BAR)));
}

TEST(JournalFilter, KindsAndEveryOtherConditionCombineWithAnd) {
  JournalFilter f;
  f.kinds = {Kind::BAR, Kind::TIMER_TICK};
  EXPECT_TRUE(f.matches(*frame(1, kT0, ActorId::EXTERNAL, ActorId::FEED, Kind::BAR)));
  EXPECT_TRUE(f.matches(*frame(2, kT0, ActorId::SEQUENCER, ActorId::RISK, Kind::TIMER_TICK)));
  EXPECT_FALSE(f.matches(*frame(3, kT0, ActorId::RISK, ActorId::EXECUTION, Kind::ORDER_INTENT)));
  f.actors = {ActorId::RISK};
  EXPECT_FALSE(f.matches(*frame(1, kT0, ActorId::EXTERNAL, ActorId::FEED, Kind::BAR)));  // kind ok, actor not
  EXPECT_TRUE(f.matches(*frame(2, kT0, ActorId::SEQUENCER, ActorId::RISK, Kind::TIMER_TICK)));
  f.to_seq = 1;
  EXPECT_FALSE(f.matches(*frame(2, kT0, ActorId::SEQUENCER, ActorId::RISK, Kind::TIMER_TICK)));  // seq out
}

TEST(JournalFilter, ParsesCommaListsWithSpaces) {
  auto actors = parse_actor_list("feed, risk,feed");
  ASSERT_TRUE(actors.has_value()) << actors.error();
  EXPECT_EQ(*actors, (std::set<ActorId>{ActorId::FEED, ActorId::RISK}));
  auto kinds = parse_kind_list("bar,orderIntent,timerTick");
  ASSERT_TRUE(kinds.has_value()) << kinds.error();
  EXPECT_EQ(*kinds, (std::set<Kind>{Kind::BAR, Kind::ORDER_INTENT, Kind::TIMER_TICK}));
  EXPECT_TRUE(parse_actor_list("").value().empty());
  EXPECT_TRUE(parse_kind_list("  ").value().empty());
}

TEST(JournalFilter, UnknownNamesAreErrorsListingTheValidOnes) {
  auto actors = parse_actor_list("feed,nobody");
  ASSERT_FALSE(actors.has_value());
  EXPECT_NE(actors.error().find("\"nobody\""), std::string::npos) << actors.error();
  EXPECT_NE(actors.error().find("external, sequencer, feed"), std::string::npos) << actors.error();
  auto kinds = parse_kind_list("bar,Bar");  // names are case-sensitive, as in the schema
  ASSERT_FALSE(kinds.has_value());
  EXPECT_NE(kinds.error().find("\"Bar\""), std::string::npos) << kinds.error();
  EXPECT_NE(kinds.error().find("orderIntent"), std::string::npos) << kinds.error();
  EXPECT_FALSE(parse_kind_list("bar,,trade").has_value());
  EXPECT_FALSE(parse_actor_list("feed,").has_value());
}

TEST(JournalFilter, ValidNamesFollowTheSchema) {
  EXPECT_EQ(valid_actor_names().substr(0, 25), "external, sequencer, feed");
  const std::string kinds = valid_kind_names();
  EXPECT_EQ(kinds.substr(0, 11), "bar, trade,");
  EXPECT_NE(kinds.find("challengeStatus"), std::string::npos);
}

TEST(JournalFilter, MakeFilterChecksEveryField) {
  JournalFilterText t;
  t.from_seq = 10;
  t.to_seq = 20;
  t.until = "2024-01-01T00:01:00Z";
  t.actors = "risk";
  t.kinds = "orderIntent";
  auto f = make_filter(t);
  ASSERT_TRUE(f.has_value()) << f.error();
  EXPECT_EQ(f->from_seq, 10u);
  EXPECT_EQ(f->to_seq, 20u);
  EXPECT_EQ(f->until_ns, kT0 + 60'000'000'000);
  EXPECT_EQ(f->describe(), "seq 10..20, until 2024-01-01T00:01:00.000Z, actors risk, kinds orderIntent");

  JournalFilterText backwards;
  backwards.from_seq = 9;
  backwards.to_seq = 3;
  auto b = make_filter(backwards);
  ASSERT_FALSE(b.has_value());
  EXPECT_NE(b.error().find("--from-seq 9"), std::string::npos) << b.error();

  JournalFilterText bad_time;
  bad_time.until = "yesterday";
  auto bt = make_filter(bad_time);
  ASSERT_FALSE(bt.has_value());
  EXPECT_NE(bt.error().find("--until \"yesterday\""), std::string::npos) << bt.error();

  JournalFilterText bad_kind;
  bad_kind.kinds = "candle";
  auto bk = make_filter(bad_kind);
  ASSERT_FALSE(bk.has_value());
  EXPECT_NE(bk.error().find("--kind: unknown kind \"candle\""), std::string::npos) << bk.error();

  JournalFilterText bad_actor;
  bad_actor.actors = "broker";
  auto ba = make_filter(bad_actor);
  ASSERT_FALSE(ba.has_value());
  EXPECT_NE(ba.error().find("--actor: unknown actor \"broker\""), std::string::npos) << ba.error();

  EXPECT_EQ(make_filter({})->describe(), "seq 1..end");
}

}  // namespace
}  // namespace verity
