#include "eddy/stream/shard_throttle.h"

#include <gtest/gtest.h>

namespace eddy::stream {
namespace {

TEST(ShardThrottleTest, WritesAreLimitedByRecordsAndBytes) {
  ShardThrottle t(ShardThrottle::Limits{}, 0);
  int accepted = 0;
  for (int i = 0; i < 1500; ++i) accepted += t.TryWrite(10, 0) ? 1 : 0;
  EXPECT_EQ(accepted, 1000);  // 1,000 records a second
  EXPECT_FALSE(t.TryWrite(10, 0));
  EXPECT_TRUE(t.TryWrite(10, 2));  // 2 ms later: 2 records' worth
  ShardThrottle bytes(ShardThrottle::Limits{}, 0);
  EXPECT_TRUE(bytes.TryWrite(600 * 1024, 0));
  EXPECT_FALSE(bytes.TryWrite(600 * 1024, 0));  // 1 MiB a second
  EXPECT_TRUE(bytes.TryWrite(600 * 1024, 1000));
}

TEST(ShardThrottleTest, ReadsAreLimitedByCallsAndABigResponseThrottlesWhatFollows) {
  ShardThrottle t(ShardThrottle::Limits{}, 0);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(t.TryRead(0));
  EXPECT_FALSE(t.TryRead(0));
  EXPECT_TRUE(t.TryRead(200));  // one call per 200 ms
  ShardThrottle big(ShardThrottle::Limits{}, 0);
  ASSERT_TRUE(big.TryRead(0));
  big.ChargeRead(10 * 1024 * 1024, 0);  // a 10 MiB response
  EXPECT_FALSE(big.TryRead(1000));      // still in debt after a second
  EXPECT_TRUE(big.TryRead(5000));       // 2 MiB/s: paid off after ~4 s
}

TEST(ShardThrottleTest, ClockGoingBackwardsChangesNothing) {
  ShardThrottle t(ShardThrottle::Limits{}, 10'000);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(t.TryRead(10'000));
  EXPECT_FALSE(t.TryRead(5'000));
}

}  // namespace
}  // namespace eddy::stream
