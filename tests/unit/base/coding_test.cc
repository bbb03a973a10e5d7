#include "eddy/base/coding.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace eddy {
namespace {

std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
  }
  return out;
}

TEST(CodingTest, Fixed16Layout) {
  char buf[2];
  EncodeFixed16(buf, 0x1234);
  EXPECT_EQ(Hex(std::string(buf, 2)), "3412");
  EncodeFixed16(buf, 0xFF00);
  EXPECT_EQ(Hex(std::string(buf, 2)), "00ff");
}

TEST(CodingTest, Fixed32Layout) {
  char buf[4];
  EncodeFixed32(buf, 0x12345678u);
  EXPECT_EQ(Hex(std::string(buf, 4)), "78563412");
  EncodeFixed32(buf, 1);
  EXPECT_EQ(Hex(std::string(buf, 4)), "01000000");
}

TEST(CodingTest, Fixed64Layout) {
  char buf[8];
  EncodeFixed64(buf, 0x0123456789ABCDEFull);
  EXPECT_EQ(Hex(std::string(buf, 8)), "efcdab8967452301");
  EncodeFixed64(buf, 0x8000000000000000ull);
  EXPECT_EQ(Hex(std::string(buf, 8)), "0000000000000080");
}

TEST(CodingTest, DecodeFromExplicitBytes) {
  const char bytes[] = {'\x01', '\x02', '\x03', '\x04', '\x05', '\x06', '\x07', '\x08'};
  EXPECT_EQ(DecodeFixed16(bytes), 0x0201u);
  EXPECT_EQ(DecodeFixed32(bytes), 0x04030201u);
  EXPECT_EQ(DecodeFixed64(bytes), 0x0807060504030201ull);
  // High bit set in every byte: no sign extension.
  const char high[] = {'\xff', '\xfe', '\xfd', '\xfc', '\xfb', '\xfa', '\xf9', '\xf8'};
  EXPECT_EQ(DecodeFixed16(high), 0xFEFFu);
  EXPECT_EQ(DecodeFixed32(high), 0xFCFDFEFFu);
  EXPECT_EQ(DecodeFixed64(high), 0xF8F9FAFBFCFDFEFFull);
}

TEST(CodingTest, Fixed16RoundTrip) {
  char buf[2];
  for (uint32_t v = 0; v <= 0xFFFF; ++v) {
    EncodeFixed16(buf, static_cast<uint16_t>(v));
    ASSERT_EQ(DecodeFixed16(buf), v);
  }
}

TEST(CodingTest, Fixed32RoundTrip) {
  char buf[4];
  std::mt19937 rng(1);
  for (uint32_t v : {0u, 1u, 0x7FFFFFFFu, 0x80000000u, std::numeric_limits<uint32_t>::max()}) {
    EncodeFixed32(buf, v);
    EXPECT_EQ(DecodeFixed32(buf), v);
  }
  for (int i = 0; i < 10000; ++i) {
    uint32_t v = rng();
    EncodeFixed32(buf, v);
    ASSERT_EQ(DecodeFixed32(buf), v);
  }
  // Every power of two and its neighbours.
  for (int bit = 0; bit < 32; ++bit) {
    for (uint32_t v : {(1u << bit) - 1, 1u << bit, (1u << bit) + 1}) {
      EncodeFixed32(buf, v);
      ASSERT_EQ(DecodeFixed32(buf), v);
    }
  }
}

TEST(CodingTest, Fixed64RoundTrip) {
  char buf[8];
  std::mt19937_64 rng(2);
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{0x7FFFFFFFFFFFFFFF},
                     uint64_t{0x8000000000000000}, std::numeric_limits<uint64_t>::max()}) {
    EncodeFixed64(buf, v);
    EXPECT_EQ(DecodeFixed64(buf), v);
  }
  for (int i = 0; i < 10000; ++i) {
    uint64_t v = rng();
    EncodeFixed64(buf, v);
    ASSERT_EQ(DecodeFixed64(buf), v);
  }
  for (int bit = 0; bit < 64; ++bit) {
    const uint64_t p = uint64_t{1} << bit;
    for (uint64_t v : {p - 1, p, p + 1}) {
      EncodeFixed64(buf, v);
      ASSERT_EQ(DecodeFixed64(buf), v);
    }
  }
}

TEST(CodingTest, EncodeWritesExactlyItsWidth) {
  char buf[10];
  std::memset(buf, 'z', sizeof buf);
  EncodeFixed16(buf + 1, 0xFFFF);
  EXPECT_EQ(buf[0], 'z');
  EXPECT_EQ(buf[3], 'z');
  std::memset(buf, 'z', sizeof buf);
  EncodeFixed32(buf + 1, 0xFFFFFFFFu);
  EXPECT_EQ(buf[0], 'z');
  EXPECT_EQ(buf[5], 'z');
  std::memset(buf, 'z', sizeof buf);
  EncodeFixed64(buf + 1, ~uint64_t{0});
  EXPECT_EQ(buf[0], 'z');
  EXPECT_EQ(buf[9], 'z');
}

TEST(CodingTest, UnalignedRoundTrip) {
  char buf[16];
  for (int offset = 0; offset < 8; ++offset) {
    EncodeFixed64(buf + offset, 0x1122334455667788ull);
    EXPECT_EQ(DecodeFixed64(buf + offset), 0x1122334455667788ull);
    EncodeFixed32(buf + offset, 0xA1B2C3D4u);
    EXPECT_EQ(DecodeFixed32(buf + offset), 0xA1B2C3D4u);
    EncodeFixed16(buf + offset, 0xBEEF);
    EXPECT_EQ(DecodeFixed16(buf + offset), 0xBEEFu);
  }
}

TEST(CodingTest, PutFixedAppends) {
  std::string dst = "x";
  PutFixed32(&dst, 0x04030201u);
  PutFixed64(&dst, 0x0C0B0A0908070605ull);
  ASSERT_EQ(dst.size(), 1u + 4u + 8u);
  EXPECT_EQ(Hex(dst),
            "78"
            "01020304"
            "05060708090a0b0c");
  EXPECT_EQ(DecodeFixed32(dst.data() + 1), 0x04030201u);
  EXPECT_EQ(DecodeFixed64(dst.data() + 5), 0x0C0B0A0908070605ull);
}

}  // namespace
}  // namespace eddy

namespace eddy {
namespace {

TEST(CodingTest, VarintRoundTripsAndRejectsTruncatedOrOverlongInput) {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{127}, uint64_t{128}, uint64_t{300},
                     uint64_t{1} << 35, ~uint64_t{0}}) {
    std::string s;
    PutVarint64(&s, v);
    s += "tail";
    std::string_view in(s);
    uint64_t out = 0;
    ASSERT_TRUE(GetVarint64(&in, &out)) << v;
    EXPECT_EQ(out, v);
    EXPECT_EQ(in, "tail");
  }
  std::string one_byte;
  PutVarint64(&one_byte, 5);
  EXPECT_EQ(one_byte.size(), 1u);
  std::string_view truncated("\x80\x80", 2);
  uint64_t out = 0;
  EXPECT_FALSE(GetVarint64(&truncated, &out));
  EXPECT_EQ(truncated.size(), 2u);
  std::string overlong(10, '\xff');
  overlong += '\x01';
  std::string_view too_long(overlong);
  EXPECT_FALSE(GetVarint64(&too_long, &out));
  std::string_view empty;
  EXPECT_FALSE(GetVarint64(&empty, &out));
}

}  // namespace
}  // namespace eddy
