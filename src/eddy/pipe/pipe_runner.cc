#include "eddy/pipe/pipe_runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "eddy/client/dynamodb_client.h"
#include "eddy/client/dynamodb_streams_client.h"
#include "eddy/client/json_body.h"
#include "eddy/client/kinesis_client.h"
#include "eddy/consumer/dynamodb_lease_table.h"
#include "eddy/consumer/sources.h"
#include "eddy/consumer/worker.h"
#include "eddy/pipe/pipe_processor.h"
#include "eddy/pipe/function_target.h"
#include "eddy/pipe/targets.h"

namespace eddy::pipe {
namespace {

// Lambda hands Kinesis records to functions as stored: a KPL aggregate stays one record (its
// handler de-aggregates, e.g. with AWS's kinesis-aggregation library). So the pipe reads its
// source without the consumer's de-aggregation.
class StoredRecordsSource final : public consumer::Source {
 public:
  explicit StoredRecordsSource(consumer::Source& inner) : inner_(inner) {}
  const std::string& name() const override { return inner_.name(); }
  Result<std::vector<consumer::SourceShard>> ListShards() override { return inner_.ListShards(); }
  Result<std::string> GetIterator(const std::string& shard_id,
                                  const consumer::StartPosition& start) override {
    return inner_.GetIterator(shard_id, start);
  }
  Result<consumer::ReadResult> Read(const std::string& iterator, int limit) override {
    return inner_.Read(iterator, limit);
  }
  bool may_aggregate() const override { return false; }

