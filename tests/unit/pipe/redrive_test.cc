#include "eddy/pipe/redrive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>

#include "eddy/pipe/event.h"
#include "eddy/pipe/failure_destination.h"
#include "unit/pipe/pipe_test_support.h"

namespace eddy::pipe {
namespace {

using testing::FunctionError;
using testing::MakeRecords;
using testing::Ok;
using testing::ScriptedTarget;
using testing::SequenceNumbersOf;

constexpr int64_t kArrival = 1'690'000'000'000;

// A failed batch with the records (and their entries) it points to.
struct TestBatch {
  std::vector<consumer::Record> records;
  std::vector<std::string> entries;
  FailedBatch batch;
};

int InvokeCountOf(const std::string& line) {
  static const std::regex kCount("\"approximateInvokeCount\":([0-9]+)");
  std::smatch m;
  return std::regex_search(line, m, kCount) ? std::stoi(m[1]) : -1;
}

// DynamoDB's identifiers (dynamodb.SequenceNumber) in a payload or a failure record.
std::vector<std::string> DynamoSequenceNumbersOf(const std::string& text) {
  static const std::regex kSeq("\"SequenceNumber\":\"([0-9]+)\"");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kSeq);
       it != std::sregex_iterator(); ++it) {
    out.push_back((*it)[1]);
  }
  return out;
}

using Batches = std::vector<std::vector<std::string>>;

class RedriveTest : public ::testing::Test {
 protected:
  RedriveTest() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "eddy-redrive-XXXXXX").string();
    EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/dlq.jsonl";
    config_.name = "p";
    config_.event_source_arn = "arn:aws:kinesis:us-east-1:000000000000:stream/s";
    config_.function_name = "f";
    config_.on_failure.arn = "file://" + path_;
    EXPECT_TRUE(ValidatePipeConfig(&config_).ok());
    context_.event_source_arn = config_.event_source_arn;
    context_.shard_id = "shardId-000000000000";
    context_.region = "us-east-1";
    options_.pacing.initial_ms = 1;
    options_.pacing.max_ms = 2;
    options_.pacing.broken_ms = 2;
    options_.stop = &stop_;
  }
  ~RedriveTest() override { std::filesystem::remove_all(dir_); }

  // A failed batch of `pipe` with records whose sequence numbers are `seqs`.
  std::unique_ptr<TestBatch> Batch(const std::string& pipe, const std::vector<std::string>& seqs,
                                   int invokes = 3) {
    auto t = std::make_unique<TestBatch>();
    t->records = MakeRecords(seqs.size(), kArrival);
    for (size_t i = 0; i < seqs.size(); ++i) t->records[i].sequence_number = seqs[i];
    for (const auto& r : t->records) t->entries.push_back(RecordEntry(context_, r));
    FailedBatch& b = t->batch;
    b.pipe = pipe;
    b.condition = "RetryAttemptsExhausted";
    b.approximate_invoke_count = invokes;
    b.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
    b.function_error = "Unhandled";
    b.error_type = "Exception";
    b.error_message = "boom";
    b.context = &context_;
    for (size_t i = 0; i < seqs.size(); ++i) {
      b.records.push_back(&t->records[i]);
      b.entries.push_back(&t->entries[i]);
    }
    return t;
  }

  // A line of the failure file: the failure record of `pipe` holding `seqs`.
  std::string Line(const std::string& pipe, const std::vector<std::string>& seqs,
                   int invokes = 3) {
    return FailureRecordJson(Batch(pipe, seqs, invokes)->batch, kArrival + 1000) + "\n";
  }

  void WriteFile(const std::string& text) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << text;
  }
  std::string ReadFile() const {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::vector<std::string> Lines() const {
    std::vector<std::string> out;
    std::stringstream s(ReadFile());
    for (std::string line; std::getline(s, line);) out.push_back(line);
    return out;
  }

  Result<RedriveProgress> Redrive(Target& target) {
    return RedriveFileDestination(config_, target, options_);
  }

  std::string dir_;
  std::string path_;
  PipeConfig config_;
  EventContext context_;
  std::atomic<bool> stop_{false};
  RedriveOptions options_;
};

