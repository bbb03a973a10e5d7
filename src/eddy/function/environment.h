#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "eddy/base/clock.h"
#include "eddy/base/result.h"
#include "eddy/base/thread_annotations.h"
#include "eddy/function/definition.h"
#include "eddy/function/function_host.h"
#include "eddy/http/http_message.h"
#include "eddy/http/http_server.h"
#include "eddy/process/child_process.h"

namespace eddy::function {

// What an environment needs from its host. The callbacks may run on any of the environment's
// threads and must not call back into it.
struct EnvironmentContext {
  std::shared_ptr<const Definition> definition;
  const FunctionHostOptions* options = nullptr;  // outlives the environment
  const Clock* clock = nullptr;                  // outlives the environment
  // Each line the process writes to stdout or stderr.
  std::function<void(const FunctionLogLine&)> log;
  // Once, on the environment's thread, after its process has ended and its server stopped
  // (not when Start fails). It must not destroy the environment.
  std::function<void(Environment*)> on_ended;
};

// One execution environment: a process running a function's runtime and the Runtime API server
// (127.0.0.1, a port of its own) it polls. One invocation at a time: the caller of Invoke hands
// it over, the process takes it with /next and answers with /response or /error; the caller
// enforces the timeouts.
//
// Threads: Start makes the environment's thread, which starts the server and the process,
// watches the process (a pidfd), and stops both; so the thread that starts the process
// outlives it (ChildProcess's REQUIRES). The server's I/O thread runs the Runtime API; the
// process's output is forwarded on ChildProcess's thread.
//
// Thread-safety: Invoke from one thread at a time (the host leases an environment to one
// caller); the other methods from any thread.
class Environment {
 public:
  explicit Environment(EnvironmentContext context);
  ~Environment();  // RequestStop() and waits for the thread
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  // Starts the server and the process and returns once the process runs (it has not asked for
  // an event yet). Errors: FailedPrecondition (the function cannot start: see PrepareLaunch;
  // the program could not be run), Unavailable (no server). Called once.
  Status Start();

  // Runs one invocation and waits for its end (see FunctionHost::Invoke for the outcomes).
  // `timeout_ms` bounds it from the moment the process takes the event; a process still in
  // its init gets options.init_timeout_seconds from its start first. Errors: Unavailable when
  // the environment had ended before the invocation could be handed over (*payload is then
  // left as it was, for another environment), FailedPrecondition when the process exited
  // before its first /next because its runtime is missing (DiagnoseEarlyExit). Otherwise
  // *payload is moved away.
  Result<InvokeResult> Invoke(const std::string& request_id, std::string* payload);

  // Asks the environment's thread to stop the process (SIGTERM, then SIGKILL after a grace)
  // and the server. Returns at once; the destructor waits.
  void RequestStop();

  // False once the process has ended, was asked to stop, or posted /init/error: the host then
  // retires the environment instead of reusing it.
  bool Usable() const;

  const Definition& definition() const { return *context_.definition; }
  pid_t pid() const;  // 0 before Start

  // Steady time of the last Release, for idle expiry (kept by the host, under its lock).
  std::chrono::steady_clock::time_point idle_since;

 private:
  enum class StopReason {
    kNone,
    kStop,         // RequestStop: retired or host shutting down
    kTimeout,      // the invocation ran past its timeout
    kInitTimeout,  // the process did not ask for an event within the init timeout
    kInitError,    // /init/error was posted: the environment is torn down
  };
  struct Invocation {
    std::string request_id;
    std::string payload;  // until it is handed to the process
    bool delivered = false;
    std::chrono::steady_clock::time_point delivered_at;
    std::chrono::steady_clock::time_point assigned_at;
    bool done = false;
    Result<InvokeResult> result = Status::Internal("not finished");
  };

  void Run(std::promise<Status> started);  // the environment's thread
  // The Runtime API, on the server's I/O thread.
  void Handle(http::HttpRequest&& request, http::Responder respond);
  http::HttpResponse MakeServerError(int status, std::string_view message);
  void OnNext(http::Responder respond);
  void OnResult(const std::string& request_id, http::HttpRequest&& request, bool is_error,
                http::Responder respond);
  void OnInitError(http::HttpRequest&& request, http::Responder respond);
  void OnOutput(bool is_stderr, std::string_view line);

  void DeliverLocked(http::Responder respond) REQUIRES(mu_);
  // Ends the current invocation with `result` (first call wins).
  void FinishLocked(Result<InvokeResult> result) REQUIRES(mu_);
  InvokeResult ErrorResult(std::string payload, std::string error_type) REQUIRES(mu_);
  // What the current invocation gets when the process has ended.
  Result<InvokeResult> EndedResult(const process::ExitStatus& status) REQUIRES(mu_);
  void StopLocked(StopReason reason) REQUIRES(mu_);
  // Whether the process has exited (without reaping it: that is the thread's).
  bool ProcessExitedLocked() const REQUIRES(mu_);
  void Wake();

  const EnvironmentContext context_;
  const int64_t timeout_ms_;
  const int wake_fd_;  // an eventfd: RequestStop and timeouts wake the thread
  std::thread thread_;

  mutable std::mutex mu_;
  std::condition_variable cv_;  // the invocation ended, or was handed over
  pid_t pid_ GUARDED_BY(mu_) = 0;
  std::chrono::steady_clock::time_point started_at_ GUARDED_BY(mu_);
  bool initialized_ GUARDED_BY(mu_) = false;  // the process asked for an event once
  bool ended_ GUARDED_BY(mu_) = false;        // the process has ended
  process::ExitStatus exit_status_ GUARDED_BY(mu_);  // once ended_
  bool used_ GUARDED_BY(mu_) = false;         // an invocation was handed to it
  // Invoke found the process exited before the thread noticed: not to be used again.
  bool process_gone_ GUARDED_BY(mu_) = false;
  StopReason stop_reason_ GUARDED_BY(mu_) = StopReason::kNone;
  std::optional<http::Responder> next_ GUARDED_BY(mu_);  // a /next waiting for an event
  std::shared_ptr<Invocation> current_ GUARDED_BY(mu_);
  std::string current_request_id_ GUARDED_BY(mu_);  // for log lines: set while delivered
  // What the process wrote before its first /next (at most kInitOutputLines lines).
  std::deque<std::string> init_output_ GUARDED_BY(mu_);
};

}  // namespace eddy::function
