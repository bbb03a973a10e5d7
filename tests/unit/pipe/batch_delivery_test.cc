#include "eddy/pipe/batch_delivery.h"

#include <gtest/gtest.h>

#include <set>

#include "unit/pipe/pipe_test_support.h"

namespace eddy::pipe {
namespace {

using testing::FunctionError;
using testing::MakeRecords;
using testing::MemorySink;
using testing::Ok;
using testing::ScriptedTarget;
using testing::Unavailable;

constexpr int64_t kNow = 1'700'000'000'000;

class BatchDeliveryTest : public ::testing::Test {
 protected:
  BatchDeliveryTest() : clock_(kNow) {
    config_.name = "p";
    config_.event_source_arn = "arn:aws:kinesis:us-east-1:000000000000:stream/s";
    config_.function_name = "f";
    EXPECT_TRUE(ValidatePipeConfig(&config_).ok());
    context_.event_source_arn = config_.event_source_arn;
    context_.shard_id = "shardId-000000000000";
    context_.region = "us-east-1";
    pacing_.initial_ms = 1;
    pacing_.max_ms = 2;
    pacing_.broken_ms = 2;
  }

  // Delivers records [0, n) and returns how many were done.
  size_t Deliver(Target& target, std::vector<consumer::Record>& records, FailureSink* sink) {
    items_.clear();
    for (auto& r : records) items_.push_back(DeliveryItem{&r, RecordEntry(context_, r)});
    BatchDeliverer deliverer(config_, context_, target, sink, *status_, pipe_status_, clock_,
                             pacing_, stopping_);
    return deliverer.Deliver(items_, 0, items_.size());
  }

