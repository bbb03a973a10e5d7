// The typed Kinesis client against a real eddy server (in process, real HTTP, temp dir).
#include "eddy/client/kinesis_client.h"

#include <gtest/gtest.h>

#include <set>

#include "support/in_process_server.h"

namespace eddy::client {
namespace {

class KinesisClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(eddy_.Start());
    kinesis_ = eddy_.Connect<KinesisClient>();
    ASSERT_TRUE(kinesis_);
  }
  void TearDown() override {
    kinesis_.reset();
    eddy_.Stop();
  }

  eddy::testing::InProcessServer eddy_{"eddy-kinesis-client-"};
  std::unique_ptr<KinesisClient> kinesis_;
};

TEST_F(KinesisClientTest, StreamLifecycle) {
  ASSERT_TRUE(kinesis_->CreateStream("orders", 2).ok());
  auto active = kinesis_->WaitForActive("orders");
  ASSERT_TRUE(active.ok()) << active.error().ToString();
  EXPECT_EQ(active->status, "ACTIVE");
  EXPECT_EQ(active->open_shard_count, 2);
  EXPECT_EQ(active->retention_hours, 24);
  EXPECT_EQ(active->mode, "PROVISIONED");
  EXPECT_NE(active->arn.find(":stream/orders"), std::string::npos);
  auto names = kinesis_->ListStreams();
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"orders"});

  auto again = kinesis_->CreateStream("orders", 2);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().type, "ResourceInUseException");

  ASSERT_TRUE(kinesis_->DeleteStream("orders").ok());
  auto gone = kinesis_->DescribeStreamSummary("orders");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().type, "ResourceNotFoundException");
  EXPECT_EQ(gone.error().http_status, 400);
}

TEST_F(KinesisClientTest, PutAndGetRoundTripArbitraryBytes) {
  ASSERT_TRUE(kinesis_->CreateStream("bytes", 1).ok());
  ASSERT_TRUE(kinesis_->WaitForActive("bytes").ok());
  std::string binary;
  for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
  auto one = kinesis_->PutRecord("bytes", PutEntry{binary, "ключ \"quoted\"", {}});
  ASSERT_TRUE(one.ok()) << one.error().ToString();
  EXPECT_EQ(one->shard_id, "shardId-000000000000");

  std::vector<std::string> payloads;
  std::vector<PutEntry> entries;
  for (int i = 0; i < 499; ++i) payloads.push_back("record-" + std::to_string(i));
  for (const auto& p : payloads) entries.push_back(PutEntry{p, p, {}});
  entries.push_back(PutEntry{"", "empty-data", {}});
  auto many = kinesis_->PutRecords("bytes", entries);
  ASSERT_TRUE(many.ok()) << many.error().ToString();
  EXPECT_EQ(many->failed_record_count, 0);
  ASSERT_EQ(many->records.size(), entries.size());

  auto iterator = kinesis_->GetShardIterator("bytes", "shardId-000000000000", IteratorStart{});
  ASSERT_TRUE(iterator.ok()) << iterator.error().ToString();
  std::vector<Record> all;
  std::string it = *iterator;
  for (int round = 0; round < 10 && all.size() < 501; ++round) {
    auto got = kinesis_->GetRecords(it, 100);
    ASSERT_TRUE(got.ok()) << got.error().ToString();
    for (auto& r : got->records) all.push_back(std::move(r));
    it = got->next_shard_iterator;
  }
  ASSERT_EQ(all.size(), 501u);
  EXPECT_EQ(all[0].data, binary);
  EXPECT_EQ(all[0].partition_key, "ключ \"quoted\"");
  EXPECT_EQ(all[0].sequence_number, one->sequence_number);
  EXPECT_GT(all[0].arrival_ms, 0);
  for (int i = 0; i < 499; ++i) EXPECT_EQ(all[1 + i].data, payloads[i]);
  EXPECT_EQ(all[500].data, "");

  // AT_SEQUENCE_NUMBER / AFTER_SEQUENCE_NUMBER / AT_TIMESTAMP / LATEST.
  IteratorStart after{IteratorType::kAfterSequenceNumber, one->sequence_number, 0};
  auto from_after = kinesis_->GetShardIterator("bytes", "shardId-000000000000", after);
  ASSERT_TRUE(from_after.ok());
  auto next = kinesis_->GetRecords(*from_after, 1);
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->records.size(), 1u);
  EXPECT_EQ(next->records[0].data, "record-0");
  IteratorStart at_time{IteratorType::kAtTimestamp, "", all[0].arrival_ms};
  auto from_time = kinesis_->GetShardIterator("bytes", "shardId-000000000000", at_time);
  ASSERT_TRUE(from_time.ok()) << from_time.error().ToString();
  auto timed = kinesis_->GetRecords(*from_time, 1);
  ASSERT_TRUE(timed.ok());
  ASSERT_EQ(timed->records.size(), 1u);
  auto latest = kinesis_->GetShardIterator("bytes", "shardId-000000000000",
                                           IteratorStart{IteratorType::kLatest, "", 0});
  ASSERT_TRUE(latest.ok());
  auto none = kinesis_->GetRecords(*latest);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->records.empty());

  auto bad = kinesis_->GetRecords("not-an-iterator");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().type, "InvalidArgumentException");
}

