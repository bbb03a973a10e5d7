#include "eddy/table/change_streams.h"

#include <gtest/gtest.h>

namespace eddy::table {
namespace {

TableDefinition Table() {
  TableDefinition t;
  t.name = "orders";
  t.id = 3;
  t.key.partition = {"pk", ValueType::kString};
  return t;
}

TEST(ChangeStreamsTest, LabelsAreUtcWithMilliseconds) {
  EXPECT_EQ(StreamLabel(1'432'155'070'252), "2015-05-20T20:51:10.252");
  EXPECT_EQ(StreamLabel(0), "1970-01-01T00:00:00.000");
}

TEST(ChangeStreamsTest, AStreamIsOneLineageOfShardsOverTheChangeSequence) {
  TableDefinition t = Table();
  ASSERT_TRUE(EnableStream(&t, StreamViewType::kNewImage, 1000, 5).ok());
  EXPECT_EQ(EnableStream(&t, StreamViewType::kKeysOnly, 1001, 5).code(),
            Status::Code::kFailedPrecondition);
  const StreamDefinition* stream = EnabledStream(t);
  ASSERT_NE(stream, nullptr);
  ASSERT_EQ(stream->shards.size(), 1u);
  EXPECT_TRUE(stream->shards[0].open());
  EXPECT_EQ(stream->shards[0].first_seq, 5u);
  EXPECT_TRUE(stream->shards[0].parent_id.empty());
  EXPECT_EQ(stream->shards[0].id.size(), std::string("shardId-").size() + 20 + 1 + 8);

  // Not yet due, then due but empty: no rollover.
  EXPECT_FALSE(RollStreamShard(&t, 1500, 9, 1000));
  EXPECT_FALSE(RollStreamShard(&t, 2500, 5, 1000));
  // Due with changes 5..8: the shard closes at 8 and a child starts at 9.
  EXPECT_TRUE(RollStreamShard(&t, 2500, 9, 1000));
  stream = EnabledStream(t);
  ASSERT_EQ(stream->shards.size(), 2u);
  EXPECT_FALSE(stream->shards[0].open());
  EXPECT_EQ(stream->shards[0].last_seq, 8u);
  EXPECT_EQ(stream->shards[1].first_seq, 9u);
  EXPECT_EQ(stream->shards[1].parent_id, stream->shards[0].id);
  EXPECT_LT(stream->shards[0].id, stream->shards[1].id);  // lexicographic = creation order

  // Disabling closes the open shard (empty here) and keeps the stream readable.
  ASSERT_TRUE(DisableStream(&t, 2600, 9).ok());
  EXPECT_EQ(EnabledStream(t), nullptr);
  EXPECT_EQ(t.streams[0].shards[1].last_seq, 8u);  // closed empty: first_seq - 1
  EXPECT_FALSE(t.streams[0].shards[1].open());
  EXPECT_EQ(DisableStream(&t, 2700, 9).code(), Status::Code::kFailedPrecondition);

  // Enabling again starts a new stream with a new label, even within the same millisecond.
  ASSERT_TRUE(EnableStream(&t, StreamViewType::kKeysOnly, 1000, 9).ok());
  ASSERT_EQ(t.streams.size(), 2u);
  EXPECT_NE(t.streams[0].label, t.streams[1].label);
  EXPECT_NE(FindStream(t, t.streams[0].label), nullptr);

  // Shards closed before the retention cut go, and with them the disabled stream.
  EXPECT_TRUE(DropExpiredShards(&t, 2601));
  ASSERT_EQ(t.streams.size(), 1u);
  EXPECT_EQ(t.streams[0].view, StreamViewType::kKeysOnly);
  EXPECT_FALSE(DropExpiredShards(&t, 2601));

  auto decoded = DecodeTableDefinition(EncodeTableDefinition(t));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, t);
}

}  // namespace
}  // namespace eddy::table
