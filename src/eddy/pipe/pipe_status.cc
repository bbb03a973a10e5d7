#include "eddy/pipe/pipe_status.h"

namespace eddy::pipe {

void ShardStatus::SetLastError(std::string error) {
  std::lock_guard lock(mu_);
  last_error_ = std::move(error);
}

std::string ShardStatus::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

void ShardStatus::SetPosition(std::string position) {
  std::lock_guard lock(mu_);
  position_ = std::move(position);
}

std::string ShardStatus::position() const {
  std::lock_guard lock(mu_);
  return position_;
}

std::shared_ptr<ShardStatus> PipeStatus::Shard(const std::string& shard_id) {
  std::lock_guard lock(mu_);
  auto& slot = shards_[shard_id];
  if (!slot) {
    slot = std::make_shared<ShardStatus>();
    if (new_shard_hook_) new_shard_hook_(shard_id, slot);
  }
  return slot;
}

void PipeStatus::SetNewShardHook(ShardHook hook) {
  std::lock_guard lock(mu_);
  new_shard_hook_ = std::move(hook);
}

std::map<std::string, std::shared_ptr<ShardStatus>> PipeStatus::Shards() const {
  std::lock_guard lock(mu_);
  return shards_;
}

void PipeStatus::SetFailed(std::string reason) {
  std::lock_guard lock(mu_);
  failed_reason_ = std::move(reason);
}

void PipeStatus::ClearFailed() {
  std::lock_guard lock(mu_);
  failed_reason_.clear();
}

std::string PipeStatus::failed_reason() const {
  std::lock_guard lock(mu_);
  return failed_reason_;
}

}  // namespace eddy::pipe
