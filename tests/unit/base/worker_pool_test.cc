#include "eddy/base/worker_pool.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace eddy {
namespace {

TEST(WorkerPoolTest, ATaskThatThrowsIsDroppedAndTheWorkersGoOn) {
  WorkerPool pool(1);  // one thread: a dead thread would leave the next task unrun
  auto held = std::make_shared<int>(1);
  std::weak_ptr<int> watch = held;
  pool.Submit([held = std::move(held)] { throw std::runtime_error("a bug in a task"); });
  std::promise<bool> ran;
  auto result = ran.get_future();
  pool.Submit([&ran, &watch] { ran.set_value(watch.expired()); });
  ASSERT_EQ(result.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  // What the failed task held (a request's responder, in the server) was released when it
  // failed, not kept until the thread's next task replaced it.
  EXPECT_TRUE(result.get());
}

TEST(WorkerPoolTest, TheDestructorRunsEveryTaskSubmitted) {
  int ran = 0;
  std::mutex mu;  // outlives the pool, whose destructor runs the tasks
  {
    WorkerPool pool(2);
    for (int i = 0; i < 100; ++i) {
      pool.Submit([&] {
        std::lock_guard lock(mu);
        ++ran;
      });
    }
  }
  EXPECT_EQ(ran, 100);
}

}  // namespace
}  // namespace eddy
