#include "eddy/consumer/shard_syncer.h"

#include <functional>
#include <map>
#include <set>

namespace eddy::consumer {

ExtendedSequenceNumber InitialCheckpoint(InitialPosition position) {
  switch (position) {
    case InitialPosition::kTrimHorizon:
      return ExtendedSequenceNumber::TrimHorizon();
    case InitialPosition::kLatest:
      return ExtendedSequenceNumber::Latest();
    case InitialPosition::kAtTimestamp:
      return ExtendedSequenceNumber::AtTimestamp();
  }
  return ExtendedSequenceNumber::TrimHorizon();
}

namespace {

Lease LeaseFor(const SourceShard& shard, ExtendedSequenceNumber checkpoint) {
  Lease lease;
  lease.lease_key = shard.shard_id;
  lease.checkpoint = std::move(checkpoint);
  lease.parent_shard_ids.insert(shard.parent_shard_ids.begin(), shard.parent_shard_ids.end());
  lease.starting_hash_key = shard.starting_hash_key;
  lease.ending_hash_key = shard.ending_hash_key;
  return lease;
}

// A lease whose consumer has read past the start of its shard.
bool Started(const Lease& lease) {
  const auto& seq = lease.checkpoint.sequence_number;
  return !seq.empty() && (lease.checkpoint.is_shard_end() || !lease.checkpoint.is_sentinel());
}

}  // namespace

ShardSyncer::ShardSyncer(Source& source, LeaseTable& table, InitialPosition initial_position)
    : source_(source), table_(table), initial_position_(initial_position) {}

Result<ShardSyncer::Outcome> ShardSyncer::Sync(bool cleanup) {
  Outcome outcome;
  EDDY_ASSIGN_OR_RETURN(std::vector<SourceShard> shards, source_.ListShards());
  EDDY_ASSIGN_OR_RETURN(std::vector<Lease> leases, table_.ListLeases(&outcome.damaged));
  const bool first_sync = leases.empty() && outcome.damaged.empty();

  std::map<std::string, const Lease*> lease_of;
  for (const Lease& lease : leases) lease_of[lease.lease_key] = &lease;
  std::map<std::string, std::vector<std::string>> children_of;
  for (const SourceShard& shard : shards) {
    for (const auto& parent : shard.parent_shard_ids) children_of[parent].push_back(shard.shard_id);
  }
  // Whether some descendant of `shard_id` has a lease (memoized; the graph is a DAG).
  std::map<std::string, bool> descendant_leased;
  std::function<bool(const std::string&)> has_leased_descendant = [&](const std::string& id) {
    auto memo = descendant_leased.find(id);
    if (memo != descendant_leased.end()) return memo->second;
    descendant_leased[id] = false;
    bool found = false;
    for (const auto& child : children_of[id]) {
      if (lease_of.count(child) || has_leased_descendant(child)) {
        found = true;
        break;
      }
    }
    descendant_leased[id] = found;
    return found;
  };

  for (const SourceShard& shard : shards) {
    if (lease_of.count(shard.shard_id)) continue;
    if (shard.closed && has_leased_descendant(shard.shard_id)) continue;
    ExtendedSequenceNumber checkpoint = ExtendedSequenceNumber::TrimHorizon();
    if (first_sync) {
      if (initial_position_ == InitialPosition::kLatest && shard.closed) continue;
      checkpoint = InitialCheckpoint(initial_position_);
    }
    EDDY_ASSIGN_OR_RETURN(LeaseWrite written,
                          table_.CreateLeaseIfNotExists(LeaseFor(shard, checkpoint)));
    if (written == LeaseWrite::kDone) ++outcome.created;
  }

  if (!cleanup) return outcome;
  std::set<std::string> existing;
  for (const SourceShard& shard : shards) existing.insert(shard.shard_id);
  for (const Lease& lease : leases) {
    if (!lease.at_shard_end()) continue;
    bool removable = !existing.count(lease.lease_key);  // trimmed away
    if (!removable) {
      std::set<std::string> children(lease.child_shard_ids.begin(), lease.child_shard_ids.end());
      for (const auto& child : children_of[lease.lease_key]) children.insert(child);
      removable = !children.empty();
      for (const auto& child : children) {
        auto it = lease_of.find(child);
        if (it == lease_of.end() || !Started(*it->second)) {
          removable = false;
          break;
        }
      }
    }
    if (!removable) continue;
    EDDY_ASSIGN_OR_RETURN(LeaseWrite deleted, table_.DeleteFinishedLease(lease.lease_key));
    if (deleted == LeaseWrite::kDone) ++outcome.deleted;
  }
  return outcome;
}

Result<int> ShardSyncer::CreateChildLeases(const std::vector<SourceShard>& children) {
  int created = 0;
  for (const SourceShard& child : children) {
    EDDY_ASSIGN_OR_RETURN(LeaseWrite written, table_.CreateLeaseIfNotExists(LeaseFor(
                                                  child, ExtendedSequenceNumber::TrimHorizon())));
    if (written == LeaseWrite::kDone) ++created;
  }
  return created;
}

}  // namespace eddy::consumer
