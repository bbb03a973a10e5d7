#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "eddy/client/aws_json_client.h"

namespace eddy::consumer {

// Where a new lease starts reading when it has no checkpoint (KCL's InitialPositionInStream;
// used only when a lease is created, after that the lease's checkpoint wins).
enum class InitialPosition { kTrimHorizon, kLatest, kAtTimestamp };

// What a worker consumes.
enum class SourceKind {
  kKinesis,         // `stream` is a Kinesis stream name or ARN
  kDynamoDbStream,  // `stream` is a DynamoDB stream ARN, or a table name (its latest stream)
};

// The settings of one consumer worker, with KCL's names and defaults where KCL has them
// (LeaseManagementConfig, PollingConfig, CoordinatorConfig). Passed by value.
struct WorkerOptions {
  std::string application_name;  // REQUIRED; names the lease table unless lease_table_name is set
  std::string lease_table_name;  // empty: application_name
  std::string worker_id;         // empty: a new random id per process

  SourceKind source_kind = SourceKind::kKinesis;
  std::string stream;  // REQUIRED

  InitialPosition initial_position = InitialPosition::kLatest;
  int64_t initial_timestamp_ms = 0;  // for kAtTimestamp

  int max_records = 10000;                   // per GetRecords (DynamoDB streams: at most 1000)
  int64_t idle_time_between_reads_ms = 1000;  // pause after a GetRecords that returned nothing
  bool call_process_records_even_for_empty_list = false;

  int64_t failover_time_ms = 10000;  // lease duration; renewals every third of it
  int64_t epsilon_ms = 25;
  int64_t shard_sync_interval_ms = 60000;
  // How often the lease table is scanned to take free or expired leases and balance. KCL
  // scans about every 20 s; eddy every 500 ms by default, so a lease released by a worker
  // that shuts down is taken by another within a second, and a crashed worker's leases within
  // the failover time and one scan. Raise it for very large lease tables on AWS (each scan
  // reads the whole table).
  int64_t lease_taker_interval_ms = 500;
  int max_leases_for_worker = std::numeric_limits<int>::max();
  int max_leases_to_steal_at_one_time = 1;
  bool cleanup_leases_upon_shard_completion = true;
  int64_t parent_shard_poll_interval_ms = 10000;
  int64_t task_backoff_time_ms = 500;      // first pause before a failed processor restarts
  int64_t max_task_backoff_time_ms = 30000;
  int64_t shutdown_grace_ms = 30000;        // how long SIGTERM waits for batches in flight

  client::ClientConfig kinesis;    // endpoint, region, credentials of the stream's service
  client::ClientConfig dynamodb;   // ... of the lease table's service
};

}  // namespace eddy::consumer
