// The direct dispatcher: the graph's actors, the same handlers, run without
// CAF's mailboxes, in exactly the order CAF's `testing` scheduler runs them.
//
// CAF costs about 190 ns a hop (docs/BENCHMARKS.md, "Deterministic message
// hops"), more than a whole bar's budget in a big challenge batch. DESIGN.md
// allows a custom deterministic coordinator; this one reproduces
// caf::scheduler::test_coordinator's order step for step, so a session makes
// the same messages, in the same order, with the same bytes and final hash
// either way (tests/unit/direct_dispatch_test.cpp runs both):
//
// - a message to an actor with nothing queued puts the actor at the back of
//   the job queue; to an actor already queued, it only joins its mailbox;
// - the front job handles one message; when its mailbox still holds more it
//   goes back to the front (resume_later), otherwise it leaves the queue.
//
// Each actor file writes its handlers once, generic over `self` (a CAF
// stateful actor pointer, or a DirectActor here): `self->state` and
// `self->send(handle, msg)` are all they use. Here a message goes where its
// envelope's destination says, which is where the handle points in CAF.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "actors/runtime/envelope.hpp"

namespace verity {

class DirectDispatcher;

/// What a handler sees as `self` on the direct dispatcher.
template <class State>
struct DirectActor {
  State state;
  DirectDispatcher* dispatcher = nullptr;

  /// The handle is CAF's; here the envelope says where the message goes.
  /// A message made for the send (the usual case) moves into the mailbox.
  template <class Handle, class T>
  void send(const Handle&, Msg<T>&& m);
  template <class Handle, class T>
  void send(const Handle&, const Msg<T>& m);
};

class DirectDispatcher {
 public:
  static constexpr std::size_t kActors = static_cast<std::size_t>(ActorId::NOTIFY) + 1;

  /// Makes actor `id`'s state and its handlers: `make(self)` returns the
  /// tuple of handlers, each taking one `const Msg<T>&`.
  template <class State, class Make>
  void add(ActorId id, Make&& make) {
    auto actor = std::make_shared<DirectActor<State>>();
    actor->dispatcher = this;
    handlers_[index(id)] = handler_of(make(actor.get()));
    owned_.push_back(std::move(actor));
  }

  /// Queues a message for its destination (from outside, or from a handler).
  void post(FramePtr frame);
  /// Runs handlers until no actor has a message left; returns how many ran.
  std::size_t run();

 private:
  template <class... H>
  struct Overload : H... {
    using H::operator()...;
  };

  // Handlers take the frame by rvalue: it moves from the mailbox into the
  // Msg, with no reference-count traffic on the way.
  using Handler = std::function<void(FramePtr&&)>;

  template <class Tuple>
  static Handler handler_of(Tuple handlers) {
    auto h = std::apply([](auto&&... x) { return Overload<std::decay_t<decltype(x)>...>{std::move(x)...}; },
                        std::move(handlers));
    return [h = std::move(h)](FramePtr&& f) mutable {
      switch (f->kind()) {
#define VERITY_DIRECT_CASE(Type, WHICH)                                          \
  case Kind::WHICH:                                                              \
    if constexpr (std::is_invocable_v<decltype(h)&, const Msg<schema::Type>&>) { \
      h(Msg<schema::Type>{std::move(f)});                                        \
      return;                                                                    \
    }                                                                            \
    break;
        VERITY_PAYLOAD_KINDS(VERITY_DIRECT_CASE)
#undef VERITY_DIRECT_CASE
      }
      refuse(f);
    };
  }

  static std::size_t index(ActorId id) { return static_cast<std::size_t>(id); }
  /// A message its actor takes no handler for: CAF's typed interfaces make
  /// that a compile error, so reaching it is a bug. It throws, naming both.
  [[noreturn]] static void refuse(const FramePtr& f);

  /// A FIFO of frames on a ring that doubles when full (from 8, so always a
  /// power of two): an actor's mailbox.
  class Mailbox {
   public:
    bool empty() const { return size_ == 0; }
    void push_back(FramePtr f);
    FramePtr pop_front();

   private:
    std::vector<FramePtr> ring_ = std::vector<FramePtr>(8);
    std::size_t head_ = 0, size_ = 0;
  };

  /// The job queue: each actor is in it at most once (queued_), so a ring of
  /// kActors slots never overflows.
  class Jobs {
   public:
    bool empty() const { return size_ == 0; }
    void push_back(std::size_t actor) { slots_[(head_ + size_++) % kActors] = actor; }
    void push_front(std::size_t actor) {
      head_ = (head_ + kActors - 1) % kActors;
      slots_[head_] = actor;
      ++size_;
    }
    std::size_t pop_front() {
      const std::size_t actor = slots_[head_];
      head_ = (head_ + 1) % kActors;
      --size_;
      return actor;
    }

   private:
    std::array<std::size_t, kActors> slots_{};
    std::size_t head_ = 0, size_ = 0;
  };

  std::array<Handler, kActors> handlers_{};
  std::array<Mailbox, kActors> mailboxes_{};
  std::array<bool, kActors> queued_{};
  Jobs jobs_;
  std::vector<std::shared_ptr<void>> owned_;
};

template <class State>
template <class Handle, class T>
void DirectActor<State>::send(const Handle&, Msg<T>&& m) {
  dispatcher->post(std::move(m.frame));
}

template <class State>
template <class Handle, class T>
void DirectActor<State>::send(const Handle&, const Msg<T>& m) {
  dispatcher->post(m.frame);
}

}  // namespace verity
