#include "eddy/cli/worker_command.h"

#include <fmt/format.h>

#include <memory>

#include "eddy/runtime/worker_runtime.h"

namespace eddy::cli {

namespace {

struct WorkerArgs {
  std::string properties;
  std::string endpoint;
  std::string worker_id;
  std::string metrics_host = "127.0.0.1";
  int metrics_port = -1;
};

int RunWorker(const WorkerArgs& args) {
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
      "DynamoDB stream, sharing its shards with other workers through a KCL lease table, until "
      "SIGINT/SIGTERM");
  worker->add_option("--properties", args->properties,
                     "The KCL multilang .properties file (executableName, streamName, "
                     "applicationName, ...; see docs/consumers.md)")
      ->required()
      ->check(CLI::ExistingFile);
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
