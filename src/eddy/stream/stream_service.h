#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "eddy/base/clock.h"
#include "eddy/base/result.h"
#include "eddy/base/thread_annotations.h"
#include "eddy/base/uint128.h"
#include "eddy/log/shard_log.h"
#include "eddy/stream/shard_iterator.h"
#include "eddy/stream/shard_throttle.h"
#include "eddy/stream/stream_catalog.h"
#include "eddy/stream/stream_meta.h"

namespace eddy::stream {

struct StreamServiceOptions {
  std::string data_dir = "eddy-data";
  log::Durability durability = log::Durability::kSync;
  int sync_threads = 16;
  // Open shards across all streams; CreateStream beyond it is LimitExceeded (AWS: per account).
  int shard_limit = 1000;
  int64_t retention_check_ms = 60'000;
  // AWS's per-shard throughput limits (ProvisionedThroughputExceededException); off by default.
  bool throttle = false;
  ShardThrottle::Limits throttle_limits;
};

struct CreateStreamParams {
  std::string name;
  int shard_count = 4;
  std::string mode = "PROVISIONED";
  int max_record_size_kib = 1024;
  std::map<std::string, std::string> tags;
  std::string region = "us-east-1";
  std::string account_id = std::string(kAccountId);
};

struct PutEntry {
  std::string partition_key;
  std::optional<UInt128> explicit_hash_key;
  std::string data;
};

// Per entry: OK with shard and sequence number, or the error to report for that entry
// (Unavailable: over the shard's write limit, or the log is closing; retry. Anything else: an
// internal failure).
struct PutOutcome {
  Status status;
  uint32_t shard_index = 0;
  std::string sequence_number;
};

enum class IteratorType {
  kTrimHorizon,
  kLatest,
  kAtSequenceNumber,
  kAfterSequenceNumber,
  kAtTimestamp
};

struct IteratorRequest {
  IteratorType type = IteratorType::kTrimHorizon;
  std::string starting_sequence_number;  // AT_/AFTER_SEQUENCE_NUMBER
  int64_t timestamp_ms = 0;              // AT_TIMESTAMP
};

struct ChildShardInfo {
  uint32_t index;
  std::vector<uint32_t> parents;
  UInt128 starting_hash;
  UInt128 ending_hash;
};

struct GetRecordsResult {
  log::ReadBatch batch;  // the records; views point into batch.buffers
  uint32_t sequence_tag = 0;
  uint32_t shard_index = 0;
  std::optional<std::string> next_iterator;  // absent at the end of a closed shard
  int64_t millis_behind_latest = 0;
  std::vector<ChildShardInfo> child_shards;
};

// Kinesis Data Streams semantics over shard logs: the service layer under api/kinesis. It
// never sees JSON; errors are Statuses (NotFound: no such stream or shard; AlreadyExists /
// FailedPrecondition: state conflicts; InvalidArgument; Expired: iterator too old;
// ResourceExhausted: the shard quota; Unavailable: a shard's throughput limit, retry later).
//
// Thread-safety: thread-safe.
class StreamService {
 public:
  static Result<std::unique_ptr<StreamService>> Open(StreamServiceOptions options, Clock* clock);
  ~StreamService();

  Status CreateStream(const CreateStreamParams& params);
  Status DeleteStream(const std::string& name);
  Result<StreamMeta> DescribeStream(const std::string& name) const;
  // All streams, sorted by name.
  std::vector<StreamMeta> ListStreams() const;
  int shard_limit() const { return options_.shard_limit; }
  size_t OpenShardCount() const;

  // Applies `change` to a copy of the stream's metadata; if it returns OK, the new metadata is
  // persisted to the catalog and published (retention changes reach the shard logs at once).
  Status UpdateStream(const std::string& name, const std::function<Status(StreamMeta&)>& change);

