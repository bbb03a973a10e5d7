#pragma once

#include <cstdint>
#include <mutex>

#include "eddy/base/thread_annotations.h"

namespace eddy::stream {

// AWS's per-shard throughput limits as token buckets (each holds one second's worth):
// writes 1 MiB/s and 1,000 records/s; reads 5 GetRecords calls/s and 2 MiB/s. A read is
// admitted while its byte balance is positive and charged afterwards, so one large response
// throttles the calls that follow, as AWS does after a 10 MiB GetRecords.
//
// Thread-safety: thread-safe.
class ShardThrottle {
 public:
  struct Limits {
    double write_bytes_per_s = 1024 * 1024;
    double write_records_per_s = 1000;
    double read_calls_per_s = 5;
    double read_bytes_per_s = 2 * 1024 * 1024;
  };

  explicit ShardThrottle(Limits limits, int64_t now_ms);

  // Takes capacity for one record of `bytes` if there is room; false leaves the buckets as they
  // were.
  bool TryWrite(uint64_t bytes, int64_t now_ms);
  // Takes one read call if the call and byte budgets allow one now.
  bool TryRead(int64_t now_ms);
  // Charges the bytes a read returned (the balance may go below zero).
  void ChargeRead(uint64_t bytes, int64_t now_ms);

 private:
  void Refill(int64_t now_ms);

  const Limits limits_;
  std::mutex mu_;
  int64_t last_ms_ GUARDED_BY(mu_);
  double write_bytes_ GUARDED_BY(mu_);
  double write_records_ GUARDED_BY(mu_);
  double read_calls_ GUARDED_BY(mu_);
  double read_bytes_ GUARDED_BY(mu_);
};

}  // namespace eddy::stream
