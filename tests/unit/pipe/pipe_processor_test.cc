#include "eddy/pipe/pipe_processor.h"

#include <gtest/gtest.h>

#include <map>

#include "unit/pipe/pipe_test_support.h"

namespace eddy::pipe {
namespace {

using testing::FunctionError;
using testing::MakeRecords;
using testing::MemorySink;
using testing::Ok;
using testing::ScriptedTarget;

constexpr int64_t kNow = 1'700'000'000'000;

class RecordingCheckpointer final : public consumer::Checkpointer {
 public:
  consumer::CheckpointOutcome Checkpoint() override {
    positions.push_back("SHARD_END");
    return {};
  }
  consumer::CheckpointOutcome Checkpoint(const consumer::ExtendedSequenceNumber& p) override {
    positions.push_back(p.sequence_number);
    return {};
  }
  consumer::CheckpointOutcome PrepareCheckpoint(const consumer::ExtendedSequenceNumber&,
                                                std::string) override {
    return {};
  }
  consumer::ExtendedSequenceNumber last_checkpoint() const override { return {}; }
  consumer::ExtendedSequenceNumber largest_permitted() const override { return {}; }

  std::vector<std::string> positions;
};

class PipeProcessorTest : public ::testing::Test {
 protected:
  PipeProcessorTest() : clock_(kNow) {
    config_.name = "p";
    config_.event_source_arn = "arn:aws:kinesis:us-east-1:000000000000:stream/s";
    config_.function_name = "f";
  }

  std::unique_ptr<PipeProcessor> Make(Target& target, FailureSink* sink = nullptr) {
    EXPECT_TRUE(ValidatePipeConfig(&config_).ok());
    auto filter = EventFilter::Compile(config_.filter_patterns);
    EXPECT_TRUE(filter.ok());
    shared_.config = &config_;
    shared_.filter = *filter;
    shared_.target = &target;
    shared_.sink = sink;
    shared_.status = &status_;
    shared_.clock = &clock_;
    shared_.pacing = RetryPacing{1, 2, 2};
    shared_.stopping = &stopping_;
    auto p = std::make_unique<PipeProcessor>(shared_);
    consumer::InitializationInput init;
    init.shard_id = "shardId-000000000000";
    EXPECT_TRUE(p->Initialize(init).ok());
    return p;
  }

  Status Process(PipeProcessor& p, const std::vector<consumer::Record>& records) {
    consumer::ProcessRecordsInput input{records, 0, checkpointer_};
    return p.ProcessRecords(input);
  }

  PipeConfig config_;
  ManualClock clock_;
  PipeStatus status_;
  PipeShared shared_;
  std::atomic<bool> stopping_{false};
  RecordingCheckpointer checkpointer_;
};

TEST_F(PipeProcessorTest, SplitsAReadIntoBatchesAndCheckpointsAfterEach) {
  config_.batch_size = 2;
  ScriptedTarget target([](const auto&) { return Ok(); });
  auto p = Make(target);
  ASSERT_TRUE(Process(*p, MakeRecords(5, kNow)).ok());
  const auto batches = target.batches();
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[2], (std::vector<std::string>{"1004"}));
  EXPECT_EQ(checkpointer_.positions, (std::vector<std::string>{"1001", "1003", "1004"}));
}

TEST_F(PipeProcessorTest, FilteredRecordsAreNotDeliveredButAreCheckpointed) {
  config_.filter_patterns = {R"({"data":{"n":[1,3]}})"};
  ScriptedTarget target([](const auto&) { return Ok(); });
  auto p = Make(target);
  ASSERT_TRUE(Process(*p, MakeRecords(5, kNow)).ok());
  ASSERT_EQ(target.batches().size(), 1u);
  EXPECT_EQ(target.batches()[0], (std::vector<std::string>{"1001", "1003"}));
  EXPECT_EQ(checkpointer_.positions.back(), "1004");  // the filtered tail is done too
  EXPECT_EQ(status_.Shard("shardId-000000000000")->filtered.load(), 3u);
}

TEST_F(PipeProcessorTest, EverythingFilteredOutIsCheckpointedWithoutAnInvocation) {
  config_.filter_patterns = {R"({"data":{"n":[99]}})"};
  ScriptedTarget target([](const auto&) { return Ok(); });
  auto p = Make(target);
  ASSERT_TRUE(Process(*p, MakeRecords(3, kNow)).ok());
  EXPECT_TRUE(target.batches().empty());
  EXPECT_EQ(checkpointer_.positions, (std::vector<std::string>{"1002"}));
}

TEST_F(PipeProcessorTest, ParallelizationKeepsEachKeysRecordsInOrderInOneSlot) {
  config_.parallelization_factor = 4;
  config_.batch_size = 3;
  ScriptedTarget target([](const auto&) { return Ok(); });
  auto p = Make(target);
  const std::vector<std::string> keys{"a", "b", "c", "d", "e", "f"};
  auto records = MakeRecords(60, kNow, keys);
  ASSERT_TRUE(Process(*p, records).ok());
  std::map<std::string, std::string> key_of;
  for (const auto& r : records) key_of[r.sequence_number] = r.partition_key;
  // Per key: every record delivered exactly once, in sequence order.
  std::map<std::string, std::vector<std::string>> seen;
  size_t total = 0;
  for (const auto& batch : target.batches()) {
    EXPECT_LE(batch.size(), 3u);
    for (const auto& s : batch) seen[key_of[s]].push_back(s), ++total;
  }
  EXPECT_EQ(total, 60u);
  for (const auto& [key, seqs] : seen) {
    EXPECT_EQ(seqs.size(), 10u) << key;
    EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end())) << key;
  }
  EXPECT_EQ(checkpointer_.positions, (std::vector<std::string>{"1059"}));
}

