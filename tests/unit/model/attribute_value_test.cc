#include "eddy/model/attribute_value.h"

#include <gtest/gtest.h>

#include <random>

namespace eddy::model {
namespace {

Number N(const char* s) { return *Number::Parse(s); }

Item SampleItem() {
  AttributeMap address{{"city", AttributeValue::String("Lisbon")},
                       {"zip", AttributeValue::Num(N("1100"))}};
  Item item;
  item["pk"] = AttributeValue::String("user#1");
  item["sk"] = AttributeValue::Num(N("-12.50"));
  item["blob"] = AttributeValue::Binary(std::string("\x00\xff\x10", 3));
  item["tags"] = AttributeValue::StringSet({"b", "a", "c"});
  item["scores"] = AttributeValue::NumberSet({N("3"), N("-1"), N("2.5")});
  item["keys"] = AttributeValue::BinarySet({std::string("\x02", 1), std::string("\x01", 1)});
  item["address"] = AttributeValue::Map(address);
  item["history"] = AttributeValue::List({AttributeValue::Num(N("1")), AttributeValue::Null(),
                                          AttributeValue::Bool(true), AttributeValue::List({}),
                                          AttributeValue::Map({})});
  item["empty"] = AttributeValue::String("");
  item["flag"] = AttributeValue::Bool(false);
  return item;
}

TEST(AttributeValueTest, ItemsRoundTripThroughTheBinaryForm) {
  const Item item = SampleItem();
  const std::string encoded = EncodeItem(item);
  auto decoded = DecodeItem(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, item);
  EXPECT_EQ(decoded->at("sk").number().ToString(), "-12.5");
  EXPECT_EQ(decoded->at("blob").bytes(), std::string("\x00\xff\x10", 3));
  EXPECT_EQ(decoded->at("tags").byte_members(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(decoded->at("scores").number_members()[0].ToString(), "-1");
  EXPECT_EQ(EncodeItem(*decoded), encoded);  // canonical: same bytes again
}

TEST(AttributeValueTest, EqualityIgnoresSetAndMapOrderAndNumberSpelling) {
  EXPECT_EQ(AttributeValue::StringSet({"x", "y"}), AttributeValue::StringSet({"y", "x"}));
  EXPECT_EQ(AttributeValue::NumberSet({N("1.0"), N("2")}),
            AttributeValue::NumberSet({N("2"), N("1")}));
  EXPECT_EQ(AttributeValue::Num(N("1.50")), AttributeValue::Num(N("1.5")));
  AttributeMap a{{"x", AttributeValue::Num(N("1"))}, {"y", AttributeValue::String("2")}};
  AttributeMap b{{"y", AttributeValue::String("2")}, {"x", AttributeValue::Num(N("1"))}};
  EXPECT_EQ(AttributeValue::Map(a), AttributeValue::Map(b));
  // Lists keep their order; types never compare equal across kinds.
  EXPECT_NE(AttributeValue::List({AttributeValue::Bool(true), AttributeValue::Null()}),
            AttributeValue::List({AttributeValue::Null(), AttributeValue::Bool(true)}));
  EXPECT_NE(AttributeValue::String("1"), AttributeValue::Num(N("1")));
  EXPECT_NE(AttributeValue::String("a"), AttributeValue::Binary("a"));
  EXPECT_NE(AttributeValue::StringSet({"a"}), AttributeValue::BinarySet({"a"}));
}

TEST(AttributeValueTest, SizesFollowDynamoDbsRules) {
  EXPECT_EQ(AttributeValue::String("hello").SizeBytes(), 5u);
  EXPECT_EQ(AttributeValue::Binary("abc").SizeBytes(), 3u);
  EXPECT_EQ(AttributeValue::Bool(true).SizeBytes(), 1u);
  EXPECT_EQ(AttributeValue::Null().SizeBytes(), 1u);
  EXPECT_EQ(AttributeValue::Num(N("12345")).SizeBytes(), 4u);  // 5 digits -> 3 + 1
  EXPECT_EQ(AttributeValue::Num(N("0.001")).SizeBytes(), 2u);  // 1 significant digit
  EXPECT_EQ(AttributeValue::Num(N("1000")).SizeBytes(), 2u);   // trailing zeros are free
  EXPECT_EQ(AttributeValue::List({}).SizeBytes(), 3u);
  EXPECT_EQ(AttributeValue::Map({{"ab", AttributeValue::String("xyz")}}).SizeBytes(),
            3u + 1 + 2 + 3);
  Item item{{"name", AttributeValue::String("abc")}, {"n", AttributeValue::Num(N("7"))}};
  EXPECT_EQ(ItemSizeBytes(item), 4u + 3 + 1 + 2);
  EXPECT_EQ(AttributeValue::String("x").Depth(), 0);
  EXPECT_EQ(AttributeValue::List({AttributeValue::Map({{"a", AttributeValue::List({})}})}).Depth(),
            3);
}

TEST(AttributeValueTest, DamagedBytesAreCorruptionNeverACrash) {
  const std::string good = EncodeItem(SampleItem());
  // Every truncation fails cleanly.
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(DecodeItem(std::string_view(good).substr(0, n)).ok()) << n;
  }
  // Random single-byte damage: either a clean error or a well-formed item, never a crash.
  std::mt19937 rng(11);
  for (int i = 0; i < 5000; ++i) {
    std::string damaged = good;
    damaged[rng() % damaged.size()] = static_cast<char>(rng());
    auto decoded = DecodeItem(damaged);
    if (decoded.ok()) {
      auto again = DecodeItem(EncodeItem(*decoded));
      ASSERT_TRUE(again.ok());
      EXPECT_EQ(*again, *decoded);
    }
  }
  // A huge declared count does not allocate: it is checked against the bytes left.
  std::string huge(
      "\x01\x01"
      "a\x08\xff\xff\xff\xff\x0f",
      9);
  EXPECT_FALSE(DecodeItem(huge).ok());
  // Nesting beyond the limit is refused.
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "\x08\x01";  // a list holding a list ...
  deep += "\x09";
  std::string_view in(deep);
  EXPECT_FALSE(AttributeValue::DecodeFrom(&in).ok());
  // Unsorted or repeated set members are not something EncodeTo writes.
  std::string unsorted(
      "\x04\x02\x01"
      "b\x01"
      "a",
      7);
  std::string_view u(unsorted);
  EXPECT_FALSE(AttributeValue::DecodeFrom(&u).ok());
}

}  // namespace
}  // namespace eddy::model
