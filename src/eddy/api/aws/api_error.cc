#include "eddy/api/aws/api_error.h"

namespace eddy::api {

void ValidationErrors::Add(std::string_view value, std::string_view member,
                           std::string_view constraint) {
  std::string e = "Value ";
  e += value;
  e += " at '";
  e += member;
  e += "' failed to satisfy constraint: ";
  e += constraint;
  errors_.push_back(std::move(e));
}

void ValidationErrors::CheckRange(const std::optional<int64_t>& value, int64_t min, int64_t max,
                                  std::string_view member) {
  if (!value) return;
  if (*value < min) {
    Add(std::to_string(*value), member,
        "Member must have value greater than or equal to " + std::to_string(min));
  } else if (*value > max) {
    Add(std::to_string(*value), member,
        "Member must have value less than or equal to " + std::to_string(max));
  }
}

ApiError ValidationErrors::ToError() const {
  std::string msg = std::to_string(errors_.size());
  msg += errors_.size() == 1 ? " validation error detected: " : " validation errors detected: ";
  for (size_t i = 0; i < errors_.size(); ++i) {
    if (i > 0) msg += "; ";
    msg += errors_[i];
  }
  return ApiError::Validation(std::move(msg));
}

std::string ValidationErrors::Quote(std::string_view s) {
  std::string out = "'";
  out += s;
  out += "'";
  return out;
}

}  // namespace eddy::api
