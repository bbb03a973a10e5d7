#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eddy/client/aws_json_client.h"
#include "eddy/client/dynamodb_client.h"

namespace eddy::client {

// Typed shapes of the DynamoDB Streams operations (botocore's dynamodbstreams model names the
// fields). Timestamps are Unix milliseconds.

// One entry of ListStreams.
struct DynamoStreamSummary {
  std::string arn;
  std::string table_name;
  std::string label;  // StreamLabel: the time the stream was enabled, as AWS writes it
};

struct DynamoStreamShard {
  std::string shard_id;
  std::string parent_shard_id;  // empty when none
  std::string starting_sequence_number;
  std::string ending_sequence_number;  // empty while the shard is open
  bool open() const { return ending_sequence_number.empty(); }
};

struct DynamoStreamDescription {
  std::string arn;
  std::string label;
  std::string status;     // ENABLING, ENABLED, DISABLING, DISABLED
  std::string view_type;  // KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES
  std::string table_name;
  int64_t created_ms = 0;  // CreationRequestDateTime
  // Every shard, open and closed, in the order the pages listed them.
  std::vector<DynamoStreamShard> shards;
};

enum class DynamoStreamIteratorType {
  kTrimHorizon,
  kLatest,
  kAtSequenceNumber,
  kAfterSequenceNumber
};
// "TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER".
std::string_view DynamoStreamIteratorTypeName(DynamoStreamIteratorType type);

// One stream record: the fields a consumer orders and checkpoints by, and the record itself.
struct DynamoStreamRecord {
  std::string event_id;          // eventID
  std::string event_name;        // INSERT, MODIFY, REMOVE
  std::string sequence_number;   // dynamodb.SequenceNumber
  int64_t approximate_creation_ms = 0;  // dynamodb.ApproximateCreationDateTime
  int64_t size_bytes = 0;               // dynamodb.SizeBytes
  // The record's JSON object exactly as the server sent it (its bytes, not a re-serialization):
  // consumers pass it on unchanged.
  std::string json;
};

struct DynamoStreamRecords {
  std::vector<DynamoStreamRecord> records;
  // Empty when the shard is closed and has been read to its end: continue with its children
  // (the shards whose parent it is, found with DescribeStream).
  std::string next_shard_iterator;
};

// A typed client of the DynamoDB Streams API over AwsJsonClient. It works against eddy and
// against any endpoint that speaks the protocol, AWS included.
//
// Errors are the AwsError the service answered (ResourceNotFoundException,
// TrimmedDataAccessException, ExpiredIteratorException, ValidationException, ...), a transport
// failure, or "BadResponse" for an answer that is not what the model says.
//
// Thread-safety: every method may be called from any number of threads at once.
class DynamoDbStreamsClient {
 public:
  static Result<std::unique_ptr<DynamoDbStreamsClient>> Create(
      const ClientConfig& config,
      const auth::SettingsSource& source = auth::SettingsSource::FromProcess());

  // Every stream of `table_name` (every stream of the account when empty), following
  // LastEvaluatedStreamArn.
  Outcome<std::vector<DynamoStreamSummary>> ListStreams(const std::string& table_name = "");
  // The stream and every one of its shards, following LastEvaluatedShardId (pages of at most
  // `shards_per_page`, 1..100).
  Outcome<DynamoStreamDescription> DescribeStream(const std::string& stream_arn,
                                                  int shards_per_page = 100);
  // REQUIRES: `sequence_number` set for kAtSequenceNumber and kAfterSequenceNumber only.
  Outcome<std::string> GetShardIterator(const std::string& stream_arn,
                                        const std::string& shard_id,
                                        DynamoStreamIteratorType type,
                                        const std::string& sequence_number = "");
  // At most `limit` (1..1000) records from `shard_iterator` on.
  Outcome<DynamoStreamRecords> GetRecords(const std::string& shard_iterator, int limit = 1000);

  AwsJsonClient& transport() { return *json_; }

 private:
  explicit DynamoDbStreamsClient(std::unique_ptr<AwsJsonClient> json);
  std::unique_ptr<AwsJsonClient> json_;
};

// The ARN of the newest stream of `table_name`: DescribeTable's LatestStreamArn, which is
// authoritative where ListStreams is not (ListStreams also lists the kept streams of a deleted
// table of the same name). A stream that has since been disabled still counts (its records can
// still be read until they age out). ResourceNotFoundException when there is no such table;
// an error of type "NoStream" (http_status 0) when the table never had a stream.
Outcome<std::string> ResolveLatestStreamArn(DynamoDbClient& dynamodb,
                                            const std::string& table_name);

}  // namespace eddy::client
