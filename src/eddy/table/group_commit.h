#pragma once

#include <rocksdb/db.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/base/thread_annotations.h"

namespace eddy::table {

// A RocksDB snapshot that is released when the last holder lets go (REQUIRES: `db` outlives it).
std::shared_ptr<const rocksdb::Snapshot> NewSharedSnapshot(rocksdb::DB* db);

// Group commit for writes made with `WriteOptions::sync = false`: one thread syncs RocksDB's
// write-ahead log for every write that finished before the sync began, then answers all of
// them at once. A writer never waits for a disk: it hands a callback to AfterDurable and moves
// on, so a few I/O threads keep hundreds of writes in flight and one fdatasync covers them all.
// The store opens RocksDB with manual_wal_flush, so item writes do not even reach the log file
// before the committer's FlushWAL writes and syncs them together.
//
// Gathering: when fewer callbacks wait than the last group held, the committer waits up to one
// sync's recent duration (at most 1 ms) for the rest to arrive. Under load the writers a group
// answered come back together; without the wait the first of them would get a sync of their
// own and the group would split into many small ones, each costing an fdatasync's CPU. A lone
// writer's group is its own callbacks (its answer and its bookkeeping), registered
// microseconds apart, so it waits no longer than that.
//
// Reads that must not see a write before it is durable read at ReadSnapshot(): the newest
// snapshot whose every write is on disk. A write is therefore seen by such a reader no earlier
// than it is acknowledged — a crash cannot take back something a reader has seen.
//
// After a failed sync, a later successful one is not trusted alone (RocksDB goes on with a new
// log, and the failed log's records may never have reached the disk): nothing is acknowledged
// until the memtables have been flushed to table files as well.
//
// Disabled (the store's durability is not "sync"): nothing is synced, AfterDurable answers at
// once and ReadSnapshot() is null (read the newest state).
//
// Thread-safety: thread-safe. Callbacks run on the committer's thread, or on the caller's when
// nothing is waiting to be synced; they must not block on the committer (AwaitDurable). An
// exception from a callback on the committer's thread is logged and the others still run.
class GroupCommitter {
 public:
  GroupCommitter(rocksdb::DB* db, bool enabled);
  // Syncs what is still waiting, answers it, and joins the thread. A callback registered while
  // stopping is answered on the caller's thread, after a sync of its own.
  ~GroupCommitter();

  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  bool enabled() const { return enabled_; }

  // Calls `done` once every write that finished before this call is on disk and in
  // ReadSnapshot(): with Ok, or with the sync's error (the writes may or may not have reached
  // the disk; the next sync, tried 100 ms later, may still make them durable). Callbacks
  // registered earlier run first.
  void AfterDurable(std::function<void(Status)> done);

  // Blocks until every write that finished before this call is on disk and in ReadSnapshot().
  Status AwaitDurable();

  // The snapshot reads should use (null when disabled: read the newest state). Holding it keeps
  // it alive; it may be older than the newest write, never older than an acknowledged one.
  std::shared_ptr<const rocksdb::Snapshot> ReadSnapshot() const;

  // Syncs done so far (for tests and metrics).
  uint64_t syncs() const { return syncs_.load(std::memory_order_relaxed); }

 private:
  void Run();
  // Takes a snapshot, syncs the log, publishes the snapshot. Returns the sync's status.
  Status SyncOnce();

  rocksdb::DB* const db_;
  const bool enabled_;

  mutable std::mutex snapshot_mu_;
  std::shared_ptr<const rocksdb::Snapshot> durable_snapshot_ GUARDED_BY(snapshot_mu_);
  // RocksDB's sequence number of durable_snapshot_: writes at or below it are durable.
  std::atomic<uint64_t> durable_sequence_{0};
  std::atomic<uint64_t> syncs_{0};
  // A log write or sync failed: the memtables must be flushed before anything is acknowledged
  // again (SyncOnce). Atomic: two syncs may run at once while stopping.
  std::atomic<bool> must_flush_{false};
  std::atomic<uint64_t> background_errors_{0};  // RocksDB's count at the last sync

  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<std::function<void(Status)>> waiting_ GUARDED_BY(mu_);
  size_t gather_target_ GUARDED_BY(mu_) = 0;  // the last group's size
  std::chrono::nanoseconds sync_time_{0};     // recent syncs' mean duration (committer thread only)
  bool answering_ GUARDED_BY(mu_) = false;    // a batch's callbacks are running
  uint64_t failed_syncs_in_a_row_ = 0;        // committer thread only
  std::chrono::steady_clock::time_point last_failure_logged_;  // committer thread only
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace eddy::table
