#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace eddy {

// Fixed-width little-endian encoding, the byte order of every eddy on-disk format.
// (x86-64 and AArch64 Linux are little-endian; the static_assert keeps it honest.)
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "eddy's formats assume little-endian");

inline void EncodeFixed16(char* dst, uint16_t v) { std::memcpy(dst, &v, sizeof v); }
inline void EncodeFixed32(char* dst, uint32_t v) { std::memcpy(dst, &v, sizeof v); }
inline void EncodeFixed64(char* dst, uint64_t v) { std::memcpy(dst, &v, sizeof v); }

inline uint16_t DecodeFixed16(const char* src) {
  uint16_t v;
  std::memcpy(&v, src, sizeof v);
  return v;
}
inline uint32_t DecodeFixed32(const char* src) {
  uint32_t v;
  std::memcpy(&v, src, sizeof v);
  return v;
}
inline uint64_t DecodeFixed64(const char* src) {
  uint64_t v;
  std::memcpy(&v, src, sizeof v);
  return v;
}

inline void PutFixed32(std::string* dst, uint32_t v) {
  char buf[4];
  EncodeFixed32(buf, v);
  dst->append(buf, 4);
}
inline void PutFixed64(std::string* dst, uint64_t v) {
  char buf[8];
  EncodeFixed64(buf, v);
  dst->append(buf, 8);
}

}  // namespace eddy
