#include "eddy/consumer/shard_consumer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "eddy/base/guarded.h"
#include "eddy/base/thread_annotations.h"
#include "eddy/base/uint128.h"
#include "eddy/consumer/kpl_aggregation.h"

namespace eddy::consumer {

// The Checkpointer handed to the processor of one tenure: positions are checked against what
// was delivered, writes go through the coordinator (fenced by the lease counter).
class ShardConsumer::Checkpointer final : public consumer::Checkpointer {
 public:
  Checkpointer(ShardConsumer& owner, ExtendedSequenceNumber last_checkpoint)
      : owner_(owner),
        last_checkpoint_(std::move(last_checkpoint)),
        largest_permitted_(last_checkpoint_) {}  // as KCL: nothing delivered yet

  CheckpointOutcome Checkpoint() override { return Write(largest_permitted_, false, ""); }
  CheckpointOutcome Checkpoint(const ExtendedSequenceNumber& position) override {
    return Write(position, false, "");
  }
  CheckpointOutcome PrepareCheckpoint(const ExtendedSequenceNumber& position,
                                      std::string application_state) override {
    return Write(position, true, std::move(application_state));
  }
  ExtendedSequenceNumber last_checkpoint() const override { return last_checkpoint_; }
  ExtendedSequenceNumber largest_permitted() const override { return largest_permitted_; }

  void Delivered(const ExtendedSequenceNumber& last) { largest_permitted_ = last; }
  void ShardEndDelivered() {
    last_record_ = largest_permitted_;
    largest_permitted_ = ExtendedSequenceNumber::ShardEnd();
  }

 private:
  CheckpointOutcome Write(ExtendedSequenceNumber position, bool prepare, std::string state) {
    // KCL: checkpointing where the lease already is does nothing (Checkpoint() before any
    // record was delivered, or twice in a row).
    if (!prepare && position == last_checkpoint_) return {};
    const auto& seq = position.sequence_number;
    if (seq.empty() || (!position.is_shard_end() &&
                        seq.find_first_not_of("0123456789") != std::string::npos)) {
      return {CheckpointError::kInvalidArgument,
              "not a sequence number: '" + seq + "'"};
    }
    if (largest_permitted_.empty() ||
        (!largest_permitted_.is_shard_end() && largest_permitted_.is_sentinel())) {
      return {CheckpointError::kInvalidArgument, "no record was delivered yet"};
    }
    // KCL: a checkpoint at the last record of a closed shard means SHARD_END.
    if (largest_permitted_.is_shard_end() && !last_record_.empty() &&
        ComparePositions(position, last_record_) == 0) {
      position = ExtendedSequenceNumber::ShardEnd();
    }
    if (ComparePositions(position, largest_permitted_) > 0) {
      return {CheckpointError::kInvalidArgument,
              "checkpoint " + seq + " is past the last record delivered (" +
                  largest_permitted_.sequence_number + ")"};
    }
    if (ComparePositions(position, last_checkpoint_) < 0) {
      return {CheckpointError::kInvalidArgument,
              "checkpoint " + seq + " is before the last checkpoint (" +
                  last_checkpoint_.sequence_number + ")"};
    }
    CheckpointOutcome outcome =
        prepare ? owner_.coordinator_.Checkpoint(owner_.shard_id_, owner_.token_,
                                                 last_checkpoint_, position, state)
                : owner_.coordinator_.Checkpoint(owner_.shard_id_, owner_.token_, position, {},
                                                 "");
    if (outcome.ok() && !prepare) {
      last_checkpoint_ = position;
      owner_.counters_->checkpoints.fetch_add(1, std::memory_order_relaxed);
    }
    return outcome;
  }

  ShardConsumer& owner_;
  ExtendedSequenceNumber last_checkpoint_;
  ExtendedSequenceNumber largest_permitted_;
  ExtendedSequenceNumber last_record_;  // the last record of a closed shard
};

ShardConsumer::ShardConsumer(std::string shard_id, uint64_t token, Source& source,
                             LeaseCoordinator& coordinator, ShardSyncer& syncer,
                             RecordProcessorFactory& factory, const Clock& clock,
                             const WorkerOptions& options,
                             std::shared_ptr<ShardCounters> counters,
                             std::function<void(const Status&)> on_fatal)
    : shard_id_(std::move(shard_id)),
      token_(token),
      source_(source),
      coordinator_(coordinator),
      syncer_(syncer),
      factory_(factory),
      clock_(clock),
      options_(options),
      counters_(std::move(counters)),
      on_fatal_(std::move(on_fatal)) {}

ShardConsumer::~ShardConsumer() {
  RequestShutdown();
  Join();
}

void ShardConsumer::Start() {
  thread_ = std::thread([this] {
    RunGuarded("shard consumer " + shard_id_, [this] { Run(); });
    finished_.store(true, std::memory_order_release);
  });
}

void ShardConsumer::RequestShutdown() {
  {
    std::lock_guard lock(mu_);
    shutdown_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
}

void ShardConsumer::Join() {
  if (thread_.joinable()) thread_.join();
}

bool ShardConsumer::Sleep(int64_t ms) {
  std::unique_lock lock(mu_);
  return !wake_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return shutdown_requested(); });
}

