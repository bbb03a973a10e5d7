#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "eddy/consumer/lease.h"

namespace eddy::consumer {

// An in-memory LeaseTable with the conditions DynamoDbLeaseTable sends, for tests of the lease
// logic. `missing` makes every call answer NotFound (a deleted table); `fail_writes` makes the
// conditional writes answer Unavailable.
// Thread-safety: every method may be called from any thread.
class FakeLeaseTable final : public LeaseTable {
 public:
  Status CreateTableIfNotExists() override {
    std::lock_guard lock(mu_);
    missing = false;
    return Status::Ok();
  }
  Result<std::vector<Lease>> ListLeases(std::vector<std::string>* damaged) override {
    std::lock_guard lock(mu_);
    if (missing) return Status::NotFound("table");
    ++scans;
    std::vector<Lease> out;
    for (const auto& [key, lease] : leases_) out.push_back(lease);
    if (damaged != nullptr) *damaged = damaged_items;
    return out;
  }
  Result<std::optional<Lease>> GetLease(const std::string& key) override {
    std::lock_guard lock(mu_);
    if (missing) return Status::NotFound("table");
    auto it = leases_.find(key);
    if (it == leases_.end()) return std::optional<Lease>();
    return std::optional<Lease>(it->second);
  }
  Result<LeaseWrite> CreateLeaseIfNotExists(const Lease& lease) override {
    std::lock_guard lock(mu_);
    if (missing) return Status::NotFound("table");
    if (leases_.count(lease.lease_key)) return LeaseWrite::kConditionFailed;
    leases_[lease.lease_key] = lease;
    return LeaseWrite::kDone;
  }
  Result<LeaseWrite> RenewLease(Lease* lease) override {
    return Write(lease, /*check_owner=*/true, [](Lease&) {});
  }
  Result<LeaseWrite> TakeLease(Lease* lease, const std::string& new_owner) override {
    return Write(lease, false, [&](Lease& l) {
      if (l.owner != new_owner) ++l.owner_switches_since_checkpoint;
      l.owner = new_owner;
      l.handoff_to.clear();
    });
  }
  Result<LeaseWrite> EvictLease(Lease* lease) override {
    std::lock_guard lock(mu_);
    if (missing) return Status::NotFound("table");
    ++writes;
    auto it = leases_.find(lease->lease_key);
    if (it == leases_.end() || it->second.owner != lease->owner) {
      return LeaseWrite::kConditionFailed;
    }
    it->second.owner.clear();
    it->second.handoff_to.clear();
    ++it->second.counter;
    *lease = it->second;
    return LeaseWrite::kDone;
  }
  Result<LeaseWrite> RequestHandoff(Lease* lease, const std::string& to) override {
    std::lock_guard lock(mu_);
    if (missing) return Status::NotFound("table");
    if (fail_writes) return Status::Unavailable("throttled");
    ++writes;
    auto it = leases_.find(lease->lease_key);
    if (it == leases_.end() || it->second.owner != lease->owner ||
        !it->second.handoff_to.empty()) {
      return LeaseWrite::kConditionFailed;
    }
    it->second.handoff_to = to;  // the counter does not move
    *lease = it->second;
    return LeaseWrite::kDone;
  }
  Result<LeaseWrite> HandOverLease(Lease* lease) override {
    const std::string to = lease->handoff_to;
    return Write(lease, true, [&](Lease& l) {
      if (l.owner != to) ++l.owner_switches_since_checkpoint;
      l.owner = to;
      l.handoff_to.clear();
    });
  }
  Result<LeaseWrite> WithdrawHandoff(Lease* lease, const std::string& from) override {
    std::lock_guard lock(mu_);
    if (missing) return Status::NotFound("table");
    ++writes;
    auto it = leases_.find(lease->lease_key);
    if (it == leases_.end() || it->second.handoff_to != from) return LeaseWrite::kConditionFailed;
    it->second.handoff_to.clear();  // the counter does not move
    *lease = it->second;
    return LeaseWrite::kDone;
  }
  Result<LeaseWrite> UpdateCheckpoint(Lease* lease) override {
    const Lease wanted = *lease;
    return Write(lease, true, [&](Lease& l) {
      l.checkpoint = wanted.checkpoint;
      l.pending_checkpoint = wanted.pending_checkpoint;
      l.pending_checkpoint_state = wanted.pending_checkpoint_state;
      l.owner_switches_since_checkpoint = wanted.owner_switches_since_checkpoint;
    });
  }
  Result<LeaseWrite> UpdateChildShards(Lease* lease) override {
    const Lease wanted = *lease;
    return Write(lease, true, [&](Lease& l) { l.child_shard_ids = wanted.child_shard_ids; });
  }
  Result<LeaseWrite> DeleteFinishedLease(const std::string& key) override {
    std::lock_guard lock(mu_);
    if (missing) return Status::NotFound("table");
    auto it = leases_.find(key);
    if (it == leases_.end() || !it->second.at_shard_end()) return LeaseWrite::kConditionFailed;
    leases_.erase(it);
    return LeaseWrite::kDone;
  }

  // Test access.
  void Put(const Lease& lease) {
    std::lock_guard lock(mu_);
    leases_[lease.lease_key] = lease;
  }
  std::optional<Lease> Get(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = leases_.find(key);
    if (it == leases_.end()) return std::nullopt;
    return it->second;
  }
  std::map<std::string, int> OwnerCounts() {
    std::lock_guard lock(mu_);
    std::map<std::string, int> counts;
    for (const auto& [key, lease] : leases_) {
      if (lease.owned() && !lease.at_shard_end()) ++counts[lease.owner];
    }
    return counts;
  }

  bool missing = false;
  bool fail_writes = false;
  int scans = 0;
  int writes = 0;
  std::vector<std::string> damaged_items;

 private:
  template <typename Fn>
  Result<LeaseWrite> Write(Lease* lease, bool check_owner, Fn&& change) {
    std::lock_guard lock(mu_);
    if (missing) return Status::NotFound("table");
    if (fail_writes) return Status::Unavailable("throttled");
    ++writes;
    auto it = leases_.find(lease->lease_key);
    if (it == leases_.end() || it->second.counter != lease->counter ||
        (check_owner && it->second.owner != lease->owner)) {
      return LeaseWrite::kConditionFailed;
    }
    change(it->second);
    ++it->second.counter;
    *lease = it->second;
    return LeaseWrite::kDone;
  }

  std::mutex mu_;
  std::map<std::string, Lease> leases_;
};

}  // namespace eddy::consumer
