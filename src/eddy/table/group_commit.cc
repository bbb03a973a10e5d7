#include "eddy/table/group_commit.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <future>
#include <utility>

#include "eddy/base/guarded.h"

namespace eddy::table {

GroupCommitter::GroupCommitter(rocksdb::DB* db, bool enabled) : db_(db), enabled_(enabled) {
  if (!enabled_) return;
  // What recovery found in the log may have been written by a process that was killed before
  // its sync: make it durable before anyone reads it.
  if (Status s = SyncOnce(); !s.ok()) {
    spdlog::error("tables: {} (retried with the next write)", s.ToString());
    std::lock_guard lock(snapshot_mu_);
    durable_snapshot_ = NewSharedSnapshot(db_);  // readers need a snapshot: what recovery found
  }
  thread_ = std::thread([this] { Run(); });
}

GroupCommitter::~GroupCommitter() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  // Writes nobody waited for (an index backfill's entries) may still be in RocksDB's log
  // buffer (manual_wal_flush): write them out before the store closes.
  if (Status s = SyncOnce(); !s.ok()) spdlog::error("tables: at shutdown: {}", s.ToString());
  std::lock_guard lock(snapshot_mu_);
  durable_snapshot_.reset();
}

void GroupCommitter::AfterDurable(std::function<void(Status)> done) {
  if (!enabled_) {
    done(Status::Ok());
    return;
  }
  {
    std::unique_lock lock(mu_);
    if (stopping_) {  // the thread is gone or going: sync here
      lock.unlock();
      done(SyncOnce());
      return;
    }
    // Queue behind anything registered earlier (a write's own bookkeeping is registered before
    // its answer), and behind any write not yet covered by a sync.
    if (answering_ || !waiting_.empty() ||
        db_->GetLatestSequenceNumber() > durable_sequence_.load(std::memory_order_acquire)) {
      waiting_.push_back(std::move(done));
      if (waiting_.size() == 1 || waiting_.size() == gather_target_) wake_.notify_one();
      return;
    }
  }
  done(Status::Ok());
}

Status GroupCommitter::AwaitDurable() {
  if (!enabled_) return Status::Ok();
  std::promise<Status> synced;
  auto result = synced.get_future();
  AfterDurable([&synced](Status s) { synced.set_value(std::move(s)); });
  return result.get();
}

std::shared_ptr<const rocksdb::Snapshot> GroupCommitter::ReadSnapshot() const {
  if (!enabled_) return nullptr;
  std::lock_guard lock(snapshot_mu_);
  return durable_snapshot_;
}

std::shared_ptr<const rocksdb::Snapshot> NewSharedSnapshot(rocksdb::DB* db) {
  return {db->GetSnapshot(), [db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); }};
}

Status GroupCommitter::SyncOnce() {
  // The snapshot is taken before the sync starts, so every write in it has its log record
  // written before the sync: once the sync returns, all of the snapshot is on disk.
  auto snapshot = NewSharedSnapshot(db_);
  const uint64_t sequence = snapshot->GetSequenceNumber();
  if (sequence > durable_sequence_.load(std::memory_order_relaxed)) {
    // After a failed write or sync of the log, the log's word is not enough: RocksDB drops the
    // log that failed and goes on with a new one, so a later sync succeeds while the writes
    // whose records were in the failed log exist only in the memtables. Until a flush has
    // written the memtables out (and synced them), nothing is acknowledged. A failure this
    // committer did not see (a synced catalog write's, a background flush's) shows in RocksDB's
    // count of background errors.
    uint64_t errors = 0;
    if (db_->GetIntProperty(rocksdb::DB::Properties::kBackgroundErrors, &errors) &&
        errors != background_errors_.exchange(errors)) {
      must_flush_ = true;
    }
    if (must_flush_) {
      // Resume clears an error RocksDB can recover from (it flushes too); a fatal one (a
      // failed fsync) it refuses, and the flush below fails until the store is reopened.
      (void)db_->Resume();
      rocksdb::FlushOptions flush;
      flush.allow_write_stall = true;
      const rocksdb::Status flushed = db_->Flush(flush);
      if (!flushed.ok()) {
        return Status::IoError("write the tables' memtables out after a failed log write: " +
                               flushed.ToString());
      }
      must_flush_ = false;
    }
    // FlushWAL writes the log buffer (manual_wal_flush) and, with sync, fdatasyncs the log.
    const rocksdb::Status s = db_->FlushWAL(/*sync=*/true);
    if (!s.ok()) {
      must_flush_ = true;
      return Status::IoError("sync the tables' write-ahead log: " + s.ToString());
    }
    syncs_.fetch_add(1, std::memory_order_relaxed);
  }
  {
    // Two syncs may run at once while stopping (the committer's last, and one on a caller's
    // thread): the read snapshot only ever moves forward.
    std::lock_guard lock(snapshot_mu_);
    if (durable_snapshot_ == nullptr ||
        sequence >= durable_sequence_.load(std::memory_order_relaxed)) {
      std::swap(durable_snapshot_, snapshot);
      durable_sequence_.store(sequence, std::memory_order_release);
    }
  }
  return Status::Ok();  // the snapshot not kept is released here, outside the lock
}

void GroupCommitter::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
    if (waiting_.empty()) return;  // stopping, and everything is answered
    // Under load the writers of the last group come back at about the same time: give them
    // up to one sync's duration to join this group, so that one sync covers them all rather
    // than a sync each for its first arrivals and the rest.
    if (!stopping_ && waiting_.size() < gather_target_) {
      const auto gather =
          std::min<std::chrono::nanoseconds>(sync_time_, std::chrono::milliseconds(1));
      wake_.wait_for(lock, gather,
                     [this] { return stopping_ || waiting_.size() >= gather_target_; });
    }
    std::vector<std::function<void(Status)>> batch;
    batch.swap(waiting_);
    answering_ = true;
    gather_target_ = batch.size();
    lock.unlock();
    const auto sync_start = std::chrono::steady_clock::now();
    const Status synced = SyncOnce();
    sync_time_ = (sync_time_ * 7 + (std::chrono::steady_clock::now() - sync_start)) / 8;
    for (auto& done : batch) {
      // One failing answer (out of memory while building it) must not end the thread that
      // answers every other write.
      RunGuarded("tables: a callback after a sync", [&] { done(synced); });
    }
    batch.clear();
    lock.lock();
    answering_ = false;
    if (!synced.ok()) {
      // The disk refused: do not spin on it (writes waiting are told, and retried). RocksDB
      // recovers by itself from some failures (a full disk, once there is room); after others
      // (a failed fsync) it takes no more writes until the store is reopened. Either way one
      // line when the spell starts, and one a minute while it lasts, not ten a second.
      const auto now = std::chrono::steady_clock::now();
      if (failed_syncs_in_a_row_++ == 0 || now - last_failure_logged_ >= std::chrono::minutes(1)) {
        spdlog::error("tables: {}{}", synced.ToString(),
                      failed_syncs_in_a_row_ > 1
                          ? fmt::format(" ({} failed syncs in a row)", failed_syncs_in_a_row_)
                          : std::string());
        last_failure_logged_ = now;
      }
      wake_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stopping_; });
    } else if (failed_syncs_in_a_row_ > 0) {
      spdlog::info("tables: syncs work again after {} failed", failed_syncs_in_a_row_);
      failed_syncs_in_a_row_ = 0;
    }
  }
}

}  // namespace eddy::table
