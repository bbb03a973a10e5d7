#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/consumer/record.h"

namespace eddy::consumer {

// One shard's lease, as one item of the application's lease table, with KCL's attribute names
// (leases/dynamodb/DynamoDBLeaseSerializer in KCL) so that tools reading KCL lease tables read
// eddy's:
//
//   leaseKey (S, hash key)              the shard id
//   leaseOwner (S)                      the worker holding it; absent: nobody
//   leaseCounter (N)                    +1 on every renewal, take, release and checkpoint: the
//                                       fencing token of every conditional write, and the
//                                       heartbeat others watch to tell a live owner
//   checkpoint (S), checkpointSubSequenceNumber (N)
//                                       processed up to here: a sequence number or a sentinel
//   pendingCheckpoint (S), pendingCheckpointSubSequenceNumber (N), pendingCheckpointState (B)
//                                       a prepared (two-phase) checkpoint
//   ownerSwitchesSinceCheckpoint (N)    +1 per change of owner; 0 after a checkpoint
//   parentShardId (SS)                  the shard's parents (two after a merge)
//   childShardIds (SS)                  its children, written when it ends
//   startingHashKey, endingHashKey (S)  the shard's hash key range (Kinesis only)
//   handoffTo (S)                       eddy's: a worker that asked the owner for this lease to
//                                       balance the load (a steal); the owner hands it over
//                                       after its batch in flight. Absent: nobody asked
//
// Thread-safety: a value type.
struct Lease {
  std::string lease_key;
  std::string owner;  // empty: nobody
  int64_t counter = 0;
  ExtendedSequenceNumber checkpoint;
  ExtendedSequenceNumber pending_checkpoint;  // empty: none
  std::string pending_checkpoint_state;
  int64_t owner_switches_since_checkpoint = 0;
  std::set<std::string> parent_shard_ids;
  std::set<std::string> child_shard_ids;
  std::string starting_hash_key;
  std::string ending_hash_key;
  std::string handoff_to;  // empty: no handoff requested

  bool owned() const { return !owner.empty(); }
  bool at_shard_end() const { return checkpoint.is_shard_end(); }

  friend bool operator==(const Lease&, const Lease&) = default;
};

// Why a conditional lease write did not happen.
enum class LeaseWrite {
  kDone,
  kConditionFailed,  // the counter or owner moved: somebody else wrote the lease first
};

// The storage of one application's leases: a DynamoDB table (DynamoDbLeaseTable) or, in tests,
// a fake. Every write but creation is conditional, as KCL's are, so two workers racing for a
// lease cannot both win, and a worker that lost a lease cannot renew it or checkpoint it.
//
// Errors: NotFound when the table does not exist; Unavailable for throttling and transient
// failures (retry later); other codes for anything else. A damaged item (wrong types, no key)
// is left out of ListLeases and reported through `damaged` instead of failing the listing.
//
// Thread-safety: implementations may be called from any number of threads at once.
class LeaseTable {
 public:
  virtual ~LeaseTable() = default;

  // Creates the table (PAY_PER_REQUEST, hash key leaseKey) unless it exists, and waits until it
  // is usable.
  virtual Status CreateTableIfNotExists() = 0;
  // Every lease. `damaged` (if given) receives "key: reason" for each item that is not a lease.
  virtual Result<std::vector<Lease>> ListLeases(std::vector<std::string>* damaged = nullptr) = 0;
  virtual Result<std::optional<Lease>> GetLease(const std::string& lease_key) = 0;
  // Creates `lease` unless an item with its key exists (then kConditionFailed, nothing changed).
  virtual Result<LeaseWrite> CreateLeaseIfNotExists(const Lease& lease) = 0;

  // The conditional writes. Each requires the stored lease to have `lease.counter` (and, where
  // said, `lease.owner`) and on success stores the new state and sets `*lease` to it (the
  // counter one higher). On kConditionFailed `*lease` is unchanged.
  //
  // Renew: counter and owner match -> counter + 1.
  virtual Result<LeaseWrite> RenewLease(Lease* lease) = 0;
  // Take: counter matches -> owner = `new_owner`, counter + 1, ownerSwitchesSinceCheckpoint + 1
  // when the owner changes, no handoff request.
  virtual Result<LeaseWrite> TakeLease(Lease* lease, const std::string& new_owner) = 0;
  // Release: owner matches (the counter may have moved) -> no owner, counter + 1, no handoff
  // request.
  virtual Result<LeaseWrite> EvictLease(Lease* lease) = 0;
  // Handoff request: owner matches and no request is pending -> handoffTo = `to`. The counter
  // does not move, so the owner's renewals and checkpoints go on as before.
  virtual Result<LeaseWrite> RequestHandoff(Lease* lease, const std::string& to) = 0;
  // Hand over: counter and owner match -> owner = `lease.handoff_to`, counter + 1,
  // ownerSwitchesSinceCheckpoint + 1, no handoff request. REQUIRES: lease.handoff_to not empty.
  virtual Result<LeaseWrite> HandOverLease(Lease* lease) = 0;
  // Withdraws a handoff request: handoffTo = `from` -> no handoff request. The counter does not
  // move. (A worker that stops withdraws its requests, so nobody hands it a lease it will not
  // take up.)
  virtual Result<LeaseWrite> WithdrawHandoff(Lease* lease, const std::string& from) = 0;
  // Checkpoint: counter and owner match -> checkpoint, pending checkpoint (and state) and
  // ownerSwitchesSinceCheckpoint as in `*lease`, counter + 1.
  virtual Result<LeaseWrite> UpdateCheckpoint(Lease* lease) = 0;
  // Records the shard's children: counter and owner match -> childShardIds, counter + 1.
  virtual Result<LeaseWrite> UpdateChildShards(Lease* lease) = 0;
  // Deletes the lease if its checkpoint is still SHARD_END (cleanup of a finished shard).
  virtual Result<LeaseWrite> DeleteFinishedLease(const std::string& lease_key) = 0;
};

}  // namespace eddy::consumer
