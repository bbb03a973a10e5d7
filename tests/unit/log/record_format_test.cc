#include "eddy/log/record_format.h"

#include <gtest/gtest.h>

#include <string>

namespace eddy::log {
namespace {

TEST(RecordFormatTest, RoundTripWithoutHashKey) {
  AppendRecord in{"user-42", std::nullopt, "hello world"};
  std::string buf;
  EncodeFrame(in, 7, 1'700'000'000'123, /*more_in_batch=*/false, &buf);
  EXPECT_EQ(buf.size(), EncodedFrameSize(in));
  RecordView out;
  size_t size = 0;
  ASSERT_EQ(DecodeFrame(buf, 7, &out, &size), DecodeOutcome::kOk);
  EXPECT_EQ(size, buf.size());
  EXPECT_EQ(out.offset, 7u);
  EXPECT_EQ(out.arrival_ms, 1'700'000'000'123);
  EXPECT_EQ(out.partition_key, "user-42");
  EXPECT_FALSE(out.explicit_hash_key.has_value());
  EXPECT_EQ(out.data, "hello world");
  EXPECT_FALSE(out.more_in_batch);
}

TEST(RecordFormatTest, MoreInBatchFlagRoundTrips) {
  std::string buf;
  EncodeFrame({"k", std::nullopt, "d"}, 1, 1, /*more_in_batch=*/true, &buf);
  RecordView out;
  size_t size = 0;
  ASSERT_EQ(DecodeFrame(buf, 1, &out, &size), DecodeOutcome::kOk);
  EXPECT_TRUE(out.more_in_batch);
}

TEST(RecordFormatTest, RoundTripWithHashKeyAndEmptyFields) {
  HashKey key{};
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(0xF0 + i);
  AppendRecord in{"", key, ""};
  std::string buf;
  EncodeFrame(in, 0, 5, /*more_in_batch=*/false, &buf);
  RecordView out;
  size_t size = 0;
  ASSERT_EQ(DecodeFrame(buf, std::nullopt, &out, &size), DecodeOutcome::kOk);
  ASSERT_TRUE(out.explicit_hash_key.has_value());
  EXPECT_EQ(*out.explicit_hash_key, key);
  EXPECT_TRUE(out.partition_key.empty());
  EXPECT_TRUE(out.data.empty());
}

TEST(RecordFormatTest, BinaryDataSurvives) {
  std::string data;
  for (int i = 0; i < 512; ++i) data.push_back(static_cast<char>(i));
  std::string buf;
  EncodeFrame({"k", std::nullopt, data}, 3, 1, /*more_in_batch=*/false, &buf);
  RecordView out;
  size_t size = 0;
  ASSERT_EQ(DecodeFrame(buf, 3, &out, &size), DecodeOutcome::kOk);
  EXPECT_EQ(out.data, data);
}

TEST(RecordFormatTest, EveryFlippedByteIsDetected) {
  std::string buf;
  EncodeFrame({"pk", std::nullopt, "some data bytes"}, 11, 99, /*more_in_batch=*/false, &buf);
  for (size_t i = 0; i < buf.size(); ++i) {
    std::string damaged = buf;
    damaged[i] ^= 0x01;
    RecordView out;
    size_t size = 0;
    EXPECT_NE(DecodeFrame(damaged, 11, &out, &size), DecodeOutcome::kOk) << "byte " << i;
  }
}

TEST(RecordFormatTest, TruncatedFrameIsIncomplete) {
  std::string buf;
  EncodeFrame({"pk", std::nullopt, "0123456789"}, 1, 1, /*more_in_batch=*/false, &buf);
  RecordView out;
  size_t size = 0;
  EXPECT_EQ(DecodeFrame(std::string_view(buf).substr(0, 4), 1, &out, &size),
            DecodeOutcome::kIncomplete);
  EXPECT_EQ(size, 0u);  // not even the prefix
  EXPECT_EQ(DecodeFrame(std::string_view(buf).substr(0, buf.size() - 1), 1, &out, &size),
            DecodeOutcome::kIncomplete);
  EXPECT_EQ(size, buf.size());
}

TEST(RecordFormatTest, WrongOffsetIsInvalid) {
  std::string buf;
  EncodeFrame({"pk", std::nullopt, "x"}, 5, 1, /*more_in_batch=*/false, &buf);
  RecordView out;
  size_t size = 0;
  EXPECT_EQ(DecodeFrame(buf, 6, &out, &size), DecodeOutcome::kInvalid);
}

TEST(RecordFormatTest, AbsurdLengthIsInvalid) {
  std::string buf(64, '\0');
  buf[0] = '\xff';
  buf[1] = '\xff';
  buf[2] = '\xff';
  buf[3] = '\x7f';
  RecordView out;
  size_t size = 0;
  EXPECT_EQ(DecodeFrame(buf, std::nullopt, &out, &size), DecodeOutcome::kInvalid);
  std::string zeros(64, '\0');  // length 0 < fixed body size
  EXPECT_EQ(DecodeFrame(zeros, std::nullopt, &out, &size), DecodeOutcome::kInvalid);
}

TEST(RecordFormatTest, ValidateRejectsOversizedFields) {
  std::string big_key(kMaxPartitionKeyBytes + 1, 'k');
  EXPECT_FALSE(ValidateAppendRecord({big_key, std::nullopt, "d"}).ok());
  std::string big_data(kMaxDataBytes + 1, 'd');
  EXPECT_FALSE(ValidateAppendRecord({"k", std::nullopt, big_data}).ok());
  std::string max_data(kMaxDataBytes, 'd');
  EXPECT_TRUE(ValidateAppendRecord({"k", std::nullopt, max_data}).ok());
}

TEST(RecordFormatTest, SegmentHeaderRoundTripAndDamage) {
  std::string h = EncodeSegmentHeader({1234567, 1'700'000'000'000});
  ASSERT_EQ(h.size(), kSegmentHeaderSize);
  SegmentHeader out;
  ASSERT_TRUE(DecodeSegmentHeader(h, &out).ok());
  EXPECT_EQ(out.base_offset, 1234567u);
  EXPECT_EQ(out.created_ms, 1'700'000'000'000);
  for (size_t i = 0; i < h.size(); ++i) {
    std::string damaged = h;
    damaged[i] ^= 0x20;
    EXPECT_TRUE(DecodeSegmentHeader(damaged, &out).IsCorruption()) << "byte " << i;
  }
}

}  // namespace
}  // namespace eddy::log
