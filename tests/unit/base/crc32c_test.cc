#include "eddy/base/crc32c.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

namespace eddy::crc32c {
namespace {

std::string Bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string out(n, '\0');
  std::uniform_int_distribution<int> byte(0, 255);
  for (char& c : out) c = static_cast<char>(byte(rng));
  return out;
}

// Known-answer vectors, checked against both Extend() and ExtendPortable().
struct Vector {
  std::string name;
  std::string data;
  uint32_t crc;
};

std::vector<Vector> KnownVectors() {
  std::string ascending(32, '\0');
  std::string descending(32, '\0');
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<char>(i);
    descending[i] = static_cast<char>(31 - i);
  }
  return {
      {"empty", "", 0x00000000u},
      {"check_string", "123456789", 0xE3069283u},
      {"zeros32", std::string(32, '\0'), 0x8A9136AAu},
      {"ones32", std::string(32, '\xff'), 0x62A8AB43u},
      {"ascending32", ascending, 0x46DD794Eu},
      {"descending32", descending, 0x113FDB5Cu},
      {"single_a", "a", 0xC1D04330u},
  };
}

TEST(Crc32cTest, KnownVectors) {
  for (const Vector& v : KnownVectors()) {
    SCOPED_TRACE(v.name);
    EXPECT_EQ(Value(v.data), v.crc);
    EXPECT_EQ(Value(v.data.data(), v.data.size()), v.crc);
    EXPECT_EQ(ExtendPortable(0, v.data.data(), v.data.size()), v.crc);
  }
}

// The iSCSI SCSI read command PDU from RFC 3720 appendix B.4.
TEST(Crc32cTest, Rfc3720ReadCommandPdu) {
  std::string pdu = Bytes({0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                           0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
                           0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
                           0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00});
  ASSERT_EQ(pdu.size(), 48u);
  EXPECT_EQ(Value(pdu), 0xD9963A56u);
  EXPECT_EQ(ExtendPortable(0, pdu.data(), pdu.size()), 0xD9963A56u);
}

TEST(Crc32cTest, DifferentDataGivesDifferentCrc) {
  EXPECT_NE(Value("a"), Value("foo"));
  EXPECT_NE(Value(std::string(1, '\0')), Value(std::string(2, '\0')));
}

TEST(Crc32cTest, ExtendWithNothingIsIdentity) {
  const uint32_t crc = Value("hello");
  EXPECT_EQ(Extend(crc, "", 0), crc);
  EXPECT_EQ(ExtendPortable(crc, "", 0), crc);
}

TEST(Crc32cTest, ExtendComposesAtEverySplitOfCheckString) {
  const std::string data = "123456789";
  for (size_t split = 0; split <= data.size(); ++split) {
    SCOPED_TRACE(split);
    uint32_t first = Value(data.data(), split);
    EXPECT_EQ(Extend(first, data.data() + split, data.size() - split), 0xE3069283u);
    EXPECT_EQ(ExtendPortable(ExtendPortable(0, data.data(), split), data.data() + split,
                             data.size() - split),
              0xE3069283u);
  }
}

TEST(Crc32cTest, ExtendComposesOverRandomSplits) {
  std::mt19937_64 rng(20240601);
  for (int iter = 0; iter < 500; ++iter) {
    const size_t n = std::uniform_int_distribution<size_t>(0, 2000)(rng);
    const std::string data = RandomBytes(rng, n);
    const size_t split = std::uniform_int_distribution<size_t>(0, n)(rng);
    SCOPED_TRACE(testing::Message() << "n=" << n << " split=" << split);
    const uint32_t whole = Value(data);
    EXPECT_EQ(Extend(Value(data.data(), split), data.data() + split, n - split), whole);
    EXPECT_EQ(ExtendPortable(ExtendPortable(0, data.data(), split), data.data() + split, n - split),
              whole);
  }
}

TEST(Crc32cTest, ExtendComposesOverManyPieces) {
  std::mt19937_64 rng(7);
  const std::string data = RandomBytes(rng, 4096);
  const uint32_t whole = Value(data);
  uint32_t running = 0;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t piece =
        std::min<size_t>(std::uniform_int_distribution<size_t>(0, 37)(rng), data.size() - pos);
    running = Extend(running, data.data() + pos, piece);
    pos += piece;
  }
  EXPECT_EQ(running, whole);
}

TEST(Crc32cTest, HardwareMatchesPortableForAllSmallLengthsAndAlignments) {
  std::mt19937_64 rng(12345);
  // Extra room so that every (offset, length) pair stays inside the buffer.
  const std::string buffer = RandomBytes(rng, 300 + 16);
  for (size_t offset = 0; offset < 16; ++offset) {
    for (size_t n = 0; n <= 300; ++n) {
      const char* p = buffer.data() + offset;
      ASSERT_EQ(Extend(0, p, n), ExtendPortable(0, p, n)) << "offset=" << offset << " n=" << n;
    }
  }
}

TEST(Crc32cTest, HardwareMatchesPortableWithNonZeroSeed) {
  std::mt19937_64 rng(99);
  for (int iter = 0; iter < 300; ++iter) {
    const uint32_t seed = static_cast<uint32_t>(rng());
    const size_t n = std::uniform_int_distribution<size_t>(0, 300)(rng);
    const size_t offset = std::uniform_int_distribution<size_t>(0, 7)(rng);
    const std::string buffer = RandomBytes(rng, n + offset);
    const char* p = buffer.data() + offset;
    ASSERT_EQ(Extend(seed, p, n), ExtendPortable(seed, p, n))
        << "seed=" << seed << " offset=" << offset << " n=" << n;
  }
}

TEST(Crc32cTest, HardwareMatchesPortableOnLargeBuffers) {
  std::mt19937_64 rng(4242);
  for (size_t n : {4095u, 4096u, 4097u, 65536u + 3u, 1u << 20}) {
    const std::string buffer = RandomBytes(rng, n + 3);
    for (size_t offset : {0u, 1u, 3u}) {
      const char* p = buffer.data() + offset;
      EXPECT_EQ(Extend(0, p, n), ExtendPortable(0, p, n)) << "offset=" << offset << " n=" << n;
    }
  }
}

TEST(Crc32cTest, HardwareAccelerationMatchesCpu) {
#if defined(__x86_64__)
  // The run-time check must agree with what the CPU reports.
  __builtin_cpu_init();
  EXPECT_EQ(HardwareAccelerated(), __builtin_cpu_supports("sse4.2") != 0);
#else
  EXPECT_FALSE(HardwareAccelerated());
#endif
  RecordProperty("hardware_accelerated", HardwareAccelerated() ? "true" : "false");
}

}  // namespace
}  // namespace eddy::crc32c
