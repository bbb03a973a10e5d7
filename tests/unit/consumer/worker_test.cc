#include "eddy/consumer/worker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "support/wait_until.h"
#include "unit/consumer/fake_lease_table.h"
#include "unit/consumer/fake_source.h"

namespace eddy::consumer {
namespace {

using namespace std::chrono_literals;

// What every processor of a test did, in the order it happened.
struct Journal {
  struct Entry {
    std::string worker;
    std::string shard;
    std::string sequence;
    std::string key;
  };
  std::mutex mu;
  std::vector<Entry> processed;
  std::vector<std::string> events;  // "<shard>:<callback>"
  std::map<std::string, int> failures_left;  // sequence number -> times to fail on it
  bool checkpoint_at_shard_end = true;
  std::chrono::milliseconds processing_time{0};  // spent in ProcessRecords before checkpointing

  size_t Count() {
    std::lock_guard lock(mu);
    return processed.size();
  }
  std::set<std::string> Sequences() {
    std::lock_guard lock(mu);
    std::set<std::string> out;
    for (const auto& e : processed) out.insert(e.sequence);
    return out;
  }
  bool Has(const std::string& event) {
    std::lock_guard lock(mu);
    return std::find(events.begin(), events.end(), event) != events.end();
  }
};

class JournalProcessor final : public RecordProcessor {
 public:
  JournalProcessor(Journal& journal, std::string worker, std::string shard)
      : journal_(journal), worker_(std::move(worker)), shard_(std::move(shard)) {}
  Status Initialize(const InitializationInput& input) override {
    Event("initialize@" + input.checkpoint.sequence_number);
    return Status::Ok();
  }
  Status ProcessRecords(const ProcessRecordsInput& input) override {
    for (const Record& r : input.records) {
      std::lock_guard lock(journal_.mu);
      auto fail = journal_.failures_left.find(r.sequence_number);
      if (fail != journal_.failures_left.end() && fail->second > 0) {
        --fail->second;
        return Status::Internal("poison record " + r.sequence_number);
      }
      journal_.processed.push_back({worker_, shard_, r.sequence_number, r.partition_key});
    }
    std::chrono::milliseconds processing_time;
    {
      std::lock_guard lock(journal_.mu);
      processing_time = journal_.processing_time;
    }
    std::this_thread::sleep_for(processing_time);
    auto outcome = input.checkpointer.Checkpoint();
    if (!outcome.ok() && outcome.error != CheckpointError::kShutdown) {
      return Status::Internal(outcome.message);
    }
    return Status::Ok();
  }
  void LeaseLost() override { Event("leaseLost"); }
  Status ShardEnded(Checkpointer& checkpointer) override {
    Event("shardEnded");
    bool checkpoint;
    {
      std::lock_guard lock(journal_.mu);
      checkpoint = journal_.checkpoint_at_shard_end;
    }
    if (checkpoint) {
      auto outcome = checkpointer.Checkpoint();
      if (!outcome.ok()) return Status::Internal(outcome.message);
    }
    return Status::Ok();
  }
  Status ShutdownRequested(Checkpointer& checkpointer) override {
    Event("shutdownRequested");
    auto outcome = checkpointer.Checkpoint();
    Event(outcome.ok() ? "shutdownCheckpoint:ok" : "shutdownCheckpoint:" + outcome.message);
    return Status::Ok();
  }

 private:
  void Event(const std::string& what) {
    std::lock_guard lock(journal_.mu);
    journal_.events.push_back(shard_ + ":" + what);
  }
  Journal& journal_;
  const std::string worker_;
  const std::string shard_;
};

class JournalFactory final : public RecordProcessorFactory {
 public:
  JournalFactory(Journal& journal, std::string worker)
      : journal_(journal), worker_(std::move(worker)) {}
  std::unique_ptr<RecordProcessor> Create(const std::string& shard_id) override {
    return std::make_unique<JournalProcessor>(journal_, worker_, shard_id);
  }

