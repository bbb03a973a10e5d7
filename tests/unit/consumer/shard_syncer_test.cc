#include "eddy/consumer/shard_syncer.h"

#include <gtest/gtest.h>

#include "unit/consumer/fake_lease_table.h"
#include "unit/consumer/fake_source.h"

namespace eddy::consumer {
namespace {

TEST(ShardSyncer, FirstSyncAtLatestLeasesOnlyTheOpenShards) {
  FakeSource source;
  FakeLeaseTable table;
  source.AddShard("old");
  source.AddShard("new", {"old"});
  source.Close("old");
  ShardSyncer syncer(source, table, InitialPosition::kLatest);
  auto synced = syncer.Sync(false);
  ASSERT_TRUE(synced.ok());
  EXPECT_EQ(synced->created, 1);
  EXPECT_FALSE(table.Get("old").has_value());
  ASSERT_TRUE(table.Get("new").has_value());
  EXPECT_EQ(table.Get("new")->checkpoint, ExtendedSequenceNumber::Latest());
  EXPECT_EQ(table.Get("new")->parent_shard_ids, std::set<std::string>{"old"});
  // A shard that appears later is read whole.
  source.AddShard("later", {"new"});
  ASSERT_TRUE(syncer.Sync(false).ok());
  EXPECT_EQ(table.Get("later")->checkpoint, ExtendedSequenceNumber::TrimHorizon());
  EXPECT_FALSE(table.Get("old").has_value());  // still not leased: a descendant is
}

TEST(ShardSyncer, FirstSyncAtTrimHorizonOrTimestampLeasesEveryShard) {
  for (auto position : {InitialPosition::kTrimHorizon, InitialPosition::kAtTimestamp}) {
    FakeSource source;
    FakeLeaseTable table;
    source.AddShard("a");
    source.AddShard("b");
    source.AddShard("c", {"a", "b"});
    source.Close("a");
    source.Close("b");
    ShardSyncer syncer(source, table, position);
    ASSERT_EQ(syncer.Sync(false)->created, 3);
    EXPECT_EQ(table.Get("a")->checkpoint, InitialCheckpoint(position));
    EXPECT_EQ(table.Get("c")->parent_shard_ids, (std::set<std::string>{"a", "b"}));
    EXPECT_EQ(syncer.Sync(false)->created, 0);  // idempotent
  }
}

TEST(ShardSyncer, AFinishedLeaseIsDeletedOnlyOnceEveryChildStarted) {
  FakeSource source;
  FakeLeaseTable table;
  source.AddShard("p");
  source.AddShard("c1", {"p"});
  source.AddShard("c2", {"p"});
  source.Close("p");
  ShardSyncer syncer(source, table, InitialPosition::kTrimHorizon);
  ASSERT_TRUE(syncer.Sync(true).ok());
  Lease p = *table.Get("p");
  p.checkpoint = ExtendedSequenceNumber::ShardEnd();
  table.Put(p);
  EXPECT_EQ(syncer.Sync(true)->deleted, 0);  // children not started
  Lease c1 = *table.Get("c1");
  c1.checkpoint = {"0000000005", 0};
  table.Put(c1);
  EXPECT_EQ(syncer.Sync(true)->deleted, 0);  // c2 not started
  Lease c2 = *table.Get("c2");
  c2.checkpoint = ExtendedSequenceNumber::ShardEnd();
  table.Put(c2);
  EXPECT_EQ(syncer.Sync(true)->deleted, 1);
  EXPECT_FALSE(table.Get("p").has_value());
  // And it is not created again: its children hold leases.
  EXPECT_EQ(syncer.Sync(false)->created, 0);
  EXPECT_FALSE(table.Get("p").has_value());
}

TEST(ShardSyncer, CleanupLeavesUnfinishedLeasesAlone) {
  FakeSource source;
  FakeLeaseTable table;
  source.AddShard("p");
  source.AddShard("c", {"p"});
  ShardSyncer syncer(source, table, InitialPosition::kTrimHorizon);
  ASSERT_TRUE(syncer.Sync(true).ok());
  Lease c = *table.Get("c");
  c.checkpoint = {"0000000009", 0};
  table.Put(c);
  EXPECT_EQ(syncer.Sync(true)->deleted, 0);
  EXPECT_TRUE(table.Get("p").has_value());
}

TEST(ShardSyncer, ADeletedSourceIsNotFound) {
  FakeSource source;
  FakeLeaseTable table;
  source.Delete();
  ShardSyncer syncer(source, table, InitialPosition::kTrimHorizon);
  auto synced = syncer.Sync(false);
  EXPECT_EQ(synced.status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace eddy::consumer
