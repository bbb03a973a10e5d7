#include "eddy/stream/sequence_number.h"

#include <gtest/gtest.h>

namespace eddy::stream {
namespace {

TEST(SequenceNumberTest, RoundTripAndShape) {
  const SequencePosition p{1'732'000'000, 7, 123456789};
  const std::string s = FormatSequenceNumber(p);
  EXPECT_EQ(s.size(), 56u);
  EXPECT_EQ(s.substr(0, 2), "49");
  auto back = ParseSequenceNumber(s);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->stream_tag, p.stream_tag);
  EXPECT_EQ(back->shard_index, p.shard_index);
  EXPECT_EQ(back->offset, p.offset);
}

TEST(SequenceNumberTest, OrderWithinShardAndAcrossLineage) {
  const uint32_t tag = 1'700'000'000;
  // Within a shard, by offset; a child (higher index) above every record of its parent.
  EXPECT_LT(FormatSequenceNumber({tag, 3, 9}), FormatSequenceNumber({tag, 3, 10}));
  EXPECT_LT(FormatSequenceNumber({tag, 3, UINT64_MAX}), FormatSequenceNumber({tag, 4, 0}));
  // Equal length, so string order is numeric order.
  EXPECT_EQ(FormatSequenceNumber({0, 0, 0}).size(), FormatSequenceNumber({tag, 99, 5}).size());
}

TEST(SequenceNumberTest, RejectsWhatItCouldNotHaveMade) {
  for (const char* bad : {"", "1", "49", "4900000000000000000000000000000000000000000000000000000x",
                          "48000000000000000000000000000000000000000000000000000000",
                          "490000000000000000000000000000000000000000000000000000000",
                          "49999999999999999999999999999999999999999999999999999999"}) {
    EXPECT_FALSE(ParseSequenceNumber(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace eddy::stream
