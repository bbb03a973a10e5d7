#include "eddy/api/dynamodb/attribute_json.h"

#include <gtest/gtest.h>
#include <rapidjson/error/en.h>

#include <string>

namespace eddy::api::dynamodb {
namespace {

using model::Number;
using model::ValueType;

rapidjson::Document Json(std::string_view text) {
  rapidjson::Document doc;
  // Iterative parsing: the nesting tests feed documents far deeper than a recursive parser's
  // stack would survive.
  doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  EXPECT_FALSE(doc.HasParseError())
      << rapidjson::GetParseError_En(doc.GetParseError()) << " in " << text;
  return doc;
}

Item MustDecodeItem(std::string_view text) {
  Item item;
  auto doc = Json(text);
  auto error = DecodeItem(doc, &item);
  EXPECT_FALSE(error.has_value()) << error->type << ": " << error->message << " for " << text;
  return item;
}

// "Type: message" of the error decoding `text` in `context` (or "OK").
std::string MapError(std::string_view text, ValueContext context = ValueContext::kItem) {
  AttributeMap map;
  auto doc = Json(text);
  auto error = DecodeAttributeMap(doc, context, &map);
  if (!error) return "OK";
  EXPECT_EQ(error->http_status, 400);
  return error->type + ": " + error->message;
}

// The error for an item holding one attribute "a" with the value `value_json`.
std::string ValueError(std::string_view value_json) {
  return MapError("{\"a\":" + std::string(value_json) + "}");
}
// The same value as ExpressionAttributeValues {":v": value}.
std::string ExpressionValueError(std::string_view value_json) {
  return MapError("{\":v\":" + std::string(value_json) + "}", ValueContext::kExpressionValues);
}

std::string NamesError(std::string_view text) {
  ExpressionNames names;
  auto doc = Json(text);
  auto error = DecodeExpressionAttributeNames(doc, &names);
  return error ? error->type + ": " + error->message : "OK";
}

std::string Validation(std::string_view m) { return "ValidationException: " + std::string(m); }
std::string Serialization(std::string_view m) {
  return "SerializationException: " + std::string(m);
}

Number N(const char* s) { return *Number::Parse(s); }

// {"M": {"n": ... {"S": "leaf"} ...}} with `maps` maps around the string.
std::string NestedMaps(int maps) {
  std::string s;
  for (int i = 0; i < maps; ++i) s += R"({"M":{"n":)";
  s += R"({"S":"leaf"})";
  for (int i = 0; i < maps; ++i) s += "}}";
  return s;
}
std::string NestedLists(int lists) {
  std::string s;
  for (int i = 0; i < lists; ++i) s += R"({"L":[)";
  s += R"({"N":"1"})";
  for (int i = 0; i < lists; ++i) s += "]}";
  return s;
}

constexpr const char* kSampleItem = R"({
  "pk": {"S": "user#1"},
  "sk": {"N": "-12.50"},
  "blob": {"B": "AP8Q"},
  "tags": {"SS": ["b", "a", "c"]},
  "scores": {"NS": ["3", "-1", "2.5"]},
  "keys": {"BS": ["Ag==", "AQ=="]},
  "address": {"M": {"city": {"S": "Lisbon"}, "zip": {"N": "1100"}}},
  "history": {"L": [{"N": "1"}, {"NULL": true}, {"BOOL": true}, {"L": []}, {"M": {}}]},
  "empty": {"S": ""},
  "nothing": {"B": ""},
  "flag": {"BOOL": false}
})";

TEST(AttributeJsonTest, DecodesEveryType) {
  const Item item = MustDecodeItem(kSampleItem);
  ASSERT_EQ(item.size(), 11u);
  EXPECT_EQ(item.at("pk"), AttributeValue::String("user#1"));
  EXPECT_EQ(item.at("sk"), AttributeValue::Num(N("-12.5")));
  EXPECT_EQ(item.at("blob"), AttributeValue::Binary(std::string("\x00\xff\x10", 3)));
  EXPECT_EQ(item.at("tags"), AttributeValue::StringSet({"a", "b", "c"}));
  EXPECT_EQ(item.at("scores"), AttributeValue::NumberSet({N("-1"), N("2.5"), N("3")}));
  EXPECT_EQ(item.at("keys"),
            AttributeValue::BinarySet({std::string("\x01", 1), std::string("\x02", 1)}));
  EXPECT_EQ(item.at("address"), AttributeValue::Map({{"city", AttributeValue::String("Lisbon")},
                                                     {"zip", AttributeValue::Num(N("1100"))}}));
  EXPECT_EQ(item.at("history"),
            AttributeValue::List({AttributeValue::Num(N("1")), AttributeValue::Null(),
                                  AttributeValue::Bool(true), AttributeValue::List({}),
                                  AttributeValue::Map({})}));
  EXPECT_EQ(item.at("empty"), AttributeValue::String(""));  // allowed outside keys since 2020
  EXPECT_EQ(item.at("nothing"), AttributeValue::Binary(""));
  EXPECT_EQ(item.at("flag"), AttributeValue::Bool(false));
}

