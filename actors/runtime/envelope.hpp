// Envelopes and frames: how a message crosses an actor boundary.
//
// A Frame is an immutable, sealed, single-segment Cap'n Proto message. Its
// bytes are exactly what the journal stores and what the hash chain covers,
// so a frame that was journaled can be handed to an actor unchanged.
// "Sealed" means the checksum word (the record's first data word, at byte
// kChecksumOffset) holds xxh3-64 of every other byte (docs/SCHEMAS.md).
#pragma once

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "schema/journal.capnp.h"

namespace verity {

using schema::ActorId;
using Kind = schema::Envelope::Payload::Which;

/// Byte offset of a sealed record's checksum: 8 bytes of segment table, the
/// 8-byte root pointer, then data word 0 of the root struct.
inline constexpr std::size_t kChecksumOffset = 16;

/// Every payload kind: X(capnp type, union member in UPPER_SNAKE).
/// The union member's accessor is named after the type (getBar, initBar...).
#define VERITY_PAYLOAD_KINDS(X)            \
  X(Bar, BAR)                              \
  X(Trade, TRADE)                          \
  X(TopOfBook, TOP_OF_BOOK)                \
  X(Quarantine, QUARANTINE)                \
  X(FeatureVector, FEATURE_VECTOR)         \
  X(Prediction, PREDICTION)                \
  X(Signal, SIGNAL)                        \
  X(OrderIntent, ORDER_INTENT)             \
  X(RiskDecision, RISK_DECISION)           \
  X(Order, ORDER)                          \
  X(ExecutionReport, EXECUTION_REPORT)     \
  X(PositionUpdate, POSITION_UPDATE)       \
  X(AccountSnapshot, ACCOUNT_SNAPSHOT)     \
  X(ModelUpdate, MODEL_UPDATE)             \
  X(ControlCommand, CONTROL_COMMAND)       \
  X(Notification, NOTIFICATION)            \
  X(TimerTick, TIMER_TICK)                 \
  X(ChallengeStatus, CHALLENGE_STATUS)

/// Maps a payload type to its place in the envelope union.
template <class T>
struct Payload;

#define VERITY_DECLARE_PAYLOAD(Type, WHICH)                                          \
  template <>                                                                        \
  struct Payload<schema::Type> {                                                     \
    static constexpr Kind kind = Kind::WHICH;                                        \
    static schema::Type::Reader get(schema::Envelope::Reader e) {                   \
      return e.getPayload().get##Type();                                             \
    }                                                                                \
    static schema::Type::Builder init(schema::Envelope::Builder e) {                \
      return e.getPayload().init##Type();                                            \
    }                                                                                \
    static void set(schema::Envelope::Builder e, schema::Type::Reader r) {          \
      e.getPayload().set##Type(r);                                                   \
    }                                                                                \
  };
VERITY_PAYLOAD_KINDS(VERITY_DECLARE_PAYLOAD)
#undef VERITY_DECLARE_PAYLOAD

/// "bar", "featureVector", ...: the union member's schema name.
std::string_view kind_name(Kind kind);
/// "feed", "risk", ...: the ActorId enumerant's schema name.
std::string_view actor_name(ActorId actor);
/// Parses a kind or actor name; false when unknown.
bool parse_kind(std::string_view name, Kind& out);
bool parse_actor(std::string_view name, ActorId& out);

/// Copies a built message into one segment and writes its checksum.
/// The root struct must have `checksum @0 :UInt64` as its first field.
kj::Array<capnp::word> seal(capnp::MessageBuilder& builder);
/// seal() of a message already in one segment, into `out`, which holds
/// segment.size() + 1 words: the segment table, the segment, the checksum.
void seal_segment(kj::ArrayPtr<const capnp::word> segment, capnp::word* out);

/// Checks framing (one segment, root struct right after the root pointer)
/// and the checksum. The error says which check failed.
std::expected<void, std::string> verify_sealed(std::span<const std::uint8_t> bytes);

/// Copies bytes into word-aligned storage; a Cap'n Proto reader needs it.
kj::Array<capnp::word> copy_to_words(std::span<const std::uint8_t> bytes);

inline std::span<const std::uint8_t> as_bytes(kj::ArrayPtr<const capnp::word> words) {
  return {reinterpret_cast<const std::uint8_t*>(words.begin()), words.size() * sizeof(capnp::word)};
}

class Frame;
using FramePtr = std::shared_ptr<const Frame>;

namespace detail {
/// Where Frame::build's words go: `count` words right after the shared
/// pointer's control block (which holds the frame), in the same allocation.
struct FrameTail {
  std::size_t count = 0;
  capnp::word* words = nullptr;  // set when the block is allocated
};
template <class T>
struct FrameAllocator {
  using value_type = T;
  FrameTail* tail;
  explicit FrameAllocator(FrameTail* t) : tail(t) {}
  template <class U>
  FrameAllocator(const FrameAllocator<U>& other) : tail(other.tail) {}
  T* allocate(std::size_t n) {
    const std::size_t head = (n * sizeof(T) + sizeof(capnp::word) - 1) / sizeof(capnp::word) * sizeof(capnp::word);
    auto* block = static_cast<std::byte*>(::operator new(head + tail->count * sizeof(capnp::word)));
    tail->words = reinterpret_cast<capnp::word*>(block + head);
    return reinterpret_cast<T*>(block);
  }
  void deallocate(T* p, std::size_t) { ::operator delete(p); }
  template <class U>
  bool operator==(const FrameAllocator<U>& other) const { return tail == other.tail; }
};
}  // namespace detail

/// An immutable sealed envelope. Shared between actors by pointer; never
/// modified after construction.
class Frame {
  struct Key {};  // Frame::build's constructor is for build() alone

