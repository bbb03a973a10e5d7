#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace eddy {

// The outcome of an operation inside the engine: OK, or a code with a human-readable message.
// AWS-shaped errors are made from these at the API edge, never inside the engine.
//
// Thread-safety: a Status is a value; distinct objects may be used from any thread.
class [[nodiscard]] Status {
 public:
  enum class Code : unsigned char {
    kOk = 0,
    kNotFound,
    kCorruption,
    kInvalidArgument,
    kIoError,
    kNoSpace,     // the device is full (ENOSPC / EDQUOT); retrying later may succeed
    kOutOfRange,  // e.g. an offset before the trim horizon or past the end
    kAlreadyExists,
    kFailedPrecondition,
    kUnavailable,        // temporarily unusable (closed, shutting down)
    kExpired,            // a token or iterator that was valid once has expired
    kResourceExhausted,  // a quota or limit is reached
    kInternal,
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status IoError(std::string msg) { return Status(Code::kIoError, std::move(msg)); }
  static Status NoSpace(std::string msg) { return Status(Code::kNoSpace, std::move(msg)); }
  static Status OutOfRange(std::string msg) { return Status(Code::kOutOfRange, std::move(msg)); }
  static Status AlreadyExists(std::string msg) {
    return Status(Code::kAlreadyExists, std::move(msg));
  }
  static Status FailedPrecondition(std::string msg) {
    return Status(Code::kFailedPrecondition, std::move(msg));
  }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }
  static Status Expired(std::string msg) { return Status(Code::kExpired, std::move(msg)); }
  static Status ResourceExhausted(std::string msg) {
    return Status(Code::kResourceExhausted, std::move(msg));
  }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }

  // An I/O failure from a system call: ENOSPC/EDQUOT become kNoSpace, ENOENT kNotFound,
  // anything else kIoError.
  // `context` names what was being done and to which file.
  static Status FromErrno(int err, std::string_view context);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsNoSpace() const { return code_ == Code::kNoSpace; }
  bool IsIoError() const { return code_ == Code::kIoError; }
  bool IsOutOfRange() const { return code_ == Code::kOutOfRange; }

  // "Corruption: segment 00000000000000000000.log: bad CRC at byte 4096".
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context` and ": ".
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

std::string_view CodeName(Status::Code code);

}  // namespace eddy

#define EDDY_STATUS_CONCAT_INNER(a, b) a##b
#define EDDY_STATUS_CONCAT(a, b) EDDY_STATUS_CONCAT_INNER(a, b)

// Evaluates `expr` (a Status) and returns it from the enclosing function if it is not OK.
#define EDDY_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::eddy::Status eddy_status_ = (expr);        \
    if (!eddy_status_.ok()) return eddy_status_; \
  } while (0)
