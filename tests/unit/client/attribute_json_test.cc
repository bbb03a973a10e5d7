#include "eddy/client/attribute_json.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

namespace eddy::client {
namespace {

using model::AttributeMap;
using model::AttributeValue;
using model::Item;
using model::Number;

Number N(const char* s) { return *Number::Parse(s); }

std::string ToJson(const AttributeValue& value) {
  JsonBody body;
  WriteAttributeValue(body, value);
  return body.Take();
}

std::string ToJson(const AttributeMap& map) {
  JsonBody body;
  WriteAttributeMap(body, map);
  return body.Take();
}

Result<AttributeValue> ParseValue(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc) != simdjson::SUCCESS) {
    return Status::InvalidArgument("test input is not JSON: " + json);
  }
  return ParseAttributeValue(doc);
}

Result<AttributeMap> ParseMap(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc) != simdjson::SUCCESS) {
    return Status::InvalidArgument("test input is not JSON: " + json);
  }
  return ParseAttributeMap(doc);
}

// An item with each of the ten types, nested values and bytes JSON must escape.
Item AllTypes() {
  Item item;
  item["s"] = AttributeValue::String("quote \" backslash \\ newline \n tab \t nul " +
                                     std::string(1, '\0') + " ключ");
  item["n"] = AttributeValue::Num(N("-12.50"));
  item["big"] = AttributeValue::Num(N("1E+125"));
  item["tiny"] = AttributeValue::Num(N("1E-130"));
  item["b"] = AttributeValue::Binary(std::string("\x00\xff\x10 binary", 10));
  item["ss"] = AttributeValue::StringSet({"b", "a", "c"});
  item["ns"] = AttributeValue::NumberSet({N("3"), N("-1"), N("2.5")});
  item["bs"] = AttributeValue::BinarySet({std::string("\x02", 1), std::string("\x00\x01", 2)});
  item["m"] = AttributeValue::Map({{"city", AttributeValue::String("Lisbon")},
                                   {"zip", AttributeValue::Num(N("1100"))},
                                   {"", AttributeValue::Map({})}});
  item["l"] = AttributeValue::List({AttributeValue::Num(N("1")), AttributeValue::Null(),
                                    AttributeValue::Bool(true), AttributeValue::List({}),
                                    AttributeValue::List({AttributeValue::String("deep")})});
  item["null"] = AttributeValue::Null();
  item["yes"] = AttributeValue::Bool(true);
  item["no"] = AttributeValue::Bool(false);
  item["empty"] = AttributeValue::String("");
  return item;
}

TEST(AttributeJsonTest, EveryTypeRoundTrips) {
  const Item item = AllTypes();
  const std::string json = ToJson(item);
  auto parsed = ParseMap(json);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << json;
  EXPECT_EQ(*parsed, item);
  // Each value alone, too.
  for (const auto& [name, value] : item) {
    auto one = ParseValue(ToJson(value));
    ASSERT_TRUE(one.ok()) << name << ": " << one.status().ToString();
    EXPECT_EQ(*one, value) << name;
  }
}

TEST(AttributeJsonTest, WritesDynamoDbJson) {
  EXPECT_EQ(ToJson(AttributeValue::String("x")), R"({"S":"x"})");
  EXPECT_EQ(ToJson(AttributeValue::Num(N("1.50"))), R"({"N":"1.5"})");
  EXPECT_EQ(ToJson(AttributeValue::Num(N("1e3"))), R"({"N":"1000"})");
  EXPECT_EQ(ToJson(AttributeValue::Binary("hi!")), R"({"B":"aGkh"})");
  EXPECT_EQ(ToJson(AttributeValue::StringSet({"b", "a"})), R"({"SS":["a","b"]})");
  EXPECT_EQ(ToJson(AttributeValue::NumberSet({N("10"), N("9")})), R"({"NS":["9","10"]})");
  EXPECT_EQ(ToJson(AttributeValue::BinarySet({"hi!"})), R"({"BS":["aGkh"]})");
  EXPECT_EQ(ToJson(AttributeValue::Map({{"a", AttributeValue::Bool(false)}})),
            R"({"M":{"a":{"BOOL":false}}})");
  EXPECT_EQ(ToJson(AttributeValue::List({AttributeValue::Null()})), R"({"L":[{"NULL":true}]})");
  EXPECT_EQ(ToJson(Item{{"k", AttributeValue::String("v")}, {"a", AttributeValue::Null()}}),
            R"({"a":{"NULL":true},"k":{"S":"v"}})");
  EXPECT_EQ(ToJson(Item{}), "{}");
}

