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
  if (v == 0) return "0";
  std::string out;
  while (v != 0) {
    out.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
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
