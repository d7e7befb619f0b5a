// Market-data import: rows per second of the Binance kline CSV parser, alone
// and with validation and the RocksDB store, against counterparts measured
// the same way in the same run:
//   - two I/O ceilings, each with one memchr pass to find the lines: read(2)
//     of the whole file into memory, and a map of it (mmap with
//     MAP_POPULATE), which is how the parser reads;
//   - a reference parser written the obvious way (std::getline per line and
//     per field, std::stod / std::stoll per number), as a first version
//     would be.
// The file is generated once per run: 1,000,000 one-minute rows in Binance's
// public-data layout (12 columns, prices with 8 decimals), about 150 MB, in a
// temporary folder. BM_ImportRatios runs the parser, the reference and both
// raw reads back to back, three times, and reports the ratios of their
// medians, so the ratios come from the same moments of a shared machine.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "actors/feed/candle_file.hpp"
#include "actors/feed/candle_store.hpp"
#include "actors/feed/validate.hpp"

namespace verity {
namespace {

constexpr std::size_t kImportRows = 1'000'000;

double now_s(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);  // a benchmark's own stopwatch, not engine time
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// A folder for this run, removed at exit.
struct BenchDir {
  std::filesystem::path path;
  BenchDir() {
    path = std::filesystem::temp_directory_path() / ("verity-import-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
  }
  ~BenchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

BenchDir& bench_dir() {
  static BenchDir dir;
  return dir;
}

/// The generated file: a seeded random walk, so every run parses the same bytes.
const std::string& kline_csv_path() {
  static const std::string path = [] {
    const std::string p = (bench_dir().path / "BTCUSDT-1m-bench.csv").string();
    std::string out;
    out.reserve(kImportRows * 140);
    std::uint64_t state = 0x9E3779B97F4A7C15ull;
    auto next = [&state] {  // splitmix64
      std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      return z ^ (z >> 31);
    };
    std::int64_t price_cents = 5'872'045;   // 58,720.45
    std::int64_t t_ms = 1'617'321'600'000;  // 2021-04-02T00:00:00Z
    char line[256];
    for (std::size_t i = 0; i < kImportRows; ++i, t_ms += 60'000) {
      const std::int64_t open = price_cents;
      const std::int64_t close = std::max<std::int64_t>(100, open + static_cast<std::int64_t>(next() % 2001) - 1000);
      const std::int64_t high = std::max(open, close) + static_cast<std::int64_t>(next() % 500);
      const std::int64_t low =
          std::max<std::int64_t>(1, std::min(open, close) - static_cast<std::int64_t>(next() % 500));
      const double volume = static_cast<double>(next() % 100'000'000) / 1e6;
      std::snprintf(
          line, sizeof line,
          "%lld,%lld.%02lld000000,%lld.%02lld000000,%lld.%02lld000000,%lld.%02lld000000,%.8f,%lld,%.8f,%llu,"
          "%.8f,%.8f,0\n",
          static_cast<long long>(t_ms), static_cast<long long>(open / 100), static_cast<long long>(open % 100),
          static_cast<long long>(high / 100), static_cast<long long>(high % 100), static_cast<long long>(low / 100),
          static_cast<long long>(low % 100), static_cast<long long>(close / 100), static_cast<long long>(close % 100),
          volume, static_cast<long long>(t_ms + 59'999), volume * static_cast<double>(close) / 100.0,
          static_cast<unsigned long long>(next() % 5000), volume / 2, volume * static_cast<double>(close) / 200.0);
      out += line;
      price_cents = close;
    }
    std::ofstream(p, std::ios::binary) << out;
    return p;
  }();
  return path;
}

/// Lines in a buffer, with memchr: the cheapest pass that touches every byte.
std::size_t count_lines(const char* p, const char* end) {
  std::size_t n = 0;
  while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)))) != nullptr) ++n, ++p;
  return n;
}

/// An I/O ceiling: read(2) the whole file into memory and find its lines.
std::size_t raw_read(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return 0;
  struct stat st {};
  ::fstat(fd, &st);
  std::string buf;
  buf.resize_and_overwrite(static_cast<std::size_t>(st.st_size), [&](char* p, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
      const ssize_t r = ::read(fd, p + got, n - got);
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    return got;
  });
  ::close(fd);
  return count_lines(buf.data(), buf.data() + buf.size());
}

