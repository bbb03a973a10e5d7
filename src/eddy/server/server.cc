#include "eddy/server/server.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include "eddy/api/aws/aws_router.h"
#include "eddy/api/dynamodb/dynamodb_api.h"
#include "eddy/api/dynamodb/kinesis_forwarder.h"
#include "eddy/api/dynamodb_streams/streams_api.h"
#include "eddy/api/kinesis/kinesis_api.h"
#include "eddy/base/clock.h"
#include "eddy/base/metrics.h"
#include "eddy/http/http_server.h"
#include "eddy/stream/stream_service.h"
#include "eddy/table/table_store.h"
#include "eddy/table/table_sweeper.h"

namespace eddy::server {

class Server::Parts {
 public:
  // First, so destroyed last: answers sent during shutdown still count into it.
  std::unique_ptr<metrics::MetricsRegistry> metrics;
  std::unique_ptr<stream::StreamService> streams;
  std::unique_ptr<api::kinesis::KinesisApi> kinesis;
  std::unique_ptr<table::TableStore> tables;
  std::unique_ptr<table::TableSweeper> ttl;
  std::unique_ptr<api::dynamodb::KinesisForwarder> forwarder;
  std::unique_ptr<api::dynamodb::DynamoDbApi> dynamodb;
  std::unique_ptr<api::dynamodb_streams::DynamoDbStreamsApi> dynamodb_streams;
  std::unique_ptr<api::AwsRouter> router;
  std::unique_ptr<http::HttpServer> http;
};

namespace {

// Prometheus scrapes GET /metrics (a query string, which some scrapers add, is ignored). Every
// other request goes to the AWS router, which answers a GET elsewhere as it always has.
bool IsMetricsScrape(const http::HttpRequest& request) {
  if (request.method != "GET") return false;
  const std::string_view target = request.target;
  return target.substr(0, target.find('?')) == "/metrics";
}

http::HttpResponse MetricsResponse(const metrics::MetricsRegistry& registry) {
  http::HttpResponse response;
  response.headers = {{"Content-Type", std::string(metrics::kTextContentType)}};
  response.body = registry.RenderText();
  return response;
}

// The server's own metrics (docs/metrics.md); the router adds eddy_api_requests_total.
void RegisterServerMetrics(metrics::MetricsRegistry& registry, const stream::StreamService* streams,
                           int shard_limit) {
  registry
      .AddGauge("eddy_server_start_time_seconds",
                "When this server started, in seconds since the Unix epoch.")
      .WithLabels({})
      .Set(static_cast<double>(SystemClock()->NowMillis()) / 1000.0);
  // Read at each scrape. The HTTP server stops before the streams are closed, so no scrape
  // runs after they are gone.
  registry.AddGauge("eddy_kinesis_open_shards", "Open Kinesis shards, all streams together.")
      .SetCallback({}, [streams] { return static_cast<double>(streams->OpenShardCount()); });
  registry
      .AddGauge("eddy_kinesis_shard_limit",
                "Open Kinesis shards allowed at once (eddy serve --shard-limit).")
      .WithLabels({})
      .Set(shard_limit);
}

// Every shard keeps a few files open; lift the soft descriptor limit to the hard one.
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

Server::Server(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Server::~Server() { Stop(); }

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options) {
  RaiseFileLimit();
  auto parts = std::make_unique<Parts>();
  parts->metrics = std::make_unique<metrics::MetricsRegistry>();
  stream::StreamServiceOptions stream_options;
  stream_options.data_dir = options.data_dir;
  stream_options.durability = options.durability;
  stream_options.shard_limit = options.shard_limit;
  stream_options.throttle = options.throttle;
  EDDY_ASSIGN_OR_RETURN(parts->streams, stream::StreamService::Open(stream_options, SystemClock()));
  parts->kinesis = std::make_unique<api::kinesis::KinesisApi>(parts->streams.get(), SystemClock());
  table::TableStoreOptions table_options;
  table_options.dir = options.data_dir + "/tables";
  table_options.sync = options.durability == log::Durability::kSync;
  EDDY_ASSIGN_OR_RETURN(parts->tables, table::TableStore::Open(table_options, SystemClock()));
  parts->forwarder = std::make_unique<api::dynamodb::KinesisForwarder>(
      parts->tables.get(), parts->streams.get(), SystemClock());
  parts->forwarder->Start();
  api::dynamodb::DynamoDbApiOptions dynamodb_options;
  dynamodb_options.kinesis_streams = parts->streams.get();
  dynamodb_options.kinesis_forwarder = parts->forwarder.get();
  parts->dynamodb = std::make_unique<api::dynamodb::DynamoDbApi>(parts->tables.get(), SystemClock(),
                                                                 dynamodb_options);
  parts->dynamodb_streams = std::make_unique<api::dynamodb_streams::DynamoDbStreamsApi>(
      parts->tables.get(), SystemClock());
  table::TableSweeperOptions ttl_options;
  ttl_options.interval_ms = options.ttl_interval_ms;
  ttl_options.stream_shard_interval_ms = options.stream_shard_interval_ms;
  ttl_options.change_retention_hours = options.stream_retention_hours;
  parts->ttl =
      std::make_unique<table::TableSweeper>(parts->tables.get(), SystemClock(), ttl_options);
  parts->ttl->Start();
  RegisterServerMetrics(*parts->metrics, parts->streams.get(), options.shard_limit);
  parts->router = std::make_unique<api::AwsRouter>(SystemClock(), parts->metrics.get());
  parts->router->Register(parts->kinesis.get());
  parts->router->Register(parts->dynamodb.get());
  parts->router->Register(parts->dynamodb_streams.get());
  http::HttpServerOptions http_options;
  http_options.host = options.host;
  http_options.port = options.port;
  http_options.threads = options.http_threads;
  api::AwsRouter* router = parts->router.get();
  const metrics::MetricsRegistry* registry = parts->metrics.get();
  EDDY_ASSIGN_OR_RETURN(
      parts->http,
      http::HttpServer::Start(
          http_options,
          [router, registry](http::HttpRequest&& request, http::Responder respond) {
            if (IsMetricsScrape(request)) {
              respond(MetricsResponse(*registry));  // short: a few locks, no I/O
              return;
            }
            router->Handle(std::move(request), std::move(respond));
          },
          &api::AwsRouter::ErrorResponse));
  return std::unique_ptr<Server>(new Server(std::move(parts)));
}

uint16_t Server::port() const { return parts_->http->port(); }

void Server::Stop() {
  if (!parts_) return;
  if (parts_->http) parts_->http->Stop();
  // Before the streams: it may be waiting on an append.
  if (parts_->forwarder) parts_->forwarder->Stop();
  if (parts_->streams) parts_->streams->Stop();
  parts_->router.reset();
  parts_->kinesis.reset();
  parts_->dynamodb.reset();  // joins its workers (they finish what they started)
  parts_->dynamodb_streams.reset();
  parts_->forwarder.reset();
  parts_->ttl.reset();
  parts_->tables.reset();  // its committer answers the writes it still holds
  parts_->streams.reset();
  // Last: until now a worker, the table committer or a shard log could still hold a request's
  // responder, and a connection must not outlive the I/O contexts it belongs to. (Stop() above
  // already ended the I/O threads: nothing calls the router any more.)
  parts_->http.reset();
  parts_.reset();  // and with it the metrics registry, now that nothing counts into it
}

int RunUntilSignal(const ServerOptions& options) {
  // Block the signals before any thread starts, so only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = Server::Start(options);
  if (!server.ok()) {
    spdlog::error("eddy serve: {}", server.status().ToString());
    return 1;
  }
  spdlog::info("eddy listening on http://{}:{} (data in {}, durability {})", options.host,
               (*server)->port(), options.data_dir, log::DurabilityName(options.durability));
  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("received {}, shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->Stop();
  spdlog::info("stopped cleanly");
  return 0;
}

}  // namespace eddy::server