 private:
  Journal& journal_;
  const std::string worker_;
};

// A worker running on its own thread.
class RunningWorker {
 public:
  RunningWorker(const std::string& id, Source& source, LeaseTable& table, Journal& journal,
                std::function<void(WorkerOptions&)> tune = {})
      : factory_(journal, id) {
    WorkerOptions options;
    options.application_name = "app";
    options.worker_id = id;
    options.stream = "fake";
    options.initial_position = InitialPosition::kTrimHorizon;
    options.failover_time_ms = 900;
    options.lease_taker_interval_ms = 20;
    options.idle_time_between_reads_ms = 10;
    options.task_backoff_time_ms = 10;
    options.max_task_backoff_time_ms = 50;
    options.shard_sync_interval_ms = 100;
    options.parent_shard_poll_interval_ms = 20;
    options.shutdown_grace_ms = 2000;
    if (tune) tune(options);
    worker_ = std::make_unique<Worker>(options, source, table, factory_);
    thread_ = std::thread([this] { status_ = worker_->Run(); });
  }
  ~RunningWorker() { (void)Stop(); }
  Status Stop() {
    worker_->Shutdown();
    if (thread_.joinable()) thread_.join();
    return status_;
  }
  Status Join() {
    if (thread_.joinable()) thread_.join();
    return status_;
  }
  Worker& worker() { return *worker_; }

