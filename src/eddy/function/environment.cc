#include "eddy/function/environment.h"

#include <fmt/format.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "eddy/base/check.h"
#include "eddy/function/launch.h"
#include "eddy/function/runtime_api.h"

namespace eddy::function {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// A stopped environment's process gets SIGTERM, and SIGKILL after this (Lambda gives runtimes
// no more at shutdown).
constexpr auto kTermGrace = 500ms;
// Without a pidfd, how often the thread looks whether the process has exited.
constexpr int kExitPollMillis = 20;
// Output lines kept from a process's init, to tell a missing runtime from a crash.
constexpr size_t kInitOutputLines = 20;
constexpr size_t kInitOutputLineBytes = 1024;
// Longer output lines reach the log in pieces of this size.
constexpr size_t kMaxLogLineBytes = 256 * 1024;

int OpenPidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) return static_cast<int>(fd);
#endif
  return -1;
}

// ChildProcess's messages were written for multilang; the function's name says more here.
std::string WithoutMultilangPrefix(const std::string& message) {
  constexpr std::string_view kPrefix = "multilang: ";
  return message.compare(0, kPrefix.size(), kPrefix) == 0 ? message.substr(kPrefix.size())
                                                          : message;
}

}  // namespace

Environment::Environment(EnvironmentContext context)
    : context_(std::move(context)),
      timeout_ms_(int64_t{context_.definition->config.timeout_seconds} * 1000),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  EDDY_CHECK(wake_fd_ >= 0);
}

Environment::~Environment() {
  RequestStop();
  if (thread_.joinable()) {
    EDDY_CHECK(thread_.get_id() != std::this_thread::get_id());
    thread_.join();
  }
  ::close(wake_fd_);
}

Status Environment::Start() {
  std::promise<Status> started;
  std::future<Status> result = started.get_future();
  thread_ = std::thread([this, p = std::move(started)]() mutable { Run(std::move(p)); });
  return result.get();
}

pid_t Environment::pid() const {
  std::lock_guard lock(mu_);
  return pid_;
}

bool Environment::Usable() const {
  std::lock_guard lock(mu_);
  return !ended_ && !process_gone_ && stop_reason_ == StopReason::kNone;
}

bool Environment::ProcessExitedLocked() const {
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) < 0) {
    if (errno != EINTR) return true;  // reaped already
  }
  return info.si_pid == pid_;
}

void Environment::RequestStop() {
  std::lock_guard lock(mu_);
  StopLocked(StopReason::kStop);
}

void Environment::StopLocked(StopReason reason) {
  if (stop_reason_ == StopReason::kNone) stop_reason_ = reason;
  Wake();
}