void ShardConsumer::Run() {
  int64_t backoff = options_.task_backoff_time_ms;
  for (;;) {
    auto ending = RunProcessor();
    if (ending.ok()) {
      if (*ending == Ending::kLeaseLost) coordinator_.Forget(shard_id_, token_);
      return;
    }
    counters_->restarts.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("shard {}: processor failed after sequence number {}: {}; restarting from the "
                  "last checkpoint in {} ms",
                  shard_id_, last_delivered_.empty() ? "(none)" : last_delivered_,
                  ending.status().ToString(), backoff);
    if (!Sleep(backoff) || should_stop()) {
      // Shut down (or asked for the lease) while waiting to restart: nothing is in flight;
      // give the lease back.
      (void)coordinator_.Release(shard_id_, token_);
      return;
    }
    backoff = std::min(backoff * 2, options_.max_task_backoff_time_ms);
  }
}

Result<ShardConsumer::Ending> ShardConsumer::WaitForParents() {
  for (;;) {
    if (should_stop()) return Ending::kShutdown;
    if (!held()) return Ending::kLeaseLost;
    auto held_lease = coordinator_.GetHeld(shard_id_);
    if (!held_lease) return Ending::kLeaseLost;
    bool ready = true;
    const std::vector<Lease> listing = coordinator_.LastListing();
    for (const auto& parent : held_lease->lease.parent_shard_ids) {
      auto it = std::find_if(listing.begin(), listing.end(),
                             [&](const Lease& l) { return l.lease_key == parent; });
      if (it != listing.end() && !it->at_shard_end()) ready = false;
    }
    if (ready) return Ending::kShardEnded;  // "parents ended": go on
    // The listing is refreshed by every taker cycle; check again at that pace.
    if (!Sleep(std::min<int64_t>(options_.parent_shard_poll_interval_ms,
                                 options_.lease_taker_interval_ms))) {
      return Ending::kShutdown;
    }
  }
}

namespace {

// Reads one shard's batches on a thread of its own, at most one GetRecords ahead: Start() sends
// the read of the next batch while the processor works on the current one (the ShardConsumer
// thread would otherwise wait for the processor, its checkpoint write included, and only then
// for the next read: with 1,000-record batches, a checkpoint per batch cost 29% of the rate).
// Every read runs on this thread, so the client's per-thread JSON parser, which keeps the
// capacity of the largest answer it parsed, exists once per shard as before.
//
// Memory: besides the batch being processed, at most one batch being read (<= max_records
// records; a Kinesis answer is at most 10 MB).
//
// Thread-safety: Start and Read from one thread (the ShardConsumer's); the destructor waits
// for a read in flight, whose result is dropped.
class ReadAhead {
 public:
  ReadAhead(Source& source, int limit) : source_(source), limit_(limit) {}
  ~ReadAhead() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  // Sends the read of `iterator`, unless it is already in flight.
  void Start(const std::string& iterator) {
    if (ahead_ == iterator) return;
    if (ahead_) (void)Wait();  // another read (not expected): let it finish, drop it
    if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
    {
      std::lock_guard lock(mu_);
      request_ = iterator;
    }
    ahead_ = iterator;
    wake_.notify_all();
  }

  // The batch at `iterator`: the read sent ahead if it was for `iterator`, else a new one.
  Result<ReadResult> Read(const std::string& iterator) {
    Start(iterator);
    return Wait();
  }

 private:
  Result<ReadResult> Wait() {
    std::unique_lock lock(mu_);
    done_.wait(lock, [this] { return result_.has_value(); });
    Result<ReadResult> result = std::move(*result_);
    result_.reset();
    ahead_.reset();
    return result;
  }

  void Loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      wake_.wait(lock, [this] { return stop_ || request_.has_value(); });
      if (stop_) return;
      const std::string iterator = std::move(*request_);
      request_.reset();
      lock.unlock();
      std::optional<Result<ReadResult>> result;
      try {
        result.emplace(source_.Read(iterator, limit_));
      } catch (const std::exception& e) {
        result.emplace(Status::Internal(std::string("GetRecords threw: ") + e.what()));
      }
      lock.lock();
      result_ = std::move(result);
      done_.notify_all();
    }
  }

  Source& source_;
  const int limit_;
  std::optional<std::string> ahead_;  // the read sent and not yet taken (caller's thread only)
  std::mutex mu_;
  std::condition_variable wake_;  // a request, or stop
  std::condition_variable done_;  // a result
  std::optional<std::string> request_ GUARDED_BY(mu_);
  std::optional<Result<ReadResult>> result_ GUARDED_BY(mu_);
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

