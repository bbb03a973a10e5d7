#include "eddy/runtime/pipes_runtime.h"

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include "eddy/client/json_body.h"
#include "eddy/runtime/metrics_server.h"

namespace eddy::runtime {

PipesHost::PipesHost(PipesFile file, PipesHostOptions options)
    : file_(std::move(file)), options_(std::move(options)) {}

PipesHost::~PipesHost() { Stop(); }

Result<std::unique_ptr<PipesHost>> PipesHost::Create(PipesFile file, PipesHostOptions options) {
  std::unique_ptr<PipesHost> host(new PipesHost(std::move(file), std::move(options)));
  function::FunctionHostOptions f;
  f.region = host->options_.aws.region.empty() ? "us-east-1" : host->options_.aws.region;
  f.endpoint_url = host->options_.function_endpoint_url.empty()
                       ? host->options_.aws.endpoint
                       : host->options_.function_endpoint_url;
  if (host->options_.aws.credentials) {
    f.access_key_id = host->options_.aws.credentials->access_key_id;
    f.secret_access_key = host->options_.aws.credentials->secret_access_key;
    f.session_token = host->options_.aws.credentials->session_token;
  }
  f.python = host->options_.python;
  f.node = host->options_.node;
  f.java = host->options_.java;
  host->functions_ = std::make_unique<function::FunctionHost>(f);
  for (const auto& config : host->file_.functions) {
    if (Status s = host->functions_->Define(config); !s.ok()) {
      return s.WithContext("function " + config.name);
    }
  }
  return host;
}

std::vector<Status> PipesHost::Start() {
  std::vector<Status> errors;
  pipe::PipeEnvironment env;
  env.aws = options_.aws;
  env.functions = functions_.get();
  env.metrics = options_.metrics;
  env.worker_id = options_.worker_id;
  env.pacing = options_.pacing;
  env.failover_time_ms = options_.failover_time_ms;
  for (const auto& config : file_.pipes) {
    if (!config.enabled) {
      spdlog::info("pipe {} is disabled (Enabled: false)", config.name);
      not_started_.emplace_back(config.name, "Enabled is false");
      continue;
    }
    auto runner = pipe::PipeRunner::Create(config, env);
    if (!runner.ok()) {
      spdlog::error("{}", runner.status().message());
      not_started_.emplace_back(config.name, runner.status().message());
      errors.push_back(runner.status());
      continue;
    }
    (*runner)->Start();
    spdlog::info("pipe {}: {} -> {}", config.name, config.event_source_arn,
                 config.target_type == pipe::TargetType::kFunction ? "function " + config.function_name
                 : config.target_type == pipe::TargetType::kHttp   ? config.target_url
                                                                   : config.target_command[0]);
    runners_.push_back(std::move(*runner));
  }
  return errors;
}

void PipesHost::Stop() {
  for (auto& runner : runners_) runner->Stop();
  runners_.clear();
  functions_.reset();
}

const pipe::PipeRunner* PipesHost::Pipe(const std::string& name) const {
  for (const auto& r : runners_) {
    if (r->config().name == name) return r.get();
  }
  return nullptr;
}

std::string PipesHost::StatusJson() const {
  client::JsonBody j;
  j.Open().Key("Pipes").OpenArray();
  for (const auto& r : runners_) j.Raw(r->StatusJson());
  j.CloseArray().Key("NotStarted").OpenArray();
  for (const auto& [name, reason] : not_started_) {
    j.Open().Key("Name").String(name).Key("Reason").String(reason).Close();
  }
  j.CloseArray().Close();
  return j.Take();
}

int RunPipesUntilSignal(const std::string& pipes_file, PipesHostOptions options,
                        const std::string& metrics_host, int metrics_port) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto file = LoadPipesFile(pipes_file);
  if (!file.ok()) {
    spdlog::error("eddy worker: {}", file.status().message());
    return 2;
  }
  metrics::MetricsRegistry registry;
  options.metrics = &registry;
  std::unique_ptr<http::HttpServer> metrics_server;
  if (metrics_port >= 0) {
    auto started = StartMetricsServer(metrics_host, metrics_port, registry);
    if (!started.ok()) {
      spdlog::error("eddy worker: metrics endpoint: {}", started.status().ToString());
      return 1;
    }
    metrics_server = std::move(*started);
    spdlog::info("metrics on http://{}:{}/metrics", metrics_host, metrics_server->port());
  }
  auto host = PipesHost::Create(std::move(*file), std::move(options));
  if (!host.ok()) {
    spdlog::error("eddy worker: {}", host.status().message());
    return 2;
  }
  const std::vector<Status> errors = (*host)->Start();
  if ((*host)->running() == 0 && !errors.empty()) {
    spdlog::error("eddy worker: no pipe could start");
    return 1;
  }
  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("received {}, shutting down: finishing batches in flight, releasing leases",
               signal == SIGINT ? "SIGINT" : "SIGTERM");
  (*host)->Stop();
  if (metrics_server) metrics_server->Stop();
  return 0;
}

}  // namespace eddy::runtime
