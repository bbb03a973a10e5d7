#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "eddy/base/clock.h"
#include "eddy/base/result.h"
#include "eddy/base/strong_id.h"
#include "eddy/base/thread_annotations.h"
#include "eddy/io/file_system.h"
#include "eddy/log/record_format.h"
#include "eddy/log/segment.h"
#include "eddy/log/sync_scheduler.h"

namespace eddy::log {

// When an append is acknowledged.
enum class Durability {
  kSync,  // after fdatasync (group commit). The default; the only mode that survives power loss.
  kInterval,  // after the write; synced every `sync_interval_ms`
  kNone,      // after the write; synced only when a segment is sealed or the log closed
};

// Parses "sync" / "interval" / "none".
Result<Durability> ParseDurability(std::string_view name);
std::string_view DurabilityName(Durability d);

struct LogOptions {
  uint64_t max_segment_bytes = 128ull << 20;    // 1 KiB .. 2 GiB (u32 index positions)
  int64_t max_segment_age_ms = 60 * 60 * 1000;  // a non-empty segment older than this rolls
  int64_t retention_ms = 24 * 60 * 60 * 1000;   // 24 h .. 8,760 h for Kinesis streams
  uint32_t index_interval_bytes = 4096;
  Durability durability = Durability::kSync;
  int64_t sync_interval_ms = 200;  // for Durability::kInterval
};

struct AppendResult {
  LogOffset first_offset;  // offsets first_offset .. first_offset + count - 1
  uint32_t count = 0;
  int64_t arrival_ms = 0;  // shared by the whole batch
};

struct LogStats {
  size_t segment_count = 0;
  uint64_t size_bytes = 0;  // readable bytes in all segments
  LogOffset start_offset;
  LogOffset end_offset;
};

// The durable, segmented, append-only log of one shard (docs/design/log-format.md).
//
// Offsets are dense: the first record ever appended has offset 0. Appends are batches: one
// write, consecutive offsets, acknowledged together. In the default durability mode an append
// completes only after its bytes are fdatasync'd, and readers never see a record before that.
//
// Thread-safety: all public methods are thread-safe. Appends are serialized internally (one
// writer at a time); reads run concurrently with appends and with each other.
class ShardLog final : private SyncTarget {
 public:
  struct Env {
    io::FileSystem* fs = nullptr;
    Clock* clock = nullptr;
    SyncScheduler* scheduler = nullptr;  // shared by all logs of a node; must outlive the log
  };

  // Opens (creating if needed) the log in `dir`, running recovery (see the format doc).
  static Result<std::unique_ptr<ShardLog>> Open(const std::string& dir, LogOptions options,
                                                Env env);
  ~ShardLog();  // Close()s

  ShardLog(const ShardLog&) = delete;
  ShardLog& operator=(const ShardLog&) = delete;

  using AppendCallback = std::function<void(const Result<AppendResult>&)>;

  // Appends `records` as one batch (at most 64 MiB encoded); `done` runs once the batch is
  // acknowledged or has failed. It runs on a sync-scheduler thread (durable mode) or on the calling
  // thread (other modes, and for failures found before writing); it must not block for long, and
  // may call back into this log. The record views need only live until AppendAsync returns.
  void AppendAsync(std::span<const AppendRecord> records, AppendCallback done);

  // Blocking form of AppendAsync. Must not be called from an append callback (it would wait
  // on the scheduler thread it occupies).
  Result<AppendResult> Append(std::span<const AppendRecord> records);

  // Records from `from` on, within `limits`. OutOfRange if `from` is before the trim horizon or
  // after the end; an empty batch at the end. Corruption names file, byte and offset.
  Result<ReadBatch> Read(LogOffset from, ReadLimits limits) const;

  // Offset of the first record whose arrival time is >= `ms`; end_offset() when there is none.
  // Times before the trim horizon give start_offset().
  Result<LogOffset> OffsetForTime(int64_t ms) const;

  // Oldest readable offset (the trim horizon).
  LogOffset start_offset() const;
  // One past the newest readable record.
  LogOffset end_offset() const;

