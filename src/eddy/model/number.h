#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "eddy/base/result.h"

namespace eddy::model {

// A DynamoDB number: an exact decimal with at most 38 significant digits and a magnitude of
// 1E-130 .. 9.99…(38 nines)E+125, or zero. No floating point anywhere: values are parsed,
// compared, added and printed in decimal.
//
// Representation: (-1)^negative × digits × 10^exponent, where `digits` is the coefficient's
// significant digits with no leading or trailing zeros ("" for zero).
//
// Thread-safety: a value type.
class Number {
 public:
  Number() = default;  // zero

  // Parses what the DynamoDB JSON protocol carries in {"N": "..."}: an optional sign, digits
  // with an optional decimal point (at least one digit), an optional exponent ([eE][+-]?digits);
  // no spaces, no NaN or Infinity. Errors are InvalidArgument with AWS's messages, checked in
  // AWS's order:
  //   "The parameter cannot be converted to a numeric value: <text>" (bare when text is empty),
  //   "Number overflow. Attempting to store a number with magnitude larger than supported range",
  //   "Number underflow. Attempting to store a number with magnitude smaller than supported range",
  //   "Attempting to store more than 38 significant digits in a Number".
  static Result<Number> Parse(std::string_view text);

  // Exact sums. A result outside the range or with more than 38 significant digits is an
  // error, as in DynamoDB's `SET a = a + :n` and `ADD` (which answer "Number overflow…" for a
  // sum that needs more than 38 digits, e.g. 1E+50 + 1).
  static Result<Number> Add(const Number& a, const Number& b);
  static Result<Number> Subtract(const Number& a, const Number& b);

  // -1, 0, 1.
  static int Compare(const Number& a, const Number& b);
  friend bool operator==(const Number& a, const Number& b) { return Compare(a, b) == 0; }
  friend bool operator<(const Number& a, const Number& b) { return Compare(a, b) < 0; }

  // The normalized plain-decimal text DynamoDB answers with: "1.50" -> "1.5", "1e3" -> "1000",
  // "-0.0" -> "0", "1E-5" -> "0.00001". Never an exponent.
  std::string ToString() const;

  // Bytes whose memcmp order is the numeric order, self-delimiting (so a number can be followed
  // by more key bytes): the sort-key encoding of N keys.
  std::string EncodeOrdered() const;
  // REQUIRES: `bytes` starts with an EncodeOrdered() encoding; `*consumed` gets its length.
  static Result<Number> DecodeOrdered(std::string_view bytes, size_t* consumed);

  bool is_zero() const { return digits_.empty(); }
  // Significant digits (0 for zero): "0.00150" has 2.
  int significant_digits() const { return static_cast<int>(digits_.size()); }
  bool negative() const { return negative_; }
  // The exponent of the most significant digit (scientific notation's exponent).
  int32_t adjusted_exponent() const { return exponent_ + static_cast<int32_t>(digits_.size()) - 1; }

  static constexpr int kMaxDigits = 38;
  static constexpr int32_t kMaxAdjustedExponent = 125;
  static constexpr int32_t kMinAdjustedExponent = -130;

 private:
  // Strips leading/trailing zeros and validates the result. `arithmetic` selects the message
  // for too many digits.
  static Result<Number> Normalize(bool negative, std::string digits, int64_t exponent,
                                  bool arithmetic);

  bool negative_ = false;
  std::string digits_;
  int32_t exponent_ = 0;
};

}  // namespace eddy::model
