// The typed DynamoDB Streams client against a real eddy server (in process, real HTTP, temp dir).
#include "eddy/client/dynamodb_streams_client.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "eddy/client/attribute_json.h"
#include "eddy/client/json_body.h"
#include "support/in_process_server.h"

namespace eddy::client {
namespace {

using model::AttributeValue;
using model::Item;
using model::Number;
using model::ValueType;

AttributeValue S(std::string s) { return AttributeValue::String(std::move(s)); }
AttributeValue N(std::string_view s) { return AttributeValue::Num(*Number::Parse(s)); }

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class DynamoDbStreamsClientTest : public ::testing::Test {
 protected:
  // `shard_interval_ms`: how long a stream shard stays open (the sweeper, every
  // `sweep_interval_ms`, rolls it once a record has been written to it).
  void StartServer(int64_t shard_interval_ms = 4LL * 3600 * 1000, int sweep_interval_ms = 1000) {
    server::ServerOptions options;
    options.stream_shard_interval_ms = shard_interval_ms;
    options.ttl_interval_ms = sweep_interval_ms;
    ASSERT_TRUE(eddy_.Start(options));
    dynamodb_ = eddy_.Connect<DynamoDbClient>();
    streams_ = eddy_.Connect<DynamoDbStreamsClient>();
    ASSERT_TRUE(dynamodb_ && streams_);
  }
  void TearDown() override {
    streams_.reset();
    dynamodb_.reset();
    eddy_.Stop();
  }

  // A table keyed by pk (S) with a stream of `view`, ACTIVE; returns the stream's ARN.
  std::string CreateStreamTable(const std::string& name,
                                StreamViewType view = StreamViewType::kNewAndOldImages) {
    CreateTableSpec spec;
    spec.name = name;
    spec.key = KeySchema{{"pk", ValueType::kString}, std::nullopt};
    spec.stream = view;
    auto created = dynamodb_->CreateTable(spec);
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    auto active = dynamodb_->WaitForActive(name);
    EXPECT_TRUE(active.ok()) << active.error().ToString();
    return active.ok() ? active->latest_stream_arn : "";
  }

  // Every record of `shard_id` from TRIM_HORIZON up to the end of what is written (an open
  // shard) or to its end (a closed one: the iterator runs out).
  std::vector<DynamoStreamRecord> ReadShard(const std::string& arn, const std::string& shard_id,
                                            bool* ended) {
    std::vector<DynamoStreamRecord> all;
    auto iterator =
        streams_->GetShardIterator(arn, shard_id, DynamoStreamIteratorType::kTrimHorizon);
    EXPECT_TRUE(iterator.ok()) << iterator.error().ToString();
    if (!iterator.ok()) return all;
    std::string it = *iterator;
    *ended = false;
    for (int round = 0; round < 20; ++round) {
      auto got = streams_->GetRecords(it, 2);
      EXPECT_TRUE(got.ok()) << got.error().ToString();
      if (!got.ok()) break;
      for (auto& r : got->records) all.push_back(std::move(r));
      if (got->next_shard_iterator.empty()) {
        *ended = true;
        break;
      }
      if (got->records.empty()) break;  // an open shard, read to what is written
      it = got->next_shard_iterator;
    }
    return all;
  }

  eddy::testing::InProcessServer eddy_{"eddy-dynamodb-streams-client-"};
  std::unique_ptr<DynamoDbClient> dynamodb_;
  std::unique_ptr<DynamoDbStreamsClient> streams_;
};

TEST_F(DynamoDbStreamsClientTest, ListsStreamsAndResolvesTheLatest) {
  StartServer();
  const std::string arn = CreateStreamTable("orders");
  ASSERT_FALSE(arn.empty());
  CreateStreamTable("other", StreamViewType::kKeysOnly);
  CreateTableSpec plain{"plain", KeySchema{{"pk", ValueType::kString}, std::nullopt}, {}, {}};
  ASSERT_TRUE(dynamodb_->CreateTable(plain).ok());

  auto listed = streams_->ListStreams("orders");
  ASSERT_TRUE(listed.ok()) << listed.error().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].arn, arn);
  EXPECT_EQ((*listed)[0].table_name, "orders");
  EXPECT_FALSE((*listed)[0].label.empty());
  EXPECT_NE(arn.find((*listed)[0].label), std::string::npos);
  auto every = streams_->ListStreams();
  ASSERT_TRUE(every.ok());
  EXPECT_EQ(every->size(), 2u);
  auto none = streams_->ListStreams("plain");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  auto latest = ResolveLatestStreamArn(*dynamodb_, "orders");
  ASSERT_TRUE(latest.ok()) << latest.error().ToString();
  EXPECT_EQ(*latest, arn);
  auto no_stream = ResolveLatestStreamArn(*dynamodb_, "plain");
  ASSERT_FALSE(no_stream.ok());
  EXPECT_EQ(no_stream.error().type, "NoStream");
  auto no_table = ResolveLatestStreamArn(*dynamodb_, "missing");
  ASSERT_FALSE(no_table.ok());
  EXPECT_TRUE(IsResourceNotFound(no_table.error()));

