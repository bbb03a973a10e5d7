#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "eddy/base/thread_annotations.h"

namespace eddy::log {

// Something whose pending writes can be made durable: a ShardLog.
class SyncTarget {
 public:
  // Syncs what is pending and completes the appends it covers. Called on a scheduler thread,
  // never concurrently for the same target when the target schedules itself at most once at a
  // time (ShardLog does).
  virtual void RunSync() = 0;

 protected:
  ~SyncTarget() = default;
};

// Runs the fdatasyncs of all shard logs of a node on a small pool of threads: group commit
// across shards. Each shard has at most one sync in flight; appends that arrive meanwhile wait
// for the shard's next one. Syncing different shards in parallel matters because the device
// overlaps their flushes: with 256 shards, 1 sync thread reached 256 MB/s and 16 threads
// 480 MB/s (docs/BENCHMARKS.md, "sync threads").
//
// Thread-safety: all methods are thread-safe. A target must stay alive until its last
// scheduled RunSync() has returned (ShardLog::Close waits for that).
class SyncScheduler {
 public:
  struct Options {
    int threads = 16;
  };

  explicit SyncScheduler(Options options);
  SyncScheduler() : SyncScheduler(Options()) {}
  ~SyncScheduler();  // runs what is queued, then joins the threads

  SyncScheduler(const SyncScheduler&) = delete;
  SyncScheduler& operator=(const SyncScheduler&) = delete;

  // Runs target->RunSync() on a pool thread as soon as one is free.
  void Schedule(SyncTarget* target);
  // Runs it no sooner than `delay_ms` from now (for the `interval` durability mode).
  void ScheduleAfter(SyncTarget* target, int64_t delay_ms);

  // Number of RunSync() calls completed so far.
  int64_t runs() const;

 private:
  void WorkerLoop();

  std::vector<std::thread> threads_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<SyncTarget*> ready_ GUARDED_BY(mu_);
  std::multimap<int64_t, SyncTarget*> delayed_ GUARDED_BY(mu_);  // monotonic ns deadline
  bool stopping_ GUARDED_BY(mu_) = false;
  int64_t runs_ GUARDED_BY(mu_) = 0;
};

}  // namespace eddy::log