TEST_F(KinesisClientTest, SplitAndMergeShowInListShardsAndChildShards) {
  ASSERT_TRUE(kinesis_->CreateStream("reshard", 1).ok());
  ASSERT_TRUE(kinesis_->WaitForActive("reshard").ok());
  ASSERT_TRUE(kinesis_->PutRecord("reshard", PutEntry{"before", "k", {}}).ok());
  auto split = kinesis_->SplitShard("reshard", "shardId-000000000000",
                                    "170141183460469231731687303715884105728");
  ASSERT_TRUE(split.ok()) << split.error().ToString();
  ASSERT_TRUE(kinesis_->WaitForActive("reshard").ok());
  auto shards = kinesis_->ListShards("reshard");
  ASSERT_TRUE(shards.ok());
  ASSERT_EQ(shards->size(), 3u);
  EXPECT_FALSE((*shards)[0].open());
  EXPECT_EQ((*shards)[1].parent_shard_id, "shardId-000000000000");
  EXPECT_EQ((*shards)[1].ending_hash_key, "170141183460469231731687303715884105727");

  // Reading the closed parent to its end names the children and ends the iterator.
  auto it = kinesis_->GetShardIterator("reshard", "shardId-000000000000", IteratorStart{});
  ASSERT_TRUE(it.ok());
  auto got = kinesis_->GetRecords(*it);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->records.size(), 1u);
  std::string next = got->next_shard_iterator;
  while (!next.empty()) {
    auto more = kinesis_->GetRecords(next);
    ASSERT_TRUE(more.ok());
    next = more->next_shard_iterator;
    if (next.empty()) got = std::move(more);
  }
  ASSERT_EQ(got->child_shards.size(), 2u);
  EXPECT_EQ(got->child_shards[0].parent_shards, std::vector<std::string>{"shardId-000000000000"});
  // Each child with its half of the hash key space.
  EXPECT_EQ(got->child_shards[0].shard_id, (*shards)[1].shard_id);
  EXPECT_EQ(got->child_shards[0].starting_hash_key, "0");
  EXPECT_EQ(got->child_shards[0].ending_hash_key, "170141183460469231731687303715884105727");
  EXPECT_EQ(got->child_shards[1].starting_hash_key, "170141183460469231731687303715884105728");
  EXPECT_EQ(got->child_shards[1].ending_hash_key, "340282366920938463463374607431768211455");

  auto merge = kinesis_->MergeShards("reshard", (*shards)[1].shard_id, (*shards)[2].shard_id);
  ASSERT_TRUE(merge.ok()) << merge.error().ToString();
  ASSERT_TRUE(kinesis_->WaitForActive("reshard").ok());
  auto after = kinesis_->ListShards("reshard");
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 4u);
  EXPECT_EQ((*after)[3].parent_shard_id, (*shards)[1].shard_id);
  EXPECT_EQ((*after)[3].adjacent_parent_shard_id, (*shards)[2].shard_id);

  ASSERT_TRUE(kinesis_->UpdateShardCount("reshard", 2).ok());
  ASSERT_TRUE(kinesis_->WaitForActive("reshard").ok());
  auto summary = kinesis_->DescribeStreamSummary("reshard");
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->open_shard_count, 2);
}

TEST_F(KinesisClientTest, AStreamArnIsSentAsStreamArn) {
  ASSERT_TRUE(kinesis_->CreateStream("by-arn", 1).ok());
  auto active = kinesis_->WaitForActive("by-arn");
  ASSERT_TRUE(active.ok());
  const std::string arn = active->arn;
  ASSERT_TRUE(arn.starts_with("arn:")) << arn;

  auto summary = kinesis_->DescribeStreamSummary(arn);
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();
  EXPECT_EQ(summary->name, "by-arn");
  auto by_arn = kinesis_->WaitForActive(arn);
  ASSERT_TRUE(by_arn.ok()) << by_arn.error().ToString();
  auto shards = kinesis_->ListShards(arn);
  ASSERT_TRUE(shards.ok()) << shards.error().ToString();
  ASSERT_EQ(shards->size(), 1u);
  auto one = kinesis_->PutRecord(arn, PutEntry{"one", "k", {}});
  ASSERT_TRUE(one.ok()) << one.error().ToString();
  auto two = kinesis_->PutRecords(arn, {PutEntry{"two", "k", {}}});
  ASSERT_TRUE(two.ok()) << two.error().ToString();
  EXPECT_EQ(two->failed_record_count, 0);
  auto it = kinesis_->GetShardIterator(arn, (*shards)[0].shard_id, IteratorStart{});
  ASSERT_TRUE(it.ok()) << it.error().ToString();
  auto got = kinesis_->GetRecords(*it);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->records.size(), 2u);
  EXPECT_EQ(got->records[0].data, "one");
  EXPECT_EQ(got->records[1].data, "two");
  ASSERT_TRUE(kinesis_->UpdateShardCount(arn, 2).ok());
  ASSERT_TRUE(kinesis_->WaitForActive(arn).ok());

  // The ARN of a stream that does not exist is looked up as an ARN, not refused as a name.
  const std::string other = arn.substr(0, arn.rfind('/') + 1) + "no-such-stream";
  auto missing = kinesis_->DescribeStreamSummary(other);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().type, "ResourceNotFoundException");

  ASSERT_TRUE(kinesis_->DeleteStream(arn).ok());
  auto gone = kinesis_->DescribeStreamSummary("by-arn");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().type, "ResourceNotFoundException");
}

}  // namespace
}  // namespace eddy::client
