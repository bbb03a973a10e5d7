#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace eddy::testing {

// Polls `done` every `poll` until it is true or `limit` passes; returns its last answer. For
// tests of threads and processes that reach a state in their own time: the limit is a bound
// on a hang, not a timing target.
inline bool WaitUntil(const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::seconds(10),
                      std::chrono::milliseconds poll = std::chrono::milliseconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(poll);
  }
  return done();
}

}  // namespace eddy::testing
