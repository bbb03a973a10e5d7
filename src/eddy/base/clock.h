#pragma once

#include <atomic>
#include <cstdint>

namespace eddy {

// The time source of everything that ages: retention, segment rolling, record arrival times,
// iterator expiry. Injected so tests move time by hand instead of sleeping (LevelDB's Env,
// RocksDB's mock clock).
//
// Thread-safety: implementations are safe to call from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock milliseconds since the Unix epoch.
  virtual int64_t NowMillis() const = 0;
  // Wall-clock microseconds since the Unix epoch (change records' commit times).
  virtual int64_t NowMicros() const { return NowMillis() * 1000; }
  // Monotonic nanoseconds from an arbitrary origin; for measuring durations.
  virtual int64_t MonotonicNanos() const = 0;
};

// The real clocks (CLOCK_REALTIME and CLOCK_MONOTONIC). Returns a process-wide instance that
// lives forever.
Clock* SystemClock();

// A clock that only moves when told to. Both readings move together.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_millis = 1'700'000'000'000) : now_millis_(now_millis) {}
  int64_t NowMillis() const override { return now_millis_.load(std::memory_order_relaxed); }
  int64_t MonotonicNanos() const override { return NowMillis() * 1'000'000; }
  void AdvanceMillis(int64_t delta) { now_millis_.fetch_add(delta, std::memory_order_relaxed); }
  void SetMillis(int64_t now) { now_millis_.store(now, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_millis_;
};

}  // namespace eddy
