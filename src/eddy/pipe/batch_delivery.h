#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "eddy/base/clock.h"
#include "eddy/consumer/record.h"
#include "eddy/pipe/event.h"
#include "eddy/pipe/failure_destination.h"
#include "eddy/pipe/pipe_config.h"
#include "eddy/pipe/pipe_status.h"
#include "eddy/pipe/target.h"

namespace eddy::pipe {

// One record ready for delivery: the record and its entry of the event's Records[].
struct DeliveryItem {
  const consumer::Record* record = nullptr;
  std::string entry;  // RecordEntry
};

// How long to wait between attempts. Lambda does not publish its pacing; eddy doubles from
// `initial_ms` to `max_ms`.
struct RetryPacing {
  int64_t initial_ms = 100;
  int64_t max_ms = 5000;
  int64_t broken_ms = 30000;  // after a kBroken answer (a target that cannot run)
};

// Delivers one batch to a target with Lambda's event-source-mapping rules, until every record of
// it is either delivered or handed to the failure destination:
//   - success: the batch is done;
//   - a partial batch response (ReportBatchItemFailures): the records before the lowest failed
//     identifier are done; the rest is retried (an attempt used);
//   - a function error: with BisectBatchOnFunctionError the batch is split in halves, each
//     retried on its own, in order (a split uses no attempt); a single record, or without
//     bisect, is retried as it is (an attempt used);
//   - the target unavailable (throttled, unreachable): retried without using an attempt;
//   - when MaximumRetryAttempts are used up (not -1), or the oldest record of what is left is
//     older than MaximumRecordAgeInSeconds (not -1; checked before every delivery, the first
//     included), what is left goes to the failure destination ("RetryAttemptsExhausted",
//     "RecordAgeExceeded") or, with none configured, is dropped and logged, as Lambda;
//     a destination that refuses is retried until it takes the batch: nothing is given up
//     without reaching it.
// With the defaults (-1, -1) a batch that keeps failing blocks its shard, visibly (the shard's
// status and retry_attempts), as Lambda's does until the records expire.
//
// Thread-safety: one Deliver call per thread; several BatchDeliverers (one per parallelization
// slot) may share a Target, a FailureSink and a ShardStatus.
class BatchDeliverer {
 public:
  // Everything given must outlive the deliverer. `sink` may be null (no destination).
  // `stopping` is polled between attempts: once it says true, Deliver returns.
  BatchDeliverer(const PipeConfig& config, const EventContext& context, Target& target,
                 FailureSink* sink, ShardStatus& status, PipeStatus& pipe_status,
                 const Clock& clock, RetryPacing pacing, const std::atomic<bool>& stopping);

  // Delivers items[begin, end). Returns how many items from `begin` on are done (delivered or
  // given up on), in order: end - begin, unless stopping interrupted it.
  size_t Deliver(std::vector<DeliveryItem>& items, size_t begin, size_t end);

 private:
  struct Range {
    size_t begin, end;
    int attempts = 0;   // function errors and partial responses so far
    int invokes = 0;    // deliveries so far (approximateInvokeCount)
    int waits = 0;      // consecutive pauses, for the backoff
  };
  struct LastAnswer {
    TargetResult result;
    bool partial = false;
  };

  // Hands items[r.begin, r.end) to the destination, retrying it until it takes them.
  // False when stopping interrupted it.
  bool GiveUp(const std::vector<DeliveryItem>& items, const Range& r, std::string_view condition,
              const LastAnswer& last);
  bool Pause(int64_t ms);  // false once stopping
  int64_t Backoff(int waits) const;

  const PipeConfig& config_;
  const EventContext& context_;
  Target& target_;
  FailureSink* const sink_;
  ShardStatus& status_;
  PipeStatus& pipe_status_;
  const Clock& clock_;
  const RetryPacing pacing_;
  const std::atomic<bool>& stopping_;
};

}  // namespace eddy::pipe
