#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace eddy::crc32c {

// CRC-32C (Castagnoli, polynomial 0x1EDC6F41 reflected = 0x82F63B78), the checksum of every
// eddy on-disk record. Uses the SSE4.2 crc32 instruction when the CPU has it (checked once at
// run time), otherwise a portable slicing-by-8 table.
//
// Extend(crc, data, n) continues a running checksum: Value(a+b) == Extend(Value(a), b).
// Thread-safety: pure functions.
uint32_t Extend(uint32_t crc, const char* data, size_t n);

inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view data) { return Extend(0, data.data(), data.size()); }

// The portable implementation, exposed so tests can compare it with the hardware one.
uint32_t ExtendPortable(uint32_t crc, const char* data, size_t n);

// True when Extend() uses the hardware instruction.
bool HardwareAccelerated();

}  // namespace eddy::crc32c
