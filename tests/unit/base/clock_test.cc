#include "eddy/base/clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <thread>
#include <vector>

namespace eddy {
namespace {

TEST(ManualClockTest, StartsAtGivenTime) {
  ManualClock clock(1234);
  EXPECT_EQ(clock.NowMillis(), 1234);
  EXPECT_EQ(clock.MonotonicNanos(), 1234 * 1'000'000LL);
}

TEST(ManualClockTest, DefaultStartIsFixed) {
  ManualClock clock;
  EXPECT_EQ(clock.NowMillis(), 1'700'000'000'000);
  // Time does not move by itself.
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_EQ(clock.NowMillis(), 1'700'000'000'000);
}

TEST(ManualClockTest, AdvanceMovesBothReadings) {
  ManualClock clock(1000);
  const int64_t mono_before = clock.MonotonicNanos();
  clock.AdvanceMillis(250);
  EXPECT_EQ(clock.NowMillis(), 1250);
  EXPECT_EQ(clock.MonotonicNanos() - mono_before, 250 * 1'000'000LL);
  clock.AdvanceMillis(0);
  EXPECT_EQ(clock.NowMillis(), 1250);
  clock.AdvanceMillis(-50);
  EXPECT_EQ(clock.NowMillis(), 1200);
}

TEST(ManualClockTest, SetJumpsToValue) {
  ManualClock clock(1000);
  clock.SetMillis(5'000'000);
  EXPECT_EQ(clock.NowMillis(), 5'000'000);
  EXPECT_EQ(clock.MonotonicNanos(), 5'000'000 * 1'000'000LL);
  clock.AdvanceMillis(1);
  EXPECT_EQ(clock.NowMillis(), 5'000'001);
}

TEST(ManualClockTest, UsableThroughClockInterface) {
  ManualClock manual(10);
  Clock* clock = &manual;
  manual.AdvanceMillis(5);
  EXPECT_EQ(clock->NowMillis(), 15);
  EXPECT_EQ(clock->MonotonicNanos(), 15'000'000);
}

TEST(ManualClockTest, ConcurrentAdvancesAreNotLost) {
  ManualClock clock(0);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&clock] {
      for (int i = 0; i < kPerThread; ++i) clock.AdvanceMillis(1);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(clock.NowMillis(), kThreads * kPerThread);
}

TEST(SystemClockTest, IsASingleton) {
  EXPECT_NE(SystemClock(), nullptr);
  EXPECT_EQ(SystemClock(), SystemClock());
}

TEST(SystemClockTest, NowMillisIsPlausible) {
  constexpr int64_t kJan2020Millis = 1'577'836'800'000;
  constexpr int64_t kJan2100Millis = 4'102'444'800'000;
  const int64_t now = SystemClock()->NowMillis();
  EXPECT_GT(now, kJan2020Millis);
  EXPECT_LT(now, kJan2100Millis);
  // Agrees with the standard library's system clock to within a few seconds.
  const int64_t std_now = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  EXPECT_LT(std::abs(std_now - now), 5000);
}

TEST(SystemClockTest, MonotonicNanosNeverDecreases) {
  Clock* clock = SystemClock();
  int64_t previous = clock->MonotonicNanos();
  for (int i = 0; i < 100000; ++i) {
    const int64_t now = clock->MonotonicNanos();
    ASSERT_GE(now, previous) << "iteration " << i;
    previous = now;
  }
}

TEST(SystemClockTest, MonotonicNanosMeasuresSleeps) {
  Clock* clock = SystemClock();
  const int64_t start = clock->MonotonicNanos();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const int64_t elapsed = clock->MonotonicNanos() - start;
  EXPECT_GE(elapsed, 20'000'000);
  EXPECT_LT(elapsed, 10'000'000'000);  // generous: the machine may be busy
}

}  // namespace
}  // namespace eddy
