#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::api {

// An error as AWS reports it: HTTP status, `__type` and message. Made at the API edge from
// engine Statuses or failed validation; returned, never thrown.
struct ApiError {
  int http_status = 400;
  std::string type;
  std::string message;
  // More members of the error object, as JSON text without braces (e.g. `"Item":{...}` of a
  // ConditionalCheckFailedException); empty for none.
  std::string extra_members;

  static ApiError Validation(std::string message) {
    return {400, "ValidationException", std::move(message)};
  }
  static ApiError Serialization(std::string message) {
    return {400, "SerializationException", std::move(message)};
  }
  static ApiError UnknownOperation(std::string message = {}) {
    return {400, "UnknownOperationException", std::move(message)};
  }
  static ApiError ResourceNotFound(std::string message) {
    return {400, "ResourceNotFoundException", std::move(message)};
  }
  static ApiError ResourceInUse(std::string message) {
    return {400, "ResourceInUseException", std::move(message)};
  }
  static ApiError InvalidArgument(std::string message) {
    return {400, "InvalidArgumentException", std::move(message)};
  }
  static ApiError LimitExceeded(std::string message) {
    return {400, "LimitExceededException", std::move(message)};
  }
  static ApiError ExpiredIterator(std::string message) {
    return {400, "ExpiredIteratorException", std::move(message)};
  }
  static ApiError ExpiredNextToken(std::string message) {
    return {400, "ExpiredNextTokenException", std::move(message)};
  }
  static ApiError ProvisionedThroughputExceeded(std::string message) {
    return {400, "ProvisionedThroughputExceededException", std::move(message)};
  }
  static ApiError InternalFailure(std::string message) {
    return {500, "InternalFailureException", std::move(message)};
  }
};

// Collects constraint violations and renders them as AWS does:
//   "2 validation errors detected: Value 'x' at 'streamName' failed to satisfy constraint:
//    Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value null at ..."
class ValidationErrors {
 public:
  // `value` is rendered as given (callers quote strings: "'abc'", or pass "null").
  void Add(std::string_view value, std::string_view member, std::string_view constraint);
  // Adds AWS's message for an integer outside [min, max] (nothing when absent or inside).
  void CheckRange(const std::optional<int64_t>& value, int64_t min, int64_t max,
                  std::string_view member);
  bool empty() const { return errors_.empty(); }
  ApiError ToError() const;

  static std::string Quote(std::string_view s);  // "'s'"

 private:
  std::vector<std::string> errors_;
};

}  // namespace eddy::api
