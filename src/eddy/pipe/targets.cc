#include "eddy/pipe/targets.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <unistd.h>

#include <chrono>

#include "eddy/http/http_client.h"
#include "eddy/process/child_process.h"

namespace eddy::pipe {
namespace {

std::string Excerpt(std::string_view body) {
  constexpr size_t kMax = 512;
  std::string out(body.substr(0, kMax));
  if (body.size() > kMax) out += "...";
  return out;
}

class HttpTarget final : public Target {
 public:
  HttpTarget(std::string url, std::string path, std::unique_ptr<http::HttpClient> client)
      : url_(std::move(url)), path_(std::move(path)), client_(std::move(client)) {}

  TargetResult Invoke(const std::string& payload) override {
    http::HttpRequest request;
    request.method = "POST";
    request.target = path_;
    request.headers = {{"Content-Type", "application/json"}};
    Result<http::HttpResponse> response = client_->Send(request, payload);
    TargetResult result;
    if (!response.ok()) {
      result.kind = response.status().code() == Status::Code::kInvalidArgument
                        ? TargetResult::Kind::kFunctionError
                        : TargetResult::Kind::kUnavailable;
      result.status_code = 0;
      result.error_type = "Http.Unavailable";
      result.error_message = fmt::format("POST {}: {}", url_, response.status().message());
      return result;
    }
    result.status_code = response->status;
    result.body = std::move(response->body);
    const int status = response->status;
    if (status >= 200 && status < 300) return result;
    if (status == 429 || status == 502 || status == 503 || status == 504) {
      result.kind = TargetResult::Kind::kUnavailable;
    } else {
      result.kind = TargetResult::Kind::kFunctionError;
    }
    result.error_type = fmt::format("Http.{}", status);
    result.error_message = fmt::format("POST {} answered {}: {}", url_, status, Excerpt(result.body));
    return result;
  }

  Status CheckReachable() override {
    // Any answer at all shows the endpoint is there; only a transport failure is an error.
    http::HttpRequest request;
    request.method = "HEAD";
    request.target = path_;
    Result<http::HttpResponse> response = client_->Send(request);
    if (!response.ok()) {
      return Status::Unavailable(
          fmt::format("the target {} cannot be reached: {}", url_, response.status().message()));
    }
    return Status::Ok();
  }

  std::string Describe() const override { return url_; }
  std::string Arn() const override { return url_; }

 private:
  const std::string url_;
  const std::string path_;
  std::unique_ptr<http::HttpClient> client_;
};

class CommandTarget final : public Target {
 public:
  CommandTarget(std::vector<std::string> argv, int timeout_ms)
      : argv_(std::move(argv)), timeout_ms_(timeout_ms) {}

  TargetResult Invoke(const std::string& payload) override {
    TargetResult result;
    process::ChildProcessOptions options;
    options.argv = argv_;
    options.log_prefix = fmt::format("pipe command {}: ", argv_[0]);
    Result<std::unique_ptr<process::ChildProcess>> started =
        process::ChildProcess::Start(std::move(options));
    if (!started.ok()) {
      result.kind = TargetResult::Kind::kBroken;
      result.error_type = "Command.StartError";
      result.error_message = started.status().message();
      return result;
    }
    process::ChildProcess& child = **started;
    const process::Deadline deadline =
        process::DeadlineAfter(std::chrono::milliseconds(timeout_ms_));
    // JSON never needs a raw line break (one inside a string is escaped), so the event is sent
    // as one line whatever whitespace the source's JSON had.
    std::string line = payload;
    std::replace(line.begin(), line.end(), '\n', ' ');
    Status written = child.WriteLine(line, deadline);
    child.CloseStdin();
    bool timed_out = written.code() == Status::Code::kExpired;
    std::string out;
    while (!timed_out) {
      Result<process::ChildProcess::LineRead> read = child.ReadLine(deadline);
      if (!read.ok()) {
        result.error_message = read.status().message();
        break;
      }
      if (read->kind == process::ChildProcess::LineRead::Kind::kTimeout) {
        timed_out = true;
      } else if (read->kind == process::ChildProcess::LineRead::Kind::kEof) {
        if (!read->line.empty()) out += read->line;
        break;
      } else {
        if (!out.empty()) out += '\n';
        out += read->line;
      }
    }
    const process::ExitStatus exit =
        timed_out ? child.Stop(std::chrono::milliseconds(0), std::chrono::milliseconds(1000))
                  : child.Stop(std::chrono::milliseconds(timeout_ms_));
    result.body = std::move(out);
    if (timed_out) {
      result.kind = TargetResult::Kind::kFunctionError;
      result.error_type = "Sandbox.Timedout";
      result.error_message = fmt::format("Task timed out after {:.2f} seconds", timeout_ms_ / 1e3);
      return result;
    }
    if (exit.exited && exit.code == 0) return result;
    result.kind = exit.exited && exit.code == 75 ? TargetResult::Kind::kUnavailable
                                                 : TargetResult::Kind::kFunctionError;
    result.error_type = "Command.ExitError";
    result.error_message = fmt::format("{} {}", argv_[0], exit.ToString());
    return result;
  }

  Status CheckReachable() override {
    // Starting it would run it; finding it is what can be checked without side effects.
    if (argv_[0].find('/') != std::string::npos) {
      if (access(argv_[0].c_str(), X_OK) != 0) {
        return Status::NotFound(fmt::format("the target command {} cannot be run", argv_[0]));
      }
    }
    return Status::Ok();
  }

  std::string Describe() const override { return "command " + argv_[0]; }
  std::string Arn() const override { return argv_[0]; }

 private:
  const std::vector<std::string> argv_;
  const int timeout_ms_;
};

}  // namespace

Result<std::unique_ptr<Target>> MakeHttpTarget(const std::string& url, int timeout_ms) {
  Result<http::Endpoint> endpoint = http::ParseEndpoint(url);
  if (!endpoint.ok()) return endpoint.status();
  // ParseEndpoint keeps the authority only; the path (and query) is the request target.
  const size_t scheme = url.find("://");
  const size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  std::string path = slash == std::string::npos ? "/" : url.substr(slash);
  http::HttpClientOptions options;
  options.io_timeout_ms = timeout_ms;
  options.max_response_bytes = 8 << 20;
  Result<std::unique_ptr<http::HttpClient>> client =
      http::HttpClient::Create(*endpoint, options);
  if (!client.ok()) return client.status();
  return std::unique_ptr<Target>(new HttpTarget(url, std::move(path), std::move(*client)));
}

std::unique_ptr<Target> MakeCommandTarget(std::vector<std::string> argv, int timeout_ms) {
  return std::make_unique<CommandTarget>(std::move(argv), timeout_ms);
}

}  // namespace eddy::pipe
