#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "eddy/base/clock.h"
#include "eddy/base/result.h"
#include "eddy/base/status.h"
#include "eddy/base/thread_annotations.h"
#include "eddy/function/function_config.h"

namespace eddy::function {

// One line a function wrote to its stdout or stderr.
struct FunctionLogLine {
  std::string_view function;    // the function's name
  // The last invocation handed to the process (a line written after its answer, before the
  // next event, still carries it); empty before the first.
  std::string_view request_id;
  bool is_stderr = false;
  std::string_view line;        // without its '\n'
};
// Called on a thread of the environment's own (one per process, for both streams).
using FunctionLogSink = std::function<void(const FunctionLogLine& line)>;

struct FunctionHostOptions {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  // Given to functions as AWS_ENDPOINT_URL (so their SDK calls reach eddy); empty: not set.
  std::string endpoint_url;
  // The credentials given to functions (valid against eddy).
  std::string access_key_id = "eddy";
  std::string secret_access_key = "eddy";
  std::string session_token;  // empty: AWS_SESSION_TOKEN not set
  // Interpreters, a path or a name looked up in eddy's PATH. Tests point python at a venv
  // that has awslambdaric.
  std::string python = "python3";
  std::string node = "node";
  std::string java = "java";
  // Where .zip code is unpacked; empty: a folder made under the system's temporary folder and
  // removed with the host.
  std::string work_dir;
  // The program that unpacks .zip code (Info-ZIP's); when it cannot be found, python's zipfile.
  std::string unzip = "unzip";
  int64_t idle_environment_ms = 300000;  // a warm environment unused this long is stopped
  // How long a new process may take from its start to its first /next (Lambda's on-demand
  // init limit); past it the process is killed and the invocation fails Sandbox.Timedout.
  int init_timeout_seconds = 10;
  int default_max_concurrency = 16;  // for functions whose max_concurrency is 0
  // Where the functions' output goes. Empty: spdlog, at info level,
  // "function <name> <request id>: <line>".
  FunctionLogSink log_sink;
};

struct InvokeResult {
  std::string request_id;
  bool function_error = false;  // Lambda's X-Amz-Function-Error: Unhandled
  // The errorType when function_error: "Runtime.ExitError", "Sandbox.Timedout",
  // "Function.ResponseSizeTooLarge", the handler's ("ValueError")...
  std::string error_type;
  // The response, or the error document: the runtime's, verbatim, or one built by eddy.
  std::string payload;
  std::string content_type;  // the runtime's Content-Type for a response; empty if none
  // From the moment the event was handed to the runtime to its answer (Lambda's Duration); for
  // a cold start init is not included.
  int64_t duration_ms = 0;
  bool cold_start = false;  // the invocation started a new process
};

// What a function's environments are doing and have done, since it was first defined.
struct FunctionStats {
  int environments = 0;       // processes alive or starting
  int environments_idle = 0;  // of those, not running an invocation
  uint64_t invocations = 0;   // ended with an InvokeResult
  uint64_t function_errors = 0;
  uint64_t timeouts = 0;      // Sandbox.Timedout (function timeout or init timeout)
  uint64_t cold_starts = 0;
  uint64_t throttles = 0;     // ResourceExhausted: no environment in time
};

class Environment;
struct Definition;

// Runs Lambda functions written for AWS, unchanged, as local processes that poll the Lambda
// Runtime API (2018-06-01). Each environment is one process with a Runtime API server of its
// own on 127.0.0.1 (AWS_LAMBDA_RUNTIME_API), running one invocation at a time; warm
// environments are reused, idle ones stopped after idle_environment_ms, and at most
// max_concurrency run per function.
//
// Threads: the caller of Invoke waits for its result and enforces the timeouts; each
// environment has a thread that starts, watches and stops its process (and so outlives it, as
// ChildProcess requires), an HTTP I/O thread and a thread forwarding the process's output; a
// housekeeping thread stops idle environments and reclaims ended ones.
//
// Thread-safety: every method may be called from any thread at once. REQUIRES: no call is in
// progress when the host is destroyed.
class FunctionHost {
 public:
  explicit FunctionHost(FunctionHostOptions options, const Clock& clock = *SystemClock());
  ~FunctionHost();  // stops every environment
  FunctionHost(const FunctionHost&) = delete;
  FunctionHost& operator=(const FunctionHost&) = delete;