  auto description = streams_->DescribeStream(arn);
  ASSERT_TRUE(description.ok()) << description.error().ToString();
  EXPECT_EQ(description->arn, arn);
  EXPECT_EQ(description->status, "ENABLED");
  EXPECT_EQ(description->view_type, "NEW_AND_OLD_IMAGES");
  EXPECT_EQ(description->table_name, "orders");
  EXPECT_EQ(description->label, (*listed)[0].label);
  EXPECT_GT(description->created_ms, 0);
  ASSERT_EQ(description->shards.size(), 1u);
  EXPECT_TRUE(description->shards[0].open());
  EXPECT_TRUE(description->shards[0].parent_shard_id.empty());
  EXPECT_FALSE(description->shards[0].starting_sequence_number.empty());

  auto bad = streams_->DescribeStream(arn + "x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().type, "ResourceNotFoundException");
  auto no_shard = streams_->GetShardIterator(arn, "shardId-nope",
                                             DynamoStreamIteratorType::kTrimHorizon);
  ASSERT_FALSE(no_shard.ok());
  EXPECT_EQ(no_shard.error().type, "ResourceNotFoundException");
}

TEST_F(DynamoDbStreamsClientTest, RecordsCarryTheirFieldsAndTheServersJson) {
  StartServer();
  const std::string arn = CreateStreamTable("orders");
  ASSERT_FALSE(arn.empty());
  const int64_t before_ms = NowMs();
  Item item{{"pk", S("order-1")}, {"total", N("12.50")}, {"note", S("\"quoted\" ключ")}};
  ASSERT_TRUE(dynamodb_->PutItem("orders", item).ok());
  ASSERT_TRUE(dynamodb_
                  ->UpdateItem("orders", Item{{"pk", S("order-1")}},
                               UpdateSpec{"SET #t = :t", {{"#t", "total"}}, {{":t", N("13")}}})
                  .ok());
  ASSERT_TRUE(dynamodb_->DeleteItem("orders", Item{{"pk", S("order-1")}}).ok());
  const int64_t after_ms = NowMs();

  auto description = streams_->DescribeStream(arn);
  ASSERT_TRUE(description.ok());
  ASSERT_EQ(description->shards.size(), 1u);
  const std::string shard = description->shards[0].shard_id;
  auto iterator = streams_->GetShardIterator(arn, shard, DynamoStreamIteratorType::kTrimHorizon);
  ASSERT_TRUE(iterator.ok()) << iterator.error().ToString();
  auto got = streams_->GetRecords(*iterator);
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  ASSERT_EQ(got->records.size(), 3u);
  EXPECT_FALSE(got->next_shard_iterator.empty());  // the shard is open
  const std::vector<std::string> names = {"INSERT", "MODIFY", "REMOVE"};
  for (size_t i = 0; i < 3; ++i) {
    const DynamoStreamRecord& r = got->records[i];
    EXPECT_EQ(r.event_name, names[i]);
    EXPECT_FALSE(r.event_id.empty());
    EXPECT_GT(r.size_bytes, 0);
    // Whole seconds from eddy: within a second of the writes.
    EXPECT_GE(r.approximate_creation_ms, before_ms - 1000);
    EXPECT_LE(r.approximate_creation_ms, after_ms + 1000);
    if (i > 0) {
      // 21-digit decimal sequence numbers: text order is numeric order.
      EXPECT_EQ(r.sequence_number.size(), got->records[i - 1].sequence_number.size());
      EXPECT_GT(r.sequence_number, got->records[i - 1].sequence_number);
    }
    // The JSON is the record: the fields above are in it.
    simdjson::dom::parser parser;
    simdjson::dom::element json;
    ASSERT_EQ(parser.parse(r.json).get(json), simdjson::SUCCESS) << r.json;
    std::string_view seq, id;
    ASSERT_EQ(json["dynamodb"]["SequenceNumber"].get(seq), simdjson::SUCCESS);
    EXPECT_EQ(seq, r.sequence_number);
    ASSERT_EQ(json["eventID"].get(id), simdjson::SUCCESS);
    EXPECT_EQ(id, r.event_id);
  }
  // The INSERT's NewImage is the item written.
  simdjson::dom::parser parser;
  simdjson::dom::element insert;
  ASSERT_EQ(parser.parse(got->records[0].json).get(insert), simdjson::SUCCESS);
  simdjson::dom::element image;
  ASSERT_EQ(insert["dynamodb"]["NewImage"].get(image), simdjson::SUCCESS);
  auto new_image = ParseAttributeMap(image);
  ASSERT_TRUE(new_image.ok()) << new_image.status().ToString();
  EXPECT_EQ(*new_image, item);

  // Byte for byte what the server sent: the raw answer to the same iterator holds the records,
  // in order, joined by commas.
  JsonBody body;
  body.Open().Key("ShardIterator").String(*iterator).Close();
  auto raw = streams_->transport().Call("GetRecords", body.Take());
  ASSERT_TRUE(raw.ok()) << raw.error().ToString();
  std::string joined;
  for (const auto& r : got->records) joined += (joined.empty() ? "" : ",") + r.json;
  EXPECT_NE(raw->find("\"Records\":[" + joined + "]"), std::string::npos) << *raw;

  // AT / AFTER a sequence number; LATEST sees only what comes next.
  auto at = streams_->GetShardIterator(arn, shard, DynamoStreamIteratorType::kAtSequenceNumber,
                                       got->records[1].sequence_number);
  ASSERT_TRUE(at.ok()) << at.error().ToString();
  auto from_at = streams_->GetRecords(*at, 1);
  ASSERT_TRUE(from_at.ok());
  ASSERT_EQ(from_at->records.size(), 1u);
  EXPECT_EQ(from_at->records[0].event_name, "MODIFY");
  auto after = streams_->GetShardIterator(
      arn, shard, DynamoStreamIteratorType::kAfterSequenceNumber, got->records[1].sequence_number);
  ASSERT_TRUE(after.ok());
  auto from_after = streams_->GetRecords(*after);
  ASSERT_TRUE(from_after.ok());
  ASSERT_EQ(from_after->records.size(), 1u);
  EXPECT_EQ(from_after->records[0].event_name, "REMOVE");
  auto latest = streams_->GetShardIterator(arn, shard, DynamoStreamIteratorType::kLatest);
  ASSERT_TRUE(latest.ok());
  auto nothing = streams_->GetRecords(*latest);
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->records.empty());
  ASSERT_TRUE(dynamodb_->PutItem("orders", Item{{"pk", S("order-2")}}).ok());
  auto next = streams_->GetRecords(nothing->next_shard_iterator);
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->records.size(), 1u);
  EXPECT_EQ(next->records[0].event_name, "INSERT");

  auto bad_iterator = streams_->GetRecords("not-an-iterator");
  ASSERT_FALSE(bad_iterator.ok());
  EXPECT_EQ(bad_iterator.error().type, "ValidationException");
}

