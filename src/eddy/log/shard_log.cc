#include "eddy/log/shard_log.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>

#include "eddy/base/check.h"
#include "eddy/base/guarded.h"

namespace eddy::log {

Result<Durability> ParseDurability(std::string_view name) {
  if (name == "sync") return Durability::kSync;
  if (name == "interval") return Durability::kInterval;
  if (name == "none") return Durability::kNone;
  return Status::InvalidArgument(
      fmt::format("unknown durability '{}': expected sync, interval or none", name));
}

std::string_view DurabilityName(Durability d) {
  switch (d) {
    case Durability::kSync:
      return "sync";
    case Durability::kInterval:
      return "interval";
    case Durability::kNone:
      return "none";
  }
  return "?";
}

ShardLog::ShardLog(std::string dir, LogOptions options, Env env)
    : dir_(std::move(dir)), options_(options), env_(env), retention_ms_(options.retention_ms) {}

ShardLog::~ShardLog() {
  Status s = Close();
  if (!s.ok()) spdlog::error("closing shard log {}: {}", dir_, s.ToString());
}

Result<std::unique_ptr<ShardLog>> ShardLog::Open(const std::string& dir, LogOptions options,
                                                 Env env) {
  EDDY_CHECK(env.fs != nullptr && env.clock != nullptr && env.scheduler != nullptr);
  if (options.max_segment_bytes < 1024 || options.max_segment_bytes > kMaxSegmentBytes) {
    return Status::InvalidArgument("max_segment_bytes must be between 1 KiB and 2 GiB");
  }
  if (options.index_interval_bytes == 0) {
    return Status::InvalidArgument("index_interval_bytes must be positive");
  }
  if (options.retention_ms <= 0) return Status::InvalidArgument("retention_ms must be positive");
  if (options.sync_interval_ms < 1 || options.sync_interval_ms > 3'600'000) {
    return Status::InvalidArgument("sync_interval_ms must be between 1 ms and 1 hour");
  }
  std::unique_ptr<ShardLog> log(new ShardLog(dir, options, env));
  EDDY_RETURN_IF_ERROR(log->Recover().WithContext("opening shard log " + dir));
  return log;
}

Status ShardLog::Recover() {
  io::FileSystem* fs = env_.fs;
  EDDY_RETURN_IF_ERROR(io::CreateDirectoriesDurably(fs, dir_));
  EDDY_ASSIGN_OR_RETURN(auto names, fs->ListDirectory(dir_));
  std::vector<uint64_t> bases;
  std::vector<std::string> index_files;
  for (const auto& name : names) {
    if (name.ends_with(".tmp")) {
      EDDY_RETURN_IF_ERROR(fs->RemoveFile(io::JoinPath(dir_, name)));
    } else if (name.ends_with(".log")) {
      auto base = Segment::ParseLogFileName(name);
      if (!base) return Status::Corruption(fmt::format("{}: unexpected file {}", dir_, name));
      bases.push_back(*base);
    } else if (name.ends_with(".index") || name.ends_with(".timeindex")) {
      index_files.push_back(name);
    }
  }
  std::sort(bases.begin(), bases.end());
  // Index files whose segment is gone were left by an interrupted retention deletion.
  for (const auto& name : index_files) {
    auto base = Segment::ParseLogFileName(name.substr(0, name.find('.')) + ".log");
    if (!base || !std::binary_search(bases.begin(), bases.end(), *base)) {
      EDDY_RETURN_IF_ERROR(fs->RemoveFile(io::JoinPath(dir_, name)));
    }
  }

  const Segment::Options seg_options{options_.index_interval_bytes};
  SegmentList segments;
  if (bases.empty()) {
    EDDY_ASSIGN_OR_RETURN(auto seg,
                          Segment::Create(fs, dir_, 0, env_.clock->NowMillis(), seg_options));
    EDDY_RETURN_IF_ERROR(fs->SyncDirectory(dir_));
    segments.push_back(std::move(seg));
  } else {
    for (size_t i = 0; i + 1 < bases.size(); ++i) {
      EDDY_ASSIGN_OR_RETURN(auto seg,
                            Segment::OpenSealed(fs, dir_, bases[i], bases[i + 1], seg_options));
      segments.push_back(std::move(seg));
    }
    EDDY_ASSIGN_OR_RETURN(auto seg, Segment::OpenActive(fs, dir_, bases.back(), seg_options));
    // What survived in the file may never have been synced (the process died, the OS did not):
    // make it durable before anyone can read it.
    EDDY_RETURN_IF_ERROR(seg->writer()->Sync());
    segments.push_back(std::move(seg));
  }
  std::lock_guard lock(mu_);
  active_ = segments.back();
  durable_end_ = active_->end_offset();
  last_arrival_ms_ = 0;
  for (const auto& seg : segments)
    last_arrival_ms_ = std::max(last_arrival_ms_, seg->last_arrival_ms());
  PublishSegments(std::move(segments));
  return Status::Ok();
}

std::shared_ptr<const ShardLog::SegmentList> ShardLog::Snapshot() const {
  std::lock_guard lock(segments_mu_);
  return segments_;
}

void ShardLog::PublishSegments(SegmentList segments) {
  auto list = std::make_shared<const SegmentList>(std::move(segments));
  std::lock_guard lock(segments_mu_);
  segments_ = std::move(list);
}

void ShardLog::Complete(Completions* completions) {
  // One callback that throws must not skip the others (their appends would never be
  // answered), leave callbacks_in_flight_ raised or end the scheduler's thread.
  for (auto& [done, result] : *completions) {
    RunGuarded("shard log: an append's callback", [&] { done(result); });
  }
  completions->clear();
}

void ShardLog::AppendAsync(std::span<const AppendRecord> records, AppendCallback done) {
  if (records.empty()) {
    done(Status::InvalidArgument("an append needs at least one record"));
    return;
  }
  size_t total = 0;
  for (const auto& r : records) {
    if (Status s = ValidateAppendRecord(r); !s.ok()) {
      done(s);
      return;
    }
    total += EncodedFrameSize(r);
  }
  if (total > kMaxBatchBytes) {
    done(Status::InvalidArgument("an append may hold at most 64 MiB"));
    return;
  }
  Completions completions;
  {
    std::unique_lock lock(mu_);
    Status s;
    if (closed_) s = Status::Unavailable("shard log " + dir_ + " is closed");
    if (s.ok() && appends_stopped_) {
      s = Status::FailedPrecondition("shard log " + dir_ + " takes no more appends");
    }
    if (s.ok() && needs_repair_) {
      // An earlier failure left bytes we could not cut; try again now (the fault may be gone).
      RollBackLocked(Status::IoError("repairing after an earlier failure"), &completions);
      if (needs_repair_) s = Status::IoError("shard log " + dir_ + " cannot be repaired yet");
    }
    const int64_t now = env_.clock->NowMillis();
    auto needs_roll = [&] {
      if (active_->written_end_offset() == active_->base_offset()) return false;
      // A sealed active segment is a roll that failed halfway (e.g. disk full): finish it.
      return active_->written_size() + total > options_.max_segment_bytes ||
             now - active_->created_ms() >= options_.max_segment_age_ms || active_->sealed();
    };
    if (s.ok() && needs_roll()) {
      WaitForSyncInFlight(lock);  // mu_ is released meanwhile: decide again afterwards
      if (closed_) s = Status::Unavailable("shard log " + dir_ + " is closed");
      if (s.ok() && appends_stopped_) {
        s = Status::FailedPrecondition("shard log " + dir_ + " takes no more appends");
      }
      if (s.ok() && needs_repair_) s = Status::IoError("shard log " + dir_ + " needs repair");
      if (s.ok() && needs_roll()) {
        s = SyncAndPublishLocked(&completions);
        if (s.ok()) s = RollLocked();
      }
    }
    if (!s.ok()) {
      RunCallbacks(lock, &completions);
      done(s);
      return;
    }

    // Arrival times never go backwards within a shard (docs/design/log-format.md).
    const int64_t arrival = std::max(now, last_arrival_ms_);
    const uint64_t first = active_->written_end_offset();
    scratch_.clear();
    scratch_.reserve(total);
    metas_.clear();
    uint64_t position = active_->written_size();
    for (size_t i = 0; i < records.size(); ++i) {
      metas_.push_back({first + i, static_cast<uint32_t>(position), arrival});
      const size_t before = scratch_.size();
      EncodeFrame(records[i], first + i, arrival, i + 1 < records.size(), &scratch_);
      position += scratch_.size() - before;
    }
    bool needs_repair = false;
    s = active_->Append(scratch_, metas_, &needs_repair);
    if (scratch_.capacity() > (16u << 20)) std::string().swap(scratch_);  // don't pin 10 MiB
    if (!s.ok()) {
      needs_repair_ = needs_repair_ || needs_repair;
      RunCallbacks(lock, &completions);
      done(s);
      return;
    }
    last_arrival_ms_ = arrival;
    AppendResult result{LogOffset(first), static_cast<uint32_t>(records.size()), arrival};
    if (options_.durability == Durability::kSync) {
      pending_.push_back({first + records.size(), result, std::move(done)});
      if (!sync_scheduled_) {
        sync_scheduled_ = true;
        env_.scheduler->Schedule(this);
      }
    } else {
      PublishWrittenLocked(&completions);
      completions.emplace_back(std::move(done), result);
      if (options_.durability == Durability::kInterval && !sync_scheduled_) {
        sync_scheduled_ = true;
        env_.scheduler->ScheduleAfter(this, options_.sync_interval_ms);
      }
    }
    RunCallbacks(lock, &completions);
  }
}

Result<AppendResult> ShardLog::Append(std::span<const AppendRecord> records) {
  std::promise<Result<AppendResult>> promise;
  auto future = promise.get_future();
  AppendAsync(records, [&promise](const Result<AppendResult>& r) { promise.set_value(r); });
  return future.get();
}

void ShardLog::PublishWrittenLocked(Completions* completions) {
  active_->SetVisible(active_->written_size(), active_->written_end_offset(),
                      active_->written_last_arrival_ms());
  durable_end_ = active_->written_end_offset();
  while (!pending_.empty() && pending_.front().end_offset <= durable_end_) {
    completions->emplace_back(std::move(pending_.front().done), pending_.front().result);
    pending_.pop_front();
  }
}

void ShardLog::WaitForSyncInFlight(std::unique_lock<std::mutex>& lock) {
  sync_idle_cv_.wait(lock, [this] { return !sync_in_flight_; });
}

void ShardLog::RunCallbacks(std::unique_lock<std::mutex>& lock, Completions* completions) {
  if (completions->empty()) {
    lock.unlock();
    return;
  }
  ++callbacks_in_flight_;
  lock.unlock();
  Complete(completions);
  lock.lock();
  --callbacks_in_flight_;
  sync_idle_cv_.notify_all();
  lock.unlock();
}

Status ShardLog::SyncAndPublishLocked(Completions* completions) {
  // Never alongside RunSync's fdatasync of the same file: Linux reports a writeback error to
  // one fdatasync only, and the other would wrongly succeed (callers waited for that).
  EDDY_CHECK(!sync_in_flight_);
  if (active_->readable_size() == active_->written_size()) return Status::Ok();
  Status s = active_->writer()->Sync();
  if (!s.ok()) {
    RollBackLocked(s, completions);
    return s;
  }
  PublishWrittenLocked(completions);
  return Status::Ok();
}

void ShardLog::RollBackLocked(const Status& cause, Completions* completions) {
  // After a failed write or fdatasync nothing past the last durable point can be trusted
  // (Linux may have dropped the dirty pages): cut it, and fail everyone waiting on it.
  ++truncations_;
  Status s = active_->TruncateTo(active_->readable_size(), active_->end_offset(),
                                 active_->last_arrival_ms());
  needs_repair_ = !s.ok();
  if (!s.ok()) spdlog::error("shard log {}: cannot cut unsynced data: {}", dir_, s.ToString());
  for (auto& p : pending_) completions->emplace_back(std::move(p.done), cause);
  pending_.clear();
  last_arrival_ms_ = std::max(last_arrival_ms_, active_->last_arrival_ms());
}

Status ShardLog::RollLocked() {
  if (!active_->sealed()) EDDY_RETURN_IF_ERROR(active_->Seal());
  const uint64_t base = active_->written_end_offset();
  EDDY_ASSIGN_OR_RETURN(auto seg, Segment::Create(env_.fs, dir_, base, env_.clock->NowMillis(),
                                                  Segment::Options{options_.index_interval_bytes}));
  if (Status s = env_.fs->SyncDirectory(dir_); !s.ok()) {
    // Leave no file behind, or every later roll would find it in the way.
    (void)seg->RemoveFiles();
    return s;
  }
  SegmentList list = *Snapshot();
  list.push_back(seg);
  active_ = std::move(seg);
  PublishSegments(std::move(list));
  return Status::Ok();
}

void ShardLog::RunSync() {
  std::shared_ptr<Segment> seg;
  uint64_t target_size = 0;
  uint64_t target_end = 0;
  int64_t target_arrival_ms = 0;
  uint64_t truncations = 0;
  {
    std::lock_guard lock(mu_);
    seg = active_;
    target_size = seg->written_size();
    target_end = seg->written_end_offset();
    target_arrival_ms = seg->written_last_arrival_ms();
    truncations = truncations_;
    sync_in_flight_ = true;
  }
  // The fdatasync runs without the lock: appends keep writing meanwhile and wait for the next.
  // No other fdatasync of this log runs meanwhile (rolls wait for sync_in_flight_).
  Status s = seg->writer()->Sync();

  Completions completions;
  std::unique_lock lock(mu_);
  sync_in_flight_ = false;
  // A roll cannot have happened during the sync (it waits for it), and a failed append only
  // cuts bytes past every captured target; only a rollback makes the target stale.
  const bool still_relevant = seg == active_ && truncations == truncations_;
  if (options_.durability == Durability::kSync) {
    if (!s.ok()) {
      spdlog::error("shard log {}: {}", dir_, s.ToString());
      if (still_relevant) RollBackLocked(s, &completions);
    } else if (still_relevant && target_end > durable_end_) {
      seg->SetVisible(target_size, target_end, target_arrival_ms);
      durable_end_ = target_end;
      while (!pending_.empty() && pending_.front().end_offset <= durable_end_) {
        completions.emplace_back(std::move(pending_.front().done), pending_.front().result);
        pending_.pop_front();
      }
    }
    // Appends that arrived during the sync need another one.
    if (!pending_.empty()) {
      env_.scheduler->Schedule(this);
    } else {
      sync_scheduled_ = false;
    }
  } else {
    if (!s.ok()) spdlog::error("shard log {}: background sync failed: {}", dir_, s.ToString());
    // Writes that landed during this sync (or in a new segment) are synced at the next tick.
    if (seg != active_ || active_->written_size() > target_size) {
      env_.scheduler->ScheduleAfter(this, options_.sync_interval_ms);
    } else {
      sync_scheduled_ = false;
    }
  }
  sync_idle_cv_.notify_all();
  RunCallbacks(lock, &completions);
}

Result<ReadBatch> ShardLog::Read(LogOffset from_offset, ReadLimits limits) const {
  auto segments = Snapshot();
  const uint64_t from = from_offset.value();
  const uint64_t start = segments->front()->base_offset();
  const uint64_t end = segments->back()->end_offset();
  if (from < start) {
    return Status::OutOfRange(fmt::format("offset {} is before the trim horizon {}", from, start));
  }
  if (from > end) return Status::OutOfRange(fmt::format("offset {} is past the end {}", from, end));
  ReadBatch batch;
  batch.next_offset = from;
  if (limits.max_records == 0) return batch;
  auto it = std::upper_bound(
      segments->begin(), segments->end(), from,
      [](uint64_t o, const std::shared_ptr<Segment>& s) { return o < s->base_offset(); });
  size_t bytes_used = 0;
  uint64_t next = from;
  for (--it; it != segments->end(); ++it) {
    const Segment& seg = **it;
    if (next >= seg.end_offset()) continue;
    const size_t before = batch.records.size();
    EDDY_RETURN_IF_ERROR(seg.Read(next, limits, &bytes_used, &batch));
    if (batch.records.size() == before) break;  // limits reached before anything fit
    next = batch.records.back().offset + 1;
    if (batch.records.size() >= limits.max_records || next < seg.end_offset()) break;
  }
  batch.next_offset = batch.records.empty() ? from : batch.records.back().offset + 1;
  return batch;
}

Result<LogOffset> ShardLog::OffsetForTime(int64_t ms) const {
  auto segments = Snapshot();
  // Read once: a record made visible during the lookup must not be skipped by re-reading it.
  const uint64_t end = segments->back()->end_offset();
  for (const auto& seg : *segments) {
    if (seg->end_offset() == seg->base_offset() || seg->last_arrival_ms() < ms) continue;
    EDDY_ASSIGN_OR_RETURN(auto found, seg->FindFirstAtOrAfter(ms));
    if (found) return LogOffset(std::min(*found, end));
  }
  return LogOffset(end);
}

LogOffset ShardLog::start_offset() const { return LogOffset(Snapshot()->front()->base_offset()); }

LogOffset ShardLog::end_offset() const { return LogOffset(Snapshot()->back()->end_offset()); }

void ShardLog::SetRetentionMs(int64_t retention_ms) {
  retention_ms_.store(std::max<int64_t>(retention_ms, 1));
}

int64_t ShardLog::retention_ms() const { return retention_ms_.load(); }

Result<size_t> ShardLog::EnforceRetention() {
  const int64_t cutoff = env_.clock->NowMillis() - retention_ms_.load();
  std::vector<std::shared_ptr<Segment>> expired;
  Completions completions;
  {
    std::unique_lock lock(mu_);
    if (closed_) return size_t{0};
    // An idle shard's active segment expires too: seal it so it can go.
    auto active_expired = [&] {
      return !needs_repair_ && active_->written_end_offset() > active_->base_offset() &&
             pending_.empty() && active_->readable_size() == active_->written_size() &&
             active_->last_arrival_ms() < cutoff;
    };
    if (active_expired()) {
      WaitForSyncInFlight(lock);
      if (!closed_ && active_expired()) {
        Status s = SyncAndPublishLocked(&completions);
        if (s.ok()) s = RollLocked();
        if (!s.ok()) {
          RunCallbacks(lock, &completions);
          return s;
        }
      }
    }
    SegmentList list = *Snapshot();
    size_t n = 0;
    while (n + 1 < list.size() && list[n]->last_arrival_ms() < cutoff) ++n;
    if (n > 0) {
      expired.assign(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(n));
      list.erase(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(n));
      PublishSegments(std::move(list));
    }
    RunCallbacks(lock, &completions);
  }
  // Oldest first, each removal made durable before the next, so a crash midway (even a power
  // cut, which may otherwise keep an older removal and lose a newer one) leaves a contiguous
  // log.
  for (const auto& seg : expired) {
    EDDY_RETURN_IF_ERROR(seg->RemoveFiles());
    EDDY_RETURN_IF_ERROR(env_.fs->SyncDirectory(dir_));
  }
  return expired.size();
}

LogStats ShardLog::Stats() const {
  auto segments = Snapshot();
  LogStats stats;
  stats.segment_count = segments->size();
  for (const auto& seg : *segments) stats.size_bytes += seg->readable_size();
  stats.start_offset = LogOffset(segments->front()->base_offset());
  stats.end_offset = LogOffset(segments->back()->end_offset());
  return stats;
}

Result<LogOffset> ShardLog::StopAppends() {
  std::unique_lock lock(mu_);
  appends_stopped_ = true;
  sync_idle_cv_.wait(lock, [this] { return !sync_scheduled_; });
  if (active_->written_size() != active_->readable_size()) {
    // Only after a failure that could not be repaired: the tail is not trusted.
    return Status::IoError("shard log " + dir_ + " has unsynced data it cannot repair");
  }
  return LogOffset(active_->end_offset());
}

void ShardLog::ResumeAppends() {
  std::lock_guard lock(mu_);
  appends_stopped_ = false;
}

Status ShardLog::Close() {
  Completions completions;
  Status s;
  std::unique_lock lock(mu_);
  if (closed_) return Status::Ok();
  closed_ = true;
  if (active_ == nullptr) return Status::Ok();  // Open() failed before recovery finished
  // In-flight and queued syncs finish first, with the callbacks of the appends they cover.
  sync_idle_cv_.wait(lock, [this] { return !sync_scheduled_ && callbacks_in_flight_ == 0; });
  if (!needs_repair_ && active_->written_size() > active_->readable_size()) {
    s = SyncAndPublishLocked(&completions);  // weaker modes: make it durable now
  } else if (!needs_repair_ && options_.durability != Durability::kSync) {
    s = active_->writer()->Sync();
  }
  for (auto& p : pending_) {
    completions.emplace_back(std::move(p.done), Status::Unavailable("shard log closed"));
  }
  pending_.clear();
  RunCallbacks(lock, &completions);
  lock.lock();
  sync_idle_cv_.wait(lock, [this] { return callbacks_in_flight_ == 0; });
  return s;
}

}  // namespace eddy::log
