#include "eddy/cli/worker_command.h"

#include <fmt/format.h>

#include <memory>

#include "eddy/runtime/pipes_runtime.h"
#include "eddy/runtime/worker_runtime.h"

namespace eddy::cli {

namespace {

struct WorkerArgs {
  std::string properties;
  std::string pipes;
  std::string python = "python3";
  std::string node = "node";
  std::string java = "java";
  std::string endpoint;
  std::string worker_id;
  std::string metrics_host = "127.0.0.1";
  int metrics_port = -1;
};

int RunPipesWorker(const WorkerArgs& args) {
  runtime::PipesHostOptions options;
  options.aws.endpoint = args.endpoint;
  options.worker_id = args.worker_id;
  options.python = args.python;
  options.node = args.node;
  options.java = args.java;
  return runtime::RunPipesUntilSignal(args.pipes, std::move(options), args.metrics_host,
                                      args.metrics_port);
}

int RunWorker(const WorkerArgs& args) {
  if (!args.pipes.empty()) return RunPipesWorker(args);
  if (args.properties.empty()) {
    fmt::print(stderr, "eddy worker: give --properties FILE (KCL multilang) or --pipes FILE\n");
    return 2;
  }
  auto loaded = consumer::multilang::LoadMultiLangProperties(args.properties);
  if (!loaded.ok()) {
    // The message names the file already (LoadMultiLangProperties adds it).
    fmt::print(stderr, "eddy worker: {}\n", loaded.status().message());
    return 2;
  }
  for (const auto& warning : loaded->warnings) {
    fmt::print(stderr, "eddy worker: {}: {} is ignored: {}\n", args.properties, warning.key,
               warning.reason);
  }
  runtime::WorkerRunOptions options;
  options.config = std::move(loaded->config);
  if (!args.endpoint.empty()) {
    options.config.worker.kinesis.endpoint = args.endpoint;
    options.config.worker.dynamodb.endpoint = args.endpoint;
  }
  if (!args.worker_id.empty()) options.config.worker.worker_id = args.worker_id;
  options.metrics_host = args.metrics_host;
  options.metrics_port = args.metrics_port;
  return runtime::RunMultiLangWorkerUntilSignal(options);
}

}  // namespace

void AddWorkerCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<WorkerArgs>();
  auto* worker = app.add_subcommand(
      "worker",
      "Run KCL multilang record processors (amazon_kclpy, aws-kcl, ...) on a Kinesis or "
      "DynamoDB stream (--properties), or the pipes of a pipes file (--pipes), sharing the "
      "shards with other workers through lease tables, until SIGINT/SIGTERM");
  auto* properties =
      worker->add_option("--properties", args->properties,
                         "The KCL multilang .properties file (executableName, streamName, "
                         "applicationName, ...; see docs/consumers.md)")
          ->check(CLI::ExistingFile);
  auto* pipes = worker->add_option("--pipes", args->pipes,
                                   "A pipes file: functions and pipes that deliver stream records "
                                   "with Lambda's event-source-mapping semantics (docs/pipes.md)")
                    ->check(CLI::ExistingFile);
  properties->excludes(pipes);
  worker->add_option("--python", args->python,
                     "With --pipes: the python that runs python3.x functions (it needs "
                     "awslambdaric installed)")
      ->capture_default_str();
  worker->add_option("--node", args->node,
                     "With --pipes: the node that runs nodejs functions")
      ->capture_default_str();
  worker->add_option("--java", args->java, "With --pipes: the java that runs java functions")
      ->capture_default_str();
  pipes->excludes(properties);
  worker->add_option("--endpoint", args->endpoint,
                     "Endpoint of both the stream's and the lease table's service (overrides "
                     "kinesisEndpoint and dynamoDBEndpoint; default: as the aws CLI resolves "
                     "them, AWS_ENDPOINT_URL included)");
  worker->add_option("--worker-id", args->worker_id,
                     "This worker's id in the lease table (default: workerId from the file, "
                     "else host-pid-random); unique among running workers");
  worker->add_option("--metrics-port", args->metrics_port,
                     "Serve Prometheus metrics at http://HOST:PORT/metrics (0: any free port)")
      ->check(CLI::Range(0, 65535));
  worker->add_option("--metrics-host", args->metrics_host, "Address of the metrics endpoint")
      ->capture_default_str();
  worker->callback([args, exit_code] { *exit_code = RunWorker(*args); });
}

}  // namespace eddy::cli
