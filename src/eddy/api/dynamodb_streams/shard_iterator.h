#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "eddy/base/result.h"

namespace eddy::api::dynamodb_streams {

// Where a DynamoDB Streams reader is: a table's stream, one of its shards, and the change
// sequence number to read next. Self-contained, so iterators survive a restart.
struct ShardPosition {
  std::string table;
  std::string stream_label;
  std::string shard_id;
  uint64_t next_seq = 0;
  int64_t issued_ms = 0;  // iterators expire 15 minutes after they are issued
};

// "<stream ARN>|1|<base64>" as AWS shapes iterators; the base64 part carries the position and
// a CRC32C, so a damaged or invented iterator is recognized.
std::string EncodeShardIterator(std::string_view stream_arn, const ShardPosition& position);
// InvalidArgument for anything EncodeShardIterator could not have written.
Result<ShardPosition> DecodeShardIterator(std::string_view iterator);

// Stream sequence numbers as strings: "1" + the change sequence number in 20 digits, so they
// have AWS's 21 digits and compare the same as strings and as numbers.
std::string FormatSequenceNumber(uint64_t seq);
// InvalidArgument unless `text` is what FormatSequenceNumber writes.
Result<uint64_t> ParseSequenceNumber(std::string_view text);

// The table and stream label of "arn:aws:dynamodb:<region>:<account>:table/<T>/stream/<label>".
struct StreamName {
  std::string table;
  std::string label;
};
Result<StreamName> ParseStreamArn(std::string_view arn);

}  // namespace eddy::api::dynamodb_streams
