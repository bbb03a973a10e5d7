#include "bench/consumer_bench.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "bench/server_process.h"
#include "eddy/client/dynamodb_client.h"
#include "eddy/client/kinesis_client.h"
#include "eddy/client/retry_policy.h"
#include "eddy/consumer/dynamodb_lease_table.h"
#include "eddy/consumer/multilang/multilang_processor.h"
#include "eddy/consumer/sources.h"
#include "eddy/consumer/worker.h"

namespace eddy::bench {

namespace {

using client::KinesisClient;
using std::chrono::milliseconds;

constexpr int kPartitionKeys = 1000;
constexpr int kPutBatch = 500;
constexpr int kPrefillThreads = 4;
// WorkerOptions' default epsilon: renewals every failover/3 - epsilon (Worker::RenewLoop).
const int64_t kEpsilonMs = consumer::WorkerOptions{}.epsilon_ms;

double Ms(SteadyClock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
double Sec(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

bool Wants(const ConsumerBenchOptions& o, std::string_view phase) {
  return std::find(o.phases.begin(), o.phases.end(), phase) != o.phases.end();
}

// ---- this process's peak RSS, per phase

// Resets VmHWM to the current RSS (Linux >= 4.0: "5" to clear_refs); false when refused.
bool ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return out.good();
}

uint64_t PeakRss() { return ReadProcessMemory(::getpid()).peak_rss_bytes; }

}  // namespace
}  // namespace eddy::bench

// tcmalloc's (gperftools) C interface, when the binary links it: memory freed by the previous
// phase goes back to the kernel before the next phase's peak is taken.
extern "C" void MallocExtension_ReleaseFreeMemory() __attribute__((weak));

namespace eddy::bench {
namespace {

// Starts a phase's memory accounting: freed memory back to the kernel (tcmalloc keeps it
// otherwise, and the peak would carry the previous phases), the peak reset; returns the RSS now.
uint64_t BeginPhaseMemory() {
  if (MallocExtension_ReleaseFreeMemory != nullptr) MallocExtension_ReleaseFreeMemory();
  ResetPeakRss();
  return ReadProcessMemory(::getpid()).rss_bytes;
}

// CPU seconds so far: this process, the server (-1: unknown), the children this process reaped.
struct CpuMark {
  double self = 0, server = -1, children = 0;
};

CpuMark MarkCpu(pid_t server_pid) {
  CpuMark mark;
  mark.self = ReadProcessCpuSeconds(::getpid());
  if (server_pid > 0) mark.server = ReadProcessCpuSeconds(server_pid);
  rusage usage{};
  if (::getrusage(RUSAGE_CHILDREN, &usage) == 0) {
    mark.children = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                    static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  }
  return mark;
}

void AddCpu(ConsumeFigures& f, const CpuMark& before, const CpuMark& after) {
  f.cpu_s = after.self - before.self;
  f.server_cpu_s = before.server >= 0 && after.server >= 0 ? after.server - before.server : -1;
  f.children_cpu_s = after.children - before.children;
}

// Polls `done` every `poll` until it holds or `timeout_s` passes; true when it held.
template <typename Pred>
bool WaitUntil(Pred done, double timeout_s, milliseconds poll = milliseconds(5)) {
  const auto deadline = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                                 std::chrono::duration<double>(timeout_s));
  while (!done()) {
    if (SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
  return true;
}

// ---- prefill

struct Prefill {
  std::map<std::string, uint64_t> per_shard;  // records written, by shard id
  uint64_t records = 0;
  uint64_t bytes = 0;
  double seconds = 0;
};

// Writes `options.records` records with PutRecords from kPrefillThreads threads. Sizes are
// uniform in [min, max]; the bytes are letters (never a KPL aggregate's magic), taken from one
// pool at varying offsets so that no payload is built per record.
Result<Prefill> PrefillStream(KinesisClient& kinesis, const std::string& stream,
                              const ConsumerBenchOptions& options) {
  std::string pool(2 * options.record_bytes_max + 1, 'a');
  std::mt19937_64 pool_random(42);
  for (char& c : pool) c = static_cast<char>('a' + pool_random() % 26);
  std::vector<std::string> keys;
  for (int k = 0; k < kPartitionKeys; ++k) keys.push_back(fmt::format("pk-{}", k));

  Prefill prefill;
  std::mutex mu;
  FirstError error;
  std::atomic<uint64_t> budget{options.records};
  const auto start = SteadyClock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kPrefillThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 random(static_cast<uint64_t>(t) + 1);
      const size_t span = options.record_bytes_max - options.record_bytes_min + 1;
      std::vector<client::PutEntry> entries;
      std::map<std::string, uint64_t> per_shard;
      uint64_t bytes = 0;
      int failures_in_a_row = 0;
      while (!error.set()) {
        while (entries.size() < static_cast<size_t>(kPutBatch)) {
          uint64_t left = budget.load();
          while (left > 0 && !budget.compare_exchange_weak(left, left - 1)) {
          }
          if (left == 0) break;
          const size_t size = options.record_bytes_min + random() % span;
          const size_t offset = random() % (options.record_bytes_max + 1);
          entries.push_back({std::string_view(pool).substr(offset, size),
                             keys[random() % keys.size()], {}});
        }
        if (entries.empty()) break;
        auto put = kinesis.PutRecords(stream, entries);
        if (!put.ok()) {
          if (client::IsRetryableError(put.error()) && ++failures_in_a_row < 20) continue;
          error.Set("PutRecords: " + put.error().ToString());
          break;
        }
        failures_in_a_row = 0;
        std::vector<client::PutEntry> again;  // entries answered with an error go again
        for (size_t i = 0; i < entries.size(); ++i) {
          if (put->records[i].ok()) {
            ++per_shard[put->records[i].shard_id];
            bytes += entries[i].data.size();
          } else {
            again.push_back(entries[i]);
          }
        }
        entries = std::move(again);
      }
      std::lock_guard lock(mu);
      for (const auto& [shard, n] : per_shard) prefill.per_shard[shard] += n;
      prefill.bytes += bytes;
    });
  }
  for (auto& t : threads) t.join();
  prefill.seconds = SecondsSince(start);
  if (error.set()) return Status::Unavailable(error.Get());
  for (const auto& [shard, n] : prefill.per_shard) prefill.records += n;
  return prefill;
}

// ---- drain: the ceiling

// Reads the first batch of every shard once, untimed. The server's first read of a shard's
// records after they were written costs about twice a later one (measured: the first batch of
// each shard took 0.27-0.43 s cold, 0.17-0.19 s warm), and every phase after this one reads
// them warm; so is the ceiling.
void WarmUp(KinesisClient& kinesis, const std::string& stream, const Prefill& prefill,
            int max_records) {
  std::vector<std::thread> threads;
  for (const auto& [shard_id, expected] : prefill.per_shard) {
    threads.emplace_back([&, shard = shard_id] {
      auto iterator = kinesis.GetShardIterator(stream, shard, {});
      if (iterator.ok()) (void)kinesis.GetRecords(*iterator, max_records);
    });
  }
  for (auto& t : threads) t.join();
}

ConsumeFigures RunDrain(KinesisClient& kinesis, const std::string& stream, const Prefill& prefill,
                        const ConsumerBenchOptions& options, pid_t server_pid) {
  ConsumeFigures f;
  f.ran = true;
  WarmUp(kinesis, stream, prefill, options.max_records);
  const CpuMark cpu_before = MarkCpu(server_pid);
  std::atomic<uint64_t> read{0}, bytes{0}, calls{0};
  std::atomic<int64_t> first_ns{-1};
  FirstError error;
  const auto start = SteadyClock::now();
  std::vector<double> done_s(prefill.per_shard.size(), 0);
  std::vector<std::thread> threads;
  size_t index = 0;
  for (const auto& [shard_id, expected] : prefill.per_shard) {
    threads.emplace_back([&, shard = shard_id, want = expected, slot = index++] {
      auto iterator = kinesis.GetShardIterator(stream, shard, {});
      if (!iterator.ok()) {
        error.Set("GetShardIterator: " + iterator.error().ToString());
        return;
      }
      std::string it = std::move(*iterator);
      uint64_t mine = 0;
      while (mine < want && !error.set()) {
        if (SecondsSince(start) > options.phase_timeout_s) {
          error.Set(fmt::format("shard {}: {} of {} records read within {} s", shard, mine, want,
                                options.phase_timeout_s));
          return;
        }
        auto got = kinesis.GetRecords(it, options.max_records);
        calls.fetch_add(1, std::memory_order_relaxed);
        if (!got.ok()) {
          error.Set("GetRecords: " + got.error().ToString());
          return;
        }
        if (!got->records.empty()) {
          int64_t none = -1;
          first_ns.compare_exchange_strong(
              none, std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - start)
                        .count());
        }
        uint64_t batch_bytes = 0;
        for (const auto& r : got->records) batch_bytes += r.data.size();
        mine += got->records.size();
        read.fetch_add(got->records.size(), std::memory_order_relaxed);
        bytes.fetch_add(batch_bytes, std::memory_order_relaxed);
        if (got->records.empty()) std::this_thread::sleep_for(milliseconds(1));
        it = std::move(got->next_shard_iterator);
      }
      done_s[slot] = SecondsSince(start);
    });
  }
  for (auto& t : threads) t.join();
  AddCpu(f, cpu_before, MarkCpu(server_pid));
  f.error = error.Get();
  f.records = f.deliveries = read.load();
  f.get_calls = calls.load();
  f.seconds = *std::max_element(done_s.begin(), done_s.end());
  f.first_record_s = static_cast<double>(first_ns.load()) / 1e9;
  if (f.seconds > 0) {
    f.records_per_s = static_cast<double>(f.records) / f.seconds;
    f.mb_per_s = static_cast<double>(bytes.load()) / 1e6 / f.seconds;
  }
  return f;
}

