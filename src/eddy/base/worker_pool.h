#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "eddy/base/guarded.h"
#include "eddy/base/thread_annotations.h"

namespace eddy {

// A fixed set of threads running submitted tasks in submission order. For work that blocks
// (a durable commit waits for fsync): enough threads in flight let concurrent commits share one
// fsync, which a handful of event-loop threads could not.
//
// Thread-safety: Submit may be called from any thread. The destructor runs the tasks already
// submitted, then joins. A task that throws is logged and destroyed; its thread goes on.
class WorkerPool {
 public:
  explicit WorkerPool(int threads) {
    const int n = threads < 1 ? 1 : threads;
    threads_.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { Work(); });
  }
  ~WorkerPool() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Submit(std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

 private:
  void Work() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty()) return;  // stopping, and nothing left
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      RunGuarded("a worker's task", [&task] { task(); });
      task = nullptr;  // what it holds (a request's responder) is released here, not later
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace eddy
