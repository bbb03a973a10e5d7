#include "eddy/consumer/lease_coordinator.h"

#include <gtest/gtest.h>

#include <memory>

#include "unit/consumer/fake_lease_table.h"

namespace eddy::consumer {
namespace {

constexpr int64_t kFailover = 10000;

Lease NewLease(const std::string& key) {
  Lease lease;
  lease.lease_key = key;
  lease.checkpoint = ExtendedSequenceNumber::TrimHorizon();
  return lease;
}

class LeaseCoordinatorTest : public ::testing::Test {
 protected:
  std::unique_ptr<LeaseCoordinator> Worker(const std::string& id, int max_leases = 1 << 30) {
    LeaseCoordinatorOptions options;
    options.worker_id = id;
    options.failover_time_ms = kFailover;
    options.max_leases_for_worker = max_leases;
    return std::make_unique<LeaseCoordinator>(table_, clock_, options);
  }
  void AddLeases(int n) {
    for (int i = 0; i < n; ++i) table_.Put(NewLease("shardId-00000000000" + std::to_string(i)));
  }

  FakeLeaseTable table_;
  ManualClock clock_;
};

// What a worker's shard consumers do when another worker asks for their lease: stop after the
// batch in flight and release it (to the asker). Returns how many were handed over.
int HandOverRequested(LeaseCoordinator& worker) {
  int handed = 0;
  for (const std::string& key : worker.HeldLeaseKeys()) {
    auto held = worker.GetHeld(key);
    if (held && worker.HandoffRequested(key, held->token)) {
      EXPECT_TRUE(worker.Release(key, held->token).ok());
      ++handed;
    }
  }
  return handed;
}

TEST_F(LeaseCoordinatorTest, OneWorkerTakesEveryUnownedLease) {
  AddLeases(4);
  auto a = Worker("a");
  auto cycle = a->TakeLeases();
  ASSERT_TRUE(cycle.ok());
  EXPECT_EQ(cycle->taken.size(), 4u);
  EXPECT_EQ(cycle->target, 4);
  EXPECT_EQ(a->HeldLeaseKeys().size(), 4u);
  auto stored = table_.Get("shardId-000000000000");
  EXPECT_EQ(stored->owner, "a");
  EXPECT_EQ(stored->counter, 1);
  EXPECT_EQ(stored->owner_switches_since_checkpoint, 1);
}

TEST_F(LeaseCoordinatorTest, RenewalMovesTheCounterAndKeepsTheLease) {
  AddLeases(1);
  auto a = Worker("a");
  ASSERT_TRUE(a->TakeLeases().ok());
  clock_.AdvanceMillis(3000);
  EXPECT_TRUE(a->RenewLeases().empty());
  EXPECT_EQ(table_.Get("shardId-000000000000")->counter, 2);
  clock_.AdvanceMillis(9000);  // 9 s after the renewal: still fresh
  EXPECT_TRUE(a->GetHeld("shardId-000000000000").has_value());
}

TEST_F(LeaseCoordinatorTest, ANewWorkerStealsOneLeasePerCycleUntilBalancedThenNothingMoves) {
  AddLeases(8);
  auto a = Worker("a");
  auto b = Worker("b");
  ASSERT_EQ(a->TakeLeases()->taken.size(), 8u);
  for (int round = 0; round < 10; ++round) {
    auto cycle = b->TakeLeases();
    ASSERT_TRUE(cycle.ok());
    EXPECT_LE(cycle->stolen.size(), 1u);
    a->RenewLeases();
    ASSERT_TRUE(a->TakeLeases().ok());
    HandOverRequested(*a);
    clock_.AdvanceMillis(500);
  }
  auto counts = table_.OwnerCounts();
  EXPECT_EQ(counts["a"], 4);
  EXPECT_EQ(counts["b"], 4);
  EXPECT_EQ(a->HeldLeaseKeys().size(), 4u);
  // Settled: further cycles move nothing.
  const int writes_before = table_.writes;
  for (int round = 0; round < 5; ++round) {
    auto ca = a->TakeLeases();
    auto cb = b->TakeLeases();
    EXPECT_TRUE(ca->taken.empty() && ca->stolen.empty());
    EXPECT_TRUE(cb->taken.empty() && cb->stolen.empty());
  }
  EXPECT_EQ(table_.writes, writes_before);
}

TEST_F(LeaseCoordinatorTest, ThreeWorkersOnEightLeasesSettleWithinOneOfEachOther) {
  AddLeases(8);
  auto a = Worker("a");
  auto b = Worker("b");
  auto c = Worker("c");
  for (int round = 0; round < 20; ++round) {
    for (auto* w : {a.get(), b.get(), c.get()}) {
      w->RenewLeases();
      ASSERT_TRUE(w->TakeLeases().ok());
      HandOverRequested(*w);
    }
    clock_.AdvanceMillis(500);
  }
  auto counts = table_.OwnerCounts();
  int lo = 100, hi = 0;
  for (auto& [owner, n] : counts) {
    lo = std::min(lo, n);
    hi = std::max(hi, n);
  }
  EXPECT_EQ(counts.size(), 3u);
  EXPECT_LE(hi - lo, 1);
  EXPECT_EQ(counts["a"] + counts["b"] + counts["c"], 8);
}

TEST_F(LeaseCoordinatorTest, AStealAsksTheOwnerWhichHandsOverAfterItsLastCheckpoint) {
  AddLeases(2);
  auto a = Worker("a");
  auto b = Worker("b");
  ASSERT_EQ(a->TakeLeases()->taken.size(), 2u);
  auto cycle = b->TakeLeases();
  ASSERT_EQ(cycle->stolen.size(), 1u);
  EXPECT_TRUE(cycle->taken.empty());
  const std::string stolen = cycle->stolen[0];
  // Asked, not taken: the owner and the counter stay, so a goes on renewing and checkpointing
  // (its batch in flight, then its processor's last checkpoint) while b processes nothing.
  EXPECT_EQ(table_.Get(stolen)->owner, "a");
  EXPECT_EQ(table_.Get(stolen)->handoff_to, "b");
  EXPECT_EQ(table_.Get(stolen)->counter, 1);
  EXPECT_TRUE(b->HeldLeaseKeys().empty());
  auto held = a->GetHeld(stolen);
  ASSERT_TRUE(held.has_value());
  EXPECT_FALSE(a->HandoffRequested(stolen, held->token));  // not seen yet
  EXPECT_TRUE(a->RenewLeases().empty());
  EXPECT_TRUE(a->HandoffRequested(stolen, held->token));  // the renewal's answer shows it
  EXPECT_TRUE(a->Checkpoint(stolen, held->token, {"49000000000000000001", 0}, {}, "").ok());
  // Nothing else moves meanwhile: b counts the lease as its own, a as b's.
  EXPECT_TRUE(b->TakeLeases()->stolen.empty());
  auto a_cycle = a->TakeLeases();
  EXPECT_TRUE(a_cycle->taken.empty() && a_cycle->stolen.empty());

  ASSERT_TRUE(a->Release(stolen, held->token).ok());
  EXPECT_EQ(table_.Get(stolen)->owner, "b");
  EXPECT_TRUE(table_.Get(stolen)->handoff_to.empty());
  EXPECT_EQ(a->stats().handovers.load(), 1u);
  EXPECT_FALSE(a->IsHeld(stolen, held->token));
  auto late = a->Checkpoint(stolen, held->token, {"49000000000000000002", 0}, {}, "");
  EXPECT_EQ(late.error, CheckpointError::kShutdown);
  // b takes it up at its next scan, from a's last checkpoint.
  auto taken = b->TakeLeases();
  ASSERT_EQ(taken->taken, std::vector<std::string>{stolen});
  auto b_held = b->GetHeld(stolen);
  ASSERT_TRUE(b_held.has_value());
  EXPECT_EQ(b_held->lease.checkpoint.sequence_number, "49000000000000000001");
  EXPECT_TRUE(b->Checkpoint(stolen, b_held->token, {"49000000000000000003", 0}, {}, "").ok());
  EXPECT_EQ(table_.Get(stolen)->owner_switches_since_checkpoint, 0);
  auto counts = table_.OwnerCounts();
  EXPECT_EQ(counts["a"], 1);
  EXPECT_EQ(counts["b"], 1);
}

TEST_F(LeaseCoordinatorTest, AHandoffTheOwnerDoesNotAnswerWithinTheFailoverTimeBecomesATake) {
  AddLeases(2);
  auto a = Worker("a");
  auto b = Worker("b");
  ASSERT_EQ(a->TakeLeases()->taken.size(), 2u);
  auto cycle = b->TakeLeases();
  ASSERT_EQ(cycle->stolen.size(), 1u);
  const std::string stolen = cycle->stolen[0];
  auto held = a->GetHeld(stolen);
  // a stays alive (it renews) but its consumer never lets go: stuck in a callback.
  for (int i = 0; i < 3; ++i) {
    clock_.AdvanceMillis(kFailover / 3);
    a->RenewLeases();
    EXPECT_TRUE(b->TakeLeases()->taken.empty());
  }
  clock_.AdvanceMillis(kFailover / 3);
  a->RenewLeases();
  EXPECT_EQ(b->TakeLeases()->taken, std::vector<std::string>{stolen});
  EXPECT_EQ(table_.Get(stolen)->owner, "b");
  EXPECT_TRUE(table_.Get(stolen)->handoff_to.empty());
  auto outcome = a->Checkpoint(stolen, held->token, {"49000000000000000001", 0}, {}, "");
  EXPECT_EQ(outcome.error, CheckpointError::kShutdown);  // fenced, as after any take
}

TEST_F(LeaseCoordinatorTest, AnOwnerStoppingWithAHandoffPendingGivesTheLeaseToTheAsker) {
  AddLeases(2);
  auto a = Worker("a");
  auto b = Worker("b");
  auto c = Worker("c", /*max_leases=*/0);  // watches without taking
  ASSERT_EQ(a->TakeLeases()->taken.size(), 2u);
  ASSERT_TRUE(c->TakeLeases().ok());
  const std::string stolen = b->TakeLeases()->stolen.at(0);
  ASSERT_TRUE(a->TakeLeases().ok());  // a sees the request
  EXPECT_EQ(a->ReleaseAll(), 2);      // shutdown
  EXPECT_EQ(table_.Get(stolen)->owner, "b");
  auto counts = table_.OwnerCounts();
  EXPECT_EQ(counts["a"], 0);
  EXPECT_EQ(counts["b"], 1);  // the other one is free for anybody
}

TEST_F(LeaseCoordinatorTest, AHandedOverLeaseIsTakenUpWithoutWaitingForTheNextScan) {
  AddLeases(2);
  auto a = Worker("a");
  auto b = Worker("b");
  ASSERT_EQ(a->TakeLeases()->taken.size(), 2u);
  const std::string stolen = b->TakeLeases()->stolen.at(0);
  EXPECT_TRUE(b->HasPendingHandoffs());
  EXPECT_TRUE(b->PollHandoffs().empty());  // not handed over yet
  EXPECT_TRUE(a->RenewLeases().empty());   // a sees the request
  auto held = a->GetHeld(stolen);
  ASSERT_TRUE(a->Release(stolen, held->token).ok());
  const int scans = table_.scans;
  EXPECT_EQ(b->PollHandoffs(), std::vector<std::string>{stolen});
  EXPECT_EQ(table_.scans, scans);  // read, not scanned
  EXPECT_FALSE(b->HasPendingHandoffs());
  ASSERT_TRUE(b->GetHeld(stolen).has_value());
  EXPECT_EQ(table_.Get(stolen)->owner, "b");
}

TEST_F(LeaseCoordinatorTest, AStoppingWorkerWithdrawsItsRequestsAndGivesBackLeasesHandedToIt) {
  AddLeases(3);
  auto a = Worker("a");
  auto b = Worker("b");
  ASSERT_EQ(a->TakeLeases()->taken.size(), 3u);
  const std::string first = b->TakeLeases()->stolen.at(0);
  // a hands the first over; b stops before taking it up and asks for a second meanwhile.
  a->RenewLeases();
  ASSERT_TRUE(a->Release(first, a->GetHeld(first)->token).ok());
  ASSERT_EQ(table_.Get(first)->owner, "b");
  Lease second;
  for (const auto& key : a->HeldLeaseKeys()) second = *table_.Get(key);
  second.handoff_to.clear();
  Lease asked = second;
  ASSERT_EQ(*table_.RequestHandoff(&asked, "b"), LeaseWrite::kDone);
  EXPECT_EQ(b->ReleaseAll(), 0);       // b holds nothing
  EXPECT_EQ(b->ReleaseUnheld(), 2);    // the lease handed to it, and its request
  EXPECT_FALSE(table_.Get(first)->owned());
  EXPECT_TRUE(table_.Get(second.lease_key)->handoff_to.empty());
  EXPECT_EQ(table_.Get(second.lease_key)->owner, "a");
}

TEST_F(LeaseCoordinatorTest, RenewalReportsALeaseTakenByAnotherWorker) {
  AddLeases(1);
  auto a = Worker("a");
  ASSERT_TRUE(a->TakeLeases().ok());
  Lease taken = *table_.Get("shardId-000000000000");
  taken.owner = "z";
  ++taken.counter;
  table_.Put(taken);
  auto lost = a->RenewLeases();
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_TRUE(a->HeldLeaseKeys().empty());
  EXPECT_EQ(table_.Get("shardId-000000000000")->owner, "z");
}

TEST_F(LeaseCoordinatorTest, ALeaseIsExpiredOnlyAfterItsCounterStoodStillForTheFailoverTime) {
  AddLeases(1);
  auto a = Worker("a");
  auto b = Worker("b");
  ASSERT_EQ(a->TakeLeases()->taken.size(), 1u);
  ASSERT_TRUE(b->TakeLeases()->taken.empty());  // first sighting of an owned lease
  clock_.AdvanceMillis(kFailover - 100);
  EXPECT_TRUE(b->TakeLeases()->taken.empty());
  clock_.AdvanceMillis(200);
  auto cycle = b->TakeLeases();
  ASSERT_EQ(cycle->taken.size(), 1u);  // a died: taken as expired, not stolen
  EXPECT_TRUE(cycle->stolen.empty());
  EXPECT_EQ(table_.Get("shardId-000000000000")->owner, "b");
}

TEST_F(LeaseCoordinatorTest, ARenewedLeaseIsNeverTakenAsExpired) {
  AddLeases(1);
  auto a = Worker("a");
  auto b = Worker("b");
  ASSERT_EQ(a->TakeLeases()->taken.size(), 1u);
  for (int i = 0; i < 20; ++i) {
    clock_.AdvanceMillis(kFailover / 3);
    a->RenewLeases();
    auto cycle = b->TakeLeases();
    EXPECT_TRUE(cycle->taken.empty());
    EXPECT_TRUE(cycle->stolen.empty());  // one lease, two workers: target 1, a is at it
  }
}

TEST_F(LeaseCoordinatorTest, AWorkerThatCannotRenewFencesItselfAfterTheFailoverTime) {
  AddLeases(1);
  auto a = Worker("a");
  ASSERT_TRUE(a->TakeLeases().ok());
  auto held = a->GetHeld("shardId-000000000000");
  ASSERT_TRUE(held.has_value());
  table_.fail_writes = true;
  clock_.AdvanceMillis(kFailover / 3);
  EXPECT_TRUE(a->RenewLeases().empty());  // retried later
  clock_.AdvanceMillis(kFailover);
  EXPECT_FALSE(a->GetHeld("shardId-000000000000").has_value());
  table_.fail_writes = false;
  auto outcome = a->Checkpoint("shardId-000000000000", held->token, {"1", 0}, {}, "");
  EXPECT_EQ(outcome.error, CheckpointError::kShutdown);
  EXPECT_EQ(a->RenewLeases().size(), 1u);
}

TEST_F(LeaseCoordinatorTest, AReleasedLeaseIsTakenAtOnceByAnotherWorker) {
  AddLeases(2);
  auto a = Worker("a");
  auto b = Worker("b", /*max_leases=*/0);  // watches without taking
  ASSERT_EQ(a->TakeLeases()->taken.size(), 2u);
  ASSERT_TRUE(b->TakeLeases()->taken.empty());
  EXPECT_EQ(a->ReleaseAll(), 2);
  EXPECT_TRUE(a->HeldLeaseKeys().empty());
  EXPECT_FALSE(table_.Get("shardId-000000000000")->owned());
  auto c = Worker("c");
  ASSERT_TRUE(c->TakeLeases().ok());  // c saw nothing before: unowned leases are free at once
  EXPECT_EQ(table_.OwnerCounts()["c"], 2);
  // A release does not wait for the failover time, and the old owner's checkpoint is refused.
  auto stale = a->Checkpoint("shardId-000000000000", 1, {"7", 0}, {}, "");
  EXPECT_EQ(stale.error, CheckpointError::kShutdown);
}

TEST_F(LeaseCoordinatorTest, FinishedLeasesAreNeitherTakenNorCounted) {
  AddLeases(2);
  Lease done = NewLease("shardId-000000000009");
  done.checkpoint = ExtendedSequenceNumber::ShardEnd();
  table_.Put(done);
  auto a = Worker("a");
  auto cycle = a->TakeLeases();
  EXPECT_EQ(cycle->taken.size(), 2u);
  EXPECT_EQ(cycle->target, 2);
  EXPECT_FALSE(table_.Get("shardId-000000000009")->owned());
}

TEST_F(LeaseCoordinatorTest, ARestartedWorkerWithTheSameIdTakesBackItsLeasesAtOnce) {
  AddLeases(3);
  auto a = Worker("a");
  ASSERT_EQ(a->TakeLeases()->taken.size(), 3u);
  auto again = Worker("a");  // a new process, same worker id
  auto cycle = again->TakeLeases();
  EXPECT_EQ(cycle->taken.size(), 3u);
  EXPECT_EQ(again->HeldLeaseKeys().size(), 3u);
}

TEST_F(LeaseCoordinatorTest, MaxLeasesForWorkerCapsTheShare) {
  AddLeases(5);
  auto a = Worker("a", 2);
  auto cycle = a->TakeLeases();
  EXPECT_EQ(cycle->taken.size(), 2u);
}

TEST_F(LeaseCoordinatorTest, ADeletedTableLosesEveryLease) {
  AddLeases(2);
  auto a = Worker("a");
  ASSERT_TRUE(a->TakeLeases().ok());
  table_.missing = true;
  bool table_missing = false;
  clock_.AdvanceMillis(1000);
  EXPECT_EQ(a->RenewLeases(&table_missing).size(), 2u);
  EXPECT_TRUE(table_missing);
  EXPECT_FALSE(a->TakeLeases().ok());
}

TEST_F(LeaseCoordinatorTest, DamagedItemsAreReportedNotFatal) {
  AddLeases(1);
  table_.damaged_items = {"shardId-x: leaseCounter is not a number"};
  auto a = Worker("a");
  auto cycle = a->TakeLeases();
  ASSERT_TRUE(cycle.ok());
  EXPECT_EQ(cycle->damaged.size(), 1u);
  EXPECT_EQ(cycle->taken.size(), 1u);
}

TEST(SequenceNumbers, CompareByValueAndSentinelsByRank) {
  EXPECT_LT(CompareSequenceNumbers("9", "10"), 0);
  EXPECT_EQ(CompareSequenceNumbers("0010", "10"), 0);
  EXPECT_GT(CompareSequenceNumbers("49600000000000000000000000000000000000000000000000000002",
                                   "49600000000000000000000000000000000000000000000000000001"),
            0);
  EXPECT_LT(ComparePositions(ExtendedSequenceNumber::TrimHorizon(), {"1", 0}), 0);
  EXPECT_GT(ComparePositions(ExtendedSequenceNumber::ShardEnd(), {"999", 5}), 0);
  EXPECT_LT(ComparePositions({"5", 1}, {"5", 2}), 0);
  EXPECT_EQ(ComparePositions({"5", 2}, {"5", 2}), 0);
}

}  // namespace
}  // namespace eddy::consumer
