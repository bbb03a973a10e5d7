#include "eddy/model/number.h"

#include <algorithm>

namespace eddy::model {

namespace {

constexpr char kNotNumeric[] = "The parameter cannot be converted to a numeric value";
constexpr char kOverflow[] =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
constexpr char kUnderflow[] =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";
constexpr char kTooManyDigits[] = "Attempting to store more than 38 significant digits in a Number";

// An exponent this large is out of range whatever the digits (a request holds at most a few
// million digits), and saturating there keeps every sum below within int64.
constexpr int64_t kExponentClamp = 1'000'000'000'000;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// |a| vs |b| for digit strings without leading zeros.
int CompareMagnitude(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::string AddDigits(const std::string& a, const std::string& b) {
  std::string out;
  out.reserve(std::max(a.size(), b.size()) + 1);
  int carry = 0;
  for (size_t i = 0; i < a.size() || i < b.size() || carry; ++i) {
    int d = carry;
    if (i < a.size()) d += a[a.size() - 1 - i] - '0';
    if (i < b.size()) d += b[b.size() - 1 - i] - '0';
    out.push_back(static_cast<char>('0' + d % 10));
    carry = d / 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// REQUIRES: a >= b as magnitudes.
std::string SubtractDigits(const std::string& a, const std::string& b) {
  std::string out;
  out.reserve(a.size());
  int borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int d = (a[a.size() - 1 - i] - '0') - borrow;
    if (i < b.size()) d -= b[b.size() - 1 - i] - '0';
    borrow = d < 0 ? 1 : 0;
    out.push_back(static_cast<char>('0' + (d + 10) % 10));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

Result<Number> Number::Normalize(bool negative, std::string digits, int64_t exponent,
                                 bool arithmetic) {
  const size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return Number();  // zero, whatever the exponent
  const size_t last = digits.find_last_not_of('0');
  exponent += static_cast<int64_t>(digits.size() - 1 - last);
  digits = digits.substr(first, last - first + 1);
  const int64_t adjusted = exponent + static_cast<int64_t>(digits.size()) - 1;
  if (adjusted > kMaxAdjustedExponent) return Status::InvalidArgument(kOverflow);
  if (adjusted < kMinAdjustedExponent) return Status::InvalidArgument(kUnderflow);
  if (digits.size() > static_cast<size_t>(kMaxDigits)) {
    return Status::InvalidArgument(arithmetic ? kOverflow : kTooManyDigits);
  }
  Number n;
  n.negative_ = negative;
  n.digits_ = std::move(digits);
  n.exponent_ = static_cast<int32_t>(exponent);
  return n;
}

Result<Number> Number::Parse(std::string_view text) {
  auto not_numeric = [&] {
    return Status::InvalidArgument(text.empty()
                                       ? std::string(kNotNumeric)
                                       : std::string(kNotNumeric) + ": " + std::string(text));
  };
  size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    negative = text[pos] == '-';
    ++pos;
  }
  std::string digits;
  int64_t fraction_digits = 0;
  while (pos < text.size() && IsDigit(text[pos])) digits.push_back(text[pos++]);
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && IsDigit(text[pos])) {
      digits.push_back(text[pos++]);
      ++fraction_digits;
    }
  }
  if (digits.empty()) return not_numeric();
  int64_t exponent = 0;
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    bool exponent_negative = false;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      exponent_negative = text[pos] == '-';
      ++pos;
    }
    if (pos >= text.size() || !IsDigit(text[pos])) return not_numeric();
    while (pos < text.size() && IsDigit(text[pos])) {
      exponent = std::min(kExponentClamp, exponent * 10 + (text[pos++] - '0'));
    }
    if (exponent_negative) exponent = -exponent;
  }
  if (pos != text.size()) return not_numeric();
  return Normalize(negative, std::move(digits), exponent - fraction_digits, false);
}

Result<Number> Number::Add(const Number& a, const Number& b) {
  if (a.is_zero()) return b;
  if (b.is_zero()) return a;
  // Align both coefficients on the smaller exponent. Both operands are in range, so the
  // padding is at most a few hundred digits.
  const int32_t exponent = std::min(a.exponent_, b.exponent_);
  const std::string da = a.digits_ + std::string(static_cast<size_t>(a.exponent_ - exponent), '0');
  const std::string db = b.digits_ + std::string(static_cast<size_t>(b.exponent_ - exponent), '0');
  if (a.negative_ == b.negative_) {
    return Normalize(a.negative_, AddDigits(da, db), exponent, true);
  }
  const int c = CompareMagnitude(da, db);
  if (c == 0) return Number();
  return c > 0 ? Normalize(a.negative_, SubtractDigits(da, db), exponent, true)
               : Normalize(b.negative_, SubtractDigits(db, da), exponent, true);
}

Result<Number> Number::Subtract(const Number& a, const Number& b) {
  Number negated = b;
  if (!negated.is_zero()) negated.negative_ = !negated.negative_;
  return Add(a, negated);
}

int Number::Compare(const Number& a, const Number& b) {
  const int sa = a.is_zero() ? 0 : (a.negative_ ? -1 : 1);
  const int sb = b.is_zero() ? 0 : (b.negative_ ? -1 : 1);
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  int magnitude = 0;
  if (a.adjusted_exponent() != b.adjusted_exponent()) {
    magnitude = a.adjusted_exponent() < b.adjusted_exponent() ? -1 : 1;
  } else {
    // Same leading position and no trailing zeros: digit strings compare as the values do.
    const int c = a.digits_.compare(b.digits_);
    magnitude = c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return sa > 0 ? magnitude : -magnitude;
}

std::string Number::ToString() const {
  if (is_zero()) return "0";
  std::string out = negative_ ? "-" : "";
  const int64_t n = static_cast<int64_t>(digits_.size());
  if (exponent_ >= 0) {
    out += digits_;
    out.append(static_cast<size_t>(exponent_), '0');
  } else if (n + exponent_ > 0) {
    const size_t point = static_cast<size_t>(n + exponent_);
    out += digits_.substr(0, point);
    out += '.';
    out += digits_.substr(point);
  } else {
    out += "0.";
    out.append(static_cast<size_t>(-(n + exponent_)), '0');
    out += digits_;
  }
  return out;
}

// Layout: a class byte (0x01 negative, 0x02 zero, 0x03 positive); for non-zero values the
// adjusted exponent + 200 as a big-endian uint16, each digit as digit + 1, and a 0x00
// terminator — all bytes after the class byte complemented for negative numbers, so a larger
// magnitude sorts first among them.
std::string Number::EncodeOrdered() const {
  if (is_zero()) return std::string(1, '\x02');
  std::string out;
  out.reserve(digits_.size() + 4);
  out.push_back(negative_ ? '\x01' : '\x03');
  const auto biased = static_cast<uint16_t>(adjusted_exponent() + 200);
  const uint8_t mask = negative_ ? 0xFF : 0x00;
  out.push_back(static_cast<char>((biased >> 8) ^ mask));
  out.push_back(static_cast<char>((biased & 0xFF) ^ mask));
  for (const char d : digits_) out.push_back(static_cast<char>((d - '0' + 1) ^ mask));
  out.push_back(static_cast<char>(0x00 ^ mask));
  return out;
}

Result<Number> Number::DecodeOrdered(std::string_view bytes, size_t* consumed) {
  const auto bad = Status::Corruption("bad number key encoding");
  if (bytes.empty()) return bad;
  const auto cls = static_cast<uint8_t>(bytes[0]);
  if (cls == 0x02) {
    *consumed = 1;
    return Number();
  }
  if (cls != 0x01 && cls != 0x03) return bad;
  const uint8_t mask = cls == 0x01 ? 0xFF : 0x00;
  if (bytes.size() < 4) return bad;
  const int biased =
      ((static_cast<uint8_t>(bytes[1]) ^ mask) << 8) | (static_cast<uint8_t>(bytes[2]) ^ mask);
  std::string digits;
  size_t pos = 3;
  for (;; ++pos) {
    if (pos >= bytes.size()) return bad;
    const uint8_t b = static_cast<uint8_t>(bytes[pos]) ^ mask;
    if (b == 0) break;
    if (b > 10) return bad;
    digits.push_back(static_cast<char>('0' + b - 1));
  }
  *consumed = pos + 1;
  if (digits.empty() || digits.front() == '0' || digits.back() == '0') return bad;
  const int64_t exponent = (biased - 200) - static_cast<int64_t>(digits.size()) + 1;
  return Normalize(cls == 0x01, std::move(digits), exponent, false);
}

}  // namespace eddy::model
