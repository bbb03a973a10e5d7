#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eddy {

// Kinesis hash keys and eddy's sequence numbers are 128-bit unsigned integers written in
// decimal. g++ and clang have unsigned __int128 natively.
__extension__ typedef unsigned __int128 UInt128;  // NOLINT(modernize-use-using)

inline constexpr UInt128 kUInt128Max = ~UInt128{0};

// Decimal digits only, no sign, no leading zeros except "0" itself, value <= 2^128 - 1.
std::optional<UInt128> ParseUInt128(std::string_view decimal);
std::string FormatUInt128(UInt128 v);

// Big-endian 16 bytes <-> value.
UInt128 UInt128FromBigEndian(const std::array<uint8_t, 16>& bytes);
std::array<uint8_t, 16> UInt128ToBigEndian(UInt128 v);

}  // namespace eddy
