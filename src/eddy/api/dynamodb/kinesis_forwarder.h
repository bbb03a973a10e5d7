#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>

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
// (forwarded_through, checkpoint_ms) is committed to the table's catalog entry. After a crash
// between the two, the first pass of a destination reads the stream's records appended since
// the checkpoint's time, finds the newest change of this table already there (its sequence
// number is in the record's eventID) and moves the checkpoint to it before forwarding more.
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
  Result<uint64_t> Forward(const table::TableDefinition& table,
                           const table::KinesisDestination& destination);
  // The newest change sequence of `table` found in `destination`'s stream since its
  // checkpoint (0: none).
  Result<uint64_t> NewestForwarded(const table::TableDefinition& table,
                                   const table::KinesisDestination& destination);
  Status Checkpoint(const table::TableDefinition& table, const std::string& stream_arn,
                    uint64_t through);

  table::TableStore* const tables_;
  stream::StreamService* const streams_;
  Clock* const clock_;
  const KinesisForwarderOptions options_;
  // Destinations (table id, stream ARN) whose stream was checked for records ahead of the
  // checkpoint since this process started. Touched by the forwarding thread only.
  std::set<std::pair<uint32_t, std::string>> reconciled_;

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
