#pragma once

#include <string>
#include <utility>
#include <variant>

#include "eddy/base/check.h"

namespace eddy::client {

// An error answered by an AWS-protocol service, or a transport failure before any answer.
struct AwsError {
  int http_status = 0;  // 0 for a transport failure (no response)
  std::string type;     // "ResourceNotFoundException"; "NetworkError" / "BadResponse" locally
  std::string message;

  bool is_transport() const { return http_status == 0; }
  // "ResourceNotFoundException (400): Stream x under account ... not found."
  std::string ToString() const;
};

// A value of type T or the AwsError that explains why there is none.
// Thread-safety: a value type.
template <typename T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : state_(std::in_place_index<1>, std::move(value)) {}  // NOLINT: implicit
  Outcome(AwsError error) : state_(std::in_place_index<0>, std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 1; }
  // REQUIRES: !ok().
  const AwsError& error() const {
    EDDY_CHECK(!ok());
    return std::get<0>(state_);
  }
  // REQUIRES: ok().
  T& value() & {
    EDDY_CHECK(ok());
    return std::get<1>(state_);
  }
  const T& value() const& {
    EDDY_CHECK(ok());
    return std::get<1>(state_);
  }
  T&& value() && {
    EDDY_CHECK(ok());
    return std::get<1>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<AwsError, T> state_;
};

// For operations that answer nothing but success.
struct Empty {};

}  // namespace eddy::client
