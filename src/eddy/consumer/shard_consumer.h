#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "eddy/base/clock.h"
#include "eddy/consumer/lease_coordinator.h"
#include "eddy/consumer/record_processor.h"
#include "eddy/consumer/shard_syncer.h"
#include "eddy/consumer/source.h"
#include "eddy/consumer/worker_options.h"

namespace eddy::consumer {

// Counters a shard consumer moves; the worker turns them into metrics.
struct ShardCounters {
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> restarts{0};
  std::atomic<uint64_t> checkpoints{0};
  std::atomic<int64_t> millis_behind_latest{0};
};

// Consumes one shard for as long as this worker holds its lease, on a thread of its own:
//
// 1. waits until every parent shard's lease is at SHARD_END or gone (so each partition key's
//    records come out in order across splits and merges);
// 2. makes a processor and calls Initialize with the lease's checkpoint;
// 3. reads from the checkpoint on (AT_SEQUENCE_NUMBER, leaving out what the checkpoint
//    covers, so a checkpoint inside a KPL aggregate resumes inside it), takes KPL aggregates
//    apart, and hands each batch to ProcessRecords; the next batch is read (on a reader thread
//    of its own) while the processor works on one, never more than one ahead;
// 4. at the shard's end creates the children's leases, calls ShardEnded, requires a SHARD_END
//    checkpoint, records the children in the lease and releases it.
//
// A processor callback that fails, or a processor that did not checkpoint at SHARD_END, is
// logged with the shard, the last sequence number delivered and the error; the processor is
// dropped and after a backoff (task_backoff_time doubling up to max_task_backoff_time) a new
// one starts from the last checkpoint. Nothing is skipped. A lease lost to another worker ends
// the consumer with LeaseLost; RequestShutdown, and a handoff request from another worker (a
// steal), end it after the batch in flight with ShutdownRequested (the processor may
// checkpoint) and release the lease at once (to the worker that asked for it, if one did).
//
// A stream that no longer exists (NotFound) is reported through `on_fatal` and ends the
// consumer; an expired iterator is renewed from the last record delivered; a trimmed position
// is logged as a gap and reading goes on from TRIM_HORIZON; throttling and transport failures
// are retried.
//
// Thread-safety: Start, RequestShutdown, finished and Join may be called from any thread;
// Join from one.
class ShardConsumer {
 public:
  ShardConsumer(std::string shard_id, uint64_t token, Source& source,
                LeaseCoordinator& coordinator, ShardSyncer& syncer,
                RecordProcessorFactory& factory, const Clock& clock,
                const WorkerOptions& options, std::shared_ptr<ShardCounters> counters,
                std::function<void(const Status&)> on_fatal);
  ~ShardConsumer();  // requests shutdown and joins

  void Start();
  void RequestShutdown();
  bool finished() const { return finished_.load(std::memory_order_acquire); }
  void Join();

  const std::string& shard_id() const { return shard_id_; }
  uint64_t token() const { return token_; }

 private:
  class Checkpointer;
  enum class Ending { kLeaseLost, kShardEnded, kShutdown, kFatal };

  void Run();
  // One processor's life; an error asks for a restart.
  Result<Ending> RunProcessor();
  Result<Ending> WaitForParents();
  Result<Ending> OnNotFound(RecordProcessor& processor, const Status& error);
  bool Sleep(int64_t ms);  // false when woken by RequestShutdown
  bool shutdown_requested() const { return shutdown_.load(std::memory_order_acquire); }
  bool held() const { return coordinator_.IsHeld(shard_id_, token_); }
  // The worker is stopping, or another worker asked for the lease: time to let it go.
  bool should_stop() const {
    return shutdown_requested() || coordinator_.HandoffRequested(shard_id_, token_);
  }

  const std::string shard_id_;
  const uint64_t token_;
  Source& source_;
  LeaseCoordinator& coordinator_;
  ShardSyncer& syncer_;
  RecordProcessorFactory& factory_;
  const Clock& clock_;
  const WorkerOptions& options_;
  const std::shared_ptr<ShardCounters> counters_;
  const std::function<void(const Status&)> on_fatal_;

  std::string last_delivered_;  // the last sequence number handed to a processor
  std::atomic<bool> shutdown_{false};
  std::atomic<bool> finished_{false};
  std::mutex mu_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace eddy::consumer
