#include "actors/runtime/direct_dispatch.hpp"

#include <stdexcept>

namespace verity {

void DirectDispatcher::post(FramePtr frame) {
  const std::size_t to = index(frame->destination());
  if (to >= kActors || !handlers_[to]) {
    throw std::logic_error("seq " + std::to_string(frame->seq()) + ": a " + std::string(kind_name(frame->kind())) +
                           " sent to " + std::string(actor_name(frame->destination())) +
                           ", which is not an actor of this graph");
  }
  const ActorId id = frame->destination();
  mailboxes_[to].push_back(std::move(frame));
  if (!queued_[to]) {
    queued_[to] = true;
    jobs_.push_back(id);
  }
}

std::size_t DirectDispatcher::run() {
  std::size_t ran = 0;
  while (!jobs_.empty()) {
    const ActorId id = jobs_.front();
    jobs_.pop_front();
    const std::size_t i = index(id);
    FramePtr frame = std::move(mailboxes_[i].front());
    mailboxes_[i].pop_front();
    handlers_[i](std::move(frame));
    ++ran;
    if (mailboxes_[i].empty()) {
      queued_[i] = false;
    } else {
      jobs_.push_front(id);  // test_coordinator: resume_later goes back to the front
    }
  }
  return ran;
}

void DirectDispatcher::refuse(const FramePtr& f) {
  throw std::logic_error("seq " + std::to_string(f->seq()) + ": " + std::string(actor_name(f->destination())) +
                         " has no handler for a " + std::string(kind_name(f->kind())));
}

}  // namespace verity