void Environment::Wake() {
  const uint64_t one = 1;
  while (::write(wake_fd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

void Environment::Run(std::promise<Status> started) {
  const Definition& definition = *context_.definition;
  const FunctionHostOptions& options = *context_.options;
  auto fail = [&](Status status) {
    {
      std::lock_guard lock(mu_);
      ended_ = true;
    }
    started.set_value(std::move(status));
  };

  Result<LaunchSpec> spec =
      PrepareLaunch(definition, options, NewLogStreamName(context_.clock->NowMillis()));
  if (!spec.ok()) return fail(spec.status());

  http::HttpServerOptions server_options;
  server_options.host = "127.0.0.1";
  server_options.port = 0;
  server_options.threads = 1;
  server_options.max_body_bytes = kMaxResponsePayloadBytes;
  server_options.max_buffered_body_bytes = 2 * kMaxResponsePayloadBytes;
  server_options.max_connections = 16;
  server_options.stop_grace_seconds = 1;
  Result<std::unique_ptr<http::HttpServer>> server = http::HttpServer::Start(
      server_options,
      [this](http::HttpRequest&& request, http::Responder respond) {
        Handle(std::move(request), std::move(respond));
      },
      [this](int status, std::string_view message) { return MakeServerError(status, message); });
  if (!server.ok()) {
    return fail(Status::Unavailable("function " + definition.config.name +
                                    ": no Runtime API server: " + server.status().message()));
  }
  spec->environment.push_back("AWS_LAMBDA_RUNTIME_API=127.0.0.1:" +
                              std::to_string((*server)->port()));

  process::ChildProcessOptions child_options;
  child_options.argv = std::move(spec->argv);
  child_options.working_directory = std::move(spec->working_directory);
  child_options.environment = std::move(spec->environment);
  child_options.max_line_bytes = kMaxLogLineBytes;
  child_options.on_stdout_line = [this](std::string_view line) { OnOutput(false, line); };
  child_options.on_stderr_line = [this](std::string_view line) { OnOutput(true, line); };
  Result<std::unique_ptr<process::ChildProcess>> child =
      process::ChildProcess::Start(std::move(child_options));
  if (!child.ok()) {
    (*server)->Stop();
    return fail(Status::FailedPrecondition(
        fmt::format("function {} ({}) cannot start: {}", definition.config.name,
                    definition.config.runtime, WithoutMultilangPrefix(child.status().message()))));
  }
  const pid_t pid = (*child)->pid();
  {
    std::lock_guard lock(mu_);
    pid_ = pid;
    started_at_ = SteadyClock::now();
  }
  // Opened before anything can reap the child (only this thread does, through ChildProcess).
  const int pidfd = OpenPidfd(pid);
  started.set_value(Status::Ok());

  // Watch until the process exits or someone asks for it to stop.
  bool exited = false;
  while (!exited) {
    struct pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {pidfd, POLLIN, 0}};
    const int ready = ::poll(fds, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : kExitPollMillis);
    if (ready < 0 && errno != EINTR) break;  // cannot watch: stop it
    if (ready > 0 && (fds[0].revents & POLLIN) != 0) {
      uint64_t count;
      while (::read(wake_fd_, &count, sizeof count) < 0 && errno == EINTR) {
      }
      std::lock_guard lock(mu_);
      if (stop_reason_ != StopReason::kNone) break;
    }
    exited = pidfd >= 0 ? ready > 0 && (fds[1].revents & POLLIN) != 0
                        : (*child)->TryWait().has_value();
  }
  StopReason reason;
  {
    std::lock_guard lock(mu_);
    reason = stop_reason_;
  }
  // Stop reaps the process and forwards the rest of its output before it returns.
  const process::ExitStatus status =
      exited || reason != StopReason::kStop ? (*child)->Stop(0ms, 0ms)
                                            : (*child)->Stop(0ms, kTermGrace);
  if (pidfd >= 0) ::close(pidfd);
  spdlog::debug("function {}: environment of pid {} ended: {}", definition.config.name, pid,
                status.ToString());
  {
    std::lock_guard lock(mu_);
    ended_ = true;
    exit_status_ = status;
    if (current_ && !current_->done) FinishLocked(EndedResult(status));
    if (next_) {
      // The process is gone; the answer only lets the server stop without waiting for it.
      http::Responder respond = std::move(*next_);
      next_.reset();
      respond(ErrorResponse(500, "Runtime.ExitError", "The environment has ended"));
    }
    cv_.notify_all();
  }
  (*server)->Stop();
  child->reset();
  if (context_.on_ended) context_.on_ended(this);
}

Result<InvokeResult> Environment::Invoke(const std::string& request_id, std::string* payload) {
  auto invocation = std::make_shared<Invocation>();
  invocation->request_id = request_id;
  std::unique_lock lock(mu_);
  EDDY_CHECK(current_ == nullptr);  // one caller at a time
  if (ended_ && !used_ && stop_reason_ == StopReason::kNone) {
    // A new process that ended before it got its first invocation (a crash in its init): that
    // invocation gets the outcome, as on Lambda.
    used_ = true;
    current_ = invocation;
    FinishLocked(EndedResult(exit_status_));
    return std::move(invocation->result);
  }
  // A warm process that died since its last invocation is replaced rather than handed an
  // invocation it can only fail (the thread may not have seen the exit yet).
  if (!ended_ && used_ && ProcessExitedLocked()) process_gone_ = true;
  if (ended_ || process_gone_ || stop_reason_ != StopReason::kNone) {
    return Status::Unavailable("the environment has ended");
  }
  used_ = true;
  invocation->payload = std::move(*payload);
  current_ = invocation;
  invocation->assigned_at = SteadyClock::now();
  if (next_) {
    http::Responder respond = std::move(*next_);
    next_.reset();
    DeliverLocked(std::move(respond));
  }
  const auto init_timeout = std::chrono::seconds(context_.options->init_timeout_seconds);
  const auto timeout = std::chrono::milliseconds(timeout_ms_);
  while (!invocation->done) {
    if (stop_reason_ != StopReason::kNone) {
      cv_.wait(lock);  // the environment's thread ends the invocation once the process is gone
      continue;
    }
    // Lambda's clock starts when the runtime takes the event; a new process first gets its init
    // time. A warm process that has not come back for the next event yet is still busy with
    // the previous one as far as Lambda is concerned, so that wait counts as this one's time.
    const SteadyClock::time_point deadline =
        invocation->delivered ? invocation->delivered_at + timeout
        : initialized_        ? invocation->assigned_at + timeout
                              : started_at_ + init_timeout;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && !invocation->done &&
        stop_reason_ == StopReason::kNone && SteadyClock::now() >= deadline) {
      StopLocked(invocation->delivered || initialized_ ? StopReason::kTimeout
                                                       : StopReason::kInitTimeout);
    }
  }
  return std::move(invocation->result);
}

void Environment::DeliverLocked(http::Responder respond) {
  Invocation& invocation = *current_;
  invocation.delivered = true;
  invocation.delivered_at = SteadyClock::now();
  current_request_id_ = invocation.request_id;
  const int64_t now_millis = context_.clock->NowMillis();
  http::HttpResponse response;
  response.status = 200;
  response.headers = {
      {"Content-Type", "application/json"},
      {"Lambda-Runtime-Aws-Request-Id", invocation.request_id},
      {"Lambda-Runtime-Deadline-Ms", std::to_string(now_millis + timeout_ms_)},
      {"Lambda-Runtime-Invoked-Function-Arn", context_.definition->function_arn},
      {"Lambda-Runtime-Trace-Id", NewTraceHeader(now_millis)},
  };
  response.body = std::move(invocation.payload);  // the process has it now: not kept twice
  invocation.payload = std::string();
  respond(std::move(response));
  cv_.notify_all();
}

void Environment::FinishLocked(Result<InvokeResult> result) {
  std::shared_ptr<Invocation> invocation = current_;
  if (!invocation || invocation->done) return;
  if (result.ok()) {
    result->request_id = invocation->request_id;
    if (invocation->delivered) {
      result->duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                SteadyClock::now() - invocation->delivered_at)
                                .count();
    }
  }
  invocation->result = std::move(result);
  invocation->done = true;
  current_.reset();
  cv_.notify_all();
}

