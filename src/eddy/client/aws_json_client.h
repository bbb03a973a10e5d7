#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eddy/auth/credentials.h"
#include "eddy/auth/sigv4.h"
#include "eddy/base/result.h"
#include "eddy/client/aws_error.h"
#include "eddy/client/retry_policy.h"
#include "eddy/http/http_client.h"

namespace eddy::client {

// What distinguishes one AWS JSON-protocol service from another on the wire.
struct ServiceInfo {
  std::string signing_name;     // SigV4 service name: "kinesis", "dynamodb"
  std::string endpoint_prefix;  // "kinesis" -> https://kinesis.<region>.amazonaws.com
  std::string target_prefix;    // X-Amz-Target prefix: "Kinesis_20131202"
  std::string content_type;     // "application/x-amz-json-1.1"
  std::string env_name;         // AWS_ENDPOINT_URL_<env_name>: "KINESIS"
};

extern const ServiceInfo kKinesisService;
extern const ServiceInfo kDynamoDbService;
extern const ServiceInfo kDynamoDbStreamsService;

// How to reach a service. Empty fields are resolved as the AWS CLI does (see
// auth::ResolveAwsSettings): environment, then the shared config and credentials files.
struct ClientConfig {
  std::string endpoint;  // "http://127.0.0.1:4566"; empty: resolved, else AWS's public endpoint
  std::string region;    // empty: resolved, else us-east-1
  std::string profile;   // empty: AWS_PROFILE or "default"
  std::optional<auth::Credentials> credentials;  // set: used as is, nothing is resolved
  // Used when nothing resolves (eddy accepts any credentials unless keys are configured).
  std::optional<auth::Credentials> fallback_credentials;
  RetryOptions retry;
  http::HttpClientOptions http;  // an empty ca_file takes AWS_CA_BUNDLE / the profile's ca_bundle
};

// Calls one JSON-protocol service (Kinesis, DynamoDB, DynamoDB Streams): POST / with
// X-Amz-Target, SigV4-signed, over a pooled keep-alive HTTP client, retrying what AWS's SDKs
// retry (throttling, 5xx, transport failures) with jittered exponential backoff.
//
// Thread-safety: Call() may be used from any number of threads at once.
class AwsJsonClient {
 public:
  static Result<std::unique_ptr<AwsJsonClient>> Create(
      const ServiceInfo& service, const ClientConfig& config,
      const auth::SettingsSource& source = auth::SettingsSource::FromProcess());

  // Sends `json_body` as operation `operation` ("PutRecords") and returns the response body
  // of a 2xx answer; any other answer becomes the AwsError it carries.
  Outcome<std::string> Call(std::string_view operation, const std::string& json_body);

  const http::Endpoint& endpoint() const { return http_->endpoint(); }
  const std::string& region() const { return region_; }
  const auth::Credentials& credentials() const { return credentials_; }
  uint64_t retries() const { return retries_.load(std::memory_order_relaxed); }
  uint64_t connections_opened() const { return http_->connections_opened(); }

 private:
  AwsJsonClient(ServiceInfo service, std::string region, auth::Credentials credentials,
                RetryOptions retry, std::unique_ptr<http::HttpClient> http);

  Outcome<std::string> CallOnce(std::string_view operation, const std::string& json_body,
                                const std::string& payload_hash);

  const ServiceInfo service_;
  const std::string region_;
  const auth::Credentials credentials_;
  const RetryOptions retry_;
  const std::unique_ptr<http::HttpClient> http_;
  std::atomic<uint64_t> retries_{0};
};

// The headers of one SigV4-signed request to `service`, as AwsJsonClient sends them: Host,
// Content-Type, X-Amz-Target ("<target prefix>.<operation>"), X-Amz-Date (`amz_date`),
// X-Amz-Security-Token (session credentials only), Authorization and User-Agent — everything
// but Content-Length. `payload_hash` is the body's lowercase hex SHA-256.
std::vector<std::pair<std::string, std::string>> SignedJsonHeaders(
    const ServiceInfo& service, const std::string& host_header, const std::string& region,
    const auth::Credentials& credentials, std::string_view operation,
    const std::string& payload_hash, const std::string& amz_date, std::string_view user_agent);

// Parses an AWS JSON-protocol error answer: `__type` (text after '#' kept), `message` or
// `Message`; falls back to the x-amzn-ErrorType header and the HTTP status.
AwsError ParseErrorResponse(const http::HttpResponse& response);

}  // namespace eddy::client
