// What the benchmarks share: a scratch folder and CPU-time readings.
// Never read by the engine.
#pragma once

#include <time.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "actors/runtime/assert.hpp"

namespace verity::bench {

/// Issue 4's challenge batch: 10,000 attempts of 30 days of 1-minute bars
/// (432M bars), to run in at most 180 s on this machine's 2 cores.
inline constexpr double kChallengeBars = 10'000.0 * 30 * 1440;
inline constexpr double kChallengeTargetS = 180;

/// CPU seconds used so far by this thread or by the whole process (RocksDB's
/// background flushes and compactions included).
inline double cpu_seconds(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// A fresh folder under the system temp folder, removed with everything in it.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    std::string pattern = (std::filesystem::temp_directory_path() / ("verity-bench-" + tag + "-XXXXXX")).string();
    VERITY_ASSERT(::mkdtemp(pattern.data()) != nullptr, "mkdtemp must create the benchmark folder");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace verity::bench
