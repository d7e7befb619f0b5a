// The journal's read side. Every read verifies: the record's checksum, that
// it is stored under the seq it names, that seqs have no gaps, and that the
// hash chain recomputed from the records matches the committed head. A
// damaged record is an error naming its seq; it is never returned as data.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "actors/runtime/envelope.hpp"
#include "actors/runtime/journal_records.hpp"
#include "actors/runtime/journal_store.hpp"

namespace verity {

struct JournalError {
  std::uint64_t seq = 0;  // the record the error is about; 0 when none
  std::string what;
  std::string message() const;
};

struct VerifyReport {
  std::uint64_t records = 0;   // envelopes read and checked
  std::uint64_t digests = 0;   // step digests checked (level inputs)
  std::uint64_t last_seq = 0;
  Hash128 chain;
};

class JournalReader {
 public:
  static std::expected<JournalReader, std::string> open(JournalStore& store, std::uint64_t session);
  /// Session ids in the store, in key order.
  static std::expected<std::vector<std::uint64_t>, std::string> sessions(JournalStore& store);

  const ManifestInfo& manifest() const { return manifest_; }
  const HeadInfo& head() const { return head_; }

  /// One record, verified.
  std::expected<FramePtr, JournalError> read(std::uint64_t seq);
  /// Stored envelopes with seq in [from, to], verified, in seq order; `fn`
  /// returns false to stop.
  std::expected<void, JournalError> for_each(std::uint64_t from, std::uint64_t to,
                                             const std::function<bool(const FramePtr&)>& fn);
  /// The stored envelopes' bytes with seq in [from, to], in seq order, not
  /// decoded or checked: for a caller that compares them byte for byte with
  /// frames it made itself (equal bytes carry an equal, valid checksum) and
  /// decodes with decode() whatever it needs to read.
  std::expected<void, JournalError> for_each_raw(
      std::uint64_t from, std::uint64_t to, const std::function<bool(std::uint64_t seq, std::string_view bytes)>& fn);
  /// One stored record, verified as read() verifies it.
  std::expected<FramePtr, JournalError> decode(std::uint64_t seq, std::string_view bytes) {
    return decode_record(keys::record(head_.session, seq), bytes);
  }

  /// The full integrity scan: every record, seq continuity (records and, at
  /// level inputs, step digests), and the chain against the head.
  std::expected<VerifyReport, JournalError> verify();

 private:
  JournalReader(JournalStore& store, ManifestInfo manifest, HeadInfo head)
      : store_(&store), manifest_(std::move(manifest)), head_(std::move(head)) {}
  std::expected<FramePtr, JournalError> decode_record(std::string_view key, std::string_view value);

  JournalStore* store_;
  ManifestInfo manifest_;
  HeadInfo head_;
};

}  // namespace verity