TEST_F(RedriveTest, AllDeliveredEmptiesTheFileButKeepsOtherPipesLinesAndItsMode) {
  const std::string other = Line("other", {"2000"});
  WriteFile(Line("p", {"1000", "1001"}) + other + Line("p", {"1002"}));
  ASSERT_EQ(chmod(path_.c_str(), 0640), 0);
  ScriptedTarget target([](const auto&) { return Ok(); });

  auto progress = Redrive(target);
  ASSERT_TRUE(progress.ok()) << progress.status().ToString();
  EXPECT_EQ(ReadFile(), other);
  EXPECT_EQ(target.batches(), (Batches{{"1000", "1001"}, {"1002"}}));
  EXPECT_EQ(progress->failure_records_total, 2u);
  EXPECT_EQ(progress->failure_records_done, 2u);
  EXPECT_EQ(progress->records_delivered, 3u);
  EXPECT_EQ(progress->records_failed_again, 0u);
  EXPECT_EQ(progress->malformed_lines, 0u);
  EXPECT_FALSE(progress->interrupted);
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_FALSE(std::filesystem::exists(path_ + ".redrive.tmp"));
  EXPECT_FALSE(std::filesystem::exists(path_ + ".redrive.lock"));
}

TEST_F(RedriveTest, TheEventHoldsTheEntriesByteForByteAsTheFunctionWasFirstSentThem) {
  auto batch = Batch("p", {"1000", "1001"});
  WriteFile(FailureRecordJson(batch->batch, kArrival) + "\n");
  ScriptedTarget target([](const auto&) { return Ok(); });

  ASSERT_TRUE(Redrive(target).ok());
  ASSERT_EQ(target.payloads().size(), 1u);
  // A re-serialization would rewrite approximateArrivalTimestamp's "1690000000.000".
  EXPECT_EQ(target.payloads()[0], BatchPayload({&batch->entries[0], &batch->entries[1]}));
}

TEST_F(RedriveTest, RecordsFailingAgainStayInTheFileWithTheirInvocationsCounted) {
  config_.maximum_retry_attempts = 1;
  config_.bisect_batch_on_function_error = true;
  WriteFile(Line("p", {"1000", "1001", "1002"}, /*invokes=*/3));
  ScriptedTarget target([](const std::vector<std::string>& batch) {
    for (const auto& s : batch) {
      if (s == "1001") return FunctionError();
    }
    return Ok();
  });

  auto progress = Redrive(target);
  ASSERT_TRUE(progress.ok()) << progress.status().ToString();
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(SequenceNumbersOf(lines[0]), (std::vector<std::string>{"1001"}));
  int with_1001 = 0;
  for (const auto& b : target.batches()) {
    with_1001 += std::count(b.begin(), b.end(), "1001") > 0 ? 1 : 0;
  }
  EXPECT_EQ(with_1001, 4);  // the three, the half [1001,1002], then 1001 alone twice
  EXPECT_EQ(InvokeCountOf(lines[0]), 3 + with_1001);
  EXPECT_NE(lines[0].find("\"pipe\":\"p\""), std::string::npos);
  EXPECT_NE(lines[0].find("\"batchSize\":1"), std::string::npos);
  EXPECT_NE(lines[0].find("\"startSequenceNumber\":\"1001\""), std::string::npos);
  EXPECT_NE(lines[0].find("\"condition\":\"RetryAttemptsExhausted\""), std::string::npos);
  EXPECT_NE(lines[0].find("\"functionError\":\"Unhandled\""), std::string::npos);
  EXPECT_EQ(progress->records_delivered, 2u);
  EXPECT_EQ(progress->records_failed_again, 1u);
  EXPECT_EQ(progress->failure_records_done, 1u);
}