  // Adds or replaces a function. Replacing retires its environments: idle ones are stopped, busy
  // ones finish their invocation first; new invocations use the new definition. A .zip code is
  // unpacked here, once. Errors: InvalidArgument (ValidateFunctionConfig; a .zip that cannot be
  // read or unpacked), IoError (the work folder).
  Status Define(FunctionConfig config);
  // Removes a function: new invocations get NotFound, its idle environments stop, busy ones
  // after their invocation. Errors: NotFound.
  Status Remove(const std::string& name);
  std::optional<FunctionConfig> Get(const std::string& name) const;
  std::vector<std::string> List() const;

  // Runs one invocation of `name` with `payload` (the event, normally JSON; passed through as
  // bytes) and waits for its result. Takes a free environment of the function, or starts a new
  // one while fewer than max_concurrency run, or waits for one until `wait_deadline_ms`
  // (absolute, in Clock::NowMillis()); then the function's timeout bounds the invocation itself.
  //
  // Errors (Status): NotFound (no such function), InvalidArgument (payload over 6 MB:
  // RequestTooLargeException), ResourceExhausted (no environment before wait_deadline_ms:
  // TooManyRequestsException), FailedPrecondition (the function cannot start at all: runtime
  // not supported or not installed, code folder missing, no bootstrap, bootstrap not
  // executable; the message says which), Unavailable (the host is being destroyed).
  //
  // Everything the function does wrong is an InvokeResult with function_error set:
  //   its handler failed: the runtime's /error document verbatim;
  //   its init failed: the /init/error document (the process is then stopped; the next
  //     invocation starts a new one);
  //   its process exited: Runtime.ExitError ("RequestId: <id> Error: Runtime exited with
  //     error: exit status N", or "signal: killed");
  //   it ran past its timeout: the process is killed, Sandbox.Timedout ("RequestId: <id>
  //     Error: Task timed out after N.00 seconds");
  //   its response was over 6,291,556 bytes: Function.ResponseSizeTooLarge (the runtime got a
  //     413 RequestEntityTooLarge).
  Result<InvokeResult> Invoke(const std::string& name, std::string payload,
                              int64_t wait_deadline_ms = INT64_MAX);

  // Per function, for status and metrics.
  std::map<std::string, FunctionStats> Stats() const;

  // arn:aws:lambda:<region>:<account>:function:<name>, as the runtime is told it was invoked.
  std::string FunctionArn(std::string_view name) const;

 private:
  struct Function;
  struct Acquired {
    std::shared_ptr<Environment> environment;
    bool is_new = false;  // not started yet: the caller starts it (a cold start)
  };

  // Takes an idle environment of `function`, or makes a new (unstarted) one while fewer than
  // its max_concurrency exist, waiting until `deadline` for one of the two. Errors: NotFound
  // (removed meanwhile), ResourceExhausted, Unavailable (the host is stopping).
  Result<Acquired> Acquire(Function& function, std::chrono::steady_clock::time_point deadline);
  // Gives an environment back after an invocation: idle again, or retired when it ended, its
  // definition was replaced or its function removed.
  void Release(Function& function, const std::shared_ptr<Environment>& environment);
  // Forgets an environment whose Start failed (its thread has ended already).
  void Discard(Function& function, const std::shared_ptr<Environment>& environment);
  // Removes `environment` from its function, asks it to stop and hands it to the housekeeping
  // thread to destroy.
  void RetireLocked(Function& function, std::shared_ptr<Environment> environment) REQUIRES(mu_);
  // An environment's process ended by itself: retired now when it was idle (a leased one is
  // retired by Release).
  void OnEnvironmentEnded(const std::weak_ptr<Function>& function, Environment* environment);
  void Housekeeping();  // the housekeeping thread's body
  void EmitLog(const FunctionLogLine& line) const;
  std::shared_ptr<Function> Find(const std::string& name) const;
  // The folder zips are unpacked into, made on first use.
  Result<std::string> WorkDir();
  std::chrono::steady_clock::time_point ToSteady(int64_t deadline_ms) const;

  const FunctionHostOptions options_;
  const Clock& clock_;

  mutable std::mutex mu_;
  std::condition_variable cv_;  // an environment was released or retired; stopping
  std::map<std::string, std::shared_ptr<Function>> functions_ GUARDED_BY(mu_);
  // Environments to stop and destroy, on the housekeeping thread.
  std::vector<std::shared_ptr<Environment>> retired_ GUARDED_BY(mu_);
  std::condition_variable housekeeping_cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  uint64_t next_generation_ GUARDED_BY(mu_) = 1;
  uint64_t next_unpack_ GUARDED_BY(mu_) = 1;
  std::string work_dir_ GUARDED_BY(mu_);  // empty until made
  bool owns_work_dir_ GUARDED_BY(mu_) = false;  // made by the host: removed with it
  std::thread housekeeping_thread_;
};

}  // namespace eddy::function
