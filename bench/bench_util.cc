#include "bench/bench_util.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

namespace eddy::bench {

uint64_t NowNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch())
          .count());
}

double SecondsSince(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

LatencySummary Summarize(std::vector<float>& v) {
  LatencySummary s;
  s.samples = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  auto at = [&](double p) {
    return static_cast<double>(v[static_cast<size_t>(p * (v.size() - 1))]);
  };
  s.p50_ms = at(0.50);
  s.p99_ms = at(0.99);
  s.p999_ms = at(0.999);
  s.max_ms = v.back();
  return s;
}

void Samples::Add(std::vector<float>& mine) {
  std::lock_guard lock(mu_);
  all_.insert(all_.end(), mine.begin(), mine.end());
  mine.clear();
}

LatencySummary Samples::Summary() {
  std::lock_guard lock(mu_);
  return Summarize(all_);
}

void FirstError::Set(std::string message) {
  std::lock_guard lock(mu_);
  if (message_.empty()) message_ = std::move(message);
  set_.store(true);
}

std::string FirstError::Get() {
  std::lock_guard lock(mu_);
  return message_;
}

void RaiseOpenFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

std::string SelfExecutable() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "eddy";
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace eddy::bench
