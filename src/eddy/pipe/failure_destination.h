#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/client/kinesis_client.h"
#include "eddy/consumer/record.h"
#include "eddy/pipe/event.h"
#include "eddy/pipe/pipe_config.h"

namespace eddy::pipe {

// A batch given up on: its retries or its records' age ran out.
struct FailedBatch {
  std::string pipe;
  std::string condition;  // "RetryAttemptsExhausted" or "RecordAgeExceeded"
  int approximate_invoke_count = 0;
  std::string function_arn;
  // The last delivery's outcome. function_error: "Unhandled" when the function failed, empty
  // when the last answer was a valid partial batch response (as Lambda leaves it out then).
  int status_code = 200;
  std::string function_error;
  std::string error_type;
  std::string error_message;
  const EventContext* context = nullptr;
  std::vector<const consumer::Record*> records;  // in order, at least one
  std::vector<const std::string*> entries;       // their Records[] entries (RecordEntry)
};

// The failure record: Lambda's (requestContext, responseContext, version, timestamp and
// KinesisBatchInfo or DDBStreamBatchInfo with the shard, the sequence range, the arrival times
// of the first and last record, batchSize and streamArn), plus what Lambda leaves out: "pipe",
// "error" {"errorType","errorMessage"} and "records", the failed records themselves as the
// function was sent them (so `eddy pipe redrive` can deliver them again).
std::string FailureRecordJson(const FailedBatch& batch, int64_t now_ms);

// Where failed batches go. Send returns once the record is durable at the destination (a file:
// written and fdatasync'ed; a stream: acknowledged), so the pipe checkpoints past the batch only
// then. Errors are retried by the caller.
// Thread-safety: Send may be called from any number of threads at once.
class FailureSink {
 public:
  virtual ~FailureSink() = default;
  virtual Status Send(const FailedBatch& batch) = 0;
  virtual Status CheckReachable() = 0;
  virtual std::string Describe() const = 0;
};

// Appends one failure record per line to `path` (made if missing, with its folder). Each append
// holds the file's lock (LockFileAtPath), follows the file when a redrive replaced it, and
// starts on a new line when the file ends in a torn line (a process killed while writing).
Result<std::unique_ptr<FailureSink>> MakeFileFailureSink(const std::string& path);

// The lock of a file destination: flock(LOCK_EX) on the file at `path`, taken by the file sink
// for each append and by a redrive (pipe/redrive.h) while it replaces the file by a rename.
// Because of that rename, a descriptor opened earlier may name a file no longer at `path`: this
// locks `*fd` (first opening `path` with `open_flags` when *fd is -1) and, while the locked file
// is not the one at `path`, closes it and opens and locks `path` again. On success *fd holds the
// lock (released by flock(LOCK_UN) or close). With `wait` false, another holder makes it return
// Unavailable at once instead of waiting. On error *fd is -1 or open without the lock.
// Errors: those of open (NotFound when `path` is missing and open_flags has no O_CREAT), flock,
// stat.
Status LockFileAtPath(const std::string& path, int open_flags, bool wait, int* fd);

// Puts failure records on the Kinesis stream `stream` (the partition key is the source shard, so
// one shard's failures stay in order). A failure record over Kinesis' 1 MiB record limit is split
// into several, each with a part of the records; a single record too large for one is sent with
// its data left out ("dataOmitted": true) and logged.
std::unique_ptr<FailureSink> MakeKinesisFailureSink(client::KinesisClient& kinesis,
                                                    std::string stream);

}  // namespace eddy::pipe
