#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace eddy::bench {

// Helpers every API benchmark shares (kinesis_bench, dynamodb_bench).

using SteadyClock = std::chrono::steady_clock;

uint64_t NowNs();
double SecondsSince(SteadyClock::time_point t);

struct LatencySummary {
  double p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
  uint64_t samples = 0;
};

// Sorts `v` (milliseconds) and reads its percentiles.
LatencySummary Summarize(std::vector<float>& v);

// Latency samples from many threads: each thread collects its own and adds them at the end.
//
// Thread-safety: thread-safe.
class Samples {
 public:
  void Add(std::vector<float>& mine);  // moves `mine` in and clears it
  LatencySummary Summary();

 private:
  std::mutex mu_;
  std::vector<float> all_;
};

// The first error that stops a run.
//
// Thread-safety: thread-safe.
class FirstError {
 public:
  void Set(std::string message);
  bool set() const { return set_.load(); }
  std::string Get();

 private:
  std::mutex mu_;
  std::string message_;
  std::atomic<bool> set_{false};
};

// Raises this process's open-file limit to its hard limit (a load generator with many
// connections, and the floor phase's responder in the same process, need two per client).
void RaiseOpenFileLimit();

// The path of the running executable (to start `eddy serve` from the same build).
std::string SelfExecutable();

}  // namespace eddy::bench
