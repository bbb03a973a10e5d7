#include "eddy/base/uint128.h"

#include <gtest/gtest.h>

#include "eddy/base/md5.h"

namespace eddy {
namespace {

TEST(UInt128Test, ParseAndFormat) {
  EXPECT_EQ(FormatUInt128(0), "0");
  // Around the 10^19 chunk boundaries of the formatter.
  for (const char* text : {"9999999999999999999", "10000000000000000000", "10000000000000000001",
                           "99999999999999999999999999999999999999",
                           "100000000000000000000000000000000000000",
                           "100000000000000000000000000000000000001", "18446744073709551616"}) {
    auto v = ParseUInt128(text);
    ASSERT_TRUE(v.has_value()) << text;
    EXPECT_EQ(FormatUInt128(*v), text);
  }
  EXPECT_EQ(FormatUInt128(UInt128{10000000000000000000ULL} * 10000000000000000000ULL),
            "100000000000000000000000000000000000000");
  EXPECT_EQ(*ParseUInt128("0"), UInt128{0});
  EXPECT_EQ(FormatUInt128(kUInt128Max), "340282366920938463463374607431768211455");
  EXPECT_EQ(*ParseUInt128("340282366920938463463374607431768211455"), kUInt128Max);
  EXPECT_EQ(FormatUInt128(*ParseUInt128("170141183460469231731687303715884105727")),
            "170141183460469231731687303715884105727");  // 2^127 - 1
  EXPECT_EQ(*ParseUInt128("170141183460469231731687303715884105728"), UInt128{1} << 127);
}

TEST(UInt128Test, ParseRejects) {
  for (const char* bad : {"", "-1", "01", "1a", " 1", "340282366920938463463374607431768211456",
                          "9999999999999999999999999999999999999999"}) {
    EXPECT_FALSE(ParseUInt128(bad).has_value()) << bad;
  }
}

TEST(UInt128Test, BigEndianRoundTrip) {
  const UInt128 v = (UInt128{0x0102030405060708ull} << 64) | 0x090a0b0c0d0e0f10ull;
  auto bytes = UInt128ToBigEndian(v);
  EXPECT_EQ(bytes[0], 1);
  EXPECT_EQ(bytes[15], 0x10);
  EXPECT_EQ(UInt128FromBigEndian(bytes), v);
}

TEST(Md5Test, KnownDigests) {
  // RFC 1321 test suite.
  auto hex = [](const std::array<uint8_t, 16>& d) {
    std::string s;
    for (uint8_t b : d) s += "0123456789abcdef"[b >> 4], s += "0123456789abcdef"[b & 15];
    return s;
  };
  EXPECT_EQ(hex(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(hex(Md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(hex(Md5("message digest")), "f96b697d7cb7938d525a2f31aaf161d0");
}

}  // namespace
}  // namespace eddy
