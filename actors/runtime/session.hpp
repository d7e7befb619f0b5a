// One session's shared runtime: the seq counter, the logical time of the
// current step, the journal writer and the logger.
//
// Every message an actor sends is made here (emit), so it is stamped with the
// next seq and journaled at the moment it is sent. That is deterministic
// because all actors of a session run on one thread under CAF's testing
// scheduler, one input at a time (docs/DETERMINISM.md); the sequencer is the
// only caller from outside the graph.
#pragma once

#include <capnp/schema.h>

#include <array>
#include <functional>
#include <vector>

#include "actors/runtime/envelope.hpp"
#include "actors/runtime/journal_writer.hpp"
#include "actors/runtime/log.hpp"

namespace verity {

inline constexpr std::size_t kKindCount = static_cast<std::size_t>(Kind::CHALLENGE_STATUS) + 1;

class Session {
 public:
  Session(JournalWriter& journal, Logger logger);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Builds, seals and journals a message; `fill` writes the payload.
  template <class T, class Fill>
  Msg<T> emit(ActorId source, ActorId destination, Fill&& fill) {
    capnp::MallocMessageBuilder builder(scratch_);
    auto envelope = start(builder, source, destination);
    fill(Payload<T>::init(envelope));
    return Msg<T>{finish(builder, Payload<T>::kind)};
  }

  /// Sends the same payload on to another actor in a new envelope.
  template <class T>
  Msg<T> forward(ActorId source, ActorId destination, const Msg<T>& in) {
    capnp::MallocMessageBuilder builder(scratch_);
    auto envelope = start(builder, source, destination);
    Payload<T>::set(envelope, in.get());
    return Msg<T>{finish(builder, Payload<T>::kind)};
  }

  /// The same payload on to several actors, a new envelope each, made in
  /// the order given: exactly the bytes `forward` would make for each in
  /// turn. Each is a copy of a built envelope with the header fields that
  /// start() writes set anew and the checksum resealed: of `in` itself
  /// when `forward` would lay the payload out as `in` has it (a frame this
  /// binary built, whose payload holds at most one pointer, a Text or Data:
  /// a bar), otherwise of the first forward.
  template <class T, std::size_t N>
  std::array<Msg<T>, N> forward_all(ActorId source, const std::array<ActorId, N>& destinations, const Msg<T>& in) {
    static const bool copies_alike = copies_alike_from(capnp::Schema::from<T>());
    std::array<Msg<T>, N> out;
    out[0] = copies_alike && in.frame->built() ? Msg<T>{restamp(*in.frame, source, destinations[0], Payload<T>::kind)}
                                               : forward(source, destinations[0], in);
    for (std::size_t k = 1; k < N; ++k) {
      out[k] = Msg<T>{restamp(*out[0].frame, source, destinations[k], Payload<T>::kind)};
    }
    return out;
  }

  /// Sets the logical time for the step about to run.
  void begin_step(std::int64_t time_ns) { now_ns_ = time_ns; }
  std::int64_t now_ns() const { return now_ns_; }
  std::uint64_t id() const { return journal_.session(); }
  /// The mode messages carry (Notification.mode): the session's own, from
  /// its manifest, so a replay of a live session makes the same bytes. The
  /// logger says what this process is doing (a replay logs as replay).
  Mode mode() const { return journal_.manifest().mode; }
  std::uint64_t last_seq() const { return journal_.last_seq(); }
  const Logger& log() const { return logger_; }

  /// Messages made so far, by kind.
  const std::array<std::uint64_t, kKindCount>& counts() const { return counts_; }
  /// The latest account snapshot sent, if any: what the run ended with.
  const FramePtr& last_account() const { return last_account_; }

  /// Sees every message as it is made, after it is journaled: an in-process
  /// reader of the same stream the journal holds (metrics, checks). It must
  /// not send anything; it runs on the session's thread.
  using Observer = std::function<void(const FramePtr&)>;
  void set_observer(Observer observer) { observer_ = std::move(observer); }

  /// Continues from a snapshot: the counts so far and the last account snapshot.
  void restore(const std::array<std::uint64_t, kKindCount>& counts, FramePtr last_account) {
    counts_ = counts;
    last_account_ = std::move(last_account);
  }

  /// Asks the driver to stop feeding inputs after the current step (an
  /// attempt that passed or breached). The step still runs to completion.
  void request_stop() { stop_requested_ = true; }
  bool stop_requested() const { return stop_requested_; }

 private:
  schema::Envelope::Builder start(capnp::MallocMessageBuilder& builder, ActorId source, ActorId destination);
  FramePtr finish(capnp::MallocMessageBuilder& builder, Kind kind);
  /// Journals a frame just made (finish and restamp), counts it and shows
  /// it to the observer.
  FramePtr journal_frame(FramePtr frame, Kind kind);
  /// `like`'s bytes as the next message from `source` to `destination`:
  /// the envelope's session, seq, time, source and destination set as
  /// start() sets them, and resealed. `like` must be built().
  FramePtr restamp(const Frame& like, ActorId source, ActorId destination, Kind kind);
  /// True when a payload of this type, copied by a builder (forward), is
  /// laid out as any builder laid it out: it holds no pointer but at most
  /// one Text or Data.
  static bool copies_alike_from(capnp::StructSchema payload);

  JournalWriter& journal_;
  Logger logger_;
  std::int64_t now_ns_ = 0;
  std::vector<capnp::word> scratch_storage_;
  kj::ArrayPtr<capnp::word> scratch_;  // zeroed; MallocMessageBuilder re-zeroes it after use
  std::array<std::uint64_t, kKindCount> counts_{};
  FramePtr last_account_;
  Observer observer_;
  bool stop_requested_ = false;
};

}  // namespace verity
