#include "eddy/consumer/worker.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "eddy/base/guarded.h"

namespace eddy::consumer {

std::string NewWorkerId() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  std::random_device random;
  return fmt::format("{}-{}-{:08x}", host[0] ? host : "eddy", getpid(), random());
}

namespace {

LeaseCoordinatorOptions CoordinatorOptions(const WorkerOptions& options) {
  LeaseCoordinatorOptions out;
  out.worker_id = options.worker_id;
  out.failover_time_ms = options.failover_time_ms;
  out.max_leases_for_worker = options.max_leases_for_worker;
  out.max_leases_to_steal_at_one_time = options.max_leases_to_steal_at_one_time;
  return out;
}

WorkerOptions WithDefaults(WorkerOptions options) {
  if (options.worker_id.empty()) options.worker_id = NewWorkerId();
  if (options.lease_table_name.empty()) options.lease_table_name = options.application_name;
  return options;
}

}  // namespace

Worker::Worker(WorkerOptions options, Source& source, LeaseTable& table,
               RecordProcessorFactory& factory, const Clock& clock,
               metrics::MetricsRegistry* metrics)
    : options_(WithDefaults(std::move(options))),
      source_(source),
      table_(table),
      factory_(factory),
      clock_(clock),
      coordinator_(table, clock, CoordinatorOptions(options_)),
      syncer_(source, table, options_.initial_position),
      metrics_(metrics) {
  RegisterMetrics();
}

Worker::~Worker() {
  Shutdown();
  // Run() stops its consumers and gives its leases back before it returns; only consumers
  // still running (Run() never returned) need stopping here. Calling StopConsumers again would
  // scan the lease table a second time for nothing.
  if (!consumers_.empty()) StopConsumers(0);
  UnregisterMetrics();
}

namespace {

constexpr std::string_view kLeasesHeld = "eddy_consumer_leases_held";
constexpr std::string_view kLeaseTakes = "eddy_consumer_lease_takes_total";
constexpr std::string_view kLeaseSteals = "eddy_consumer_lease_steals_total";
constexpr std::string_view kLeaseLosses = "eddy_consumer_lease_losses_total";
constexpr std::string_view kLeaseWrites = "eddy_consumer_lease_table_writes_total";
constexpr std::string_view kRecords = "eddy_consumer_records_processed_total";
constexpr std::string_view kCheckpoints = "eddy_consumer_checkpoints_total";
constexpr std::string_view kRestarts = "eddy_consumer_processor_restarts_total";
constexpr std::string_view kBehind = "eddy_consumer_millis_behind_latest";

}  // namespace

void Worker::RegisterMetrics() {
  if (metrics_ == nullptr) return;
  const metrics::LabelValues app{options_.application_name};
  const std::vector<std::string> app_label{"application"};
  metrics_->AddGauge(kLeasesHeld, "Shard leases this worker holds.", app_label)
      .SetCallback(app, [this] { return static_cast<double>(coordinator_.HeldLeaseKeys().size()); });
  const LeaseCoordinator::Stats& stats = coordinator_.stats();
  auto counter = [&](std::string_view name, std::string_view help,
                     const std::atomic<uint64_t>& value) {
    metrics_->AddCounter(name, help, app_label).SetCallback(app, [&value] {
      return static_cast<double>(value.load(std::memory_order_relaxed));
    });
  };
  counter(kLeaseTakes, "Leases this worker took (unowned, expired or stolen).", stats.takes);
  counter(kLeaseSteals,
          "Leases this worker asked a live, more loaded worker to hand over (steals).",
          stats.steals);
  counter(kLeaseLosses, "Leases this worker lost (taken by another worker, or not renewed).",
          stats.losses);
  counter(kLeaseWrites,
          "Conditional writes this worker sent to the lease table (takes, renewals, "
          "checkpoints, releases).",
          stats.writes);
}

