#include "eddy/model/number.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace eddy::model {
namespace {

std::string Norm(const std::string& text) {
  auto n = Number::Parse(text);
  EXPECT_TRUE(n.ok()) << text << ": " << n.status().ToString();
  return n.ok() ? n->ToString() : "";
}

std::string Error(const std::string& text) {
  auto n = Number::Parse(text);
  EXPECT_FALSE(n.ok()) << text;
  return n.ok() ? "" : n.status().message();
}

TEST(NumberTest, ParsesWhatDynamoDbAcceptsAndNormalizes) {
  EXPECT_EQ(Norm("3"), "3");
  EXPECT_EQ(Norm("-7.1234"), "-7.1234");
  EXPECT_EQ(Norm("-17e5"), "-1700000");
  EXPECT_EQ(Norm("+3"), "3");
  EXPECT_EQ(Norm(".123"), "0.123");
  EXPECT_EQ(Norm("0001.23"), "1.23");
  EXPECT_EQ(Norm("1e+5"), "100000");
  EXPECT_EQ(Norm("0e1000"), "0");
  EXPECT_EQ(Norm("-0.000"), "0");
  EXPECT_EQ(Norm("1.50"), "1.5");
  EXPECT_EQ(Norm("1."), "1");
  EXPECT_EQ(Norm("1E-5"), "0.00001");
  EXPECT_EQ(Norm("123.456e2"), "12345.6");
  EXPECT_EQ(Norm("-17.4E37"), "-174000000000000000000000000000000000000");
  EXPECT_EQ(Norm("1e125"), "1" + std::string(125, '0'));
  EXPECT_EQ(Norm("1e-130"), "0." + std::string(129, '0') + "1");
  EXPECT_EQ(Norm("3.1415926535897932384626433832795028841"),
            "3.1415926535897932384626433832795028841");  // 38 digits
  EXPECT_EQ(Norm("31415926535897932384626433832795028841e30"),
            "31415926535897932384626433832795028841" + std::string(30, '0'));
  EXPECT_EQ(Norm("100000000000000000000000000000000000000000000"), "1" + std::string(44, '0'));
}

TEST(NumberTest, RejectsWithAwsMessages) {
  const std::string not_numeric = "The parameter cannot be converted to a numeric value";
  for (const char* s : {"NaN", "Infinity", "-Infinity", "dog", " 1", "1 ", "1e", "e5", ".", "-",
                        "+", "1.2.3", "1e5.5", "--1", "0x10", "1,5"}) {
    EXPECT_EQ(Error(s), not_numeric + ": " + s);
  }
  EXPECT_EQ(Error(""), not_numeric);
  const std::string overflow =
      "Number overflow. Attempting to store a number with magnitude larger than supported range";
  const std::string underflow =
      "Number underflow. Attempting to store a number with magnitude smaller than supported range";
  const std::string digits = "Attempting to store more than 38 significant digits in a Number";
  EXPECT_EQ(Error("1e126"), overflow);
  EXPECT_EQ(Error("-1e126"), overflow);
  EXPECT_EQ(Error("11e125"), overflow);
  EXPECT_EQ(Error("1e2147483648"), overflow);
  EXPECT_EQ(Error("1e99999999999999999999999"), overflow);
  EXPECT_EQ(Error("1e-131"), underflow);
  EXPECT_EQ(Error("-0.9e-130"), underflow);
  EXPECT_EQ(Error("1e-99999999999999999999999"), underflow);
  EXPECT_EQ(Error("123456789012345678901234567890123456789"), digits);
  EXPECT_EQ(Error("-1.23456789012345678901234567890123456789"), digits);
  EXPECT_EQ(Error("314159265358979323846264338327950288419e30"), digits);
}

Number N(const std::string& s) { return *Number::Parse(s); }

TEST(NumberTest, AddsAndSubtractsExactly) {
  EXPECT_EQ(Number::Add(N("1"), N("10000000000000000000000"))->ToString(),
            "10000000000000000000001");
  EXPECT_EQ(Number::Subtract(N("10000000000000000000000"), N("1"))->ToString(),
            "9999999999999999999999");
  EXPECT_EQ(Number::Add(N("0.1"), N("0.2"))->ToString(), "0.3");
  EXPECT_EQ(Number::Add(N("1.5"), N("-1.5"))->ToString(), "0");
  EXPECT_EQ(Number::Add(N("-2.25"), N("1"))->ToString(), "-1.25");
  EXPECT_EQ(Number::Subtract(N("1"), N("3"))->ToString(), "-2");
  EXPECT_EQ(Number::Add(N("0"), N("-4"))->ToString(), "-4");
  EXPECT_EQ(Number::Subtract(N("0"), N("-4"))->ToString(), "4");
  EXPECT_EQ(Number::Add(N("99"), N("1"))->ToString(), "100");
  EXPECT_EQ(Number::Add(N("1e125"), N("-1e125"))->ToString(), "0");
  // 1E+125 + 1E-130 needs 256 digits; the operands' range bounds the work.
  auto wide = Number::Add(N("1e125"), N("1e-130"));
  ASSERT_FALSE(wide.ok());
  const std::string overflow =
      "Number overflow. Attempting to store a number with magnitude larger than supported range";
  EXPECT_EQ(wide.status().message(), overflow);
  EXPECT_EQ(Number::Add(N("9e125"), N("9e125")).status().message(), overflow);
  EXPECT_EQ(Number::Subtract(N("9e125"), N("-9e125")).status().message(), overflow);
  EXPECT_EQ(Number::Add(N("1e50"), N("1")).status().message(), overflow);  // as DynamoDB says
  EXPECT_EQ(Number::Subtract(N("1.1e-130"), N("1e-130")).status().message(),
            "Number underflow. Attempting to store a number with magnitude smaller than "
            "supported range");
}

TEST(NumberTest, ComparesNumerically) {
  const std::vector<std::string> ordered = {"-1e125", "-100",    "-99.5", "-1.51",  "-1.5",  "-1",
                                            "-0.001", "-1e-130", "0",     "1e-130", "0.001", "1",
                                            "1.5",    "1.51",    "99.5",  "100",    "1e125"};
  for (size_t i = 0; i < ordered.size(); ++i) {
    for (size_t j = 0; j < ordered.size(); ++j) {
      EXPECT_EQ(Number::Compare(N(ordered[i]), N(ordered[j])), i < j ? -1 : (i > j ? 1 : 0))
          << ordered[i] << " vs " << ordered[j];
      // The key encoding sorts the same way, byte for byte.
      const int bytes = N(ordered[i]).EncodeOrdered().compare(N(ordered[j]).EncodeOrdered());
      EXPECT_EQ(bytes < 0 ? -1 : (bytes > 0 ? 1 : 0), i < j ? -1 : (i > j ? 1 : 0))
          << ordered[i] << " vs " << ordered[j];
    }
  }
  EXPECT_EQ(N("1.50"), N("1.5"));
  EXPECT_EQ(N("-0"), N("0"));
}

TEST(NumberTest, KeyEncodingRoundTripsAndSortsLikeNumbers) {
  std::mt19937_64 rng(7);
  std::vector<Number> numbers;
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    if (rng() % 2) text += '-';
    const int digits = 1 + static_cast<int>(rng() % 38);
    for (int d = 0; d < digits; ++d) text += static_cast<char>('0' + rng() % 10);
    text += "e" + std::to_string(static_cast<int>(rng() % 200) - 120);
    auto n = Number::Parse(text);
    if (!n.ok()) continue;  // out of range: skip
    numbers.push_back(*n);
    const std::string encoded = n->EncodeOrdered() + "trailing";
    size_t consumed = 0;
    auto back = Number::DecodeOrdered(encoded, &consumed);
    ASSERT_TRUE(back.ok()) << text;
    EXPECT_EQ(consumed, encoded.size() - 8);
    EXPECT_EQ(back->ToString(), n->ToString());
  }
  auto by_value = numbers;
  std::sort(by_value.begin(), by_value.end());
  auto by_bytes = numbers;
  std::sort(by_bytes.begin(), by_bytes.end(),
            [](const Number& a, const Number& b) { return a.EncodeOrdered() < b.EncodeOrdered(); });
  for (size_t i = 0; i < numbers.size(); ++i) {
    EXPECT_EQ(by_value[i].ToString(), by_bytes[i].ToString());
  }
  size_t consumed = 0;
  EXPECT_FALSE(Number::DecodeOrdered("", &consumed).ok());
  EXPECT_FALSE(Number::DecodeOrdered("\x03\x00", &consumed).ok());
  EXPECT_FALSE(Number::DecodeOrdered(std::string("\x03\x00\xc8\x02", 4), &consumed).ok());
}

}  // namespace
}  // namespace eddy::model
