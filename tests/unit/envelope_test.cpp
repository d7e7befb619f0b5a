// Sealed envelopes: where the checksum lives, what it covers, how a message
// larger than one segment is sealed, and how Frame::decode refuses bytes that
// are not a sealed envelope. Also the kind and actor names the tools print.
#include "actors/runtime/envelope.hpp"

#include <capnp/message.h>
#include <capnp/schema.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "actors/runtime/hash.hpp"

namespace verity {
namespace {

std::vector<std::uint8_t> to_vector(std::span<const std::uint8_t> bytes) { return {bytes.begin(), bytes.end()}; }

std::uint64_t read_u64(const std::vector<std::uint8_t>& bytes, std::size_t offset) {
  std::uint64_t v;
  std::memcpy(&v, bytes.data() + offset, 8);
  return v;
}

void write_u32(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint32_t v) {
  std::memcpy(bytes.data() + offset, &v, 4);
}

/// Writes a fresh checksum, so a test can reach the checks behind it.
void reseal(std::vector<std::uint8_t>& bytes) {
  const std::uint64_t sum = seal_checksum(bytes, kChecksumOffset);
  std::memcpy(bytes.data() + kChecksumOffset, &sum, 8);
}

/// A sealed envelope carrying a bar, as the sequencer would make it.
std::vector<std::uint8_t> sealed_bar(const std::string& symbol = "BTCUSDT") {
  capnp::MallocMessageBuilder builder;
  auto e = builder.initRoot<schema::Envelope>();
  e.setSession(0x0123456789abcdefULL);
  e.setSeq(7);
  e.setTimeNs(1'704'067'260'000'000'000);
  e.setSource(ActorId::EXTERNAL);
  e.setDestination(ActorId::FEED);
  auto bar = e.getPayload().initBar();
  bar.setSymbol(symbol);
  bar.setOpenTimeNs(1'704'067'200'000'000'000);
  bar.setIntervalNs(60'000'000'000);
  bar.setOpen(50'000.5);
  bar.setHigh(50'100.25);
  bar.setLow(49'900.0);
  bar.setClose(50'050.75);
  bar.setVolume(12.5);
  auto words = seal(builder);
  return to_vector(as_bytes(words.asPtr()));
}

TEST(Seal, ChecksumSitsAtDataWordZeroOfTheRoot) {
  const auto bytes = sealed_bar();
  ASSERT_TRUE(verify_sealed(bytes).has_value());
  const std::uint64_t stored = read_u64(bytes, kChecksumOffset);
  EXPECT_EQ(stored, seal_checksum(bytes, kChecksumOffset));
  // The offset is fixed by the framing: the same word is the envelope's
  // `checksum` field as Cap'n Proto reads it.
  auto words = copy_to_words(bytes);
  capnp::FlatArrayMessageReader reader(words.asPtr());
  EXPECT_EQ(reader.getRoot<schema::Envelope>().getChecksum(), stored);
  EXPECT_NE(stored, 0u);
}

TEST(Seal, IsOneSegmentWithATableThatMatchesTheSize) {
  const auto bytes = sealed_bar();
  std::uint32_t segments_minus_one, words;
  std::memcpy(&segments_minus_one, bytes.data(), 4);
  std::memcpy(&words, bytes.data() + 4, 4);
  EXPECT_EQ(segments_minus_one, 0u);
  EXPECT_EQ(std::size_t{words} * 8 + 8, bytes.size());
}

TEST(Seal, ChecksumCoversEveryOtherByte) {
  const auto original = sealed_bar();
  const std::uint64_t sum = seal_checksum(original, kChecksumOffset);
  for (std::size_t i = 0; i < original.size(); ++i) {
    auto damaged = original;
    damaged[i] ^= 0x01;
    const bool in_checksum = i >= kChecksumOffset && i < kChecksumOffset + 8;
    if (in_checksum) {
      // The checksum word is not hashed, so only the comparison catches it.
      EXPECT_EQ(seal_checksum(damaged, kChecksumOffset), sum) << "byte " << i;
    } else {
      EXPECT_NE(seal_checksum(damaged, kChecksumOffset), sum) << "byte " << i;
    }
    EXPECT_FALSE(verify_sealed(damaged).has_value()) << "flip at byte " << i << " passed verification";
  }
}

TEST(Seal, SealingIsDeterministic) {
  EXPECT_EQ(sealed_bar(), sealed_bar());
  EXPECT_NE(sealed_bar("ETHUSDT"), sealed_bar("BTCUSDT"));
}

TEST(Seal, MessageLargerThanOneSegmentSealsToOneSegment) {
  // A one-word first segment forces every allocation into a new segment.
  capnp::MallocMessageBuilder builder(1, capnp::AllocationStrategy::FIXED_SIZE);
  auto e = builder.initRoot<schema::Envelope>();
  e.setSeq(1);
  e.setSource(ActorId::EXTERNAL);
  e.setDestination(ActorId::FEED);
  const std::string huge(200'000, 'x');
  auto bar = e.getPayload().initBar();
  bar.setSymbol(huge);
  bar.setClose(42.0);
  ASSERT_GT(builder.getSegmentsForOutput().size(), 1u) << "the test needs a multi-segment message";

  auto words = seal(builder);
  const auto bytes = to_vector(as_bytes(words.asPtr()));
  std::uint32_t segments_minus_one;
  std::memcpy(&segments_minus_one, bytes.data(), 4);
  EXPECT_EQ(segments_minus_one, 0u);
  ASSERT_TRUE(verify_sealed(bytes).has_value()) << verify_sealed(bytes).error();

  auto frame = Frame::decode(bytes);
  ASSERT_TRUE(frame.has_value()) << frame.error();
  auto decoded = (*frame)->envelope().getPayload().getBar();
  EXPECT_EQ(std::string(decoded.getSymbol().cStr(), decoded.getSymbol().size()), huge);
  EXPECT_EQ(decoded.getClose(), 42.0);
  EXPECT_EQ((*frame)->kind(), Kind::BAR);
  EXPECT_EQ((*frame)->seq(), 1u);
}

TEST(Seal, MultiSegmentAndSingleSegmentBuildsSealIdentically) {
  // The bytes name the run through the hash chain, so how the builder
  // happened to allocate must not change them.
  auto build = [](capnp::MallocMessageBuilder& b) {
    auto e = b.initRoot<schema::Envelope>();
    e.setSeq(3);
    auto bar = e.getPayload().initBar();
    bar.setSymbol(std::string(5'000, 'y'));
    bar.setVolume(1.5);
  };
  capnp::MallocMessageBuilder tiny(1, capnp::AllocationStrategy::FIXED_SIZE);
  capnp::MallocMessageBuilder roomy(4096);
  build(tiny);
  build(roomy);
  ASSERT_GT(tiny.getSegmentsForOutput().size(), 1u);
  ASSERT_EQ(roomy.getSegmentsForOutput().size(), 1u);
  auto a = seal(tiny);
  auto b = seal(roomy);
  EXPECT_EQ(to_vector(as_bytes(a.asPtr())), to_vector(as_bytes(b.asPtr())));
}

TEST(FrameDecode, AcceptsASealedEnvelope) {
  const auto bytes = sealed_bar();
  auto frame = Frame::decode(bytes);
  ASSERT_TRUE(frame.has_value()) << frame.error();
  EXPECT_EQ(to_vector((*frame)->bytes()), bytes);
  EXPECT_EQ((*frame)->seq(), 7u);
  EXPECT_EQ((*frame)->time_ns(), 1'704'067'260'000'000'000);
  EXPECT_EQ((*frame)->source(), ActorId::EXTERNAL);
  EXPECT_EQ((*frame)->destination(), ActorId::FEED);
  EXPECT_EQ((*frame)->kind(), Kind::BAR);
}

TEST(FrameDecode, RejectsTruncatedBytes) {
  const auto bytes = sealed_bar();
  // Whole words missing: the segment table no longer matches.
  auto short_by_word = std::vector<std::uint8_t>(bytes.begin(), bytes.end() - 8);
  auto r = Frame::decode(short_by_word);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("segment table says"), std::string::npos) << r.error();
  // A ragged end: not a whole number of words.
  auto ragged = std::vector<std::uint8_t>(bytes.begin(), bytes.end() - 3);
  r = Frame::decode(ragged);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("multiple of 8"), std::string::npos) << r.error();
  // Too short to hold the framing and the checksum.
  for (std::size_t n : {0u, 8u, 16u}) {
    r = Frame::decode(std::span<const std::uint8_t>(bytes.data(), n));
    ASSERT_FALSE(r.has_value()) << n << " bytes";
    EXPECT_NE(r.error().find("at least 24"), std::string::npos) << r.error();
  }
}

TEST(FrameDecode, RejectsWrongSegmentCount) {
  auto bytes = sealed_bar();
  write_u32(bytes, 0, 1);  // claims two segments
  reseal(bytes);
  auto r = Frame::decode(bytes);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("more than one segment"), std::string::npos) << r.error();
}

TEST(FrameDecode, RejectsWrongSegmentSize) {
  auto bytes = sealed_bar();
  std::uint32_t words;
  std::memcpy(&words, bytes.data() + 4, 4);
  write_u32(bytes, 4, words + 1);
  reseal(bytes);
  auto r = Frame::decode(bytes);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("segment table says"), std::string::npos) << r.error();
}

TEST(FrameDecode, RejectsEveryFlippedByte) {
  const auto original = sealed_bar();
  for (std::size_t i = 0; i < original.size(); ++i) {
    for (std::uint8_t mask : {std::uint8_t{0x01}, std::uint8_t{0x80}, std::uint8_t{0xFF}}) {
      auto damaged = original;
      damaged[i] ^= mask;
      auto r = Frame::decode(damaged);
      EXPECT_FALSE(r.has_value()) << "byte " << i << " mask " << int{mask};
    }
  }
}

TEST(FrameDecode, FlippedPayloadByteIsAChecksumMismatch) {
  auto bytes = sealed_bar();
  bytes[bytes.size() - 9] ^= 0x10;  // inside the bar, past the framing
  auto r = Frame::decode(bytes);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), "checksum mismatch");
}

TEST(FrameDecode, RejectsARootPointerThatIsNotAnInlineStruct) {
  auto bytes = sealed_bar();
  bytes[8] = 0x04;  // struct pointer with offset 1: the root no longer follows it
  reseal(bytes);
  auto r = Frame::decode(bytes);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("root pointer"), std::string::npos) << r.error();
}

TEST(FrameDecode, RejectsAMalformedPointerBehindAValidChecksum) {
  // The checksum only proves the bytes are the ones that were sealed; a
  // record sealed by a buggy or hostile writer must still fail cleanly.
  auto bytes = sealed_bar();
  std::uint64_t root;
  std::memcpy(&root, bytes.data() + 8, 8);
  const std::uint64_t data_words = (root >> 32) & 0xFFFF;
  // The envelope's first pointer (the payload) sits after its data section.
  const std::size_t payload_ptr = 16 + data_words * 8;
  const std::uint64_t wild = (std::uint64_t{1} << 32) | (std::uint64_t{0x0FFFFFFF} << 2);  // far out of bounds
  std::memcpy(bytes.data() + payload_ptr, &wild, 8);
  reseal(bytes);
  ASSERT_TRUE(verify_sealed(bytes).has_value());
  auto r = Frame::decode(bytes);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("malformed envelope"), std::string::npos) << r.error();
}

// Every payload kind, from the same X-macro the envelope uses.
const std::vector<Kind>& all_kinds() {
  static const std::vector<Kind> kinds = {
#define VERITY_KIND_ENTRY(Type, WHICH) Kind::WHICH,
      VERITY_PAYLOAD_KINDS(VERITY_KIND_ENTRY)
#undef VERITY_KIND_ENTRY
  };
  return kinds;
}

TEST(Names, EveryKindRoundTrips) {
  ASSERT_EQ(all_kinds().size(), 18u);
  std::set<std::string> seen;
  for (Kind k : all_kinds()) {
    const std::string name(kind_name(k));
    EXPECT_NE(name, "unknown") << static_cast<int>(k);
    EXPECT_TRUE(seen.insert(name).second) << "duplicate kind name " << name;
    Kind back = Kind::BAR;
    ASSERT_TRUE(parse_kind(name, back)) << name;
    EXPECT_EQ(back, k) << name;
  }
}

TEST(Names, KindNamesAreTheSchemaNames) {
  EXPECT_EQ(kind_name(Kind::BAR), "bar");
  EXPECT_EQ(kind_name(Kind::TOP_OF_BOOK), "topOfBook");
  EXPECT_EQ(kind_name(Kind::FEATURE_VECTOR), "featureVector");
  EXPECT_EQ(kind_name(Kind::EXECUTION_REPORT), "executionReport");
  EXPECT_EQ(kind_name(Kind::TIMER_TICK), "timerTick");
  EXPECT_EQ(Payload<schema::Bar>::kind, Kind::BAR);
  EXPECT_EQ(Payload<schema::TimerTick>::kind, Kind::TIMER_TICK);
}

TEST(Names, EveryActorRoundTrips) {
  const auto count = capnp::Schema::from<ActorId>().getEnumerants().size();
  ASSERT_EQ(count, 10u);
  std::set<std::string> seen;
  for (unsigned i = 0; i < count; ++i) {
    const auto actor = static_cast<ActorId>(i);
    const std::string name(actor_name(actor));
    EXPECT_NE(name, "unknown") << i;
    EXPECT_TRUE(seen.insert(name).second) << "duplicate actor name " << name;
    ActorId back = ActorId::EXTERNAL;
    ASSERT_TRUE(parse_actor(name, back)) << name;
    EXPECT_EQ(back, actor) << name;
  }
  EXPECT_EQ(actor_name(ActorId::EXTERNAL), "external");
  EXPECT_EQ(actor_name(ActorId::NOTIFY), "notify");
}

TEST(Names, UnknownNamesAreRejected) {
  Kind k = Kind::TRADE;
  EXPECT_FALSE(parse_kind("Bar", k));  // names are case-sensitive
  EXPECT_FALSE(parse_kind("", k));
  EXPECT_FALSE(parse_kind("featurevector", k));
  EXPECT_EQ(k, Kind::TRADE) << "a failed parse must leave the output alone";
  ActorId a = ActorId::RISK;
  EXPECT_FALSE(parse_actor("Risk", a));
  EXPECT_FALSE(parse_actor("", a));
  EXPECT_EQ(a, ActorId::RISK);
  EXPECT_EQ(actor_name(static_cast<ActorId>(200)), "unknown");
  EXPECT_EQ(kind_name(static_cast<Kind>(200)), "unknown");
}

TEST(Frame, CanBeReadAnyNumberOfTimes) {
  // Cap'n Proto's default traversal budget is 8M words per reader; a frame
  // kept for replay or a snapshot is read far more than that over its life.
  capnp::MallocMessageBuilder b;
  auto e = b.initRoot<schema::Envelope>();
  e.setSeq(1);
  e.getPayload().initBar().setSymbol("BTCUSDT");
  const Frame frame(seal(b));
  std::size_t total = 0;
  for (int i = 0; i < 3'000'000; ++i) total += frame.envelope().getPayload().getBar().getSymbol().size();
  EXPECT_EQ(total, 3'000'000u * 7);
}

}  // namespace
}  // namespace verity
