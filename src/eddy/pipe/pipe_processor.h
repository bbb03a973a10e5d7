#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "eddy/base/clock.h"
#include "eddy/consumer/record_processor.h"
#include "eddy/pipe/batch_delivery.h"
#include "eddy/pipe/event.h"
#include "eddy/pipe/failure_destination.h"
#include "eddy/pipe/filter.h"
#include "eddy/pipe/pipe_config.h"
#include "eddy/pipe/pipe_status.h"
#include "eddy/pipe/target.h"

namespace eddy::pipe {

// What every shard processor of one pipe shares. Everything referenced outlives the processors.
struct PipeShared {
  const PipeConfig* config = nullptr;
  EventFilter filter;
  Target* target = nullptr;
  FailureSink* sink = nullptr;  // null: no on-failure destination
  PipeStatus* status = nullptr;
  const Clock* clock = nullptr;
  RetryPacing pacing;
  const std::atomic<bool>* stopping = nullptr;  // set when the pipe stops
  std::string invoke_identity_arn;
};

// The record processor of one shard of a pipe (a consumer::RecordProcessor, so the consumer's
// leases share a pipe's shards among eddy processes):
//   - records the FilterCriteria leave out are counted as processed;
//   - the others are gathered into batches of at most BatchSize records and 6 MB of payload,
//     waiting up to MaximumBatchingWindowInSeconds for a batch to fill (0: a batch is whatever
//     one read returned);
//   - with ParallelizationFactor N, records are spread over N slots by a hash of their partition
//     key; each slot delivers its batches in order, the N slots at once, so one key's records
//     always go through the same slot in order;
//   - each batch is delivered with Lambda's rules (BatchDeliverer);
//   - the lease is checkpointed after the records delivered or given up on, never past one
//     that is neither: after each batch with one slot; after every slot's share of a read
//     with several (the highest position below which everything is done).
// A shard that ends delivers what it holds and checkpoints SHARD_END. Records held when the
// lease is lost or the pipe stops are not checkpointed: whoever owns the shard next delivers
// them (at-least-once).
//
// Thread-safety: as a RecordProcessor (one callback at a time); the slots' threads live only
// inside ProcessRecords.
class PipeProcessor final : public consumer::RecordProcessor {
 public:
  explicit PipeProcessor(const PipeShared& shared);

  Status Initialize(const consumer::InitializationInput& input) override;
  Status ProcessRecords(const consumer::ProcessRecordsInput& input) override;
  void LeaseLost() override;
  Status ShardEnded(consumer::Checkpointer& checkpointer) override;
  Status ShutdownRequested(consumer::Checkpointer& checkpointer) override;

 private:
  // Delivers every held record and checkpoints after them. Unavailable when the pipe stopped first.
  Status DeliverHeld(consumer::Checkpointer& checkpointer);
  // Delivers items[begin, end) of one slot in batches of BatchSize and 6 MB; the number done.
  size_t DeliverSlot(BatchDeliverer& deliverer, std::vector<DeliveryItem>& items, size_t begin,
                     size_t end, const std::function<void(size_t done)>& after_batch);
  Status CheckpointAt(consumer::Checkpointer& checkpointer, const consumer::Record& record);

  const PipeShared& shared_;
  EventContext context_;
  std::shared_ptr<ShardStatus> status_;
  std::vector<consumer::Record> held_;  // read, not yet delivered (the batching window)
  int64_t held_since_ms_ = 0;
};

// Makes a PipeProcessor per shard lease.
class PipeProcessorFactory final : public consumer::RecordProcessorFactory {
 public:
  explicit PipeProcessorFactory(const PipeShared& shared) : shared_(shared) {}
  std::unique_ptr<consumer::RecordProcessor> Create(const std::string& shard_id) override;

 private:
  const PipeShared& shared_;
};

}  // namespace eddy::pipe