StartPosition StartFor(const ExtendedSequenceNumber& checkpoint, const WorkerOptions& options) {
  StartPosition start;
  if (checkpoint.sequence_number == ExtendedSequenceNumber::kLatest) {
    start.kind = StartPosition::Kind::kLatest;
  } else if (checkpoint.sequence_number == ExtendedSequenceNumber::kAtTimestamp) {
    start.kind = StartPosition::Kind::kAtTimestamp;
    start.timestamp_ms = options.initial_timestamp_ms;
  } else if (checkpoint.is_sentinel() || checkpoint.empty()) {
    start.kind = StartPosition::Kind::kTrimHorizon;
  } else {
    // AT, not AFTER: a checkpoint inside a KPL aggregate resumes inside it; what the
    // checkpoint covers is left out as records are read.
    start.kind = StartPosition::Kind::kAtSequenceNumber;
    start.sequence_number = checkpoint.sequence_number;
  }
  return start;
}

}  // namespace

Result<ShardConsumer::Ending> ShardConsumer::RunProcessor() {
  EDDY_ASSIGN_OR_RETURN(Ending gate, WaitForParents());
  if (gate == Ending::kLeaseLost) return Ending::kLeaseLost;
  if (gate == Ending::kShutdown) {
    (void)coordinator_.Release(shard_id_, token_);
    return Ending::kShutdown;
  }
  auto held_lease = coordinator_.GetHeld(shard_id_);
  if (!held_lease || held_lease->token != token_) return Ending::kLeaseLost;
  const Lease lease = held_lease->lease;
  if (lease.at_shard_end()) {
    (void)coordinator_.Release(shard_id_, token_);
    return Ending::kShardEnded;
  }

  std::optional<HashKeyRange> range;
  if (!lease.starting_hash_key.empty()) {
    auto lo = ParseUInt128(lease.starting_hash_key);
    auto hi = ParseUInt128(lease.ending_hash_key);
    if (lo && hi) range = HashKeyRange{*lo, *hi};
  }

  std::unique_ptr<RecordProcessor> processor = factory_.Create(shard_id_);
  Checkpointer checkpointer(*this, lease.checkpoint);
  InitializationInput init{shard_id_, lease.checkpoint, lease.pending_checkpoint,
                           lease.pending_checkpoint_state};
  Status status = processor->Initialize(init);
  if (!status.ok()) return status;

  // Records at or before this position were processed already (checkpoint inside an aggregate).
  ExtendedSequenceNumber skip_through =
      lease.checkpoint.is_sentinel() ? ExtendedSequenceNumber{} : lease.checkpoint;
  StartPosition start = StartFor(lease.checkpoint, options_);
  ExtendedSequenceNumber delivered;  // the last record handed over in this tenure
  std::string iterator;
  int64_t retry_ms = options_.idle_time_between_reads_ms;
  ReadAhead reader(source_, options_.max_records);

  for (;;) {
    if (!held()) {
      processor->LeaseLost();
      return Ending::kLeaseLost;
    }
    if (should_stop()) {
      Status shut = processor->ShutdownRequested(checkpointer);
      if (!shut.ok()) {
        spdlog::warn("shard {}: shutdownRequested failed: {}", shard_id_, shut.ToString());
      }
      (void)coordinator_.Release(shard_id_, token_);
      return Ending::kShutdown;
    }
    if (iterator.empty()) {
      auto got = source_.GetIterator(shard_id_, start);
      if (!got.ok()) {
        if (got.status().code() == Status::Code::kNotFound) {
          return OnNotFound(*processor, got.status());
        }
        if (got.status().code() == Status::Code::kUnavailable) {
          spdlog::warn("shard {}: {}; retrying", shard_id_, got.status().ToString());
          Sleep(retry_ms);
          continue;
        }
        return got.status();
      }
      iterator = std::move(*got);
    }

    auto read = reader.Read(iterator);
    if (!read.ok()) {
      const Status& error = read.status();
      switch (error.code()) {
        case Status::Code::kExpired:
          iterator.clear();
          if (!delivered.empty()) {
            start = {StartPosition::Kind::kAtSequenceNumber, delivered.sequence_number, 0};
            skip_through = delivered;
          }
          continue;
        case Status::Code::kOutOfRange:
          spdlog::error("shard {}: records after {} were trimmed before they were read (a gap "
                        "in the data); going on from TRIM_HORIZON: {}",
                        shard_id_, delivered.empty() ? lease.checkpoint.sequence_number
                                                     : delivered.sequence_number,
                        error.ToString());
          iterator.clear();
          start = {StartPosition::Kind::kTrimHorizon, "", 0};
          continue;
        case Status::Code::kNotFound:
          return OnNotFound(*processor, error);
        case Status::Code::kUnavailable:
          spdlog::warn("shard {}: {}; retrying", shard_id_, error.ToString());
          Sleep(retry_ms);
          continue;
        default:
          return error;
      }
    }

    std::vector<Record> records;
    records.reserve(read->records.size());
    for (Record& record : read->records) {
      if (source_.may_aggregate() && IsAggregated(record.data)) {
        for (Record& user : Deaggregate(std::move(record), range ? &*range : nullptr)) {
          records.push_back(std::move(user));
        }
      } else {
        records.push_back(std::move(record));
      }
    }
    if (!skip_through.empty()) {
      std::erase_if(records, [&](const Record& r) {
        return ComparePositions(r.position(), skip_through) <= 0;
      });
      if (!records.empty()) skip_through = {};
    }
    counters_->millis_behind_latest.store(read->millis_behind_latest, std::memory_order_relaxed);
    const bool shard_ended = read->shard_ended();
    iterator = std::move(read->next_iterator);
    // The next batch is read while the processor works on this one; not after an empty read
    // (the consumer pauses first) nor at the shard's end. If the lease goes meanwhile, the
    // batch read ahead is dropped, never delivered.
    if (!shard_ended && !records.empty()) reader.Start(iterator);

    if (!records.empty() || options_.call_process_records_even_for_empty_list) {
      if (!records.empty()) checkpointer.Delivered(records.back().position());
      ProcessRecordsInput input{records, read->millis_behind_latest, checkpointer};
      status = processor->ProcessRecords(input);
      if (!status.ok()) return status;
      if (!records.empty()) {
        delivered = records.back().position();
        last_delivered_ = delivered.sequence_number;
        counters_->records.fetch_add(records.size(), std::memory_order_relaxed);
      }
      counters_->batches.fetch_add(1, std::memory_order_relaxed);
    }

    if (shard_ended) {
      // The children get their leases now, not at the next periodic sync.
      if (!read->child_shards.empty()) {
        auto created = syncer_.CreateChildLeases(read->child_shards);
        if (!created.ok()) return created.status();
      } else {
        auto synced = syncer_.Sync(/*cleanup=*/false);
        if (!synced.ok()) return synced.status();
      }
      if (!held()) {
        processor->LeaseLost();
        return Ending::kLeaseLost;
      }
      checkpointer.ShardEndDelivered();
      status = processor->ShardEnded(checkpointer);
      if (!status.ok()) return status;
      if (!checkpointer.last_checkpoint().is_shard_end()) {
        return Status::FailedPrecondition(
            "the processor did not checkpoint at the end of the shard (SHARD_END); its "
            "children stay blocked until it does");
      }
      std::set<std::string> children;
      for (const auto& child : read->child_shards) children.insert(child.shard_id);
      if (!children.empty()) {
        Status recorded = coordinator_.SetChildShards(shard_id_, token_, children);
        if (!recorded.ok()) {
          spdlog::warn("shard {}: recording child shards: {}", shard_id_, recorded.ToString());
        }
      }
      (void)coordinator_.Release(shard_id_, token_);
      return Ending::kShardEnded;
    }
    retry_ms = options_.idle_time_between_reads_ms;
    if (records.empty()) Sleep(options_.idle_time_between_reads_ms);
  }
}

Result<ShardConsumer::Ending> ShardConsumer::OnNotFound(RecordProcessor& processor,
                                                      const Status& error) {
  // Either the stream is gone (the worker must stop) or only this shard (trimmed after its
  // retention): tell them apart by listing the shards.
  auto shards = source_.ListShards();
  if (!shards.ok() && shards.status().code() == Status::Code::kNotFound) {
    on_fatal_(shards.status());
    processor.LeaseLost();
    return Ending::kFatal;
  }
  if (!shards.ok()) return error;
  const bool exists = std::any_of(shards->begin(), shards->end(),
                                  [&](const SourceShard& s) { return s.shard_id == shard_id_; });
  if (exists) return error;
  spdlog::error("shard {} no longer exists in {} (trimmed after its retention period); its "
                "unread records are lost; marking it finished so its children are read",
                shard_id_, source_.name());
  processor.LeaseLost();
  CheckpointOutcome done = coordinator_.Checkpoint(
      shard_id_, token_, ExtendedSequenceNumber::ShardEnd(), {}, "");
  if (!done.ok()) return Status::Unavailable(done.message);
  (void)coordinator_.Release(shard_id_, token_);
  return Ending::kShardEnded;
}

}  // namespace eddy::consumer
