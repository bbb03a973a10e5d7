#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "eddy/base/result.h"

namespace eddy::bench {

// An `eddy serve` child process on a free loopback port with a scratch data directory, for
// benchmarks that want a server of their own. Killed (SIGTERM, then SIGKILL) and its data
// removed on destruction.
//
// Thread-safety: not thread-safe.
class ServerProcess {
 public:
  // `eddy_binary`: the eddy executable; `extra_args` go after "serve".
  static Result<std::unique_ptr<ServerProcess>> Start(const std::string& eddy_binary,
                                                      const std::string& data_dir,
                                                      const std::vector<std::string>& extra_args);
  ~ServerProcess();

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  pid_t pid() const { return pid_; }

 private:
  ServerProcess(pid_t pid, uint16_t port, std::string data_dir)
      : pid_(pid), port_(port), data_dir_(std::move(data_dir)) {}
  pid_t pid_;
  uint16_t port_;
  std::string data_dir_;
};

// Resident memory of a process, from /proc/<pid>/status: current and peak, in bytes (0 when
// unknown).
struct ProcessMemory {
  uint64_t rss_bytes = 0;
  uint64_t peak_rss_bytes = 0;
};
ProcessMemory ReadProcessMemory(pid_t pid);

// CPU time a process has used so far, user plus system, over all its threads, from
// /proc/<pid>/stat (clock-tick resolution, 10 ms on Linux); -1 when unknown.
double ReadProcessCpuSeconds(pid_t pid);

}  // namespace eddy::bench