 private:
  JournalFactory factory_;
  std::unique_ptr<Worker> worker_;
  std::thread thread_;
  Status status_;
};

// The lease ended: its checkpoint is SHARD_END, or cleanup already deleted it (after its
// children started).
bool Finished(FakeLeaseTable& table, const std::string& key) {
  auto lease = table.Get(key);
  return !lease || lease->at_shard_end();
}

using eddy::testing::WaitUntil;

TEST(Worker, ProcessesEveryRecordOfEveryShardAndCheckpoints) {
  FakeSource source;
  FakeLeaseTable table;
  Journal journal;
  source.AddShard("shard-0");
  source.AddShard("shard-1");
  std::set<std::string> written;
  for (int i = 0; i < 50; ++i) written.insert(source.Put(i % 2 ? "shard-1" : "shard-0", "k", "d"));
  RunningWorker worker("w1", source, table, journal);
  ASSERT_TRUE(WaitUntil([&] { return journal.Sequences() == written; }));
  ASSERT_TRUE(WaitUntil([&] {
    auto lease = table.Get("shard-1");
    return lease && lease->checkpoint.sequence_number == *written.rbegin();
  }));
  // Records written while it runs arrive too.
  written.insert(source.Put("shard-0", "k", "late"));
  ASSERT_TRUE(WaitUntil([&] { return journal.Sequences() == written; }));
  EXPECT_TRUE(worker.Stop().ok());
  EXPECT_TRUE(journal.Has("shard-0:shutdownRequested"));
  EXPECT_FALSE(table.Get("shard-0")->owned());  // released at shutdown
}

TEST(Worker, CheckpointingBeforeAnyRecordWasDeliveredIsANoOp) {
  FakeSource source;
  FakeLeaseTable table;
  Journal journal;
  source.AddShard("empty");
  RunningWorker worker("w1", source, table, journal);
  ASSERT_TRUE(WaitUntil([&] { return journal.Has("empty:initialize@TRIM_HORIZON"); }));
  EXPECT_TRUE(worker.Stop().ok());
  EXPECT_TRUE(journal.Has("empty:shutdownCheckpoint:ok"));
  EXPECT_EQ(table.Get("empty")->checkpoint, ExtendedSequenceNumber::TrimHorizon());
}

TEST(Worker, ChildrenAreProcessedOnlyAfterBothParentsOfAMergeEnded) {
  FakeSource source;
  FakeLeaseTable table;
  Journal journal;
  source.AddShard("a");
  source.AddShard("b");
  source.AddShard("c", {"a", "b"});
  for (int i = 0; i < 20; ++i) source.Put(i % 2 ? "a" : "b", "k" + std::to_string(i % 3), "d");
  for (int i = 0; i < 10; ++i) source.Put("c", "k" + std::to_string(i % 3), "d");
  RunningWorker worker("w1", source, table, journal);
  // c waits: its parents are open.
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(journal.Count(), 20u);
  source.Close("a");
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(journal.Count(), 20u);  // b still open
  source.Close("b");
  ASSERT_TRUE(WaitUntil([&] { return journal.Count() == 30; }));
  {
    std::lock_guard lock(journal.mu);
    for (size_t i = 0; i < 20; ++i) EXPECT_NE(journal.processed[i].shard, "c");
    for (size_t i = 20; i < 30; ++i) EXPECT_EQ(journal.processed[i].shard, "c");
  }
  ASSERT_TRUE(WaitUntil([&] { return Finished(table, "a"); }));
  if (auto a = table.Get("a")) {
    EXPECT_EQ(a->child_shard_ids, std::set<std::string>{"c"});
  }
  EXPECT_TRUE(journal.Has("a:shardEnded"));
}

TEST(Worker, ChildLeasesAreCreatedAtShardEndEvenWithoutChildShardsInTheAnswer) {
  FakeSource source;
  FakeLeaseTable table;
  Journal journal;
  source.SetReportChildren(false);  // as DynamoDB streams: list the shards to find them
  source.AddShard("p");
  source.Put("p", "k", "1");
  RunningWorker worker("w1", source, table, journal,
                       [](WorkerOptions& o) { o.shard_sync_interval_ms = 3600000; });
  ASSERT_TRUE(WaitUntil([&] { return journal.Count() == 1; }));
  source.AddShard("child", {"p"});
  const std::string last = source.Put("child", "k", "2");
  source.Close("p");
  ASSERT_TRUE(WaitUntil([&] { return journal.Sequences().count(last) == 1; }));
}

TEST(Worker, AFailingProcessorIsRestartedFromTheCheckpointAndNothingIsSkipped) {
  FakeSource source;
  FakeLeaseTable table;
  Journal journal;
  source.AddShard("s");
  std::set<std::string> written;
  std::string poison;
  for (int i = 0; i < 30; ++i) {
    auto seq = source.Put("s", "k", "d");
    written.insert(seq);
    if (i == 12) poison = seq;
  }
  journal.failures_left[poison] = 2;
  RunningWorker worker("w1", source, table, journal,
                       [](WorkerOptions& o) { o.max_records = 5; });
  ASSERT_TRUE(WaitUntil([&] { return journal.Sequences() == written; }));
  auto counters = worker.worker().ShardCountersSnapshot();
  EXPECT_EQ(counters.at("s")->restarts.load(), 2u);
  // The batch before the poison record was checkpointed, so it was not delivered again.
  std::lock_guard lock(journal.mu);
  EXPECT_EQ(journal.processed.size(), written.size() + 2 * 2);  // 2 records before it, twice
}

TEST(Worker, AShardEndWithoutACheckpointBlocksTheChildUntilTheProcessorCheckpoints) {
  FakeSource source;
  FakeLeaseTable table;
  Journal journal;
  journal.checkpoint_at_shard_end = false;
  source.AddShard("p");
  source.AddShard("c", {"p"});
  source.Put("p", "k", "1");
  const std::string child_record = source.Put("c", "k", "2");
  source.Close("p");
  RunningWorker worker("w1", source, table, journal);
  ASSERT_TRUE(WaitUntil([&] { return journal.Has("p:shardEnded"); }));
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(journal.Sequences().count(child_record), 0u);
  ASSERT_TRUE(table.Get("p").has_value());
  EXPECT_FALSE(table.Get("p")->at_shard_end());
  {
    std::lock_guard lock(journal.mu);
    journal.checkpoint_at_shard_end = true;
  }
  ASSERT_TRUE(WaitUntil([&] { return journal.Sequences().count(child_record) == 1; }));
  EXPECT_TRUE(Finished(table, "p"));
}

TEST(Worker, TwoWorkersShareTheShardsAndAGracefulStopHandsOverAtOnce) {
  FakeSource source;
  FakeLeaseTable table;
  Journal journal;
  for (int i = 0; i < 4; ++i) source.AddShard("s" + std::to_string(i));
  auto a = std::make_unique<RunningWorker>("a", source, table, journal);
  ASSERT_TRUE(WaitUntil([&] { return table.OwnerCounts()["a"] == 4; }));
  RunningWorker b("b", source, table, journal);
  ASSERT_TRUE(WaitUntil([&] {
    auto counts = table.OwnerCounts();
    return counts["a"] == 2 && counts["b"] == 2;
  }));
  std::set<std::string> written;
  for (int i = 0; i < 40; ++i) written.insert(source.Put("s" + std::to_string(i % 4), "k", "d"));
  ASSERT_TRUE(WaitUntil([&] { return journal.Sequences() == written; }));
  const auto stopped = std::chrono::steady_clock::now();
  EXPECT_TRUE(a->Stop().ok());
  ASSERT_TRUE(WaitUntil([&] { return table.OwnerCounts()["b"] == 4; }, 3s));
  // Far below the failover time: the leases were released, not left to expire.
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, 800ms);
  for (int i = 0; i < 8; ++i) written.insert(source.Put("s" + std::to_string(i % 4), "k", "d"));
  ASSERT_TRUE(WaitUntil([&] { return journal.Sequences() == written; }));
}

TEST(Worker, AStealHandsTheLeaseOverWithNothingProcessedTwiceOrByTwoWorkersAtOnce) {
  FakeSource source;
  FakeLeaseTable table;
  Journal journal;
  for (int i = 0; i < 4; ++i) source.AddShard("s" + std::to_string(i));
  auto a = std::make_unique<RunningWorker>("a", source, table, journal);
  ASSERT_TRUE(WaitUntil([&] { return table.OwnerCounts()["a"] == 4; }));
  // Records keep coming while b joins and steals two leases from a.
  std::atomic<bool> writing{true};
  std::mutex written_mu;
  std::set<std::string> written;
  std::thread producer([&] {
    for (int i = 0; writing.load(); ++i) {
      const std::string seq = source.Put("s" + std::to_string(i % 4), "k", "d");
      {
        std::lock_guard lock(written_mu);
        written.insert(seq);
      }
      std::this_thread::sleep_for(1ms);
    }
  });
  std::this_thread::sleep_for(100ms);
  RunningWorker b("b", source, table, journal);
  const bool balanced = WaitUntil([&] {
    auto counts = table.OwnerCounts();
    return counts["a"] == 2 && counts["b"] == 2;
  });
  std::this_thread::sleep_for(100ms);
  writing.store(false);
  producer.join();
  ASSERT_TRUE(balanced);
  ASSERT_TRUE(WaitUntil([&] { return journal.Sequences() == written; }));
  std::lock_guard lock(journal.mu);
  EXPECT_EQ(journal.processed.size(), written.size());  // nothing delivered twice
  // Each shard's records came out in order, whichever worker processed them.
  std::map<std::string, std::string> last;
  for (const auto& e : journal.processed) {
    EXPECT_GT(e.sequence, last[e.shard]) << e.shard << " by " << e.worker;
    last[e.shard] = e.sequence;
  }
  // The processors of the two shards handed over were asked to stop (and checkpointed).
  const auto stops = std::count_if(journal.events.begin(), journal.events.end(),
                                   [](const std::string& e) {
                                     return e.ends_with(":shutdownRequested");
                                   });
  EXPECT_EQ(stops, 2);
  EXPECT_EQ(b.worker().coordinator().stats().takes.load(), 2u);
}

TEST(Worker, LeasesAreRenewedWhileTheBatchesInFlightFinishAtShutdown) {
  FakeSource source;
  FakeLeaseTable table;
  Journal journal;
  source.AddShard("s");
  RunningWorker worker("w1", source, table, journal,
                       [](WorkerOptions& o) { o.shutdown_grace_ms = 5000; });
  ASSERT_TRUE(WaitUntil([&] { return table.OwnerCounts()["w1"] == 1; }));
  {
    std::lock_guard lock(journal.mu);
    journal.processing_time = 2000ms;  // over twice the failover time (900 ms)
  }
  const std::string seq = source.Put("s", "k", "d");
  ASSERT_TRUE(WaitUntil([&] { return journal.Count() == 1; }));
  // SIGTERM while the batch is being processed: it finishes, its checkpoint is written (the
  // lease is still this worker's), then the lease is released.
  EXPECT_TRUE(worker.Stop().ok());
  auto lease = table.Get("s");
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(lease->checkpoint.sequence_number, seq);
  EXPECT_FALSE(lease->owned());
}

TEST(Worker, ADeletedStreamEndsTheWorkerWithAnErrorNamingIt) {
  FakeSource source;
  FakeLeaseTable table;
  Journal journal;
  source.AddShard("s");
  source.Put("s", "k", "d");
  RunningWorker worker("w1", source, table, journal);
  ASSERT_TRUE(WaitUntil([&] { return journal.Count() == 1; }));
  source.Delete();
  Status status = worker.Join();
  EXPECT_EQ(status.code(), Status::Code::kNotFound);
  EXPECT_NE(status.ToString().find("fake"), std::string::npos);
}

TEST(Worker, ADeletedLeaseTableStopsProcessing) {
  FakeSource source;
  FakeLeaseTable table;
  Journal journal;
  source.AddShard("s");
  RunningWorker worker("w1", source, table, journal);
  ASSERT_TRUE(WaitUntil([&] { return table.OwnerCounts()["w1"] == 1; }));
  table.missing = true;
  Status status = worker.Join();
  EXPECT_EQ(status.code(), Status::Code::kNotFound);
  EXPECT_NE(status.ToString().find("lease table"), std::string::npos);
}

TEST(Worker, ACrashedWorkersLeasesAreTakenAfterTheFailoverTime) {
  FakeSource source;
  FakeLeaseTable table;
  Journal journal;
  source.AddShard("s");
  // A lease held by a worker that no longer renews it.
  Lease dead;
  dead.lease_key = "s";
  dead.owner = "dead";
  dead.counter = 7;
  dead.checkpoint = ExtendedSequenceNumber::TrimHorizon();
  table.Put(dead);
  const std::string seq = source.Put("s", "k", "d");
  const auto started = std::chrono::steady_clock::now();
  RunningWorker worker("w1", source, table, journal);
  ASSERT_TRUE(WaitUntil([&] { return journal.Sequences().count(seq) == 1; }));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms);  // not before it expired
  EXPECT_EQ(table.Get("s")->owner, "w1");
}