TEST(AttributeJsonTest, EncodesTheCanonicalForm) {
  const Item item = MustDecodeItem(kSampleItem);
  EXPECT_EQ(ItemToJson(item),
            R"({"address":{"M":{"city":{"S":"Lisbon"},"zip":{"N":"1100"}}},"blob":{"B":"AP8Q"},)"
            R"("empty":{"S":""},"flag":{"BOOL":false},"history":{"L":[{"N":"1"},{"NULL":true},)"
            R"({"BOOL":true},{"L":[]},{"M":{}}]},"keys":{"BS":["AQ==","Ag=="]},"nothing":{"B":""},)"
            R"("pk":{"S":"user#1"},"scores":{"NS":["-1","2.5","3"]},"sk":{"N":"-12.5"},)"
            R"("tags":{"SS":["a","b","c"]}})");
}

TEST(AttributeJsonTest, RoundTripsThroughStorageAndJson) {
  const Item item = MustDecodeItem(kSampleItem);
  auto stored = model::DecodeItem(model::EncodeItem(item));
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(*stored, item);
  const std::string json = ItemToJson(*stored);
  const Item again = MustDecodeItem(json);
  EXPECT_EQ(again, item);
  EXPECT_EQ(ItemToJson(again), json);
}

TEST(AttributeJsonTest, NormalizesNumbers) {
  const Item item =
      MustDecodeItem(R"({"a":{"N":"1.50"},"b":{"N":"1e3"},"c":{"N":"-0.0"},"d":{"N":"0.00001"},)"
                     R"("e":{"NS":["10","2.0","1E-1"]}})");
  EXPECT_EQ(ItemToJson(item),
            R"({"a":{"N":"1.5"},"b":{"N":"1000"},"c":{"N":"0"},"d":{"N":"0.00001"},)"
            R"("e":{"NS":["0.1","2","10"]}})")
      << "sets come out in numeric order";
}

TEST(AttributeJsonTest, NumberSetsWithEqualNumbersAreDuplicates) {
  EXPECT_EQ(ValueError(R"({"NS":["10","1E1"]})"),
            Validation("Input collection contains duplicates"));
  EXPECT_EQ(ValueError(R"({"NS":["1","1.0"]})"),
            Validation("Input collection contains duplicates"));
}

TEST(AttributeJsonTest, SetsIgnoreTheOrderTheyWereSentIn) {
  const Item a = MustDecodeItem(R"({"s":{"SS":["b","a","c"]},"n":{"NS":["3","1","2"]},)"
                                R"("b":{"BS":["Aw==","AQ==","Ag=="]}})");
  const Item b = MustDecodeItem(R"({"b":{"BS":["AQ==","Ag==","Aw=="]},"n":{"NS":["1","2","3"]},)"
                                R"("s":{"SS":["a","c","b"]}})");
  EXPECT_EQ(a, b);
  EXPECT_EQ(ItemToJson(a), ItemToJson(b));
}

TEST(AttributeJsonTest, BinaryRoundTripsEveryByteAndLength) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t length : {0u, 1u, 2u, 3u, 4u, 5u, 255u, 256u}) {
    Item item{{"b", AttributeValue::Binary(all.substr(0, length))},
              {"bs", AttributeValue::BinarySet({all.substr(0, length), "x"})}};
    const std::string json = ItemToJson(item);
    EXPECT_EQ(MustDecodeItem(json), item) << json;
  }
}

TEST(AttributeJsonTest, StringsKeepEscapesAndNulBytes) {
  const Item item = MustDecodeItem(R"({"a":{"S":"q\"\\\n\u0000\u00e9"},"b":{"SS":["\u0000",""]}})");
  EXPECT_EQ(item.at("a").bytes(), std::string("q\"\\\n\0\xc3\xa9", 7));
  EXPECT_EQ(MustDecodeItem(ItemToJson(item)), item);
}