// ---- counting what processors were handed

// Records processed, counted once per (shard, sequence number): a batch delivered again after a
// lease moved (from its last checkpoint) counts only in `deliveries`.
//
// Thread-safety: thread-safe.
class Tally {
 public:
  explicit Tally(uint64_t expected) : expected_(expected) {}

  void Delivered(const std::string& shard, const std::vector<consumer::Record>& records) {
    const auto now = SteadyClock::now();
    std::lock_guard lock(mu_);
    std::string& last = last_[shard];
    // A shard's records arrive in order: everything after the first new one is new.
    size_t first_new = 0;
    while (first_new < records.size() && !last.empty() &&
           consumer::CompareSequenceNumbers(records[first_new].sequence_number, last) <= 0) {
      ++first_new;
    }
    for (size_t i = first_new; i < records.size(); ++i) bytes_ += records[i].data.size();
    if (first_new < records.size()) last = records.back().sequence_number;
    unique_ += records.size() - first_new;
    deliveries_ += records.size();
    if (!records.empty() && !first_) first_ = now;
    if (unique_ >= expected_ && !done_) {
      done_ = now;
      cv_.notify_all();
    }
  }

  // Waits until every expected record was processed; false at `deadline`.
  bool WaitAll(SteadyClock::time_point deadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_until(lock, deadline, [&] { return done_.has_value(); });
  }

  struct Snapshot {
    uint64_t unique = 0, deliveries = 0, bytes = 0;
    std::optional<SteadyClock::time_point> first, done;
  };
  Snapshot Get() {
    std::lock_guard lock(mu_);
    return {unique_, deliveries_, bytes_, first_, done_};
  }

 private:
  const uint64_t expected_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::string> last_;  // by shard: the highest sequence number seen
  uint64_t unique_ = 0, deliveries_ = 0, bytes_ = 0;
  std::optional<SteadyClock::time_point> first_, done_;
};

// The no-op processor: counts the batch and checkpoints it, once per batch.
class NoopProcessor final : public consumer::RecordProcessor {
 public:
  explicit NoopProcessor(Tally& tally) : tally_(tally) {}
  Status Initialize(const consumer::InitializationInput& input) override {
    shard_ = input.shard_id;
    return Status::Ok();
  }
  Status ProcessRecords(const consumer::ProcessRecordsInput& input) override {
    // A refused checkpoint (the lease just moved) is not an error here: the next owner starts
    // from the last checkpoint, as KCL's processors expect.
    (void)input.checkpointer.Checkpoint();
    tally_.Delivered(shard_, input.records);
    return Status::Ok();
  }
  void LeaseLost() override {}
  Status ShardEnded(consumer::Checkpointer& checkpointer) override {
    auto outcome = checkpointer.Checkpoint();
    return outcome.ok() ? Status::Ok() : Status::Internal(outcome.message);
  }
  Status ShutdownRequested(consumer::Checkpointer&) override { return Status::Ok(); }

 private:
  Tally& tally_;
  std::string shard_;
};

class NoopFactory final : public consumer::RecordProcessorFactory {
 public:
  explicit NoopFactory(Tally& tally) : tally_(tally) {}
  std::unique_ptr<consumer::RecordProcessor> Create(const std::string&) override {
    return std::make_unique<NoopProcessor>(tally_);
  }

 private:
  Tally& tally_;
};

// A multilang processor whose batches are counted once the child answered their status.
class CountedProcessor final : public consumer::RecordProcessor {
 public:
  CountedProcessor(std::unique_ptr<consumer::RecordProcessor> inner, Tally& tally,
                   std::string shard)
      : inner_(std::move(inner)), tally_(tally), shard_(std::move(shard)) {}
  Status Initialize(const consumer::InitializationInput& input) override {
    return inner_->Initialize(input);
  }
  Status ProcessRecords(const consumer::ProcessRecordsInput& input) override {
    Status status = inner_->ProcessRecords(input);
    if (status.ok()) tally_.Delivered(shard_, input.records);
    return status;
  }
  void LeaseLost() override { inner_->LeaseLost(); }
  Status ShardEnded(consumer::Checkpointer& c) override { return inner_->ShardEnded(c); }
  Status ShutdownRequested(consumer::Checkpointer& c) override {
    return inner_->ShutdownRequested(c);
  }

 private:
  std::unique_ptr<consumer::RecordProcessor> inner_;
  Tally& tally_;
  const std::string shard_;
};