InvokeResult Environment::ErrorResult(std::string payload, std::string error_type) {
  InvokeResult result;
  result.function_error = true;
  result.error_type = std::move(error_type);
  result.payload = std::move(payload);
  result.content_type = "application/json";
  return result;
}

Result<InvokeResult> Environment::EndedResult(const process::ExitStatus& status) {
  const std::string& request_id = current_->request_id;
  switch (stop_reason_) {
    case StopReason::kTimeout:
      return ErrorResult(TimeoutDocument(request_id, timeout_ms_), "Sandbox.Timedout");
    case StopReason::kInitTimeout:
      return ErrorResult(
          TimeoutDocument(request_id, int64_t{context_.options->init_timeout_seconds} * 1000),
          "Sandbox.Timedout");
    case StopReason::kStop:
      return Status::Unavailable("the function's environment was stopped");
    case StopReason::kInitError:  // the invocation got the init error already
    case StopReason::kNone:
      break;
  }
  if (!initialized_) {
    const std::vector<std::string> output(init_output_.begin(), init_output_.end());
    if (std::optional<std::string> missing =
            DiagnoseEarlyExit(*context_.definition, *context_.options, output)) {
      return Status::FailedPrecondition(*missing);
    }
  }
  return ErrorResult(ExitErrorDocument(request_id, status), "Runtime.ExitError");
}

void Environment::Handle(http::HttpRequest&& request, http::Responder respond) {
  const ParsedRoute route = ParseRuntimeRoute(request.method, request.target);
  switch (route.route) {
    case RuntimeRoute::kNext:
      return OnNext(std::move(respond));
    case RuntimeRoute::kResponse:
      return OnResult(route.request_id, std::move(request), false, std::move(respond));
    case RuntimeRoute::kError:
      return OnResult(route.request_id, std::move(request), true, std::move(respond));
    case RuntimeRoute::kInitError:
      return OnInitError(std::move(request), std::move(respond));
    case RuntimeRoute::kUnknown:
      break;
  }
  respond(ErrorResponse(404, "NotFound",
                        fmt::format("No route for {} {}", request.method, request.target)));
}

