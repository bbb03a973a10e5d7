#pragma once

#include <string>
#include <vector>

#include "eddy/consumer/lease.h"
#include "eddy/consumer/source.h"
#include "eddy/consumer/worker_options.h"

namespace eddy::consumer {

// Keeps the lease table in step with the source's shards (KCL's HierarchicalShardSyncer and
// LeaseCleanupManager, simplified):
//
// - Every shard without a lease gets one, unless a descendant of it already has one (its lease
//   was cleaned up after it ended: it must not be read again). On the application's first
//   sync (an empty table) the checkpoint follows the initial position: TRIM_HORIZON and
//   AT_TIMESTAMP for every shard, LATEST for the open shards only (closed ones get no lease).
//   A shard that appears later (a child of a split, merge or rollover) starts at TRIM_HORIZON,
//   so it is read whole once its parents are done.
// - A finished lease (SHARD_END) is deleted once every child has a lease that has started
//   (its checkpoint is past the start), or when its shard no longer exists in the source.
//
// Lease creation is conditional, so any number of workers may sync at once.
// Thread-safety: every method may be called from any number of threads at once (the syncer
// keeps no state of its own).
class ShardSyncer {
 public:
  // `source` and `table` must outlive the syncer.
  ShardSyncer(Source& source, LeaseTable& table, InitialPosition initial_position);

  struct Outcome {
    int created = 0;
    int deleted = 0;
    std::vector<std::string> damaged;  // lease items that are not leases
  };
  // Lists the shards and the leases, creates the missing leases, and (with `cleanup`) deletes
  // the finished ones that are no longer needed.
  Result<Outcome> Sync(bool cleanup);
  // Creates the leases of the children a shard's end revealed (TRIM_HORIZON), without listing
  // the source. Returns how many were created.
  Result<int> CreateChildLeases(const std::vector<SourceShard>& children);

 private:
  Source& source_;
  LeaseTable& table_;
  const InitialPosition initial_position_;
};

// The checkpoint a lease starts with for `position`.
ExtendedSequenceNumber InitialCheckpoint(InitialPosition position);

}  // namespace eddy::consumer
