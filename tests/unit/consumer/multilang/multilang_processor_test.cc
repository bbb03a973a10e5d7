#include "eddy/consumer/multilang/multilang_processor.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/scoped_temp_dir.h"

namespace eddy::consumer::multilang {
namespace {

using namespace std::chrono_literals;

// A record processor written for KCL's MultiLangDaemon, reduced to the protocol: it reads
// actions on stdin and answers on stdout the way amazon_kclpy does ("\n<json>\n"), writing what
// it saw to a log file, one JSON object per line. argv: <mode> <log file>.
constexpr char kScriptedChild[] = R"PY(
import base64, json, os, signal, sys, time

mode, log_path = sys.argv[1], sys.argv[2]
log = open(log_path, 'a')

def note(**fields):
    log.write(json.dumps(fields) + '\n')
    log.flush()

def send(message):
    sys.stdout.write('\n' + json.dumps(message) + '\n')
    sys.stdout.flush()

def checkpoint(seq=None, sub=None):
    send({'action': 'checkpoint', 'sequenceNumber': seq, 'subSequenceNumber': sub})
    answer = json.loads(sys.stdin.readline())
    note(event='answer', answer=answer)
    return answer

print('a stray line on stdout')   # skipped by the daemon
sys.stderr.write('stderr says hello\n')
sys.stderr.flush()

while True:
    line = sys.stdin.readline()
    if not line:
        note(event='eof')
        if mode == 'stubborn':
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            while True:
                time.sleep(1)
        sys.exit(0)
    message = json.loads(line)
    action = message['action']
    note(event='action', message=message)
    if action == 'initialize' and mode == 'checkpoint_in_initialize':
        checkpoint()
    if action == 'leaseLost' and mode == 'silent_lease_lost':
        while True:
            time.sleep(1)
    if action == 'processRecords':
        records = message['records']
        for r in records:
            note(event='record', data=base64.b64decode(r['data']).hex(), key=r['partitionKey'],
                 seq=r['sequenceNumber'], sub=r['subSequenceNumber'],
                 arrival=r['approximateArrivalTimestamp'])
        if mode == 'wrong_status':
            send({'action': 'status', 'responseFor': 'initialize'})
            continue
        if mode == 'hang':
            while True:
                time.sleep(1)
        if mode == 'crash':
            os._exit(3)
        if mode == 'garbage':
            send({'action': 'explode'})
            continue
        if mode == 'bad_checkpoints':
            checkpoint('not-a-number', 0)
            checkpoint('1', -1)
        if mode == 'node_style':  # aws-kcl sends no subSequenceNumber
            send({'action': 'checkpoint', 'sequenceNumber': records[-1]['sequenceNumber']})
            note(event='answer', answer=json.loads(sys.stdin.readline()))
        elif records:
            last = records[-1]
            checkpoint(last['sequenceNumber'], last['subSequenceNumber'])
            checkpoint()
    if action in ('shardEnded', 'shutdownRequested'):
        checkpoint()
    send({'action': 'status', 'responseFor': action})
)PY";

// A Checkpointer that records what it is asked and answers as told.
class FakeCheckpointer : public Checkpointer {
 public:
  CheckpointOutcome Checkpoint() override {
    calls.push_back("last");
    if (error != CheckpointError::kNone) return {error, "refused by the test"};
    last = largest;
    return {};
  }
  CheckpointOutcome Checkpoint(const ExtendedSequenceNumber& position) override {
    calls.push_back(position.sequence_number + "/" + std::to_string(position.sub_sequence_number));
    if (error != CheckpointError::kNone) return {error, "refused by the test"};
    last = position;
    return {};
  }
  CheckpointOutcome PrepareCheckpoint(const ExtendedSequenceNumber&, std::string) override {
    return {CheckpointError::kInvalidState, "not used"};
  }
  ExtendedSequenceNumber last_checkpoint() const override { return last; }
  ExtendedSequenceNumber largest_permitted() const override { return largest; }

