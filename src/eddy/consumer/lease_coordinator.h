#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "eddy/base/clock.h"
#include "eddy/base/thread_annotations.h"
#include "eddy/consumer/lease.h"
#include "eddy/consumer/record_processor.h"

namespace eddy::consumer {

struct LeaseCoordinatorOptions {
  std::string worker_id;             // REQUIRED, unique among running workers
  int64_t failover_time_ms = 10000;  // a lease whose counter did not move this long is expired
  int max_leases_for_worker = 1 << 30;
  int max_leases_to_steal_at_one_time = 1;
};

// What one taker cycle saw and did.
struct TakerCycle {
  std::vector<Lease> leases;         // the whole table, as scanned
  std::vector<std::string> damaged;  // items that are not leases ("key: reason")
  std::vector<std::string> taken;    // unowned or expired leases this worker took (and leases
                                     // handed over to it, or not handed over in time)
  std::vector<std::string> stolen;   // leases of a live, more loaded worker it asked for
  int workers = 0;                   // workers seen (owners of live leases, and this one)
  int target = 0;                    // this worker's fair share
};

// A lease this worker holds, as its shard consumer sees it. `token` changes with every
// acquisition, so a consumer of an earlier tenure is told it lost the lease even if the worker
// took the same lease again since.
struct HeldLease {
  Lease lease;
  uint64_t token = 0;
};

// KCL's lease taker and renewer for one worker, over a LeaseTable (KCL 2.x's algorithm:
// DynamoDBLeaseTaker, DynamoDBLeaseRenewer), with eddy's changes:
//
// - Expiry is observed locally, as in KCL: a lease is expired for this worker when it saw no
//   change of its counter for failover_time on its own monotonic clock (no clock agreement
//   between hosts is needed). A lease first seen owned counts from that sighting; a lease seen
//   unowned is available at once.
// - A cycle takes available leases (unowned or expired) up to the fair share,
//   ceil(leases / workers) capped at max_leases_for_worker; with none available it steals at
//   most max_leases_to_steal_at_one_time from the single most loaded worker, only while that
//   worker is above the share (or at it while this one needs more than one), so the assignment
//   stops moving once balanced.
// - A steal is a handoff, not a take (KCL 2.x takes, and the old owner goes on processing the
//   shard until it notices, so the two process it at once and the batches in between twice):
//   the thief writes a handoff request into the lease (handoffTo), which leaves the counter
//   alone; the owner sees it in its next scan or renewal, its consumer stops after the batch in
//   flight and lets the processor checkpoint (ShutdownRequested), and Release gives the lease
//   to the thief, which takes it up at its next scan. A lease with a request counts as the
//   thief's in everybody's share. A request its owner leaves unanswered for failover_time
//   (renewing, but with a processor stuck in a callback) is followed by a plain take.
// - Finished leases (checkpoint SHARD_END) are left out of the count and never taken: they
//   wait only for cleanup (KCL counts them, and workers could stop short of their share).
// - A lease the table says this worker owns but that it does not hold (a restart with the same
//   worker id) is taken back at once instead of waited out.
// - Every write is conditional on the lease counter (and the owner where KCL checks it), and
//   is serialized per lease in this process, so a renewal and a checkpoint never race each
//   other. A held lease whose last successful write is failover_time old is dropped as lost
//   before anything else is written with it.
//
// Thread-safety: every method may be called from any thread; TakeLeases and RenewLeases are
// meant to run on a taker thread and a renewer thread respectively.
class LeaseCoordinator {
 public:
  LeaseCoordinator(LeaseTable& table, const Clock& clock, LeaseCoordinatorOptions options);

  const std::string& worker_id() const { return options_.worker_id; }

  // One taker cycle: scans the table, then takes or steals as described above.
  Result<TakerCycle> TakeLeases() EXCLUDES(mu_);

  // Renews every held lease. Returns the keys of the leases lost: the renewal's condition
  // failed (another worker took it), the lease is gone from the table, or its last successful
  // write is failover_time old (a renewal that fails for another reason is retried next time
  // until then). Errors other than those are logged, not returned.
  // `table_missing` (if given) is set when the table itself no longer exists.
  std::vector<std::string> RenewLeases(bool* table_missing = nullptr) EXCLUDES(mu_);

  // The lease if this worker holds it under `token` and its last successful write is younger
  // than failover_time; nullopt otherwise.
  std::optional<HeldLease> GetHeld(const std::string& lease_key) const EXCLUDES(mu_);
  bool IsHeld(const std::string& lease_key, uint64_t token) const EXCLUDES(mu_);
  std::vector<std::string> HeldLeaseKeys() const EXCLUDES(mu_);

