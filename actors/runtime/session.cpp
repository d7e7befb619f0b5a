#include "actors/runtime/session.hpp"

#include <capnp/schema.h>

#include <cstring>

#include "actors/runtime/assert.hpp"
#include "actors/runtime/hash.hpp"

namespace verity {

namespace {
constexpr std::size_t kScratchWords = 1024;  // 8 KiB: any message but a model update fits
}

Session::Session(JournalWriter& journal, Logger logger)
    : journal_(journal), logger_(std::move(logger)), scratch_storage_(kScratchWords) {
  std::memset(scratch_storage_.data(), 0, scratch_storage_.size() * sizeof(capnp::word));
  scratch_ = kj::ArrayPtr<capnp::word>(scratch_storage_.data(), scratch_storage_.size());
}

schema::Envelope::Builder Session::start(capnp::MallocMessageBuilder& builder, ActorId source, ActorId destination) {
  auto e = builder.initRoot<schema::Envelope>();
  e.setSession(journal_.session());
  e.setSeq(journal_.last_seq() + 1);
  e.setTimeNs(now_ns_);
  e.setSource(source);
  e.setDestination(destination);
  return e;
}

FramePtr Session::finish(capnp::MallocMessageBuilder& builder, Kind kind) {
  auto segments = builder.getSegmentsForOutput();
  if (segments.size() != 1) return journal_frame(std::make_shared<const Frame>(seal(builder), Frame::Built{}), kind);
  const auto segment = segments[0];
  return journal_frame(Frame::build(segment.size() + 1, [&](capnp::word* out) { seal_segment(segment, out); }), kind);
}

namespace {
/// Where the header fields start() writes sit in a sealed record: the root
/// struct's data section starts at kChecksumOffset, and the schema gives
/// each field's slot (in units of its own size). All default to 0, so a
/// value is stored as is.
struct EnvelopeSlots {
  std::size_t session_byte, seq_byte, time_byte, source_byte, destination_byte;
};
const EnvelopeSlots& envelope_slots() {
  static const EnvelopeSlots slots = [] {
    const auto envelope = capnp::Schema::from<schema::Envelope>();
    const auto at = [&](const char* name, std::size_t size) {
      return kChecksumOffset + envelope.getFieldByName(name).getProto().getSlot().getOffset() * size;
    };
    return EnvelopeSlots{at("session", sizeof(std::uint64_t)), at("seq", sizeof(std::uint64_t)),
                         at("timeNs", sizeof(std::int64_t)), at("source", sizeof(std::uint16_t)),
                         at("destination", sizeof(std::uint16_t))};
  }();
  return slots;
}
}  // namespace

bool Session::copies_alike_from(capnp::StructSchema payload) {
  int blobs = 0;
  for (auto field : payload.getFields()) {
    if (!field.getProto().isSlot()) return false;  // a group: its own fields could point anywhere
    const auto type = field.getType();
    if (type.isText() || type.isData()) {
      ++blobs;
    } else if (type.isStruct() || type.isList() || type.isAnyPointer() || type.isInterface()) {
      return false;
    }
  }
  return blobs <= 1;
}

FramePtr Session::restamp(const Frame& like, ActorId source, ActorId destination, Kind kind) {
  VERITY_ASSERT(like.built(), "restamp copies only frames this binary built");
  const auto bytes = like.bytes();
  const std::uint64_t session = journal_.session(), seq = journal_.last_seq() + 1;
  const std::int64_t time = now_ns_;
  const auto from = static_cast<std::uint16_t>(source), to = static_cast<std::uint16_t>(destination);
  return journal_frame(Frame::build(bytes.size() / sizeof(capnp::word),
                                    [&](capnp::word* words) {
                                      auto* out = reinterpret_cast<std::uint8_t*>(words);
                                      const EnvelopeSlots& at = envelope_slots();
                                      std::memcpy(out, bytes.data(), bytes.size());
                                      std::memcpy(out + at.session_byte, &session, sizeof session);
                                      std::memcpy(out + at.seq_byte, &seq, sizeof seq);
                                      std::memcpy(out + at.time_byte, &time, sizeof time);
                                      std::memcpy(out + at.source_byte, &from, sizeof from);
                                      std::memcpy(out + at.destination_byte, &to, sizeof to);
                                      const std::uint64_t sum = seal_checksum({out, bytes.size()}, kChecksumOffset);
                                      std::memcpy(out + kChecksumOffset, &sum, sizeof sum);
                                    }),
                       kind);
}

FramePtr Session::journal_frame(FramePtr frame, Kind kind) {
  journal_.record(*frame);
  counts_[static_cast<std::size_t>(kind)] += 1;
  if (kind == Kind::ACCOUNT_SNAPSHOT) last_account_ = frame;
  if (observer_) observer_(frame);
  return frame;
}

}  // namespace verity
