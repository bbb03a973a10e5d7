#include "eddy/pipe/event.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "eddy/pipe/failure_destination.h"

namespace eddy::pipe {
namespace {

consumer::Record KinesisRecord() {
  consumer::Record r;
  r.sequence_number = "49590338271490256608559692538361571095921575989136588898";
  r.partition_key = "1";
  r.data = "Hello, this is a test.";
  r.arrival_ms = 1545084650987;
  return r;
}

EventContext KinesisContext() {
  EventContext c;
  c.event_source_arn = "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream";
  c.region = "us-east-2";
  c.shard_id = "shardId-000000000006";
  c.invoke_identity_arn = "arn:aws:iam::123456789012:role/lambda-role";
  return c;
}

TEST(EventTest, KinesisEntryIsLambdasExactly) {
  EXPECT_EQ(RecordEntry(KinesisContext(), KinesisRecord()),
            R"({"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":"1",)"
            R"("sequenceNumber":"49590338271490256608559692538361571095921575989136588898",)"
            R"("data":"SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==","approximateArrivalTimestamp":1545084650.987},)"
            R"("eventSource":"aws:kinesis","eventVersion":"1.0",)"
            R"("eventID":"shardId-000000000006:49590338271490256608559692538361571095921575989136588898",)"
            R"("eventName":"aws:kinesis:record","invokeIdentityArn":"arn:aws:iam::123456789012:role/lambda-role",)"
            R"("awsRegion":"us-east-2","eventSourceARN":"arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream"})");
}

TEST(EventTest, DynamoDbEntryIsTheStreamRecordWithItsStreamArn) {
  EventContext c;
  c.source_type = SourceType::kDynamoDbStream;
  c.event_source_arn = "arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/2024-06-10T19:26:16.525";
  consumer::Record r;
  r.sequence_number = "1100000000000136137170";
  r.data = R"({"eventID":"c4ca","eventName":"MODIFY","dynamodb":{"Keys":{"Id":{"N":"101"}}}})";
  EXPECT_EQ(RecordEntry(c, r),
            R"({"eventID":"c4ca","eventName":"MODIFY","dynamodb":{"Keys":{"Id":{"N":"101"}}},)"
            R"("eventSourceARN":"arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/2024-06-10T19:26:16.525"})");
}

TEST(EventTest, BatchPayloadIsValidJsonWithRecordsInOrder) {
  const EventContext c = KinesisContext();
  consumer::Record a = KinesisRecord();
  consumer::Record b = KinesisRecord();
  b.sequence_number = "49590338271490256608559692538361571095921575989136588899";
  const std::string ea = RecordEntry(c, a), eb = RecordEntry(c, b);
  const std::string payload = BatchPayload({&ea, &eb});
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(payload).get(doc), simdjson::SUCCESS);
  simdjson::dom::array records;
  ASSERT_EQ(doc["Records"].get_array().get(records), simdjson::SUCCESS);
  ASSERT_EQ(records.size(), 2u);
  std::string_view seq;
  ASSERT_EQ(records.at(1)["kinesis"]["sequenceNumber"].get_string().get(seq), simdjson::SUCCESS);
  EXPECT_EQ(seq, b.sequence_number);
  EXPECT_EQ(payload.size(), ea.size() + eb.size() + 1 + kEventEnvelopeBytes);
}

TEST(EventTest, FilterViewDecodesJsonDataAndLeavesOutOtherData) {
  consumer::Record r = KinesisRecord();
  r.data = R"({"temperature":35})";
  EXPECT_NE(FilterView(KinesisContext(), r).find(R"("data":{"temperature":35})"),
            std::string::npos);
  r.data = "plain text";
  EXPECT_EQ(FilterView(KinesisContext(), r).find("\"data\""), std::string::npos);
  r.data = "{broken";
  EXPECT_EQ(FilterView(KinesisContext(), r).find("\"data\""), std::string::npos);
}

TEST(EventTest, DynamoDbFailureRecordUsesDdbStreamBatchInfoAndWholeSeconds) {
  EventContext c;
  c.source_type = SourceType::kDynamoDbStream;
  c.shard_id = "shardId-1";
  c.event_source_arn = "arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/L";
  consumer::Record r;
  r.sequence_number = "100";
  r.arrival_ms = 1749147709000;
  r.data = "{}";
  const std::string entry = RecordEntry(c, r);
  FailedBatch b;
  b.pipe = "p";
  b.condition = "RecordAgeExceeded";
  b.context = &c;
  b.records = {&r};
  b.entries = {&entry};
  const std::string json = FailureRecordJson(b, 1749147710000);
  EXPECT_NE(json.find(R"("DDBStreamBatchInfo":{"shardId":"shardId-1")"), std::string::npos);
  EXPECT_NE(json.find(R"("approximateArrivalOfFirstRecord":"2025-06-05T18:21:49Z")"),
            std::string::npos);
  EXPECT_NE(json.find(R"("records":[{"eventSourceARN":)"), std::string::npos);
  EXPECT_EQ(json.find("functionError"), std::string::npos);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS);
}

}  // namespace
}  // namespace eddy::pipe
