#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eddy/client/aws_json_client.h"

namespace eddy::client {

// Typed shapes of the Kinesis Data Streams operations the client speaks (botocore's kinesis
// model names the fields). Timestamps are Unix milliseconds.

struct StreamSummary {
  std::string name;
  std::string arn;
  std::string status;  // CREATING, ACTIVE, DELETING, UPDATING
  std::string mode;    // PROVISIONED, ON_DEMAND
  int open_shard_count = 0;
  int retention_hours = 0;
  int64_t created_ms = 0;
};

struct ShardInfo {
  std::string shard_id;
  std::string parent_shard_id;           // empty when none
  std::string adjacent_parent_shard_id;  // empty when none
  std::string starting_hash_key;         // decimal
  std::string ending_hash_key;
  std::string starting_sequence_number;
  std::string ending_sequence_number;  // empty while the shard is open
  bool open() const { return ending_sequence_number.empty(); }
};

struct PutEntry {
  std::string_view data;  // raw bytes; base64-encoded on the wire
  std::string_view partition_key;
  std::string_view explicit_hash_key;  // empty: none
};

struct PutRecordResult {
  std::string shard_id;
  std::string sequence_number;
};

// One entry of a PutRecords answer: either shard_id/sequence_number or error_code/message.
struct PutRecordsEntryResult {
  std::string shard_id;
  std::string sequence_number;
  std::string error_code;  // e.g. ProvisionedThroughputExceededException; empty on success
  std::string error_message;
  bool ok() const { return error_code.empty(); }
};

struct PutRecordsResult {
  int failed_record_count = 0;
  std::vector<PutRecordsEntryResult> records;  // in request order
};

enum class IteratorType { kTrimHorizon, kLatest, kAtSequenceNumber, kAfterSequenceNumber,
                          kAtTimestamp };
std::string_view IteratorTypeName(IteratorType type);

struct IteratorStart {
  IteratorType type = IteratorType::kTrimHorizon;
  std::string sequence_number;  // for AT_/AFTER_SEQUENCE_NUMBER
  int64_t timestamp_ms = 0;     // for AT_TIMESTAMP
};

struct Record {
  std::string sequence_number;
  int64_t arrival_ms = 0;
  std::string data;  // decoded bytes
  std::string partition_key;
};

struct ChildShard {
  std::string shard_id;
  std::vector<std::string> parent_shards;
  std::string starting_hash_key;  // decimal, from its HashKeyRange
  std::string ending_hash_key;
};

struct GetRecordsResult {
  std::vector<Record> records;
  std::string next_shard_iterator;  // empty: the shard is closed and fully read
  int64_t millis_behind_latest = 0;
  std::vector<ChildShard> child_shards;  // set at the end of a closed shard
};

// A typed client of the Kinesis Data Streams API over AwsJsonClient: it works against eddy and
// against any endpoint that speaks the protocol, AWS included.
//
// Every `stream` / `name` parameter but CreateStream's is a stream name or a stream ARN: a
// string that starts with "arn:" is sent as StreamARN, anything else as StreamName.
//
// Thread-safety: every method may be called from any number of threads at once.
class KinesisClient {
 public:
  static Result<std::unique_ptr<KinesisClient>> Create(
      const ClientConfig& config,
      const auth::SettingsSource& source = auth::SettingsSource::FromProcess());

  Outcome<Empty> CreateStream(const std::string& name, std::optional<int> shard_count,
                              bool on_demand = false);
  Outcome<Empty> DeleteStream(const std::string& name, bool enforce_consumer_deletion = false);
  Outcome<StreamSummary> DescribeStreamSummary(const std::string& name);
  // Polls DescribeStreamSummary until the stream is ACTIVE (or `timeout_ms` passes:
  // a "Timeout" error).
  Outcome<StreamSummary> WaitForActive(const std::string& name, int timeout_ms = 60000);
  // Every stream name (follows NextToken).
  Outcome<std::vector<std::string>> ListStreams();
  // Every shard of the stream, open and closed (follows NextToken).
  Outcome<std::vector<ShardInfo>> ListShards(const std::string& name);

  Outcome<PutRecordResult> PutRecord(const std::string& stream, const PutEntry& entry);
  Outcome<PutRecordsResult> PutRecords(const std::string& stream,
                                       const std::vector<PutEntry>& entries);

  Outcome<std::string> GetShardIterator(const std::string& stream, const std::string& shard_id,
                                        const IteratorStart& start);
  Outcome<GetRecordsResult> GetRecords(const std::string& shard_iterator, int limit = 10000);

  Outcome<Empty> SplitShard(const std::string& stream, const std::string& shard_id,
                            const std::string& new_starting_hash_key);
  Outcome<Empty> MergeShards(const std::string& stream, const std::string& shard_id,
                             const std::string& adjacent_shard_id);
  Outcome<Empty> UpdateShardCount(const std::string& stream, int target_shard_count);

  AwsJsonClient& transport() { return *json_; }

 private:
  explicit KinesisClient(std::unique_ptr<AwsJsonClient> json);
  std::unique_ptr<AwsJsonClient> json_;
};

}  // namespace eddy::client
