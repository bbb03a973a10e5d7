#include "eddy/base/base64.h"

#include <array>
#include <cstdint>

namespace eddy::base64 {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr uint8_t kInvalid = 0xFF;

constexpr std::array<uint8_t, 256> MakeDecodeTable() {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = kInvalid;
  for (uint8_t i = 0; i < 64; ++i) t[static_cast<uint8_t>(kAlphabet[i])] = i;
  return t;
}

constexpr std::array<uint8_t, 256> kDecode = MakeDecodeTable();

// Two output characters per 12 input bits: one table lookup instead of two (8 KiB).
constexpr std::array<char, 8192> MakeEncodePairs() {
  std::array<char, 8192> t{};
  for (size_t i = 0; i < 4096; ++i) {
    t[2 * i] = kAlphabet[i >> 6];
    t[2 * i + 1] = kAlphabet[i & 63];
  }
  return t;
}
constexpr std::array<char, 8192> kEncodePairs = MakeEncodePairs();

// One table per position in a 4-character quantum, each holding the character's 6 bits
// already shifted into place, and bit 24 for an invalid character: a quantum decodes with
// four lookups and three ORs, and validity is checked once per buffer.
constexpr uint32_t kBadBit = 1u << 24;
constexpr std::array<uint32_t, 256> MakeShiftedTable(int shift) {
  std::array<uint32_t, 256> t{};
  for (size_t c = 0; c < 256; ++c) {
    t[c] = kDecode[c] == kInvalid ? kBadBit : uint32_t{kDecode[c]} << shift;
  }
  return t;
}
constexpr std::array<uint32_t, 256> kDecode0 = MakeShiftedTable(18);
constexpr std::array<uint32_t, 256> kDecode1 = MakeShiftedTable(12);
constexpr std::array<uint32_t, 256> kDecode2 = MakeShiftedTable(6);
constexpr std::array<uint32_t, 256> kDecode3 = MakeShiftedTable(0);

}  // namespace

size_t EncodedSize(size_t n) { return (n + 2) / 3 * 4; }

void EncodeTo(std::string_view data, std::string* out) {
  const size_t start = out->size();
  out->resize(start + EncodedSize(data.size()));
  char* o = out->data() + start;
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  size_t n = data.size();
  while (n >= 3) {
    const uint32_t v = (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
    const char* hi = &kEncodePairs[2 * (v >> 12)];
    const char* lo = &kEncodePairs[2 * (v & 0xFFF)];
    o[0] = hi[0];
    o[1] = hi[1];
    o[2] = lo[0];
    o[3] = lo[1];
    p += 3;
    o += 4;
    n -= 3;
  }
  if (n == 1) {
    const uint32_t v = uint32_t{p[0]} << 16;
    o[0] = kAlphabet[v >> 18];
    o[1] = kAlphabet[(v >> 12) & 63];
    o[2] = '=';
    o[3] = '=';
  } else if (n == 2) {
    const uint32_t v = (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8);
    o[0] = kAlphabet[v >> 18];
    o[1] = kAlphabet[(v >> 12) & 63];
    o[2] = kAlphabet[(v >> 6) & 63];
    o[3] = '=';
  }
}

std::string Encode(std::string_view data) {
  std::string out;
  EncodeTo(data, &out);
  return out;
}

std::optional<std::string> Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  size_t pad = 0;
  if (!text.empty() && text.back() == '=')
    pad = (text.size() >= 2 && text[text.size() - 2] == '=') ? 2 : 1;
  std::string out;
  out.resize(text.size() / 4 * 3 - pad);
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  char* o = out.data();
  const size_t full = text.empty() ? 0 : (pad == 0 ? text.size() / 4 : text.size() / 4 - 1);
  uint32_t bad = 0;
  for (size_t i = 0; i < full; ++i, p += 4) {
    const uint32_t v = kDecode0[p[0]] | kDecode1[p[1]] | kDecode2[p[2]] | kDecode3[p[3]];
    bad |= v;
    o[0] = static_cast<char>(v >> 16);
    o[1] = static_cast<char>((v >> 8) & 0xFF);
    o[2] = static_cast<char>(v & 0xFF);
    o += 3;
  }
  if ((bad & kBadBit) != 0) return std::nullopt;
  if (pad > 0) {
    const uint8_t a = kDecode[p[0]], b = kDecode[p[1]];
    const uint8_t c = pad == 1 ? kDecode[p[2]] : 0;
    if (a == kInvalid || b == kInvalid || c == kInvalid) return std::nullopt;
    const uint32_t v = (uint32_t{a} << 18) | (uint32_t{b} << 12) | (uint32_t{c} << 6);
    if (pad == 2) {
      if ((v & 0xFFFF) != 0) return std::nullopt;  // unused bits must be zero
      o[0] = static_cast<char>(v >> 16);
    } else {
      if ((v & 0xFF) != 0) return std::nullopt;
      o[0] = static_cast<char>(v >> 16);
      o[1] = static_cast<char>((v >> 8) & 0xFF);
    }
  }
  return out;
}

}  // namespace eddy::base64