  PipeConfig config_;
  EventContext context_;
  ManualClock clock_;
  RetryPacing pacing_;
  PipeStatus pipe_status_;
  std::shared_ptr<ShardStatus> status_ = pipe_status_.Shard("shardId-000000000000");
  std::atomic<bool> stopping_{false};
  std::vector<DeliveryItem> items_;
};

TEST_F(BatchDeliveryTest, SuccessDeliversTheBatchOnce) {
  ScriptedTarget target([](const auto&) { return Ok(); });
  auto records = MakeRecords(5, kNow);
  EXPECT_EQ(Deliver(target, records, nullptr), 5u);
  ASSERT_EQ(target.batches().size(), 1u);
  EXPECT_EQ(target.batches()[0],
            (std::vector<std::string>{"1000", "1001", "1002", "1003", "1004"}));
  EXPECT_EQ(status_->delivered.load(), 5u);
  EXPECT_EQ(status_->in_flight_records.load(), 0);
}

TEST_F(BatchDeliveryTest, BisectHalvesUntilTheBadRecordIsAloneAndSendsOnlyItToTheDestination) {
  config_.bisect_batch_on_function_error = true;
  config_.maximum_retry_attempts = 0;
  ScriptedTarget target([](const std::vector<std::string>& batch) {
    for (const auto& s : batch) {
      if (s == "1005") return FunctionError();
    }
    return Ok();
  });
  MemorySink sink;
  auto records = MakeRecords(8, kNow);
  EXPECT_EQ(Deliver(target, records, &sink), 8u);
  // 8 -> [0,4) ok, [4,8) fails -> [4,6) fails -> [4,5) ok, [5,6) fails alone -> destination;
  // then [6,8) ok.
  const auto batches = target.batches();
  ASSERT_EQ(batches.size(), 7u);
  EXPECT_EQ(batches[0].size(), 8u);
  EXPECT_EQ(batches[1], (std::vector<std::string>{"1000", "1001", "1002", "1003"}));
  EXPECT_EQ(batches[2], (std::vector<std::string>{"1004", "1005", "1006", "1007"}));
  EXPECT_EQ(batches[3], (std::vector<std::string>{"1004", "1005"}));
  EXPECT_EQ(batches[4], (std::vector<std::string>{"1004"}));
  EXPECT_EQ(batches[5], (std::vector<std::string>{"1005"}));
  EXPECT_EQ(batches[6], (std::vector<std::string>{"1006", "1007"}));
  ASSERT_EQ(sink.batches().size(), 1u);
  EXPECT_EQ(sink.batches()[0], (std::vector<std::string>{"1005"}));
  EXPECT_EQ(sink.conditions()[0], "RetryAttemptsExhausted");
  EXPECT_EQ(status_->delivered.load(), 7u);
  EXPECT_EQ(status_->failed.load(), 1u);
}

TEST_F(BatchDeliveryTest, PartialFailureResumesFromTheLowestFailedIdentifier) {
  config_.report_batch_item_failures = true;
  int calls = 0;
  ScriptedTarget target([&](const std::vector<std::string>&) {
    ++calls;
    if (calls == 1) {
      return Ok(R"({"batchItemFailures":[{"itemIdentifier":"1004"},{"itemIdentifier":"1002"}]})");
    }
    return Ok(R"({"batchItemFailures":[]})");
  });
  auto records = MakeRecords(6, kNow);
  EXPECT_EQ(Deliver(target, records, nullptr), 6u);
  const auto batches = target.batches();
  ASSERT_EQ(batches.size(), 2u);
  // Everything from the lowest failure on is sent again, later successes included.
  EXPECT_EQ(batches[1], (std::vector<std::string>{"1002", "1003", "1004", "1005"}));
  EXPECT_EQ(status_->delivered.load(), 6u);
}

TEST_F(BatchDeliveryTest, PartialResponseIsIgnoredWithoutReportBatchItemFailures) {
  ScriptedTarget target([](const auto&) {
    return Ok(R"({"batchItemFailures":[{"itemIdentifier":"1001"}]})");
  });
  auto records = MakeRecords(3, kNow);
  EXPECT_EQ(Deliver(target, records, nullptr), 3u);
  EXPECT_EQ(target.batches().size(), 1u);
}

TEST_F(BatchDeliveryTest, UnknownIdentifierFailsTheWholeBatch) {
  config_.report_batch_item_failures = true;
  config_.maximum_retry_attempts = 1;
  ScriptedTarget target([](const auto&) {
    return Ok(R"({"batchItemFailures":[{"itemIdentifier":"999"}]})");
  });
  MemorySink sink;
  auto records = MakeRecords(3, kNow);
  EXPECT_EQ(Deliver(target, records, &sink), 3u);
  EXPECT_EQ(target.batches().size(), 2u);  // the first try and one retry, whole batch each time
  EXPECT_EQ(target.batches()[1].size(), 3u);
  ASSERT_EQ(sink.batches().size(), 1u);
  EXPECT_EQ(sink.batches()[0].size(), 3u);
  EXPECT_NE(sink.records()[0].find("is not a record of the batch"), std::string::npos);
  EXPECT_NE(sink.records()[0].find("\"functionError\":\"Unhandled\""), std::string::npos);
}

TEST_F(BatchDeliveryTest, RetriesEndInTheDestinationWithTheRecordsThemselves) {
  config_.maximum_retry_attempts = 2;
  ScriptedTarget target([](const auto&) { return FunctionError("ValueError"); });
  MemorySink sink;
  auto records = MakeRecords(3, kNow - 1500);
  EXPECT_EQ(Deliver(target, records, &sink), 3u);
  EXPECT_EQ(target.batches().size(), 3u);  // one try, two retries
  ASSERT_EQ(sink.records().size(), 1u);
  const std::string failure = sink.records()[0];
  EXPECT_NE(failure.find("\"condition\":\"RetryAttemptsExhausted\""), std::string::npos);
  EXPECT_NE(failure.find("\"approximateInvokeCount\":3"), std::string::npos);
  EXPECT_NE(failure.find("\"KinesisBatchInfo\":{\"shardId\":\"shardId-000000000000\","
                         "\"startSequenceNumber\":\"1000\",\"endSequenceNumber\":\"1002\""),
            std::string::npos);
  EXPECT_NE(failure.find("\"batchSize\":3"), std::string::npos);
  EXPECT_NE(failure.find("\"errorType\":\"ValueError\""), std::string::npos);
  // The records as the function got them, data included (base64 of {"n":1}).
  EXPECT_NE(failure.find("\"records\":[{\"kinesis\":"), std::string::npos);
  EXPECT_NE(failure.find("eyJuIjoxfQ=="), std::string::npos);
  EXPECT_EQ(status_->failed.load(), 3u);
  EXPECT_EQ(status_->delivered.load(), 0u);
}

TEST_F(BatchDeliveryTest, RecordsOlderThanTheMaximumAgeGoToTheDestinationWithoutAnInvocation) {
  config_.maximum_record_age_in_seconds = 60;
  ScriptedTarget target([](const auto&) { return Ok(); });
  MemorySink sink;
  auto records = MakeRecords(2, kNow - 61'000);
  EXPECT_EQ(Deliver(target, records, &sink), 2u);
  EXPECT_TRUE(target.batches().empty());
  ASSERT_EQ(sink.conditions().size(), 1u);
  EXPECT_EQ(sink.conditions()[0], "RecordAgeExceeded");
  EXPECT_NE(sink.records()[0].find("\"approximateInvokeCount\":0"), std::string::npos);
}

TEST_F(BatchDeliveryTest, RecordAgeEndsRetriesOfAFailingBatch) {
  config_.maximum_record_age_in_seconds = 60;
  ScriptedTarget target([&](const auto&) {
    clock_.AdvanceMillis(30'000);  // each attempt takes 30 s
    return FunctionError();
  });
  MemorySink sink;
  auto records = MakeRecords(2, kNow);
  EXPECT_EQ(Deliver(target, records, &sink), 2u);
  EXPECT_EQ(target.batches().size(), 3u);  // at 0 s, 30 s, 60 s; at 90 s the age is over 60 s
  ASSERT_EQ(sink.conditions().size(), 1u);
  EXPECT_EQ(sink.conditions()[0], "RecordAgeExceeded");
}

TEST_F(BatchDeliveryTest, AnUnavailableTargetIsRetriedWithoutUsingAttempts) {
  config_.maximum_retry_attempts = 0;
  int calls = 0;
  ScriptedTarget target([&](const auto&) { return ++calls <= 5 ? Unavailable() : Ok(); });
  MemorySink sink;
  auto records = MakeRecords(4, kNow);
  EXPECT_EQ(Deliver(target, records, &sink), 4u);
  EXPECT_EQ(calls, 6);
  EXPECT_TRUE(sink.batches().empty());  // nothing given up: the target came back
  EXPECT_EQ(status_->delivered.load(), 4u);
  EXPECT_EQ(status_->unavailable.load(), 5u);
}

TEST_F(BatchDeliveryTest, WithoutADestinationExhaustedRecordsAreDroppedAndCounted) {
  config_.maximum_retry_attempts = 0;
  ScriptedTarget target([](const auto&) { return FunctionError(); });
  auto records = MakeRecords(2, kNow);
  EXPECT_EQ(Deliver(target, records, nullptr), 2u);
  EXPECT_EQ(status_->failed.load(), 2u);
}

TEST_F(BatchDeliveryTest, ARefusingDestinationIsRetriedUntilItTakesTheBatch) {
  config_.maximum_retry_attempts = 0;
  ScriptedTarget target([](const auto&) { return FunctionError(); });
  MemorySink sink;
  sink.RefuseNext(3);
  auto records = MakeRecords(2, kNow);
  EXPECT_EQ(Deliver(target, records, &sink), 2u);
  EXPECT_EQ(sink.batches().size(), 1u);
}

TEST_F(BatchDeliveryTest, DefaultSettingsBlockOnAFailingBatchUntilStopped) {
  ScriptedTarget target([&](const auto&) {
    if (status_->invocations.load() >= 20) stopping_.store(true);
    return FunctionError();
  });
  auto records = MakeRecords(3, kNow);
  EXPECT_EQ(Deliver(target, records, nullptr), 0u);  // nothing done: nothing may be checkpointed
  EXPECT_GE(status_->retry_attempts.load(), 19);
  EXPECT_NE(status_->last_error().find("boom"), std::string::npos);
  EXPECT_EQ(status_->in_flight_records.load(), 0);
}

TEST_F(BatchDeliveryTest, PartialAndBisectTogetherRetryOnlyTheRemainder) {
  config_.report_batch_item_failures = true;
  config_.bisect_batch_on_function_error = true;
  int calls = 0;
  ScriptedTarget target([&](const auto&) {
    return ++calls == 1 ? Ok(R"({"batchItemFailures":[{"itemIdentifier":"1003"}]})") : Ok();
  });
  auto records = MakeRecords(6, kNow);
  EXPECT_EQ(Deliver(target, records, nullptr), 6u);
  ASSERT_EQ(target.batches().size(), 2u);
  EXPECT_EQ(target.batches()[1], (std::vector<std::string>{"1003", "1004", "1005"}));
}

TEST_F(BatchDeliveryTest, ABadResponseIsAFunctionErrorAndBisects) {
  config_.report_batch_item_failures = true;
  config_.bisect_batch_on_function_error = true;
  config_.maximum_retry_attempts = 0;
  ScriptedTarget target([](const std::vector<std::string>& batch) {
    return batch.size() > 1 ? Ok("not json") : Ok();
  });
  auto records = MakeRecords(4, kNow);
  EXPECT_EQ(Deliver(target, records, nullptr), 4u);
  EXPECT_EQ(status_->delivered.load(), 4u);
  EXPECT_EQ(status_->function_errors.load(), 3u);  // [0,4), [0,2), [2,4)
}

}  // namespace
}  // namespace eddy::pipe
