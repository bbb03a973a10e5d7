#include "eddy/client/aws_json_client.h"

#include <simdjson.h>

#include <chrono>
#include <random>
#include <thread>

namespace eddy::client {

const ServiceInfo kKinesisService = {"kinesis", "kinesis", "Kinesis_20131202",
                                     "application/x-amz-json-1.1", "KINESIS"};
const ServiceInfo kDynamoDbService = {"dynamodb", "dynamodb", "DynamoDB_20120810",
                                      "application/x-amz-json-1.0", "DYNAMODB"};
// DynamoDB Streams signs as "dynamodb" under its own endpoint prefix.
const ServiceInfo kDynamoDbStreamsService = {"dynamodb", "streams.dynamodb",
                                             "DynamoDBStreams_20120810",
                                             "application/x-amz-json-1.0", "DYNAMODB_STREAMS"};

AwsError ParseErrorResponse(const http::HttpResponse& response) {
  AwsError error;
  error.http_status = response.status;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (!response.body.empty() && parser.parse(response.body).get(doc) == simdjson::SUCCESS &&
      doc.is_object()) {
    std::string_view type;
    if (doc["__type"].get(type) == simdjson::SUCCESS) error.type = std::string(type);
    std::string_view message;
    if (doc["message"].get(message) == simdjson::SUCCESS ||
        doc["Message"].get(message) == simdjson::SUCCESS) {
      error.message = std::string(message);
    }
  }
  if (error.type.empty()) {
    for (const auto& [name, value] : response.headers) {
      if (http::EqualsIgnoreCase(name, "x-amzn-ErrorType")) error.type = value;
    }
  }
  // "com.amazonaws.kinesis.v20131202#ResourceNotFoundException" -> the part after '#';
  // a header value may carry ":http://internal.amazon.com/..." after the name.
  if (const size_t hash = error.type.rfind('#'); hash != std::string::npos) {
    error.type.erase(0, hash + 1);
  }
  if (const size_t colon = error.type.find(':'); colon != std::string::npos) {
    error.type.resize(colon);
  }
  if (error.type.empty()) {
    error.type = response.status >= 500 ? "InternalFailure" : "UnknownError";
  }
  if (error.message.empty()) {
    error.message = "HTTP " + std::to_string(response.status) +
                    (response.body.empty() ? "" : ": " + response.body.substr(0, 200));
  }
  return error;
}

Result<std::unique_ptr<AwsJsonClient>> AwsJsonClient::Create(const ServiceInfo& service,
                                                             const ClientConfig& config,
                                                             const auth::SettingsSource& source) {
  EDDY_ASSIGN_OR_RETURN(auto settings,
                        auth::ResolveAwsSettings(source, config.profile, service.env_name));
  std::string region =
      !config.region.empty() ? config.region : settings.region.value_or("us-east-1");
  std::optional<auth::Credentials> credentials = config.credentials;
  if (!credentials) credentials = settings.credentials;
  if (!credentials) credentials = config.fallback_credentials;
  if (!credentials) {
    return Status::FailedPrecondition(
        "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure a "
        "profile in ~/.aws/credentials");
  }
  std::string url = config.endpoint;
  if (url.empty()) url = settings.endpoint_url.value_or("");
  if (url.empty()) url = "https://" + service.endpoint_prefix + "." + region + ".amazonaws.com";
  EDDY_ASSIGN_OR_RETURN(auto endpoint, http::ParseEndpoint(url));
  http::HttpClientOptions http_options = config.http;
  if (http_options.ca_file.empty() && settings.ca_bundle)
    http_options.ca_file = *settings.ca_bundle;
  EDDY_ASSIGN_OR_RETURN(auto http, http::HttpClient::Create(std::move(endpoint), http_options));
  return std::unique_ptr<AwsJsonClient>(new AwsJsonClient(
      service, std::move(region), std::move(*credentials), config.retry, std::move(http)));
}

AwsJsonClient::AwsJsonClient(ServiceInfo service, std::string region, auth::Credentials credentials,
                             RetryOptions retry, std::unique_ptr<http::HttpClient> http)
    : service_(std::move(service)),
      region_(std::move(region)),
      credentials_(std::move(credentials)),
      retry_(retry),
      http_(std::move(http)) {}

std::vector<std::pair<std::string, std::string>> SignedJsonHeaders(
    const ServiceInfo& service, const std::string& host_header, const std::string& region,
    const auth::Credentials& credentials, std::string_view operation,
    const std::string& payload_hash, const std::string& amz_date, std::string_view user_agent) {
  auth::SignableRequest signable;
  std::string target = service.target_prefix;
  target += '.';
  target += operation;
  signable.headers = {
      {"Host", host_header}, {"Content-Type", service.content_type}, {"X-Amz-Target", target}};
  signable.payload_hash = payload_hash;
  auth::SigningParams params;
  params.region = region;
  params.service = service.signing_name;
  params.amz_date = amz_date;
  std::string authorization = auth::Sign(signable, credentials, params);
  std::vector<std::pair<std::string, std::string>> headers = std::move(signable.headers);
  headers.emplace_back("Authorization", std::move(authorization));
  headers.emplace_back("User-Agent", std::string(user_agent));
  return headers;
}

Outcome<std::string> AwsJsonClient::Call(std::string_view operation, const std::string& json_body) {
  const std::string payload_hash = auth::Sha256Hex(json_body);
  std::optional<Backoff> backoff;
  for (int attempt = 1;; ++attempt) {
    auto outcome = CallOnce(operation, json_body, payload_hash);
    if (outcome.ok() || attempt >= retry_.max_attempts || !IsRetryableError(outcome.error())) {
      return outcome;
    }
    if (!backoff) {
      backoff.emplace(retry_, std::random_device{}());
    }
    retries_.fetch_add(1, std::memory_order_relaxed);
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff->DelayMs(attempt - 1)));
  }
}

Outcome<std::string> AwsJsonClient::CallOnce(std::string_view operation,
                                             const std::string& json_body,
                                             const std::string& payload_hash) {
  http::HttpRequest request;
  request.method = "POST";
  request.target = "/";
  request.headers = SignedJsonHeaders(
      service_, http_->endpoint().HostHeader(), region_, credentials_, operation, payload_hash,
      auth::AmzDate(std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count()),
      "eddy-client/0.1");
  // The body is sent from the caller's string; HttpRequest::body stays empty, so pass a view.
  auto response = http_->Send(request, json_body);
  if (!response.ok()) {
    const bool transport = response.status().code() == Status::Code::kUnavailable;
    return AwsError{0, transport ? "NetworkError" : "BadResponse", response.status().message()};
  }
  if (response->status / 100 == 2) return std::move(response->body);
  return ParseErrorResponse(*response);
}

}  // namespace eddy::client
