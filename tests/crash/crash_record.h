#pragma once

// Self-describing records for crash tests: the data names its shard, batch, index and length,
// and the rest of it is derived from those, so a reader can tell an intact record from any
// other bytes without knowing what was acknowledged.

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace eddy::crashtest {

struct CrashRecordId {
  uint32_t shard = 0;
  uint64_t batch = 0;  // unique across all runs of the writer
  uint32_t index = 0;  // position in its batch
  uint32_t count = 0;  // records in its batch
};

inline constexpr size_t kCrashHeaderSize = 4 + 4 + 8 + 4 + 4;  // magic, shard, batch, index, count

inline std::string MakeCrashRecord(const CrashRecordId& id, size_t size) {
  if (size < kCrashHeaderSize) size = kCrashHeaderSize;
  std::string data(size, '\0');
  std::memcpy(data.data(), "CRSH", 4);
  std::memcpy(data.data() + 4, &id.shard, 4);
  std::memcpy(data.data() + 8, &id.batch, 8);
  std::memcpy(data.data() + 16, &id.index, 4);
  std::memcpy(data.data() + 20, &id.count, 4);
  uint64_t x = id.batch * 0x9E3779B97F4A7C15ull + id.index * 0xBF58476D1CE4E5B9ull + id.shard + 1;
  for (size_t i = kCrashHeaderSize; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    data[i] = static_cast<char>(x);
  }
  return data;
}

// The id of an intact record, or nullopt when `data` is not exactly what MakeCrashRecord makes.
inline std::optional<CrashRecordId> ParseCrashRecord(std::string_view data) {
  if (data.size() < kCrashHeaderSize || data.substr(0, 4) != "CRSH") return std::nullopt;
  CrashRecordId id;
  std::memcpy(&id.shard, data.data() + 4, 4);
  std::memcpy(&id.batch, data.data() + 8, 8);
  std::memcpy(&id.index, data.data() + 16, 4);
  std::memcpy(&id.count, data.data() + 20, 4);
  if (MakeCrashRecord(id, data.size()) != data) return std::nullopt;
  return id;
}

}  // namespace eddy::crashtest
