// The consumer against a real eddy server (in process, real HTTP, temp dir): the lease table in
// eddy's DynamoDB, the Kinesis and DynamoDB stream sources, and whole workers.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "eddy/client/dynamodb_client.h"
#include "eddy/client/dynamodb_streams_client.h"
#include "eddy/client/kinesis_client.h"
#include "eddy/consumer/dynamodb_lease_table.h"
#include "eddy/consumer/sources.h"
#include "eddy/consumer/worker.h"
#include "support/in_process_server.h"
#include "support/wait_until.h"

namespace eddy::consumer {
namespace {

using namespace std::chrono_literals;
using model::AttributeValue;

bool WaitUntil(const std::function<bool()>& done) {
  return eddy::testing::WaitUntil(done, 30s, 10ms);
}

class ConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions options;
    options.stream_shard_interval_ms = 300;  // DynamoDB stream shards roll over quickly
    ASSERT_TRUE(eddy_.Start(options));
    kinesis_ = eddy_.Connect<client::KinesisClient>();
    dynamodb_ = eddy_.Connect<client::DynamoDbClient>();
    streams_ = eddy_.Connect<client::DynamoDbStreamsClient>();
    ASSERT_TRUE(kinesis_ && dynamodb_ && streams_);
  }
  void TearDown() override {
    kinesis_.reset();
    dynamodb_.reset();
    streams_.reset();
    eddy_.Stop();
  }

  WorkerOptions Options(const std::string& app, const std::string& worker_id) {
    WorkerOptions options;
    options.application_name = app;
    options.worker_id = worker_id;
    options.initial_position = InitialPosition::kTrimHorizon;
    options.failover_time_ms = 3000;
    options.lease_taker_interval_ms = 50;
    options.idle_time_between_reads_ms = 20;
    options.shard_sync_interval_ms = 200;
    options.parent_shard_poll_interval_ms = 50;
    options.task_backoff_time_ms = 20;
    return options;
  }

  eddy::testing::InProcessServer eddy_{"eddy-consumer-"};
  std::unique_ptr<client::KinesisClient> kinesis_;
  std::unique_ptr<client::DynamoDbClient> dynamodb_;
  std::unique_ptr<client::DynamoDbStreamsClient> streams_;
};