// Passes everything to another source, counting the reads.
class CountingSource final : public Source {
 public:
  explicit CountingSource(Source& inner) : inner_(inner) {}
  const std::string& name() const override { return inner_.name(); }
  Result<std::vector<SourceShard>> ListShards() override { return inner_.ListShards(); }
  Result<std::string> GetIterator(const std::string& shard_id,
                                  const StartPosition& start) override {
    return inner_.GetIterator(shard_id, start);
  }
  Result<ReadResult> Read(const std::string& iterator, int limit) override {
    auto result = inner_.Read(iterator, limit);
    reads.fetch_add(1);
    return result;
  }
  bool may_aggregate() const override { return inner_.may_aggregate(); }

  std::atomic<int> reads{0};

 private:
  Source& inner_;
};

// Batch k (from 1) was delivered by the k-th read (every record is there from the start); each
// waits (up to 5 s) for read k + 1 and notes whether it came: it does only if the next batch is
// read while the processor works.
class WaitForReadAheadProcessor final : public RecordProcessor {
 public:
  struct Seen {
    std::mutex mu;
    std::vector<std::string> sequences;
    int batches = 0;
    int read_ahead = 0;
  };
  WaitForReadAheadProcessor(CountingSource& source, Seen& seen) : source_(source), seen_(seen) {}
  Status Initialize(const InitializationInput&) override { return Status::Ok(); }
  Status ProcessRecords(const ProcessRecordsInput& input) override {
    int batch = 0;
    {
      std::lock_guard lock(seen_.mu);
      batch = seen_.batches + 1;
    }
    const bool ahead = WaitUntil([&] { return source_.reads.load() > batch; }, 5s);
    {
      std::lock_guard lock(seen_.mu);
      for (const Record& r : input.records) seen_.sequences.push_back(r.sequence_number);
      ++seen_.batches;
      if (ahead) ++seen_.read_ahead;
    }
    auto outcome = input.checkpointer.Checkpoint();
    return outcome.ok() ? Status::Ok() : Status::Internal(outcome.message);
  }
  void LeaseLost() override {}
  Status ShardEnded(Checkpointer& checkpointer) override {
    auto outcome = checkpointer.Checkpoint();
    return outcome.ok() ? Status::Ok() : Status::Internal(outcome.message);
  }
  Status ShutdownRequested(Checkpointer&) override { return Status::Ok(); }