TEST_F(RedriveTest, AnUnboundedPipeIsRedrivenWithTheDefaultRetryAttempts) {
  ASSERT_EQ(config_.maximum_retry_attempts, -1);
  WriteFile(Line("p", {"1000"}));
  ScriptedTarget target([](const auto&) { return FunctionError(); });

  auto progress = Redrive(target);
  ASSERT_TRUE(progress.ok()) << progress.status().ToString();
  EXPECT_EQ(target.batches().size(), size_t{kDefaultRedriveRetryAttempts} + 1);
  EXPECT_EQ(SequenceNumbersOf(ReadFile()), (std::vector<std::string>{"1000"}));
  EXPECT_EQ(progress->records_failed_again, 1u);
}

TEST_F(RedriveTest, PartialBatchResponseKeepsTheReportedRecordAndThoseAfterIt) {
  config_.report_batch_item_failures = true;
  config_.maximum_retry_attempts = 0;
  WriteFile(Line("p", {"1000", "1001", "1002", "1003"}, /*invokes=*/3));
  ScriptedTarget target(
      [](const auto&) { return Ok(R"({"batchItemFailures":[{"itemIdentifier":"1002"}]})"); });

  auto progress = Redrive(target);
  ASSERT_TRUE(progress.ok()) << progress.status().ToString();
  EXPECT_EQ(target.batches(), (Batches{{"1000", "1001", "1002", "1003"}}));
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(SequenceNumbersOf(lines[0]), (std::vector<std::string>{"1002", "1003"}));
  EXPECT_EQ(InvokeCountOf(lines[0]), 4);
  // A valid partial response is not a function error, as Lambda's record leaves it out.
  EXPECT_EQ(lines[0].find("functionError"), std::string::npos);
  EXPECT_EQ(progress->records_delivered, 2u);
  EXPECT_EQ(progress->records_failed_again, 2u);
}

TEST_F(RedriveTest, PartialBatchResponseThenSuccessDeliversEverything) {
  config_.report_batch_item_failures = true;
  config_.maximum_retry_attempts = 1;
  WriteFile(Line("p", {"1000", "1001", "1002", "1003"}));
  ScriptedTarget target([](const std::vector<std::string>& batch) {
    if (batch.size() == 4) return Ok(R"({"batchItemFailures":[{"itemIdentifier":"1002"}]})");
    return Ok(R"({"batchItemFailures":[]})");
  });

  auto progress = Redrive(target);
  ASSERT_TRUE(progress.ok()) << progress.status().ToString();
  EXPECT_EQ(target.batches(), (Batches{{"1000", "1001", "1002", "1003"}, {"1002", "1003"}}));
  EXPECT_EQ(ReadFile(), "");
  EXPECT_EQ(progress->records_delivered, 4u);
}

TEST_F(RedriveTest, AnInterruptedRedriveResumesAndNeverDeliversARemovedRecordAgain) {
  const std::string other = Line("other", {"2000"});
  WriteFile(Line("p", {"1000"}) + other + Line("p", {"1001"}) + Line("p", {"1002"}));
  ScriptedTarget target([](const auto&) { return Ok(); });
  options_.on_progress = [this](const RedriveProgress& p) {
    if (p.failure_records_done == 1) stop_ = true;
  };

  auto first = Redrive(target);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->interrupted);
  EXPECT_EQ(first->failure_records_done, 1u);
  EXPECT_EQ(first->failure_records_total, 3u);
  EXPECT_EQ(target.batches(), (Batches{{"1000"}}));
  auto lines = Lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0] + "\n", other);
  EXPECT_EQ(SequenceNumbersOf(lines[1]), (std::vector<std::string>{"1001"}));
  EXPECT_EQ(SequenceNumbersOf(lines[2]), (std::vector<std::string>{"1002"}));

  stop_ = false;
  options_.on_progress = nullptr;
  auto second = Redrive(target);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_FALSE(second->interrupted);
  EXPECT_EQ(second->failure_records_total, 2u);
  EXPECT_EQ(target.batches(), (Batches{{"1000"}, {"1001"}, {"1002"}}));
  EXPECT_EQ(ReadFile(), other);
}