  // Writes a checkpoint (and a pending one, or clears it when `pending` is empty) to a lease
  // held under `token`, fenced by its counter. kShutdown when the lease is no longer held (or
  // the write found another owner), kInvalidState when the table or the item is gone,
  // kThrottling/kDependency for failures worth retrying.
  CheckpointOutcome Checkpoint(const std::string& lease_key, uint64_t token,
                               const ExtendedSequenceNumber& checkpoint,
                               const ExtendedSequenceNumber& pending,
                               const std::string& pending_state) EXCLUDES(mu_);
  // Records the children of a finished shard in its held lease (fenced like a checkpoint).
  Status SetChildShards(const std::string& lease_key, uint64_t token,
                        const std::set<std::string>& children) EXCLUDES(mu_);

  // Whether another worker asked for this lease (a handoff request, seen in a scan or in the
  // answer to a write): its consumer should stop after the batch in flight and Release it.
  bool HandoffRequested(const std::string& lease_key, uint64_t token) const EXCLUDES(mu_);

  // Gives up the lease so another worker may take it at once, and forgets it: to the worker
  // that asked for it (owner = that worker, counter + 1) when a handoff was requested and the
  // shard is not finished, else to nobody (no owner, counter + 1). Does nothing if the lease is
  // not held under `token`.
  Status Release(const std::string& lease_key, uint64_t token) EXCLUDES(mu_);
  // Releases every held lease; returns how many were released.
  int ReleaseAll() EXCLUDES(mu_);
  // For a worker that stops, after ReleaseAll: withdraws this worker's handoff requests and
  // releases the leases the table says are its own but that it does not hold (handed over to
  // it since its last scan), so no lease waits for the failover time because of it. Returns
  // how many leases and requests it gave back.
  int ReleaseUnheld() EXCLUDES(mu_);

  // Whether this worker asked for leases that were not handed over yet.
  bool HasPendingHandoffs() const EXCLUDES(mu_);
  // Reads each lease this worker asked for and takes up those handed over to it, without
  // waiting for the next scan. Returns the keys taken.
  std::vector<std::string> PollHandoffs() EXCLUDES(mu_);
  // Forgets a lease without writing (after the consumer saw it lost).
  void Forget(const std::string& lease_key, uint64_t token) EXCLUDES(mu_);

  // The table as the last taker cycle saw it (for lineage checks).
  std::vector<Lease> LastListing() const EXCLUDES(mu_);

  struct Stats {
    std::atomic<uint64_t> takes{0};
    std::atomic<uint64_t> steals{0};
    std::atomic<uint64_t> renewals{0};
    std::atomic<uint64_t> losses{0};
    std::atomic<uint64_t> releases{0};  // handovers included
    std::atomic<uint64_t> handovers{0};
    std::atomic<uint64_t> checkpoints{0};
    std::atomic<uint64_t> writes{0};  // every conditional write sent (renewals included)
  };
  const Stats& stats() const { return stats_; }

 private:
  // One held lease. Its mutex serializes the writes of this lease (renewal, checkpoint,
  // release) in this process.
  struct Held {
    std::mutex mu;
    Lease lease GUARDED_BY(mu);
    int64_t last_write_nanos GUARDED_BY(mu) = 0;  // when the last successful write was sent
    bool lost GUARDED_BY(mu) = false;
    std::string handoff_to GUARDED_BY(mu);  // who asked for it; empty: nobody
    uint64_t token = 0;  // set before publication, then constant
  };
  // What this worker saw of a lease in its scans, for local expiry.
  struct Sighting {
    int64_t counter = 0;
    int64_t last_change_nanos = 0;
  };

  bool Expired(const Lease& lease, int64_t now_nanos) REQUIRES(mu_);
  bool FreshLocked(const Held& held, int64_t now_nanos) const REQUIRES(held.mu);
  std::shared_ptr<Held> FindHeld(const std::string& lease_key, uint64_t token) const
      EXCLUDES(mu_);
  // Takes `lease` for this worker (conditional on its counter); true when it did.
  bool Acquire(Lease lease) EXCLUDES(mu_);
  // Asks the owner of `lease` to hand it over to this worker; true when the request was written.
  bool RequestHandoff(Lease lease) EXCLUDES(mu_);
  // Stores the answer to a successful write of a held lease.
  void Adopt(Held& held, Lease lease, int64_t sent_nanos) REQUIRES(held.mu);
  void DropHeld(const std::string& lease_key, const std::shared_ptr<Held>& held) EXCLUDES(mu_);

  LeaseTable& table_;
  const Clock& clock_;
  const LeaseCoordinatorOptions options_;
  const int64_t failover_nanos_;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Held>> held_ GUARDED_BY(mu_);
  std::map<std::string, Sighting> sightings_ GUARDED_BY(mu_);
  // This worker's pending handoff requests: lease key -> when it made (or first saw) it.
  std::map<std::string, int64_t> requests_ GUARDED_BY(mu_);
  std::vector<Lease> last_listing_ GUARDED_BY(mu_);
  uint64_t next_token_ GUARDED_BY(mu_) = 1;
  std::mt19937_64 random_ GUARDED_BY(mu_);

  Stats stats_;
};

}  // namespace eddy::consumer
