// The state archive: every supported type round-trips exactly, and bad bytes
// (truncated, lengths past the end, trailing bytes) are errors, never crashes.
#include "actors/runtime/state_archive.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace verity {
namespace {

enum class Colour { red = 1, green = -7 };

struct Inner {
  double x = 0;
  std::string name;
  void save(StateWriter& w) const { w.put_all(x, name); }
  void load(StateReader& r) { r.get_all(x, name); }
  bool operator==(const Inner&) const = default;
};

struct Everything {
  bool flag = false;
  std::int64_t i = 0;
  std::uint64_t u = 0;
  double d = 0;
  Colour c = Colour::red;
  std::string s;
  std::map<std::string, double> m;
  std::set<std::int64_t> set;
  std::vector<Inner> v;
  std::deque<std::int64_t> q;
  std::array<std::uint64_t, 3> a{};
  std::optional<double> o;
  std::optional<std::int64_t> none;
  std::pair<int, std::string> p;
  void save(StateWriter& w) const { w.put_all(flag, i, u, d, c, s, m, set, v, q, a, o, none, p); }
  void load(StateReader& r) { r.get_all(flag, i, u, d, c, s, m, set, v, q, a, o, none, p); }
};

Everything sample() {
  Everything e;
  e.flag = true;
  e.i = -123456789012345;
  e.u = std::numeric_limits<std::uint64_t>::max();
  e.d = -0.1 + 1e-17;
  e.c = Colour::green;
  e.s = std::string("bytes \0 inside", 14);
  e.m = {{"BTCUSDT", 1.5}, {"ETHUSDT", -2.25}};
  e.set = {3, -1, 7};
  e.v = {{0.5, "a"}, {std::nextafter(1.0, 2.0), ""}};
  e.q = {1, 2, 3};
  e.a = {1, 2, 3};
  e.o = 3.25;
  e.p = {4, "four"};
  return e;
}

TEST(StateArchive, EveryTypeRoundTripsExactly) {
  const Everything e = sample();
  StateWriter w;
  w.put(e);
  Everything back;
  StateReader r(w.bytes(), "test state");
  r.get(back);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(back.flag, e.flag);
  EXPECT_EQ(back.i, e.i);
  EXPECT_EQ(back.u, e.u);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(back.d), std::bit_cast<std::uint64_t>(e.d));
  EXPECT_EQ(back.c, e.c);
  EXPECT_EQ(back.s, e.s);
  EXPECT_EQ(back.m, e.m);
  EXPECT_EQ(back.set, e.set);
  EXPECT_EQ(back.v, e.v);
  EXPECT_EQ(back.q, e.q);
  EXPECT_EQ(back.a, e.a);
  EXPECT_EQ(back.o, e.o);
  EXPECT_FALSE(back.none.has_value());
  EXPECT_EQ(back.p, e.p);
  // NaN and infinities keep their bits.
  StateWriter w2;
  w2.put_all(std::numeric_limits<double>::quiet_NaN(), -std::numeric_limits<double>::infinity());
  double nan = 0, inf = 0;
  StateReader r2(w2.bytes(), "nan");
  r2.get_all(nan, inf);
  EXPECT_TRUE(std::isnan(nan));
  EXPECT_EQ(inf, -std::numeric_limits<double>::infinity());
  unsigned __int128 big = (static_cast<unsigned __int128>(0x0123456789abcdefULL) << 64) | 0xfedcba9876543210ULL;
  StateWriter w3;
  w3.put_u128(big);
  unsigned __int128 got = 0;
  StateReader r3(w3.bytes(), "u128");
  r3.get_u128(got);
  EXPECT_TRUE(got == big);
}

TEST(StateArchive, EveryTruncationIsAnErrorNamingTheState) {
  StateWriter w;
  w.put(sample());
  const std::string& all = w.bytes();
  for (std::size_t cut = 0; cut < all.size(); ++cut) {
    Everything back;
    StateReader r(std::string_view(all).substr(0, cut), "snapshot 9 of risk");
    r.get(back);
    ASSERT_FALSE(r.ok()) << "cut at " << cut;
    EXPECT_NE(r.error().find("snapshot 9 of risk"), std::string::npos) << r.error();
  }
}

TEST(StateArchive, LengthsPastTheEndAndTrailingBytesAreCaught) {
  StateWriter w;
  w.put(std::uint64_t{1} << 40);  // read back as a text length: far past the end
  std::string s;
  StateReader r(w.bytes(), "state");
  r.get(s);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error().find("runs past the end"), std::string::npos) << r.error();
  StateWriter w2;
  w2.put_all(std::int64_t{1}, std::int64_t{2});
  std::int64_t one = 0;
  StateReader r2(w2.bytes(), "state");
  r2.get(one);
  EXPECT_TRUE(r2.ok());
  EXPECT_FALSE(r2.at_end());
  StateWriter w3;
  w3.put(std::uint8_t{2});
  bool b = false;
  StateReader r3(w3.bytes().substr(0, 1), "flag");
  r3.get(b);
  EXPECT_FALSE(r3.ok());
}

}  // namespace
}  // namespace verity
