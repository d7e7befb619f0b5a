#include "actors/runtime/session.hpp"

#include <capnp/schema.h>

#include <cstring>

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
/// Where the envelope's seq and destination sit in a sealed record: the root
/// struct's data section starts at kChecksumOffset, and the schema gives
/// each field's slot (in units of its own size). Both default to 0, so a
/// value is stored as is.
struct EnvelopeSlots {
  std::size_t seq_byte, destination_byte;
};
const EnvelopeSlots& envelope_slots() {
  static const EnvelopeSlots slots = [] {
    const auto envelope = capnp::Schema::from<schema::Envelope>();
    const auto offset = [&](const char* name) { return envelope.getFieldByName(name).getProto().getSlot().getOffset(); };
    return EnvelopeSlots{kChecksumOffset + offset("seq") * sizeof(std::uint64_t),
                         kChecksumOffset + offset("destination") * sizeof(std::uint16_t)};
  }();
  return slots;
}
}  // namespace

FramePtr Session::copy_to(const Frame& like, ActorId destination, Kind kind) {
  const auto bytes = like.bytes();
  const std::uint64_t seq = journal_.last_seq() + 1;
  const auto dest = static_cast<std::uint16_t>(destination);
  return journal_frame(Frame::build(bytes.size() / sizeof(capnp::word),
                                    [&](capnp::word* words) {
                                      auto* out = reinterpret_cast<std::uint8_t*>(words);
                                      std::memcpy(out, bytes.data(), bytes.size());
                                      std::memcpy(out + envelope_slots().seq_byte, &seq, sizeof seq);
                                      std::memcpy(out + envelope_slots().destination_byte, &dest, sizeof dest);
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