TEST_F(RedriveTest, AStopDuringRetriesKeepsWhatWasNotDeliveredAndTheResumeSkipsTheRest) {
  config_.bisect_batch_on_function_error = true;
  options_.maximum_retry_attempts = -1;  // until delivered or stopped
  WriteFile(Line("p", {"1000", "1001", "1002"}, /*invokes=*/3));
  int calls = 0;
  ScriptedTarget failing([this, &calls](const std::vector<std::string>& batch) {
    if (++calls == 3) stop_ = true;
    for (const auto& s : batch) {
      if (s == "1001") return FunctionError();
    }
    return Ok();
  });

  auto first = Redrive(failing);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  // [1000..1002] fails and is halved; [1000] is delivered; [1001,1002] fails, and the stop ends it.
  EXPECT_EQ(failing.batches(), (Batches{{"1000", "1001", "1002"}, {"1000"}, {"1001", "1002"}}));
  EXPECT_TRUE(first->interrupted);
  EXPECT_EQ(first->records_delivered, 1u);
  EXPECT_EQ(first->failure_records_done, 0u);
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(SequenceNumbersOf(lines[0]), (std::vector<std::string>{"1001", "1002"}));
  EXPECT_EQ(InvokeCountOf(lines[0]), 3 + 3);

  stop_ = false;
  ScriptedTarget ok([](const auto&) { return Ok(); });
  auto second = Redrive(ok);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(ok.batches(), (Batches{{"1001", "1002"}}));
  EXPECT_EQ(ReadFile(), "");
}

TEST_F(RedriveTest, MalformedLinesAreKeptAndReportedWithoutStoppingTheRedrive) {
  const std::string kept = "this is not json\n"
                           R"({"pipe":"p","records":"nope"})" "\n"
                           R"({"no":"pipe"})" "\n";
  const std::string torn = R"({"pipe":"p","requestCon)";  // a write cut short, no '\n'
  WriteFile(kept + Line("p", {"1000"}) + torn);
  ScriptedTarget target([](const auto&) { return Ok(); });

  auto progress = Redrive(target);
  ASSERT_TRUE(progress.ok()) << progress.status().ToString();
  EXPECT_EQ(ReadFile(), kept + torn);
  EXPECT_EQ(target.batches(), (Batches{{"1000"}}));
  EXPECT_EQ(progress->malformed_lines, 4u);
  ASSERT_EQ(progress->problems.size(), 4u);
  EXPECT_EQ(progress->problems[0].rfind("line 1: not JSON", 0), 0u) << progress->problems[0];
  EXPECT_EQ(progress->problems[1].rfind("line 2: ", 0), 0u) << progress->problems[1];
  EXPECT_EQ(progress->problems[2].rfind("line 3: ", 0), 0u) << progress->problems[2];
  EXPECT_EQ(progress->problems[3].rfind("line 5: not JSON", 0), 0u) << progress->problems[3];
  // Line 2 is the pipe's, unusable: counted as done so the progress reaches its total.
  EXPECT_EQ(progress->failure_records_total, 2u);
  EXPECT_EQ(progress->failure_records_done, 2u);
  EXPECT_EQ(progress->records_delivered, 1u);
}

