#include "actors/runtime/journal_reader.hpp"

#include <map>

namespace verity {

namespace {
std::span<const std::uint8_t> span_of(std::string_view v) {
  return {reinterpret_cast<const std::uint8_t*>(v.data()), v.size()};
}
}  // namespace

std::string JournalError::message() const {
  return seq == 0 ? what : "seq " + std::to_string(seq) + ": " + what;
}

std::expected<JournalReader, std::string> JournalReader::open(JournalStore& store, std::uint64_t session) {
  auto m = store.get(Family::meta, keys::meta(session, keys::kManifest));
  if (!m) return std::unexpected(m.error());
  if (!m->has_value()) {
    return std::unexpected("no session " + std::to_string(session) + " in the " + store.describe());
  }
  auto manifest = decode_manifest(**m);
  if (!manifest) return std::unexpected(manifest.error());
  auto h = store.get(Family::meta, keys::meta(session, keys::kHead));
  if (!h) return std::unexpected(h.error());
  if (!h->has_value()) {
    return std::unexpected("session " + std::to_string(session) + " has no head record: the journal is incomplete");
  }
  auto head = decode_head(**h);
  if (!head) return std::unexpected(head.error());
  if (head->session != session || manifest->session != session) {
    return std::unexpected("session " + std::to_string(session) + ": manifest or head names another session");
  }
  return JournalReader(store, std::move(*manifest), std::move(*head));
}

std::expected<std::vector<std::uint64_t>, std::string> JournalReader::sessions(JournalStore& store) {
  std::vector<std::uint64_t> out;
  auto ok = store.scan(Family::meta, std::string(), std::string(9, '\xff'), [&](std::string_view k, std::string_view) {
    if (k.size() == 9 && k[8] == keys::kManifest) out.push_back(keys::read_be64(k));
    return true;
  });
  if (!ok) return std::unexpected(ok.error());
  return out;
}

std::expected<FramePtr, JournalError> JournalReader::decode_record(std::string_view key, std::string_view value) {
  const std::uint64_t seq = keys::read_be64(key.substr(8));
  auto frame = Frame::decode(span_of(value));
  if (!frame) return std::unexpected(JournalError{seq, frame.error()});
  const auto& f = **frame;
  if (f.seq() != seq) {
    return std::unexpected(JournalError{
        seq, "envelope says seq " + std::to_string(f.seq()) + " but is stored under seq " + std::to_string(seq) +
                 " (records moved or reordered)"});
  }
  if (f.envelope().getSession() != head_.session) {
    return std::unexpected(JournalError{seq, "envelope belongs to session " +
                                                 std::to_string(f.envelope().getSession())});
  }
  return std::move(*frame);
}

std::expected<FramePtr, JournalError> JournalReader::read(std::uint64_t seq) {
  auto v = store_->get(Family::journal, keys::record(head_.session, seq));
  if (!v) return std::unexpected(JournalError{seq, v.error()});
  if (!v->has_value()) return std::unexpected(JournalError{seq, "no record stored at this seq"});
  return decode_record(keys::record(head_.session, seq), **v);
}

std::expected<void, JournalError> JournalReader::for_each(std::uint64_t from, std::uint64_t to,
                                                          const std::function<bool(const FramePtr&)>& fn) {
  std::optional<JournalError> error;
  std::uint64_t last = from;
  const std::string upper = to == UINT64_MAX ? keys::session_end(head_.session) : keys::record(head_.session, to + 1);
  auto ok = store_->scan(Family::journal, keys::record(head_.session, from), upper,
                         [&](std::string_view k, std::string_view v) {
                           auto frame = decode_record(k, v);
                           if (!frame) {
                             error = frame.error();
                             return false;
                           }
                           last = (*frame)->seq();
                           return fn(*frame);
                         });
  if (!ok) return std::unexpected(JournalError{last, "storage error after this seq: " + ok.error()});
  if (error) return std::unexpected(*error);
  return {};
}

std::expected<void, JournalError> JournalReader::for_each_raw(
    std::uint64_t from, std::uint64_t to, const std::function<bool(std::uint64_t, std::string_view)>& fn) {
  std::uint64_t last = from;
  const std::string upper = to == UINT64_MAX ? keys::session_end(head_.session) : keys::record(head_.session, to + 1);
  auto ok = store_->scan(Family::journal, keys::record(head_.session, from), upper,
                         [&](std::string_view k, std::string_view v) {
                           last = keys::read_be64(k.substr(8));
                           return fn(last, v);
                         });
  if (!ok) return std::unexpected(JournalError{last, "storage error after this seq: " + ok.error()});
  return {};
}

std::expected<VerifyReport, JournalError> JournalReader::verify() {
  VerifyReport report;
  if (head_.level == JournalLevel::HASH) {
    // Nothing is stored but the head, written at close: re-running is the check.
    if (!head_.closed) {
      return std::unexpected(JournalError{0, "session did not close: at level hash only the final hash is kept, "
                                             "and it was never written (the run was interrupted)"});
    }
    report.last_seq = head_.last_seq;
    report.chain = head_.chain;
    return report;
  }
  // Step digests stand in for outputs at level inputs, keyed by first seq.
  std::map<std::uint64_t, StepDigestInfo> digests;
  std::optional<JournalError> error;
  auto ok = store_->scan(Family::meta, keys::meta_seq(head_.session, keys::kDigest, 0),
                         keys::meta_seq(head_.session, keys::kDigest, UINT64_MAX),
                         [&](std::string_view k, std::string_view v) {
                           const std::uint64_t first = keys::read_be64(k.substr(9));
                           auto d = decode_digest(v);
                           if (!d) error = JournalError{first, d.error()};
                           else if (d->first_seq != first) error = JournalError{first, "step digest is stored under another seq"};
                           else digests.emplace(first, *d);
                           return !error;
                         });
  if (!ok) return std::unexpected(JournalError{0, ok.error()});
  if (error) return std::unexpected(*error);

  HashChain chain;
  std::uint64_t next = 1;
  // Consumes digests covering [next, limit); fails on a hole.
  auto cover_until = [&](std::uint64_t limit) -> std::optional<JournalError> {
    while (next < limit) {
      auto it = digests.find(next);
      if (it == digests.end()) {
        return JournalError{next, "record missing: nothing stored covers this seq (next stored is " +
                                      std::to_string(limit) + ")"};
      }
      if (it->second.last_seq < it->second.first_seq || it->second.last_seq >= limit) {
        return JournalError{next, "step digest overlaps the next stored record"};
      }
      chain.reset(it->second.chain);
      next = it->second.last_seq + 1;
      report.digests += 1;
      digests.erase(it);
    }
    return std::nullopt;
  };

  auto scan_ok = store_->scan(
      Family::journal, keys::record(head_.session, 0), keys::session_end(head_.session),
      [&](std::string_view k, std::string_view v) {
        const std::uint64_t seq = keys::read_be64(k.substr(8));
        if (seq > head_.last_seq) {
          error = JournalError{seq, "record beyond the committed head (last seq " + std::to_string(head_.last_seq) + ")"};
          return false;
        }
        if (seq < next) {
          error = JournalError{seq, "record inside a range its step digest already covers"};
          return false;
        }
        if (auto hole = cover_until(seq)) {
          error = hole;
          return false;
        }
        auto frame = decode_record(k, v);
        if (!frame) {
          error = frame.error();
          return false;
        }
        chain.append((*frame)->bytes());
        report.records += 1;
        next = seq + 1;
        return true;
      });
  if (!scan_ok) return std::unexpected(JournalError{next, "storage error reading this seq: " + scan_ok.error()});
  if (error) return std::unexpected(*error);
  if (auto hole = cover_until(head_.last_seq + 1)) return std::unexpected(*hole);
  if (!digests.empty()) {
    return std::unexpected(JournalError{digests.begin()->first, "step digest beyond the committed head"});
  }
  if (chain.head() != head_.chain) {
    return std::unexpected(JournalError{head_.last_seq, "hash chain mismatch: records give " + chain.head().hex() +
                                                            ", head says " + head_.chain.hex()});
  }
  report.last_seq = head_.last_seq;
  report.chain = chain.head();
  return report;
}

}  // namespace verity
