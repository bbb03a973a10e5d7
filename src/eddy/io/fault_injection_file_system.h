#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "eddy/base/thread_annotations.h"
#include "eddy/io/file_system.h"

namespace eddy::io {

// Wraps a real FileSystem and injects the faults storage code must survive:
//  - failed fdatasync (EIO) for the next N syncs;
//  - a disk that fills up: after a byte budget, writes fail with ENOSPC, tearing the write that
//    crosses the limit (its prefix reaches the file, as a real short write would);
//  - a power cut: DropUnsyncedData() cuts every file written through this object back to its
//    last synced length, and removes files whose creation was never made durable by a
//    SyncDirectory() of their parent (LevelDB's FaultInjectionTestEnv does the same).
//
// It counts syncs so tests can check group commit.
//
// Thread-safety: all methods are thread-safe. The wrapped FileSystem must outlive this object,
// and files opened through this object must not outlive it.
class FaultInjectionFileSystem final : public FileSystem {
 public:
  explicit FaultInjectionFileSystem(FileSystem* base) : base_(base) {}

  // The next `count` Sync() calls fail with `err` (default EIO) and sync nothing.
  void FailNextSyncs(int count, int err = 5 /* EIO */);
  // After `bytes` more bytes are written (all files together), writes fail with ENOSPC.
  // A negative value removes the limit.
  void SetWriteBudget(int64_t bytes);
  // The next `count` SyncDirectory() calls fail with EIO.
  void FailNextDirectorySyncs(int count);

  // While blocked, Sync() calls wait (before syncing) until UnblockSyncs(). Lets a test hold a
  // sync in flight and look at what is visible meanwhile.
  void BlockSyncs();
  void UnblockSyncs();
  // Number of Sync() calls waiting at the block right now.
  int blocked_syncs() const;

  // Simulates losing power: see the class comment. Files stay open; their objects must not be
  // used afterwards (reopen what you need, as a restarted process would).
  Status DropUnsyncedData();

  int64_t sync_count() const;
  int64_t bytes_written() const;

  Result<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path,
                                                     OpenMode mode) override;
  Result<std::unique_ptr<ReadableFile>> OpenReadable(const std::string& path) override {
    return base_->OpenReadable(path);
  }
  Result<std::vector<std::string>> ListDirectory(const std::string& dir) override {
    return base_->ListDirectory(dir);
  }
  Status CreateDirectories(const std::string& dir) override {
    return base_->CreateDirectories(dir);
  }
  Status SyncDirectory(const std::string& dir) override;
  Status RemoveFile(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Result<uint64_t> FileSize(const std::string& path) override { return base_->FileSize(path); }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }

 private:
  friend class FaultInjectionWritableFile;

  // Called by the files this object hands out.
  // Returns how many of `wanted` bytes may be written and the errno to report for the rest.
  size_t AdmitWrite(size_t wanted, int* err);
  // Returns 0 when the sync may proceed, else the errno to fail it with.
  int AdmitSync();
  void RecordSynced(const std::string& path, uint64_t size);
  void RecordTruncated(const std::string& path, uint64_t size);

  FileSystem* const base_;
  mutable std::mutex mu_;
  std::condition_variable unblocked_cv_;
  bool syncs_blocked_ GUARDED_BY(mu_) = false;
  int blocked_syncs_ GUARDED_BY(mu_) = 0;
  int fail_syncs_ GUARDED_BY(mu_) = 0;
  int fail_sync_errno_ GUARDED_BY(mu_) = 5;
  int fail_dir_syncs_ GUARDED_BY(mu_) = 0;
  int64_t write_budget_ GUARDED_BY(mu_) = -1;
  int64_t sync_count_ GUARDED_BY(mu_) = 0;
  int64_t bytes_written_ GUARDED_BY(mu_) = 0;
  // Last synced length of each file written through this object.
  std::map<std::string, uint64_t> synced_size_ GUARDED_BY(mu_);
  // Files created through this object whose directory entry is not yet durable.
  std::set<std::string> unsynced_creations_ GUARDED_BY(mu_);
};

}  // namespace eddy::io
