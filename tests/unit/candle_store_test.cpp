// The market-data store: time-ordered scans (negative times too), idempotent
// puts, conflicts, synthetic versus real candles, the quarantine table,
// series summaries with a content hash that recompute() agrees with, and a
// damaged record read back as an error naming symbol and time, never as data.
#include "actors/feed/candle_store.hpp"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "actors/feed/validate.hpp"
#include "tests/support/temp_dir.hpp"

namespace verity {
namespace {

using testing::TempDir;

constexpr std::int64_t kMinuteNs = 60'000'000'000;
constexpr std::int64_t kT0 = 1'617'321'600'000'000'000;  // 2021-04-02T00:00:00Z
constexpr std::int64_t kAll0 = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kAll1 = std::numeric_limits<std::int64_t>::max();

Candle candle(std::int64_t t, double close, std::uint32_t flags = 0) {
  return Candle{t, close, close + 2, close - 2, close + 1, 10.0 + close / 100, flags};
}

std::vector<Candle> minutes(int n, std::int64_t start = kT0) {
  std::vector<Candle> out;
  for (int i = 0; i < n; ++i) out.push_back(candle(start + i * kMinuteNs, 100.0 + i));
  return out;
}

std::vector<Candle> scan_all(const CandleStore& s, const std::string& symbol, Timeframe tf = Timeframe::m1) {
  std::vector<Candle> out;
  auto ok = s.scan(symbol, tf, kAll0, kAll1, [&](const Candle& c) {
    out.push_back(c);
    return true;
  });
  EXPECT_TRUE(ok.has_value()) << ok.error();
  return out;
}

std::unique_ptr<CandleStore> open_store(const std::string& dir, bool read_only = false) {
  auto s = CandleStore::open(dir, read_only);
  EXPECT_TRUE(s.has_value()) << s.error();
  return s ? std::move(*s) : nullptr;
}

TEST(CandleStore, PutScanAndList) {
  TempDir dir;
  auto store = open_store(dir.sub("market"));
  const auto rows = minutes(100);
  auto put = store->put("BTCUSDT", Timeframe::m1, rows);
  ASSERT_TRUE(put.has_value()) << put.error().message;
  EXPECT_EQ(put->added, 100u);
  EXPECT_EQ(put->unchanged, 0u);
  EXPECT_EQ(scan_all(*store, "BTCUSDT"), rows);

  // [from, to) and stopping early.
  std::vector<Candle> part;
  ASSERT_TRUE(store->scan("BTCUSDT", Timeframe::m1, kT0 + 10 * kMinuteNs, kT0 + 13 * kMinuteNs, [&](const Candle& c) {
    part.push_back(c);
    return true;
  }));
  ASSERT_EQ(part.size(), 3u);
  EXPECT_EQ(part[0], rows[10]);
  int seen = 0;
  ASSERT_TRUE(store->scan("BTCUSDT", Timeframe::m1, kAll0, kAll1, [&](const Candle&) { return ++seen < 5; }));
  EXPECT_EQ(seen, 5);

  auto list = store->list();
  ASSERT_TRUE(list.has_value()) << list.error();
  ASSERT_EQ(list->size(), 1u);
  const SeriesInfo& s = (*list)[0];
  EXPECT_EQ(s.symbol, "BTCUSDT");
  EXPECT_EQ(s.timeframe, Timeframe::m1);
  EXPECT_EQ(s.first_ns, kT0);
  EXPECT_EQ(s.last_ns, kT0 + 99 * kMinuteNs);
  EXPECT_EQ(s.rows, 100u);
  EXPECT_EQ(s.synthetic, 0u);
  EXPECT_EQ(s.quarantined, 0u);
  EXPECT_EQ(s.content_hash, put->series.content_hash);
  auto again = store->recompute("BTCUSDT", Timeframe::m1);
  ASSERT_TRUE(again.has_value()) << again.error();
  EXPECT_EQ(again->content_hash, s.content_hash);
  EXPECT_EQ(again->rows, s.rows);
}

TEST(CandleStore, SeriesAreSeparateAndListedBySymbolThenTimeframe) {
  TempDir dir;
  auto store = open_store(dir.str());
  ASSERT_TRUE(store->put("ETHUSDT", Timeframe::m1, minutes(3)));
  ASSERT_TRUE(store->put("BTCUSDT", Timeframe::h1, std::vector<Candle>{candle(kT0, 5)}));
  ASSERT_TRUE(store->put("BTCUSDT", Timeframe::m1, minutes(2)));
  ASSERT_TRUE(store->put("BTC", Timeframe::m1, minutes(1)));  // a prefix of another symbol
  auto list = store->list();
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 4u);
  EXPECT_EQ((*list)[0].symbol, "BTC");
  EXPECT_EQ((*list)[1].symbol, "BTCUSDT");
  EXPECT_EQ((*list)[1].timeframe, Timeframe::m1);
  EXPECT_EQ((*list)[2].timeframe, Timeframe::h1);
  EXPECT_EQ((*list)[3].symbol, "ETHUSDT");
  EXPECT_EQ(scan_all(*store, "BTC").size(), 1u);
  EXPECT_EQ(scan_all(*store, "BTCUSDT").size(), 2u);
  EXPECT_EQ(scan_all(*store, "BTCUSDT", Timeframe::h1).size(), 1u);
}

TEST(CandleStore, NegativeTimesSortBeforePositiveOnes) {
  TempDir dir;
  auto store = open_store(dir.str());
  const std::vector<Candle> rows = {candle(-2 * kMinuteNs, 10), candle(-kMinuteNs, 11), candle(0, 12),
                                    candle(kMinuteNs, 13)};
  ASSERT_TRUE(store->put("X", Timeframe::m1, rows));
  EXPECT_EQ(scan_all(*store, "X"), rows);
  EXPECT_EQ(candle_keys::candle_key("X", Timeframe::m1, -1) < candle_keys::candle_key("X", Timeframe::m1, 0), true);
}

TEST(CandleStore, PutIsIdempotent) {
  TempDir dir;
  auto store = open_store(dir.str());
  const auto rows = minutes(50);
  auto first = store->put("BTCUSDT", Timeframe::m1, rows);
  ASSERT_TRUE(first.has_value());
  auto second = store->put("BTCUSDT", Timeframe::m1, rows);
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(second->added, 0u);
  EXPECT_EQ(second->unchanged, 50u);
  EXPECT_EQ(second->series.content_hash, first->series.content_hash);
  // An overlapping put adds only what is new.
  auto more = store->put("BTCUSDT", Timeframe::m1, minutes(60));
  ASSERT_TRUE(more.has_value());
  EXPECT_EQ(more->added, 10u);
  EXPECT_EQ(more->unchanged, 50u);
  EXPECT_EQ(more->series.rows, 60u);
}

TEST(CandleStore, ContentHashDependsOnTheDataOnly) {
  TempDir a, b;
  auto one = open_store(a.str());
  auto two = open_store(b.str());
  auto rows = minutes(20);
  // The same series put in two pieces, in the other order, hashes the same.
  ASSERT_TRUE(one->put("S", Timeframe::m1, rows));
  ASSERT_TRUE(two->put("S", Timeframe::m1, std::span(rows).subspan(10)));
  ASSERT_TRUE(two->put("S", Timeframe::m1, std::span(rows).first(10)));
  EXPECT_EQ(one->info("S", Timeframe::m1).value()->content_hash, two->info("S", Timeframe::m1).value()->content_hash);
  // One changed volume changes it.
  TempDir c;
  auto three = open_store(c.str());
  rows[7].volume += 1e-9;
  ASSERT_TRUE(three->put("S", Timeframe::m1, rows));
  EXPECT_NE(one->info("S", Timeframe::m1).value()->content_hash, three->info("S", Timeframe::m1).value()->content_hash);
}

TEST(CandleStore, ADifferentValueIsAConflictUnlessOverwriting) {
  TempDir dir;
  auto store = open_store(dir.str());
  ASSERT_TRUE(store->put("BTCUSDT", Timeframe::m1, minutes(10)));
  auto changed = minutes(12);
  changed[4].close = 104.5;
  auto put = store->put("BTCUSDT", Timeframe::m1, changed);
  ASSERT_FALSE(put.has_value());
  EXPECT_TRUE(put.error().conflict);
  EXPECT_NE(put.error().message.find("2021-04-02T00:04:00Z"), std::string::npos) << put.error().message;
  EXPECT_NE(put.error().message.find("--overwrite"), std::string::npos);
  // Nothing was stored, not even the two new minutes.
  EXPECT_EQ(scan_all(*store, "BTCUSDT"), minutes(10));
  PutOptions overwrite;
  overwrite.overwrite = true;
  auto forced = store->put("BTCUSDT", Timeframe::m1, changed, {}, overwrite);
  ASSERT_TRUE(forced.has_value()) << forced.error().message;
  EXPECT_EQ(forced->overwritten, 1u);
  EXPECT_EQ(forced->added, 2u);
  EXPECT_EQ(scan_all(*store, "BTCUSDT"), changed);
}

TEST(CandleStore, RealCandlesReplaceSyntheticOnesNeverTheOtherWay) {
  TempDir dir;
  auto store = open_store(dir.str());
  std::vector<Candle> repaired = minutes(3);
  repaired[1] = Candle{kT0 + kMinuteNs, 100, 100, 100, 100, 0, kCandleSynthetic};
  auto first = store->put("BTCUSDT", Timeframe::m1, repaired);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->series.synthetic, 1u);
  // The real minute arrives: it replaces the synthetic one without --overwrite.
  auto real = store->put("BTCUSDT", Timeframe::m1, minutes(3));
  ASSERT_TRUE(real.has_value()) << real.error().message;
  EXPECT_EQ(real->overwritten, 1u);
  EXPECT_EQ(real->series.synthetic, 0u);
  // A repair that would put a synthetic bar over it keeps the real one.
  auto again = store->put("BTCUSDT", Timeframe::m1, repaired);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->kept_real, 1u);
  EXPECT_EQ(scan_all(*store, "BTCUSDT"), minutes(3));
}