// Shards roll every few milliseconds (once written to): DescribeStream pages over all of them,
// and a closed shard is read to its end.
TEST_F(DynamoDbStreamsClientTest, DescribeStreamPagesOverRolledShards) {
  StartServer(/*shard_interval_ms=*/1, /*sweep_interval_ms=*/10);
  const std::string arn = CreateStreamTable("rolling");
  ASSERT_FALSE(arn.empty());
  constexpr int kWrites = 7;
  for (int i = 0; i < kWrites; ++i) {
    ASSERT_TRUE(dynamodb_->PutItem("rolling", Item{{"pk", S("k" + std::to_string(i))}}).ok());
    // Wait for the shard written to to close.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      auto d = streams_->DescribeStream(arn);
      ASSERT_TRUE(d.ok()) << d.error().ToString();
      if (d->shards.size() >= static_cast<size_t>(i + 2)) break;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no rollover after write " << i;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  auto whole = streams_->DescribeStream(arn, 100);
  ASSERT_TRUE(whole.ok()) << whole.error().ToString();
  auto paged = streams_->DescribeStream(arn, 2);
  ASSERT_TRUE(paged.ok()) << paged.error().ToString();
  const auto& shards = paged->shards;
  ASSERT_GE(shards.size(), static_cast<size_t>(kWrites + 1));
  // Pages of two returned every shard, each once, as one page does (the sweeper may have added
  // none since: only written shards roll).
  ASSERT_EQ(shards.size(), whole->shards.size());
  std::set<std::string> ids;
  for (size_t i = 0; i < shards.size(); ++i) {
    EXPECT_EQ(shards[i].shard_id, whole->shards[i].shard_id);
    EXPECT_TRUE(ids.insert(shards[i].shard_id).second) << "shard listed twice";
    // One chain: each shard's parent is the one before it.
    if (i == 0) {
      EXPECT_TRUE(shards[i].parent_shard_id.empty());
    } else {
      EXPECT_EQ(shards[i].parent_shard_id, shards[i - 1].shard_id);
    }
    EXPECT_EQ(shards[i].open(), i + 1 == shards.size()) << i;
  }

  // Every closed shard read from TRIM_HORIZON runs out (no next iterator) after its records;
  // together they hold every write once, in order.
  std::vector<std::string> keys;
  for (size_t i = 0; i + 1 < shards.size(); ++i) {
    EXPECT_FALSE(shards[i].ending_sequence_number.empty());
    bool ended = false;
    auto records = ReadShard(arn, shards[i].shard_id, &ended);
    EXPECT_TRUE(ended) << shards[i].shard_id << " did not end";
    for (const auto& r : records) {
      EXPECT_GE(r.sequence_number, shards[i].starting_sequence_number);
      EXPECT_LE(r.sequence_number, shards[i].ending_sequence_number);
      simdjson::dom::parser parser;
      simdjson::dom::element json;
      ASSERT_EQ(parser.parse(r.json).get(json), simdjson::SUCCESS);
      std::string_view pk;
      ASSERT_EQ(json["dynamodb"]["Keys"]["pk"]["S"].get(pk), simdjson::SUCCESS);
      keys.emplace_back(pk);
    }
  }
  std::vector<std::string> expected;
  for (int i = 0; i < kWrites; ++i) expected.push_back("k" + std::to_string(i));
  EXPECT_EQ(keys, expected);
  bool ended = true;
  EXPECT_TRUE(ReadShard(arn, shards.back().shard_id, &ended).empty());
  EXPECT_FALSE(ended);  // the open shard never runs out
}

}  // namespace
}  // namespace eddy::client
