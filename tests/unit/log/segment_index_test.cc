#include "eddy/log/segment_index.h"

#include <gtest/gtest.h>

namespace eddy::log {
namespace {

SegmentIndex MakeIndex() {
  SegmentIndex index;
  index.AddOffset({0, 32});
  index.AddOffset({10, 4200});
  index.AddOffset({20, 8400});
  index.AddTime({1000, 0});
  index.AddTime({2000, 10});
  index.AddTime({3000, 20});
  return index;
}

TEST(SegmentIndexTest, FloorOffset) {
  SegmentIndex index = MakeIndex();
  EXPECT_EQ(index.FloorOffset(0)->position, 32u);
  EXPECT_EQ(index.FloorOffset(9)->position, 32u);
  EXPECT_EQ(index.FloorOffset(10)->position, 4200u);
  EXPECT_EQ(index.FloorOffset(1000)->relative_offset, 20u);
  EXPECT_FALSE(SegmentIndex().FloorOffset(5).has_value());
}

TEST(SegmentIndexTest, LastBeforeTime) {
  SegmentIndex index = MakeIndex();
  EXPECT_FALSE(index.LastBeforeTime(1000).has_value());  // nothing strictly older
  EXPECT_EQ(*index.LastBeforeTime(1001), 0u);
  EXPECT_EQ(*index.LastBeforeTime(2000), 0u);
  EXPECT_EQ(*index.LastBeforeTime(2500), 10u);
  EXPECT_EQ(*index.LastBeforeTime(99999), 20u);
}

TEST(SegmentIndexTest, EncodeDecodeIgnoresTornTail) {
  SegmentIndex index = MakeIndex();
  std::string offsets = index.EncodeOffsets() + "abc";  // a torn partial entry
  std::string times = index.EncodeTimes() + "12345";
  SegmentIndex decoded;
  ASSERT_TRUE(decoded.DecodeOffsets(offsets));
  ASSERT_TRUE(decoded.DecodeTimes(times));
  ASSERT_EQ(decoded.offsets().size(), 3u);
  ASSERT_EQ(decoded.times().size(), 3u);
  EXPECT_EQ(decoded.offsets()[1].position, 4200u);
  EXPECT_EQ(decoded.times()[2].arrival_ms, 3000);
}

TEST(SegmentIndexTest, DecodeRejectsNonMonotonicEntries) {
  SegmentIndex bad;
  bad.AddOffset({5, 100});
  bad.AddOffset({4, 200});
  SegmentIndex decoded;
  EXPECT_FALSE(decoded.DecodeOffsets(bad.EncodeOffsets()));
  EXPECT_TRUE(decoded.offsets().empty());
  SegmentIndex bad_times;
  bad_times.AddTime({2000, 1});
  bad_times.AddTime({1000, 2});
  EXPECT_FALSE(decoded.DecodeTimes(bad_times.EncodeTimes()));
}

TEST(SegmentIndexTest, TruncateAfter) {
  SegmentIndex index = MakeIndex();
  index.TruncateAfter(10);
  EXPECT_EQ(index.offsets().size(), 2u);
  EXPECT_EQ(index.times().size(), 2u);
}

TEST(IndexBuilderTest, EntriesEveryIntervalAndOnNewerTimes) {
  IndexBuilder builder(100);
  SegmentIndex index;
  std::string ob;
  std::string tb;
  // Records of 40 bytes; same arrival time for the first 6, then newer.
  for (uint32_t i = 0; i < 12; ++i) {
    const int64_t ms = i < 6 ? 1000 : 2000 + i;
    builder.Observe(i, 32 + i * 40, ms, &index, &ob, &tb);
  }
  // Offset entries at positions 32, 152 (>=100 later), 272, 392: records 0, 3, 6, 9.
  ASSERT_EQ(index.offsets().size(), 4u);
  EXPECT_EQ(index.offsets()[1].relative_offset, 3u);
  EXPECT_EQ(ob.size(), 4 * kOffsetIndexEntrySize);
  // Time entries: record 0, then the first record >=100 bytes later with a newer time (6), 9.
  ASSERT_EQ(index.times().size(), 3u);
  EXPECT_EQ(index.times()[1].relative_offset, 6u);
  EXPECT_EQ(tb.size(), 3 * kTimeIndexEntrySize);
}

}  // namespace
}  // namespace eddy::log