 private:
  consumer::Source& inner_;
};

bool IsAwsEndpoint(const client::ClientConfig& aws) {
  return aws.endpoint.empty() || aws.endpoint.find("amazonaws.com") != std::string::npos;
}

}  // namespace

int64_t PollingIntervalMs(const PipeConfig& config, const client::ClientConfig& aws) {
  if (config.polling_interval_ms) return *config.polling_interval_ms;
  if (!IsAwsEndpoint(aws)) return 5;
  return config.source_type == SourceType::kKinesis ? 1000 : 250;
}

class PipeRunner::Parts {
 public:
  std::unique_ptr<client::KinesisClient> kinesis;
  std::unique_ptr<client::DynamoDbClient> dynamodb;
  std::unique_ptr<client::DynamoDbStreamsClient> streams;
  std::unique_ptr<consumer::Source> source;
  std::unique_ptr<StoredRecordsSource> stored;
  std::unique_ptr<consumer::DynamoDbLeaseTable> lease_table;
  std::unique_ptr<Target> target;
  std::unique_ptr<FailureSink> sink;
  PipeShared shared;
  std::unique_ptr<PipeProcessorFactory> factory;
  std::unique_ptr<consumer::Worker> worker;
};

PipeRunner::PipeRunner(PipeConfig config, const PipeEnvironment& env)
    : config_(std::move(config)), env_(env), parts_(std::make_unique<Parts>()) {}

PipeRunner::~PipeRunner() { Stop(); }

Result<std::unique_ptr<PipeRunner>> PipeRunner::Create(PipeConfig config,
                                                       const PipeEnvironment& env) {
  if (Status s = ValidatePipeConfig(&config); !s.ok()) return s;
  std::unique_ptr<PipeRunner> runner(new PipeRunner(std::move(config), env));
  const PipeConfig& c = runner->config_;
  Parts& p = *runner->parts_;
  client::ClientConfig aws = env.aws;
  if (!c.source_region.empty() && aws.region.empty()) aws.region = c.source_region;
  if (!aws.endpoint.empty() && !aws.credentials) {
    // eddy accepts any credentials unless keys are configured.
    aws.fallback_credentials = auth::Credentials{"eddy", "eddy", ""};
  }
  auto dynamodb = client::DynamoDbClient::Create(aws);
  if (!dynamodb.ok()) return dynamodb.status();
  p.dynamodb = std::move(*dynamodb);
  auto kinesis = client::KinesisClient::Create(aws);
  if (!kinesis.ok()) return kinesis.status();
  p.kinesis = std::move(*kinesis);
  if (c.source_type == SourceType::kKinesis) {
    p.source = std::make_unique<consumer::KinesisSource>(*p.kinesis, c.event_source_arn);
  } else {
    auto streams = client::DynamoDbStreamsClient::Create(aws);
    if (!streams.ok()) return streams.status();
    p.streams = std::move(*streams);
    p.source = std::make_unique<consumer::DynamoDbStreamSource>(*p.streams, c.event_source_arn,
                                                                *SystemClock());
  }
  p.stored = std::make_unique<StoredRecordsSource>(*p.source);
  p.lease_table = std::make_unique<consumer::DynamoDbLeaseTable>(*p.dynamodb, c.lease_table);

  const std::string account = c.source_account.empty() ? "000000000000" : c.source_account;
  const std::string region = aws.region.empty() ? "us-east-1" : aws.region;
  switch (c.target_type) {
    case TargetType::kFunction:
      if (env.functions == nullptr || !env.functions->Get(c.function_name)) {
        return Status::NotFound(fmt::format(
            "pipe {}: the target function {} is not defined", c.name, c.function_name));
      }
      p.target = MakeFunctionTarget(
          *env.functions, c.function_name,
          fmt::format("arn:aws:lambda:{}:{}:function:{}", region, account, c.function_name));
      break;
    case TargetType::kHttp: {
      auto target = MakeHttpTarget(c.target_url, c.target_timeout_seconds * 1000);
      if (!target.ok()) return target.status();
      p.target = std::move(*target);
      break;
    }
    case TargetType::kCommand:
      p.target = MakeCommandTarget(c.target_command, c.target_timeout_seconds * 1000);
      break;
  }
  // Unreachable now is not fatal: the pipe starts anyway, says so, and retries (a worker
  // restarted during an outage of its target must not stop consuming when the target returns).
  if (Status s = p.target->CheckReachable(); !s.ok()) {
    spdlog::warn("pipe {}: {}; starting anyway, deliveries are retried", c.name, s.message());
    runner->status_.SetFailed(s.message());
  }
  switch (c.on_failure.type) {
    case FailureDestination::Type::kNone: break;
    case FailureDestination::Type::kFile: {
      auto sink = MakeFileFailureSink(c.on_failure.name);
      if (!sink.ok()) {
        return sink.status().WithContext("pipe " + c.name);
      }
      p.sink = std::move(*sink);
      break;
    }
    case FailureDestination::Type::kKinesis:
      p.sink = MakeKinesisFailureSink(*p.kinesis, c.on_failure.name);
      break;
  }
  if (p.sink) {
    if (Status s = p.sink->CheckReachable(); !s.ok()) {
      spdlog::warn("pipe {}: {}; starting anyway, failed batches wait for it", c.name,
                   s.message());
      runner->status_.SetFailed(s.message());
    }
  }

  auto filter = EventFilter::Compile(c.filter_patterns);
  if (!filter.ok()) return filter.status();
  p.shared.config = &runner->config_;
  p.shared.filter = std::move(*filter);
  p.shared.target = p.target.get();
  p.shared.sink = p.sink.get();
  p.shared.status = &runner->status_;
  p.shared.clock = SystemClock();
  p.shared.pacing = env.pacing;
  p.shared.stopping = &runner->stopping_;
  p.shared.invoke_identity_arn = fmt::format("arn:aws:iam::{}:role/eddy-pipe-{}", account, c.name);
  p.factory = std::make_unique<PipeProcessorFactory>(p.shared);

  consumer::WorkerOptions options;
  options.application_name = c.lease_table;
  options.lease_table_name = c.lease_table;
  options.worker_id = env.worker_id.empty() ? consumer::NewWorkerId() : env.worker_id;
  options.source_kind = c.source_type == SourceType::kKinesis
                            ? consumer::SourceKind::kKinesis
                            : consumer::SourceKind::kDynamoDbStream;
  options.stream = c.event_source_arn;
  switch (c.starting_position) {
    case StartingPosition::kTrimHorizon:
      options.initial_position = consumer::InitialPosition::kTrimHorizon;
      break;
    case StartingPosition::kLatest:
      options.initial_position = consumer::InitialPosition::kLatest;
      break;
    case StartingPosition::kAtTimestamp:
      options.initial_position = consumer::InitialPosition::kAtTimestamp;
      options.initial_timestamp_ms = c.starting_position_timestamp_ms;
      break;
  }
  const int read_limit = c.source_type == SourceType::kKinesis ? 10000 : 1000;
  options.max_records = std::min(read_limit, c.batch_size * c.parallelization_factor);
  options.idle_time_between_reads_ms = PollingIntervalMs(c, aws);
  // The batching window is measured between reads, so empty reads must reach the processor.
  options.call_process_records_even_for_empty_list = c.maximum_batching_window_in_seconds > 0;
  options.failover_time_ms = env.failover_time_ms;
  options.lease_taker_interval_ms = env.lease_taker_interval_ms;
  options.shutdown_grace_ms = env.shutdown_grace_ms;
  options.kinesis = aws;
  options.dynamodb = aws;
  p.worker = std::make_unique<consumer::Worker>(options, *p.stored, *p.lease_table, *p.factory,
                                                *SystemClock(), env.metrics);
  if (env.metrics != nullptr) {
    runner->status_.SetNewShardHook(
        [r = runner.get()](const std::string& shard, const std::shared_ptr<ShardStatus>& s) {
          r->RegisterShardMetrics(shard, s);
        });
  }
  return runner;
}

void PipeRunner::RegisterShardMetrics(const std::string& shard,
                                      const std::shared_ptr<ShardStatus>& s) {
  metrics::MetricsRegistry& m = *env_.metrics;
  const metrics::LabelValues labels{config_.name, shard};
  const std::vector<std::string> names{"pipe", "shard"};
  auto counter = [&](std::string_view name, std::string_view help,
                     std::atomic<uint64_t> ShardStatus::*member) {
    m.AddCounter(name, help, names).SetCallback(labels, [s, member] {
      return static_cast<double>(((*s).*member).load(std::memory_order_relaxed));
    });
  };
  auto gauge = [&](std::string_view name, std::string_view help,
                   std::atomic<int64_t> ShardStatus::*member) {
    m.AddGauge(name, help, names).SetCallback(labels, [s, member] {
      return static_cast<double>(((*s).*member).load(std::memory_order_relaxed));
    });
  };
  counter("eddy_pipe_records_delivered_total", "Records the pipe's target took.",
          &ShardStatus::delivered);
  counter("eddy_pipe_records_failed_total",
          "Records given up on: sent to the on-failure destination, or dropped without one.",
          &ShardStatus::failed);
  counter("eddy_pipe_records_filtered_total", "Records the pipe's FilterCriteria left out.",
          &ShardStatus::filtered);
  counter("eddy_pipe_invocations_total", "Deliveries of a batch to the target.",
          &ShardStatus::invocations);
  counter("eddy_pipe_function_errors_total",
          "Deliveries that failed (function error, bad response, error status or exit code).",
          &ShardStatus::function_errors);
  counter("eddy_pipe_target_unavailable_total",
          "Deliveries the target could not take (throttled, unreachable, cannot start).",
          &ShardStatus::unavailable);
  counter("eddy_pipe_suspicious_responses_total",
          "Responses counted as success that do not read as a batch response (a typo in "
          "batchItemFailures?).",
          &ShardStatus::suspicious_responses);
  gauge("eddy_pipe_in_flight_records", "Records of the batches being delivered now.",
        &ShardStatus::in_flight_records);
  gauge("eddy_pipe_retry_attempts",
        "Retry attempts used by the shard's batch in flight: above 0, the shard is blocked on "
        "a failing batch.",
        &ShardStatus::retry_attempts);
  gauge("eddy_pipe_millis_behind_latest", "MillisBehindLatest of the shard's last read.",
        &ShardStatus::millis_behind_latest);
  gauge("eddy_pipe_iterator_age_milliseconds",
        "Age of the last record delivered when it was delivered (Lambda's IteratorAge).",
        &ShardStatus::iterator_age_ms);
}

void PipeRunner::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    Status status = parts_->worker->Run();
    if (!status.ok()) {
      spdlog::error("pipe {} stopped: {}", config_.name, status.ToString());
      std::lock_guard lock(mu_);
      fatal_error_ = status.ToString();
    }
  });
}