http::HttpResponse Environment::MakeServerError(int status, std::string_view message) {
  if (status == 413) {
    // Only a result can be this large here: the invocation fails, the runtime gets Lambda's 413.
    std::lock_guard lock(mu_);
    if (current_ && current_->delivered) {
      FinishLocked(ErrorResult(ResponseTooLargeDocument(), "Function.ResponseSizeTooLarge"));
    }
    return RequestEntityTooLargeResponse();
  }
  std::string_view type = status == 400   ? "InvalidRequest"
                          : status == 431 ? "RequestHeaderFieldsTooLarge"
                          : status == 503 ? "ServiceUnavailable"
                                          : "ServiceException";
  return ErrorResponse(status, type, message);
}

void Environment::OnNext(http::Responder respond) {
  std::lock_guard lock(mu_);
  if (ended_ || stop_reason_ != StopReason::kNone) {
    return respond(ErrorResponse(500, "Runtime.ExitError", "The environment is stopping"));
  }
  if (next_) {
    return respond(InvalidStateTransitionResponse("another /next is waiting already"));
  }
  if (current_ && current_->delivered) {
    return respond(InvalidStateTransitionResponse(
        fmt::format("the invocation {} has no response or error yet", current_->request_id)));
  }
  if (!initialized_) {
    initialized_ = true;
    init_output_.clear();
  }
  if (current_) {
    DeliverLocked(std::move(respond));
  } else {
    next_ = std::move(respond);
  }
}

void Environment::OnResult(const std::string& request_id, http::HttpRequest&& request,
                           bool is_error, http::Responder respond) {
  std::lock_guard lock(mu_);
  if (!initialized_) {
    return respond(InvalidStateTransitionResponse("no invocation was taken with /next yet"));
  }
  if (!current_ || !current_->delivered || current_->request_id != request_id) {
    return respond(InvalidRequestIdResponse());
  }
  if (is_error) {
    ErrorDocument document = ReadErrorDocument(request);
    FinishLocked(ErrorResult(std::move(document.payload), std::move(document.error_type)));
    return respond(AcceptedResponse());
  }
  const std::string_view mode = request.Header("Lambda-Runtime-Function-Response-Mode");
  if (!mode.empty() && mode != "streaming") {
    FinishLocked(ErrorResult(ErrorJson("Runtime.InvalidResponseModeHeader",
                                       "The runtime sent an invalid response mode"),
                             "Runtime.InvalidResponseModeHeader"));
    return respond(ErrorResponse(400, "InvalidFunctionResponseMode",
                                 "Invalid function response mode"));
  }
  InvokeResult result;
  result.content_type = std::string(request.Header("Content-Type"));
  result.payload = std::move(request.body);
  FinishLocked(std::move(result));
  respond(AcceptedResponse());
}

void Environment::OnInitError(http::HttpRequest&& request, http::Responder respond) {
  std::lock_guard lock(mu_);
  if (initialized_) {
    return respond(InvalidStateTransitionResponse("init is over: /next was called"));
  }
  if (ended_ || stop_reason_ != StopReason::kNone) {
    return respond(InvalidStateTransitionResponse("the environment is stopping"));
  }
  ErrorDocument document = ReadErrorDocument(request);
  // Served as the result of the invocation waiting on this init; the environment goes, and the
  // next invocation starts a new process.
  FinishLocked(ErrorResult(std::move(document.payload), std::move(document.error_type)));
  StopLocked(StopReason::kInitError);
  respond(AcceptedResponse());
}

void Environment::OnOutput(bool is_stderr, std::string_view line) {
  std::string request_id;
  {
    std::lock_guard lock(mu_);
    request_id = current_request_id_;
    if (!initialized_) {
      if (init_output_.size() == kInitOutputLines) init_output_.pop_front();
      init_output_.emplace_back(line.substr(0, kInitOutputLineBytes));
    }
  }
  if (context_.log) {
    context_.log(FunctionLogLine{context_.definition->config.name, request_id, is_stderr, line});
  }
}

}  // namespace eddy::function
