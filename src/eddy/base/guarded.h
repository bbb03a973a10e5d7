#pragma once

#include <string_view>
#include <utility>

namespace eddy {

// Logs, as an error, the exception being handled (call only inside a catch block), saying
// where it escaped: "<where> threw: <what>".
void LogCaughtException(std::string_view where) noexcept;

// Runs `fn()`; an exception that escapes it is logged (LogCaughtException) and goes no
// further. For code run on a thread that serves many others — a commit thread answering
// writes, a worker running requests, an I/O thread — where one failing callback (a bug, or
// memory exhausted) must not end the thread, and with it the process.
template <typename Fn>
void RunGuarded(std::string_view where, Fn&& fn) noexcept {
  try {
    std::forward<Fn>(fn)();
  } catch (...) {
    LogCaughtException(where);
  }
}

}  // namespace eddy