void Worker::RegisterShardMetrics(const std::string& shard,
                                  const std::shared_ptr<ShardCounters>& c) {
  if (metrics_ == nullptr) return;
  const metrics::LabelValues labels{options_.application_name, shard};
  const std::vector<std::string> names{"application", "shard"};
  auto counter = [&](std::string_view name, std::string_view help,
                     std::atomic<uint64_t> ShardCounters::*member) {
    metrics_->AddCounter(name, help, names).SetCallback(labels, [c, member] {
      return static_cast<double>(((*c).*member).load(std::memory_order_relaxed));
    });
  };
  counter(kRecords, "Records handed to the shard's record processor.", &ShardCounters::records);
  counter(kCheckpoints, "Checkpoints the shard's record processor wrote.",
          &ShardCounters::checkpoints);
  counter(kRestarts, "Times the shard's record processor failed and was restarted from the last "
          "checkpoint.", &ShardCounters::restarts);
  metrics_
      ->AddGauge(kBehind,
                 "MillisBehindLatest of the shard's last GetRecords: how far the consumer is "
                 "behind the newest record, in milliseconds.",
                 names)
      .SetCallback(labels, [c] {
        return static_cast<double>(c->millis_behind_latest.load(std::memory_order_relaxed));
      });
}

void Worker::UnregisterMetrics() {
  if (metrics_ == nullptr) return;
  const metrics::LabelValues app{options_.application_name};
  const std::vector<std::string> app_label{"application"};
  metrics_->AddGauge(kLeasesHeld, "", app_label).Remove(app);
  for (auto name : {kLeaseTakes, kLeaseSteals, kLeaseLosses, kLeaseWrites}) {
    metrics_->AddCounter(name, "", app_label).Remove(app);
  }
}

void Worker::Shutdown() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
}

void Worker::Fatal(const Status& status) {
  {
    std::lock_guard lock(mu_);
    if (fatal_.ok()) fatal_ = status;
    stopping_ = true;
  }
  wake_.notify_all();
}

bool Worker::WaitFor(int64_t ms) {
  std::unique_lock lock(mu_);
  return !wake_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_; });
}

bool Worker::WaitForNextScan() {
  // While a lease this worker asked for is being handed over, its owner gives it up as soon as
  // its batch in flight is processed: look for it every 50 ms instead of waiting for the next
  // scan, so the shard is not left unread meanwhile.
  constexpr int64_t kHandoffPollMs = 50;
  int64_t left = options_.lease_taker_interval_ms;
  while (left > kHandoffPollMs && coordinator_.HasPendingHandoffs()) {
    if (!WaitFor(kHandoffPollMs)) return false;
    left -= kHandoffPollMs;
    RunGuarded("handoff poll", [&] {
      const auto taken = coordinator_.PollHandoffs();
      for (const auto& key : taken) spdlog::info("lease {}: handed over", key);
      if (!taken.empty()) StartConsumers();
    });
  }
  return WaitFor(left);
}

std::map<std::string, std::shared_ptr<ShardCounters>> Worker::ShardCountersSnapshot() const {
  std::lock_guard lock(mu_);
  return counters_;
}

void Worker::RenewLoop() {
  const int64_t interval = std::max<int64_t>(1, options_.failover_time_ms / 3 - options_.epsilon_ms);
  // Renewals go on after Shutdown() until the consumers have stopped: a batch in flight at
  // shutdown may take longer than the failover time, and its checkpoint and the release that
  // follow need the lease still held.
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (wake_.wait_for(lock, std::chrono::milliseconds(interval),
                         [this] { return renewer_stopping_; })) {
        return;
      }
    }
    RunGuarded("lease renewer", [&] {
      bool table_missing = false;
      auto lost = coordinator_.RenewLeases(&table_missing);
      for (const auto& key : lost) spdlog::info("lease {}: lost", key);
      if (table_missing) {
        Fatal(Status::NotFound("the lease table " + options_.lease_table_name +
                               " no longer exists; processing stopped (no processing without "
                               "a lease)"));
      }
    });
  }
}

void Worker::StartConsumers() {
  for (const std::string& key : coordinator_.HeldLeaseKeys()) {
    auto held = coordinator_.GetHeld(key);
    if (!held) continue;
    auto existing = consumers_.find(key);
    if (existing != consumers_.end()) {
      if (existing->second->token() == held->token) continue;
      existing->second->RequestShutdown();  // an earlier tenure still winding down
      existing->second->Join();
      consumers_.erase(existing);
    }
    std::shared_ptr<ShardCounters> counters;
    {
      std::lock_guard lock(mu_);
      auto& slot = counters_[key];
      if (!slot) slot = std::make_shared<ShardCounters>();
      counters = slot;
    }
    RegisterShardMetrics(key, counters);
    auto consumer = std::make_unique<ShardConsumer>(
        key, held->token, source_, coordinator_, syncer_, factory_, clock_, options_, counters,
        [this](const Status& status) { Fatal(status); });
    consumer->Start();
    consumers_[key] = std::move(consumer);
  }
}

