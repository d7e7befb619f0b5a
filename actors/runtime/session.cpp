#include "actors/runtime/session.hpp"

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
  auto frame = std::make_shared<const Frame>(seal(builder), Frame::Built{});
  journal_.record(*frame);
  counts_[static_cast<std::size_t>(kind)] += 1;
  if (kind == Kind::ACCOUNT_SNAPSHOT) last_account_ = frame;
  if (observer_) observer_(frame);
  return frame;
}

}  // namespace verity
