#include "eddy/table/key_encoding.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace eddy::table {
namespace {

std::string Enc(const AttributeValue& v) {
  std::string out;
  AppendKeyValue(v, &out);
  return out;
}

TEST(KeyEncodingTest, StringsAndBinariesSortByUnsignedBytes) {
  const std::vector<std::string> ordered = {"",
                                            std::string("\0", 1),
                                            std::string("\0\0", 2),
                                            std::string("\0a", 2),
                                            "a",
                                            std::string("a\0", 2),
                                            "a\x01",
                                            "ab",
                                            "b",
                                            "\x7f",
                                            "\x80",
                                            "\xc3\xa9",
                                            "\xff"};
  for (size_t i = 0; i + 1 < ordered.size(); ++i) {
    EXPECT_LT(Enc(AttributeValue::Binary(ordered[i])), Enc(AttributeValue::Binary(ordered[i + 1])))
        << i;
  }
  std::mt19937 rng(3);
  std::vector<std::string> values;
  for (int i = 0; i < 3000; ++i) {
    std::string s(rng() % 6, '\0');
    for (auto& c : s)
      c = static_cast<char>(
          "\x00\x01\xff"
          "ab"[rng() % 5]);
    values.push_back(s);
  }
  auto by_bytes = values;
  std::sort(by_bytes.begin(), by_bytes.end());  // std::string compares as unsigned char
  auto by_encoding = values;
  std::sort(by_encoding.begin(), by_encoding.end(), [](const auto& a, const auto& b) {
    return Enc(AttributeValue::String(a)) < Enc(AttributeValue::String(b));
  });
  EXPECT_EQ(by_bytes, by_encoding);
}

TEST(KeyEncodingTest, ValuesDecodeBackAndAreSelfDelimiting) {
  for (const auto& v :
       {AttributeValue::String(""), AttributeValue::String("user#1"),
        AttributeValue::Binary(std::string("\0\xff\0", 3)),
        AttributeValue::Num(*Number::Parse("-3.25")), AttributeValue::Num(*Number::Parse("0"))}) {
    std::string composite = Enc(v);
    AppendKeyValue(AttributeValue::String("next"), &composite);
    std::string_view in(composite);
    auto back = DecodeKeyValue(v.type(), &in);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, v);
    auto next = DecodeKeyValue(ValueType::kString, &in);
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(next->bytes(), "next");
    EXPECT_TRUE(in.empty());
  }
  std::string_view unterminated("abc", 3);
  EXPECT_FALSE(DecodeKeyValue(ValueType::kString, &unterminated).ok());
  std::string bad_escape("a\0\x02", 3);
  std::string_view b(bad_escape);
  EXPECT_FALSE(DecodeKeyValue(ValueType::kString, &b).ok());
}

TEST(KeyEncodingTest, BeginsWithIsAPrefixRange) {
  const std::string prefix("ab\0", 3);
  std::string lo;
  AppendKeyPrefix(prefix, &lo);
  const std::string hi = PrefixSuccessor(lo);
  for (const std::string& s :
       {std::string("ab\0", 3), std::string("ab\0z", 4), std::string("ab\0\0", 4)}) {
    const std::string e = Enc(AttributeValue::String(s));
    EXPECT_TRUE(e >= lo && e < hi) << s.size();
  }
  for (const std::string& s : {std::string("ab"), std::string("ab\x01"), std::string("b")}) {
    const std::string e = Enc(AttributeValue::String(s));
    EXPECT_FALSE(e >= lo && e < hi) << s;
  }
  EXPECT_EQ(PrefixSuccessor("a\xff\xff"), "b");
  EXPECT_EQ(PrefixSuccessor("\xff"), "");
}

}  // namespace
}  // namespace eddy::table