TEST(CandleStore, RefusesRowsThatAreNotValidCandles) {
  TempDir dir;
  auto store = open_store(dir.str());
  auto nan = minutes(3);
  nan[1].close = std::nan("");
  EXPECT_FALSE(store->put("S", Timeframe::m1, nan).has_value());
  auto unsorted = minutes(3);
  std::swap(unsorted[0], unsorted[2]);
  EXPECT_FALSE(store->put("S", Timeframe::m1, unsorted).has_value());
  auto off_grid = minutes(3);
  off_grid[2].open_time_ns += 1;
  EXPECT_FALSE(store->put("S", Timeframe::m1, off_grid).has_value());
  EXPECT_FALSE(store->put("", Timeframe::m1, minutes(1)).has_value());
  EXPECT_FALSE(store->put("BTC USDT", Timeframe::m1, minutes(1)).has_value());
  EXPECT_TRUE(store->list().value().empty());
}

TEST(CandleStore, QuarantineIsKeptVisibleAndIdempotent) {
  TempDir dir;
  auto store = open_store(dir.str());
  const std::vector<QuarantinedRow> bad = {
      {kT0 + 5 * kMinuteNs, 1, 0.5, 2, 1, 3, "data/k.csv", 6, check_bit(Check::high_below_low),
       "high 0.5 is below low 2"},
      {kT0 + 5 * kMinuteNs, 1, 2, 0.5, 1, -3, "data/k.csv", 9,
       check_bit(Check::duplicate) | check_bit(Check::negative_volume), "duplicate of line 6; volume -3 is negative"},
  };
  auto put = store->put("BTCUSDT", Timeframe::m1, minutes(5), bad);
  ASSERT_TRUE(put.has_value()) << put.error().message;
  EXPECT_EQ(put->quarantine_added, 2u);
  EXPECT_EQ(put->series.quarantined, 2u);
  std::vector<QuarantinedRow> back;
  ASSERT_TRUE(store->scan_quarantine("BTCUSDT", Timeframe::m1, [&](const QuarantinedRow& q) {
    back.push_back(q);
    return true;
  }));
  ASSERT_EQ(back.size(), 2u);
  // Same open time: both kept, each with its own line.
  EXPECT_TRUE((back[0] == bad[0] && back[1] == bad[1]) || (back[0] == bad[1] && back[1] == bad[0]));
  auto again = store->put_quarantine("BTCUSDT", Timeframe::m1, bad);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->quarantine_added, 0u);
  EXPECT_EQ(again->quarantine_unchanged, 2u);
  EXPECT_EQ(store->list().value()[0].quarantined, 2u);
  // A series with only quarantined rows is listed too.
  ASSERT_TRUE(store->put_quarantine("ETHUSDT", Timeframe::m1, {&bad[0], 1}));
  auto list = store->list().value();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1].symbol, "ETHUSDT");
  EXPECT_EQ(list[1].rows, 0u);
  EXPECT_EQ(list[1].quarantined, 1u);
}

