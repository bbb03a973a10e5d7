#include "eddy/stream/shard_iterator.h"

#include <gtest/gtest.h>

namespace eddy::stream {
namespace {

IteratorCodec::Key KeyOf(uint8_t b) {
  IteratorCodec::Key k{};
  k.fill(b);
  return k;
}

TEST(ShardIteratorTest, RoundTrip) {
  IteratorCodec codec(KeyOf(1));
  const IteratorPosition p{"orders", 1'700'000'000'123, 5, 42, 1'700'000'100'000};
  const std::string token = codec.Encode(p);
  EXPECT_LE(token.size(), 512u);  // the model's maximum
  auto back = codec.Decode(token, p.issued_ms + 1000);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->stream_name, "orders");
  EXPECT_EQ(back->stream_created_ms, p.stream_created_ms);
  EXPECT_EQ(back->shard_index, 5u);
  EXPECT_EQ(back->offset, 42u);
}

TEST(ShardIteratorTest, ExpiresAfterFiveMinutes) {
  IteratorCodec codec(KeyOf(1));
  const std::string token = codec.Encode({"s", 1, 0, 0, 1'000'000});
  EXPECT_TRUE(codec.Decode(token, 1'000'000 + IteratorCodec::kLifetimeMs).ok());
  auto late = codec.Decode(token, 1'000'000 + IteratorCodec::kLifetimeMs + 1);
  EXPECT_EQ(late.status().code(), Status::Code::kExpired);
  EXPECT_NE(late.status().message().find("300000 milliseconds"), std::string::npos);
}

TEST(ShardIteratorTest, ForgedOrDamagedTokensAreRejected) {
  IteratorCodec codec(KeyOf(1));
  const std::string token = codec.Encode({"stream-name", 1, 2, 3, 4});
  // Another key (another server) did not make it.
  EXPECT_EQ(IteratorCodec(KeyOf(2)).Decode(token, 4).status().code(),
            Status::Code::kInvalidArgument);
  for (size_t i = 0; i < token.size(); ++i) {
    std::string damaged = token;
    damaged[i] = damaged[i] == 'A' ? 'B' : 'A';
    auto r = codec.Decode(damaged, 4);
    EXPECT_FALSE(r.ok()) << "position " << i;
  }
  EXPECT_FALSE(codec.Decode("", 4).ok());
  EXPECT_FALSE(codec.Decode("not base64 at all!", 4).ok());
}

}  // namespace
}  // namespace eddy::stream
