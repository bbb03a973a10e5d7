#include "eddy/base/uint128.h"

#include <algorithm>

namespace eddy {

std::optional<UInt128> ParseUInt128(std::string_view decimal) {
  if (decimal.empty() || decimal.size() > 39) return std::nullopt;
  if (decimal.size() > 1 && decimal[0] == '0') return std::nullopt;
  UInt128 v = 0;
  for (char c : decimal) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<UInt128>(c - '0');
    if (v > (kUInt128Max - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  return v;
}

std::string FormatUInt128(UInt128 v) {
  // Two 128-bit divisions by 10^19 split the value into 64-bit chunks of 19 digits, which
  // format with cheap 64-bit arithmetic (one 128-bit division per digit was the cost of
  // writing every GetRecords sequence number).
  constexpr uint64_t k1e19 = 10000000000000000000ULL;
  char buf[40];
  char* end = buf + sizeof buf;
  char* p = end;
  auto digits = [&p](uint64_t chunk, bool pad) {
    int n = 0;
    do {
      *--p = static_cast<char>('0' + chunk % 10);
      chunk /= 10;
      ++n;
    } while (chunk != 0);
    if (pad) {
      for (; n < 19; ++n) *--p = '0';
    }
  };
  const uint64_t low = static_cast<uint64_t>(v % k1e19);
  v /= k1e19;
  if (v == 0) {
    digits(low, false);
  } else {
    digits(low, true);
    const uint64_t mid = static_cast<uint64_t>(v % k1e19);
    v /= k1e19;
    if (v == 0) {
      digits(mid, false);
    } else {
      digits(mid, true);
      digits(static_cast<uint64_t>(v), false);
    }
  }
  return std::string(p, end);
}

UInt128 UInt128FromBigEndian(const std::array<uint8_t, 16>& bytes) {
  UInt128 v = 0;
  for (uint8_t b : bytes) v = (v << 8) | b;
  return v;
}

std::array<uint8_t, 16> UInt128ToBigEndian(UInt128 v) {
  std::array<uint8_t, 16> out{};
  for (int i = 15; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<uint8_t>(v & 0xFF);
    v >>= 8;
  }
  return out;
}

}  // namespace eddy
