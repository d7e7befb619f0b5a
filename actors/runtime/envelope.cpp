#include "actors/runtime/envelope.hpp"

#include <capnp/any.h>
#include <capnp/schema.h>

#include <cstring>

#include "actors/runtime/hash.hpp"

namespace verity {

namespace {

// Names come from the compiled schema, so they always match the .capnp files.
std::string_view union_member_name(Kind kind) {
  auto fields = capnp::Schema::from<schema::Envelope::Payload>().getUnionFields();
  for (auto field : fields) {
    if (field.getProto().getDiscriminantValue() == static_cast<std::uint16_t>(kind)) {
      auto name = field.getProto().getName();
      return {name.begin(), name.size()};
    }
  }
  return "unknown";
}

void write_u32(std::uint8_t* out, std::uint32_t v) { std::memcpy(out, &v, 4); }
std::uint32_t read_u32(const std::uint8_t* in) {
  std::uint32_t v;
  std::memcpy(&v, in, 4);
  return v;
}

}  // namespace

std::string_view kind_name(Kind kind) { return union_member_name(kind); }

std::string_view actor_name(ActorId actor) {
  auto enumerants = capnp::Schema::from<ActorId>().getEnumerants();
  auto index = static_cast<std::uint16_t>(actor);
  if (index >= enumerants.size()) return "unknown";
  auto name = enumerants[index].getProto().getName();
  return {name.begin(), name.size()};
}

bool parse_kind(std::string_view name, Kind& out) {
  for (auto field : capnp::Schema::from<schema::Envelope::Payload>().getUnionFields()) {
    auto n = field.getProto().getName();
    if (name == std::string_view(n.begin(), n.size())) {
      out = static_cast<Kind>(field.getProto().getDiscriminantValue());
      return true;
    }
  }
  return false;
}

bool parse_actor(std::string_view name, ActorId& out) {
  for (auto e : capnp::Schema::from<ActorId>().getEnumerants()) {
    auto n = e.getProto().getName();
    if (name == std::string_view(n.begin(), n.size())) {
      out = static_cast<ActorId>(e.getOrdinal());
      return true;
    }
  }
  return false;
}

kj::Array<capnp::word> seal(capnp::MessageBuilder& builder) {
  auto segments = builder.getSegmentsForOutput();
  if (segments.size() != 1) {
    // Rebuild in one segment large enough for everything. Copying the root
    // lays it out again right after the root pointer.
    std::size_t total = 0;
    for (auto s : segments) total += s.size();
    capnp::MallocMessageBuilder single(total + 8, capnp::AllocationStrategy::FIXED_SIZE);
    single.setRoot(builder.getRoot<capnp::AnyStruct>().asReader());
    return seal(single);
  }
  auto words = kj::heapArray<capnp::word>(segments[0].size() + 1);
  seal_segment(segments[0], words.begin());
  return words;
}

void seal_segment(kj::ArrayPtr<const capnp::word> segment, capnp::word* out) {
  auto* bytes = reinterpret_cast<std::uint8_t*>(out);
  write_u32(bytes, 0);  // segment count - 1
  write_u32(bytes + 4, static_cast<std::uint32_t>(segment.size()));
  std::memcpy(bytes + 8, segment.begin(), segment.size() * sizeof(capnp::word));
  const std::uint64_t sum = seal_checksum({bytes, (segment.size() + 1) * sizeof(capnp::word)}, kChecksumOffset);
  std::memcpy(bytes + kChecksumOffset, &sum, 8);
}

std::expected<void, std::string> verify_sealed(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 24 || bytes.size() % 8 != 0) {
    return std::unexpected("record is " + std::to_string(bytes.size()) +
                           " bytes; expected a multiple of 8, at least 24");
  }
  if (read_u32(bytes.data()) != 0) return std::unexpected(std::string("record has more than one segment"));
  const std::uint64_t words = read_u32(bytes.data() + 4);
  if (words * 8 + 8 != bytes.size()) {
    return std::unexpected("segment table says " + std::to_string(words) + " words; record holds " +
                           std::to_string((bytes.size() - 8) / 8));
  }
  std::uint64_t root;
  std::memcpy(&root, bytes.data() + 8, 8);
  // Struct pointer (tag 0) with offset 0: the root struct follows the pointer.
  if ((root & 0xFFFFFFFFu) != 0) return std::unexpected(std::string("root pointer is not an inline struct"));
  if (((root >> 32) & 0xFFFFu) == 0) return std::unexpected(std::string("root struct has no data section"));
  std::uint64_t stored;
  std::memcpy(&stored, bytes.data() + kChecksumOffset, 8);
  const std::uint64_t computed = seal_checksum(bytes, kChecksumOffset);
  if (stored != computed) return std::unexpected(std::string("checksum mismatch"));
  return {};
}

kj::Array<capnp::word> copy_to_words(std::span<const std::uint8_t> bytes) {
  auto words = kj::heapArray<capnp::word>((bytes.size() + 7) / 8);
  std::memset(words.begin(), 0, words.size() * sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  return words;
}

namespace {
// Cap'n Proto charges every read against a lifetime traversal budget that
// guards against pointer amplification in untrusted bytes. A frame is either
// built by us or has passed decode()'s bounded, complete traversal, and it may
// be read any number of times (replay, snapshots), so its own reader has none.
capnp::ReaderOptions unlimited_traversal() {
  capnp::ReaderOptions o;
  o.traversalLimitInWords = kj::maxValue;
  return o;
}
}  // namespace

Frame::Frame(kj::Array<capnp::word> words)
    : owned_(kj::mv(words)),
      data_(owned_.begin()),
      size_(owned_.size()),
      checked_(std::make_unique<capnp::FlatArrayMessageReader>(owned_.asPtr(), unlimited_traversal())),
      envelope_(checked_->getRoot<schema::Envelope>()) {}

Frame::Frame(kj::Array<capnp::word> words, Built)
    : owned_(kj::mv(words)),
      data_(owned_.begin()),
      size_(owned_.size()),
      // Word 0 is the segment table; the segment, root pointer first, follows.
      envelope_(capnp::readMessageUnchecked<schema::Envelope>(owned_.begin() + 1)) {}

std::expected<FramePtr, std::string> Frame::decode(std::span<const std::uint8_t> bytes) {
  if (auto ok = verify_sealed(bytes); !ok) return std::unexpected(ok.error());
  try {
    auto words = copy_to_words(bytes);
    {
      // Traverse everything once under the default (bounded) budget, so a
      // malformed or amplifying pointer fails here, not in an actor.
      capnp::FlatArrayMessageReader bounded(words.asPtr());
      (void)bounded.getRoot<capnp::AnyStruct>().canonicalize();
    }
    return std::make_shared<const Frame>(kj::mv(words));
  } catch (const kj::Exception& e) {
    return std::unexpected("malformed envelope: " + std::string(e.getDescription().cStr()));
  }
}

std::string to_text(const Frame& frame) {
  // Generated readers stringify to one line of Cap'n Proto text.
  return std::string(kj::str(frame.envelope()).cStr());
}

}  // namespace verity