TEST_F(ConsumerTest, LeaseTableWritesAreConditionalOnTheCounterAndOwner) {
  DynamoDbLeaseTable table(*dynamodb_, "app-leases");
  ASSERT_TRUE(table.CreateTableIfNotExists().ok());
  ASSERT_TRUE(table.CreateTableIfNotExists().ok());  // again: nothing to do
  Lease lease;
  lease.lease_key = "shardId-000000000001";
  lease.checkpoint = ExtendedSequenceNumber::TrimHorizon();
  lease.parent_shard_ids = {"shardId-000000000000"};
  lease.starting_hash_key = "0";
  lease.ending_hash_key = "170141183460469231731687303715884105727";
  ASSERT_EQ(*table.CreateLeaseIfNotExists(lease), LeaseWrite::kDone);
  EXPECT_EQ(*table.CreateLeaseIfNotExists(lease), LeaseWrite::kConditionFailed);

  Lease mine = lease;
  ASSERT_EQ(*table.TakeLease(&mine, "w1"), LeaseWrite::kDone);
  EXPECT_EQ(mine.owner, "w1");
  EXPECT_EQ(mine.counter, 1);
  EXPECT_EQ(mine.owner_switches_since_checkpoint, 1);
  Lease stale = lease;  // counter 0: a take with it must fail
  EXPECT_EQ(*table.TakeLease(&stale, "w2"), LeaseWrite::kConditionFailed);
  ASSERT_EQ(*table.RenewLease(&mine), LeaseWrite::kDone);
  EXPECT_EQ(mine.counter, 2);

  mine.checkpoint = {"49000000000000000000000000000000000000000000000000000007", 3};
  mine.pending_checkpoint = {"49000000000000000000000000000000000000000000000000000009", 0};
  mine.pending_checkpoint_state = std::string("\x00\x01state", 7);
  mine.owner_switches_since_checkpoint = 0;
  ASSERT_EQ(*table.UpdateCheckpoint(&mine), LeaseWrite::kDone);
  auto stored = table.GetLease(lease.lease_key);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ(**stored, mine);  // every attribute round-trips
  EXPECT_EQ((*stored)->pending_checkpoint_state, std::string("\x00\x01state", 7));

  Lease thief = mine;
  ASSERT_EQ(*table.TakeLease(&thief, "w2"), LeaseWrite::kDone);
  // The old owner can neither renew nor checkpoint any more.
  Lease old = mine;
  EXPECT_EQ(*table.RenewLease(&old), LeaseWrite::kConditionFailed);
  old.checkpoint = {"49000000000000000000000000000000000000000000000000000099", 0};
  EXPECT_EQ(*table.UpdateCheckpoint(&old), LeaseWrite::kConditionFailed);
  EXPECT_EQ((*table.GetLease(lease.lease_key))->checkpoint, mine.checkpoint);
  EXPECT_EQ(*table.EvictLease(&old), LeaseWrite::kConditionFailed);  // not the owner
  ASSERT_EQ(*table.EvictLease(&thief), LeaseWrite::kDone);
  EXPECT_FALSE(thief.owned());

  // Only a finished lease is deleted.
  EXPECT_EQ(*table.DeleteFinishedLease(lease.lease_key), LeaseWrite::kConditionFailed);
  ASSERT_EQ(*table.TakeLease(&thief, "w3"), LeaseWrite::kDone);
  thief.checkpoint = ExtendedSequenceNumber::ShardEnd();
  thief.child_shard_ids = {"shardId-000000000002", "shardId-000000000003"};
  ASSERT_EQ(*table.UpdateCheckpoint(&thief), LeaseWrite::kDone);
  ASSERT_EQ(*table.UpdateChildShards(&thief), LeaseWrite::kDone);
  EXPECT_EQ((*table.GetLease(lease.lease_key))->child_shard_ids, thief.child_shard_ids);
  EXPECT_EQ(*table.DeleteFinishedLease(lease.lease_key), LeaseWrite::kDone);
  EXPECT_FALSE(table.GetLease(lease.lease_key)->has_value());
}

