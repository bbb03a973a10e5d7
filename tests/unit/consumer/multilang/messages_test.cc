#include "eddy/consumer/multilang/messages.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <variant>

namespace eddy::consumer::multilang {
namespace {

// ---- encoding: the exact lines KCL's daemon writes ----

TEST(MultilangMessagesTest, EncodesInitialize) {
  EXPECT_EQ(EncodeInitialize({"shardId-000000000001", "49590338271490256608559692538361571095921575989136588898", 3}),
            R"({"action":"initialize","shardId":"shardId-000000000001","sequenceNumber":)"
            R"("49590338271490256608559692538361571095921575989136588898","subSequenceNumber":3})");
  EXPECT_EQ(EncodeInitialize({"shardId-000000000001", "TRIM_HORIZON", 0}),
            R"({"action":"initialize","shardId":"shardId-000000000001","sequenceNumber":)"
            R"("TRIM_HORIZON","subSequenceNumber":0})");
  // A lease without a checkpoint: both null, as Jackson writes them.
  EXPECT_EQ(EncodeInitialize({"s", std::nullopt, std::nullopt}),
            R"({"action":"initialize","shardId":"s","sequenceNumber":null,"subSequenceNumber":null})");
}

TEST(MultilangMessagesTest, EncodesProcessRecords) {
  std::vector<Record> records(2);
  records[0].sequence_number = "100";
  records[0].partition_key = "pk-\"1\"\n";
  records[0].data = std::string("hi\0\xff", 4);
  records[0].arrival_ms = 1700000000123;
  records[1].sequence_number = "200";
  records[1].sub_sequence_number = 2;
  records[1].aggregated = true;
  records[1].partition_key = "\xc3\xa9";  // UTF-8 passes through
  records[1].data = "";
  records[1].arrival_ms = 5;
  EXPECT_EQ(EncodeProcessRecords(records, 42),
            R"({"action":"processRecords","records":[)"
            R"({"action":"record","data":"aGkA/w==","partitionKey":"pk-\"1\"\n",)"
            R"("sequenceNumber":"100","subSequenceNumber":0,"approximateArrivalTimestamp":1700000000123},)"
            R"({"action":"record","data":"","partitionKey":"é","sequenceNumber":"200",)"
            R"("subSequenceNumber":2,"approximateArrivalTimestamp":5}],"millisBehindLatest":42})");
  EXPECT_EQ(EncodeProcessRecords({}, 0),
            R"({"action":"processRecords","records":[],"millisBehindLatest":0})");
}

TEST(MultilangMessagesTest, EncodesBareActions) {
  EXPECT_EQ(EncodeLeaseLost(), R"({"action":"leaseLost"})");
  EXPECT_EQ(EncodeShardEnded(), R"({"action":"shardEnded"})");
  EXPECT_EQ(EncodeShutdownRequested(), R"({"action":"shutdownRequested"})");
}

TEST(MultilangMessagesTest, EncodesCheckpointAnswer) {
  EXPECT_EQ(EncodeCheckpointAnswer({"123", 0, std::nullopt}),
            R"({"action":"checkpoint","sequenceNumber":"123","subSequenceNumber":0,"error":null})");
  EXPECT_EQ(EncodeCheckpointAnswer({std::nullopt, std::nullopt, "ShutdownException"}),
            R"({"action":"checkpoint","sequenceNumber":null,"subSequenceNumber":null,)"
            R"("error":"ShutdownException"})");
}

TEST(MultilangMessagesTest, EncodesChildMessages) {
  EXPECT_EQ(EncodeCheckpointRequest({"7", 1}),
            R"({"action":"checkpoint","sequenceNumber":"7","subSequenceNumber":1})");
  EXPECT_EQ(EncodeCheckpointRequest({}),
            R"({"action":"checkpoint","sequenceNumber":null,"subSequenceNumber":null})");
  EXPECT_EQ(EncodeStatus("processRecords"), R"({"action":"status","responseFor":"processRecords"})");
}

// ---- decoding what the real clients write ----

ChildMessage DecodeChild(std::string_view line) {
  Result<std::optional<ChildMessage>> decoded = DecodeChildLine(line);
  EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
  if (!decoded.ok() || !decoded->has_value()) {
    ADD_FAILURE() << "no message in " << line;
    return StatusMessage{};
  }
  return **decoded;
}

TEST(MultilangMessagesTest, DecodesWhatAmazonKclpyWrites) {
  // json.dumps with its default separators.
  EXPECT_EQ(DecodeChild(R"({"action": "checkpoint", "sequenceNumber": null, "subSequenceNumber": null})"),
            ChildMessage(CheckpointRequest{}));
  EXPECT_EQ(DecodeChild(R"({"action": "checkpoint", "sequenceNumber": "49590", "subSequenceNumber": 3})"),
            ChildMessage(CheckpointRequest{"49590", 3}));
  EXPECT_EQ(DecodeChild(R"({"action": "status", "responseFor": "initialize"})"),
            ChildMessage(StatusMessage{"initialize"}));
}

TEST(MultilangMessagesTest, DecodesWhatAwsKclWrites) {
  // aws-kcl sends no subSequenceNumber, and no sequenceNumber when checkpoint() had none.
  EXPECT_EQ(DecodeChild(R"({"action":"checkpoint","sequenceNumber":"123"})"),
            ChildMessage(CheckpointRequest{"123", std::nullopt}));
  EXPECT_EQ(DecodeChild(R"({"action":"checkpoint","sequenceNumber":null})"),
            ChildMessage(CheckpointRequest{}));
  EXPECT_EQ(DecodeChild(R"({"action":"checkpoint"})"), ChildMessage(CheckpointRequest{}));
  EXPECT_EQ(DecodeChild(R"({"action":"status","responseFor":"shardEnded"})"),
            ChildMessage(StatusMessage{"shardEnded"}));
  EXPECT_EQ(DecodeChild("{\"action\":\"status\",\"responseFor\":\"leaseLost\"}\r"),
            ChildMessage(StatusMessage{"leaseLost"}));
}

TEST(MultilangMessagesTest, SkipsLinesThatAreNotMessages) {
  for (const char* line : {"", " ", "\t\r", "hello", "Encountered shutdown exception", "5", "[1]",
                           "\"text\"", "null", "true", "{bad json", R"({"a":1} trailing)",
                           "{\"action\":\"status\"", "\xff\xfe{}"}) {
    Result<std::optional<ChildMessage>> child = DecodeChildLine(line);
    ASSERT_TRUE(child.ok()) << line << ": " << child.status().ToString();
    EXPECT_FALSE(child->has_value()) << line;
    Result<std::optional<DaemonMessage>> daemon = DecodeDaemonLine(line);
    ASSERT_TRUE(daemon.ok()) << line << ": " << daemon.status().ToString();
    EXPECT_FALSE(daemon->has_value()) << line;
  }
}

TEST(MultilangMessagesTest, RefusesMalformedChildMessagesNamingTheLine) {
  const struct {
    const char* line;
    const char* why;
  } cases[] = {
      {"{}", "missing field \"action\""},
      {R"({"action":5})", "\"action\" is not a string"},
      {R"({"action":"status","action":"status","responseFor":"x"})", "\"action\" appears twice"},
      {R"({"action":"explode"})", "unexpected action \"explode\""},
      {R"({"action":"initialize","shardId":"s"})", "unexpected action \"initialize\""},
      {R"({"action":"status"})", "missing field \"responseFor\""},
      {R"({"action":"status","responseFor":3})", "\"responseFor\" is not a string"},
      {R"({"action":"status","responseFor":"a","extra":1})", "unknown field \"extra\""},
      {R"({"action":"checkpoint","sequenceNumber":123})",
       "\"sequenceNumber\" is neither a string nor null"},
      {R"({"action":"checkpoint","subSequenceNumber":"5"})",
       "\"subSequenceNumber\" is neither an integer nor null"},
      {R"({"action":"checkpoint","subSequenceNumber":1.5})",
       "\"subSequenceNumber\" is neither an integer nor null"},
      {R"({"action":"checkpoint","subSequenceNumber":18446744073709551615})",
       "\"subSequenceNumber\" is neither an integer nor null"},
      {R"({"action":"checkpoint","sequenceNumber":"1","sequenceNumber":"2"})",
       "\"sequenceNumber\" appears twice"},
  };
  for (const auto& c : cases) {
    Result<std::optional<ChildMessage>> decoded = DecodeChildLine(c.line);
    ASSERT_FALSE(decoded.ok()) << c.line;
    EXPECT_EQ(decoded.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(decoded.status().message().find(c.why), std::string::npos)
        << decoded.status().message();
    EXPECT_NE(decoded.status().message().find(QuoteLine(c.line)), std::string::npos)
        << decoded.status().message();
  }
}

TEST(MultilangMessagesTest, RoundTripsEveryDaemonMessage) {
  std::vector<Record> records(2);
  records[0].sequence_number = "100";
  records[0].partition_key = "a";
  records[0].data = std::string("\x00\x01\x02", 3);
  records[0].arrival_ms = 1700000000000;
  records[1].sequence_number = "100";
  records[1].sub_sequence_number = 1;
  records[1].partition_key = "b";
  records[1].data = "payload";
  records[1].arrival_ms = 1700000000001;

  Result<std::optional<DaemonMessage>> d = DecodeDaemonLine(EncodeProcessRecords(records, 9));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  const auto& batch = std::get<ProcessRecordsMessage>(**d);
  EXPECT_EQ(batch.millis_behind_latest, 9);
  ASSERT_EQ(batch.records.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(batch.records[i].sequence_number, records[i].sequence_number);
    EXPECT_EQ(batch.records[i].sub_sequence_number, records[i].sub_sequence_number);
    EXPECT_EQ(batch.records[i].partition_key, records[i].partition_key);
    EXPECT_EQ(batch.records[i].data, records[i].data);
    EXPECT_EQ(batch.records[i].arrival_ms, records[i].arrival_ms);
  }

  const InitializeMessage init{"shardId-1", "5", 1};
  d = DecodeDaemonLine(EncodeInitialize(init));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(std::get<InitializeMessage>(**d), init);

  const CheckpointAnswer answer{std::nullopt, std::nullopt, "ThrottlingException"};
  d = DecodeDaemonLine(EncodeCheckpointAnswer(answer));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(std::get<CheckpointAnswer>(**d), answer);

  d = DecodeDaemonLine(EncodeLeaseLost());
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(std::holds_alternative<LeaseLostMessage>(**d));
  d = DecodeDaemonLine(EncodeShardEnded());
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(std::holds_alternative<ShardEndedMessage>(**d));
  d = DecodeDaemonLine(EncodeShutdownRequested());
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(std::holds_alternative<ShutdownRequestedMessage>(**d));

  const CheckpointRequest request{"77", 4};
  Result<std::optional<ChildMessage>> c = DecodeChildLine(EncodeCheckpointRequest(request));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(std::get<CheckpointRequest>(**c), request);
  c = DecodeChildLine(EncodeStatus("shutdownRequested"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(std::get<StatusMessage>(**c).response_for, "shutdownRequested");
}

TEST(MultilangMessagesTest, RefusesMalformedDaemonMessages) {
  for (const char* line : {
           R"({"action":"processRecords","records":{},"millisBehindLatest":0})",
           R"({"action":"processRecords","millisBehindLatest":0})",
           R"({"action":"processRecords","records":[5]})",
           R"({"action":"processRecords","records":[{"action":"other"}]})",
           R"({"action":"processRecords","records":[{"action":"record","data":"!!","partitionKey":"k","sequenceNumber":"1"}]})",
           R"({"action":"processRecords","records":[{"action":"record","data":"","sequenceNumber":"1"}]})",
           R"({"action":"initialize"})",
           R"({"action":"leaseLost","reason":"ZOMBIE"})",
           R"({"action":"checkpoint","error":7})",
           R"({"action":"status","responseFor":"x"})",
       }) {
    Result<std::optional<DaemonMessage>> decoded = DecodeDaemonLine(line);
    ASSERT_FALSE(decoded.ok()) << line;
    EXPECT_EQ(decoded.status().code(), Status::Code::kInvalidArgument) << line;
  }
}

TEST(MultilangMessagesTest, QuotesLongLinesCut) {
  EXPECT_EQ(QuoteLine("ab\ncd"), "'ab?cd'");
  const std::string quoted = QuoteLine(std::string(1000, 'x'));
  EXPECT_EQ(quoted, "'" + std::string(kMaxQuotedLineBytes, 'x') + "'... (1000 bytes)");
}

// Every prefix of valid lines, and random bytes, decode to something or an error: never a crash.
TEST(MultilangMessagesTest, NeverCrashesOnTruncatedOrRandomInput) {
  std::vector<Record> records(1);
  records[0].sequence_number = "1";
  records[0].data = "data";
  const std::string lines[] = {EncodeProcessRecords(records, 1), EncodeInitialize({"s", "1", 0}),
                               EncodeCheckpointRequest({"1", 0}), EncodeStatus("initialize")};
  for (const std::string& line : lines) {
    for (size_t n = 0; n <= line.size(); ++n) {
      (void)DecodeChildLine(std::string_view(line).substr(0, n));
      (void)DecodeDaemonLine(std::string_view(line).substr(0, n));
    }
  }
  std::mt19937 rng(7);
  const std::string alphabet = "{}[]\":,0123456789.-eE actionrecordstatus\\u\n\x01\xff";
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 64, ' ');
    for (char& ch : s) ch = alphabet[rng() % alphabet.size()];
    (void)DecodeChildLine(s);
    (void)DecodeDaemonLine(s);
  }
}

}  // namespace
}  // namespace eddy::consumer::multilang