TEST(CandleStore, SurvivesReopeningAndOpensReadOnly) {
  TempDir dir;
  const std::string path = dir.sub("market");
  Hash128 hash;
  {
    auto store = open_store(path);
    hash = store->put("BTCUSDT", Timeframe::m1, minutes(30)).value().series.content_hash;
  }
  auto ro = open_store(path, true);
  EXPECT_EQ(scan_all(*ro, "BTCUSDT"), minutes(30));
  EXPECT_EQ(ro->list().value()[0].content_hash, hash);
  auto put = ro->put("BTCUSDT", Timeframe::m1, minutes(31));
  ASSERT_FALSE(put.has_value());
  EXPECT_NE(put.error().message.find("read-only"), std::string::npos);
  auto missing = CandleStore::open(dir.sub("nothing-here"), true);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().find("no market data"), std::string::npos) << missing.error();
}

TEST(CandleStore, ADamagedRecordIsAnErrorNamingSymbolAndTime) {
  TempDir dir;
  const std::string path = dir.sub("market");
  open_store(path)->put("BTCUSDT", Timeframe::m1, minutes(10)).value();
  {
    // Flip one bit of minute 7's record behind the store's back.
    rocksdb::Options options;
    std::vector<rocksdb::ColumnFamilyDescriptor> families = {
        {rocksdb::kDefaultColumnFamilyName, {}}, {"candles", {}}, {"quarantine", {}}, {"meta", {}}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, path, families, &handles, &raw).ok());
    const std::string key = candle_keys::candle_key("BTCUSDT", Timeframe::m1, kT0 + 7 * kMinuteNs);
    std::string value;
    ASSERT_TRUE(raw->Get({}, handles[1], key, &value).ok());
    value[20] ^= 0x01;
    ASSERT_TRUE(raw->Put({}, handles[1], key, value).ok());
    for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
    delete raw;
  }
  auto store = open_store(path);
  std::vector<Candle> before;
  auto scanned = store->scan("BTCUSDT", Timeframe::m1, kAll0, kAll1, [&](const Candle& c) {
    before.push_back(c);
    return true;
  });
  ASSERT_FALSE(scanned.has_value());
  EXPECT_NE(scanned.error().find("BTCUSDT 1m at 2021-04-02T00:07:00Z"), std::string::npos) << scanned.error();
  EXPECT_NE(scanned.error().find("checksum"), std::string::npos);
  EXPECT_EQ(before.size(), 7u);  // everything before the damage, and nothing of it
  EXPECT_FALSE(store->recompute("BTCUSDT", Timeframe::m1).has_value());
  auto put = store->put("BTCUSDT", Timeframe::m1, minutes(11));
  ASSERT_FALSE(put.has_value());
  EXPECT_NE(put.error().message.find("damaged"), std::string::npos);
}

