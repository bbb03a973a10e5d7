#pragma once

#include <memory>
#include <string>

#include "eddy/base/status.h"

namespace eddy::pipe {

// The answer of one delivery of a batch to a target.
struct TargetResult {
  enum class Kind {
    kOk,             // delivered; `body` is the function response (read for partial failures)
    kFunctionError,  // the function (or endpoint, or command) failed: a retry attempt is used
    // The target could not take the batch (connection refused, 429, 502/503/504, no function
    // environment free): retried with backoff without using a retry attempt, as Lambda retries
    // throttles, until MaximumRecordAgeInSeconds.
    kUnavailable,
    // The target can never run as configured (a function that cannot start, a command that does
    // not exist): the pipe is marked failed with `error_message`, and retries slowly.
    kBroken,
  };
  Kind kind = Kind::kOk;
  std::string body;           // the response, or the error document
  std::string error_type;     // kFunctionError: Lambda's errorType ("Runtime.ExitError", ...)
  std::string error_message;  // for logs, status and the failure record
  int status_code = 200;      // the HTTP status, or 200 for a function as Lambda reports it
};

// Where a pipe delivers: a function, an HTTP endpoint or a command.
// Thread-safety: Invoke may be called from any number of threads at once (one per shard and
// parallelization slot).
class Target {
 public:
  virtual ~Target() = default;
  // Delivers one event (the JSON payload) and waits for the answer, at most the target's
  // timeout (then kFunctionError).
  virtual TargetResult Invoke(const std::string& payload) = 0;
  // Whether the target can be reached now (a pipe checks it when it starts): an error naming
  // what is wrong.
  virtual Status CheckReachable() = 0;
  // "function to-legacy", "http://127.0.0.1:8080/events", "command ./handle.sh".
  virtual std::string Describe() const = 0;
  // What the failure record's requestContext.functionArn says.
  virtual std::string Arn() const = 0;
};

}  // namespace eddy::pipe
