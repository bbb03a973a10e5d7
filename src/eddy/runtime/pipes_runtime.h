#pragma once

#include <memory>
#include <string>
#include <vector>

#include "eddy/base/metrics.h"
#include "eddy/base/result.h"
#include "eddy/client/aws_json_client.h"
#include "eddy/function/function_host.h"
#include "eddy/pipe/pipe_runner.h"
#include "eddy/runtime/pipes_file.h"

namespace eddy::runtime {

struct PipesHostOptions {
  // The endpoint, region and credentials of the streams, lease tables and destination streams
  // (eddy's own for `eddy serve --pipes`; any, AWS included, for `eddy worker --pipes`).
  client::ClientConfig aws;
  // Given to functions as AWS_ENDPOINT_URL; empty: aws.endpoint.
  std::string function_endpoint_url;
  std::string python = "python3";  // interpreters for the functions' runtimes
  std::string node = "node";
  std::string java = "java";
  std::string worker_id;  // empty: a new one
  metrics::MetricsRegistry* metrics = nullptr;
  pipe::RetryPacing pacing;
  int64_t failover_time_ms = 10000;
};

// The functions and pipes of one pipes file running in this process: a FunctionHost with the
// file's functions, and a PipeRunner per enabled pipe. A pipe that cannot start (its target or
// destination unreachable) is reported and the others start anyway.
//
// Memory: the FunctionHost's (per environment one event and one response, at most 6 MB each;
// environments per function at most its ReservedConcurrentExecutions, 16 by default) plus each
// PipeRunner's (pipe/pipe_runner.h).
//
// Thread-safety: Start/Stop from one thread; StatusJson from any.
class PipesHost {
 public:
  static Result<std::unique_ptr<PipesHost>> Create(PipesFile file, PipesHostOptions options);
  ~PipesHost();  // Stop()s

  // Starts every enabled pipe; the errors of those that could not start (each names its pipe).
  std::vector<Status> Start();
  // Graceful: batches in flight finish, leases are released. Idempotent.
  void Stop();

  // {"Pipes":[PipeRunner::StatusJson...], "NotStarted":[{"Name","Reason"}]}
  std::string StatusJson() const;
  const pipe::PipeRunner* Pipe(const std::string& name) const;
  size_t running() const { return runners_.size(); }

 private:
  PipesHost(PipesFile file, PipesHostOptions options);

  PipesFile file_;
  PipesHostOptions options_;
  std::unique_ptr<function::FunctionHost> functions_;
  std::vector<std::unique_ptr<pipe::PipeRunner>> runners_;
  std::vector<std::pair<std::string, std::string>> not_started_;  // name, reason
};

// Runs a pipes file until SIGINT or SIGTERM against `options.aws` (`eddy worker --pipes`).
// Returns the exit code: 0 after a signal, 1 when nothing could start.
int RunPipesUntilSignal(const std::string& pipes_file, PipesHostOptions options,
                        const std::string& metrics_host, int metrics_port);

}  // namespace eddy::runtime
