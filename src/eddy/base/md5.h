#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace eddy {

// MD5 (through OpenSSL). Kinesis maps a partition key to a shard by the MD5 of its UTF-8
// bytes read as a 128-bit unsigned big-endian integer. Thread-safety: pure function.
std::array<uint8_t, 16> Md5(std::string_view data);

}  // namespace eddy
