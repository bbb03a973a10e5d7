#include "eddy/pipe/pipe_config.h"

#include <gtest/gtest.h>

#include "eddy/pipe/time_format.h"

namespace eddy::pipe {
namespace {

constexpr std::string_view kMinimal = R"({"Name":"p","FunctionName":"f",
  "EventSourceArn":"arn:aws:kinesis:eu-west-1:123456789012:stream/orders",
  "StartingPosition":"TRIM_HORIZON"})";

std::string With(std::string_view extra) {
  std::string json(kMinimal);
  json.insert(json.size() - 1, std::string(",") + std::string(extra));
  return json;
}

TEST(PipeConfigTest, LambdaDefaults) {
  auto c = ParsePipeConfig(kMinimal);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->batch_size, 100);
  EXPECT_EQ(c->maximum_batching_window_in_seconds, 0);
  EXPECT_EQ(c->parallelization_factor, 1);
  EXPECT_EQ(c->maximum_retry_attempts, -1);
  EXPECT_EQ(c->maximum_record_age_in_seconds, -1);
  EXPECT_FALSE(c->bisect_batch_on_function_error);
  EXPECT_FALSE(c->report_batch_item_failures);
  EXPECT_TRUE(c->enabled);
  EXPECT_EQ(c->source_type, SourceType::kKinesis);
  EXPECT_EQ(c->stream_name, "orders");
  EXPECT_EQ(c->source_region, "eu-west-1");
  EXPECT_EQ(c->source_account, "123456789012");
  EXPECT_EQ(c->target_type, TargetType::kFunction);
  EXPECT_EQ(c->lease_table, "eddy-pipe-p");
}

TEST(PipeConfigTest, ReadsEverySetting) {
  auto c = ParsePipeConfig(R"({"Name":"ddb","TargetUrl":"http://127.0.0.1:9/x",
    "EventSourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/2024-01-01T00:00:00.000",
    "StartingPosition":"AT_TIMESTAMP","StartingPositionTimestamp":"2024-05-01T12:00:00Z",
    "BatchSize":500,"MaximumBatchingWindowInSeconds":2,"ParallelizationFactor":4,
    "MaximumRetryAttempts":3,"MaximumRecordAgeInSeconds":3600,"BisectBatchOnFunctionError":true,
    "FunctionResponseTypes":["ReportBatchItemFailures"],"Enabled":false,
    "FilterCriteria":{"Filters":[{"Pattern":"{\"eventName\":[\"INSERT\"]}"}]},
    "DestinationConfig":{"OnFailure":{"Destination":"file:///tmp/dlq.jsonl"}},
    "StrictBatchItemFailures":true,"TargetTimeoutSeconds":5,"PollingIntervalMs":50})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->source_type, SourceType::kDynamoDbStream);
  EXPECT_EQ(c->stream_name, "T");
  EXPECT_EQ(c->target_type, TargetType::kHttp);
  EXPECT_EQ(c->starting_position, StartingPosition::kAtTimestamp);
  EXPECT_EQ(c->starting_position_timestamp_ms, 1714564800000);
  EXPECT_EQ(c->batch_size, 500);
  EXPECT_EQ(c->parallelization_factor, 4);
  EXPECT_TRUE(c->report_batch_item_failures);
  EXPECT_FALSE(c->enabled);
  EXPECT_EQ(c->filter_patterns.size(), 1u);
  EXPECT_EQ(c->on_failure.type, FailureDestination::Type::kFile);
  EXPECT_EQ(c->on_failure.name, "/tmp/dlq.jsonl");
  EXPECT_EQ(c->polling_interval_ms, 50);
  // And back: the JSON written reads as the same definition.
  auto again = ParsePipeConfig(PipeConfigToJson(*c));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(PipeConfigToJson(*again), PipeConfigToJson(*c));
}