class CountedFactory final : public consumer::RecordProcessorFactory {
 public:
  CountedFactory(consumer::RecordProcessorFactory& inner, Tally& tally)
      : inner_(inner), tally_(tally) {}
  std::unique_ptr<consumer::RecordProcessor> Create(const std::string& shard_id) override {
    return std::make_unique<CountedProcessor>(inner_.Create(shard_id), tally_, shard_id);
  }

 private:
  consumer::RecordProcessorFactory& inner_;
  Tally& tally_;
};

// The no-op KCL multilang processor: checkpoints once per batch (and at a shard's end),
// answers every action's status, and exits at the end of its stdin.
constexpr std::string_view kNoopMultiLangScript = R"PY(import json
import sys


def send(message):
    sys.stdout.write("\n" + json.dumps(message) + "\n")
    sys.stdout.flush()


def checkpoint():
    send({"action": "checkpoint", "sequenceNumber": None, "subSequenceNumber": None})
    while True:
        line = sys.stdin.readline()
        if not line:
            sys.exit(0)
        if line.strip():
            return


while True:
    line = sys.stdin.readline()
    if not line:
        break
    if not line.strip():
        continue
    action = json.loads(line)["action"]
    if action in ("processRecords", "shardEnded"):
        checkpoint()
    send({"action": "status", "responseFor": action})
)PY";

// ---- workers in this process

// N consumer workers of one application, each with its own Kinesis and lease-table clients,
// each running Run() on a thread of its own.
//
// Thread-safety: not thread-safe; the workers' accessors may be read from any thread.
class Fleet {
 public:
  Fleet(client::ClientConfig config, consumer::WorkerOptions base,
        consumer::RecordProcessorFactory& factory)
      : config_(std::move(config)), base_(std::move(base)), factory_(factory) {}
  ~Fleet() { StopAll(); }

  Status Add(std::string worker_id) {
    auto slot = std::make_unique<Slot>();
    auto kinesis = KinesisClient::Create(config_);
    if (!kinesis.ok()) return kinesis.status();
    slot->kinesis = std::move(*kinesis);
    auto dynamodb = client::DynamoDbClient::Create(config_);
    if (!dynamodb.ok()) return dynamodb.status();
    slot->dynamodb = std::move(*dynamodb);
    slot->source = std::make_unique<consumer::KinesisSource>(*slot->kinesis, base_.stream);
    slot->table =
        std::make_unique<consumer::DynamoDbLeaseTable>(*slot->dynamodb, base_.application_name);
    consumer::WorkerOptions options = base_;
    options.worker_id = std::move(worker_id);
    slot->worker = std::make_unique<consumer::Worker>(options, *slot->source, *slot->table,
                                                      factory_);
    slots_.push_back(std::move(slot));
    return Status::Ok();
  }

  void Start(size_t i) {
    Slot& s = *slots_[i];
    s.thread = std::thread([&s] {
      s.status = s.worker->Run();
      s.returned.store(true);
    });
  }
  void StartAll() {
    for (size_t i = 0; i < slots_.size(); ++i) Start(i);
  }
  // Asks worker `i` to stop (graceful: it releases its leases) and waits for Run() to return.
  void Stop(size_t i) {
    slots_[i]->worker->Shutdown();
    if (slots_[i]->thread.joinable()) slots_[i]->thread.join();
  }
  void StopAll() {
    for (auto& s : slots_) s->worker->Shutdown();
    for (auto& s : slots_) {
      if (s->thread.joinable()) s->thread.join();
    }
  }

  size_t size() const { return slots_.size(); }
  consumer::Worker& worker(size_t i) { return *slots_[i]->worker; }

  struct Totals {
    uint64_t writes = 0, renewals = 0, checkpoints = 0, takes = 0, handovers = 0;
    int held = 0, most_held = 0, fewest_held = 1 << 30;
  };
  Totals Sum() const {
    Totals t;
    for (const auto& s : slots_) {
      const auto& stats = s->worker->coordinator().stats();
      t.writes += stats.writes.load();
      t.renewals += stats.renewals.load();
      t.checkpoints += stats.checkpoints.load();
      t.takes += stats.takes.load();
      t.handovers += stats.handovers.load();
      const int held = static_cast<int>(s->worker->coordinator().HeldLeaseKeys().size());
      t.held += held;
      t.most_held = std::max(t.most_held, held);
      t.fewest_held = std::min(t.fewest_held, held);
    }
    return t;
  }
  // The first error a worker's Run() returned (after it returned).
  std::string RunError() const {
    for (const auto& s : slots_) {
      if (s->returned.load() && !s->status.ok()) return s->status.ToString();
    }
    return "";
  }

 private:
  struct Slot {
    std::unique_ptr<KinesisClient> kinesis;
    std::unique_ptr<client::DynamoDbClient> dynamodb;
    std::unique_ptr<consumer::KinesisSource> source;
    std::unique_ptr<consumer::DynamoDbLeaseTable> table;
    std::unique_ptr<consumer::Worker> worker;
    std::thread thread;
    Status status;  // what Run() returned, once `returned`
    std::atomic<bool> returned{false};
  };
  const client::ClientConfig config_;
  const consumer::WorkerOptions base_;
  consumer::RecordProcessorFactory& factory_;
  std::vector<std::unique_ptr<Slot>> slots_;
};

// Everything the phases share.
struct Context {
  const ConsumerBenchOptions& options;
  client::ClientConfig config;
  std::string stream;
  std::unique_ptr<KinesisClient> kinesis;
  std::unique_ptr<client::DynamoDbClient> dynamodb;  // lease tables: polled, then deleted
  std::filesystem::path scratch;
  std::string eddy_binary;
  std::vector<std::string> lease_tables;  // created by the phases, deleted at the end
  pid_t server_pid = 0;                   // 0: unknown

  consumer::WorkerOptions WorkerBase(const std::string& application,
                                     consumer::InitialPosition position) {
    consumer::WorkerOptions w;
    w.application_name = application;
    w.stream = stream;
    w.initial_position = position;
    w.max_records = options.max_records;
    w.failover_time_ms = options.failover_ms;
    w.shutdown_grace_ms = 5000;
    w.kinesis = config;
    w.dynamodb = config;
    lease_tables.push_back(application);
    return w;
  }
  std::string Application(std::string_view phase) const {
    return fmt::format("eddy-bench-consumer-{}-{}-{}", ::getpid(),
                       std::chrono::system_clock::now().time_since_epoch().count() % 1000000,
                       phase);
  }
};

// Starts `workers` workers on the pre-filled records and waits until the tally has them all.
// The fleet keeps running (the rest phase measures it afterwards).
ConsumeFigures Consume(Context& ctx, Fleet& fleet, Tally& tally, int workers,
                       const std::string& app) {
  ConsumeFigures f;
  f.ran = true;
  for (int i = 0; i < workers; ++i) {
    Status added = fleet.Add(fmt::format("{}-w{}", app, i));
    if (!added.ok()) {
      f.error = added.ToString();
      return f;
    }
  }
  const CpuMark cpu_before = MarkCpu(ctx.server_pid);
  const auto start = SteadyClock::now();
  fleet.StartAll();
  const bool all = tally.WaitAll(start + std::chrono::duration_cast<SteadyClock::duration>(
                                             std::chrono::duration<double>(
                                                 ctx.options.phase_timeout_s)));
  AddCpu(f, cpu_before, MarkCpu(ctx.server_pid));
  const auto seen = tally.Get();
  f.records = seen.unique;
  f.deliveries = seen.deliveries;
  f.seconds = Sec((seen.done ? *seen.done : SteadyClock::now()) - start);
  f.first_record_s = seen.first ? Sec(*seen.first - start) : 0;
  f.records_per_s = f.seconds > 0 ? static_cast<double>(f.records) / f.seconds : 0;
  f.mb_per_s = f.seconds > 0 ? static_cast<double>(seen.bytes) / 1e6 / f.seconds : 0;
  const auto totals = fleet.Sum();
  f.checkpoints = totals.checkpoints;
  f.lease_takes = totals.takes;
  f.lease_handovers = totals.handovers;
  if (!all) {
    f.error = fmt::format("{} of the records processed within {} s{}", f.records,
                          ctx.options.phase_timeout_s,
                          fleet.RunError().empty() ? "" : "; worker: " + fleet.RunError());
  }
  return f;
}

