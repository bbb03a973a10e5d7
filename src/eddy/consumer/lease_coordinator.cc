#include "eddy/consumer/lease_coordinator.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

namespace eddy::consumer {

LeaseCoordinator::LeaseCoordinator(LeaseTable& table, const Clock& clock,
                                   LeaseCoordinatorOptions options)
    : table_(table),
      clock_(clock),
      options_(std::move(options)),
      failover_nanos_(options_.failover_time_ms * 1'000'000),
      random_(std::random_device{}()) {}

bool LeaseCoordinator::Expired(const Lease& lease, int64_t now_nanos) {
  auto it = sightings_.find(lease.lease_key);
  if (it == sightings_.end()) return false;
  return now_nanos - it->second.last_change_nanos > failover_nanos_;
}

bool LeaseCoordinator::FreshLocked(const Held& held, int64_t now_nanos) const {
  return !held.lost && now_nanos - held.last_write_nanos < failover_nanos_;
}

Result<TakerCycle> LeaseCoordinator::TakeLeases() {
  TakerCycle cycle;
  auto listing = table_.ListLeases(&cycle.damaged);
  if (!listing.ok()) return listing.status();
  cycle.leases = std::move(*listing);
  const int64_t now = clock_.MonotonicNanos();

  std::vector<Lease> available;
  std::vector<Lease> reclaim;
  std::vector<Lease> overdue;  // asked for by this worker, not handed over in failover time
  // Other live workers: how many leases each holds or asked for, and those nobody asked for.
  std::map<std::string, int> load;
  std::map<std::string, std::vector<Lease>> stealable;
  int mine = 0;
  int active = 0;
  {
    std::lock_guard lock(mu_);
    std::set<std::string> seen;
    std::set<std::string> asked;
    for (const Lease& lease : cycle.leases) {
      seen.insert(lease.lease_key);
      auto [it, inserted] = sightings_.try_emplace(lease.lease_key);
      if (inserted) {
        // KCL: a lease first seen unowned is available at once; one first seen owned gets a
        // full failover time from now before it counts as expired.
        it->second = {lease.counter, lease.owned() ? now : now - failover_nanos_ - 1};
      } else if (it->second.counter != lease.counter) {
        it->second = {lease.counter, now};
      }
    }
    std::erase_if(sightings_, [&](const auto& entry) { return !seen.count(entry.first); });
    last_listing_ = cycle.leases;

    for (const Lease& lease : cycle.leases) {
      if (lease.at_shard_end()) continue;  // finished: waits only for cleanup
      ++active;
      auto held = held_.find(lease.lease_key);
      if (held != held_.end()) {
        // A scan newer than this worker's last write that shows another owner: the lease was
        // taken from us; say so now rather than at the next renewal.
        Held& h = *held->second;
        std::lock_guard held_lock(h.mu);
        if (lease.owner != options_.worker_id && lease.counter > h.lease.counter) {
          h.lost = true;
          continue;
        }
        if (lease.owner == options_.worker_id && !lease.handoff_to.empty()) {
          h.handoff_to = lease.handoff_to;
        }
        if (h.handoff_to.empty()) ++mine;  // one being handed over counts as the asker's
        continue;
      }
      if (!lease.owned()) {
        available.push_back(lease);
      } else if (lease.owner == options_.worker_id) {
        reclaim.push_back(lease);
      } else if (Expired(lease, now)) {
        available.push_back(lease);
      } else if (lease.handoff_to == options_.worker_id) {
        asked.insert(lease.lease_key);
        auto [it, inserted] = requests_.try_emplace(lease.lease_key, now);
        if (now - it->second > failover_nanos_) {
          overdue.push_back(lease);
        } else {
          ++mine;  // on its way to this worker
        }
      } else if (!lease.handoff_to.empty()) {
        ++load[lease.handoff_to];
      } else {
        ++load[lease.owner];
        stealable[lease.owner].push_back(lease);
      }
    }
    std::erase_if(requests_, [&](const auto& entry) { return !asked.count(entry.first); });
  }

  // Leases the table says are ours but that this process does not hold: a restart with the
  // same worker id. They are ours; take them back at once.
  // (A lease handed over to this worker comes this way too.)
  for (Lease& lease : reclaim) {
    if (Acquire(lease)) {
      ++mine;
      cycle.taken.push_back(lease.lease_key);
    }
  }
  for (Lease& lease : overdue) {
    spdlog::warn("lease {}: {} did not hand it over within the failover time; taking it",
                 lease.lease_key, lease.owner);
    if (Acquire(lease)) {
      ++mine;
      cycle.taken.push_back(lease.lease_key);
    }
  }

  cycle.workers = static_cast<int>(load.size()) + 1;
  if (active == 0) {
    cycle.target = 0;
  } else if (cycle.workers >= active) {
    cycle.target = 1;
  } else {
    cycle.target = (active + cycle.workers - 1) / cycle.workers;
  }
  cycle.target = std::min(cycle.target, options_.max_leases_for_worker);
  const int needed = cycle.target - mine;
  if (needed <= 0) return cycle;

  if (!available.empty()) {
    {
      std::lock_guard lock(mu_);
      std::shuffle(available.begin(), available.end(), random_);
    }
    for (Lease& lease : available) {
      if (static_cast<int>(cycle.taken.size()) >= needed) break;
      if (Acquire(lease)) cycle.taken.push_back(lease.lease_key);
    }
    return cycle;
  }

  // Nothing free: steal from the single most loaded worker, only while it is above the share
  // (or at it while this worker needs more than one), so a balanced fleet stops moving.
  auto victim = load.end();
  for (auto it = load.begin(); it != load.end(); ++it) {
    if (victim == load.end() || it->second > victim->second) victim = it;
  }
  if (victim == load.end()) return cycle;
  const int count = victim->second;
  int to_steal = 0;
  if (count > cycle.target) {
    to_steal = std::min(needed, count - cycle.target);
  } else if (count == cycle.target && needed > 1) {
    to_steal = 1;
  }
  to_steal = std::min(to_steal, options_.max_leases_to_steal_at_one_time);
  if (to_steal <= 0) return cycle;
  std::vector<Lease> candidates = stealable[victim->first];
  {
    std::lock_guard lock(mu_);
    std::shuffle(candidates.begin(), candidates.end(), random_);
  }
  for (Lease& lease : candidates) {
    if (static_cast<int>(cycle.stolen.size()) >= to_steal) break;
    if (RequestHandoff(lease)) {
      cycle.stolen.push_back(lease.lease_key);
      stats_.steals.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return cycle;
}

bool LeaseCoordinator::RequestHandoff(Lease lease) {
  const int64_t sent = clock_.MonotonicNanos();
  stats_.writes.fetch_add(1, std::memory_order_relaxed);
  auto asked = table_.RequestHandoff(&lease, options_.worker_id);
  if (!asked.ok()) {
    spdlog::warn("lease {}: handoff request failed: {}", lease.lease_key,
                 asked.status().ToString());
    return false;
  }
  if (*asked != LeaseWrite::kDone) return false;  // moved on, or somebody else asked first
  std::lock_guard lock(mu_);
  requests_[lease.lease_key] = sent;
  return true;
}

void LeaseCoordinator::Adopt(Held& held, Lease lease, int64_t sent_nanos) {
  // The write's answer is the whole item: a handoff request made since shows in it.
  if (!lease.handoff_to.empty() && lease.owner == options_.worker_id) {
    held.handoff_to = lease.handoff_to;
  }
  held.lease = std::move(lease);
  held.last_write_nanos = sent_nanos;
}

bool LeaseCoordinator::Acquire(Lease lease) {
  const int64_t sent = clock_.MonotonicNanos();
  stats_.writes.fetch_add(1, std::memory_order_relaxed);
  auto taken = table_.TakeLease(&lease, options_.worker_id);
  if (!taken.ok()) {
    spdlog::warn("lease {}: take failed: {}", lease.lease_key, taken.status().ToString());
    return false;
  }
  if (*taken != LeaseWrite::kDone) return false;  // somebody else wrote it first
  auto held = std::make_shared<Held>();
  {
    std::lock_guard held_lock(held->mu);
    held->lease = lease;
    held->last_write_nanos = sent;
  }
  {
    std::lock_guard lock(mu_);
    held->token = next_token_++;
    held_[lease.lease_key] = held;
    sightings_[lease.lease_key] = {lease.counter, sent};
  }
  stats_.takes.fetch_add(1, std::memory_order_relaxed);
  return true;
}

std::vector<std::string> LeaseCoordinator::RenewLeases(bool* table_missing) {
  std::vector<std::pair<std::string, std::shared_ptr<Held>>> held;
  {
    std::lock_guard lock(mu_);
    held.assign(held_.begin(), held_.end());
  }
  std::vector<std::string> lost;
  for (auto& [key, entry] : held) {
    std::lock_guard held_lock(entry->mu);
    const int64_t sent = clock_.MonotonicNanos();
    if (!FreshLocked(*entry, sent)) {
      entry->lost = true;
      lost.push_back(key);
      continue;
    }
    Lease lease = entry->lease;
    stats_.writes.fetch_add(1, std::memory_order_relaxed);
    auto renewed = table_.RenewLease(&lease);
    if (renewed.ok() && *renewed == LeaseWrite::kDone) {
      Adopt(*entry, std::move(lease), sent);
      stats_.renewals.fetch_add(1, std::memory_order_relaxed);
    } else if (renewed.ok()) {
      entry->lost = true;  // another worker took it
      lost.push_back(key);
    } else if (renewed.status().code() == Status::Code::kNotFound) {
      entry->lost = true;
      lost.push_back(key);
      if (table_missing != nullptr) *table_missing = true;
    } else {
      spdlog::warn("lease {}: renewal failed, retrying: {}", key, renewed.status().ToString());
    }
  }
  for (const auto& key : lost) {
    std::shared_ptr<Held> entry;
    {
      std::lock_guard lock(mu_);
      auto it = held_.find(key);
      if (it != held_.end()) entry = it->second;
    }
    if (entry) DropHeld(key, entry);
    stats_.losses.fetch_add(1, std::memory_order_relaxed);
  }
  return lost;
}

std::shared_ptr<LeaseCoordinator::Held> LeaseCoordinator::FindHeld(const std::string& lease_key,
                                                                   uint64_t token) const {
  std::lock_guard lock(mu_);
  auto it = held_.find(lease_key);
  if (it == held_.end() || it->second->token != token) return nullptr;
  return it->second;
}

void LeaseCoordinator::DropHeld(const std::string& lease_key, const std::shared_ptr<Held>& held) {
  std::lock_guard lock(mu_);
  auto it = held_.find(lease_key);
  if (it != held_.end() && it->second == held) held_.erase(it);
}

std::optional<HeldLease> LeaseCoordinator::GetHeld(const std::string& lease_key) const {
  std::shared_ptr<Held> held;
  {
    std::lock_guard lock(mu_);
    auto it = held_.find(lease_key);
    if (it == held_.end()) return std::nullopt;
    held = it->second;
  }
  std::lock_guard held_lock(held->mu);
  if (!FreshLocked(*held, clock_.MonotonicNanos())) return std::nullopt;
  return HeldLease{held->lease, held->token};
}

bool LeaseCoordinator::HandoffRequested(const std::string& lease_key, uint64_t token) const {
  auto held = FindHeld(lease_key, token);
  if (!held) return false;
  std::lock_guard held_lock(held->mu);
  return !held->handoff_to.empty();
}

bool LeaseCoordinator::IsHeld(const std::string& lease_key, uint64_t token) const {
  auto held = FindHeld(lease_key, token);
  if (!held) return false;
  std::lock_guard held_lock(held->mu);
  return FreshLocked(*held, clock_.MonotonicNanos());
}

std::vector<std::string> LeaseCoordinator::HeldLeaseKeys() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> keys;
  keys.reserve(held_.size());
  for (const auto& [key, held] : held_) keys.push_back(key);
  return keys;
}

CheckpointOutcome LeaseCoordinator::Checkpoint(const std::string& lease_key, uint64_t token,
                                               const ExtendedSequenceNumber& checkpoint,
                                               const ExtendedSequenceNumber& pending,
                                               const std::string& pending_state) {
  auto held = FindHeld(lease_key, token);
  if (!held) {
    return {CheckpointError::kShutdown, "lease " + lease_key + " is no longer held"};
  }
  std::lock_guard held_lock(held->mu);
  const int64_t sent = clock_.MonotonicNanos();
  if (!FreshLocked(*held, sent)) {
    return {CheckpointError::kShutdown, "lease " + lease_key + " is no longer held"};
  }
  Lease lease = held->lease;
  if (lease.checkpoint != checkpoint) lease.owner_switches_since_checkpoint = 0;
  lease.checkpoint = checkpoint;
  lease.pending_checkpoint = pending;
  lease.pending_checkpoint_state = pending.empty() ? std::string() : pending_state;
  stats_.writes.fetch_add(1, std::memory_order_relaxed);
  auto written = table_.UpdateCheckpoint(&lease);
  if (written.ok() && *written == LeaseWrite::kDone) {
    Adopt(*held, std::move(lease), sent);
    stats_.checkpoints.fetch_add(1, std::memory_order_relaxed);
    return {};
  }
  if (written.ok()) {
    held->lost = true;
    return {CheckpointError::kShutdown,
            "lease " + lease_key + " was taken by another worker; the checkpoint was not written"};
  }
  const Status& status = written.status();
  if (status.code() == Status::Code::kNotFound) {
    return {CheckpointError::kInvalidState, "lease table: " + status.ToString()};
  }
  if (status.code() == Status::Code::kUnavailable ||
      status.code() == Status::Code::kResourceExhausted) {
    return {CheckpointError::kThrottling, status.ToString()};
  }
  return {CheckpointError::kDependency, status.ToString()};
}

Status LeaseCoordinator::SetChildShards(const std::string& lease_key, uint64_t token,
                                        const std::set<std::string>& children) {
  auto held = FindHeld(lease_key, token);
  if (!held) return Status::FailedPrecondition("lease " + lease_key + " is no longer held");
  std::lock_guard held_lock(held->mu);
  const int64_t sent = clock_.MonotonicNanos();
  if (!FreshLocked(*held, sent)) {
    return Status::FailedPrecondition("lease " + lease_key + " is no longer held");
  }
  Lease lease = held->lease;
  lease.child_shard_ids = children;
  stats_.writes.fetch_add(1, std::memory_order_relaxed);
  auto written = table_.UpdateChildShards(&lease);
  if (!written.ok()) return written.status();
  if (*written != LeaseWrite::kDone) {
    held->lost = true;
    return Status::FailedPrecondition("lease " + lease_key + " was taken by another worker");
  }
  Adopt(*held, std::move(lease), sent);
  return Status::Ok();
}

Status LeaseCoordinator::Release(const std::string& lease_key, uint64_t token) {
  auto held = FindHeld(lease_key, token);
  if (!held) return Status::Ok();
  Status result;
  {
    std::lock_guard held_lock(held->mu);
    if (!held->lost) {
      Lease lease = held->lease;
      bool handed_over = false;  // or moved on: a failed condition needs no release either
      // A finished lease is not worth handing over: nobody takes it up, cleanup deletes it.
      if (!held->handoff_to.empty() && !lease.at_shard_end()) {
        lease.handoff_to = held->handoff_to;
        stats_.writes.fetch_add(1, std::memory_order_relaxed);
        auto handed = table_.HandOverLease(&lease);
        handed_over = handed.ok();
        if (handed.ok() && *handed == LeaseWrite::kDone) {
          spdlog::info("lease {}: handed over to {}", lease_key, held->handoff_to);
          stats_.handovers.fetch_add(1, std::memory_order_relaxed);
          stats_.releases.fetch_add(1, std::memory_order_relaxed);
        } else if (!handed.ok()) {
          spdlog::warn("lease {}: handing over to {} failed, releasing it: {}", lease_key,
                       held->handoff_to, handed.status().ToString());
          lease = held->lease;
        }
      }
      if (!handed_over) {
        stats_.writes.fetch_add(1, std::memory_order_relaxed);
        auto evicted = table_.EvictLease(&lease);
        if (!evicted.ok()) {
          result = evicted.status();
        } else if (*evicted == LeaseWrite::kDone) {
          stats_.releases.fetch_add(1, std::memory_order_relaxed);
        }
      }
      held->lost = true;
    }
  }
  DropHeld(lease_key, held);
  return result;
}

int LeaseCoordinator::ReleaseAll() {
  std::vector<std::pair<std::string, uint64_t>> held;
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, entry] : held_) held.emplace_back(key, entry->token);
  }
  int released = 0;
  for (const auto& [key, token] : held) {
    const uint64_t before = stats_.releases.load(std::memory_order_relaxed);
    Status status = Release(key, token);
    if (!status.ok()) spdlog::warn("lease {}: release failed: {}", key, status.ToString());
    if (stats_.releases.load(std::memory_order_relaxed) > before) ++released;
  }
  return released;
}