TEST(PipeConfigTest, RefusesValuesOutsideLambdasRanges) {
  struct Case {
    std::string_view extra, message;
  };
  for (const Case& c : std::vector<Case>{
           {R"("BatchSize":0)", "Value '0' at 'batchSize' failed to satisfy constraint: Member "
                                "must have value greater than or equal to 1"},
           {R"("BatchSize":10001)", "less than or equal to 10000"},
           {R"("MaximumBatchingWindowInSeconds":301)", "maximumBatchingWindowInSeconds"},
           {R"("ParallelizationFactor":11)", "parallelizationFactor"},
           {R"("MaximumRetryAttempts":-2)", "maximumRetryAttempts"},
           {R"("MaximumRetryAttempts":10001)", "maximumRetryAttempts"},
           {R"("MaximumRecordAgeInSeconds":59)", "between 60 and 604800"},
           {R"("MaximumRecordAgeInSeconds":604801)", "maximumRecordAgeInSeconds"},
           {R"("TumblingWindowInSeconds":901)", "tumblingWindowInSeconds"},
           {R"("FunctionResponseTypes":["Whatever"])", "ReportBatchItemFailures"},
           {R"("StartingPositionTimestamp":1714564800)", "only allowed with StartingPosition AT_TIMESTAMP"},
           {R"("FilterCriteria":{"Filters":[{"Pattern":"not json"}]})", "Invalid filter pattern"},
           {R"("DestinationConfig":{"OnFailure":{"Destination":"arn:aws:sqs:us-east-1:1:q"}})", "sqs ARN"},
           {R"("DestinationConfig":{"OnFailure":{"Destination":"file://relative"}})", "file:///"},
           {R"("TargetUrl":"http://x")", "exactly one target"},
           {R"("Colour":"red")", "Unknown pipe field 'Colour'"},
           {R"("BatchSize":"10")", "BatchSize must be an integer"},
       }) {
    auto parsed = ParsePipeConfig(With(c.extra));
    ASSERT_FALSE(parsed.ok()) << c.extra;
    EXPECT_NE(parsed.status().message().find(c.message), std::string::npos)
        << c.extra << " -> " << parsed.status().message();
    EXPECT_EQ(parsed.status().code(), Status::Code::kInvalidArgument);
  }
}

TEST(PipeConfigTest, RefusesBadSourcesAndNames) {
  EXPECT_FALSE(ParsePipeConfig(R"({"Name":"p","FunctionName":"f","StartingPosition":"LATEST",
      "EventSourceArn":"arn:aws:sqs:us-east-1:000000000000:q"})").ok());
  EXPECT_FALSE(ParsePipeConfig(R"({"Name":"p","FunctionName":"f","StartingPosition":"LATEST",
      "EventSourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/T"})").ok());
  EXPECT_FALSE(ParsePipeConfig(R"({"Name":"no spaces","FunctionName":"f",
      "EventSourceArn":"arn:aws:kinesis:us-east-1:000000000000:stream/s"})").ok());
  auto missing = ParsePipeConfig(R"({"Name":"p","FunctionName":"f",
      "StartingPosition":"AT_TIMESTAMP",
      "EventSourceArn":"arn:aws:kinesis:us-east-1:000000000000:stream/s"})");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("StartingPositionTimestamp is required"),
            std::string::npos);
}

TEST(PipeConfigTest, FunctionArnNamesTheFunction) {
  auto c = ParsePipeConfig(R"({"Name":"p","StartingPosition":"LATEST",
      "FunctionName":"arn:aws:lambda:us-east-1:000000000000:function:to-legacy",
      "EventSourceArn":"arn:aws:kinesis:us-east-1:000000000000:stream/s"})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->function_name, "to-legacy");
}

TEST(TimeFormatTest, RoundTrips) {
  EXPECT_EQ(FormatIso8601Millis(1573691886021), "2019-11-14T00:38:06.021Z");
  EXPECT_EQ(FormatIso8601Seconds(1573691886021), "2019-11-14T00:38:06Z");
  EXPECT_EQ(ParseIso8601Millis("2019-11-14T00:38:06.021Z"), 1573691886021);
  EXPECT_EQ(ParseIso8601Millis("2019-11-14T01:38:06.021+01:00"), 1573691886021);
  EXPECT_EQ(ParseIso8601Millis("2019-11-14T00:38:06"), 1573691886000);
  EXPECT_FALSE(ParseIso8601Millis("2019-13-14T00:38:06Z"));
  EXPECT_FALSE(ParseIso8601Millis("yesterday"));
}

}  // namespace
}  // namespace eddy::pipe
