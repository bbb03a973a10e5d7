#include "eddy/io/fault_injection_file_system.h"

#include <algorithm>
#include <cerrno>
#include <vector>

namespace eddy::io {

class FaultInjectionWritableFile final : public WritableFile {
 public:
  FaultInjectionWritableFile(FaultInjectionFileSystem* owner, std::unique_ptr<WritableFile> base)
      : owner_(owner), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    int err = 0;
    size_t allowed = owner_->AdmitWrite(data.size(), &err);
    if (allowed > 0) EDDY_RETURN_IF_ERROR(base_->Append(data.substr(0, allowed)));
    if (allowed < data.size()) return Status::FromErrno(err, "write " + base_->path());
    return Status::Ok();
  }

  Status Sync() override {
    if (int err = owner_->AdmitSync(); err != 0) {
      return Status::FromErrno(err, "fdatasync " + base_->path());
    }
    // Only what was in the file before the sync began is known to be covered by it.
    const uint64_t size = base_->Size();
    EDDY_RETURN_IF_ERROR(base_->Sync());
    owner_->RecordSynced(base_->path(), size);
    return Status::Ok();
  }

  Status Truncate(uint64_t size) override {
    EDDY_RETURN_IF_ERROR(base_->Truncate(size));
    owner_->RecordTruncated(base_->path(), size);
    return Status::Ok();
  }

