#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/pipe/batch_delivery.h"
#include "eddy/pipe/pipe_config.h"
#include "eddy/pipe/target.h"

namespace eddy::pipe {

// Where a redrive is. "Failure records" are lines of the file; "records" are the stream records
// they hold.
struct RedriveProgress {
  size_t failure_records_total = 0;  // the pipe's failure records in the file when it started
  size_t failure_records_done = 0;   // of them, those redriven (or kept as unreadable)
  size_t records_delivered = 0;      // taken by the target, so removed from the file
  size_t records_failed_again = 0;   // given up on again, so kept in the file
  size_t malformed_lines = 0;        // lines kept untouched because they cannot be read
  std::vector<std::string> problems;  // one per malformed line: "line 7: not JSON (...)"
  bool interrupted = false;           // `stop` ended the redrive before the last failure record
};

// When the pipe's MaximumRetryAttempts is -1 ("until the record expires"): the records of a
// failure file have left their stream's window already, and a redrive must end.
inline constexpr int kDefaultRedriveRetryAttempts = 2;

struct RedriveOptions {
  // Called on the calling thread once the total is known (before the first delivery), then
  // after each failure record of the pipe, once the file has been rewritten for it.
  std::function<void(const RedriveProgress&)> on_progress;
  // Polled before each failure record and between delivery attempts (as a pipe's stop is): once
  // true, the redrive rewrites the file for what it did and returns (progress.interrupted).
  // May be null. Must outlive the call.
  const std::atomic<bool>* stop = nullptr;
  // Retry attempts per failure record. Unset: the pipe's MaximumRetryAttempts, or
  // kDefaultRedriveRetryAttempts when the pipe's is -1. -1 here: until delivered or stopped.
  std::optional<int> maximum_retry_attempts;
  // Pauses between attempts, and while the target is unavailable.
  RetryPacing pacing;
};

// Sends the records held by `config`'s file destination (DestinationConfig.OnFailure
// `file:///PATH`) back through `target`, and removes each one that is delivered.
//
// Each line of the file that is a failure record of `config.name` (lines of other pipes, blank
// lines and lines that cannot be read are kept as they are, the last reported in `problems`) is
// delivered as the event {"Records":[its "records" entries, as the function was first sent
// them]} by a BatchDeliverer with the pipe's rules: retries, BisectBatchOnFunctionError,
// ReportBatchItemFailures (identifiers: kinesis.sequenceNumber or dynamodb.SequenceNumber),
// StrictBatchItemFailures, and waiting without using an attempt while the target is unavailable
// (or cannot run: logged, as a pipe does; only `stop` ends that wait). Two differences:
// MaximumRecordAgeInSeconds is not applied (the records are old by nature), and the retry
// attempts are `options.maximum_retry_attempts`. Then the line is replaced by the failure
// record of the records still failing (or not delivered before `stop`): requestContext,
// responseContext and error of the last attempt, approximateInvokeCount raised by the redrive's
// invocations, the batch info recomputed for those records; or removed when none is left.
//
// Durability: after each failure record the file is replaced atomically (PATH.redrive.tmp
// written, fdatasync'ed, renamed over PATH, the folder fsync'ed), so a redrive killed at any
// point loses no line and, run again, resumes with what was left; at worst (killed between a
// delivery and the rename) the records of one failure record are delivered twice, as at least
// once allows. A record removed from the file is never delivered again.
//
// Concurrency: only the lines present when the redrive starts are redriven; failure records a
// live pipe appends meanwhile are kept, after them. Appends and each replacement take the
// file's lock (LockFileAtPath): the pipe's FileFailureSink waits for at most one replacement,
// and follows the file to its new inode. A second redrive of the same file at the same time is
// refused (PATH.redrive.lock, removed at the end).
//
// Cost: each replacement copies the whole file: O(failure records x file size) bytes written;
// memory: one line at a time (at most about one 6 MB event).
//
// Errors: FailedPrecondition when the pipe's destination is not a file (a Kinesis stream: not
// supported yet; none: nothing to redrive), when another redrive holds the file, or when the
// file was changed other than by appends during the redrive; the I/O errors of reading and
// replacing the file (the records of the failure record being redriven then stay in the file,
// and may be delivered again by the next redrive). A missing file is nothing to redrive (OK).
//
// Thread-safety: blocks the calling thread until done; `target` is called from it only.
Result<RedriveProgress> RedriveFileDestination(const PipeConfig& config, Target& target,
                                               const RedriveOptions& options);

}  // namespace eddy::pipe