// ---- rest: lease-table writes with nothing to read

RestFigures MeasureRest(Context& ctx, Fleet& fleet) {
  RestFigures r;
  r.ran = true;
  const auto& o = ctx.options;
  // Let the assignment settle (a steal moves one lease per taker cycle) before the window.
  const int shards = o.shards;
  if (!WaitUntil(
          [&] {
            const auto t = fleet.Sum();
            return t.held == shards && t.most_held - t.fewest_held <= 1;
          },
          30, milliseconds(20))) {
    r.error = "the leases did not settle (every lease held, balanced) within 30 s";
    return r;
  }
  // As Worker::RenewLoop: every failover/3 - epsilon.
  r.renewal_interval_ms =
      static_cast<double>(std::max<int64_t>(1, o.failover_ms / 3 - kEpsilonMs));
  const auto window = std::chrono::duration_cast<SteadyClock::duration>(
      std::chrono::duration<double, std::milli>(o.rest_intervals * r.renewal_interval_ms));

  // Per worker: bursts of writes (a renewal pass writes each held lease in turn), so the steady
  // rate can be read from whole periods.
  struct Burst {
    SteadyClock::time_point start;
    uint64_t writes_after = 0;
  };
  std::vector<std::vector<Burst>> bursts(fleet.size());
  std::vector<uint64_t> last(fleet.size());
  std::vector<size_t> held(fleet.size());
  std::vector<SteadyClock::time_point> last_change(fleet.size());
  for (size_t i = 0; i < fleet.size(); ++i) {
    last[i] = fleet.worker(i).coordinator().stats().writes.load();
    held[i] = fleet.worker(i).coordinator().HeldLeaseKeys().size();
  }
  const auto before = fleet.Sum();
  r.leases = before.held;
  const auto start = SteadyClock::now();
  while (SteadyClock::now() - start < window) {
    std::this_thread::sleep_for(milliseconds(2));
    const auto now = SteadyClock::now();
    for (size_t i = 0; i < fleet.size(); ++i) {
      const uint64_t w = fleet.worker(i).coordinator().stats().writes.load();
      if (w == last[i]) continue;
      if (bursts[i].empty() || now - last_change[i] > milliseconds(100)) {
        bursts[i].push_back({now, w});
      } else {
        bursts[i].back().writes_after = w;
      }
      last[i] = w;
      last_change[i] = now;
    }
  }
  const auto after = fleet.Sum();
  r.window_s = SecondsSince(start);
  r.writes = after.writes - before.writes;
  r.renewals = after.renewals - before.renewals;
  r.checkpoints = after.checkpoints - before.checkpoints;
  r.takes = after.takes - before.takes;
  if (r.leases == 0) return r;
  r.writes_per_lease_per_s = static_cast<double>(r.writes) / r.leases / r.window_s;
  double rate = 0;  // writes/s over all workers
  double steady_writes = 0, lease_passes = 0;
  for (size_t i = 0; i < bursts.size(); ++i) {
    const auto& b = bursts[i];
    if (b.size() < 2) continue;
    const double writes = static_cast<double>(b.back().writes_after - b.front().writes_after);
    rate += writes / Sec(b.back().start - b.front().start);
    steady_writes += writes;
    lease_passes += static_cast<double>(held[i]) * static_cast<double>(b.size() - 1);
  }
  r.steady_writes_per_lease_per_s = rate / r.leases;
  r.writes_per_lease_per_pass = lease_passes > 0 ? steady_writes / lease_passes : 0;
  r.writes_per_lease_per_third =
      r.steady_writes_per_lease_per_s * static_cast<double>(o.failover_ms) / 3 / 1000;
  return r;
}

// ---- failover

// Owner by lease key, read from the lease table; nullopt when the table cannot be read.
std::optional<std::map<std::string, std::string>> Owners(consumer::LeaseTable& table) {
  auto leases = table.ListLeases();
  if (!leases.ok()) return std::nullopt;
  std::map<std::string, std::string> owners;
  for (const auto& lease : *leases) owners[lease.lease_key] = lease.owner;
  return owners;
}

int CountOwned(const std::map<std::string, std::string>& owners, const std::string& worker) {
  return static_cast<int>(std::count_if(owners.begin(), owners.end(),
                                        [&](const auto& e) { return e.second == worker; }));
}

// Polls the table until `to` owns every lease in `keys`; the milliseconds since `from`, or -1.
double TimeUntilOwned(consumer::LeaseTable& table, const std::set<std::string>& keys,
                      const std::string& to, SteadyClock::time_point from, double timeout_s) {
  double ms = -1;
  WaitUntil(
      [&] {
        auto owners = Owners(table);
        if (!owners) return false;
        for (const auto& key : keys) {
          if ((*owners)[key] != to) return false;
        }
        ms = Ms(SteadyClock::now() - from);
        return true;
      },
      timeout_s, milliseconds(2));
  return ms;
}

// The last `bytes` bytes of a file (the scratch folder is gone after the run).
std::string TailOf(const std::string& path, size_t bytes) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

// `eddy worker` in a child process, its output in `log`. This executable is run through
// /proc/self/exe unless options.eddy_binary names another: the build folder may be relinked while
// the benchmark runs, and the file at the path is then briefly not an executable (a run saw the
// worker write nothing at all).
Result<pid_t> SpawnWorkerProcess(const Context& ctx, const std::string& properties,
                                 const std::string& worker_id, const std::string& log) {
  const std::string exe =
      ctx.options.eddy_binary.empty() ? std::string("/proc/self/exe") : ctx.options.eddy_binary;
  std::vector<std::string> args = {"eddy",       "worker",           "--properties", properties,
                                   "--endpoint", ctx.config.endpoint, "--worker-id", worker_id};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) return Status::FromErrno(errno, "open " + log);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out);
    return Status::FromErrno(errno, "fork");
  }
  if (pid == 0) {
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::closefrom(3);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(out);
  return pid;
}

// Who owns the leases of one application, read from its lease table.
class Ownership {
 public:
  Ownership(consumer::LeaseTable& table, int shards) : table_(table), shards_(shards) {}

