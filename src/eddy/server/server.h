#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "eddy/base/result.h"
#include "eddy/log/shard_log.h"

namespace eddy::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4566;  // 0: any free port (the log line and port() say which)
  std::string data_dir = "eddy-data";
  log::Durability durability = log::Durability::kSync;
  int http_threads = 2;
  int shard_limit = 1000;
  bool throttle = false;       // AWS's per-shard throughput limits
  int ttl_interval_ms = 1000;  // pause between passes of the TTL sweeper
  // A DynamoDB stream's open shard rolls over to a child after this long (AWS: ~4 hours).
  int64_t stream_shard_interval_ms = 4LL * 3600 * 1000;
  // Table change records (what DynamoDB streams read) are kept this long.
  int64_t stream_retention_hours = 24;
};

// The composition root: builds the stream service, the APIs and the HTTP server in order, and
// takes them down in reverse. No logic of its own.
//
// Thread-safety: Start/Stop from one thread.
class Server {
 public:
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options);
  ~Server();  // Stop()s

  uint16_t port() const;
  // Stops accepting, finishes requests in flight, then closes every shard log (everything
  // acknowledged is on disk). Idempotent.
  void Stop();

  class Parts;

 private:
  explicit Server(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// Starts a server and runs it until SIGINT or SIGTERM; returns the process exit code.
int RunUntilSignal(const ServerOptions& options);

}  // namespace eddy::server
