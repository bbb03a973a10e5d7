#include "eddy/stream/shard_throttle.h"

#include <algorithm>

namespace eddy::stream {

ShardThrottle::ShardThrottle(Limits limits, int64_t now_ms)
    : limits_(limits),
      last_ms_(now_ms),
      write_bytes_(limits.write_bytes_per_s),
      write_records_(limits.write_records_per_s),
      read_calls_(limits.read_calls_per_s),
      read_bytes_(limits.read_bytes_per_s) {}

void ShardThrottle::Refill(int64_t now_ms) {
  if (now_ms <= last_ms_) return;
  const double seconds = static_cast<double>(now_ms - last_ms_) / 1000.0;
  last_ms_ = now_ms;
  write_bytes_ =
      std::min(limits_.write_bytes_per_s, write_bytes_ + seconds * limits_.write_bytes_per_s);
  write_records_ =
      std::min(limits_.write_records_per_s, write_records_ + seconds * limits_.write_records_per_s);
  read_calls_ =
      std::min(limits_.read_calls_per_s, read_calls_ + seconds * limits_.read_calls_per_s);
  read_bytes_ =
      std::min(limits_.read_bytes_per_s, read_bytes_ + seconds * limits_.read_bytes_per_s);
}

bool ShardThrottle::TryWrite(uint64_t bytes, int64_t now_ms) {
  std::lock_guard lock(mu_);
  Refill(now_ms);
  if (write_records_ < 1 || write_bytes_ < static_cast<double>(bytes)) return false;
  write_records_ -= 1;
  write_bytes_ -= static_cast<double>(bytes);
  return true;
}

bool ShardThrottle::TryRead(int64_t now_ms) {
  std::lock_guard lock(mu_);
  Refill(now_ms);
  if (read_calls_ < 1 || read_bytes_ <= 0) return false;
  read_calls_ -= 1;
  return true;
}

void ShardThrottle::ChargeRead(uint64_t bytes, int64_t now_ms) {
  std::lock_guard lock(mu_);
  Refill(now_ms);
  read_bytes_ -= static_cast<double>(bytes);
}

}  // namespace eddy::stream
