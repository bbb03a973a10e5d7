#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eddy/base/status.h"
#include "eddy/consumer/record.h"

namespace eddy::consumer {

// Why a checkpoint was refused, with the names KCL's exceptions have (the multilang protocol
// sends these names to the child in the checkpoint answer's `error` field).
enum class CheckpointError {
  kNone,
  kShutdown,         // "ShutdownException": the lease is lost; another worker may own the shard
  kThrottling,       // "ThrottlingException": the lease table refused for capacity; retry later
  kInvalidState,     // "InvalidStateException": the lease table or the lease is gone
  kDependency,       // "KinesisClientLibDependencyException": transient failure; retry later
  kInvalidArgument,  // "IllegalArgumentException": before the last checkpoint or past the last
                     // record delivered, or not a sequence number
};

// "ShutdownException", ...; "" for kNone.
std::string_view CheckpointErrorName(CheckpointError error);

struct CheckpointOutcome {
  CheckpointError error = CheckpointError::kNone;
  std::string message;
  bool ok() const { return error == CheckpointError::kNone; }
};

// Records progress in a shard's lease (KCL's RecordProcessorCheckpointer). Every write is
// conditional on the lease counter this worker holds, so a worker that lost the lease can never
// move the checkpoint (kShutdown).
//
// Thread-safety: used only from inside the RecordProcessor callback it was handed to, on that
// callback's thread.
class Checkpointer {
 public:
  virtual ~Checkpointer() = default;
  // Checkpoints the last record delivered (SHARD_END once the shard's end was delivered).
  virtual CheckpointOutcome Checkpoint() = 0;
  // Checkpoints at `position`. REQUIRES (else kInvalidArgument): last checkpoint <= position <=
  // the last record delivered. Checkpointing the last record of a closed shard writes SHARD_END.
  virtual CheckpointOutcome Checkpoint(const ExtendedSequenceNumber& position) = 0;
  // Writes `position` and `state` as the lease's pendingCheckpoint (two-phase checkpoint): the
  // next owner's Initialize sees them. A later Checkpoint clears them.
  virtual CheckpointOutcome PrepareCheckpoint(const ExtendedSequenceNumber& position,
                                              std::string application_state) = 0;
  virtual ExtendedSequenceNumber last_checkpoint() const = 0;
  virtual ExtendedSequenceNumber largest_permitted() const = 0;
};

struct InitializationInput {
  std::string shard_id;
  ExtendedSequenceNumber checkpoint;          // where processing resumes (after this)
  ExtendedSequenceNumber pending_checkpoint;  // empty: none
  std::string pending_checkpoint_state;
};

struct ProcessRecordsInput {
  const std::vector<Record>& records;
  int64_t millis_behind_latest = 0;
  Checkpointer& checkpointer;
};

// What a worker runs for each shard lease it holds, with KCL's lifecycle: Initialize once, then
// ProcessRecords for each batch in order, then exactly one of LeaseLost (the lease went to
// another worker: checkpointing is refused), ShardEnded (the shard is closed and fully
// delivered: the processor must checkpoint, or the shard's children stay blocked) or
// ShutdownRequested (the worker is stopping: a last checkpoint is allowed).
//
// A callback that returns an error makes the worker drop the processor and, after a backoff,
// start a new one from the last checkpoint: records are never skipped (KCL skips the batch;
// eddy does not).
//
// Thread-safety: a processor is called from one thread at a time, never concurrently.
class RecordProcessor {
 public:
  virtual ~RecordProcessor() = default;
  virtual Status Initialize(const InitializationInput& input) = 0;
  virtual Status ProcessRecords(const ProcessRecordsInput& input) = 0;
  virtual void LeaseLost() = 0;
  virtual Status ShardEnded(Checkpointer& checkpointer) = 0;
  virtual Status ShutdownRequested(Checkpointer& checkpointer) = 0;
};

// Makes one processor per shard lease.
// Thread-safety: Create may be called from any thread at any time.
class RecordProcessorFactory {
 public:
  virtual ~RecordProcessorFactory() = default;
  virtual std::unique_ptr<RecordProcessor> Create(const std::string& shard_id) = 0;
};

}  // namespace eddy::consumer