TEST(AttributeJsonTest, ReadsWhatServersSend) {
  auto n = ParseValue(R"({"N":"0.0150"})");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->number().ToString(), "0.015");
  auto ns = ParseValue(R"({"NS":["2","1E+1","-3"]})");
  ASSERT_TRUE(ns.ok());
  ASSERT_EQ(ns->number_members().size(), 3u);
  EXPECT_EQ(ns->number_members()[0].ToString(), "-3");
  EXPECT_EQ(ns->number_members()[2].ToString(), "10");
  auto escaped = ParseValue(R"({"S":"a\u0000b\"\u00e9"})");
  ASSERT_TRUE(escaped.ok());
  EXPECT_EQ(escaped->bytes(), std::string("a\0b\"\xc3\xa9", 6));
  auto empty_list = ParseValue(R"({"L":[]})");
  ASSERT_TRUE(empty_list.ok());
  EXPECT_TRUE(empty_list->list().empty());
}

TEST(AttributeJsonTest, RefusesMalformedValues) {
  const std::vector<std::string> malformed = {
      R"("S")",                      // not an object
      R"({})",                       // no type
      R"({"S":"a","N":"1"})",        // two types
      R"({"X":"a"})",                // no such type
      R"({"s":"a"})",                // type names are case-sensitive
      R"({"S":1})",                  // wrong JSON types, one per type
      R"({"N":1})",
      R"({"B":true})",
      R"({"SS":"a"})",
      R"({"NS":[1]})",
      R"({"BS":{}})",
      R"({"M":[]})",
      R"({"L":{}})",
      R"({"NULL":false})",           // NULL is only ever true
      R"({"NULL":null})",
      R"({"BOOL":"true"})",
      R"({"N":"abc"})",              // numbers Number::Parse refuses
      R"({"N":""})",
      R"({"N":"1E+126"})",
      R"({"N":"1E-131"})",
      R"({"N":"123456789012345678901234567890123456789"})",
      R"({"N":"NaN"})",
      R"({"B":"aGk"})",              // base64: unpadded, bad alphabet, spaces
      R"({"B":"a?kh"})",
      R"({"B":"aG kh"})",
      R"({"SS":[]})",                // empty sets
      R"({"NS":[]})",
      R"({"BS":[]})",
      R"({"SS":["a","b","a"]})",     // duplicates
      R"({"NS":["1","1.0"]})",       // equal by value
      R"({"BS":["aGkh","aGkh"]})",
      R"({"SS":["a",1]})",
      R"({"NS":["1","x"]})",
      R"({"BS":["aGkh","***="]})",
      R"({"M":{"a":{"S":1}}})",      // nested failures
      R"({"L":[{"S":"ok"},{"N":"bad"}]})",
      R"({"M":{"a":{"L":[{"M":{"b":{}}}]}}})",
  };
  for (const auto& json : malformed) {
    auto parsed = ParseValue(json);
    EXPECT_FALSE(parsed.ok()) << json;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), Status::Code::kInvalidArgument) << json;
    }
  }
}

TEST(AttributeJsonTest, SaysWhereANestedValueIsMalformed) {
  auto parsed = ParseValue(R"({"M":{"a":{"L":[{"S":"x"},{"N":"bad"}]}}})");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("M: a: L[1]: attribute value N"), std::string::npos)
      << parsed.status().message();
}

TEST(AttributeJsonTest, RefusesMalformedMaps) {
  EXPECT_FALSE(ParseMap(R"([])").ok());
  EXPECT_FALSE(ParseMap(R"({"a":"x"})").ok());
  EXPECT_FALSE(ParseMap(R"({"a":{"S":"x"},"a":{"S":"y"}})").ok());  // a name twice
  EXPECT_FALSE(ParseMap(R"({"a":{"S":"x"},"b":{"Q":"y"}})").ok());
  auto ok = ParseMap(R"({"a":{"S":"x"},"b":{"N":"2"}})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->size(), 2u);
}

}  // namespace
}  // namespace eddy::client
