#include "eddy/api/dynamodb_streams/shard_iterator.h"

#include <gtest/gtest.h>

namespace eddy::api::dynamodb_streams {
namespace {

constexpr std::string_view kArn =
    "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2026-12-01T22:51:10.252";

TEST(ShardIteratorTest, RoundTripsAndHasAwsShape) {
  ShardPosition p{"orders", "2026-12-01T22:51:10.252", "shardId-00000001796165578243-a7a61e79", 42,
                  1'796'165'578'243};
  const std::string iterator = EncodeShardIterator(kArn, p);
  EXPECT_TRUE(iterator.starts_with(std::string(kArn) + "|1|"));
  EXPECT_LE(iterator.size(), 2048u);
  auto decoded = DecodeShardIterator(iterator);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->table, p.table);
  EXPECT_EQ(decoded->stream_label, p.stream_label);
  EXPECT_EQ(decoded->shard_id, p.shard_id);
  EXPECT_EQ(decoded->next_seq, 42u);
  EXPECT_EQ(decoded->issued_ms, p.issued_ms);
}

TEST(ShardIteratorTest, DamagedOrForeignIteratorsAreRefused) {
  ShardPosition p{"orders", "2026-12-01T22:51:10.252", "shardId-1", 7, 1};
  const std::string good = EncodeShardIterator(kArn, p);
  for (size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_FALSE(DecodeShardIterator(good.substr(0, cut)).ok()) << cut;
  }
  std::string flipped = good;
  flipped[flipped.size() - 3] = flipped[flipped.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(DecodeShardIterator(flipped).ok());
  // The same payload behind another stream's ARN.
  const std::string other =
      "arn:aws:dynamodb:us-east-1:000000000000:table/other/stream/2026-12-01T22:51:10.252" +
      good.substr(kArn.size());
  EXPECT_FALSE(DecodeShardIterator(other).ok());
  EXPECT_FALSE(DecodeShardIterator("").ok());
  EXPECT_FALSE(DecodeShardIterator("|1|").ok());
  EXPECT_FALSE(DecodeShardIterator(std::string(100000, '|')).ok());
}

TEST(ShardIteratorTest, SequenceNumbersHave21DigitsAndSortAsNumbers) {
  EXPECT_EQ(FormatSequenceNumber(1), "100000000000000000001");
  EXPECT_LT(FormatSequenceNumber(99), FormatSequenceNumber(100));
  EXPECT_EQ(*ParseSequenceNumber(FormatSequenceNumber(123456789)), 123456789u);
  for (std::string_view bad : {"", "1", "200000000000000000001", "10000000000000000000x",
                               "1000000000000000000001", "-00000000000000000001"}) {
    EXPECT_FALSE(ParseSequenceNumber(bad).ok()) << bad;
  }
}

TEST(ShardIteratorTest, StreamArnsNameTheTableAndTheLabel) {
  auto name = ParseStreamArn(kArn);
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->table, "orders");
  EXPECT_EQ(name->label, "2026-12-01T22:51:10.252");
  for (std::string_view bad :
       {"", "arn:aws:dynamodb:us-east-1:000000000000:table/orders",
        "arn:aws:kinesis:us-east-1:000000000000:stream/orders",
        "arn:aws:dynamodb:us-east-1:000000000000:table//stream/x",
        "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/", "not an arn"}) {
    EXPECT_FALSE(ParseStreamArn(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace eddy::api::dynamodb_streams