  uint64_t Size() const override { return base_->Size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  FaultInjectionFileSystem* const owner_;
  std::unique_ptr<WritableFile> base_;
};

void FaultInjectionFileSystem::FailNextSyncs(int count, int err) {
  std::lock_guard lock(mu_);
  fail_syncs_ = count;
  fail_sync_errno_ = err;
}

void FaultInjectionFileSystem::SetWriteBudget(int64_t bytes) {
  std::lock_guard lock(mu_);
  write_budget_ = bytes;
}

void FaultInjectionFileSystem::FailNextDirectorySyncs(int count) {
  std::lock_guard lock(mu_);
  fail_dir_syncs_ = count;
}

int64_t FaultInjectionFileSystem::sync_count() const {
  std::lock_guard lock(mu_);
  return sync_count_;
}

int64_t FaultInjectionFileSystem::bytes_written() const {
  std::lock_guard lock(mu_);
  return bytes_written_;
}

size_t FaultInjectionFileSystem::AdmitWrite(size_t wanted, int* err) {
  std::lock_guard lock(mu_);
  size_t allowed = wanted;
  if (write_budget_ >= 0 && static_cast<int64_t>(wanted) > write_budget_) {
    allowed = static_cast<size_t>(write_budget_);
    *err = ENOSPC;
  }
  if (write_budget_ >= 0) write_budget_ -= static_cast<int64_t>(allowed);
  bytes_written_ += static_cast<int64_t>(allowed);
  return allowed;
}

void FaultInjectionFileSystem::BlockSyncs() {
  std::lock_guard lock(mu_);
  syncs_blocked_ = true;
}

void FaultInjectionFileSystem::UnblockSyncs() {
  {
    std::lock_guard lock(mu_);
    syncs_blocked_ = false;
  }
  unblocked_cv_.notify_all();
}

int FaultInjectionFileSystem::blocked_syncs() const {
  std::lock_guard lock(mu_);
  return blocked_syncs_;
}

int FaultInjectionFileSystem::AdmitSync() {
  std::unique_lock lock(mu_);
  if (syncs_blocked_) {
    ++blocked_syncs_;
    unblocked_cv_.wait(lock, [this] { return !syncs_blocked_; });
    --blocked_syncs_;
  }
  if (fail_syncs_ > 0) {
    --fail_syncs_;
    return fail_sync_errno_;
  }
  ++sync_count_;
  return 0;
}

void FaultInjectionFileSystem::RecordSynced(const std::string& path, uint64_t size) {
  std::lock_guard lock(mu_);
  // Syncs can overlap and finish out of order: what is durable only grows (a truncate lowers it
  // explicitly).
  uint64_t& synced = synced_size_[path];
  synced = std::max(synced, size);
}

void FaultInjectionFileSystem::RecordTruncated(const std::string& path, uint64_t size) {
  std::lock_guard lock(mu_);
  auto it = synced_size_.find(path);
  if (it != synced_size_.end() && it->second > size) it->second = size;
}

Result<std::unique_ptr<WritableFile>> FaultInjectionFileSystem::OpenWritable(
    const std::string& path, OpenMode mode) {
  EDDY_ASSIGN_OR_RETURN(auto base, base_->OpenWritable(path, mode));
  {
    std::lock_guard lock(mu_);
    if (mode == OpenMode::kCreateNew) {
      synced_size_[path] = 0;
      unsynced_creations_.insert(path);
    } else if (!synced_size_.contains(path)) {
      // An existing file: what is in it now counts as synced (it survived a "restart").
      synced_size_[path] = base->Size();
    }
  }
  return std::unique_ptr<WritableFile>(new FaultInjectionWritableFile(this, std::move(base)));
}

Status FaultInjectionFileSystem::SyncDirectory(const std::string& dir) {
  {
    std::lock_guard lock(mu_);
    if (fail_dir_syncs_ > 0) {
      --fail_dir_syncs_;
      return Status::FromErrno(EIO, "fsync directory " + dir);
    }
  }
  EDDY_RETURN_IF_ERROR(base_->SyncDirectory(dir));
  // "d/" and "d" name the same directory: compare the parent of "d/x" with both spelled alike.
  const std::string synced = DirName(JoinPath(dir, "x"));
  std::lock_guard lock(mu_);
  for (auto it = unsynced_creations_.begin(); it != unsynced_creations_.end();) {
    it = DirName(*it) == synced ? unsynced_creations_.erase(it) : std::next(it);
  }
  return Status::Ok();
}

Status FaultInjectionFileSystem::RemoveFile(const std::string& path) {
  EDDY_RETURN_IF_ERROR(base_->RemoveFile(path));
  std::lock_guard lock(mu_);
  synced_size_.erase(path);
  unsynced_creations_.erase(path);
  return Status::Ok();
}

Status FaultInjectionFileSystem::RenameFile(const std::string& from, const std::string& to) {
  EDDY_RETURN_IF_ERROR(base_->RenameFile(from, to));
  std::lock_guard lock(mu_);
  if (auto it = synced_size_.find(from); it != synced_size_.end()) {
    synced_size_[to] = it->second;
    synced_size_.erase(it);
  } else {
    // `to` is now a file this object never wrote: forget what it knew of the replaced one.
    synced_size_.erase(to);
  }
  // The renamed entry is durable only after the next SyncDirectory: model it as a creation.
  unsynced_creations_.erase(from);
  unsynced_creations_.insert(to);
  return Status::Ok();
}

Status FaultInjectionFileSystem::DropUnsyncedData() {
  std::map<std::string, uint64_t> sizes;
  std::set<std::string> creations;
  {
    std::lock_guard lock(mu_);
    sizes = synced_size_;
    creations = unsynced_creations_;
  }
  for (const auto& path : creations) {
    if (base_->FileExists(path)) EDDY_RETURN_IF_ERROR(base_->RemoveFile(path));
    sizes.erase(path);
  }
  for (const auto& [path, size] : sizes) {
    if (!base_->FileExists(path)) continue;
    EDDY_ASSIGN_OR_RETURN(auto file, base_->OpenWritable(path, OpenMode::kOpenExisting));
    if (file->Size() > size) EDDY_RETURN_IF_ERROR(file->Truncate(size));
  }
  std::lock_guard lock(mu_);
  unsynced_creations_.clear();
  synced_size_.clear();
  return Status::Ok();
}

}  // namespace eddy::io
