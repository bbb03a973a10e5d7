#include "eddy/log/sync_scheduler.h"

#include <chrono>

namespace eddy::log {
namespace {

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

SyncScheduler::SyncScheduler(Options options) {
  const int n = options.threads < 1 ? 1 : options.threads;
  threads_.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { WorkerLoop(); });
}

SyncScheduler::~SyncScheduler() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void SyncScheduler::Schedule(SyncTarget* target) {
  {
    std::lock_guard lock(mu_);
    ready_.push_back(target);
  }
  cv_.notify_one();
}

void SyncScheduler::ScheduleAfter(SyncTarget* target, int64_t delay_ms) {
  {
    std::lock_guard lock(mu_);
    delayed_.emplace(NowNanos() + delay_ms * 1'000'000, target);
  }
  cv_.notify_one();
}

int64_t SyncScheduler::runs() const {
  std::lock_guard lock(mu_);
  return runs_;
}

void SyncScheduler::WorkerLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    const int64_t now = NowNanos();
    while (!delayed_.empty() && (delayed_.begin()->first <= now || stopping_)) {
      ready_.push_back(delayed_.begin()->second);
      delayed_.erase(delayed_.begin());
    }
    if (!ready_.empty()) {
      SyncTarget* target = ready_.front();
      ready_.pop_front();
      lock.unlock();
      target->RunSync();
      lock.lock();
      ++runs_;
      continue;
    }
    if (stopping_) return;
    if (delayed_.empty()) {
      cv_.wait(lock);
    } else {
      cv_.wait_for(lock, std::chrono::nanoseconds(delayed_.begin()->first - now));
    }
  }
}

}  // namespace eddy::log