// A first import into a series with no candles is written as a table file
// and ingested; anything else merges through a batch. Both must store the
// same candles, quarantine and summary.
std::vector<Candle> big_series(int n) {
  std::vector<Candle> rows = minutes(n);
  for (int i = 0; i < n; i += 97) rows[static_cast<std::size_t>(i)].flags = kCandleSynthetic;
  return rows;
}

std::vector<QuarantinedRow> some_quarantine() {
  return {{kT0 + 3 * kMinuteNs, 1, 0.5, 2, 1, 3, "data/k.csv", 4, check_bit(Check::high_below_low), "high below low"},
          {kT0 + 9 * kMinuteNs, 1, 2, 0.5, 1, -3, "data/k.csv", 10, check_bit(Check::negative_volume), "volume"}};
}

void expect_same_series(const CandleStore& a, const CandleStore& b) {
  const auto info_a = a.info("BTCUSDT", Timeframe::m1).value().value();
  const auto info_b = b.info("BTCUSDT", Timeframe::m1).value().value();
  EXPECT_EQ(info_a.content_hash, info_b.content_hash);
  EXPECT_EQ(info_a.rows, info_b.rows);
  EXPECT_EQ(info_a.synthetic, info_b.synthetic);
  EXPECT_EQ(info_a.quarantined, info_b.quarantined);
  EXPECT_EQ(info_a.first_ns, info_b.first_ns);
  EXPECT_EQ(info_a.last_ns, info_b.last_ns);
  for (const CandleStore* s : {&a, &b}) {
    const auto again = s->recompute("BTCUSDT", Timeframe::m1).value();
    EXPECT_EQ(again.content_hash, info_a.content_hash);
    EXPECT_EQ(again.rows, info_a.rows);
    EXPECT_EQ(again.quarantined, info_a.quarantined);
  }
  EXPECT_EQ(scan_all(a, "BTCUSDT"), scan_all(b, "BTCUSDT"));
  std::vector<QuarantinedRow> qa, qb;
  ASSERT_TRUE(a.scan_quarantine("BTCUSDT", Timeframe::m1, [&](const QuarantinedRow& q) {
    qa.push_back(q);
    return true;
  }));
  ASSERT_TRUE(b.scan_quarantine("BTCUSDT", Timeframe::m1, [&](const QuarantinedRow& q) {
    qb.push_back(q);
    return true;
  }));
  EXPECT_EQ(qa, qb);
  EXPECT_EQ(a.list().value().size(), b.list().value().size());
}