  std::vector<std::string> calls;
  CheckpointError error = CheckpointError::kNone;
  ExtendedSequenceNumber last = ExtendedSequenceNumber::TrimHorizon();
  ExtendedSequenceNumber largest;
};

bool ProcessGone(pid_t pid) {
  for (int i = 0; i < 300; ++i) {
    if (::kill(pid, 0) != 0) return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const size_t paren = content.rfind(')');
    if (paren != std::string::npos && paren + 2 < content.size() && content[paren + 2] == 'Z' &&
        waitpid(pid, nullptr, WNOHANG) == -1) {
      return true;  // a zombie someone else will reap
    }
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

class MultiLangProcessorTest : public ::testing::Test {
 protected:
  MultiLangProcessorTest() : dir_("eddy_multilang_proc_") {
    script_ = (dir_.path() / "child.py").string();
    log_ = (dir_.path() / "child.log").string();
    std::ofstream(script_) << kScriptedChild;
  }

  MultiLangProcessorOptions Options(const std::string& mode) {
    MultiLangProcessorOptions options;
    options.command = {"python3", script_, mode, log_};
    options.exit_grace = 5s;
    options.term_grace = 2s;
    options.on_stderr_line = [this](std::string_view shard, std::string_view line) {
      std::lock_guard<std::mutex> lock(mu_);
      stderr_lines_.push_back(std::string(shard) + ": " + std::string(line));
    };
    return options;
  }

  // The child's log: one JSON object per line.
  std::string Log() const {
    std::ifstream in(log_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  static std::vector<Record> Batch() {
    std::vector<Record> records(3);
    records[0].sequence_number = "49590338271490256608559692538361571095921575989136588898";
    records[0].partition_key = "alpha";
    records[0].data = std::string("\x00\x01\xfe", 3);
    records[0].arrival_ms = 1700000000123;
    records[1].sequence_number = "49590338271490256608559692540925702759324208523137515618";
    records[1].partition_key = "beta";
    records[1].data = "hello";
    records[2] = records[1];
    records[2].sub_sequence_number = 1;
    records[2].aggregated = true;
    records[2].data = "world";
    return records;
  }

  testing::ScopedTempDir dir_;
  std::string script_;
  std::string log_;
  std::mutex mu_;
  std::vector<std::string> stderr_lines_;
};

TEST_F(MultiLangProcessorTest, RunsTheWholeLifecycle) {
  MultiLangRecordProcessor processor("shardId-000000000001", Options("good"));
  ASSERT_TRUE(processor.Initialize({"shardId-000000000001", ExtendedSequenceNumber::TrimHorizon()})
                  .ok());
  ASSERT_TRUE(processor.child_pid().has_value());
  const pid_t pid = *processor.child_pid();

  FakeCheckpointer checkpointer;
  const std::vector<Record> records = Batch();
  checkpointer.largest = records.back().position();
  Status s = processor.ProcessRecords({records, 1234, checkpointer});
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(checkpointer.calls,
            (std::vector<std::string>{records[2].sequence_number + "/1", "last"}));

  checkpointer.largest = ExtendedSequenceNumber::ShardEnd();
  s = processor.ShardEnded(checkpointer);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(checkpointer.calls.back(), "last");
  EXPECT_FALSE(processor.child_pid().has_value());
  ASSERT_TRUE(processor.child_exit().has_value());
  EXPECT_TRUE(processor.child_exit()->exited);
  EXPECT_EQ(processor.child_exit()->code, 0);
  EXPECT_TRUE(ProcessGone(pid));

  const std::string log = Log();
  // What the child was told, field by field.
  EXPECT_NE(log.find(R"("message": {"action": "initialize", "shardId": "shardId-000000000001", )"
                     R"("sequenceNumber": "TRIM_HORIZON", "subSequenceNumber": 0})"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find(R"({"event": "record", "data": "0001fe", "key": "alpha", "seq": )"
                     R"("49590338271490256608559692538361571095921575989136588898", "sub": 0, )"
                     R"("arrival": 1700000000123})"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find(R"("data": "776f726c64", "key": "beta")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("millisBehindLatest": 1234)"), std::string::npos) << log;
  // The checkpoint answers: as checkpointed, no error.
  EXPECT_NE(log.find(R"({"action": "checkpoint", "sequenceNumber": )"
                     R"("49590338271490256608559692540925702759324208523137515618", )"
                     R"("subSequenceNumber": 1, "error": null})"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find(R"({"action": "checkpoint", "sequenceNumber": "SHARD_END", )"
                     R"("subSequenceNumber": 0, "error": null})"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find(R"({"event": "eof"})"), std::string::npos) << log;

  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(stderr_lines_, (std::vector<std::string>{"shardId-000000000001: stderr says hello"}));
}

TEST_F(MultiLangProcessorTest, PassesCheckpointErrorsToTheChild) {
  MultiLangRecordProcessor processor("shard-1", Options("good"));
  ASSERT_TRUE(processor.Initialize({"shard-1", {}}).ok());
  FakeCheckpointer checkpointer;
  checkpointer.error = CheckpointError::kShutdown;
  const std::vector<Record> records = Batch();
  Status s = processor.ProcessRecords({records, 0, checkpointer});
  ASSERT_TRUE(s.ok()) << s.ToString();  // a refused checkpoint is the child's business
  const std::string log = Log();
  // The request is echoed with the error.
  EXPECT_NE(log.find(R"({"action": "checkpoint", "sequenceNumber": null, "subSequenceNumber": )"
                     R"(null, "error": "ShutdownException"})"),
            std::string::npos)
      << log;
  // A lease without a checkpoint: null and null.
  EXPECT_NE(log.find(R"("sequenceNumber": null, "subSequenceNumber": null})"), std::string::npos);
}

TEST_F(MultiLangProcessorTest, RefusesMalformedCheckpointsWithoutAskingTheCheckpointer) {
  MultiLangRecordProcessor processor("shard-1", Options("bad_checkpoints"));
  ASSERT_TRUE(processor.Initialize({"shard-1", {}}).ok());
  FakeCheckpointer checkpointer;
  const std::vector<Record> records = Batch();
  checkpointer.largest = records.back().position();
  ASSERT_TRUE(processor.ProcessRecords({records, 0, checkpointer}).ok());
  EXPECT_EQ(checkpointer.calls.size(), 2u);  // only the two well-formed ones
  const std::string log = Log();
  EXPECT_NE(log.find(R"("sequenceNumber": "not-a-number", "subSequenceNumber": 0, "error": )"
                     R"("IllegalArgumentException")"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find(R"("sequenceNumber": "1", "subSequenceNumber": -1, "error": )"
                     R"("IllegalArgumentException")"),
            std::string::npos)
      << log;
}

TEST_F(MultiLangProcessorTest, AcceptsAwsKclCheckpointsWithoutSubSequenceNumber) {
  MultiLangRecordProcessor processor("shard-1", Options("node_style"));
  ASSERT_TRUE(processor.Initialize({"shard-1", {}}).ok());
  FakeCheckpointer checkpointer;
  const std::vector<Record> records = Batch();
  checkpointer.largest = records.back().position();
  ASSERT_TRUE(processor.ProcessRecords({records, 0, checkpointer}).ok());
  EXPECT_EQ(checkpointer.calls, (std::vector<std::string>{records[2].sequence_number + "/0"}));
}

TEST_F(MultiLangProcessorTest, AnswersCheckpointsDuringInitializeWithInvalidState) {
  MultiLangRecordProcessor processor("shard-1", Options("checkpoint_in_initialize"));
  ASSERT_TRUE(processor.Initialize({"shard-1", {"42", 0}}).ok());
  EXPECT_NE(Log().find(R"("error": "InvalidStateException")"), std::string::npos) << Log();
}

TEST_F(MultiLangProcessorTest, AStatusForTheWrongActionFailsTheCallback) {
  MultiLangRecordProcessor processor("shard-7", Options("wrong_status"));
  ASSERT_TRUE(processor.Initialize({"shard-7", {"5", 0}}).ok());
  const pid_t pid = *processor.child_pid();
  FakeCheckpointer checkpointer;
  const std::vector<Record> records = Batch();
  Status s = processor.ProcessRecords({records, 0, checkpointer});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  for (const char* part : {"shard-7", "processRecords", records[2].sequence_number.c_str(),
                           "(sub-sequence 1)", "status for 'initialize'"}) {
    EXPECT_NE(s.message().find(part), std::string::npos) << part << " in " << s.message();
  }
  EXPECT_FALSE(processor.child_pid().has_value());
  EXPECT_TRUE(ProcessGone(pid));
  // Every later callback fails at once.
  EXPECT_FALSE(processor.ProcessRecords({records, 0, checkpointer}).ok());
  EXPECT_FALSE(processor.ShardEnded(checkpointer).ok());
  processor.LeaseLost();  // nothing to do, no crash
}

TEST_F(MultiLangProcessorTest, NoAnswerWithinTheTimeoutFailsTheCallback) {
  MultiLangProcessorOptions options = Options("hang");
  options.timeout_seconds = 1;
  MultiLangRecordProcessor processor("shard-1", std::move(options));
  ASSERT_TRUE(processor.Initialize({"shard-1", {}}).ok());
  const pid_t pid = *processor.child_pid();
  FakeCheckpointer checkpointer;
  const std::vector<Record> records = Batch();
  const auto start = std::chrono::steady_clock::now();
  Status s = processor.ProcessRecords({records, 0, checkpointer});
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kExpired);
  EXPECT_NE(s.message().find("timeoutInSeconds"), std::string::npos) << s.message();
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 5s);
  EXPECT_TRUE(ProcessGone(pid));
}

TEST_F(MultiLangProcessorTest, AChildThatExitsFailsTheCallbackWithItsExitCode) {
  MultiLangRecordProcessor processor("shard-1", Options("crash"));
  ASSERT_TRUE(processor.Initialize({"shard-1", {}}).ok());
  FakeCheckpointer checkpointer;
  const std::vector<Record> records = Batch();
  Status s = processor.ProcessRecords({records, 0, checkpointer});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_NE(s.message().find("exited with code 3"), std::string::npos) << s.message();
}

TEST_F(MultiLangProcessorTest, AnInvalidMessageFailsTheCallbackNamingTheLine) {
  MultiLangRecordProcessor processor("shard-1", Options("garbage"));
  ASSERT_TRUE(processor.Initialize({"shard-1", {}}).ok());
  FakeCheckpointer checkpointer;
  const std::vector<Record> records = Batch();
  Status s = processor.ProcessRecords({records, 0, checkpointer});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find(R"({"action": "explode"})"), std::string::npos) << s.message();
}

TEST_F(MultiLangProcessorTest, LeaseLostEndsTheChild) {
  MultiLangRecordProcessor processor("shard-1", Options("good"));
  ASSERT_TRUE(processor.Initialize({"shard-1", {}}).ok());
  const pid_t pid = *processor.child_pid();
  processor.LeaseLost();
  EXPECT_FALSE(processor.child_pid().has_value());
  ASSERT_TRUE(processor.child_exit().has_value());
  EXPECT_TRUE(processor.child_exit()->exited);
  EXPECT_TRUE(ProcessGone(pid));
  const std::string log = Log();
  EXPECT_NE(log.find(R"({"action": "leaseLost"})"), std::string::npos) << log;
  EXPECT_NE(log.find(R"({"event": "eof"})"), std::string::npos) << log;
}

TEST_F(MultiLangProcessorTest, ShutdownRequestedCheckpointsAndKeepsTheChild) {
  MultiLangRecordProcessor processor("shard-1", Options("good"));
  ASSERT_TRUE(processor.Initialize({"shard-1", {}}).ok());
  FakeCheckpointer checkpointer;
  checkpointer.largest = {"99", 0};
  ASSERT_TRUE(processor.ShutdownRequested(checkpointer).ok());
  EXPECT_EQ(checkpointer.calls, (std::vector<std::string>{"last"}));
  EXPECT_TRUE(processor.child_pid().has_value());
  processor.LeaseLost();
  EXPECT_FALSE(processor.child_pid().has_value());
}

// As in KCL: shutdownRequested, then leaseLost, then the end of stdin, when the worker makes no
// call after ShutdownRequested.
TEST_F(MultiLangProcessorTest, DestroyingAfterShutdownRequestedSendsLeaseLost) {
  pid_t pid = 0;
  {
    MultiLangRecordProcessor processor("shard-1", Options("good"));
    ASSERT_TRUE(processor.Initialize({"shard-1", {}}).ok());
    pid = *processor.child_pid();
    FakeCheckpointer checkpointer;
    checkpointer.largest = {"99", 0};
    ASSERT_TRUE(processor.ShutdownRequested(checkpointer).ok());
  }
  EXPECT_TRUE(ProcessGone(pid));
  const std::string log = Log();
  const size_t shutdown = log.find(R"({"action": "shutdownRequested"})");
  const size_t lost = log.find(R"({"action": "leaseLost"})");
  const size_t eof = log.find(R"({"event": "eof"})");
  ASSERT_NE(shutdown, std::string::npos) << log;
  ASSERT_NE(lost, std::string::npos) << log;
  ASSERT_NE(eof, std::string::npos) << log;
  EXPECT_LT(shutdown, lost) << log;
  EXPECT_LT(lost, eof) << log;
}

// A child that never answers that leaseLost is stopped after exit_grace, even without
// timeoutInSeconds (no limit): nothing waits on the destructor's call.
TEST_F(MultiLangProcessorTest, AnUnansweredLeaseLostAtDestructionIsBounded) {
  MultiLangProcessorOptions options = Options("silent_lease_lost");
  options.exit_grace = 300ms;
  options.term_grace = 300ms;
  pid_t pid = 0;
  const auto start = std::chrono::steady_clock::now();
  {
    MultiLangRecordProcessor processor("shard-1", std::move(options));
    ASSERT_TRUE(processor.Initialize({"shard-1", {}}).ok());
    pid = *processor.child_pid();
    FakeCheckpointer checkpointer;
    checkpointer.largest = {"99", 0};
    ASSERT_TRUE(processor.ShutdownRequested(checkpointer).ok());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(ProcessGone(pid));
  EXPECT_NE(Log().find(R"({"action": "leaseLost"})"), std::string::npos) << Log();
}

// Without shutdownRequested (or after a failed one) there is no leaseLost to send.
TEST_F(MultiLangProcessorTest, DestroyingWithoutShutdownRequestedOnlyClosesStdin) {
  {
    MultiLangRecordProcessor processor("shard-1", Options("good"));
    ASSERT_TRUE(processor.Initialize({"shard-1", {}}).ok());
  }
  const std::string log = Log();
  EXPECT_EQ(log.find(R"("leaseLost")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"({"event": "eof"})"), std::string::npos) << log;
}

TEST_F(MultiLangProcessorTest, DestroyingTheProcessorKillsAStubbornChild) {
  MultiLangProcessorOptions options = Options("stubborn");
  options.exit_grace = 200ms;
  options.term_grace = 200ms;
  pid_t pid = 0;
  const auto start = std::chrono::steady_clock::now();
  {
    MultiLangRecordProcessor processor("shard-1", std::move(options));
    ASSERT_TRUE(processor.Initialize({"shard-1", {}}).ok());
    pid = *processor.child_pid();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(ProcessGone(pid));
}

TEST_F(MultiLangProcessorTest, NamesACommandThatCannotStart) {
  MultiLangProcessorOptions options;
  options.command = {"/nonexistent/processor.py"};
  MultiLangRecordProcessor processor("shard-3", std::move(options));
  Status s = processor.Initialize({"shard-3", {}});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("shard-3"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("/nonexistent/processor.py"), std::string::npos) << s.message();
  FakeCheckpointer checkpointer;
  EXPECT_FALSE(processor.ShardEnded(checkpointer).ok());
}

TEST_F(MultiLangProcessorTest, ANeverStartedProcessorHasNothingToDo) {
  MultiLangRecordProcessor processor("shard-1", Options("good"));
  FakeCheckpointer checkpointer;
  EXPECT_TRUE(processor.ShutdownRequested(checkpointer).ok());
  processor.LeaseLost();
  EXPECT_TRUE(checkpointer.calls.empty());
}

TEST_F(MultiLangProcessorTest, TheFactoryMakesOneChildPerShard) {
  MultiLangProcessorFactory factory(Options("good"));
  std::unique_ptr<RecordProcessor> a = factory.Create("shard-a");
  std::unique_ptr<RecordProcessor> b = factory.Create("shard-b");
  ASSERT_TRUE(a->Initialize({"shard-a", {}}).ok());
  ASSERT_TRUE(b->Initialize({"shard-b", {}}).ok());
  const auto* pa = static_cast<MultiLangRecordProcessor*>(a.get());
  const auto* pb = static_cast<MultiLangRecordProcessor*>(b.get());
  EXPECT_NE(*pa->child_pid(), *pb->child_pid());
  a.reset();
  b.reset();
  const std::string log = Log();
  EXPECT_NE(log.find(R"("shardId": "shard-a")"), std::string::npos);
  EXPECT_NE(log.find(R"("shardId": "shard-b")"), std::string::npos);
}

// ---- the real clients, when tests/compat/multilang/setup.sh has fetched them ----

std::string EnvOrEmpty(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// amazon_kclpy's own sample (samples/sample_kclpy_app.py), unchanged: it logs each record to its
// stderr (without line ends) and checkpoints at its first batch and at the shard's end.
TEST_F(MultiLangProcessorTest, RunsAmazonKclpysSampleUnchanged) {
  const std::string python = EnvOrEmpty("EDDY_KCLPY_PYTHON");
  const std::string sample = EnvOrEmpty("EDDY_KCLPY_SAMPLE_APP");
  if (python.empty() || sample.empty()) {
    GTEST_SKIP() << "EDDY_KCLPY_PYTHON / EDDY_KCLPY_SAMPLE_APP not set "
                    "(eval \"$(tests/compat/multilang/setup.sh DIR)\")";
  }
  MultiLangProcessorOptions options = Options("unused");
  options.command = {python, sample};
  MultiLangRecordProcessor processor("shardId-000000000000", std::move(options));
  ASSERT_TRUE(processor.Initialize({"shardId-000000000000", ExtendedSequenceNumber::TrimHorizon()})
                  .ok());
  FakeCheckpointer checkpointer;
  const std::vector<Record> records = Batch();
  checkpointer.largest = records.back().position();
  Status s = processor.ProcessRecords({records, 0, checkpointer});
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(checkpointer.calls,
            (std::vector<std::string>{records[2].sequence_number + "/1"}));
  checkpointer.largest = ExtendedSequenceNumber::ShardEnd();
  s = processor.ShardEnded(checkpointer);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(checkpointer.calls.back(), "last");
  ASSERT_TRUE(processor.child_exit().has_value());
  EXPECT_TRUE(processor.child_exit()->exited) << processor.child_exit()->ToString();
  EXPECT_EQ(processor.child_exit()->code, 0);
  std::string all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& line : stderr_lines_) all += line + "\n";
  }
  EXPECT_NE(all.find("Record (Partition Key: alpha, Sequence Number: " +
                     records[0].sequence_number + ", Subsequence Number: 0, Data Size: 3"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("Subsequence Number: 1, Data Size: 5"), std::string::npos) << all;
  EXPECT_NE(all.find("Shard has ended checkpointing"), std::string::npos) << all;
}

// A processor written against aws-kcl 2.x (the npm package ships no sample), run unchanged.
constexpr char kAwsKclProcessor[] = R"JS(
const fs = require('fs');
const kcl = require('aws-kcl');
const out = process.argv[2];
const note = (o) => fs.appendFileSync(out, JSON.stringify(o) + '\n');
kcl({
  initialize(input, done) { note({event: 'initialize', shardId: input.shardId, seq: input.sequenceNumber}); done(); },
  processRecords(input, done) {
    for (const r of input.records) {
      note({event: 'record', data: Buffer.from(r.data, 'base64').toString('hex'), key: r.partitionKey, seq: r.sequenceNumber});
    }
    const last = input.records[input.records.length - 1];
    input.checkpointer.checkpoint(last.sequenceNumber, (err, seq) => { note({event: 'checkpoint', err, seq}); done(); });
  },
  leaseLost(input, done) { note({event: 'leaseLost'}); done(); },
  shardEnded(input, done) {
    input.checkpointer.checkpoint((err, seq) => { note({event: 'shardEnded', err, seq}); done(); });
  },
  shutdownRequested(input, done) { done(); },
}).run();
)JS";

TEST_F(MultiLangProcessorTest, RunsAnAwsKclProcessorUnchanged) {
  const std::string node_path = EnvOrEmpty("EDDY_AWS_KCL_NODE_PATH");
  if (node_path.empty()) {
    GTEST_SKIP() << "EDDY_AWS_KCL_NODE_PATH not set (eval \"$(tests/compat/multilang/setup.sh DIR)\")";
  }
  ::setenv("NODE_PATH", node_path.c_str(), 1);  // the child runs with the worker's environment
  const std::string app = (dir_.path() / "app.js").string();
  std::ofstream(app) << kAwsKclProcessor;
  MultiLangProcessorOptions options = Options("unused");
  options.command = {"node", app, log_};
  MultiLangRecordProcessor processor("shardId-000000000002", std::move(options));
  ASSERT_TRUE(processor.Initialize({"shardId-000000000002", {"7", 0}}).ok());
  FakeCheckpointer checkpointer;
  const std::vector<Record> records = Batch();
  checkpointer.largest = records.back().position();
  Status s = processor.ProcessRecords({records, 0, checkpointer});
  ASSERT_TRUE(s.ok()) << s.ToString();
  // aws-kcl checkpoints a sequence number without a sub-sequence number.
  EXPECT_EQ(checkpointer.calls, (std::vector<std::string>{records[2].sequence_number + "/0"}));
  checkpointer.largest = ExtendedSequenceNumber::ShardEnd();
  s = processor.ShardEnded(checkpointer);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(processor.child_exit().has_value() && processor.child_exit()->exited);
  const std::string log = Log();
  EXPECT_NE(log.find(R"({"event":"initialize","shardId":"shardId-000000000002","seq":"7"})"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find(R"({"event":"record","data":"0001fe","key":"alpha")"), std::string::npos)
      << log;
  EXPECT_NE(log.find(R"({"event":"checkpoint","err":null,"seq":")" + records[2].sequence_number),
            std::string::npos)
      << log;
  EXPECT_NE(log.find(R"({"event":"shardEnded","err":null,"seq":"SHARD_END"})"), std::string::npos)
      << log;
}

TEST(ProcessorOptionsForTest, SplitsTheExecutableAndTakesTheTimeout) {
  MultiLangConfig config;
  config.executable_name = "python3  sample_kclpy_app.py --flag";
  config.timeout_seconds = 30;
  const MultiLangProcessorOptions options = ProcessorOptionsFor(config);
  EXPECT_EQ(options.command,
            (std::vector<std::string>{"python3", "sample_kclpy_app.py", "--flag"}));
  EXPECT_EQ(options.timeout_seconds, 30);
}

}  // namespace
}  // namespace eddy::consumer::multilang
