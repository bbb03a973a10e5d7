#pragma once

#include <cstdint>
#include <string>

#include "eddy/consumer/multilang/properties.h"

namespace eddy::runtime {

// How `eddy worker` runs.
struct WorkerRunOptions {
  consumer::multilang::MultiLangConfig config;
  // Prometheus metrics on http://<metrics_host>:<metrics_port>/metrics; a negative port: none,
  // 0: any free port (printed at start).
  std::string metrics_host = "127.0.0.1";
  int metrics_port = -1;
};

// Runs one consumer worker whose record processors are KCL multilang child processes, until
// SIGINT or SIGTERM (graceful: batches in flight finish, processors get shutdownRequested, the
// leases are released at once) or a fatal error (the stream or the lease table deleted).
// Reaches the AWS APIs only through their endpoints, so it runs against eddy or AWS alike.
// Returns the process's exit code: 0 after a signal, 1 after a fatal error.
int RunMultiLangWorkerUntilSignal(const WorkerRunOptions& options);

}  // namespace eddy::runtime