/// The other I/O ceiling, the way the parser reads: map the file
/// (MAP_POPULATE) and find its lines.
std::size_t raw_map(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return 0;
  struct stat st {};
  ::fstat(fd, &st);
  const auto size = static_cast<std::size_t>(st.st_size);
  void* m = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  ::close(fd);
  if (m == MAP_FAILED) return 0;
  const auto* p = static_cast<const char*>(m);
  const std::size_t n = count_lines(p, p + size);
  ::munmap(m, size);
  return n;
}

/// The reference: how a first version would read the same file, with the
/// same checks (12 columns, every field a number) and the same output rows.
std::size_t reference_parse(const std::string& path, std::vector<CandleRow>& rows) {
  rows.clear();
  std::ifstream in(path);
  std::string line, field;
  std::uint64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::stringstream ss(line);
    std::vector<std::string> fields;
    while (std::getline(ss, field, ',')) fields.push_back(field);
    if (fields.size() != 12) return 0;
    CandleRow r;
    r.line = n;
    r.bar.symbol = "BTCUSDT";
    r.bar.open_time_ns = std::stoll(fields[0]) * 1'000'000;
    r.bar.open = std::stod(fields[1]);
    r.bar.high = std::stod(fields[2]);
    r.bar.low = std::stod(fields[3]);
    r.bar.close = std::stod(fields[4]);
    r.bar.volume = std::stod(fields[5]);
    for (std::size_t c = 6; c < 12; ++c) (void)std::stod(fields[c]);
    rows.push_back(std::move(r));
  }
  return rows.size();
}

std::size_t our_parse(const std::string& path) {
  auto file = load_candle_file(path, "BTCUSDT", CandleFormat::binance_kline_csv);
  return file ? file->rows.size() : 0;
}

void report(benchmark::State& state, std::size_t rows, double thread_cpu_s) {
  state.SetItemsProcessed(static_cast<std::int64_t>(rows) * state.iterations());
  state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(rows) * static_cast<double>(state.iterations()),
                                                    benchmark::Counter::kIsRate);
  state.counters["rows_per_thread_cpu_s"] =
      static_cast<double>(rows) * static_cast<double>(state.iterations()) / thread_cpu_s;
}

void BM_ImportRawRead(benchmark::State& state) {
  const std::string& path = kline_csv_path();
  std::size_t rows = 0;
  double cpu = 0;
  for (auto _ : state) {
    const double c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
    rows = raw_read(path);
    cpu += now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
  }
  if (rows != kImportRows) state.SkipWithError("raw read found the wrong number of lines");
  report(state, rows, cpu);
}

void BM_ImportRawMap(benchmark::State& state) {
  const std::string& path = kline_csv_path();
  std::size_t rows = 0;
  double cpu = 0;
  for (auto _ : state) {
    const double c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
    rows = raw_map(path);
    cpu += now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
  }
  if (rows != kImportRows) state.SkipWithError("the mapped read found the wrong number of lines");
  report(state, rows, cpu);
}

void BM_ImportReferenceGetline(benchmark::State& state) {
  const std::string& path = kline_csv_path();
  std::vector<CandleRow> rows;
  std::size_t n = 0;
  double cpu = 0;
  for (auto _ : state) {
    const double c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
    n = reference_parse(path, rows);
    cpu += now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
  }
  if (n != kImportRows) state.SkipWithError("the reference parser failed");
  report(state, n, cpu);
}

void BM_ImportParse(benchmark::State& state) {
  const std::string& path = kline_csv_path();
  std::size_t n = 0;
  double cpu = 0;
  for (auto _ : state) {
    const double c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
    n = our_parse(path);
    cpu += now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
  }
  if (n != kImportRows) state.SkipWithError("the parser failed");
  report(state, n, cpu);
}