void PipeRunner::Stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true);
  parts_->worker->Shutdown();
  thread_.join();
}

std::string PipeRunner::fatal_error() const {
  std::lock_guard lock(mu_);
  return fatal_error_;
}

std::string PipeRunner::StatusJson() const {
  client::JsonBody j;
  j.Open();
  j.Key("Name").String(config_.name);
  const std::string fatal = fatal_error();
  const std::string failed = status_.failed_reason();
  std::string state = "Enabled";
  std::string reason = "User action";
  if (!fatal.empty()) {
    state = "Stopped";
    reason = fatal;
  } else if (!failed.empty()) {
    state = "Failed";
    reason = failed;
  }
  j.Key("State").String(state);
  j.Key("StateTransitionReason").String(reason);
  j.Key("EventSourceArn").String(config_.event_source_arn);
  j.Key("Target").String(parts_->target->Describe());
  j.Key("Shards").OpenArray();
  for (const auto& [shard, s] : status_.Shards()) {
    j.Open();
    j.Key("ShardId").String(shard);
    j.Key("Position").String(s->position());
    j.Key("MillisBehindLatest").Int(s->millis_behind_latest.load());
    j.Key("InFlightRecords").Int(s->in_flight_records.load());
    j.Key("RetryAttempts").Int(s->retry_attempts.load());
    j.Key("LastError").String(s->last_error());
    j.Key("Delivered").Int(static_cast<int64_t>(s->delivered.load()));
    j.Key("Failed").Int(static_cast<int64_t>(s->failed.load()));
    j.Key("Filtered").Int(static_cast<int64_t>(s->filtered.load()));
    j.Key("Invocations").Int(static_cast<int64_t>(s->invocations.load()));
    j.Key("FunctionErrors").Int(static_cast<int64_t>(s->function_errors.load()));
    j.Key("Unavailable").Int(static_cast<int64_t>(s->unavailable.load()));
    j.Key("SuspiciousResponses").Int(static_cast<int64_t>(s->suspicious_responses.load()));
    j.Close();
  }
  j.CloseArray();
  j.Close();
  return j.Take();
}

}  // namespace eddy::pipe
