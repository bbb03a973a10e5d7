#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "eddy/base/metrics.h"
#include "eddy/base/result.h"
#include "eddy/client/aws_json_client.h"
#include "eddy/function/function_host.h"
#include "eddy/pipe/batch_delivery.h"
#include "eddy/pipe/pipe_config.h"
#include "eddy/pipe/pipe_status.h"

namespace eddy::pipe {

// What the pipes of one process share.
struct PipeEnvironment {
  client::ClientConfig aws;  // endpoint, region and credentials of the source's, lease table's
                             // and destination stream's services
  function::FunctionHost* functions = nullptr;  // REQUIRED for FunctionName targets
  metrics::MetricsRegistry* metrics = nullptr;  // optional
  std::string worker_id;  // this process's id in the pipes' lease tables; empty: a new one
  RetryPacing pacing;
  int64_t failover_time_ms = 10000;  // lease duration (the consumer's failover time)
  int64_t lease_taker_interval_ms = 500;
  int64_t shutdown_grace_ms = 30000;
};

// One pipe running in this process: a consumer worker on the pipe's source whose record
// processors are PipeProcessors, sharing the shards with every other process running the same
// pipe through the pipe's lease table (KCL's schema; made if missing).
//
// Memory: per shard lease held, the consumer's two reads (each at most BatchSize x
// ParallelizationFactor records, at most 10,000), the records held by the batching window
// (the same bound), and per slot one event payload (at most 6 MB) and its response.
//
// Thread-safety: Start/Stop from one thread; status() from any.
class PipeRunner {
 public:
  // Builds the clients, the target and the failure destination, and checks that the target and
  // the destination can be reached: one that cannot is logged and marks the pipe Failed (with
  // the reason in its status) until a delivery succeeds, but the pipe runs: its deliveries are
  // retried. Errors: a target or destination that cannot even be built (a file that cannot be
  // opened, a function that is not defined).
  static Result<std::unique_ptr<PipeRunner>> Create(PipeConfig config, const PipeEnvironment& env);
  ~PipeRunner();  // Stop()s

  // Starts the worker on a thread of its own.
  void Start();
  // Graceful: batches in flight finish (retries are cut short), leases are released. Idempotent.
  void Stop();

  const PipeConfig& config() const { return config_; }
  const PipeStatus& status() const { return status_; }
  // Set when the worker stopped by itself (the source or the lease table was deleted).
  std::string fatal_error() const;
  // {"Name","State":"Enabled|Failed|Stopped","StateTransitionReason","Target","Shards":[
  //   {"ShardId","Position","MillisBehindLatest","InFlightRecords","RetryAttempts","LastError",
  //    "Delivered","Failed","Filtered","Invocations","FunctionErrors","Unavailable",
  //    "SuspiciousResponses"}]}
  std::string StatusJson() const;

  class Parts;

 private:
  PipeRunner(PipeConfig config, const PipeEnvironment& env);
  void RegisterShardMetrics(const std::string& shard, const std::shared_ptr<ShardStatus>& s);

  PipeConfig config_;
  PipeEnvironment env_;
  PipeStatus status_;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<Parts> parts_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::string fatal_error_;
};

// The polling interval of a pipe: PollingIntervalMs if set; else Lambda's rates against AWS's
// endpoints (Kinesis 1 s, DynamoDB streams 250 ms) and 5 ms against any other endpoint (eddy
// answers an empty GetRecords in microseconds).
int64_t PollingIntervalMs(const PipeConfig& config, const client::ClientConfig& aws);

}  // namespace eddy::pipe