int LeaseCoordinator::ReleaseUnheld() {
  auto listing = table_.ListLeases(nullptr);
  if (!listing.ok()) {
    spdlog::warn("giving back leases at shutdown: {}", listing.status().ToString());
    return 0;
  }
  int given_back = 0;
  for (Lease& lease : *listing) {
    if (lease.handoff_to == options_.worker_id && lease.owner != options_.worker_id) {
      stats_.writes.fetch_add(1, std::memory_order_relaxed);
      auto withdrawn = table_.WithdrawHandoff(&lease, options_.worker_id);
      if (withdrawn.ok() && *withdrawn == LeaseWrite::kDone) ++given_back;
    }
  }
  for (Lease& lease : *listing) {
    if (lease.owner != options_.worker_id) continue;
    {
      std::lock_guard lock(mu_);
      if (held_.count(lease.lease_key)) continue;
    }
    stats_.writes.fetch_add(1, std::memory_order_relaxed);
    auto evicted = table_.EvictLease(&lease);
    if (evicted.ok() && *evicted == LeaseWrite::kDone) {
      stats_.releases.fetch_add(1, std::memory_order_relaxed);
      ++given_back;
    }
  }
  return given_back;
}

bool LeaseCoordinator::HasPendingHandoffs() const {
  std::lock_guard lock(mu_);
  return !requests_.empty();
}

std::vector<std::string> LeaseCoordinator::PollHandoffs() {
  std::vector<std::string> keys;
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, since] : requests_) keys.push_back(key);
  }
  std::vector<std::string> taken;
  for (const std::string& key : keys) {
    auto lease = table_.GetLease(key);
    if (!lease.ok() || !lease->has_value()) continue;
    if ((*lease)->owner != options_.worker_id) continue;  // not yet
    {
      std::lock_guard lock(mu_);
      requests_.erase(key);
      if (held_.count(key)) continue;
    }
    if (Acquire(**lease)) taken.push_back(key);
  }
  return taken;
}

void LeaseCoordinator::Forget(const std::string& lease_key, uint64_t token) {
  auto held = FindHeld(lease_key, token);
  if (held) DropHeld(lease_key, held);
}

std::vector<Lease> LeaseCoordinator::LastListing() const {
  std::lock_guard lock(mu_);
  return last_listing_;
}

}  // namespace eddy::consumer