TEST_F(ConsumerTest, AHandoffRequestLeavesTheCounterAndTheHandOverGivesTheLeaseToTheAsker) {
  DynamoDbLeaseTable table(*dynamodb_, "app-handoff");
  ASSERT_TRUE(table.CreateTableIfNotExists().ok());
  Lease lease;
  lease.lease_key = "shardId-000000000001";
  lease.checkpoint = ExtendedSequenceNumber::TrimHorizon();
  ASSERT_EQ(*table.CreateLeaseIfNotExists(lease), LeaseWrite::kDone);
  Lease owner = lease;
  ASSERT_EQ(*table.TakeLease(&owner, "w1"), LeaseWrite::kDone);

  Lease asker = owner;
  ASSERT_EQ(*table.RequestHandoff(&asker, "w2"), LeaseWrite::kDone);
  EXPECT_EQ(asker.handoff_to, "w2");
  EXPECT_EQ(asker.owner, "w1");
  EXPECT_EQ(asker.counter, owner.counter);  // the owner's fenced writes still match
  Lease other = owner;
  EXPECT_EQ(*table.RequestHandoff(&other, "w3"), LeaseWrite::kConditionFailed);  // one at a time
  Lease not_owner = owner;
  not_owner.owner = "w9";
  EXPECT_EQ(*table.RequestHandoff(&not_owner, "w3"), LeaseWrite::kConditionFailed);

  // The owner's renewal and checkpoint go through, and their answers carry the request.
  ASSERT_EQ(*table.RenewLease(&owner), LeaseWrite::kDone);
  EXPECT_EQ(owner.handoff_to, "w2");
  owner.checkpoint = {"49000000000000000000000000000000000000000000000000000007", 0};
  ASSERT_EQ(*table.UpdateCheckpoint(&owner), LeaseWrite::kDone);
  EXPECT_EQ(owner.handoff_to, "w2");

  Lease stale = owner;
  --stale.counter;
  EXPECT_EQ(*table.HandOverLease(&stale), LeaseWrite::kConditionFailed);  // fenced
  const int64_t switches = owner.owner_switches_since_checkpoint;
  ASSERT_EQ(*table.HandOverLease(&owner), LeaseWrite::kDone);
  auto stored = table.GetLease(lease.lease_key);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->owner, "w2");
  EXPECT_TRUE((*stored)->handoff_to.empty());
  EXPECT_EQ((*stored)->owner_switches_since_checkpoint, switches + 1);
  EXPECT_EQ((*stored)->checkpoint.sequence_number,
            "49000000000000000000000000000000000000000000000000000007");

  // A take and a release drop a request that was never answered.
  Lease next = **stored;
  ASSERT_EQ(*table.RequestHandoff(&next, "w3"), LeaseWrite::kDone);
  ASSERT_EQ(*table.TakeLease(&next, "w3"), LeaseWrite::kDone);
  EXPECT_TRUE(next.handoff_to.empty());
  // A request is withdrawn only by the worker that made it, and the counter stays.
  ASSERT_EQ(*table.RequestHandoff(&next, "w4"), LeaseWrite::kDone);
  Lease someone_else = next;
  EXPECT_EQ(*table.WithdrawHandoff(&someone_else, "w5"), LeaseWrite::kConditionFailed);
  const int64_t counter = next.counter;
  ASSERT_EQ(*table.WithdrawHandoff(&next, "w4"), LeaseWrite::kDone);
  EXPECT_TRUE(next.handoff_to.empty());
  EXPECT_EQ(next.counter, counter);
  EXPECT_EQ(*table.WithdrawHandoff(&next, "w4"), LeaseWrite::kConditionFailed);
  ASSERT_EQ(*table.RequestHandoff(&next, "w1"), LeaseWrite::kDone);
  ASSERT_EQ(*table.EvictLease(&next), LeaseWrite::kDone);
  EXPECT_TRUE(next.handoff_to.empty());
  EXPECT_FALSE(next.owned());
}

TEST_F(ConsumerTest, DamagedLeaseItemsAreReportedAndSkipped) {
  DynamoDbLeaseTable table(*dynamodb_, "damaged");
  ASSERT_TRUE(table.CreateTableIfNotExists().ok());
  Lease good;
  good.lease_key = "shardId-000000000000";
  good.checkpoint = ExtendedSequenceNumber::Latest();
  ASSERT_EQ(*table.CreateLeaseIfNotExists(good), LeaseWrite::kDone);
  ASSERT_TRUE(dynamodb_->PutItem("damaged", {{"leaseKey", AttributeValue::String("bad-counter")},
                                             {"leaseCounter", AttributeValue::String("7")}})
                  .ok());
  ASSERT_TRUE(dynamodb_->PutItem("damaged", {{"leaseKey", AttributeValue::String("bad-owner")},
                                             {"leaseCounter", AttributeValue::Num(*model::Number::Parse("1"))},
                                             {"leaseOwner", AttributeValue::Bool(true)}})
                  .ok());
  std::vector<std::string> damaged;
  auto leases = table.ListLeases(&damaged);
  ASSERT_TRUE(leases.ok());
  ASSERT_EQ(leases->size(), 1u);
  EXPECT_EQ((*leases)[0], good);
  ASSERT_EQ(damaged.size(), 2u);
  EXPECT_NE(damaged[0].find("leaseCounter"), std::string::npos) << damaged[0];
  EXPECT_NE(damaged[1].find("leaseOwner"), std::string::npos) << damaged[1];
}

