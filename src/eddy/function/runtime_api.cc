#include "eddy/function/runtime_api.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>
#include <csignal>
#include <ctime>
#include <random>

#include "eddy/function/function_config.h"

namespace eddy::function {
namespace {

constexpr std::string_view kPrefix = "/2018-06-01/runtime/";
constexpr std::string_view kInvocationPrefix = "invocation/";

std::string Json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

http::HttpResponse JsonResponse(int status, std::string body) {
  http::HttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = std::move(body);
  return response;
}

// The platform's error documents put errorType first, as Lambda's do.
std::string PlatformErrorJson(std::string_view error_type, std::string_view error_message) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("errorType");
  writer.String(error_type.data(), static_cast<rapidjson::SizeType>(error_type.size()));
  writer.Key("errorMessage");
  writer.String(error_message.data(), static_cast<rapidjson::SizeType>(error_message.size()));
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Signal names as Go's os.ProcessState prints them, since Lambda's messages are Go's
// ("Runtime exited with error: signal: killed").
std::string GoSignalName(int signal) {
  switch (signal) {
    case SIGHUP: return "hangup";
    case SIGINT: return "interrupt";
    case SIGQUIT: return "quit";
    case SIGILL: return "illegal instruction";
    case SIGTRAP: return "trace/breakpoint trap";
    case SIGABRT: return "aborted";
    case SIGBUS: return "bus error";
    case SIGFPE: return "floating point exception";
    case SIGKILL: return "killed";
    case SIGUSR1: return "user defined signal 1";
    case SIGSEGV: return "segmentation fault";
    case SIGUSR2: return "user defined signal 2";
    case SIGPIPE: return "broken pipe";
    case SIGALRM: return "alarm clock";
    case SIGTERM: return "terminated";
    default: return "signal " + std::to_string(signal);
  }
}

std::mt19937_64& Random() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return generator;
}

std::string RandomHex(size_t digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digits);
  uint64_t bits = 0;
  for (size_t i = 0; i < digits; ++i) {
    if (i % 16 == 0) bits = Random()();
    out.push_back(kHex[bits & 0xf]);
    bits >>= 4;
  }
  return out;
}

bool IsAsciiUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsAsciiLetter(char c) { return IsAsciiUpper(c) || (c >= 'a' && c <= 'z'); }

