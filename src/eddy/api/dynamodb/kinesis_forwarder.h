#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "eddy/base/clock.h"
#include "eddy/base/result.h"
#include "eddy/stream/stream_service.h"
#include "eddy/table/table_store.h"

namespace eddy::api::dynamodb {

struct KinesisForwarderOptions {
  int interval_ms = 20;        // pause between passes when there was nothing to forward
  size_t batch_records = 500;  // change records per PutRecords
};

// Kinesis Data Streams for DynamoDB: copies each table's changes into the Kinesis streams it
// names (TableDefinition::kinesis_destinations), in AWS's record format for this feature
// (docs/compat/dynamodb-streams.md), partition key = MD5 of the item's key, so per item the
// records stay in order on one shard.
//
// Exactly once, also across crashes: a batch is appended, then the checkpoint
// (forwarded_through, checkpoint_ms) is committed to the table's catalog entry. Changes known
// to be in the stream beyond the checkpoint are remembered and never sent again: those this
// process appended (also when a later part of the batch failed), and, on the first pass of a
// destination after a start, every change of this table found in the stream's records since
// the checkpoint's time (its sequence number is in the record's eventID), which covers a crash
// between an append and its checkpoint, including a batch that reached only some shards.
//
// Per item, order is kept: a PutRecords call carries at most one change per item, so a retry
// of refused records (a throttled shard) can never put an item's older change after a newer
// one. A change whose record would exceed the stream's record size limit is skipped with an
// error in the log; changes trimmed by retention before they were forwarded are reported.
//
// Thread-safety: Start/Stop from one thread; Wake and ForwardOnce from any.
class KinesisForwarder {
 public:
  KinesisForwarder(table::TableStore* tables, stream::StreamService* streams, Clock* clock,
                   KinesisForwarderOptions options = {})
      : tables_(tables), streams_(streams), clock_(clock), options_(options) {}
  ~KinesisForwarder() { Stop(); }
  KinesisForwarder(const KinesisForwarder&) = delete;
  KinesisForwarder& operator=(const KinesisForwarder&) = delete;

  void Start();
  void Stop();
  // Asks for a pass now (a destination was enabled, or a table written).
  void Wake();

  // One pass over every enabled destination: forwards up to one batch each. Returns the
  // number of records forwarded; a destination that fails is logged and retried next pass.
  uint64_t ForwardOnce();

 private:
  // What this process knows of one destination beyond its checkpoint.
  struct Progress {
    bool reconciled = false;      // the stream was searched for changes since the checkpoint
    std::set<uint64_t> appended;  // changes in the stream beyond the checkpoint
    bool reported_gap = false;
    bool reported_error = false;
  };

  Result<uint64_t> Forward(const table::TableDefinition& table,
                           const table::KinesisDestination& destination, Progress& progress);
  // Adds to `out` every change of `table` beyond the checkpoint found in the destination's
  // stream among the records appended since the checkpoint's time.
  Status CollectForwarded(const table::TableDefinition& table,
                          const table::KinesisDestination& destination, std::set<uint64_t>* out);
  bool stopping();
  Status Checkpoint(const table::TableDefinition& table, const std::string& stream_arn,
                    uint64_t through);

  table::TableStore* const tables_;
  stream::StreamService* const streams_;
  Clock* const clock_;
  const KinesisForwarderOptions options_;
  // By (table id, stream ARN). Touched by the forwarding thread only.
  std::map<std::pair<uint32_t, std::string>, Progress> progress_;
  // The tables with an enabled destination as of catalog version `watched_version_` (listed
  // again only when the catalog changes). Touched by the forwarding thread only.
  std::vector<table::TableDefinition> watched_;
  std::optional<uint64_t> watched_version_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

// The record the forwarder writes for one change (exposed for tests): AWS's JSON for Kinesis
// Data Streams for DynamoDB.
std::string KinesisChangeRecordJson(const table::TableDefinition& table,
                                    const table::ChangeRecord& change, bool microsecond,
                                    std::string_view region);
// The change sequence number in an eventID the forwarder wrote for table `table_id`, or 0.
uint64_t ForwardedSequence(std::string_view event_id, uint32_t table_id);

}  // namespace eddy::api::dynamodb
