#include "bench/server_process.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <limits>

namespace eddy::bench {
namespace {

TEST(ReadProcessCpuSecondsTest, GrowsWhileThisProcessComputes) {
  const double before = ReadProcessCpuSeconds(::getpid());
  ASSERT_GE(before, 0);
  // Spin until the process's CPU clock has moved on by several ticks.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  volatile uint64_t sink = 0;
  double after = before;
  while (after < before + 0.05 && std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 1000000; ++i) sink = sink + static_cast<uint64_t>(i);
    after = ReadProcessCpuSeconds(::getpid());
  }
  EXPECT_GE(after, before + 0.05);
}

TEST(ReadProcessCpuSecondsTest, IsUnknownForAProcessThatDoesNotExist) {
  EXPECT_LT(ReadProcessCpuSeconds(std::numeric_limits<pid_t>::max()), 0);
}

}  // namespace
}  // namespace eddy::bench
