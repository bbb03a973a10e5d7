#pragma once

#include <cstdint>
#include <random>

#include "eddy/client/aws_error.h"

namespace eddy::client {

// AWS SDKs' "standard" retry mode: a bounded number of attempts, retrying throttling errors,
// transient errors (HTTP 500, 502, 503, 504, RequestTimeout…) and transport failures, after a
// delay drawn uniformly from [0, min(max_delay, base_delay * 2^attempt)] ("full jitter").
struct RetryOptions {
  int max_attempts = 3;  // including the first; 1 disables retries
  int base_delay_ms = 100;
  int max_delay_ms = 20000;
};

// True for the error codes AWS SDKs treat as throttling (ThrottlingException,
// ProvisionedThroughputExceededException, LimitExceededException, …).
bool IsThrottlingError(const AwsError& error);
// Throttling, transient server errors and transport failures.
bool IsRetryableError(const AwsError& error);

// Thread-safety: not thread-safe (owns a random generator); use one per thread or per call.
class Backoff {
 public:
  explicit Backoff(RetryOptions options, uint64_t seed);
  // The delay before retry number `retry` (0 for the first retry), in milliseconds.
  int64_t DelayMs(int retry);

 private:
  RetryOptions options_;
  std::mt19937_64 rng_;
};

}  // namespace eddy::client
