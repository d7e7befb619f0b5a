// Runs independent sessions on a pool of threads: each thread takes the next
// index until none is left. Results are stored by index by the caller, so the
// thread count never changes what a batch gives (docs/DETERMINISM.md).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace verity {

/// The threads a pool uses for `count` items: `requested`, or every core
/// when 0, and never more than the items (at least 1).
inline unsigned pool_threads(unsigned requested, std::size_t count) {
  const unsigned want = requested ? requested : std::max(1u, std::thread::hardware_concurrency());
  return static_cast<unsigned>(std::min<std::size_t>(want, std::max<std::size_t>(count, 1)));
}

/// Calls fn(k) once for every k in [0, count), on `threads` threads (the
/// caller's among them); returns when all are done.
template <class Fn>
void parallel_for_each_index(std::size_t count, unsigned threads, Fn&& fn) {
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t k = next++; k < count; k = next++) fn(k);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

}  // namespace verity