 private:
  CountingSource& source_;
  Seen& seen_;
};

TEST(Worker, TheNextBatchIsReadWhileTheProcessorWorksOnOne) {
  FakeSource fake;
  FakeLeaseTable table;
  fake.AddShard("s");
  std::vector<std::string> written;
  for (int i = 0; i < 30; ++i) written.push_back(fake.Put("s", "k", "d"));
  CountingSource source(fake);
  WaitForReadAheadProcessor::Seen seen;
  class Factory final : public RecordProcessorFactory {
   public:
    Factory(CountingSource& source, WaitForReadAheadProcessor::Seen& seen)
        : source_(source), seen_(seen) {}
    std::unique_ptr<RecordProcessor> Create(const std::string&) override {
      return std::make_unique<WaitForReadAheadProcessor>(source_, seen_);
    }

   private:
    CountingSource& source_;
    WaitForReadAheadProcessor::Seen& seen_;
  } factory(source, seen);
  WorkerOptions options;
  options.application_name = "app";
  options.worker_id = "w1";
  options.stream = "fake";
  options.initial_position = InitialPosition::kTrimHorizon;
  options.max_records = 10;
  options.failover_time_ms = 30000;  // batches wait: no renewal may run short
  options.lease_taker_interval_ms = 20;
  options.idle_time_between_reads_ms = 10;
  Worker worker(options, source, table, factory);
  Status status;
  std::thread run([&] { status = worker.Run(); });
  const bool all = WaitUntil([&] {
    std::lock_guard lock(seen.mu);
    return seen.sequences.size() >= written.size();
  });
  worker.Shutdown();
  run.join();
  ASSERT_TRUE(all);
  EXPECT_TRUE(status.ok()) << status.ToString();
  std::lock_guard lock(seen.mu);
  EXPECT_EQ(seen.sequences, written);  // each once, in order
  EXPECT_EQ(seen.batches, 3);
  EXPECT_EQ(seen.read_ahead, 3);  // the read after the last batch too (it finds nothing)
  EXPECT_EQ(table.Get("s")->checkpoint.sequence_number, written.back());
}

}  // namespace
}  // namespace eddy::consumer
