#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "eddy/base/clock.h"
#include "eddy/base/metrics.h"
#include "eddy/base/thread_annotations.h"
#include "eddy/consumer/lease_coordinator.h"
#include "eddy/consumer/record_processor.h"
#include "eddy/consumer/shard_consumer.h"
#include "eddy/consumer/shard_syncer.h"
#include "eddy/consumer/source.h"
#include "eddy/consumer/worker_options.h"

namespace eddy::consumer {

// One consumer worker of an application (KCL's Scheduler): it shares the source's shards with
// the application's other workers through the lease table, and runs a RecordProcessor on a
// ShardConsumer thread for every lease it holds.
//
// Run() creates the lease table if needed, syncs shards to leases, then until shutdown: renews
// its leases every failover_time/3 - epsilon (a renewer thread), scans the table every
// lease_taker_interval to take and balance leases (LeaseCoordinator), starts a consumer for
// every lease gained and reaps the ones that ended, and syncs shards and cleans up finished
// leases every shard_sync_interval.
//
// Shutdown() (e.g. on SIGTERM) is graceful: no more leases are taken, every consumer finishes
// its batch in flight and gets ShutdownRequested (it may checkpoint), and every lease is
// released at once so other workers take them on their next scan. Up to shutdown_grace_ms is
// given to the consumers, and their leases are renewed meanwhile; leases still held then are
// released anyway.
//
// Failures: an unreachable endpoint or throttling is retried with backoff and logged, never
// fatal. A lease table deleted under the worker, or a source that no longer exists, stops
// processing at once (no processing without a lease) and Run() returns the error naming it.
//
// Metrics (when a registry is given; docs/metrics.md), labelled with the application and, where
// it applies, the shard: leases held, lease takes, steals, losses and lease-table writes,
// records processed, checkpoints, processor restarts and MillisBehindLatest per shard.
//
// Memory: two batches per held lease (the one being processed and the next, being read; each
// at most max_records records), plus the lease table's listing.
//
// Thread-safety: Run() on one thread; Shutdown() and the accessors from any thread.
class Worker {
 public:
  // `source`, `table`, `factory`, `clock` and `metrics` (if given) must outlive the worker.
  Worker(WorkerOptions options, Source& source, LeaseTable& table,
         RecordProcessorFactory& factory, const Clock& clock = *SystemClock(),
         metrics::MetricsRegistry* metrics = nullptr);
  ~Worker();

  Status Run();
  void Shutdown();

  const std::string& worker_id() const { return options_.worker_id; }
  const LeaseCoordinator& coordinator() const { return coordinator_; }
  // Counters per shard consumed by this worker so far (for metrics).
  std::map<std::string, std::shared_ptr<ShardCounters>> ShardCountersSnapshot() const;

 private:
  void RenewLoop();
  void Fatal(const Status& status);
  void StartConsumers();
  void ReapConsumers();
  void StopConsumers(int64_t grace_ms);
  bool WaitFor(int64_t ms);  // false once stopping
  // Waits lease_taker_interval, taking up handed-over leases meanwhile; false once stopping.
  bool WaitForNextScan();
  void RegisterMetrics();
  void RegisterShardMetrics(const std::string& shard, const std::shared_ptr<ShardCounters>& c);
  void UnregisterMetrics();

  WorkerOptions options_;
  Source& source_;
  LeaseTable& table_;
  RecordProcessorFactory& factory_;
  const Clock& clock_;
  LeaseCoordinator coordinator_;
  ShardSyncer syncer_;
  metrics::MetricsRegistry* const metrics_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ GUARDED_BY(mu_) = false;
  bool renewer_stopping_ GUARDED_BY(mu_) = false;  // set once the consumers have stopped
  Status fatal_ GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<ShardConsumer>> consumers_;  // taker thread only
  std::map<std::string, std::shared_ptr<ShardCounters>> counters_ GUARDED_BY(mu_);
  std::set<std::string> reported_damaged_;  // taker thread only
};

// A worker id for this process: host name, process id and a random suffix.
std::string NewWorkerId();

}  // namespace eddy::consumer