TEST(CandleStore, AFirstImportStoresWhatAMergedImportStores) {
  TempDir dir;
  const auto rows = big_series(20'000);
  const auto bad = some_quarantine();
  auto ingested = open_store(dir.sub("ingested"));
  auto first = ingested->put("BTCUSDT", Timeframe::m1, rows, bad);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(first->added, 20'000u);
  EXPECT_EQ(first->unchanged, 0u);
  EXPECT_EQ(first->quarantine_added, 2u);
  EXPECT_EQ(first->series.rows, 20'000u);
  EXPECT_EQ(first->series.synthetic, (20'000u + 96) / 97);
  EXPECT_EQ(first->series.quarantined, 2u);
  EXPECT_EQ(ingested->info("BTCUSDT", Timeframe::m1).value().value().content_hash, first->series.content_hash);

  // The same rows through the merge: one candle stored first, so the
  // second put finds the series not empty.
  auto merged = open_store(dir.sub("merged"));
  ASSERT_TRUE(merged->put("BTCUSDT", Timeframe::m1, std::span(rows).subspan(19'999)));
  auto second = merged->put("BTCUSDT", Timeframe::m1, rows, bad);
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(second->added, 19'999u);
  EXPECT_EQ(second->unchanged, 1u);
  EXPECT_EQ(second->series.content_hash, first->series.content_hash);
  expect_same_series(*ingested, *merged);

  // No table file is left behind, and the data survives reopening.
  EXPECT_FALSE(std::filesystem::exists(dir.sub("ingested") + "/ingest") &&
               !std::filesystem::is_empty(dir.sub("ingested") + "/ingest"));
  ingested.reset();
  auto reopened = open_store(dir.sub("ingested"), true);
  expect_same_series(*reopened, *merged);
}

TEST(CandleStore, AnImportOverAnIngestedSeriesMergesAndStaysIdempotent) {
  TempDir dir;
  const auto rows = big_series(30'000);
  auto store = open_store(dir.str());
  const std::span all(rows);
  auto first = store->put("BTCUSDT", Timeframe::m1, all.first(20'000));
  ASSERT_TRUE(first.has_value()) << first.error().message;
  // Overlapping: the last 5,000 are there, the next 10,000 are new.
  auto overlap = store->put("BTCUSDT", Timeframe::m1, all.subspan(15'000));
  ASSERT_TRUE(overlap.has_value()) << overlap.error().message;
  EXPECT_EQ(overlap->added, 10'000u);
  EXPECT_EQ(overlap->unchanged, 5'000u);
  EXPECT_EQ(overlap->series.rows, 30'000u);
  // Idempotent: the same rows again change nothing.
  auto again = store->put("BTCUSDT", Timeframe::m1, rows);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->added, 0u);
  EXPECT_EQ(again->unchanged, 30'000u);
  EXPECT_EQ(again->series.content_hash, overlap->series.content_hash);
  // A different value is still a conflict that stores nothing.
  std::vector<Candle> changed(rows.begin() + 100, rows.begin() + 200);
  changed[50].close += 0.5;
  auto conflict = store->put("BTCUSDT", Timeframe::m1, changed);
  ASSERT_FALSE(conflict.has_value());
  EXPECT_TRUE(conflict.error().conflict);
  EXPECT_EQ(store->info("BTCUSDT", Timeframe::m1).value().value().content_hash, overlap->series.content_hash);

  // The same result as one put of all the rows into an empty store.
  TempDir other;
  auto whole = open_store(other.str());
  ASSERT_TRUE(whole->put("BTCUSDT", Timeframe::m1, rows));
  expect_same_series(*store, *whole);
}

TEST(CandleStore, AFirstImportKeepsTheQuarantineAlreadyStored) {
  TempDir dir;
  auto store = open_store(dir.str());
  const auto bad = some_quarantine();
  ASSERT_TRUE(store->put_quarantine("BTCUSDT", Timeframe::m1, {&bad[0], 1}));
  // Candles into a series that has a summary but no candles: ingested.
  auto put = store->put("BTCUSDT", Timeframe::m1, minutes(1'000), bad);
  ASSERT_TRUE(put.has_value()) << put.error().message;
  EXPECT_EQ(put->added, 1'000u);
  EXPECT_EQ(put->quarantine_added, 1u);
  EXPECT_EQ(put->quarantine_unchanged, 1u);
  EXPECT_EQ(put->series.quarantined, 2u);
  const auto info = store->info("BTCUSDT", Timeframe::m1).value().value();
  EXPECT_EQ(info.rows, 1'000u);
  EXPECT_EQ(info.quarantined, 2u);
  EXPECT_EQ(info.content_hash, store->recompute("BTCUSDT", Timeframe::m1).value().content_hash);
  // Another series in the same store keeps its own summary.
  ASSERT_TRUE(store->put("ETHUSDT", Timeframe::m1, minutes(10)));
  EXPECT_EQ(store->info("BTCUSDT", Timeframe::m1).value().value().rows, 1'000u);
  EXPECT_EQ(store->list().value().size(), 2u);
}

}  // namespace
}  // namespace verity
