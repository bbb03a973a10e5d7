#include "eddy/runtime/worker_runtime.h"

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <thread>

#include "eddy/base/metrics.h"
#include "eddy/client/dynamodb_client.h"
#include "eddy/client/dynamodb_streams_client.h"
#include "eddy/client/kinesis_client.h"
#include "eddy/consumer/dynamodb_lease_table.h"
#include "eddy/consumer/multilang/multilang_processor.h"
#include "eddy/consumer/sources.h"
#include "eddy/consumer/worker.h"
#include "eddy/http/http_server.h"
#include "eddy/runtime/metrics_server.h"

namespace eddy::runtime {

namespace {

// The clients and the source of one worker, built from its options.
struct Parts {
  std::unique_ptr<client::KinesisClient> kinesis;
  std::unique_ptr<client::DynamoDbClient> dynamodb;
  std::unique_ptr<client::DynamoDbStreamsClient> streams;
  std::unique_ptr<consumer::Source> source;
  std::unique_ptr<consumer::DynamoDbLeaseTable> lease_table;
};

// eddy accepts any credentials unless keys are configured: a worker pointed at an endpoint of
// its own (eddy, another emulator) needs none set up. Against AWS's endpoints (none given)
// credentials must resolve as the aws CLI resolves them.
void AllowMissingCredentials(client::ClientConfig& config) {
  if (!config.endpoint.empty() && !config.credentials) {
    config.fallback_credentials = auth::Credentials{"eddy", "eddy", ""};
  }
}

Result<Parts> Build(consumer::WorkerOptions& options) {
  AllowMissingCredentials(options.kinesis);
  AllowMissingCredentials(options.dynamodb);
  Parts parts;
  auto dynamodb = client::DynamoDbClient::Create(options.dynamodb);
  if (!dynamodb.ok()) return dynamodb.status();
  parts.dynamodb = std::move(*dynamodb);
  if (options.source_kind == consumer::SourceKind::kKinesis) {
    auto kinesis = client::KinesisClient::Create(options.kinesis);
    if (!kinesis.ok()) return kinesis.status();
    parts.kinesis = std::move(*kinesis);
    parts.source = std::make_unique<consumer::KinesisSource>(*parts.kinesis, options.stream);
  } else {
    auto streams = client::DynamoDbStreamsClient::Create(options.kinesis);
    if (!streams.ok()) return streams.status();
    parts.streams = std::move(*streams);
    std::string arn = options.stream;
    if (!arn.starts_with("arn:")) {
      // A table name: its latest stream.
      auto latest = client::ResolveLatestStreamArn(*parts.dynamodb, arn);
      if (!latest.ok()) {
        return Status::NotFound("table " + arn + ": " + latest.error().ToString());
      }
      arn = *latest;
    }
    parts.source =
        std::make_unique<consumer::DynamoDbStreamSource>(*parts.streams, arn, *SystemClock());
  }
  const std::string table =
      options.lease_table_name.empty() ? options.application_name : options.lease_table_name;
  parts.lease_table = std::make_unique<consumer::DynamoDbLeaseTable>(*parts.dynamodb, table);
  return parts;
}

}  // namespace

int RunMultiLangWorkerUntilSignal(const WorkerRunOptions& options) {
  // Block the signals before any thread starts, so only the signal thread receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  consumer::WorkerOptions worker_options = options.config.worker;
  if (worker_options.worker_id.empty()) worker_options.worker_id = consumer::NewWorkerId();
  auto parts = Build(worker_options);
  if (!parts.ok()) {
    spdlog::error("eddy worker: {}", parts.status().ToString());
    return 1;
  }
  metrics::MetricsRegistry registry;
  std::unique_ptr<http::HttpServer> metrics_server;
  if (options.metrics_port >= 0) {
    auto started = StartMetricsServer(options.metrics_host, options.metrics_port, registry);
    if (!started.ok()) {
      spdlog::error("eddy worker: metrics endpoint: {}", started.status().ToString());
      return 1;
    }
    metrics_server = std::move(*started);
    spdlog::info("metrics on http://{}:{}/metrics", options.metrics_host, metrics_server->port());
  }

  consumer::multilang::MultiLangProcessorFactory factory(
      consumer::multilang::ProcessorOptionsFor(options.config));
  consumer::Worker worker(worker_options, *parts->source, *parts->lease_table, factory,
                          *SystemClock(), &registry);

  std::atomic<bool> done{false};
  std::thread signal_thread([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    if (done.load()) return;  // woken by Run's end, not by a person
    spdlog::info("received {}, shutting down: finishing batches in flight, releasing leases",
                 signal == SIGINT ? "SIGINT" : "SIGTERM");
    worker.Shutdown();
  });
  Status status = worker.Run();
  done.store(true);
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  if (metrics_server) metrics_server->Stop();
  if (!status.ok()) {
    spdlog::error("eddy worker: {}", status.ToString());
    return 1;
  }
  return 0;
}

}  // namespace eddy::runtime
