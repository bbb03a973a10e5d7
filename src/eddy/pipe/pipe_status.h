#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "eddy/base/thread_annotations.h"

namespace eddy::pipe {

// What one shard of a pipe is doing, for `eddy pipe status` and /metrics.
// Thread-safety: every member may be read and written from any thread.
struct ShardStatus {
  std::atomic<uint64_t> delivered{0};    // records the target took
  std::atomic<uint64_t> failed{0};       // records given up on (sent to the destination or dropped)
  std::atomic<uint64_t> filtered{0};     // records FilterCriteria left out
  std::atomic<uint64_t> invocations{0};  // deliveries attempted
  std::atomic<uint64_t> function_errors{0};
  std::atomic<uint64_t> unavailable{0};  // deliveries the target could not take
  std::atomic<uint64_t> suspicious_responses{0};
  std::atomic<int64_t> in_flight_records{0};  // records of the batches being delivered now
  std::atomic<int64_t> retry_attempts{0};     // attempts used by the oldest batch in flight
  std::atomic<int64_t> millis_behind_latest{0};
  std::atomic<int64_t> iterator_age_ms{0};    // age of the last record delivered, when delivered

  void SetLastError(std::string error);
  std::string last_error() const;
  void SetPosition(std::string position);
  std::string position() const;

 private:
  mutable std::mutex mu_;
  std::string last_error_ GUARDED_BY(mu_);
  std::string position_ GUARDED_BY(mu_);  // the last checkpoint
};

// The state of one pipe in this process: its shards and whether it is healthy.
// Thread-safety: every method from any thread.
class PipeStatus {
 public:
  using ShardHook = std::function<void(const std::string& shard_id,
                                       const std::shared_ptr<ShardStatus>& status)>;
  // Called (under this object's lock: it must not call back into it) when a shard is first
  // seen, e.g. to register its metrics. Set before the pipe starts.
  void SetNewShardHook(ShardHook hook);

  std::shared_ptr<ShardStatus> Shard(const std::string& shard_id);
  std::map<std::string, std::shared_ptr<ShardStatus>> Shards() const;

  // A target or destination that can never work as configured: the pipe is failed with the
  // reason until a delivery succeeds.
  void SetFailed(std::string reason);
  void ClearFailed();
  std::string failed_reason() const;  // empty: not failed

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<ShardStatus>> shards_ GUARDED_BY(mu_);
  std::string failed_reason_ GUARDED_BY(mu_);
  ShardHook new_shard_hook_ GUARDED_BY(mu_);
};

}  // namespace eddy::pipe
