#pragma once

#include <memory>
#include <string>

#include "eddy/base/clock.h"
#include "eddy/client/dynamodb_client.h"
#include "eddy/client/dynamodb_streams_client.h"
#include "eddy/client/kinesis_client.h"
#include "eddy/consumer/source.h"

namespace eddy::consumer {

// A Kinesis stream (by name or ARN) read with ListShards, GetShardIterator and GetRecords.
// Thread-safety: every method may be called from any number of threads at once.
class KinesisSource final : public Source {
 public:
  // `kinesis` must outlive the source.
  KinesisSource(client::KinesisClient& kinesis, std::string stream);
  const std::string& name() const override { return stream_; }
  Result<std::vector<SourceShard>> ListShards() override;
  Result<std::string> GetIterator(const std::string& shard_id,
                                  const StartPosition& start) override;
  Result<ReadResult> Read(const std::string& iterator, int limit) override;
  bool may_aggregate() const override { return true; }

 private:
  client::KinesisClient& kinesis_;
  const std::string stream_;
};

// A DynamoDB stream read with DescribeStream, GetShardIterator and GetRecords. Each record's
// data is its JSON as GetRecords returned it, its partition key and sequence number the stream
// record's sequence number, its arrival time ApproximateCreationDateTime (as the DynamoDB
// Streams Kinesis Adapter presents them). GetRecords reads at most 1,000 records.
//
// DynamoDB Streams has no AT_TIMESTAMP iterator; eddy gives one anyway: it reads from
// TRIM_HORIZON and leaves out the records created before the time.
//
// Thread-safety: every method may be called from any number of threads at once.
class DynamoDbStreamSource final : public Source {
 public:
  // `streams` and `clock` must outlive the source. `stream_arn` as DescribeStream takes it.
  DynamoDbStreamSource(client::DynamoDbStreamsClient& streams, std::string stream_arn,
                       const Clock& clock);
  const std::string& name() const override { return stream_arn_; }
  Result<std::vector<SourceShard>> ListShards() override;
  Result<std::string> GetIterator(const std::string& shard_id,
                                  const StartPosition& start) override;
  Result<ReadResult> Read(const std::string& iterator, int limit) override;
  bool may_aggregate() const override { return false; }

 private:
  client::DynamoDbStreamsClient& streams_;
  const std::string stream_arn_;
  const Clock& clock_;
};

// The Status a stream API error becomes: ResourceNotFoundException -> NotFound,
// ExpiredIteratorException -> Expired, TrimmedDataAccessException -> OutOfRange, throttling,
// 5xx and transport failures -> Unavailable, anything else -> Internal.
Status SourceStatus(const client::AwsError& error, std::string_view what);

}  // namespace eddy::consumer
