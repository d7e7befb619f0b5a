// Actor state as bytes, for snapshots (issue 5): a restart loads the latest
// snapshot and replays the journal tail instead of every input.
//
// A domain class that keeps state between messages gets
//   void save(StateWriter& w) const;   void load(StateReader& r);
// and writes its members in a fixed order with put(), reading them back in
// the same order with get(). Numbers are stored exactly (doubles as their
// bit patterns, little-endian), so a loaded object continues bit for bit as
// the saved one would have. Reading never crashes on bad bytes: the first
// problem (truncation, a length too large) is kept, every later get() is a
// no-op, and the caller checks ok() and error().
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace verity {

class StateWriter {
 public:
  template <class T>
  void put(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      raw(static_cast<std::uint8_t>(v ? 1 : 0));
    } else if constexpr (std::is_enum_v<T>) {
      raw(static_cast<std::int64_t>(v));
    } else if constexpr (std::is_floating_point_v<T>) {
      raw(std::bit_cast<std::uint64_t>(static_cast<double>(v)));
    } else if constexpr (std::is_integral_v<T>) {
      raw(static_cast<std::uint64_t>(v));
    } else if constexpr (std::is_same_v<T, std::string>) {
      raw(static_cast<std::uint64_t>(v.size()));
      bytes_.append(v);
    } else if constexpr (requires { v.save(*this); }) {
      v.save(*this);
    } else {
      put_container(v);
    }
  }
  template <class T, class... Rest>
  void put_all(const T& first, const Rest&... rest) {
    put(first);
    (put(rest), ...);
  }
  /// unsigned __int128 (PRNG state): two 64-bit halves.
  void put_u128(unsigned __int128 v) {
    raw(static_cast<std::uint64_t>(v));
    raw(static_cast<std::uint64_t>(v >> 64));
  }

  const std::string& bytes() const { return bytes_; }

 private:
  template <class U>
  void raw(U v) {
    static_assert(std::is_trivially_copyable_v<U>);
    char buf[sizeof(U)];
    std::memcpy(buf, &v, sizeof(U));
    if constexpr (std::endian::native == std::endian::big) std::reverse(buf, buf + sizeof(U));
    bytes_.append(buf, sizeof(U));
  }
  template <class K, class V, class C>
  void put_container(const std::map<K, V, C>& m) {
    raw(static_cast<std::uint64_t>(m.size()));
    for (const auto& [k, v] : m) put_all(k, v);
  }
  template <class K, class C>
  void put_container(const std::set<K, C>& s) {
    raw(static_cast<std::uint64_t>(s.size()));
    for (const auto& k : s) put(k);
  }
  template <class T>
  void put_container(const std::vector<T>& v) {
    raw(static_cast<std::uint64_t>(v.size()));
    for (const auto& x : v) put(x);
  }
  template <class T>
  void put_container(const std::deque<T>& v) {
    raw(static_cast<std::uint64_t>(v.size()));
    for (const auto& x : v) put(x);
  }
  template <class T, std::size_t N>
  void put_container(const std::array<T, N>& a) {
    for (const auto& x : a) put(x);
  }
  template <class T>
  void put_container(const std::optional<T>& o) {
    put(o.has_value());
    if (o) put(*o);
  }
  template <class A, class B>
  void put_container(const std::pair<A, B>& p) {
    put_all(p.first, p.second);
  }

  std::string bytes_;
};

class StateReader {
 public:
  /// `what` names the state in errors, e.g. "snapshot 42 of risk".
  StateReader(std::string_view bytes, std::string what) : bytes_(bytes), what_(std::move(what)) {}