TEST_F(ConsumerTest, ADeletedLeaseTableIsNotFound) {
  DynamoDbLeaseTable table(*dynamodb_, "gone");
  ASSERT_TRUE(table.CreateTableIfNotExists().ok());
  ASSERT_TRUE(dynamodb_->DeleteTable("gone").ok());
  EXPECT_EQ(table.ListLeases(nullptr).status().code(), Status::Code::kNotFound);
  Lease lease;
  lease.lease_key = "x";
  lease.owner = "w";
  EXPECT_EQ(table.RenewLease(&lease).status().code(), Status::Code::kNotFound);
}

// Records what a processor saw, per shard, in order.
struct Seen {
  std::mutex mu;
  std::vector<std::pair<std::string, Record>> records;  // (shard, record)
  size_t Count() {
    std::lock_guard lock(mu);
    return records.size();
  }
};

class SeenProcessor final : public RecordProcessor {
 public:
  SeenProcessor(Seen& seen, std::string shard) : seen_(seen), shard_(std::move(shard)) {}
  Status Initialize(const InitializationInput&) override { return Status::Ok(); }
  Status ProcessRecords(const ProcessRecordsInput& input) override {
    {
      std::lock_guard lock(seen_.mu);
      for (const Record& r : input.records) seen_.records.emplace_back(shard_, r);
    }
    auto outcome = input.checkpointer.Checkpoint();
    return outcome.ok() || outcome.error == CheckpointError::kShutdown
               ? Status::Ok()
               : Status::Internal(outcome.message);
  }
  void LeaseLost() override {}
  Status ShardEnded(Checkpointer& checkpointer) override {
    auto outcome = checkpointer.Checkpoint();
    return outcome.ok() ? Status::Ok() : Status::Internal(outcome.message);
  }
  Status ShutdownRequested(Checkpointer& checkpointer) override {
    (void)checkpointer.Checkpoint();
    return Status::Ok();
  }

 private:
  Seen& seen_;
  const std::string shard_;
};

class SeenFactory final : public RecordProcessorFactory {
 public:
  explicit SeenFactory(Seen& seen) : seen_(seen) {}
  std::unique_ptr<RecordProcessor> Create(const std::string& shard) override {
    return std::make_unique<SeenProcessor>(seen_, shard);
  }

 private:
  Seen& seen_;
};

TEST_F(ConsumerTest, TwoWorkersReadAKinesisStreamInKeyOrderAcrossASplitAndAMerge) {
  ASSERT_TRUE(kinesis_->CreateStream("orders", 2).ok());
  ASSERT_TRUE(kinesis_->WaitForActive("orders").ok());
  KinesisSource source(*kinesis_, "orders");
  DynamoDbLeaseTable table(*dynamodb_, "orders-app");
  Seen seen;
  SeenFactory factory(seen);
  Worker a(Options("orders-app", "a"), source, table, factory);
  Worker b(Options("orders-app", "b"), source, table, factory);
  Status a_status, b_status;
  std::thread ta([&] { a_status = a.Run(); });
  std::thread tb([&] { b_status = b.Run(); });

  // Keyed counters; the data is "<key>:<n>".
  int written = 0;
  std::map<std::string, int> next;
  auto put = [&](int n) {
    std::vector<std::string> data;
    std::vector<std::string> keys;
    for (int i = 0; i < n; ++i) {
      keys.push_back("key-" + std::to_string(i % 7));
      data.push_back(keys.back() + ":" + std::to_string(next[keys.back()]++));
    }
    std::vector<client::PutEntry> entries;
    for (int i = 0; i < n; ++i) entries.push_back({data[i], keys[i], ""});
    auto put = kinesis_->PutRecords("orders", entries);
    ASSERT_TRUE(put.ok());
    ASSERT_EQ(put->failed_record_count, 0);
    written += n;
  };
  put(70);
  auto shards = kinesis_->ListShards("orders");
  ASSERT_TRUE(shards.ok());
  // Split shard 0 at its middle, then merge shard 1 with the split's upper child.
  ASSERT_TRUE(kinesis_->SplitShard("orders", "shardId-000000000000",
                                   "42535295865117307932921825928971026432").ok());
  put(70);
  ASSERT_TRUE(kinesis_->MergeShards("orders", "shardId-000000000003", "shardId-000000000001").ok());
  put(70);
  ASSERT_TRUE(WaitUntil([&] { return seen.Count() >= static_cast<size_t>(written); }));

  // Every record, and per key in order (each key's counters come out 0, 1, 2, ... when
  // duplicates, replays after a lease moved, are left out).
  std::map<std::string, int> expected;
  std::lock_guard lock(seen.mu);
  for (const auto& [shard, record] : seen.records) {
    const auto colon = record.data.find(':');
    const std::string key = record.data.substr(0, colon);
    const int n = std::stoi(record.data.substr(colon + 1));
    if (n < expected[key]) continue;  // a replay
    EXPECT_EQ(n, expected[key]) << key << " in " << shard;
    expected[key] = n + 1;
  }
  for (const auto& [key, n] : next) EXPECT_EQ(expected[key], n) << key;
  a.Shutdown();
  b.Shutdown();
  ta.join();
  tb.join();
  EXPECT_TRUE(a_status.ok()) << a_status.ToString();
  EXPECT_TRUE(b_status.ok()) << b_status.ToString();
}