 public:
  /// Takes ownership of sealed words read from outside (decode verified
  /// them): they are read through a bounds-checked Cap'n Proto reader.
  explicit Frame(kj::Array<capnp::word> words);
  /// Takes ownership of words seal() just made from a builder: one segment,
  /// no far pointers, every pointer in bounds by construction. They are read
  /// without bounds checks (capnp::readMessageUnchecked), which is most of
  /// what a message costs to receive.
  struct Built {};
  Frame(kj::Array<capnp::word> words, Built);
  /// A built frame of `words` words that `write(capnp::word*)` fills with a
  /// sealed record (seal_segment, or a patched copy of one): as Built, but
  /// the words share one allocation with the frame and its reference
  /// counts, so a message costs one allocation, not two.
  template <class Write>
  static FramePtr build(std::size_t words, Write&& write) {
    detail::FrameTail tail{words};
    return std::allocate_shared<const Frame>(detail::FrameAllocator<Frame>(&tail), Key{}, tail, write);
  }
  template <class Write>
  Frame(Key, const detail::FrameTail& tail, Write& write)
      : data_(tail.words),
        size_(tail.count),
        envelope_((write(tail.words), capnp::readMessageUnchecked<schema::Envelope>(tail.words + 1))) {}
  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;

  /// Verifies and decodes untrusted bytes (for example from disk).
  static std::expected<std::shared_ptr<const Frame>, std::string> decode(
      std::span<const std::uint8_t> bytes);

  std::span<const std::uint8_t> bytes() const { return as_bytes(kj::arrayPtr(data_, size_)); }
  /// Made by this process from a builder (Built or build()), so laid out by
  /// this binary's schema; false for frames decoded from outside.
  bool built() const { return !checked_; }
  schema::Envelope::Reader envelope() const { return envelope_; }

  std::uint64_t seq() const { return envelope_.getSeq(); }
  std::int64_t time_ns() const { return envelope_.getTimeNs(); }
  ActorId source() const { return envelope_.getSource(); }
  ActorId destination() const { return envelope_.getDestination(); }
  Kind kind() const { return envelope_.getPayload().which(); }

 private:
  kj::Array<capnp::word> owned_;  // empty for Frame::build's frames, whose words follow the frame
  const capnp::word* data_;
  std::size_t size_;  // words
  std::unique_ptr<capnp::FlatArrayMessageReader> checked_;  // null for built frames
  schema::Envelope::Reader envelope_;
};

/// A typed message between actors: the frame plus the payload type it holds.
/// CAF matches handlers on Msg<T>, so an actor's interface lists the
/// Cap'n Proto types it takes.
template <class T>
struct Msg {
  FramePtr frame;

  typename T::Reader get() const { return Payload<T>::get(frame->envelope()); }
  std::int64_t time_ns() const { return frame->time_ns(); }
};

/// Renders an envelope as one line of Cap'n Proto text, for logs and tools.
std::string to_text(const Frame& frame);

}  // namespace verity
