#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/consumer/record.h"

namespace eddy::consumer {

// One shard of a source with its lineage.
struct SourceShard {
  std::string shard_id;
  std::vector<std::string> parent_shard_ids;  // none, one (split or rollover) or two (merge)
  std::string starting_hash_key;              // decimal; empty for DynamoDB streams
  std::string ending_hash_key;
  bool closed = false;
};

// Where to start reading a shard.
struct StartPosition {
  enum class Kind { kTrimHorizon, kLatest, kAtTimestamp, kAtSequenceNumber, kAfterSequenceNumber };
  Kind kind = Kind::kTrimHorizon;
  std::string sequence_number;  // kAt/kAfterSequenceNumber
  int64_t timestamp_ms = 0;     // kAtTimestamp
};

// One GetRecords answer.
struct ReadResult {
  std::vector<Record> records;
  std::string next_iterator;  // empty: the shard is closed and every record was returned
  int64_t millis_behind_latest = 0;
  // The children of a shard that ended, when the source says (Kinesis' ChildShards); empty
  // otherwise (DynamoDB streams: list the shards again to find them).
  std::vector<SourceShard> child_shards;
  bool shard_ended() const { return next_iterator.empty(); }
};

// What a worker reads: a Kinesis stream or a DynamoDB stream, through their public APIs.
//
// Errors: NotFound when the stream (or the shard) no longer exists; Expired for an iterator
// that expired (get a new one from the last position); OutOfRange when the position was
// trimmed (TrimmedDataAccessException); Unavailable for throttling and transient failures;
// others as they come.
//
// Thread-safety: implementations may be called from any number of threads at once.
class Source {
 public:
  virtual ~Source() = default;
  // A name for logs and metrics: the stream name or ARN.
  virtual const std::string& name() const = 0;
  // Every shard, open and closed, parents before children.
  virtual Result<std::vector<SourceShard>> ListShards() = 0;
  virtual Result<std::string> GetIterator(const std::string& shard_id,
                                          const StartPosition& start) = 0;
  // Records from `iterator` on (at most `limit`). Kinesis records are returned as stored: KPL
  // aggregates are taken apart by the caller.
  virtual Result<ReadResult> Read(const std::string& iterator, int limit) = 0;
  // Whether records may be KPL aggregates (Kinesis) or never (DynamoDB streams).
  virtual bool may_aggregate() const = 0;
};

}  // namespace eddy::consumer