  template <class T>
  void get(T& v) {
    if (!ok()) return;
    if constexpr (std::is_same_v<T, bool>) {
      std::uint8_t b = 0;
      raw(b, "a flag");
      if (ok() && b > 1) fail("a flag that is neither 0 nor 1");
      v = b == 1;
    } else if constexpr (std::is_enum_v<T>) {
      std::int64_t x = 0;
      raw(x, "an enum");
      v = static_cast<T>(x);
    } else if constexpr (std::is_floating_point_v<T>) {
      std::uint64_t x = 0;
      raw(x, "a number");
      v = static_cast<T>(std::bit_cast<double>(x));
    } else if constexpr (std::is_integral_v<T>) {
      std::uint64_t x = 0;
      raw(x, "an integer");
      v = static_cast<T>(x);
    } else if constexpr (std::is_same_v<T, std::string>) {
      const std::uint64_t n = size("a text");
      if (!ok()) return;
      v.assign(bytes_.substr(pos_, n));
      pos_ += n;
    } else if constexpr (requires { v.load(*this); }) {
      v.load(*this);
    } else {
      get_container(v);
    }
  }
  template <class T, class... Rest>
  void get_all(T& first, Rest&... rest) {
    get(first);
    (get(rest), ...);
  }
  void get_u128(unsigned __int128& v) {
    std::uint64_t lo = 0, hi = 0;
    raw(lo, "a 128-bit integer");
    raw(hi, "a 128-bit integer");
    v = (static_cast<unsigned __int128>(hi) << 64) | lo;
  }

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  /// True when every byte was read (a longer state is an error too).
  bool at_end() const { return pos_ == bytes_.size(); }
  /// Marks the state bad: for a value the class itself finds impossible.
  void fail(const std::string& why) {
    if (error_.empty()) error_ = what_ + ": byte " + std::to_string(pos_) + ": " + why;
  }

 private:
  template <class U>
  void raw(U& v, const char* expected) {
    if (!ok()) return;
    if (bytes_.size() - pos_ < sizeof(U)) {
      fail(std::string("truncated: expected ") + expected);
      return;
    }
    char buf[sizeof(U)];
    std::memcpy(buf, bytes_.data() + pos_, sizeof(U));
    if constexpr (std::endian::native == std::endian::big) std::reverse(buf, buf + sizeof(U));
    std::memcpy(&v, buf, sizeof(U));
    pos_ += sizeof(U);
  }
  /// A length that must fit in what is left (every element takes a byte at least).
  std::uint64_t size(const char* expected) {
    std::uint64_t n = 0;
    raw(n, expected);
    if (ok() && n > bytes_.size() - pos_) fail(std::string("a length of ") + std::to_string(n) + " for " + expected +
                                               " runs past the end");
    return ok() ? n : 0;
  }
  template <class K, class V, class C>
  void get_container(std::map<K, V, C>& m) {
    m.clear();
    const std::uint64_t n = size("a map");
    for (std::uint64_t i = 0; i < n && ok(); ++i) {
      K k{};
      V v{};
      get_all(k, v);
      if (ok()) m.emplace(std::move(k), std::move(v));
    }
  }
  template <class K, class C>
  void get_container(std::set<K, C>& s) {
    s.clear();
    const std::uint64_t n = size("a set");
    for (std::uint64_t i = 0; i < n && ok(); ++i) {
      K k{};
      get(k);
      if (ok()) s.insert(std::move(k));
    }
  }
  template <class T>
  void get_container(std::vector<T>& v) {
    v.clear();
    const std::uint64_t n = size("a list");
    for (std::uint64_t i = 0; i < n && ok(); ++i) {
      T x{};
      get(x);
      v.push_back(std::move(x));
    }
  }
  template <class T>
  void get_container(std::deque<T>& v) {
    v.clear();
    const std::uint64_t n = size("a queue");
    for (std::uint64_t i = 0; i < n && ok(); ++i) {
      T x{};
      get(x);
      v.push_back(std::move(x));
    }
  }
  template <class T, std::size_t N>
  void get_container(std::array<T, N>& a) {
    for (auto& x : a) get(x);
  }
  template <class T>
  void get_container(std::optional<T>& o) {
    bool has = false;
    get(has);
    o.reset();
    if (ok() && has) {
      T x{};
      get(x);
      o = std::move(x);
    }
  }
  template <class A, class B>
  void get_container(std::pair<A, B>& p) {
    get_all(p.first, p.second);
  }

  std::string_view bytes_;
  std::size_t pos_ = 0;
  std::string what_;
  std::string error_;
};

}  // namespace verity
