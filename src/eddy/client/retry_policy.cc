#include "eddy/client/retry_policy.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace eddy::client {

std::string AwsError::ToString() const {
  if (is_transport()) return type + ": " + message;
  return type + " (" + std::to_string(http_status) + "): " + message;
}

bool IsThrottlingError(const AwsError& error) {
  // botocore's standard-mode list (botocore/retries/standard.py).
  static constexpr std::array<std::string_view, 14> kThrottling = {
      "Throttling",
      "ThrottlingException",
      "ThrottledException",
      "RequestThrottledException",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "TransactionInProgressException",
      "RequestLimitExceeded",
      "BandwidthLimitExceeded",
      "LimitExceededException",
      "RequestThrottled",
      "SlowDown",
      "PriorRequestNotComplete",
      "EC2ThrottledException",
  };
  if (error.http_status == 429) return true;
  return std::find(kThrottling.begin(), kThrottling.end(), error.type) != kThrottling.end();
}

bool IsRetryableError(const AwsError& error) {
  if (error.is_transport()) return error.type == "NetworkError";
  if (IsThrottlingError(error)) return true;
  static constexpr std::array<std::string_view, 3> kTransient = {
      "RequestTimeout", "RequestTimeoutException", "InternalFailure"};
  if (std::find(kTransient.begin(), kTransient.end(), error.type) != kTransient.end()) {
    return true;
  }
  return error.http_status == 500 || error.http_status == 502 || error.http_status == 503 ||
         error.http_status == 504;
}

Backoff::Backoff(RetryOptions options, uint64_t seed) : options_(options), rng_(seed) {}

int64_t Backoff::DelayMs(int retry) {
  const int shift = std::clamp(retry, 0, 30);
  const int64_t ceiling =
      std::min<int64_t>(options_.max_delay_ms, int64_t{options_.base_delay_ms} << shift);
  if (ceiling <= 0) return 0;
  return std::uniform_int_distribution<int64_t>(0, ceiling)(rng_);
}

}  // namespace eddy::client