void BM_ImportParseValidate(benchmark::State& state) {
  const std::string& path = kline_csv_path();
  std::size_t n = 0;
  double cpu = 0;
  for (auto _ : state) {
    const double c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
    auto file = load_candle_file(path, "BTCUSDT", CandleFormat::binance_kline_csv);
    if (!file) return state.SkipWithError(file.error().text().c_str());
    ValidateOptions o;
    o.symbol = "BTCUSDT";
    o.interval_ns = file->interval_ns;
    const ValidationReport r = validate_candles(file->rows, o);
    auto plan = plan_import(file->rows, r, Policy::reject);
    if (!plan) return state.SkipWithError(plan.error().c_str());
    n = plan->candles.size();
    cpu += now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
  }
  report(state, n, cpu);
}

/// Parse, validate and store into a fresh store: what `verity data import` does.
void BM_ImportParseValidateStore(benchmark::State& state) {
  const std::string& path = kline_csv_path();
  std::size_t n = 0, run = 0;
  double cpu = 0;
  for (auto _ : state) {
    const std::string dir = (bench_dir().path / ("store-" + std::to_string(run++))).string();
    const double c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
    auto file = load_candle_file(path, "BTCUSDT", CandleFormat::binance_kline_csv);
    if (!file) return state.SkipWithError(file.error().text().c_str());
    ValidateOptions o;
    o.symbol = "BTCUSDT";
    o.interval_ns = file->interval_ns;
    const ValidationReport r = validate_candles(file->rows, o);
    auto plan = plan_import(file->rows, r, Policy::reject);
    if (!plan) return state.SkipWithError(plan.error().c_str());
    auto store = CandleStore::open(dir, false);
    if (!store) return state.SkipWithError(store.error().c_str());
    auto put = (*store)->put("BTCUSDT", Timeframe::m1, plan->candles);
    if (!put) return state.SkipWithError(put.error().message.c_str());
    n = put->added;
    store->reset();
    cpu += now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
    state.PauseTiming();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  if (n != kImportRows) state.SkipWithError("the store did not take every row");
  report(state, n, cpu);
}

/// Ours, the reference and both raw reads, back to back three times; the
/// ratios of their median wall times. The reference runs once per round: it
/// is the slow one.
void BM_ImportRatios(benchmark::State& state) {
  const std::string& path = kline_csv_path();
  std::vector<double> ours, reference, raw, mapped;
  std::vector<CandleRow> scratch;
  for (auto _ : state) {
    for (int k = 0; k < 3; ++k) {
      const double t0 = now_s(CLOCK_MONOTONIC);
      if (our_parse(path) != kImportRows) return state.SkipWithError("the parser failed");
      const double t1 = now_s(CLOCK_MONOTONIC);
      if (reference_parse(path, scratch) != kImportRows) return state.SkipWithError("the reference failed");
      const double t2 = now_s(CLOCK_MONOTONIC);
      if (raw_read(path) != kImportRows) return state.SkipWithError("the raw read failed");
      const double t3 = now_s(CLOCK_MONOTONIC);
      if (raw_map(path) != kImportRows) return state.SkipWithError("the mapped read failed");
      const double t4 = now_s(CLOCK_MONOTONIC);
      ours.push_back(t1 - t0), reference.push_back(t2 - t1), raw.push_back(t3 - t2), mapped.push_back(t4 - t3);
    }
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double rows = static_cast<double>(kImportRows);
  state.counters["ours_rows_per_s"] = rows / median(ours);
  state.counters["reference_rows_per_s"] = rows / median(reference);
  state.counters["raw_read_rows_per_s"] = rows / median(raw);
  state.counters["raw_map_rows_per_s"] = rows / median(mapped);
  state.counters["ours_over_reference"] = median(reference) / median(ours);
  state.counters["ours_over_raw_read"] = median(raw) / median(ours);
  state.counters["ours_over_raw_map"] = median(mapped) / median(ours);
}

BENCHMARK(BM_ImportRawRead)->Iterations(5)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ImportRawMap)->Iterations(5)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ImportReferenceGetline)->Iterations(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ImportParse)->Iterations(5)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ImportParseValidate)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ImportParseValidateStore)->Iterations(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ImportRatios)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

}  // namespace
}  // namespace verity