  // Deletes segments whose newest record is older than the retention period (sealing an
  // expired active segment first). Returns how many segments were deleted.
  Result<size_t> EnforceRetention();
  void SetRetentionMs(int64_t retention_ms);
  int64_t retention_ms() const;

  LogStats Stats() const;
  const std::string& dir() const { return dir_; }

  // Refuses appends from now on (FailedPrecondition) and waits until every append already
  // written has been acknowledged or has failed. Returns the end offset then, which no longer
  // moves. Reads and retention continue. Used when a shard is closed by a split or merge.
  Result<LogOffset> StopAppends();
  // Undoes StopAppends (when the reshard that needed it could not be committed).
  void ResumeAppends();

  // Waits for in-flight syncs, syncs what the weaker modes left unsynced, and refuses further
  // appends (Unavailable). Reads keep working. Idempotent. Waits for append callbacks still
  // running, so it must not be called from one.
  Status Close();

 private:
  using SegmentList = std::vector<std::shared_ptr<Segment>>;
  struct Pending {
    uint64_t end_offset;  // the append is durable once durable_end_ >= this
    AppendResult result;
    AppendCallback done;
  };
  using Completions = std::vector<std::pair<AppendCallback, Result<AppendResult>>>;

  ShardLog(std::string dir, LogOptions options, Env env);
  Status Recover();

  void RunSync() override;

  std::shared_ptr<const SegmentList> Snapshot() const;
  void PublishSegments(SegmentList segments);

  // Seals the active segment and starts a new one. REQUIRES: mu_ held, everything written is
  // durable/visible.
  Status RollLocked() REQUIRES(mu_);
  // Makes everything written durable and visible now (used before sealing). REQUIRES: mu_ held
  // and no RunSync fdatasync in flight (WaitForSyncInFlight).
  Status SyncAndPublishLocked(Completions* completions) REQUIRES(mu_);
  // Publishes written data up to the active segment's write position and records it durable.
  void PublishWrittenLocked(Completions* completions) REQUIRES(mu_);
  // Cuts unacknowledged data back to the durable point and fails pending appends.
  void RollBackLocked(const Status& cause, Completions* completions) REQUIRES(mu_);
  static void Complete(Completions* completions);
  // Runs `completions` after releasing `lock` (on mu_); Close() waits for callbacks in flight.
  void RunCallbacks(std::unique_lock<std::mutex>& lock, Completions* completions);
  // Waits (releasing mu_) until RunSync has no fdatasync in flight.
  void WaitForSyncInFlight(std::unique_lock<std::mutex>& lock);

  const std::string dir_;
  const LogOptions options_;
  const Env env_;
  std::atomic<int64_t> retention_ms_;

  mutable std::mutex segments_mu_;
  std::shared_ptr<const SegmentList> segments_ GUARDED_BY(segments_mu_);

  mutable std::mutex mu_;  // the writer: serializes appends, rolls, syncs' bookkeeping
  std::condition_variable sync_idle_cv_;
  std::shared_ptr<Segment> active_ GUARDED_BY(mu_);
  std::deque<Pending> pending_ GUARDED_BY(mu_);
  std::string scratch_ GUARDED_BY(mu_);  // encoded frames of the current batch
  std::vector<FrameMeta> metas_ GUARDED_BY(mu_);
  int64_t last_arrival_ms_ GUARDED_BY(mu_) = 0;
  uint64_t durable_end_ GUARDED_BY(mu_) = 0;  // offsets below this are durable
  uint64_t truncations_ GUARDED_BY(mu_) = 0;  // bumped whenever unsynced data is cut
  bool sync_scheduled_ GUARDED_BY(mu_) = false;
  bool sync_in_flight_ GUARDED_BY(mu_) = false;  // RunSync's fdatasync is running
  int callbacks_in_flight_ GUARDED_BY(mu_) = 0;
  bool needs_repair_ GUARDED_BY(mu_) = false;
  bool closed_ GUARDED_BY(mu_) = false;
  bool appends_stopped_ GUARDED_BY(mu_) = false;
};

}  // namespace eddy::log