TEST_F(PipeProcessorTest, ParallelSlotsCheckpointBelowTheFirstRecordNotDone) {
  config_.parallelization_factor = 2;
  ScriptedTarget target([&](const std::vector<std::string>& batch) {
    for (const auto& s : batch) {
      if (s == "1003") {
        stopping_.store(true);  // this slot blocks on a failing record until the pipe stops
        return FunctionError();
      }
    }
    return Ok();
  });
  auto p = Make(target);
  const std::vector<std::string> keys{"x", "y"};
  auto records = MakeRecords(8, kNow, keys);
  EXPECT_FALSE(Process(*p, records).ok());
  // Whatever the slot of 1003, nothing at or after 1003 is checkpointed; if anything was, it
  // is below it.
  for (const auto& pos : checkpointer_.positions) EXPECT_LT(pos, "1003");
}

TEST_F(PipeProcessorTest, BatchingWindowHoldsRecordsUntilItPassesOrTheBatchIsFull) {
  config_.maximum_batching_window_in_seconds = 2;
  config_.batch_size = 4;
  ScriptedTarget target([](const auto&) { return Ok(); });
  auto p = Make(target);
  ASSERT_TRUE(Process(*p, MakeRecords(1, kNow)).ok());
  ASSERT_TRUE(Process(*p, {}).ok());
  EXPECT_TRUE(target.batches().empty());
  clock_.AdvanceMillis(2000);
  ASSERT_TRUE(Process(*p, {}).ok());
  ASSERT_EQ(target.batches().size(), 1u);
  // A full batch goes at once.
  ASSERT_TRUE(Process(*p, MakeRecords(4, kNow)).ok());
  EXPECT_EQ(target.batches().size(), 2u);
}

TEST_F(PipeProcessorTest, ShardEndDeliversWhatIsHeldAndCheckpointsShardEnd) {
  config_.maximum_batching_window_in_seconds = 60;
  ScriptedTarget target([](const auto&) { return Ok(); });
  auto p = Make(target);
  ASSERT_TRUE(Process(*p, MakeRecords(2, kNow)).ok());
  EXPECT_TRUE(target.batches().empty());
  ASSERT_TRUE(p->ShardEnded(checkpointer_).ok());
  EXPECT_EQ(target.batches().size(), 1u);
  EXPECT_EQ(checkpointer_.positions, (std::vector<std::string>{"1001", "SHARD_END"}));
}

TEST_F(PipeProcessorTest, NothingIsCheckpointedPastARecordStillFailingWhenStopped) {
  ScriptedTarget target([&](const auto&) {
    if (status_.Shard("shardId-000000000000")->invocations.load() > 3) stopping_.store(true);
    return FunctionError();
  });
  auto p = Make(target);
  EXPECT_FALSE(Process(*p, MakeRecords(3, kNow)).ok());
  EXPECT_TRUE(checkpointer_.positions.empty());
}

TEST_F(PipeProcessorTest, ABatchStopsBeforeSixMegabytes) {
  config_.batch_size = 10000;
  ScriptedTarget target([](const auto&) { return Ok(); });
  auto p = Make(target);
  auto records = MakeRecords(10, kNow);
  for (auto& r : records) r.data = std::string(1 << 20, 'x');  // ~1.4 MB each in base64
  ASSERT_TRUE(Process(*p, records).ok());
  const auto payloads = target.payloads();
  ASSERT_GE(payloads.size(), 3u);
  for (const auto& payload : payloads) EXPECT_LE(payload.size(), kMaxPayloadBytes);
}

}  // namespace
}  // namespace eddy::pipe
