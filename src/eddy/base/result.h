#pragma once

#include <type_traits>
#include <utility>
#include <variant>

#include "eddy/base/check.h"
#include "eddy/base/status.h"

namespace eddy {

// A value of type T, or the non-OK Status that explains why there is none.
// (std::expected is not in this toolchain's C++20.)
//
// Thread-safety: a value type; as safe as T.
template <typename T>
class [[nodiscard]] Result {
 public:
  static_assert(!std::is_same_v<T, Status>, "use Status directly");

  Result(T value) : state_(std::in_place_index<1>, std::move(value)) {}  // NOLINT: implicit
  // REQUIRES: !status.ok().
  Result(Status status) : state_(std::in_place_index<0>, std::move(status)) {  // NOLINT: implicit
    EDDY_CHECK(!std::get<0>(state_).ok());
  }

  bool ok() const { return state_.index() == 1; }

  // OK when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<0>(state_); }

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
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<Status, T> state_;
};

}  // namespace eddy

// Evaluates `expr` (a Result<T>); on error returns its Status, otherwise moves the value into
// `lhs`, which may be a declaration: EDDY_ASSIGN_OR_RETURN(auto file, fs->Open(path));
#define EDDY_ASSIGN_OR_RETURN(lhs, expr) \
  EDDY_ASSIGN_OR_RETURN_IMPL(EDDY_STATUS_CONCAT(eddy_result_, __LINE__), lhs, expr)
#define EDDY_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
