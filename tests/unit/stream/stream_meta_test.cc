#include "eddy/stream/stream_meta.h"

#include <gtest/gtest.h>

namespace eddy::stream {
namespace {

TEST(StreamMetaTest, JsonRoundTrip) {
  StreamMeta m;
  m.name = "orders";
  m.region = "eu-west-1";
  m.created_ms = 1'700'000'000'123;
  m.mode = "ON_DEMAND";
  m.retention_hours = 168;
  m.max_record_size_kib = 2048;
  m.tags = {{"team", "data"}, {"quote\"d", "back\\slash"}};
  ShardMeta a{0, 0, (UInt128{1} << 127) - 1, std::nullopt, std::nullopt, 5, 42, 9};
  ShardMeta b{1, UInt128{1} << 127, kUInt128Max, 0, std::nullopt, 6, std::nullopt, 0};
  ShardMeta c{2, 0, kUInt128Max, 0, 1, 7, std::nullopt, 0};
  m.shards = {a, b, c};
  auto back = StreamMeta::FromJson(m.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), m.ToJson());
  EXPECT_EQ(back->shards[0].closed_end_offset, 42u);
  EXPECT_EQ(back->shards[0].closed_ms, 9);
  EXPECT_EQ(back->shards[2].adjacent_parent, 1u);
  EXPECT_EQ(back->shards[1].ending_hash, kUInt128Max);
  EXPECT_EQ(back->tags, m.tags);
  EXPECT_EQ(back->OpenShardCount(), 2u);
}

TEST(StreamMetaTest, MalformedJsonIsCorruption) {
  for (
      const char* bad :
      {"", "{", "[]", R"({"name":"x"})",
       R"({"name":"x","region":"r","account_id":"a","mode":"m","created_ms":1,"shards":[{"index":1,"starting_hash":"0","ending_hash":"1"}]})"}) {
    EXPECT_TRUE(StreamMeta::FromJson(bad).status().IsCorruption()) << bad;
  }
}

TEST(StreamMetaTest, ArnsAndShardIds) {
  StreamMeta m;
  m.name = "s-1";
  m.region = "us-west-2";
  m.account_id = "123456789012";
  EXPECT_EQ(m.Arn(), "arn:aws:kinesis:us-west-2:123456789012:stream/s-1");
  EXPECT_EQ(StreamNameFromArn(m.Arn()), "s-1");
  EXPECT_FALSE(StreamNameFromArn("arn:aws:kinesis:us-west-2:123:stream/a/consumer/c:1"));
  EXPECT_FALSE(StreamNameFromArn("arn:aws:s3:::bucket"));
  EXPECT_FALSE(StreamNameFromArn("stream/x"));
  EXPECT_EQ(ShardIdString(7), "shardId-000000000007");
  EXPECT_EQ(ParseShardId("shardId-000000000007"), 7u);
  EXPECT_EQ(ParseShardId("shardId-7"), 7u);
  EXPECT_FALSE(ParseShardId("shardId-"));
  EXPECT_FALSE(ParseShardId("shard-1"));
  EXPECT_FALSE(ParseShardId("shardId-99999999999"));
}

}  // namespace
}  // namespace eddy::stream