  // Whether every lease is owned by `a` or `b`, and half of them (rounded down) by one of them.
  bool Split(const std::string& a, const std::string& b) {
    auto owners = Owners(table_);
    if (!owners || static_cast<int>(owners->size()) != shards_) return false;
    const int na = CountOwned(*owners, a), nb = CountOwned(*owners, b);
    return na + nb == shards_ && (na == shards_ / 2 || nb == shards_ / 2);
  }
  int OwnedBy(const std::string& worker) {
    auto owners = Owners(table_);
    return owners ? CountOwned(*owners, worker) : -1;
  }
  std::set<std::string> KeysOf(const std::string& worker) {
    std::set<std::string> keys;
    const auto owners = Owners(table_).value_or(std::map<std::string, std::string>{});
    for (const auto& [key, owner] : owners) {
      if (owner == worker) keys.insert(key);
    }
    return keys;
  }

 private:
  consumer::LeaseTable& table_;
  const int shards_;
};

int Holds(Fleet& fleet, size_t i) {
  return static_cast<int>(fleet.worker(i).coordinator().HeldLeaseKeys().size());
}

// (a) graceful: Shutdown() of worker 1 once the two workers hold half the leases each; the
// milliseconds until worker 0 (`survivor`) owns every lease worker 1 held.
//
// The stop comes once each worker holds what the table gives it, not as soon as the table is
// split: a handed-over lease is owned in the table before its new owner takes it up (at its next
// scan, up to lease_taker_interval later), and a worker stopping in between does not release it
// (it does not hold it yet), so the survivor waits the failover time for it (3.5 s in a run).
void GracefulFailover(Context& ctx, Fleet& fleet, consumer::LeaseTable& table,
                      const std::string& survivor, const std::string& leaving,
                      FailoverFigures& f) {
  const int shards = ctx.options.shards;
  Ownership ownership(table, shards);
  if (!WaitUntil(
          [&] {
            return ownership.Split(survivor, leaving) &&
                   Holds(fleet, 0) + Holds(fleet, 1) == shards;
          },
          30, milliseconds(20))) {
    f.error = "graceful: the two workers did not balance the leases within 30 s";
    return;
  }
  const std::set<std::string> held = ownership.KeysOf(leaving);
  f.graceful_leases = static_cast<int>(held.size());
  const auto stop_at = SteadyClock::now();
  fleet.worker(1).Shutdown();
  f.graceful_ms = TimeUntilOwned(table, held, survivor, stop_at, 30);
  fleet.Stop(1);
  if (f.graceful_ms < 0) {
    f.error = "graceful: the survivor did not own the released leases within 30 s";
  }
}

// (b) crash: an `eddy worker` process with the no-op multilang processor joins the application
// of worker 0 (`survivor`, alone by now), takes half the leases, and is SIGKILLed; the
// milliseconds until the survivor owns them all.
void CrashFailover(Context& ctx, Fleet& fleet, consumer::LeaseTable& table,
                   const std::string& app, const std::string& survivor, FailoverFigures& f) {
  const auto& o = ctx.options;
  const std::string properties = (ctx.scratch / "crash.properties").string();
  {
    std::ofstream out(properties);
    out << "executableName = " << o.python << " " << (ctx.scratch / "noop_processor.py").string()
        << "\n"
        << "applicationName = " << app << "\n"
        << "streamName = " << ctx.stream << "\n"
        << "initialPositionInStream = LATEST\n"
        << "failoverTimeMillis = " << o.failover_ms << "\n"
        << "regionName = " << o.region << "\n"
        << "AWSCredentialsProvider = KclStaticCredentialsProvider|eddy-bench|eddy-bench\n";
  }
  const std::string victim = app + "-victim";
  const std::string log = (ctx.scratch / "crash-worker.log").string();
  auto pid = SpawnWorkerProcess(ctx, properties, victim, log);
  if (!pid.ok()) {
    f.error = "crash: " + pid.status().ToString();
    return;
  }
  // The victim's share must be taken up by it, not only handed over in the table: the split
  // has to hold for two of its taker intervals (500 ms each).
  Ownership ownership(table, o.shards);
  auto since = SteadyClock::now();
  int wstatus = 0;
  bool exited = false;
  const bool ready = WaitUntil(
      [&] {
        exited = exited || ::waitpid(*pid, &wstatus, WNOHANG) == *pid;
        if (exited) return true;
        if (!ownership.Split(survivor, victim) ||
            Holds(fleet, 0) + ownership.OwnedBy(victim) != o.shards) {
          since = SteadyClock::now();
          return false;
        }
        return SteadyClock::now() - since > milliseconds(1000);
      },
      30, milliseconds(20));
  if (exited) {
    f.error = fmt::format("crash: `eddy worker` exited by itself (wait status {:#x}); the end of "
                          "its log:\n{}",
                          wstatus, TailOf(log, 2000));
    return;
  }
  const std::set<std::string> victims = ready ? ownership.KeysOf(victim) : std::set<std::string>{};
  f.crash_leases = static_cast<int>(victims.size());
  const auto kill_at = SteadyClock::now();
  ::kill(*pid, SIGKILL);
  ::waitpid(*pid, &wstatus, 0);
  if (!ready) {
    f.error = "crash: `eddy worker` did not take half the leases within 30 s; the end of its "
              "log:\n" +
              TailOf(log, 2000);
    return;
  }
  f.crash_ms = TimeUntilOwned(table, victims, survivor, kill_at,
                              3.0 * static_cast<double>(o.failover_ms) / 1000 + 10);
  if (f.crash_ms < 0) f.error = "crash: the survivor did not take the killed worker's leases";
}

// Two workers under a fresh application (LATEST: nothing to read, only leases move): the
// graceful case, then the crash case with the one left.
FailoverFigures MeasureFailover(Context& ctx) {
  FailoverFigures f;
  f.ran = true;
  f.crash_target_ms =
      static_cast<double>(ctx.options.failover_ms) * 4 / 3;  // failover + failover/3
  const std::string app = ctx.Application("failover");
  Tally idle(0);
  NoopFactory factory(idle);
  Fleet fleet(ctx.config, ctx.WorkerBase(app, consumer::InitialPosition::kLatest), factory);
  consumer::DynamoDbLeaseTable table(*ctx.dynamodb, app);
  const std::string survivor = app + "-survivor", leaving = app + "-leaving";
  for (const auto& id : {survivor, leaving}) {
    Status added = fleet.Add(id);
    if (!added.ok()) {
      f.error = added.ToString();
      return f;
    }
  }
  fleet.StartAll();
  GracefulFailover(ctx, fleet, table, survivor, leaving, f);
  if (f.error.empty()) CrashFailover(ctx, fleet, table, app, survivor, f);
  return f;
}

// ---- the run

Result<std::filesystem::path> MakeScratch() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "eddy-bench-consumer-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) return Status::FromErrno(errno, "mkdtemp");
  return std::filesystem::path(pattern);
}