  // Routes each entry to the open shard whose hash range holds its hash key and appends it
  // durably; `done` gets one outcome per entry, in order, once all are acknowledged or failed.
  // Fails as a whole (without appending) for an unknown stream or an oversized record.
  void PutRecords(const std::string& stream_name, std::vector<PutEntry> entries,
                  std::function<void(Result<std::vector<PutOutcome>>)> done);

  // Resharding (provisioned streams). Parents close at their last acknowledged record and stay
  // readable until retention; children get the next shard indexes. Appends routed before a
  // reshard complete in the parent; later ones go to the children.
  Status SplitShard(const std::string& stream_name, const std::string& shard_id,
                    UInt128 new_starting_hash);
  Status MergeShards(const std::string& stream_name, const std::string& shard_id,
                     const std::string& adjacent_shard_id);
  // Splits at every boundary of `target` equal hash ranges, then merges within each range (so
  // every child has at most two parents, as Kinesis lineage allows). Returns the open shard
  // count before.
  Result<int> UpdateShardCount(const std::string& stream_name, int target);

  Result<std::string> GetShardIterator(const std::string& stream_name, const std::string& shard_id,
                                       const IteratorRequest& request);
  Result<GetRecordsResult> GetRecords(std::string_view iterator, size_t limit);

  // First sequence number a shard can hold, and (for a closed shard) its last.
  std::string StartingSequenceNumber(const StreamMeta& meta, const ShardMeta& shard) const;
  std::optional<std::string> EndingSequenceNumber(const StreamMeta& meta,
                                                  const ShardMeta& shard) const;

  // Runs retention on every shard now (also done periodically in the background).
  void EnforceRetention();

  void Stop();

 private:
  struct Stream {
    // Held shared while routing and issuing appends or using `logs`; exclusively to reshard.
    mutable std::shared_mutex reshard_mu;
    mutable std::mutex mu;
    StreamMeta meta GUARDED_BY(mu);
    // By shard index; grows only under reshard_mu held exclusively. The logs themselves live
    // as long as the Stream.
    std::vector<std::unique_ptr<log::ShardLog>> logs;
    // Parallel to `logs` when throttling is on; same locking.
    std::vector<std::unique_ptr<ShardThrottle>> throttles;
  };

  // Closes `parents` (stopping their appends) and adds `children` with their logs, in `meta`
  // and `stream`. REQUIRES: stream.reshard_mu held exclusively.
  // `other_streams_open` counts the open shards of all other streams (for the shard limit).
  Status CloseAndAddChildren(Stream& stream, StreamMeta& meta, size_t other_streams_open,
                             const std::vector<uint32_t>& parents, std::vector<ShardMeta> children);
  // Runs `plan` on a copy of the metadata under the reshard lock, then persists and publishes;
  // on failure, undoes what the plan did to the logs.
  using ReshardPlan = std::function<Status(Stream&, StreamMeta&, size_t other_streams_open)>;
  Status Reshard(const std::string& stream_name, const ReshardPlan& plan);
  Status ShardNotFound(const StreamMeta& meta, std::string_view shard_id) const;
  Result<uint32_t> OpenShard(const StreamMeta& meta, std::string_view shard_id) const;

  StreamService(StreamServiceOptions options, Clock* clock);
  Status Load();
  Result<std::shared_ptr<Stream>> OpenStreamLogs(const StreamMeta& meta);
  std::shared_ptr<Stream> Find(const std::string& name) const;
  std::string StreamDir(const StreamMeta& meta) const;
  void RetentionLoop();

  const StreamServiceOptions options_;
  Clock* const clock_;
  std::unique_ptr<StreamCatalog> catalog_;
  std::unique_ptr<IteratorCodec> iterators_;
  std::unique_ptr<log::SyncScheduler> scheduler_;

  std::mutex create_mu_;  // serializes CreateStream
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Stream>> streams_ GUARDED_BY(mu_);

  std::mutex retention_mu_;
  std::condition_variable retention_cv_;
  bool stopping_ = false;
  std::thread retention_thread_;
};

}  // namespace eddy::stream
