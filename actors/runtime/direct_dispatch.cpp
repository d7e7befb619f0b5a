#include "actors/runtime/direct_dispatch.hpp"

#include <stdexcept>

namespace verity {

// The ring's size is a power of two, so a position wraps with a mask, not
// a division.
void DirectDispatcher::Mailbox::push_back(FramePtr f) {
  if (size_ == ring_.size()) {
    std::vector<FramePtr> grown(ring_.size() * 2);
    for (std::size_t k = 0; k < size_; ++k) grown[k] = std::move(ring_[(head_ + k) & (ring_.size() - 1)]);
    ring_ = std::move(grown);
    head_ = 0;
  }
  ring_[(head_ + size_++) & (ring_.size() - 1)] = std::move(f);
}

FramePtr DirectDispatcher::Mailbox::pop_front() {
  FramePtr f = std::move(ring_[head_]);
  head_ = (head_ + 1) & (ring_.size() - 1);
  --size_;
  return f;
}

void DirectDispatcher::post(FramePtr frame) {
  const std::size_t to = index(frame->destination());
  if (to >= kActors || !handlers_[to]) {
    throw std::logic_error("seq " + std::to_string(frame->seq()) + ": a " + std::string(kind_name(frame->kind())) +
                           " sent to " + std::string(actor_name(frame->destination())) +
                           ", which is not an actor of this graph");
  }
  mailboxes_[to].push_back(std::move(frame));
  if (!queued_[to]) {
    queued_[to] = true;
    jobs_.push_back(to);
  }
}

std::size_t DirectDispatcher::run() {
  std::size_t ran = 0;
  while (!jobs_.empty()) {
    const std::size_t i = jobs_.pop_front();
    handlers_[i](mailboxes_[i].pop_front());
    ++ran;
    if (mailboxes_[i].empty()) {
      queued_[i] = false;
    } else {
      jobs_.push_front(i);  // test_coordinator: resume_later goes back to the front
    }
  }
  return ran;
}

void DirectDispatcher::refuse(const FramePtr& f) {
  throw std::logic_error("seq " + std::to_string(f->seq()) + ": " + std::string(actor_name(f->destination())) +
                         " has no handler for a " + std::string(kind_name(f->kind())));
}

}  // namespace verity
