#include "eddy/api/aws/aws_router.h"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>
#include <random>
#include <thread>

#include "eddy/base/check.h"

namespace eddy::api {
namespace {

std::string ErrorBody(const ApiError& error) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("__type");
  writer.String(error.type.data(), static_cast<rapidjson::SizeType>(error.type.size()));
  writer.Key("message");
  writer.String(error.message.data(), static_cast<rapidjson::SizeType>(error.message.size()));
  writer.EndObject();
  std::string body(buffer.GetString(), buffer.GetSize());
  if (!error.extra_members.empty()) {
    body.pop_back();  // the closing brace
    body += ',';
    body += error.extra_members;
    body += '}';
  }
  return body;
}

}  // namespace

std::string NewRequestId() {
  thread_local std::mt19937_64 rng(std::random_device{}() ^
                                   std::hash<std::thread::id>()(std::this_thread::get_id()));
  // A version-4 UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" (y: 8, 9, a or b), written
  // directly: this runs once per request.
  const uint64_t a = rng();
  const uint64_t b = rng();
  const uint64_t high = (a & 0xffffffffffff0fffull) | 0x4000;                // version 4
  const uint64_t low = (b & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // variant 10
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(36, '-');
  size_t at = 0;
  auto put = [&](uint64_t bits, int digits) {
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
      id[at++] = kHex[(bits >> shift) & 15];
  };
  put(high >> 32, 8);
  ++at;
  put(high >> 16, 4);
  ++at;
  put(high, 4);
  ++at;
  put(low >> 48, 4);
  ++at;
  put(low, 12);
  return id;
}

std::string RegionFromAuthorization(std::string_view authorization) {
  // AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/kinesis/aws4_request, SignedHeaders=...
  const size_t at = authorization.find("Credential=");
  if (at == std::string_view::npos) return {};
  std::string_view scope = authorization.substr(at + 11);
  scope = scope.substr(0, scope.find_first_of(", "));
  // key / date / region / service / aws4_request
  size_t slash1 = scope.find('/');
  if (slash1 == std::string_view::npos) return {};
  size_t slash2 = scope.find('/', slash1 + 1);
  if (slash2 == std::string_view::npos) return {};
  size_t slash3 = scope.find('/', slash2 + 1);
  if (slash3 == std::string_view::npos) return {};
  std::string_view region = scope.substr(slash2 + 1, slash3 - slash2 - 1);
  for (char c : region) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return {};
  }
  return std::string(region);
}

AwsRouter::AwsRouter(Clock* clock, metrics::MetricsRegistry* metrics)
    : clock_(clock),
      requests_(metrics ? &metrics->AddCounter("eddy_api_requests_total",
                                               "AWS API requests answered, by API and outcome.",
                                               {"api", "outcome"})
                        : nullptr),
      // A request no service takes is always answered UnknownOperationException (400).
      unknown_requests_{nullptr,
                        requests_ ? &requests_->WithLabels({"unknown", "client_error"}) : nullptr,
                        nullptr} {}

AwsRouter::RequestCounters AwsRouter::CountersFor(std::string_view api) const {
  if (requests_ == nullptr) return {};
  const std::string name(api);
  return {&requests_->WithLabels({name, "success"}), &requests_->WithLabels({name, "client_error"}),
          &requests_->WithLabels({name, "server_error"})};
}

void AwsRouter::RequestCounters::Count(int http_status) const {
  metrics::Counter* counter = http_status >= 500   ? server_error
                              : http_status >= 400 ? client_error
                                                   : success;
  if (counter != nullptr) counter->Increment();
}

void AwsRouter::Register(AwsService* service) {
  const std::string_view prefix = service->target_prefix();
  EDDY_CHECK(!services_.contains(prefix));
  // "DynamoDBStreams_20120810" -> "dynamodbstreams"
  std::string api(prefix.substr(0, prefix.find('_')));
  for (char& c : api) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  services_.emplace(std::string(prefix), Route{service, CountersFor(api)});
}

http::HttpResponse AwsRouter::MakeErrorResponse(const ApiError& error,
                                                std::string_view content_type,
                                                const std::string& request_id) {
  http::HttpResponse response;
  response.status = error.http_status;
  response.headers = {{"Content-Type", std::string(content_type)},
                      {"x-amzn-RequestId", request_id},
                      {"x-amzn-ErrorType", error.type}};
  response.body = ErrorBody(error);
  return response;
}

http::HttpResponse AwsRouter::ErrorResponse(int status, std::string_view message) {
  // Oversized or malformed requests never reach a service, and a request whose handler failed
  // (500), or that finds the server too busy (503), is answered without it: in the JSON 1.1
  // shape, which every AWS JSON-protocol client parses. InternalFailure and ServiceUnavailable
  // are AWS's common 500 and 503, which the SDKs retry.
  const char* type = status == 413   ? "SerializationException"
                     : status == 503 ? "ServiceUnavailable"
                     : status >= 500 ? "InternalFailure"
                                     : "ValidationException";
  ApiError error{status, type, std::string(message)};
  return MakeErrorResponse(error, "application/x-amz-json-1.1", NewRequestId());
}

void AwsRouter::Handle(http::HttpRequest&& request, http::Responder respond) const {
  RequestContext context;
  context.request_id = NewRequestId();
  context.received_ms = clock_->NowMillis();
  context.host = std::string(request.Header("Host"));
  if (std::string region = RegionFromAuthorization(request.Header("Authorization"));
      !region.empty()) {
    context.region = std::move(region);
  }
  const std::string_view target = request.Header("X-Amz-Target");
  const size_t dot = target.find('.');
  const auto it =
      dot == std::string_view::npos ? services_.end() : services_.find(target.substr(0, dot));
  if (it == services_.end() || request.method != "POST") {
    const ApiError error = ApiError::UnknownOperation();
    (it == services_.end() ? unknown_requests_ : it->second.requests).Count(error.http_status);
    respond(MakeErrorResponse(error, "application/x-amz-json-1.1", context.request_id));
    return;
  }
  AwsService* service = it->second.service;
  context.operation = std::string(target.substr(dot + 1));
  std::string request_id = context.request_id;
  // The answer may come from another thread after the service is gone (a write answered by the
  // table store's commit thread during shutdown): it holds copies, not the service.
  service->Handle(
      context, std::move(request.body),
      [content_type = std::string(service->content_type()), request_id = std::move(request_id),
       requests = it->second.requests, respond = std::move(respond)](ApiResult result) {
        if (auto* error = std::get_if<ApiError>(&result)) {
          requests.Count(error->http_status);
          respond(MakeErrorResponse(*error, content_type, request_id));
          return;
        }
        requests.Count(200);
        http::HttpResponse response;
        response.headers = {{"Content-Type", content_type}, {"x-amzn-RequestId", request_id}};
        response.body = std::move(std::get<std::string>(result));
        respond(std::move(response));
      });
}

}  // namespace eddy::api