Status CheckOptions(const ConsumerBenchOptions& o) {
  if (o.shards < 1 || o.shards > 1000 || o.workers < 1 || o.workers > 64 || o.records < 1 ||
      o.max_records < 1 || o.max_records > 10000 || o.failover_ms < 300 || o.rest_intervals < 2 ||
      o.rounds < 1 || o.rounds > 100) {
    return Status::InvalidArgument(
        "shards 1..1000, workers 1..64, records >= 1, max records 1..10000, failover >= 300 ms, "
        "rest intervals >= 2 and rounds 1..100");
  }
  if (o.record_bytes_min < 1 || o.record_bytes_min > o.record_bytes_max ||
      o.record_bytes_max > (1 << 20)) {
    return Status::InvalidArgument("record sizes: 1 <= min <= max <= 1 MiB");
  }
  for (const auto& p : o.phases) {
    if (p != "drain" && p != "inprocess" && p != "rest" && p != "multilang" && p != "failover") {
      return Status::InvalidArgument("unknown phase " + p +
                                     " (drain, inprocess, rest, multilang, failover)");
    }
  }
  return Status::Ok();
}

// The median of `rounds` by records/s (the lower middle one for an even count).
ConsumeFigures Median(std::vector<ConsumeFigures> rounds) {
  if (rounds.empty()) return {};
  std::sort(rounds.begin(), rounds.end(),
            [](const auto& a, const auto& b) { return a.records_per_s < b.records_per_s; });
  return rounds[(rounds.size() - 1) / 2];
}

// Memory over every round: the lowest RSS at a round's start, the highest peak.
void RssEnvelope(const std::vector<ConsumeFigures>& rounds, ConsumeFigures& into) {
  if (rounds.empty()) return;
  into.rss_start_bytes = rounds.front().rss_start_bytes;
  into.peak_rss_bytes = 0;
  for (const auto& f : rounds) {
    into.rss_start_bytes = std::min(into.rss_start_bytes, f.rss_start_bytes);
    into.peak_rss_bytes = std::max(into.peak_rss_bytes, f.peak_rss_bytes);
  }
}

double MedianRatio(const std::vector<ConsumeFigures>& rounds) {
  std::vector<double> ratios;
  for (const auto& f : rounds) ratios.push_back(f.ratio_to_drain);
  if (ratios.empty()) return 0;
  std::sort(ratios.begin(), ratios.end());
  return ratios[(ratios.size() - 1) / 2];
}

// One inprocess round: `workers` workers with the no-op processor under a fresh application,
// from TRIM_HORIZON. The last round with `rest` wanted also measures the workers once idle.
ConsumeFigures InProcessRound(Context& ctx, ConsumerBenchReport& report, const Prefill& prefill,
                              bool measure_rest) {
  const uint64_t rss_start = BeginPhaseMemory();
  const std::string app = ctx.Application("inprocess");
  Tally tally(prefill.records);
  NoopFactory factory(tally);
  Fleet fleet(ctx.config, ctx.WorkerBase(app, consumer::InitialPosition::kTrimHorizon), factory);
  ConsumeFigures f = Consume(ctx, fleet, tally, ctx.options.workers, app);
  f.rss_start_bytes = rss_start;
  f.peak_rss_bytes = PeakRss();
  if (measure_rest && f.error.empty()) {
    const uint64_t rest_rss_start = BeginPhaseMemory();
    report.rest = MeasureRest(ctx, fleet);
    report.rest.rss_start_bytes = rest_rss_start;
    report.rest.peak_rss_bytes = PeakRss();
  }
  return f;
}

// drain and inprocess, alternating for `rounds` rounds on the same records.
void RunRounds(Context& ctx, ConsumerBenchReport& report, const Prefill& prefill) {
  const auto& o = ctx.options;
  const bool drain = Wants(o, "drain");
  const bool inprocess = Wants(o, "inprocess") || Wants(o, "rest");
  for (int round = 0; round < o.rounds; ++round) {
    if (drain) {
      const uint64_t rss_start = BeginPhaseMemory();
      report.drain_rounds.push_back(RunDrain(*ctx.kinesis, ctx.stream, prefill, o, ctx.server_pid));
      report.drain_rounds.back().rss_start_bytes = rss_start;
      report.drain_rounds.back().peak_rss_bytes = PeakRss();
    }
    if (inprocess) {
      const bool last = round == o.rounds - 1;
      ConsumeFigures f = InProcessRound(ctx, report, prefill, last && Wants(o, "rest"));
      if (drain && report.drain_rounds.back().records_per_s > 0) {
        f.ratio_to_drain = f.records_per_s / report.drain_rounds.back().records_per_s;
      }
      report.inprocess_rounds.push_back(std::move(f));
    }
  }
  report.drain = Median(report.drain_rounds);
  report.inprocess = Median(report.inprocess_rounds);
  report.inprocess.ratio_to_drain = MedianRatio(report.inprocess_rounds);
  RssEnvelope(report.drain_rounds, report.drain);
  RssEnvelope(report.inprocess_rounds, report.inprocess);
}

// The multilang phase: the no-op python3 processor through MultiLangProcessorFactory.
ConsumeFigures MultiLangPhase(Context& ctx, const ConsumerBenchReport& report,
                              const Prefill& prefill) {
  const auto& o = ctx.options;
  const uint64_t rss_start = BeginPhaseMemory();
  const std::string app = ctx.Application("multilang");
  consumer::multilang::MultiLangProcessorOptions ml;
  ml.command = {o.python, (ctx.scratch / "noop_processor.py").string()};
  ml.exit_grace = milliseconds(2000);
  ml.term_grace = milliseconds(1000);
  consumer::multilang::MultiLangProcessorFactory multilang(ml);
  Tally tally(prefill.records);
  CountedFactory factory(multilang, tally);
  Fleet fleet(ctx.config, ctx.WorkerBase(app, consumer::InitialPosition::kTrimHorizon), factory);
  const CpuMark children_before = MarkCpu(0);
  ConsumeFigures f = Consume(ctx, fleet, tally, o.workers, app);
  fleet.StopAll();  // the children exit and are reaped: their CPU time is known now
  f.children_cpu_s = MarkCpu(0).children - children_before.children;
  f.rss_start_bytes = rss_start;
  f.peak_rss_bytes = PeakRss();
  if (report.drain.records_per_s > 0) {
    f.ratio_to_drain = f.records_per_s / report.drain.records_per_s;
  }
  return f;
}

}  // namespace