TEST_F(ConsumerTest, AWorkerReadsATablesDynamoDbStreamAcrossShardRollovers) {
  client::CreateTableSpec spec;
  spec.name = "users";
  spec.key.hash = {"id", model::ValueType::kString};
  spec.stream = client::StreamViewType::kNewAndOldImages;
  ASSERT_TRUE(dynamodb_->CreateTable(spec).ok());
  ASSERT_TRUE(dynamodb_->WaitForActive("users").ok());
  auto arn = client::ResolveLatestStreamArn(*dynamodb_, "users");
  ASSERT_TRUE(arn.ok());
  DynamoDbStreamSource source(*streams_, *arn, *SystemClock());
  DynamoDbLeaseTable table(*dynamodb_, "users-app");
  Seen seen;
  SeenFactory factory(seen);
  Worker worker(Options("users-app", "w"), source, table, factory);
  Status status;
  std::thread t([&] { status = worker.Run(); });
  // Updates of one item spread over several shards (they roll every 300 ms).
  const int kWrites = 12;
  for (int i = 0; i < kWrites; ++i) {
    ASSERT_TRUE(dynamodb_
                    ->PutItem("users", {{"id", AttributeValue::String("u1")},
                                        {"n", AttributeValue::Num(*model::Number::Parse(
                                                  std::to_string(i)))}})
                    .ok());
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(WaitUntil([&] { return seen.Count() >= kWrites; }));
  {
    std::lock_guard lock(seen.mu);
    std::set<std::string> shards;
    int expected = 0;
    for (const auto& [shard, record] : seen.records) {
      shards.insert(shard);
      // Each record is the stream record's JSON, with the new image's counter in order.
      EXPECT_NE(record.data.find("\"eventName\":\"" + std::string(expected ? "MODIFY" : "INSERT")),
                std::string::npos)
          << record.data;
      EXPECT_NE(record.data.find("\"n\":{\"N\":\"" + std::to_string(expected) + "\"}"),
                std::string::npos)
          << record.data;
      EXPECT_EQ(record.partition_key, record.sequence_number);
      ++expected;
    }
    EXPECT_EQ(expected, kWrites);
    EXPECT_GT(shards.size(), 1u);  // the rollovers were followed
  }
  worker.Shutdown();
  t.join();
  EXPECT_TRUE(status.ok()) << status.ToString();
}

}  // namespace
}  // namespace eddy::consumer