TEST(AttributeJsonTest, ValueWithoutATypeIsEmpty) {
  const std::string empty = Validation(
      "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  EXPECT_EQ(ValueError("{}"), empty);
  EXPECT_EQ(ValueError(R"({"X":"1"})"), empty) << "unknown members are ignored";
  EXPECT_EQ(ValueError(R"({"s":"1"})"), empty) << "type names are case-sensitive";
  EXPECT_EQ(ValueError(R"({"S":null})"), empty) << "a null member is absent";
  EXPECT_EQ(ValueError("null"), empty);
  EXPECT_EQ(ValueError(R"({"M":{"a":{}}})"), empty);
  EXPECT_EQ(ValueError(R"({"L":[{}]})"), empty);
  EXPECT_EQ(ValueError(R"({"L":[{"a":{}}]})"), empty);
  EXPECT_EQ(ValueError(R"({"L":[null]})"), empty);
  // An unknown member next to a type is ignored too.
  EXPECT_EQ(MustDecodeItem(R"({"a":{"S":"x","X":5,"N":null}})").at("a"),
            AttributeValue::String("x"));
}

TEST(AttributeJsonTest, ValueWithTwoTypes) {
  const std::string two = Validation(
      "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
      "supported datatypes");
  EXPECT_EQ(ValueError(R"({"S":"a","N":"1"})"), two);
  EXPECT_EQ(ValueError(R"({"NULL":true,"BOOL":true})"), two);
  EXPECT_EQ(ValueError(R"({"S":"a","S":"b"})"), two);
  // Each type is validated before the count: AWS answers the number error here.
  EXPECT_EQ(ValueError(R"({"S":"a","N":"b"})"),
            Validation("The parameter cannot be converted to a numeric value: b"));
  EXPECT_EQ(ValueError(R"({"S":"","N":""})"),
            Validation("The parameter cannot be converted to a numeric value"));
}

TEST(AttributeJsonTest, NullMustBeTrue) {
  EXPECT_EQ(ValueError(R"({"NULL":false})"),
            Validation("One or more parameter values were invalid: Null attribute value types "
                       "must have the value of true"));
}

TEST(AttributeJsonTest, EmptySets) {
  EXPECT_EQ(
      ValueError(R"({"SS":[]})"),
      Validation("One or more parameter values were invalid: An string set  may not be empty"));
  EXPECT_EQ(
      ValueError(R"({"NS":[]})"),
      Validation("One or more parameter values were invalid: An number set  may not be empty"));
  EXPECT_EQ(
      ValueError(R"({"BS":[]})"),
      Validation("One or more parameter values were invalid: Binary sets should not be empty"));
  // Empty members are fine since 2020; the empty string is a member like any other.
  EXPECT_EQ(MustDecodeItem(R"({"a":{"SS":[""]},"b":{"BS":[""]}})").size(), 2u);
}

TEST(AttributeJsonTest, DuplicatesInSets) {
  EXPECT_EQ(ValueError(R"({"SS":["a","a"]})"),
            Validation("One or more parameter values were invalid: Input collection [a, a] "
                       "contains duplicates."));
  EXPECT_EQ(ValueError(R"({"SS":["a","b","a"]})"),
            Validation("One or more parameter values were invalid: Input collection [a, b, a] "
                       "contains duplicates."));
  EXPECT_EQ(ValueError(R"({"SS":["",""]})"),
            Validation("One or more parameter values were invalid: Input collection [, ] "
                       "contains duplicates."));
  EXPECT_EQ(ValueError(R"({"NS":["1","1"]})"), Validation("Input collection contains duplicates"));
  EXPECT_EQ(ValueError(R"({"BS":["Yg==","Yg=="]})"),
            Validation("One or more parameter values were invalid: Input collection "
                       "[Yg==, Yg==]of type BS contains duplicates."));
}

TEST(AttributeJsonTest, NullSetMembers) {
  EXPECT_EQ(ValueError(R"({"SS":["a",null]})"),
            Validation("One or more parameter values were invalid: An string set may not have a "
                       "null string as a member"));
  EXPECT_EQ(ValueError(R"({"NS":["1",null]})"),
            Validation("The parameter cannot be converted to a numeric value"));
  EXPECT_EQ(ValueError(R"({"BS":[null]})"),
            Validation("One or more parameter values were invalid: Binary sets may not contain "
                       "null or empty values"));
}

TEST(AttributeJsonTest, NumbersAnswerNumberParsesMessages) {
  EXPECT_EQ(ValueError(R"({"N":"abc"})"),
            Validation("The parameter cannot be converted to a numeric value: abc"));
  EXPECT_EQ(ValueError(R"({"N":""})"),
            Validation("The parameter cannot be converted to a numeric value"));
  EXPECT_EQ(ValueError(R"({"NS":["1","b"]})"),
            Validation("The parameter cannot be converted to a numeric value: b"));
  EXPECT_EQ(ValueError(R"({"N":"1e126"})"),
            Validation("Number overflow. Attempting to store a number with magnitude larger than "
                       "supported range"));
  EXPECT_EQ(ValueError(R"({"N":"-1e-131"})"),
            Validation("Number underflow. Attempting to store a number with magnitude smaller "
                       "than supported range"));
  EXPECT_EQ(ValueError(R"({"N":"123456789012345678901234567890123456789"})"),
            Validation("Attempting to store more than 38 significant digits in a Number"));
  // Nested values answer the same way.
  EXPECT_EQ(ValueError(R"({"M":{"x":{"L":[{"N":"1x"}]}}})"),
            Validation("The parameter cannot be converted to a numeric value: 1x"));
}

TEST(AttributeJsonTest, InvalidBase64IsASerializationError) {
  EXPECT_EQ(ValueError(R"({"B":"23456"})"),
            Serialization("Base64 encoded length is expected a multiple of 4 bytes but found: 5"));
  EXPECT_EQ(ValueError(R"({"B":"=+/="})"),
            Serialization("Invalid last non-pad Base64 character dectected"));
  EXPECT_EQ(ValueError(R"({"B":"+/+="})"),
            Serialization("Invalid last non-pad Base64 character dectected"));
  EXPECT_EQ(ValueError(R"({"B":"ab!d"})"),
            Serialization("Invalid last non-pad Base64 character dectected"));
  EXPECT_EQ(ValueError(R"({"BS":["AQ==","abc"]})"),
            Serialization("Base64 encoded length is expected a multiple of 4 bytes but found: 3"));
}

TEST(AttributeJsonTest, WrongJsonTypesAreSerializationErrors) {
  const std::string structure = Serialization("Start of structure or map found where not expected");
  // Strings (S, N, set members).
  EXPECT_EQ(ValueError(R"({"S":5})"), Serialization("NUMBER_VALUE cannot be converted to String"));
  EXPECT_EQ(ValueError(R"({"N":5})"), Serialization("NUMBER_VALUE cannot be converted to String"));
  EXPECT_EQ(ValueError(R"({"S":1.5})"),
            Serialization("DECIMAL_VALUE cannot be converted to String"));
  EXPECT_EQ(ValueError(R"({"S":true})"), Serialization("TRUE_VALUE cannot be converted to String"));
  EXPECT_EQ(ValueError(R"({"S":false})"),
            Serialization("FALSE_VALUE cannot be converted to String"));
  EXPECT_EQ(ValueError(R"({"S":[]})"),
            Serialization("Unrecognized collection type class java.lang.String"));
  EXPECT_EQ(ValueError(R"({"S":{"S":"x"}})"), structure);
  EXPECT_EQ(ValueError(R"({"SS":["a",1]})"),
            Serialization("NUMBER_VALUE cannot be converted to String"));
  // Blobs.
  EXPECT_EQ(ValueError(R"({"B":true})"),
            Serialization("only base-64-encoded strings are convertible to bytes"));
  EXPECT_EQ(ValueError(R"({"B":23})"),
            Serialization("only base-64-encoded strings are convertible to bytes"));
  EXPECT_EQ(ValueError(R"({"B":[]})"),
            Serialization("Unrecognized collection type class java.nio.ByteBuffer"));
  EXPECT_EQ(ValueError(R"({"B":{}})"), structure);
  // Booleans (BOOL, NULL).
  EXPECT_EQ(ValueError(R"({"BOOL":"true"})"),
            Serialization("Unexpected token received from parser"));
  EXPECT_EQ(ValueError(R"({"NULL":1})"),
            Serialization("NUMBER_VALUE cannot be converted to Boolean"));
  EXPECT_EQ(ValueError(R"({"BOOL":0.5})"),
            Serialization("DECIMAL_VALUE cannot be converted to Boolean"));
  EXPECT_EQ(ValueError(R"({"NULL":[]})"),
            Serialization("Unrecognized collection type class java.lang.Boolean"));
  EXPECT_EQ(ValueError(R"({"BOOL":{}})"), structure);
  // Lists (SS, NS, BS, L).
  EXPECT_EQ(ValueError(R"({"L":{}})"), structure);
  EXPECT_EQ(ValueError(R"({"SS":"a"})"), Serialization("Unexpected field type"));
  EXPECT_EQ(ValueError(R"({"NS":1})"), Serialization("Unexpected field type"));
  EXPECT_EQ(ValueError(R"({"BS":true})"), Serialization("Unexpected field type"));
  // Maps.
  EXPECT_EQ(ValueError(R"({"M":[]})"),
            Serialization("Unrecognized collection type java.util.Map<java.lang.String, "
                          "com.amazonaws.dynamodb.v20120810.AttributeValue>"));
  EXPECT_EQ(ValueError(R"({"M":"x"})"), Serialization("Unexpected field type"));
  // The value itself.
  EXPECT_EQ(ValueError("5"), Serialization("Unexpected value type in payload"));
  EXPECT_EQ(ValueError(R"("S")"), Serialization("Unexpected value type in payload"));
  EXPECT_EQ(ValueError("[]"), Serialization("Unrecognized collection type class "
                                            "com.amazonaws.dynamodb.v20120810.AttributeValue"));
  EXPECT_EQ(ValueError(R"({"L":[5]})"), Serialization("Unexpected value type in payload"));
  // The map of values itself.
  EXPECT_EQ(MapError("[]"),
            Serialization("Unrecognized collection type java.util.Map<java.lang.String, "
                          "com.amazonaws.dynamodb.v20120810.AttributeValue>"));
  EXPECT_EQ(MapError("7"), Serialization("Unexpected field type"));
}

TEST(AttributeJsonTest, SerializationErrorsWinOverEarlierValidationErrors) {
  // AWS deserializes the whole request before validating it.
  EXPECT_EQ(MapError(R"({"a":{"NULL":false},"b":{"SS":[]},"c":{"S":5}})"),
            Serialization("NUMBER_VALUE cannot be converted to String"));
  EXPECT_EQ(MapError(R"({":v":{"SS":[]},":w":{"B":"x"}})", ValueContext::kExpressionValues),
            Serialization("Base64 encoded length is expected a multiple of 4 bytes but found: 1"));
  // Among validation errors the first in the document wins.
  EXPECT_EQ(MapError(R"({"a":{"NULL":false},"b":{"SS":[]}})"),
            Validation("One or more parameter values were invalid: Null attribute value types "
                       "must have the value of true"));
}

TEST(AttributeJsonTest, NestingLimit) {
  const std::string nesting = Validation(
      "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels "
      "beyond supported limit");
  // 31 maps around a leaf are stored, 32 are refused (measured against DynamoDB).
  const Item deepest = MustDecodeItem("{\"a\":" + NestedMaps(kMaxValueDepth) + "}");
  EXPECT_EQ(deepest.at("a").Depth(), kMaxValueDepth);
  EXPECT_EQ(ValueError(NestedMaps(kMaxValueDepth + 1)), nesting);
  EXPECT_EQ(ValueError(NestedLists(kMaxValueDepth)), "OK");
  EXPECT_EQ(ValueError(NestedLists(kMaxValueDepth + 1)), nesting);
  // The deepest accepted value survives storage and re-encoding.
  EXPECT_EQ(MustDecodeItem(ItemToJson(deepest)), deepest);
  auto stored = model::DecodeItem(model::EncodeItem(deepest));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(*stored, deepest);
  // The same limit for expression values, named by key.
  EXPECT_EQ(ExpressionValueError(NestedMaps(kMaxValueDepth)), "OK");
  EXPECT_EQ(ExpressionValueError(NestedMaps(kMaxValueDepth + 1)),
            Validation("ExpressionAttributeValues contains invalid value: Nesting Levels have "
                       "exceeded supported limits: Attributes in the item have nested levels "
                       "beyond supported limit for key :v"));
  // Nesting is reported ahead of an earlier validation problem.
  EXPECT_EQ(MapError("{\"a\":{\"NULL\":false},\"b\":" + NestedMaps(40) + "}"), nesting);
}

TEST(AttributeJsonTest, HostileNestingNeitherRecursesNorCrashes) {
  // 200,000 levels: the decoder stops at the limit instead of following the document down.
  const int depth = 200000;
  std::string lists;
  for (int i = 0; i < depth; ++i) lists += R"({"L":[)";
  for (int i = 0; i < depth; ++i) lists += "]}";
  EXPECT_EQ(ValueError(lists),
            Validation("Nesting Levels have exceeded supported limits: Attributes in the item "
                       "have nested levels beyond supported limit"));
  std::string maps;
  for (int i = 0; i < depth; ++i) maps += R"({"M":{"":)";
  maps += "{}";
  for (int i = 0; i < depth; ++i) maps += "}}";
  EXPECT_NE(ValueError(maps), "OK");
}

TEST(AttributeJsonTest, ItemAttributeNamesMustNotBeEmpty) {
  EXPECT_EQ(MapError(R"({"":{"S":"x"}})"), Validation("Empty attribute name"));
  EXPECT_EQ(MapError(R"({"a":{"M":{"":{"S":"x"}}}})"), "OK") << "only top-level names";
  EXPECT_EQ(MapError(R"({"":{"S":"x"}})", ValueContext::kKey), "OK")
      << "a key is matched against the schema instead";
}

TEST(AttributeJsonTest, RepeatedNamesKeepTheLastValue) {
  const Item item =
      MustDecodeItem(R"({"a":{"S":"1"},"a":{"S":"2"},"m":{"M":{"x":{"N":"1"},"x":{"N":"2"}}}})");
  EXPECT_EQ(item.at("a"), AttributeValue::String("2"));
  EXPECT_EQ(item.at("m").map().at("x"), AttributeValue::Num(N("2")));
}

TEST(AttributeJsonTest, ExpressionAttributeValuesNameTheKey) {
  ExpressionValues values;
  auto doc = Json(R"({":a":{"S":"x"},":b_1":{"N":"2"}})");
  ASSERT_FALSE(DecodeExpressionAttributeValues(doc, &values).has_value());
  EXPECT_EQ(values.at(":b_1"), AttributeValue::Num(N("2")));

  const std::string prefix = "ExpressionAttributeValues contains invalid value: ";
  EXPECT_EQ(ExpressionValueError("{}"),
            Validation(prefix + "Supplied AttributeValue is empty, must contain exactly one of the "
                                "supported datatypes for key :v"));
  EXPECT_EQ(
      ExpressionValueError(R"({"S":"a","N":"1"})"),
      Validation(prefix + "Supplied AttributeValue has more than one datatypes set, must contain "
                          "exactly one of the supported datatypes for key :v"));
  EXPECT_EQ(
      ExpressionValueError(R"({"N":"b"})"),
      Validation(prefix + "The parameter cannot be converted to a numeric value: b for key :v"));
  EXPECT_EQ(ExpressionValueError(R"({"NS":["1","1"]})"),
            Validation(prefix + "Input collection contains duplicates for key :v"));
  EXPECT_EQ(
      ExpressionValueError(R"({"SS":["a","b","a"]})"),
      Validation(prefix + "One or more parameter values were invalid: Input collection [a, b, a] "
                          "contains duplicates. for key :v"));
  EXPECT_EQ(
      ExpressionValueError(R"({"NULL":false})"),
      Validation(prefix + "One or more parameter values were invalid: Null attribute value types "
                          "must have the value of true for key :v"));
  // AWS leaves the key off the empty-set messages (moto's AWS-verified test).
  EXPECT_EQ(ExpressionValueError(R"({"SS":[]})"),
            Validation(prefix + "One or more parameter values were invalid: An string set  may "
                                "not be empty"));
  // Only the first problem is reported, named by its own key.
  EXPECT_EQ(
      MapError(R"({":a":{"S":"x"},":b":{"N":"x"},":c":{}})", ValueContext::kExpressionValues),
      Validation(prefix + "The parameter cannot be converted to a numeric value: x for key :b"));
  // Serialization errors are not wrapped.
  EXPECT_EQ(ExpressionValueError(R"({"S":5})"),
            Serialization("NUMBER_VALUE cannot be converted to String"));
}

TEST(AttributeJsonTest, ExpressionAttributeValuesMapChecks) {
  EXPECT_EQ(MapError("{}", ValueContext::kExpressionValues),
            Validation("ExpressionAttributeValues must not be empty"));
  EXPECT_EQ(MapError(R"({":a":{"S":"x"},"b":{"S":"a"}})", ValueContext::kExpressionValues),
            Validation("ExpressionAttributeValues contains invalid key: Syntax error; key: \"b\""));
  EXPECT_EQ(MapError(R"({":":{"S":"x"}})", ValueContext::kExpressionValues),
            Validation("ExpressionAttributeValues contains invalid key: Syntax error; key: \":\""));
  EXPECT_EQ(MapError(R"({":a-b":{"S":"x"}})", ValueContext::kExpressionValues),
            Validation("ExpressionAttributeValues contains invalid key: Syntax error; key: "
                       "\":a-b\""));
  // A bad key is reported before a bad value.
  EXPECT_EQ(MapError(R"({":b":{},"b":{"S":"a"}})", ValueContext::kExpressionValues),
            Validation("ExpressionAttributeValues contains invalid key: Syntax error; key: \"b\""));
}

TEST(AttributeJsonTest, ExpressionAttributeNames) {
  ExpressionNames names;
  auto doc = Json(R"({"#a":"attr","#B_2":"a.b"})");
  ASSERT_FALSE(DecodeExpressionAttributeNames(doc, &names).has_value());
  EXPECT_EQ(names, (ExpressionNames{{"#B_2", "a.b"}, {"#a", "attr"}}));

  EXPECT_EQ(NamesError("{}"), Validation("ExpressionAttributeNames must not be empty"));
  EXPECT_EQ(NamesError(R"({"a":"x"})"),
            Validation("ExpressionAttributeNames contains invalid key: Syntax error; key: \"a\""));
  EXPECT_EQ(NamesError(R"({"#a":""})"),
            Validation("ExpressionAttributeNames contains invalid value: Empty attribute name for "
                       "key #a"));
  EXPECT_EQ(NamesError(R"({"#a":null})"),
            Validation("ExpressionAttributeNames contains invalid value: Empty attribute name for "
                       "key #a"));
  EXPECT_EQ(NamesError(R"({"#a":5})"), Serialization("NUMBER_VALUE cannot be converted to String"));
  EXPECT_EQ(NamesError(R"({"#a":{}})"),
            Serialization("Start of structure or map found where not expected"));
  EXPECT_EQ(NamesError("[]"), Serialization("Unrecognized collection type "
                                            "java.util.Map<java.lang.String, java.lang.String>"));
  EXPECT_EQ(NamesError("true"), Serialization("Unexpected field type"));
}

TEST(AttributeJsonTest, DecodeAttributeValueUsesItemMessages) {
  AttributeValue value;
  auto ok = Json(R"({"NS":["2","1"]})");
  ASSERT_FALSE(DecodeAttributeValue(ok, &value).has_value());
  EXPECT_EQ(value, AttributeValue::NumberSet({N("1"), N("2")}));
  auto bad = Json(R"({"NULL":false})");
  auto error = DecodeAttributeValue(bad, &value);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "ValidationException");
}

// ---- item-level checks ----

const KeySchema kHashOnly{{"pk", ValueType::kString}, std::nullopt};
const KeySchema kComposite{{"pk", ValueType::kString}, KeyAttribute{"sk", ValueType::kNumber}};
const KeySchema kBinary{{"pk", ValueType::kBinary}, KeyAttribute{"sk", ValueType::kBinary}};

std::string Message(const std::optional<ApiError>& error) {
  return error ? error->type + ": " + error->message : "OK";
}

TEST(AttributeJsonTest, ItemSizeLimit) {
  // "pk" (2 bytes) + 409,598 bytes of string: exactly 400 KB.
  Item item{{"pk", AttributeValue::String(std::string(kMaxItemBytes - 2, 'x'))}};
  EXPECT_EQ(Message(CheckItemSize(item)), "OK");
  item["pk"] = AttributeValue::String(std::string(kMaxItemBytes - 1, 'x'));
  EXPECT_EQ(Message(CheckItemSize(item)),
            Validation("Item size has exceeded the maximum allowed size"));
}

TEST(AttributeJsonTest, ItemKeyChecks) {
  const Item good = MustDecodeItem(R"({"pk":{"S":"a"},"sk":{"N":"1"},"x":{"BOOL":true}})");
  EXPECT_EQ(Message(CheckItemKey(good, kComposite)), "OK");
  EXPECT_EQ(table::KeyAttributes(kComposite, good),
            MustDecodeItem(R"({"pk":{"S":"a"},"sk":{"N":"1"}})"));
  EXPECT_EQ(
      Message(CheckItemKey(MustDecodeItem(R"({"sk":{"N":"1"}})"), kComposite)),
      Validation("One or more parameter values were invalid: Missing the key pk in the item"));
  EXPECT_EQ(
      Message(CheckItemKey(MustDecodeItem(R"({"pk":{"S":"a"}})"), kComposite)),
      Validation("One or more parameter values were invalid: Missing the key sk in the item"));
  EXPECT_EQ(Message(CheckItemKey(MustDecodeItem(R"({"pk":{"N":"1"}})"), kHashOnly)),
            Validation("One or more parameter values were invalid: Type mismatch for key pk "
                       "expected: S actual: N"));
  EXPECT_EQ(
      Message(CheckItemKey(MustDecodeItem(R"({"pk":{"S":"a"},"sk":{"SS":["1"]}})"), kComposite)),
      Validation("One or more parameter values were invalid: Type mismatch for key sk "
                 "expected: N actual: SS"));
  EXPECT_EQ(Message(CheckItemKey(MustDecodeItem(R"({"pk":{"S":""}})"), kHashOnly)),
            Validation("One or more parameter values are not valid. The AttributeValue for a key "
                       "attribute cannot contain an empty string value. Key: pk"));
  EXPECT_EQ(Message(CheckItemKey(MustDecodeItem(R"({"pk":{"B":"AA=="},"sk":{"B":""}})"), kBinary)),
            Validation("One or more parameter values are not valid. The AttributeValue for a key "
                       "attribute cannot contain an empty binary value. Key: sk"));
}

TEST(AttributeJsonTest, KeySizeLimits) {
  Item item{{"pk", AttributeValue::String(std::string(kMaxPartitionKeyBytes, 'p'))},
            {"sk", AttributeValue::Num(N("1"))}};
  EXPECT_EQ(Message(CheckItemKey(item, kComposite)), "OK");
  item["pk"] = AttributeValue::String(std::string(kMaxPartitionKeyBytes + 1, 'p'));
  EXPECT_EQ(Message(CheckItemKey(item, kComposite)),
            Validation("One or more parameter values were invalid: Size of hashkey has exceeded "
                       "the maximum size limit of2048 bytes"));
  EXPECT_EQ(Message(CheckKey(item, kComposite)), Message(CheckItemKey(item, kComposite)));

  Item binary{{"pk", AttributeValue::Binary("p")},
              {"sk", AttributeValue::Binary(std::string(kMaxSortKeyBytes, 's'))}};
  EXPECT_EQ(Message(CheckItemKey(binary, kBinary)), "OK");
  binary["sk"] = AttributeValue::Binary(std::string(kMaxSortKeyBytes + 1, 's'));
  EXPECT_EQ(Message(CheckItemKey(binary, kBinary)),
            Validation("One or more parameter values were invalid: Aggregated size of all range "
                       "keys has exceeded the size limit of 1024 bytes"));
  // UTF-8 bytes count, not characters: 683 three-byte characters are 2049 bytes.
  std::string euros;
  for (int i = 0; i < 683; ++i) euros += "\xe2\x82\xac";
  EXPECT_NE(Message(CheckItemKey(Item{{"pk", AttributeValue::String(euros)}}, kHashOnly)), "OK");
}

TEST(AttributeJsonTest, KeyParameterChecks) {
  const std::string mismatch = Validation("The provided key element does not match the schema");
  EXPECT_EQ(Message(CheckKey(MustDecodeItem(R"({"pk":{"S":"a"},"sk":{"N":"1"}})"), kComposite)),
            "OK");
  EXPECT_EQ(Message(CheckKey(MustDecodeItem(R"({"pk":{"S":"a"}})"), kComposite)), mismatch);
  EXPECT_EQ(Message(CheckKey(MustDecodeItem(R"({"pk":{"S":"a"},"x":{"N":"1"}})"), kComposite)),
            mismatch);
  EXPECT_EQ(Message(CheckKey(MustDecodeItem(R"({"pk":{"S":"a"},"sk":{"S":"1"}})"), kComposite)),
            mismatch);
  EXPECT_EQ(Message(CheckKey(MustDecodeItem(R"({"pk":{"S":"a"},"sk":{"N":"1"}})"), kHashOnly)),
            mismatch);
  EXPECT_EQ(Message(CheckKey(Item{}, kHashOnly)), mismatch);
  for (const char* value : {R"({"B":"AA=="})", R"({"N":"1"})", R"({"BOOL":true})",
                            R"({"NULL":true})", R"({"SS":["a"]})", R"({"M":{}})", R"({"L":[]})"}) {
    EXPECT_EQ(Message(CheckKey(MustDecodeItem(std::string(R"({"pk":)") + value + "}"), kHashOnly)),
              mismatch)
        << value;
  }
  EXPECT_EQ(Message(CheckKey(MustDecodeItem(R"({"pk":{"S":""}})"), kHashOnly)),
            Validation("One or more parameter values are not valid. The AttributeValue for a key "
                       "attribute cannot contain an empty string value. Key: pk"));
}

}  // namespace
}  // namespace eddy::api::dynamodb