Result<ConsumerBenchReport> RunConsumerBench(const ConsumerBenchOptions& options) {
  EDDY_RETURN_IF_ERROR(CheckOptions(options));
  // The workers log through spdlog; the report is this command's stdout.
  auto previous_logger = spdlog::default_logger();
  spdlog::set_default_logger(spdlog::stderr_color_mt("eddy-bench-consumer"));
  spdlog::set_level(options.verbose ? spdlog::level::info : spdlog::level::warn);
  struct RestoreLogger {
    std::shared_ptr<spdlog::logger> previous;
    ~RestoreLogger() {
      spdlog::drop("eddy-bench-consumer");
      spdlog::set_default_logger(previous);
    }
  } restore{previous_logger};

  Context ctx{options};
  ctx.eddy_binary = options.eddy_binary.empty() ? SelfExecutable() : options.eddy_binary;
  std::unique_ptr<ServerProcess> own_server;
  std::string endpoint = options.endpoint;
  pid_t server_pid = options.server_pid;
  if (endpoint.empty()) {
    EDDY_ASSIGN_OR_RETURN(own_server, ServerProcess::Start(ctx.eddy_binary, options.server_data_dir,
                                                           {"--durability", options.durability}));
    endpoint = own_server->endpoint();
    server_pid = own_server->pid();
  }
  ctx.server_pid = server_pid;
  EDDY_ASSIGN_OR_RETURN(ctx.scratch, MakeScratch());
  struct RemoveScratch {
    std::filesystem::path path;
    ~RemoveScratch() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } remove_scratch{ctx.scratch};
  std::ofstream(ctx.scratch / "noop_processor.py") << kNoopMultiLangScript;

  ctx.config.endpoint = endpoint;
  ctx.config.region = options.region;
  ctx.config.fallback_credentials = auth::Credentials{"eddy-bench", "eddy-bench", ""};
  ctx.config.retry.max_attempts = 10;
  ctx.config.http.max_idle_connections = static_cast<size_t>(options.shards + 8);
  EDDY_ASSIGN_OR_RETURN(ctx.kinesis, KinesisClient::Create(ctx.config));
  EDDY_ASSIGN_OR_RETURN(ctx.dynamodb, client::DynamoDbClient::Create(ctx.config));

  ConsumerBenchReport report;
  report.options = options;
  report.endpoint = endpoint;
  report.peak_rss_per_phase = ResetPeakRss();
  ctx.stream = fmt::format("eddy-bench-consumer-{}-{}", ::getpid(),
                           std::chrono::system_clock::now().time_since_epoch().count() % 1000000);
  report.stream = ctx.stream;
  auto created = ctx.kinesis->CreateStream(ctx.stream, options.shards);
  if (!created.ok()) return Status::Unavailable("CreateStream: " + created.error().ToString());
  auto active = ctx.kinesis->WaitForActive(ctx.stream);
  if (!active.ok()) return Status::Unavailable("CreateStream: " + active.error().ToString());

  auto prefill = PrefillStream(*ctx.kinesis, ctx.stream, options);
  if (prefill.ok()) {
    report.records_written = prefill->records;
    report.bytes_written = prefill->bytes;
    report.prefill_s = prefill->seconds;
    for (const auto& [shard, n] : prefill->per_shard) report.records_per_shard.push_back(n);
    RunRounds(ctx, report, *prefill);
    if (Wants(options, "multilang")) report.multilang = MultiLangPhase(ctx, report, *prefill);
    if (Wants(options, "failover")) {
      const uint64_t rss_start = BeginPhaseMemory();
      report.failover = MeasureFailover(ctx);
      report.failover.rss_start_bytes = rss_start;
      report.failover.peak_rss_bytes = PeakRss();
    }
  } else {
    report.error = "prefill: " + prefill.status().ToString();
  }

  if (server_pid > 0) report.server_peak_rss_bytes = ReadProcessMemory(server_pid).peak_rss_bytes;
  for (const auto& table : ctx.lease_tables) (void)ctx.dynamodb->DeleteTable(table);
  (void)ctx.kinesis->DeleteStream(ctx.stream);
  return report;
}

// ---- reports

namespace {

std::string Mb(uint64_t bytes) {
  return fmt::format("{:.0f} MB", static_cast<double>(bytes) / 1e6);
}

std::string Met(bool met) { return met ? "met" : "NOT met"; }

// CPU microseconds per record: this process, the server, the reaped children.
std::string CpuPerRecord(const ConsumeFigures& f) {
  if (f.records == 0) return "-";
  const double n = static_cast<double>(f.records) / 1e6;
  std::string out = fmt::format("{:.1f}", f.cpu_s / n);
  out += f.server_cpu_s >= 0 ? fmt::format(" + {:.1f}", f.server_cpu_s / n) : " + ?";
  if (f.children_cpu_s > 0.005) out += fmt::format(" + {:.1f}", f.children_cpu_s / n);
  return out;
}

std::string ConsumeLine(std::string_view name, const ConsumeFigures& f, std::string notes) {
  if (!f.ran) return "";
  std::string line = fmt::format(
      "  {:<18} {:>9.0f} {:>7.1f} {:>8} {:>7.2f} s {:>7.3f} s {:>16} {:>15}   {}\n", name,
      f.records_per_s, f.mb_per_s,
      f.ratio_to_drain > 0 ? fmt::format("{:.0f}%", 100 * f.ratio_to_drain) : std::string("-"),
      f.seconds, f.first_record_s, CpuPerRecord(f),
      fmt::format("{:.0f} -> {:.0f}", static_cast<double>(f.rss_start_bytes) / 1e6,
                  static_cast<double>(f.peak_rss_bytes) / 1e6),
      notes);
  if (!f.error.empty()) line += fmt::format("  {} ERROR: {}\n", name, f.error);
  return line;
}

// The rest target, <= 1 write per lease per renewal interval. The renewal interval is the
// renewer's period, failover/3 - epsilon (25 ms), as KCL defines it (its LeaseManagementConfig);
// per failover/3 itself that is about 2.5% more, which the line also shows.
std::string RestVerdict(const RestFigures& s) {
  return s.writes_per_lease_per_pass <= 1.0 + 1e-9 ? "met" : "NOT met";
}

std::string WorkerNotes(const ConsumeFigures& f) {
  return fmt::format("{} records, {} delivered, {} checkpoints, {} lease takes, {} handed over",
                     f.records, f.deliveries, f.checkpoints, f.lease_takes, f.lease_handovers);
}

}  // namespace

