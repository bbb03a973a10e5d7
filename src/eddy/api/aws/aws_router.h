#pragma once

#include <functional>
#include <map>
#include <string>
#include <variant>

#include "eddy/api/aws/api_error.h"
#include "eddy/api/aws/request_context.h"
#include "eddy/base/clock.h"
#include "eddy/base/metrics.h"
#include "eddy/http/http_message.h"
#include "eddy/http/http_server.h"

namespace eddy::api {

// The JSON body of a successful response, or the error to send.
using ApiResult = std::variant<std::string, ApiError>;
using ApiReply = std::function<void(ApiResult)>;

// One AWS JSON-protocol service (Kinesis, DynamoDB, ...), reached by its X-Amz-Target prefix.
class AwsService {
 public:
  virtual ~AwsService() = default;
  // "Kinesis_20131202"
  virtual std::string_view target_prefix() const = 0;
  // "application/x-amz-json-1.1"
  virtual std::string_view content_type() const = 0;
  // Handles `operation` (the part of X-Amz-Target after the dot); calls `reply` exactly once,
  // possibly later and from another thread. Unknown operations reply UnknownOperationException.
  virtual void Handle(const RequestContext& context, std::string body, ApiReply reply) = 0;
};

// Routes HTTP requests to services by X-Amz-Target and shapes their answers as AWS does:
// status, `{"__type": ..., "message": ...}` errors, content type, x-amzn-RequestId.
//
// With a metrics registry, counts the requests it answers in eddy_api_requests_total{api,
// outcome}: api is the target prefix's name in lower case ("kinesis", "dynamodb",
// "dynamodbstreams"; "unknown" for a target no service has), outcome "success",
// "client_error" (4xx) or "server_error" (5xx). The counters are looked up at Register, so a
// request costs one relaxed atomic increment.
//
// Thread-safety: Register before serving; Handle is then thread-safe.
class AwsRouter {
 public:
  // `metrics` may be null (nothing counted); otherwise it must outlive every answer, including
  // those a service sends after the router is gone.
  explicit AwsRouter(Clock* clock, metrics::MetricsRegistry* metrics = nullptr);

  // REQUIRES: no service with the same prefix. The service must outlive the router.
  void Register(AwsService* service);

  void Handle(http::HttpRequest&& request, http::Responder respond) const;

  // The response for requests the HTTP layer rejects (oversized bodies and headers, malformed
  // requests) or answers itself because their handler failed (500: InternalFailure).
  static http::HttpResponse ErrorResponse(int status, std::string_view message);

  static http::HttpResponse MakeErrorResponse(const ApiError& error, std::string_view content_type,
                                              const std::string& request_id);

 private:
  // One API's series of eddy_api_requests_total; null pointers without a registry.
  struct RequestCounters {
    metrics::Counter* success = nullptr;
    metrics::Counter* client_error = nullptr;
    metrics::Counter* server_error = nullptr;

    void Count(int http_status) const;
  };
  struct Route {
    AwsService* service;
    RequestCounters requests;
  };

  RequestCounters CountersFor(std::string_view api) const;

  Clock* const clock_;
  metrics::CounterFamily* const requests_;  // null without a registry
  std::map<std::string, Route, std::less<>> services_;
  RequestCounters unknown_requests_;
};

// The region in a SigV4 Authorization header's credential scope, or empty.
std::string RegionFromAuthorization(std::string_view authorization);

// A random UUID (version 4) for request ids.
std::string NewRequestId();

}  // namespace eddy::api