void Worker::ReapConsumers() {
  for (auto it = consumers_.begin(); it != consumers_.end();) {
    if (it->second->finished()) {
      it->second->Join();
      it = consumers_.erase(it);
    } else {
      ++it;
    }
  }
}

void Worker::StopConsumers(int64_t grace_ms) {
  for (auto& [key, consumer] : consumers_) consumer->RequestShutdown();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  for (auto& [key, consumer] : consumers_) {
    while (!consumer->finished() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  // Whatever is still held (a processor stuck in a callback) is released now: another worker
  // may start while this one waits for the stuck callback to return.
  const int released = coordinator_.ReleaseAll() + coordinator_.ReleaseUnheld();
  if (released > 0) spdlog::info("released {} leases", released);
  for (auto& [key, consumer] : consumers_) consumer->Join();
  consumers_.clear();
}

Status Worker::Run() {
  spdlog::info("worker {} of application {} consuming {} (lease table {})", options_.worker_id,
               options_.application_name, source_.name(), options_.lease_table_name);
  // Create the table and sync once, retrying what may pass (an endpoint not up yet).
  int64_t backoff = options_.task_backoff_time_ms;
  for (;;) {
    Status ready = table_.CreateTableIfNotExists();
    if (ready.ok()) {
      auto synced = syncer_.Sync(/*cleanup=*/false);
      ready = synced.status();
      if (synced.ok() && synced->created > 0) {
        spdlog::info("created {} leases for the shards of {}", synced->created, source_.name());
      }
    }
    if (ready.ok()) break;
    if (ready.code() == Status::Code::kNotFound) {
      return Status::NotFound(source_.name() + ": " + ready.ToString());
    }
    spdlog::warn("worker start: {}; retrying in {} ms", ready.ToString(), backoff);
    if (!WaitFor(backoff)) return Status::Ok();
    backoff = std::min(backoff * 2, options_.max_task_backoff_time_ms);
  }

  std::thread renewer([this] { RenewLoop(); });
  int64_t last_sync_ms = clock_.NowMillis();
  for (;;) {
    RunGuarded("lease taker", [&] {
      auto cycle = coordinator_.TakeLeases();
      if (!cycle.ok()) {
        if (cycle.status().code() == Status::Code::kNotFound) {
          Fatal(Status::NotFound("the lease table " + options_.lease_table_name +
                                 " no longer exists; processing stopped"));
        } else {
          spdlog::warn("lease scan: {}", cycle.status().ToString());
        }
        return;
      }
      for (const auto& damaged : cycle->damaged) {
        if (reported_damaged_.insert(damaged).second) {
          spdlog::error("lease table {}: skipping an item that is not a lease: {}",
                        options_.lease_table_name, damaged);
        }
      }
      for (const auto& key : cycle->taken) spdlog::info("lease {}: taken", key);
      for (const auto& key : cycle->stolen) {
        spdlog::info("lease {}: asked its owner to hand it over (balancing)", key);
      }
      ReapConsumers();
      StartConsumers();
      if (clock_.NowMillis() - last_sync_ms >= options_.shard_sync_interval_ms) {
        last_sync_ms = clock_.NowMillis();
        auto synced = syncer_.Sync(options_.cleanup_leases_upon_shard_completion);
        if (!synced.ok()) {
          if (synced.status().code() == Status::Code::kNotFound) Fatal(synced.status());
          spdlog::warn("shard sync: {}", synced.status().ToString());
        } else if (synced->created + synced->deleted > 0) {
          spdlog::info("shard sync: {} leases created, {} finished leases deleted",
                       synced->created, synced->deleted);
        }
      }
    });
    if (!WaitForNextScan()) break;
  }

  Status fatal;
  {
    std::lock_guard lock(mu_);
    fatal = fatal_;
  }
  StopConsumers(fatal.ok() ? options_.shutdown_grace_ms : 0);
  {
    std::lock_guard lock(mu_);
    renewer_stopping_ = true;
  }
  wake_.notify_all();
  renewer.join();
  if (!fatal.ok()) {
    spdlog::error("worker {} stopped: {}", options_.worker_id, fatal.ToString());
    return fatal;
  }
  spdlog::info("worker {} stopped; its leases were released", options_.worker_id);
  return Status::Ok();
}

}  // namespace eddy::consumer
