#include "eddy/function/function_host.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "function_test_support.h"
#include "support/wait_until.h"

namespace eddy::function {
namespace {

using namespace std::chrono_literals;
using testing_support::FunctionTestBase;
using testing_support::ParseJson;
using testing_support::ProcessGone;
using testing_support::StringAt;

// Answers every event with what the function saw: the event, the /next headers, its
// environment, working directory, pid and the time it got the event.
constexpr const char* kEchoBootstrap = R"(
while True:
    headers, body = next_event()
    got_ns = time.time_ns()
    request_id = headers['lambda-runtime-aws-request-id']
    event = json.loads(body)
    if event.get('print'):
        print('stdout line for', request_id, flush=True)
        print('stderr line for', request_id, file=sys.stderr, flush=True)
    respond(request_id, json.dumps({
        'event': event, 'headers': headers, 'env': dict(os.environ), 'cwd': os.getcwd(),
        'pid': os.getpid(), 'got_ns': got_ns}))
)";

int PidOf(const InvokeResult& result) {
  rapidjson::Document document = ParseJson(result.payload);
  return document.IsObject() && document.HasMember("pid") && document["pid"].IsInt()
             ? document["pid"].GetInt()
             : -1;
}

class FunctionHostTest : public FunctionTestBase {};

TEST_F(FunctionHostTest, InvokesAndPassesEventHeadersAndEnvironment) {
  // Not for the function: eddy's own environment stays eddy's.
  ::setenv("EDDY_FUNCTION_TEST_SECRET", "do-not-pass", 1);
  FunctionHost host(Options());
  const std::string code = WriteBootstrap("echo", kEchoBootstrap);
  FunctionConfig config = Provided("echo", code, 7);
  config.memory_size_mb = 256;
  config.environment = {{"MY_SETTING", "value with spaces"}, {"TZ", "Asia/Tokyo"}};
  ASSERT_TRUE(host.Define(config).ok());

  const int64_t before_ms = SystemClock()->NowMillis();
  Result<InvokeResult> result = host.Invoke("echo", R"({"key":"value","n":[1,2,3]})");
  const int64_t after_ms = SystemClock()->NowMillis();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_FALSE(result->function_error) << result->payload;
  EXPECT_TRUE(result->cold_start);
  rapidjson::Document answer = ParseJson(result->payload);
  ASSERT_TRUE(answer.IsObject());

  // The event, byte for byte as JSON.
  const rapidjson::Value& event = answer["event"];
  EXPECT_EQ(StringAt(event, "key"), "value");
  EXPECT_EQ(event["n"].Size(), 3u);

  const rapidjson::Value& headers = answer["headers"];
  EXPECT_EQ(StringAt(headers, "lambda-runtime-aws-request-id"), result->request_id);
  EXPECT_EQ(StringAt(headers, "lambda-runtime-invoked-function-arn"),
            "arn:aws:lambda:us-east-1:000000000000:function:echo");
  EXPECT_EQ(StringAt(headers, "content-type"), "application/json");
  EXPECT_TRUE(std::regex_match(StringAt(headers, "lambda-runtime-trace-id"),
                               std::regex("Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};"
                                          "Sampled=0")))
      << StringAt(headers, "lambda-runtime-trace-id");
  const int64_t deadline = std::stoll(StringAt(headers, "lambda-runtime-deadline-ms"));
  EXPECT_GE(deadline, before_ms + 7000);
  EXPECT_LE(deadline, after_ms + 7000);

  const rapidjson::Value& env = answer["env"];
  const std::string root = std::filesystem::canonical(code).string();
  EXPECT_EQ(std::filesystem::canonical(StringAt(answer, "cwd")).string(), root);
  EXPECT_EQ(std::filesystem::canonical(StringAt(env, "LAMBDA_TASK_ROOT")).string(), root);
  EXPECT_EQ(StringAt(env, "_HANDLER"), "unused.handler");
  EXPECT_EQ(StringAt(env, "AWS_REGION"), "us-east-1");
  EXPECT_EQ(StringAt(env, "AWS_DEFAULT_REGION"), "us-east-1");
  EXPECT_EQ(StringAt(env, "AWS_EXECUTION_ENV"), "<missing>");  // not for provided runtimes
  EXPECT_EQ(StringAt(env, "AWS_LAMBDA_FUNCTION_NAME"), "echo");
  EXPECT_EQ(StringAt(env, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), "256");
  EXPECT_EQ(StringAt(env, "AWS_LAMBDA_FUNCTION_VERSION"), "$LATEST");
  EXPECT_EQ(StringAt(env, "AWS_LAMBDA_INITIALIZATION_TYPE"), "on-demand");
  EXPECT_EQ(StringAt(env, "AWS_LAMBDA_LOG_GROUP_NAME"), "/aws/lambda/echo");
  EXPECT_TRUE(std::regex_match(StringAt(env, "AWS_LAMBDA_LOG_STREAM_NAME"),
                               std::regex(R"(\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32})")));
  EXPECT_EQ(StringAt(env, "AWS_ACCESS_KEY_ID"), "eddy");
  EXPECT_EQ(StringAt(env, "AWS_SECRET_ACCESS_KEY"), "eddy");
  EXPECT_EQ(StringAt(env, "AWS_SESSION_TOKEN"), "<missing>");
  EXPECT_TRUE(std::regex_match(StringAt(env, "AWS_LAMBDA_RUNTIME_API"),
                               std::regex(R"(127\.0\.0\.1:\d+)")));
  EXPECT_EQ(StringAt(env, "LAMBDA_RUNTIME_DIR"), "/var/runtime");
  EXPECT_EQ(StringAt(env, "AWS_ENDPOINT_URL"), "http://127.0.0.1:4566");
  EXPECT_EQ(StringAt(env, "PATH"), ::getenv("PATH"));
  EXPECT_EQ(StringAt(env, "LANG"), "en_US.UTF-8");
  EXPECT_EQ(StringAt(env, "TZ"), "Asia/Tokyo");  // the user's overrides the default UTC
  EXPECT_EQ(StringAt(env, "MY_SETTING"), "value with spaces");
  EXPECT_EQ(StringAt(env, "EDDY_FUNCTION_TEST_SECRET"), "<missing>");
  ::unsetenv("EDDY_FUNCTION_TEST_SECRET");
}

TEST_F(FunctionHostTest, ReusesAWarmEnvironmentAndStopsItWithTheHost) {
  int pid = -1;
  {
    FunctionHost host(Options());
    ASSERT_TRUE(host.Define(Provided("warm", WriteBootstrap("warm", kEchoBootstrap))).ok());
    Result<InvokeResult> first = host.Invoke("warm", "{}");
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    Result<InvokeResult> second = host.Invoke("warm", R"({"second":true})");
    ASSERT_TRUE(second.ok()) << second.status().ToString();
    EXPECT_TRUE(first->cold_start);
    EXPECT_FALSE(second->cold_start);
    pid = PidOf(*first);
    EXPECT_GT(pid, 0);
    EXPECT_EQ(PidOf(*second), pid);
    EXPECT_NE(first->request_id, second->request_id);
    const FunctionStats stats = host.Stats().at("warm");
    EXPECT_EQ(stats.invocations, 2u);
    EXPECT_EQ(stats.cold_starts, 1u);
    EXPECT_EQ(stats.environments, 1);
    EXPECT_EQ(stats.environments_idle, 1);
  }
  EXPECT_TRUE(ProcessGone(pid));
}

TEST_F(FunctionHostTest, PassesAHandlerErrorThroughVerbatim) {
  FunctionHost host(Options());
  const std::string document =
      R"({"errorMessage":"boom","errorType":"MyError","stackTrace":["line 1","line 2"]})";
  ASSERT_TRUE(host.Define(Provided("fails", WriteBootstrap("fails", R"(
while True:
    headers, body = next_event()
    request_id = headers['lambda-runtime-aws-request-id']
    if json.loads(body).get('fail'):
        fail(request_id, ')" + document + R"(', {'Lambda-Runtime-Function-Error-Type': 'Unhandled'})
    else:
        respond(request_id, str(os.getpid()))
)")))
                  .ok());
  Result<InvokeResult> failed = host.Invoke("fails", R"({"fail":true})");
  ASSERT_TRUE(failed.ok()) << failed.status().ToString();
  EXPECT_TRUE(failed->function_error);
  EXPECT_EQ(failed->error_type, "MyError");
  EXPECT_EQ(failed->payload, document);
  // The environment goes on serving.
  Result<InvokeResult> ok = host.Invoke("fails", "{}");
  ASSERT_TRUE(ok.ok());
  EXPECT_FALSE(ok->function_error);
  EXPECT_FALSE(ok->cold_start);
  EXPECT_EQ(host.Stats().at("fails").function_errors, 1u);
}

TEST_F(FunctionHostTest, AnInitErrorIsTheResultAndTheNextInvokeStartsAFreshProcess) {
  FunctionHost host(Options());
  const std::string marker = (dir_.path() / "init-failed-once").string();
  const std::string document =
      R"({"errorMessage":"Unable to import module app: No module named app",)"
      R"("errorType":"Runtime.ImportModuleError"})";
  ASSERT_TRUE(host.Define(Provided("init", WriteBootstrap("init", R"(
MARKER = ')" + marker + R"('
if not os.path.exists(MARKER):
    open(MARKER, 'w').close()
    status, _, _ = call('POST', 'init/error', b')" + document + R"(',
                        {'Lambda-Runtime-Function-Error-Type': 'Runtime.ImportModuleError'})
    sys.exit(1)
while True:
    headers, body = next_event()
    respond(headers['lambda-runtime-aws-request-id'], json.dumps({'pid': os.getpid()}))
)")))
                  .ok());
  Result<InvokeResult> first = host.Invoke("init", "{}");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->function_error);
  EXPECT_EQ(first->error_type, "Runtime.ImportModuleError");
  EXPECT_EQ(first->payload, document);
  Result<InvokeResult> second = host.Invoke("init", "{}");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_FALSE(second->function_error) << second->payload;
  EXPECT_TRUE(second->cold_start);
  EXPECT_EQ(host.Stats().at("init").cold_starts, 2u);
}

TEST_F(FunctionHostTest, AProcessThatExitsMidInvokeIsARuntimeExitError) {
  FunctionHost host(Options());
  ASSERT_TRUE(host.Define(Provided("exits", WriteBootstrap("exits", R"(
while True:
    headers, body = next_event()
    event = json.loads(body)
    if 'exit' in event: os._exit(event['exit'])
    if 'signal' in event: os.kill(os.getpid(), event['signal'])
    respond(headers['lambda-runtime-aws-request-id'], json.dumps({'pid': os.getpid()}))
)")))
                  .ok());
  Result<InvokeResult> exited = host.Invoke("exits", R"({"exit":3})");
  ASSERT_TRUE(exited.ok()) << exited.status().ToString();
  EXPECT_TRUE(exited->function_error);
  EXPECT_EQ(exited->error_type, "Runtime.ExitError");
  EXPECT_EQ(exited->payload,
            R"({"errorType":"Runtime.ExitError","errorMessage":"RequestId: )" +
                exited->request_id + R"( Error: Runtime exited with error: exit status 3"})");
  Result<InvokeResult> killed = host.Invoke("exits", R"({"signal":9})");
  ASSERT_TRUE(killed.ok()) << killed.status().ToString();
  EXPECT_TRUE(killed->cold_start);  // a new process after the exit
  EXPECT_NE(killed->payload.find("Runtime exited with error: signal: killed"), std::string::npos)
      << killed->payload;
  Result<InvokeResult> fine = host.Invoke("exits", "{}");
  ASSERT_TRUE(fine.ok());
  EXPECT_FALSE(fine->function_error) << fine->payload;
}

TEST_F(FunctionHostTest, AProcessThatDiesBetweenInvocationsIsReplaced) {
  FunctionHost host(Options());
  // Answers one event, then exits.
  ASSERT_TRUE(host.Define(Provided("once", WriteBootstrap("once", R"(
headers, body = next_event()
respond(headers['lambda-runtime-aws-request-id'], json.dumps({'pid': os.getpid()}))
os._exit(0)
)")))
                  .ok());
  for (int i = 0; i < 3; ++i) {
    Result<InvokeResult> result = host.Invoke("once", "{}");
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_FALSE(result->function_error) << result->payload;
    EXPECT_TRUE(result->cold_start);
    ASSERT_TRUE(ProcessGone(PidOf(*result)));  // dead before the next invocation comes
  }
}

TEST_F(FunctionHostTest, ATimeoutKillsTheProcessAndTheNextInvokeGetsAFreshOne) {
  FunctionHost host(Options());
  ASSERT_TRUE(host.Define(Provided("slow", WriteBootstrap("slow", R"(
while True:
    headers, body = next_event()
    event = json.loads(body)
    with open(event['pid_file'], 'w') as f: f.write(str(os.getpid()))
    time.sleep(event.get('sleep', 0))
    respond(headers['lambda-runtime-aws-request-id'], json.dumps({'pid': os.getpid()}))
)"),
                                   1))
                  .ok());
  const std::string pid_file = (dir_.path() / "slow.pid").string();
  const auto start = std::chrono::steady_clock::now();
  Result<InvokeResult> timed_out =
      host.Invoke("slow", R"({"sleep":30,"pid_file":")" + pid_file + R"("})");
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(timed_out.ok()) << timed_out.status().ToString();
  EXPECT_TRUE(timed_out->function_error);
  EXPECT_EQ(timed_out->error_type, "Sandbox.Timedout");
  EXPECT_EQ(timed_out->payload,
            R"({"errorType":"Sandbox.Timedout","errorMessage":"RequestId: )" +
                timed_out->request_id + R"( Error: Task timed out after 1.00 seconds"})");
  EXPECT_GE(took, 1s);
  EXPECT_LT(took, 5s);
  int killed_pid = 0;
  std::ifstream(pid_file) >> killed_pid;
  ASSERT_GT(killed_pid, 0);
  EXPECT_TRUE(ProcessGone(killed_pid));

  Result<InvokeResult> next = host.Invoke("slow", R"({"pid_file":")" + pid_file + R"("})");
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_FALSE(next->function_error) << next->payload;
  EXPECT_TRUE(next->cold_start);
  EXPECT_NE(PidOf(*next), killed_pid);
  EXPECT_EQ(host.Stats().at("slow").timeouts, 1u);
}

TEST_F(FunctionHostTest, AnInitThatNeverAsksForAnEventTimesOut) {
  FunctionHostOptions options = Options();
  options.init_timeout_seconds = 1;
  FunctionHost host(options);
  ASSERT_TRUE(host.Define(Provided("stuck", WriteBootstrap("stuck", "time.sleep(60)\n"))).ok());
  Result<InvokeResult> result = host.Invoke("stuck", "{}");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->error_type, "Sandbox.Timedout");
  EXPECT_NE(result->payload.find("timed out after 1.00 seconds"), std::string::npos);
}

constexpr const char* kSlowPidBootstrap = R"(
while True:
    headers, body = next_event()
    time.sleep(0.4)
    respond(headers['lambda-runtime-aws-request-id'], json.dumps({'pid': os.getpid()}))
)";

// Runs `count` invocations at once; their pids (-1 for a failed one).
std::vector<int> InvokeInParallel(FunctionHost& host, const std::string& name, int count) {
  std::vector<int> pids(count, -1);
  std::vector<std::thread> threads;
  for (int i = 0; i < count; ++i) {
    threads.emplace_back([&, i] {
      Result<InvokeResult> result = host.Invoke(name, "{}");
      if (result.ok() && !result->function_error) pids[i] = PidOf(*result);
    });
  }
  for (auto& t : threads) t.join();
  return pids;
}

TEST_F(FunctionHostTest, ParallelInvokesGetEnvironmentsOfTheirOwnUpToMaxConcurrency) {
  FunctionHost host(Options());
  FunctionConfig config = Provided("parallel", WriteBootstrap("parallel", kSlowPidBootstrap));
  config.max_concurrency = 4;
  ASSERT_TRUE(host.Define(config).ok());

  std::atomic<bool> done{false};
  std::atomic<int> most_environments{0};
  std::thread watcher([&] {
    while (!done) {
      const auto stats = host.Stats();
      if (auto it = stats.find("parallel"); it != stats.end()) {
        int seen = most_environments.load();
        while (it->second.environments > seen &&
               !most_environments.compare_exchange_weak(seen, it->second.environments)) {
        }
      }
      std::this_thread::sleep_for(2ms);
    }
  });

  // 4 at once: 4 environments.
  std::vector<int> pids = InvokeInParallel(host, "parallel", 4);
  EXPECT_EQ(std::count(pids.begin(), pids.end(), -1), 0);
  EXPECT_EQ(std::set<int>(pids.begin(), pids.end()).size(), 4u);
  // 10 at once: never more than 4; all served, by the same 4 warm ones.
  std::vector<int> more = InvokeInParallel(host, "parallel", 10);
  EXPECT_EQ(std::count(more.begin(), more.end(), -1), 0);
  std::set<int> all(pids.begin(), pids.end());
  all.insert(more.begin(), more.end());
  EXPECT_EQ(all.size(), 4u);
  done = true;
  watcher.join();
  EXPECT_EQ(most_environments.load(), 4);
  EXPECT_EQ(host.Stats().at("parallel").cold_starts, 4u);
}

TEST_F(FunctionHostTest, AnInvokeThatFindsNoEnvironmentInTimeIsThrottled) {
  FunctionHost host(Options());
  FunctionConfig config = Provided("single", WriteBootstrap("single", kSlowPidBootstrap));
  config.max_concurrency = 1;
  ASSERT_TRUE(host.Define(config).ok());
  std::thread busy([&] { EXPECT_TRUE(host.Invoke("single", "{}").ok()); });
  ASSERT_TRUE(
      eddy::testing::WaitUntil([&] { return host.Stats().at("single").environments == 1; }));
  std::this_thread::sleep_for(50ms);
  Result<InvokeResult> throttled =
      host.Invoke("single", "{}", SystemClock()->NowMillis() + 100);
  EXPECT_EQ(throttled.status().code(), Status::Code::kResourceExhausted)
      << throttled.status().ToString();
  EXPECT_NE(throttled.status().message().find("TooManyRequestsException"), std::string::npos);
  // Waiting long enough gets the environment once it is free.
  Result<InvokeResult> waited =
      host.Invoke("single", "{}", SystemClock()->NowMillis() + 10000);
  EXPECT_TRUE(waited.ok()) << waited.status().ToString();
  busy.join();
  EXPECT_EQ(host.Stats().at("single").throttles, 1u);
}

TEST_F(FunctionHostTest, AResponseOverTheLimitIsRefusedWith413) {
  FunctionHost host(Options());
  ASSERT_TRUE(host.Define(Provided("big", WriteBootstrap("big", R"(
last = None
while True:
    headers, body = next_event()
    request_id = headers['lambda-runtime-aws-request-id']
    event = json.loads(body)
    if 'size' in event:
        status, _, answer = respond(request_id, b'x' * event['size'])
        last = [status, answer.decode()]
    else:
        respond(request_id, json.dumps(last))
)")))
                  .ok());
  Result<InvokeResult> at_limit = host.Invoke("big", R"({"size":6291556})");
  ASSERT_TRUE(at_limit.ok()) << at_limit.status().ToString();
  EXPECT_FALSE(at_limit->function_error);
  EXPECT_EQ(at_limit->payload.size(), 6291556u);

  Result<InvokeResult> over = host.Invoke("big", R"({"size":6291557})");
  ASSERT_TRUE(over.ok()) << over.status().ToString();
  EXPECT_TRUE(over->function_error);
  EXPECT_EQ(over->error_type, "Function.ResponseSizeTooLarge");
  EXPECT_EQ(over->payload,
            R"({"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload )"
            R"(size exceeded maximum allowed payload size (6291556 bytes)."})");
  // What the runtime was told, from the same (warm) process.
  Result<InvokeResult> told = host.Invoke("big", "{}");
  ASSERT_TRUE(told.ok()) << told.status().ToString();
  EXPECT_FALSE(told->cold_start);
  EXPECT_EQ(told->payload,
            R"([413, "{\"errorMessage\":\"Exceeded maximum allowed payload size (6291556 )"
            R"(bytes).\",\"errorType\":\"RequestEntityTooLarge\"}"])");
  // And an event over 6 MB is refused before any function sees it.
  Result<InvokeResult> too_big_event = host.Invoke("big", std::string(6 * 1024 * 1024 + 1, ' '));
  EXPECT_EQ(too_big_event.status().code(), Status::Code::kInvalidArgument);
}

TEST_F(FunctionHostTest, TheRuntimeApiRefusesWrongIdsStatesAndPaths) {
  FunctionHost host(Options());
  ASSERT_TRUE(host.Define(Provided("strict", WriteBootstrap("strict", R"(
notes = []
def note(name, reply):
    status, _, body = reply
    try: kind = json.loads(body).get('errorType')
    except Exception: kind = None
    notes.append([name, status, kind])
while True:
    headers, body = next_event()
    request_id = headers['lambda-runtime-aws-request-id']
    note('wrong id', respond('not-' + request_id, 'x'))
    note('init error after next', call('POST', 'init/error', b'{}'))
    note('unknown path', call('GET', 'invocation/nothing/here'))
    respond(request_id, json.dumps(notes))
    note('answered twice', respond(request_id, 'again'))
    note('error after answer', fail(request_id, '{}'))
)")))
                  .ok());
  Result<InvokeResult> first = host.Invoke("strict", "{}");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->payload,
            R"([["wrong id", 400, "InvalidRequestID"], )"
            R"(["init error after next", 403, "InvalidStateTransition"], )"
            R"(["unknown path", 404, "NotFound"]])");
  Result<InvokeResult> second = host.Invoke("strict", "{}");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_NE(second->payload.find(R"(["answered twice", 400, "InvalidRequestID"], )"
                                 R"(["error after answer", 400, "InvalidRequestID"])"),
            std::string::npos)
      << second->payload;
}

TEST_F(FunctionHostTest, StdoutAndStderrReachTheLogWithTheRequestId) {
  FunctionHost host(Options());
  ASSERT_TRUE(host.Define(Provided("chatty", WriteBootstrap("chatty", kEchoBootstrap))).ok());
  Result<InvokeResult> result = host.Invoke("chatty", R"({"print":true})");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const std::string id = result->request_id;
  auto has = [&](bool is_stderr) {
    for (const auto& line : Logs()) {
      if (line.function == "chatty" && line.request_id == id && line.is_stderr == is_stderr &&
          line.line == std::string(is_stderr ? "stderr" : "stdout") + " line for " + id) {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(eddy::testing::WaitUntil([&] { return has(false) && has(true); }));
}

TEST_F(FunctionHostTest, AFunctionThatCannotStartIsAFailedPrecondition) {
  FunctionHostOptions options = Options();
  options.python = "/nonexistent/python3";
  FunctionHost host(options);
  auto expect_cannot_start = [&](FunctionConfig config, const std::string& says) {
    ASSERT_TRUE(host.Define(config).ok()) << config.name;
    Result<InvokeResult> result = host.Invoke(config.name, "{}");
    EXPECT_EQ(result.status().code(), Status::Code::kFailedPrecondition)
        << config.name << ": " << (result.ok() ? result->payload : result.status().ToString());
    EXPECT_NE(result.status().message().find(says), std::string::npos)
        << result.status().message();
    EXPECT_EQ(host.Stats().at(config.name).environments, 0);
  };
  std::filesystem::create_directories(dir_.path() / "empty");
  expect_cannot_start(Provided("no-bootstrap", (dir_.path() / "empty").string()),
                      "no file named bootstrap in");
  expect_cannot_start(Provided("not-executable", WriteBootstrap("plain", "pass", 0644)),
                      "is not executable");
  expect_cannot_start(Provided("no-code", (dir_.path() / "missing").string()),
                      "does not exist");
  FunctionConfig ruby = Provided("ruby", (dir_.path() / "empty").string());
  ruby.runtime = "ruby3.3";
  expect_cannot_start(ruby, "eddy does not run the runtime ruby3.3");
  FunctionConfig python = Provided("python", (dir_.path() / "empty").string());
  python.runtime = "python3.12";
  python.handler = "app.handler";
  expect_cannot_start(python, "'/nonexistent/python3' cannot be found");
  // A bootstrap whose interpreter is missing cannot be run at all.
  {
    std::filesystem::create_directories(dir_.path() / "bad-interpreter");
    const auto bootstrap = dir_.path() / "bad-interpreter" / "bootstrap";
    std::ofstream(bootstrap) << "#!/nonexistent/interpreter\n";
    ::chmod(bootstrap.c_str(), 0755);
  }
  expect_cannot_start(Provided("bad-interpreter", (dir_.path() / "bad-interpreter").string()),
                      "cannot run");
}

TEST_F(FunctionHostTest, APythonWithoutTheRuntimeInterfaceClientIsAFailedPrecondition) {
  // The system's python3 has no awslambdaric (a venv made by tests/compat/lambda/setup.sh does).
  if (std::system("/usr/bin/python3 -c 'import awslambdaric' 2>/dev/null") == 0 ||
      ::access("/usr/bin/python3", X_OK) != 0) {
    GTEST_SKIP() << "needs a /usr/bin/python3 without awslambdaric";
  }
  FunctionHostOptions options = Options();
  options.python = "/usr/bin/python3";
  FunctionHost host(options);
  std::filesystem::create_directories(dir_.path() / "app");
  std::ofstream(dir_.path() / "app" / "app.py") << "def handler(event, context):\n  return 1\n";
  FunctionConfig config = Provided("no-ric", (dir_.path() / "app").string());
  config.runtime = "python3.11";
  config.handler = "app.handler";
  ASSERT_TRUE(host.Define(config).ok());
  Result<InvokeResult> result = host.Invoke("no-ric", "{}");
  EXPECT_EQ(result.status().code(), Status::Code::kFailedPrecondition)
      << (result.ok() ? result->payload : result.status().ToString());
  EXPECT_NE(result.status().message().find("awslambdaric is not installed"), std::string::npos)
      << result.status().message();
}

TEST_F(FunctionHostTest, DefineValidatesAndInvokeNeedsAFunction) {
  FunctionHost host(Options());
  FunctionConfig bad = Provided("bad name", "/tmp");
  EXPECT_EQ(host.Define(bad).code(), Status::Code::kInvalidArgument);
  bad = Provided("reserved", "/tmp");
  bad.environment = {{"AWS_LAMBDA_RUNTIME_API", "x"}};
  Status reserved = host.Define(bad);
  EXPECT_EQ(reserved.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(reserved.message().find("reserved keys"), std::string::npos);
  bad = Provided("timeout", "/tmp", 0);
  EXPECT_EQ(host.Define(bad).code(), Status::Code::kInvalidArgument);
  EXPECT_FALSE(host.Get("bad name").has_value());
  EXPECT_TRUE(host.List().empty());

  Result<InvokeResult> missing = host.Invoke("nothing", "{}");
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nothing");
  EXPECT_EQ(host.Remove("nothing").code(), Status::Code::kNotFound);

  ASSERT_TRUE(host.Define(Provided("there", WriteBootstrap("there", kEchoBootstrap))).ok());
  ASSERT_TRUE(host.Get("there").has_value());
  EXPECT_EQ(host.Get("there")->runtime, "provided.al2023");
  Result<InvokeResult> ran = host.Invoke("there", "{}");
  ASSERT_TRUE(ran.ok());
  const int pid = PidOf(*ran);
  ASSERT_TRUE(host.Remove("there").ok());
  EXPECT_EQ(host.Invoke("there", "{}").status().code(), Status::Code::kNotFound);
  EXPECT_TRUE(ProcessGone(pid));  // its warm environment was stopped
}

TEST_F(FunctionHostTest, ReplacingADefinitionRetiresItsWarmEnvironments) {
  FunctionHost host(Options());
  auto version = [&](const std::string& name) {
    return WriteBootstrap(name, R"(
while True:
    headers, body = next_event()
    respond(headers['lambda-runtime-aws-request-id'],
            json.dumps({'pid': os.getpid(), 'version': ')" + name + R"('}))
)");
  };
  ASSERT_TRUE(host.Define(Provided("versioned", version("v1"))).ok());
  Result<InvokeResult> v1 = host.Invoke("versioned", "{}");
  ASSERT_TRUE(v1.ok());
  ASSERT_TRUE(host.Define(Provided("versioned", version("v2"))).ok());
  Result<InvokeResult> v2 = host.Invoke("versioned", "{}");
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(StringAt(ParseJson(v2->payload), "version"), "v2");
  EXPECT_TRUE(v2->cold_start);
  EXPECT_TRUE(ProcessGone(PidOf(*v1)));
}

TEST_F(FunctionHostTest, IdleEnvironmentsAreStopped) {
  FunctionHostOptions options = Options();
  options.idle_environment_ms = 200;
  FunctionHost host(options);
  ASSERT_TRUE(host.Define(Provided("idle", WriteBootstrap("idle", kEchoBootstrap))).ok());
  Result<InvokeResult> first = host.Invoke("idle", "{}");
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(eddy::testing::WaitUntil([&] { return host.Stats().at("idle").environments == 0; }));
  EXPECT_TRUE(ProcessGone(PidOf(*first)));
  Result<InvokeResult> second = host.Invoke("idle", "{}");
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->cold_start);
}

// Stands in for aws-lambda-ric (whose npm install compiles aws-lambda-cpp and curl): the same
// place in the function's node_modules, the Runtime API loop, and it reports how it was run.
constexpr const char* kNodeRicStandIn = R"(#!/usr/bin/env node
import http from 'node:http';
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const agent = new http.Agent({keepAlive: true, maxSockets: 1});
function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(
        {host, port, method, path: '/2018-06-01/runtime/' + path, agent}, (response) => {
          const chunks = [];
          response.on('data', (chunk) => chunks.push(chunk));
          response.on('end', () => resolve({headers: response.headers,
                                            body: Buffer.concat(chunks).toString()}));
        });
    request.on('error', reject);
    request.end(body);
  });
}
for (;;) {
  const next = await call('GET', 'invocation/next');
  const id = next.headers['lambda-runtime-aws-request-id'];
  await call('POST', `invocation/${id}/response`, JSON.stringify({
    argv: process.argv.slice(2), exec_path: process.execPath, cwd: process.cwd(),
    node_path: process.env.NODE_PATH, execution_env: process.env.AWS_EXECUTION_ENV,
    event: JSON.parse(next.body)}));
}
)";

TEST_F(FunctionHostTest, ANodeFunctionRunsTheAwsLambdaRicOfItsFolderWithTheHostsNode) {
  const std::optional<std::string> node = [] () -> std::optional<std::string> {
    for (const char* candidate : {"/usr/bin/node", "/usr/local/bin/node"}) {
      if (::access(candidate, X_OK) == 0) return std::string(candidate);
    }
    return std::nullopt;
  }();
  if (!node) GTEST_SKIP() << "no node";
  const std::filesystem::path code = dir_.path() / "node-fn";
  std::filesystem::create_directories(code / "node_modules" / "aws-lambda-ric" / "bin");
  std::filesystem::create_directories(code / "node_modules" / ".bin");
  std::ofstream(code / "node_modules" / "aws-lambda-ric" / "bin" / "index.mjs") << kNodeRicStandIn;
  std::filesystem::create_symlink("../aws-lambda-ric/bin/index.mjs",
                                  code / "node_modules" / ".bin" / "aws-lambda-ric");
  FunctionHostOptions options = Options();
  options.node = *node;
  FunctionHost host(options);
  FunctionConfig config = Provided("node-fn", code.string());
  config.runtime = "nodejs20.x";
  config.handler = "index.handler";
  ASSERT_TRUE(host.Define(config).ok());
  Result<InvokeResult> result = host.Invoke("node-fn", R"({"from":"test"})");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_FALSE(result->function_error) << result->payload;
  rapidjson::Document answer = ParseJson(result->payload);
  ASSERT_TRUE(answer.IsObject()) << result->payload;
  ASSERT_TRUE(answer["argv"].IsArray());
  ASSERT_EQ(answer["argv"].Size(), 1u);
  EXPECT_EQ(std::string(answer["argv"][0].GetString()), "index.handler");
  EXPECT_EQ(std::filesystem::canonical(StringAt(answer, "exec_path")),
            std::filesystem::canonical(*node));
  EXPECT_EQ(std::filesystem::canonical(StringAt(answer, "cwd")), std::filesystem::canonical(code));
  EXPECT_EQ(StringAt(answer, "node_path"),
            std::filesystem::absolute(code).string() + "/node_modules:" +
                std::filesystem::absolute(code).string());
  EXPECT_EQ(StringAt(answer, "execution_env"), "AWS_Lambda_nodejs20.x");
  EXPECT_EQ(StringAt(answer["event"], "from"), "test");

  // Without aws-lambda-ric in its folder (nor on PATH), it cannot start.
  std::filesystem::remove_all(code / "node_modules");
  ASSERT_TRUE(host.Define(config).ok());
  Result<InvokeResult> missing = host.Invoke("node-fn", "{}");
  EXPECT_EQ(missing.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(missing.status().message().find("aws-lambda-ric is not installed"), std::string::npos)
      << missing.status().message();
}

// Writes a zip holding `files` (name -> (content, mode)) with Python's zipfile.
void WriteZip(const std::filesystem::path& zip,
              const std::vector<std::tuple<std::string, std::string, int>>& files) {
  const std::filesystem::path script = zip.string() + ".py";
  {
    std::ofstream out(script);
    out << "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'w')\n";
    for (const auto& [name, content, mode] : files) {
      out << "i = zipfile.ZipInfo('" << name << "')\ni.external_attr = 0o" << std::oct << mode
          << std::dec << " << 16\nz.writestr(i, open('" << zip.string() << "." << name
          << "').read())\n";
      std::ofstream(zip.string() + "." + name) << content;
    }
    out << "z.close()\n";
  }
  ASSERT_EQ(std::system(("python3 " + script.string() + " " + zip.string()).c_str()), 0);
}

TEST_F(FunctionHostTest, RunsCodeFromAZipWithOrWithoutUnzip) {
  const std::filesystem::path zip = dir_.path() / "function.zip";
  WriteZip(zip, {{"bootstrap",
                  "#!" + testing_support::PythonForBootstraps() + "\n" +
                      testing_support::kBootstrapPrelude + R"(
while True:
    headers, body = next_event()
    respond(headers['lambda-runtime-aws-request-id'],
            json.dumps({'data': open('data.txt').read(), 'root': os.environ['LAMBDA_TASK_ROOT']}))
)",
                  0755},
                 {"data.txt", "zipped data", 0644}});
  for (const std::string unzip : {"unzip", "/nonexistent/unzip"}) {  // the second: python
    std::string root;
    {
      FunctionHostOptions options = Options();
      options.unzip = unzip;
      options.python = "python3";
      FunctionHost host(options);
      ASSERT_TRUE(host.Define(Provided("zipped", zip.string())).ok()) << unzip;
      Result<InvokeResult> result = host.Invoke("zipped", "{}");
      ASSERT_TRUE(result.ok()) << result.status().ToString();
      ASSERT_FALSE(result->function_error) << result->payload;
      rapidjson::Document answer = ParseJson(result->payload);
      EXPECT_EQ(StringAt(answer, "data"), "zipped data");
      root = StringAt(answer, "root");
      EXPECT_EQ(root.rfind((dir_.path() / "work").string(), 0), 0u) << root;
      EXPECT_TRUE(std::filesystem::exists(root));
    }
    EXPECT_FALSE(std::filesystem::exists(root)) << "unpacked code is removed with its host";
  }
}

TEST_F(FunctionHostTest, AZipThatCannotBeUnpackedIsRefusedByDefine) {
  FunctionHost host(Options());
  std::ofstream(dir_.path() / "broken.zip") << "this is not a zip";
  Status status = host.Define(Provided("broken", (dir_.path() / "broken.zip").string()));
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(status.message().find("Could not unzip uploaded file"), std::string::npos)
      << status.message();
  EXPECT_EQ(host.Define(Provided("absent", (dir_.path() / "absent.zip").string())).code(),
            Status::Code::kInvalidArgument);
}

// Not a check: prints how long a warm invocation takes to reach the function and how many
// invocations per second one environment of a no-op function serves.
TEST_F(FunctionHostTest, MeasuresWarmLatencyAndThroughput) {
  FunctionHost host(Options());
  ASSERT_TRUE(host.Define(Provided("noop", WriteBootstrap("noop", R"(
while True:
    headers, body = next_event()
    got_ns = time.time_ns()
    respond(headers['lambda-runtime-aws-request-id'], str(got_ns))
)")))
                  .ok());
  const auto cold_start = std::chrono::steady_clock::now();
  ASSERT_TRUE(host.Invoke("noop", "{}").ok());
  const double cold_ms = std::chrono::duration<double, std::milli>(
                             std::chrono::steady_clock::now() - cold_start)
                             .count();
  std::vector<double> to_function_us;
  for (int i = 0; i < 300; ++i) {
    const auto sent = std::chrono::system_clock::now();
    Result<InvokeResult> result = host.Invoke("noop", "{}");
    ASSERT_TRUE(result.ok());
    ASSERT_FALSE(result->cold_start);
    const int64_t got_ns = std::stoll(result->payload);
    to_function_us.push_back(
        (got_ns - std::chrono::duration_cast<std::chrono::nanoseconds>(sent.time_since_epoch())
                      .count()) /
        1000.0);
  }
  std::sort(to_function_us.begin(), to_function_us.end());
  const int rounds = 2000;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i) ASSERT_TRUE(host.Invoke("noop", "{}").ok());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "[ MEASURE  ] warm Invoke() -> function has the event: median %.0f us, p90 %.0f us, p99 "
      "%.0f us (300 invokes)\n"
      "[ MEASURE  ] no-op function, one environment: %.0f invokes/s (%d in %.2f s)\n"
      "[ MEASURE  ] its cold start (python3 bootstrap): %.1f ms\n",
      to_function_us[to_function_us.size() / 2], to_function_us[to_function_us.size() * 9 / 10],
      to_function_us[to_function_us.size() * 99 / 100], rounds / seconds, rounds, seconds,
      cold_ms);
  EXPECT_EQ(host.Stats().at("noop").cold_starts, 1u);
}

}  // namespace
}  // namespace eddy::function
