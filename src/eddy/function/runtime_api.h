#pragma once

// The texts and shapes of the Lambda Runtime API (2018-06-01) as eddy serves it: routes, the
// answers the function process gets, the error documents eddy builds for the Invoke caller.
// Pure functions; the state machine that uses them is Environment's.

#include <cstdint>
#include <string>
#include <string_view>

#include "eddy/http/http_message.h"
#include "eddy/process/child_process.h"

namespace eddy::function {

enum class RuntimeRoute {
  kNext,       // GET  /2018-06-01/runtime/invocation/next
  kResponse,   // POST /2018-06-01/runtime/invocation/{id}/response
  kError,      // POST /2018-06-01/runtime/invocation/{id}/error
  kInitError,  // POST /2018-06-01/runtime/init/error
  kUnknown,    // anything else: 404
};

struct ParsedRoute {
  RuntimeRoute route = RuntimeRoute::kUnknown;
  std::string request_id;  // kResponse, kError
};

// `target` may carry a query string, which is ignored.
ParsedRoute ParseRuntimeRoute(std::string_view method, std::string_view target);

// {"errorMessage":<message>,"errorType":<type>} (the API's ErrorResponse shape; also the shape
// of the error documents eddy builds for Invoke callers).
std::string ErrorJson(std::string_view error_type, std::string_view error_message);

// 202 {"status":"OK"}.
http::HttpResponse AcceptedResponse();
// `status` with ErrorJson(type, message).
http::HttpResponse ErrorResponse(int status, std::string_view error_type,
                                 std::string_view error_message);
// 400 InvalidRequestID "Invalid request ID".
http::HttpResponse InvalidRequestIdResponse();
// 403 InvalidStateTransition.
http::HttpResponse InvalidStateTransitionResponse(std::string_view what);
// 413 RequestEntityTooLarge "Exceeded maximum allowed payload size (6291556 bytes).".
http::HttpResponse RequestEntityTooLargeResponse();

// The errorType of a Lambda-Runtime-Function-Error-Type header, as the Runtime Interface
// Emulator accepts it: a value holding a match of (Runtime|Function)\.[A-Z][a-zA-Z]+ is kept;
// any other is Function.Unknown when it starts with "Function.", else Runtime.Unknown.
std::string NormalizeErrorTypeHeader(std::string_view header);

// What an /error or /init/error post means for the Invoke caller.
struct ErrorDocument {
  std::string payload;     // the document handed to the caller
  std::string error_type;  // InvokeResult::error_type
};
// The body verbatim when it is a JSON object (minus its errorCause member when the content
// type is application/vnd.aws.lambda.error.cause+json, as the emulator strips it); a document
// built from the header when the body is empty or not a JSON object. error_type: the body's
// errorType when it is a non-empty string, else the normalized header.
ErrorDocument ReadErrorDocument(const http::HttpRequest& request);

// Lambda's error documents for what the platform itself reports.
// {"errorType":"Runtime.ExitError","errorMessage":"RequestId: <id> Error: Runtime exited with
// error: exit status 1"} (or "signal: killed"; "Runtime exited without providing a reason" for
// exit status 0).
std::string ExitErrorDocument(std::string_view request_id, const process::ExitStatus& status);
// {"errorType":"Sandbox.Timedout","errorMessage":"RequestId: <id> Error: Task timed out after
// 3.00 seconds"}.
std::string TimeoutDocument(std::string_view request_id, int64_t timeout_ms);
// {"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size exceeded
// maximum allowed payload size (6291556 bytes)."}.
std::string ResponseTooLargeDocument();

// A version 4 UUID, Lambda's request id.
std::string NewRequestId();
// An X-Ray trace header: "Root=1-<8 hex: epoch seconds>-<24 hex>;Parent=<16 hex>;Sampled=0".
std::string NewTraceHeader(int64_t now_millis);
// "2024/01/31/[$LATEST]<32 hex>", a log stream name as Lambda gives each environment.
std::string NewLogStreamName(int64_t now_millis);

}  // namespace eddy::function