std::string FormatConsumerReport(const ConsumerBenchReport& r) {
  const auto& o = r.options;
  std::string shards;
  for (uint64_t n : r.records_per_shard) {
    shards += fmt::format("{}{}", shards.empty() ? "" : " ", n);
  }
  std::string out = fmt::format(
      "consumer benchmark against {}\n"
      "  stream {}: {} shards; {} records of {}..{} B ({:.1f} MB) written in {:.2f} s "
      "(per shard: {})\n"
      "  {} workers, at most {} records per GetRecords, failover {} ms; peak RSS of this "
      "process {}\n"
      "  {:<18} {:>9} {:>7} {:>8} {:>9} {:>9} {:>16} {:>15}\n",
      r.endpoint, r.stream, o.shards, r.records_written, o.record_bytes_min, o.record_bytes_max,
      static_cast<double>(r.bytes_written) / 1e6, r.prefill_s, shards, o.workers, o.max_records,
      o.failover_ms, r.peak_rss_per_phase ? "per phase" : "since the start (reset refused)",
      "phase", "records/s", "MB/s", "of drain", "all read", "1st batch", "CPU us/rec*",
      "RSS MB->peak");
  const size_t rounds = std::max(r.drain_rounds.size(), r.inprocess_rounds.size());
  for (size_t i = 0; rounds > 1 && i < rounds; ++i) {
    if (i < r.drain_rounds.size()) {
      out += ConsumeLine(fmt::format("drain #{}", i + 1), r.drain_rounds[i],
                         fmt::format("{} GetRecords calls", r.drain_rounds[i].get_calls));
    }
    if (i < r.inprocess_rounds.size()) {
      out += ConsumeLine(fmt::format("inprocess #{}", i + 1), r.inprocess_rounds[i],
                         WorkerNotes(r.inprocess_rounds[i]));
    }
  }
  const std::string median = rounds > 1 ? " (median)" : "";
  out += ConsumeLine("drain" + median, r.drain,
                     fmt::format("{} GetRecords calls", r.drain.get_calls));
  out += ConsumeLine("inprocess" + median, r.inprocess, WorkerNotes(r.inprocess));
  if (r.inprocess.ran && r.drain.ran) {
    out += fmt::format("  inprocess / drain = {:.0f}%{} (target >= 80%: {})\n",
                       100 * r.inprocess.ratio_to_drain,
                       r.inprocess_rounds.size() > 1 ? ", the median of the rounds' ratios" : "",
                       Met(r.inprocess.ratio_to_drain >= 0.8));
  }
  out += ConsumeLine("multilang", r.multilang, WorkerNotes(r.multilang));
  if (r.rest.ran) {
    const auto& s = r.rest;
    out += fmt::format(
        "  rest: {} leases, renewal passes every {:.0f} ms (failover/3 - epsilon), window "
        "{:.2f} s: "
        "{} writes ({} renewals, {} checkpoints, {} takes) = {:.3f} writes/lease/s\n"
        "        steady: {:.3f} writes/lease/s = {:.3f} per lease per renewal interval, {:.3f} per "
        "lease per failover/3 (target <= 1 per lease per renewal interval: {}); RSS {} -> peak "
        "{}\n",
        s.leases, s.renewal_interval_ms, s.window_s, s.writes, s.renewals, s.checkpoints, s.takes,
        s.writes_per_lease_per_s, s.steady_writes_per_lease_per_s, s.writes_per_lease_per_pass,
        s.writes_per_lease_per_third, RestVerdict(s), Mb(s.rss_start_bytes),
        Mb(s.peak_rss_bytes));
    if (!s.error.empty()) out += "  rest ERROR: " + s.error + "\n";
  }
  if (r.failover.ran) {
    const auto& f = r.failover;
    out += fmt::format(
        "  failover: graceful {} leases taken over in {:.0f} ms (target < 1000 ms: {}); crash "
        "(SIGKILL of `eddy worker`) {} leases in {:.0f} ms (target <= {:.0f} ms: {}); RSS {} "
        "-> peak {}\n",
        f.graceful_leases, f.graceful_ms, Met(f.graceful_ms >= 0 && f.graceful_ms < 1000),
        f.crash_leases, f.crash_ms, f.crash_target_ms,
        Met(f.crash_ms >= 0 && f.crash_ms <= f.crash_target_ms), Mb(f.rss_start_bytes),
        Mb(f.peak_rss_bytes));
    if (!f.error.empty()) out += "  failover ERROR: " + f.error + "\n";
  }
  out += "  * CPU microseconds per record: this process + the server (+ multilang's children)\n";
  out += fmt::format("  server peak RSS {}\n",
                     r.server_peak_rss_bytes > 0 ? Mb(r.server_peak_rss_bytes) : "unknown");
  if (!r.error.empty()) out += "  ERROR: " + r.error + "\n";
  return out;
}

namespace {

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}

std::string ConsumeJson(const ConsumeFigures& f) {
  return fmt::format(
      "{{\"ran\":{},\"records\":{},\"deliveries\":{},\"seconds\":{:.3f},\"first_record_s\":{:.3f},"
      "\"records_per_s\":{:.0f},\"mb_per_s\":{:.2f},\"ratio_to_drain\":{:.3f},\"get_calls\":{},"
      "\"checkpoints\":{},\"lease_takes\":{},\"lease_handovers\":{},\"cpu_s\":{:.3f},"
      "\"server_cpu_s\":{:.3f},"
      "\"children_cpu_s\":{:.3f},\"rss_start_bytes\":{},\"peak_rss_bytes\":{},\"error\":{}}}",
      f.ran, f.records, f.deliveries, f.seconds, f.first_record_s, f.records_per_s, f.mb_per_s,
      f.ratio_to_drain, f.get_calls, f.checkpoints, f.lease_takes, f.lease_handovers, f.cpu_s,
      f.server_cpu_s,
      f.children_cpu_s, f.rss_start_bytes, f.peak_rss_bytes, JsonString(f.error));
}

std::string RoundsJson(const std::vector<ConsumeFigures>& rounds) {
  std::string out;
  for (const auto& f : rounds) out += (out.empty() ? "" : ",") + ConsumeJson(f);
  return "[" + out + "]";
}

}  // namespace

std::string FormatConsumerReportJson(const ConsumerBenchReport& r) {
  const auto& o = r.options;
  const auto& s = r.rest;
  const auto& f = r.failover;
  std::string shards;
  for (uint64_t n : r.records_per_shard) {
    shards += fmt::format("{}{}", shards.empty() ? "" : ",", n);
  }
  return fmt::format(
      "{{\"endpoint\":{},\"stream\":{},\"shards\":{},\"workers\":{},\"max_records\":{},"
      "\"failover_ms\":{},\"record_bytes_min\":{},\"record_bytes_max\":{},"
      "\"records_written\":{},\"bytes_written\":{},\"prefill_s\":{:.3f},"
      "\"records_per_shard\":[{}],\"peak_rss_per_phase\":{},\"rounds\":{},\"drain\":{},"
      "\"drain_rounds\":{},\"inprocess\":{},\"inprocess_rounds\":{},"
      "\"multilang\":{},\"rest\":{{\"ran\":{},\"leases\":{},\"renewal_interval_ms\":{:.0f},"
      "\"window_s\":{:.3f},\"writes\":{},\"renewals\":{},\"checkpoints\":{},\"takes\":{},"
      "\"writes_per_lease_per_s\":{:.4f},\"steady_writes_per_lease_per_s\":{:.4f},"
      "\"writes_per_lease_per_third\":{:.4f},\"writes_per_lease_per_pass\":{:.4f},"
      "\"rss_start_bytes\":{},\"peak_rss_bytes\":{},\"error\":{}}},"
      "\"failover\":{{\"ran\":{},\"graceful_leases\":{},\"graceful_ms\":{:.1f},"
      "\"crash_leases\":{},\"crash_ms\":{:.1f},\"crash_target_ms\":{:.0f},"
      "\"rss_start_bytes\":{},\"peak_rss_bytes\":{},\"error\":{}}},"
      "\"server_peak_rss_bytes\":{},\"clean\":{},\"error\":{}}}",
      JsonString(r.endpoint), JsonString(r.stream), o.shards, o.workers, o.max_records,
      o.failover_ms, o.record_bytes_min, o.record_bytes_max, r.records_written, r.bytes_written,
      r.prefill_s, shards, r.peak_rss_per_phase, o.rounds, ConsumeJson(r.drain),
      RoundsJson(r.drain_rounds), ConsumeJson(r.inprocess), RoundsJson(r.inprocess_rounds),
      ConsumeJson(r.multilang), s.ran, s.leases, s.renewal_interval_ms, s.window_s, s.writes,
      s.renewals, s.checkpoints, s.takes, s.writes_per_lease_per_s,
      s.steady_writes_per_lease_per_s, s.writes_per_lease_per_third, s.writes_per_lease_per_pass,
      s.rss_start_bytes, s.peak_rss_bytes, JsonString(s.error), f.ran, f.graceful_leases,
      f.graceful_ms, f.crash_leases, f.crash_ms, f.crash_target_ms, f.rss_start_bytes,
      f.peak_rss_bytes, JsonString(f.error), r.server_peak_rss_bytes,
      r.clean(), JsonString(r.error));
}

}  // namespace eddy::bench