// Whether `text` holds a match of (Runtime|Function)\.[A-Z][a-zA-Z]+ anywhere.
bool HoldsValidErrorType(std::string_view text) {
  for (std::string_view prefix : {std::string_view("Runtime."), std::string_view("Function.")}) {
    for (size_t at = text.find(prefix); at != std::string_view::npos;
         at = text.find(prefix, at + 1)) {
      const size_t i = at + prefix.size();
      if (i + 1 < text.size() && IsAsciiUpper(text[i]) && IsAsciiLetter(text[i + 1])) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

ParsedRoute ParseRuntimeRoute(std::string_view method, std::string_view target) {
  ParsedRoute parsed;
  if (const size_t query = target.find('?'); query != std::string_view::npos) {
    target = target.substr(0, query);
  }
  if (target.substr(0, kPrefix.size()) != kPrefix) return parsed;
  std::string_view rest = target.substr(kPrefix.size());
  if (rest == "invocation/next") {
    if (method == "GET") parsed.route = RuntimeRoute::kNext;
    return parsed;
  }
  if (rest == "init/error") {
    if (method == "POST") parsed.route = RuntimeRoute::kInitError;
    return parsed;
  }
  if (rest.substr(0, kInvocationPrefix.size()) != kInvocationPrefix || method != "POST") {
    return parsed;
  }
  rest.remove_prefix(kInvocationPrefix.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return parsed;
  const std::string_view id = rest.substr(0, slash);
  const std::string_view action = rest.substr(slash + 1);
  if (action == "response") {
    parsed.route = RuntimeRoute::kResponse;
  } else if (action == "error") {
    parsed.route = RuntimeRoute::kError;
  } else {
    return parsed;
  }
  parsed.request_id = std::string(id);
  return parsed;
}

std::string ErrorJson(std::string_view error_type, std::string_view error_message) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("errorMessage");
  writer.String(error_message.data(), static_cast<rapidjson::SizeType>(error_message.size()));
  writer.Key("errorType");
  writer.String(error_type.data(), static_cast<rapidjson::SizeType>(error_type.size()));
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

http::HttpResponse AcceptedResponse() { return JsonResponse(202, R"({"status":"OK"})"); }

http::HttpResponse ErrorResponse(int status, std::string_view error_type,
                                 std::string_view error_message) {
  return JsonResponse(status, ErrorJson(error_type, error_message));
}

http::HttpResponse InvalidRequestIdResponse() {
  return ErrorResponse(400, "InvalidRequestID", "Invalid request ID");
}

http::HttpResponse InvalidStateTransitionResponse(std::string_view what) {
  return ErrorResponse(403, "InvalidStateTransition",
                       fmt::format("State transition is not allowed: {}", what));
}

http::HttpResponse RequestEntityTooLargeResponse() {
  return ErrorResponse(413, "RequestEntityTooLarge",
                       fmt::format("Exceeded maximum allowed payload size ({} bytes).",
                                   kMaxResponsePayloadBytes));
}

std::string NormalizeErrorTypeHeader(std::string_view header) {
  if (HoldsValidErrorType(header)) return std::string(header);
  if (header.substr(0, 9) == "Function.") return "Function.Unknown";
  return "Runtime.Unknown";
}

ErrorDocument ReadErrorDocument(const http::HttpRequest& request) {
  ErrorDocument document;
  const std::string header_type =
      NormalizeErrorTypeHeader(request.Header("Lambda-Runtime-Function-Error-Type"));
  rapidjson::Document body;
  body.Parse(request.body.data(), request.body.size());
  if (request.body.empty() || body.HasParseError() || !body.IsObject()) {
    document.error_type = header_type;
    document.payload = PlatformErrorJson(
        header_type, request.body.empty()
                         ? "The runtime reported an error without an error document"
                         : "The runtime reported an error with an unreadable error document");
    return document;
  }
  const auto type = body.FindMember("errorType");
  document.error_type = type != body.MemberEnd() && type->value.IsString() &&
                                type->value.GetStringLength() > 0
                            ? std::string(type->value.GetString(), type->value.GetStringLength())
                            : header_type;
  // X-Ray's part of the document is not for the caller (the emulator strips it too).
  if (request.Header("Content-Type").find("application/vnd.aws.lambda.error.cause+json") !=
          std::string_view::npos &&
      body.HasMember("errorCause")) {
    body.RemoveMember("errorCause");
    document.payload = Json(body);
  } else {
    document.payload = request.body;
  }
  return document;
}

std::string ExitErrorDocument(std::string_view request_id, const process::ExitStatus& status) {
  if (status.exited && status.code == 0) {
    return PlatformErrorJson(
        "Runtime.ExitError",
        fmt::format("RequestId: {} Error: Runtime exited without providing a reason", request_id));
  }
  const std::string how = status.exited ? fmt::format("exit status {}", status.code)
                                        : "signal: " + GoSignalName(status.signal);
  return PlatformErrorJson(
      "Runtime.ExitError",
      fmt::format("RequestId: {} Error: Runtime exited with error: {}", request_id, how));
}

std::string TimeoutDocument(std::string_view request_id, int64_t timeout_ms) {
  return PlatformErrorJson(
      "Sandbox.Timedout",
      fmt::format("RequestId: {} Error: Task timed out after {:.2f} seconds", request_id,
                  static_cast<double>(timeout_ms) / 1000.0));
}

std::string ResponseTooLargeDocument() {
  return PlatformErrorJson(
      "Function.ResponseSizeTooLarge",
      fmt::format("Response payload size exceeded maximum allowed payload size ({} bytes).",
                  kMaxResponsePayloadBytes));
}

std::string NewRequestId() {
  std::string hex = RandomHex(32);
  hex[12] = '4';                                                  // version 4
  hex[16] = "89ab"[static_cast<unsigned char>(hex[16]) % 4];      // variant 10xx
  return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4),
                     hex.substr(16, 4), hex.substr(20, 12));
}

std::string NewTraceHeader(int64_t now_millis) {
  return fmt::format("Root=1-{:08x}-{};Parent={};Sampled=0",
                     static_cast<uint32_t>(now_millis / 1000), RandomHex(24), RandomHex(16));
}

std::string NewLogStreamName(int64_t now_millis) {
  const std::time_t seconds = static_cast<std::time_t>(now_millis / 1000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  return fmt::format("{:04}/{:02}/{:02}/[$LATEST]{}", utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, RandomHex(32));
}

}  // namespace eddy::function