TEST_F(RedriveTest, AFileOfOtherPipesOnlyIsNotRewritten) {
  const std::string text = Line("other", {"2000"}) + Line("p2", {"2001"});
  WriteFile(text);
  struct stat before, after;
  ASSERT_EQ(stat(path_.c_str(), &before), 0);
  ScriptedTarget target([](const auto&) { return Ok(); });

  auto progress = Redrive(target);
  ASSERT_TRUE(progress.ok()) << progress.status().ToString();
  EXPECT_EQ(ReadFile(), text);
  ASSERT_EQ(stat(path_.c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);  // not even replaced by an identical copy
  EXPECT_TRUE(target.batches().empty());
  EXPECT_EQ(progress->failure_records_total, 0u);
}

TEST_F(RedriveTest, AKinesisDestinationIsRefused) {
  config_.on_failure.arn = "arn:aws:kinesis:us-east-1:000000000000:stream/dlq";
  ASSERT_TRUE(ValidatePipeConfig(&config_).ok());
  ASSERT_EQ(config_.on_failure.type, FailureDestination::Type::kKinesis);
  ScriptedTarget target([](const auto&) { return Ok(); });

  auto progress = Redrive(target);
  ASSERT_FALSE(progress.ok());
  EXPECT_EQ(progress.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(progress.status().message().find("not supported yet"), std::string::npos)
      << progress.status().message();
  EXPECT_TRUE(target.batches().empty());
}

TEST_F(RedriveTest, APipeWithoutDestinationIsRefused) {
  config_.on_failure = FailureDestination{};
  ScriptedTarget target([](const auto&) { return Ok(); });
  auto progress = Redrive(target);
  ASSERT_FALSE(progress.ok());
  EXPECT_EQ(progress.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(progress.status().message().find("no on-failure destination"), std::string::npos);
}

TEST_F(RedriveTest, AMissingFileIsNothingToRedrive) {
  ScriptedTarget target([](const auto&) { return Ok(); });
  auto progress = Redrive(target);
  ASSERT_TRUE(progress.ok()) << progress.status().ToString();
  EXPECT_EQ(progress->failure_records_total, 0u);
  EXPECT_FALSE(std::filesystem::exists(path_));
  EXPECT_FALSE(std::filesystem::exists(path_ + ".redrive.lock"));
}

TEST_F(RedriveTest, ASecondRedriveOfTheSameFileIsRefused) {
  const std::string text = Line("p", {"1000"});
  WriteFile(text);
  int held = -1;
  ASSERT_TRUE(
      LockFileAtPath(path_ + ".redrive.lock", O_RDWR | O_CREAT | O_CLOEXEC, true, &held).ok());
  ScriptedTarget target([](const auto&) { return Ok(); });

  auto progress = Redrive(target);
  close(held);
  ASSERT_FALSE(progress.ok());
  EXPECT_EQ(progress.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(progress.status().message().find("another redrive"), std::string::npos);
  EXPECT_TRUE(target.batches().empty());
  EXPECT_EQ(ReadFile(), text);
}

TEST_F(RedriveTest, FailureRecordsAppendedDuringTheRedriveAreKeptAndNotRedriven) {
  auto sink = MakeFileFailureSink(path_);  // a live pipe's, opened before the redrive
  ASSERT_TRUE(sink.ok());
  WriteFile(Line("p", {"1000"}) + Line("p", {"1001"}));
  auto appended = Batch("p", {"3000"});
  ScriptedTarget target([&](const std::vector<std::string>& batch) {
    // By the second failure record the redrive has replaced the file once: the sink's
    // descriptor names the replaced file, and the append must still land in the new one.
    if (batch == std::vector<std::string>{"1001"}) {
      EXPECT_TRUE((*sink)->Send(appended->batch).ok());
    }
    return Ok();
  });

  auto progress = Redrive(target);
  ASSERT_TRUE(progress.ok()) << progress.status().ToString();
  EXPECT_EQ(progress->failure_records_total, 2u);
  EXPECT_EQ(target.batches(), (Batches{{"1000"}, {"1001"}}));
  auto lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(SequenceNumbersOf(lines[0]), (std::vector<std::string>{"3000"}));

  // And after the redrive, the sink appends to the file now at the path.
  ASSERT_TRUE((*sink)->Send(Batch("p", {"3001"})->batch).ok());
  lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(SequenceNumbersOf(lines[1]), (std::vector<std::string>{"3001"}));
}

TEST_F(RedriveTest, ProgressIsReportedWithTheTotalFirstThenAfterEachFailureRecord) {
  WriteFile(Line("p", {"1000"}) + Line("other", {"2000"}) + Line("p", {"1001"}));
  ScriptedTarget target([](const auto&) { return Ok(); });
  std::vector<std::pair<size_t, size_t>> seen;  // (done, delivered)
  options_.on_progress = [&](const RedriveProgress& p) {
    EXPECT_EQ(p.failure_records_total, 2u);
    seen.emplace_back(p.failure_records_done, p.records_delivered);
  };

  ASSERT_TRUE(Redrive(target).ok());
  EXPECT_EQ(seen, (std::vector<std::pair<size_t, size_t>>{{0, 0}, {1, 1}, {2, 2}}));
}

TEST_F(RedriveTest, DynamoDbRecordsAreIdentifiedByTheirSequenceNumber) {
  config_.event_source_arn =
      "arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/2024-01-01T00:00:00.000";
  config_.starting_position = StartingPosition::kTrimHorizon;
  config_.report_batch_item_failures = true;
  config_.maximum_retry_attempts = 0;
  ASSERT_TRUE(ValidatePipeConfig(&config_).ok());
  context_.source_type = SourceType::kDynamoDbStream;
  context_.event_source_arn = config_.event_source_arn;
  auto batch = Batch("p", {"3000", "3001", "3002"});
  for (size_t i = 0; i < 3; ++i) {
    batch->records[i].data =
        R"({"eventID":"e)" + std::to_string(i) +
        R"(","eventName":"INSERT","dynamodb":{"ApproximateCreationDateTime":1690000000,)"
        R"("Keys":{"Id":{"N":"1"}},"SequenceNumber":")" + batch->records[i].sequence_number +
        R"(","SizeBytes":10,"StreamViewType":"KEYS_ONLY"}})";
    batch->entries[i] = RecordEntry(context_, batch->records[i]);
  }
  WriteFile(FailureRecordJson(batch->batch, kArrival) + "\n");
  ScriptedTarget target(
      [](const auto&) { return Ok(R"({"batchItemFailures":[{"itemIdentifier":"3001"}]})"); });

  auto progress = Redrive(target);
  ASSERT_TRUE(progress.ok()) << progress.status().ToString();
  ASSERT_EQ(target.payloads().size(), 1u);
  EXPECT_EQ(DynamoSequenceNumbersOf(target.payloads()[0]),
            (std::vector<std::string>{"3000", "3001", "3002"}));
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("\"DDBStreamBatchInfo\""), std::string::npos);
  EXPECT_EQ(DynamoSequenceNumbersOf(lines[0]), (std::vector<std::string>{"3001", "3002"}));
  EXPECT_EQ(progress->records_delivered, 1u);
  EXPECT_EQ(progress->records_failed_again, 2u);
}

TEST(FileFailureSinkTest, StartsANewLineAfterATornLine) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "eddy-sink-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const std::string path = tmpl + "/dlq.jsonl";
  {
    std::ofstream out(path, std::ios::binary);
    out << R"({"pipe":"p","requ)";  // a write cut short by a kill
  }
  auto sink = MakeFileFailureSink(path);
  ASSERT_TRUE(sink.ok());
  EventContext context;
  context.event_source_arn = "arn:aws:kinesis:us-east-1:000000000000:stream/s";
  context.shard_id = "shardId-000000000000";
  auto records = MakeRecords(1, kArrival);
  const std::string entry = RecordEntry(context, records[0]);
  FailedBatch batch;
  batch.pipe = "p";
  batch.condition = "RetryAttemptsExhausted";
  batch.context = &context;
  batch.records = {&records[0]};
  batch.entries = {&entry};
  ASSERT_TRUE((*sink)->Send(batch).ok());

  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  EXPECT_EQ(text.rfind("{\"pipe\":\"p\",\"requ\n{\"requestContext\"", 0), 0u) << text;
  EXPECT_EQ(text.back(), '\n');
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace eddy::pipe
