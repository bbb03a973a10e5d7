#include "eddy/consumer/sources.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "eddy/client/retry_policy.h"

namespace eddy::consumer {

Status SourceStatus(const client::AwsError& error, std::string_view what) {
  const std::string message = fmt::format("{}: {}", what, error.ToString());
  if (error.type == "ResourceNotFoundException") return Status::NotFound(message);
  if (error.type == "ExpiredIteratorException") return Status::Expired(message);
  if (error.type == "TrimmedDataAccessException") return Status::OutOfRange(message);
  if (client::IsRetryableError(error)) return Status::Unavailable(message);
  return Status::Internal(message);
}

// ---- Kinesis

KinesisSource::KinesisSource(client::KinesisClient& kinesis, std::string stream)
    : kinesis_(kinesis), stream_(std::move(stream)) {}

Result<std::vector<SourceShard>> KinesisSource::ListShards() {
  auto listed = kinesis_.ListShards(stream_);
  if (!listed.ok()) return SourceStatus(listed.error(), "ListShards " + stream_);
  std::vector<SourceShard> shards;
  shards.reserve(listed->size());
  for (const client::ShardInfo& info : *listed) {
    SourceShard shard;
    shard.shard_id = info.shard_id;
    if (!info.parent_shard_id.empty()) shard.parent_shard_ids.push_back(info.parent_shard_id);
    if (!info.adjacent_parent_shard_id.empty()) {
      shard.parent_shard_ids.push_back(info.adjacent_parent_shard_id);
    }
    shard.starting_hash_key = info.starting_hash_key;
    shard.ending_hash_key = info.ending_hash_key;
    shard.closed = !info.open();
    shards.push_back(std::move(shard));
  }
  return shards;
}

Result<std::string> KinesisSource::GetIterator(const std::string& shard_id,
                                               const StartPosition& start) {
  client::IteratorStart from;
  switch (start.kind) {
    case StartPosition::Kind::kTrimHorizon:
      from.type = client::IteratorType::kTrimHorizon;
      break;
    case StartPosition::Kind::kLatest:
      from.type = client::IteratorType::kLatest;
      break;
    case StartPosition::Kind::kAtTimestamp:
      from.type = client::IteratorType::kAtTimestamp;
      from.timestamp_ms = start.timestamp_ms;
      break;
    case StartPosition::Kind::kAtSequenceNumber:
      from.type = client::IteratorType::kAtSequenceNumber;
      from.sequence_number = start.sequence_number;
      break;
    case StartPosition::Kind::kAfterSequenceNumber:
      from.type = client::IteratorType::kAfterSequenceNumber;
      from.sequence_number = start.sequence_number;
      break;
  }
  auto iterator = kinesis_.GetShardIterator(stream_, shard_id, from);
  if (!iterator.ok()) {
    return SourceStatus(iterator.error(), "GetShardIterator " + stream_ + " " + shard_id);
  }
  return std::move(*iterator);
}

Result<ReadResult> KinesisSource::Read(const std::string& iterator, int limit) {
  auto got = kinesis_.GetRecords(iterator, std::clamp(limit, 1, 10000));
  if (!got.ok()) return SourceStatus(got.error(), "GetRecords " + stream_);
  ReadResult result;
  result.next_iterator = std::move(got->next_shard_iterator);
  result.millis_behind_latest = got->millis_behind_latest;
  result.records.reserve(got->records.size());
  for (client::Record& r : got->records) {
    Record record;
    record.sequence_number = std::move(r.sequence_number);
    record.arrival_ms = r.arrival_ms;
    record.partition_key = std::move(r.partition_key);
    record.data = std::move(r.data);
    result.records.push_back(std::move(record));
  }
  for (client::ChildShard& c : got->child_shards) {
    SourceShard child;
    child.shard_id = std::move(c.shard_id);
    child.parent_shard_ids = std::move(c.parent_shards);
    child.starting_hash_key = std::move(c.starting_hash_key);
    child.ending_hash_key = std::move(c.ending_hash_key);
    result.child_shards.push_back(std::move(child));
  }
  return result;
}

// ---- DynamoDB streams

namespace {

// An AT_TIMESTAMP iterator of a DynamoDB stream: "@<ms>@" before the service's iterator; the
// records created before <ms> are left out as they are read.
constexpr std::string_view kTimestampMark = "@";

struct TimedIterator {
  int64_t not_before_ms = 0;
  std::string_view iterator;
};

TimedIterator SplitIterator(std::string_view iterator) {
  TimedIterator out{0, iterator};
  if (!iterator.starts_with(kTimestampMark)) return out;
  const size_t end = iterator.find(kTimestampMark, 1);
  if (end == std::string_view::npos) return out;
  int64_t ms = 0;
  auto [ptr, ec] = std::from_chars(iterator.data() + 1, iterator.data() + end, ms);
  if (ec != std::errc() || ptr != iterator.data() + end) return out;
  return {ms, iterator.substr(end + 1)};
}

}  // namespace

DynamoDbStreamSource::DynamoDbStreamSource(client::DynamoDbStreamsClient& streams,
                                           std::string stream_arn, const Clock& clock)
    : streams_(streams), stream_arn_(std::move(stream_arn)), clock_(clock) {}

Result<std::vector<SourceShard>> DynamoDbStreamSource::ListShards() {
  auto described = streams_.DescribeStream(stream_arn_);
  if (!described.ok()) return SourceStatus(described.error(), "DescribeStream " + stream_arn_);
  std::vector<SourceShard> shards;
  shards.reserve(described->shards.size());
  for (const client::DynamoStreamShard& info : described->shards) {
    SourceShard shard;
    shard.shard_id = info.shard_id;
    if (!info.parent_shard_id.empty()) shard.parent_shard_ids.push_back(info.parent_shard_id);
    shard.closed = !info.open();
    shards.push_back(std::move(shard));
  }
  return shards;
}

Result<std::string> DynamoDbStreamSource::GetIterator(const std::string& shard_id,
                                                      const StartPosition& start) {
  using Type = client::DynamoStreamIteratorType;
  Type type = Type::kTrimHorizon;
  std::string sequence;
  switch (start.kind) {
    case StartPosition::Kind::kTrimHorizon:
    case StartPosition::Kind::kAtTimestamp:
      type = Type::kTrimHorizon;
      break;
    case StartPosition::Kind::kLatest:
      type = Type::kLatest;
      break;
    case StartPosition::Kind::kAtSequenceNumber:
      type = Type::kAtSequenceNumber;
      sequence = start.sequence_number;
      break;
    case StartPosition::Kind::kAfterSequenceNumber:
      type = Type::kAfterSequenceNumber;
      sequence = start.sequence_number;
      break;
  }
  auto iterator = streams_.GetShardIterator(stream_arn_, shard_id, type, sequence);
  if (!iterator.ok()) {
    return SourceStatus(iterator.error(), "GetShardIterator " + stream_arn_ + " " + shard_id);
  }
  if (start.kind == StartPosition::Kind::kAtTimestamp) {
    return fmt::format("{}{}{}{}", kTimestampMark, start.timestamp_ms, kTimestampMark, *iterator);
  }
  return std::move(*iterator);
}

Result<ReadResult> DynamoDbStreamSource::Read(const std::string& iterator, int limit) {
  const TimedIterator timed = SplitIterator(iterator);
  auto got = streams_.GetRecords(std::string(timed.iterator), std::clamp(limit, 1, 1000));
  if (!got.ok()) return SourceStatus(got.error(), "GetRecords " + stream_arn_);
  ReadResult result;
  result.records.reserve(got->records.size());
  bool past_time = timed.not_before_ms == 0;
  for (client::DynamoStreamRecord& r : got->records) {
    if (!past_time && r.approximate_creation_ms < timed.not_before_ms) continue;
    past_time = true;  // creation times of one shard only grow; keep all from the first match
    Record record;
    record.sequence_number = r.sequence_number;
    record.partition_key = std::move(r.sequence_number);
    record.arrival_ms = r.approximate_creation_ms;
    record.data = std::move(r.json);
    result.records.push_back(std::move(record));
  }
  if (!got->next_shard_iterator.empty()) {
    result.next_iterator = past_time ? std::move(got->next_shard_iterator)
                                     : fmt::format("{}{}{}{}", kTimestampMark,
                                                   timed.not_before_ms, kTimestampMark,
                                                   got->next_shard_iterator);
  }
  // As the DynamoDB Streams Kinesis Adapter does: how old the last record read is.
  if (!got->records.empty()) {
    result.millis_behind_latest =
        std::max<int64_t>(0, clock_.NowMillis() - got->records.back().approximate_creation_ms);
  }
  return result;
}

}  // namespace eddy::consumer
