// What live sessions against the mock exchange share in tests and
// benchmarks: the mock serving several pairs, the bars a journal holds,
// the check that they are the mock's series with nothing missed or
// repeated, and the process's resident memory. No gtest here: the
// benchmarks use it too.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/runtime/convert.hpp"
#include "actors/runtime/journal_reader.hpp"
#include "tests/support/mock_binance.hpp"

namespace verity::testing {

struct Pair {
  std::string symbol, base;
  double price = 0;
  double base_balance = 0;  // spot: a sell needs the base asset
};

/// A mock serving `pairs`, each a seeded random walk of `bars` candles, its
/// clock at the close of bar `start_bar`, with `usdt` and each base balance.
inline std::expected<std::unique_ptr<MockBinance>, std::string> start_pairs_mock(const std::vector<Pair>& pairs,
                                                                                 std::size_t bars,
                                                                                 std::size_t start_bar,
                                                                                 double usdt, std::uint64_t seed) {
  MockBinanceOptions o;
  std::uint64_t s = seed;
  for (const Pair& p : pairs) {
    o.series[p.symbol] = synthetic_candles(s++, bars, p.price);
    o.balances[p.base] = p.base_balance;
  }
  o.balances["USDT"] = usdt;
  o.start_bar = start_bar;
  o.server_time_runs_within_bar = false;
  return MockBinance::start(std::move(o));
}

/// The open times of the bars a session's journal took in, per symbol.
inline std::map<std::string, std::vector<std::int64_t>> journaled_bars(JournalStore& store, std::uint64_t session) {
  std::map<std::string, std::vector<std::int64_t>> out;
  auto reader = JournalReader::open(store, session);
  if (!reader) return out;
  (void)reader->for_each(1, reader->head().last_seq, [&](const FramePtr& f) {
    if (f->source() == ActorId::EXTERNAL && f->kind() == Kind::BAR) {
      auto b = f->envelope().getPayload().getBar();
      out[text_of(b.getSymbol())].push_back(b.getOpenTimeNs());
    }
    return true;
  });
  return out;
}

/// Whether `got` (journaled open times of `symbol`) is a run of the mock's
/// series with no bar missed or repeated and at least `min_bars` long;
/// nullopt when it is, else what is wrong.
inline std::optional<std::string> series_mismatch(const MockBinance& mock, const std::string& symbol,
                                                  const std::vector<std::int64_t>& got, std::size_t min_bars) {
  if (got.size() < min_bars)
    return symbol + ": " + std::to_string(got.size()) + " bars journaled, expected at least " + std::to_string(min_bars);
  const auto& series = mock.series(symbol);
  std::size_t k = 0;
  while (k < series.size() && series[k].open_time_ns != got.front()) ++k;
  if (k == series.size()) return symbol + ": the first bar is not in the mock's series";
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (k + i >= series.size()) return symbol + ": more bars than the series has";
    if (got[i] != series[k + i].open_time_ns) return symbol + " bar " + std::to_string(i) + ": missed or repeated";
  }
  return std::nullopt;
}

/// The process's resident set size, bytes (/proc/self/statm).
inline std::uint64_t resident_bytes() {
  std::ifstream in("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace verity::testing
