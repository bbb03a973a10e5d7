#include "eddy/client/attribute_json.h"

#include <simdjson.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "eddy/base/base64.h"

namespace eddy::client {

using model::AttributeList;
using model::AttributeMap;
using model::AttributeValue;
using model::Number;
using model::ValueType;
using simdjson::dom::element;

void WriteAttributeValue(JsonBody& body, const AttributeValue& value) {
  body.Open().Key(model::TypeName(value.type()));
  switch (value.type()) {
    case ValueType::kString:
      body.String(value.bytes());
      break;
    case ValueType::kNumber:
      body.String(value.number().ToString());
      break;
    case ValueType::kBinary:
      body.Base64(value.bytes());
      break;
    case ValueType::kStringSet:
      body.OpenArray();
      for (const auto& s : value.byte_members()) body.String(s);
      body.CloseArray();
      break;
    case ValueType::kNumberSet:
      body.OpenArray();
      for (const auto& n : value.number_members()) body.String(n.ToString());
      body.CloseArray();
      break;
    case ValueType::kBinarySet:
      body.OpenArray();
      for (const auto& b : value.byte_members()) body.Base64(b);
      body.CloseArray();
      break;
    case ValueType::kMap:
      WriteAttributeMap(body, value.map());
      break;
    case ValueType::kList:
      body.OpenArray();
      for (const auto& v : value.list()) WriteAttributeValue(body, v);
      body.CloseArray();
      break;
    case ValueType::kNull:
      body.Bool(true);  // {"NULL": true}: the only NULL there is
      break;
    case ValueType::kBool:
      body.Bool(value.boolean());
      break;
  }
  body.Close();
}

void WriteAttributeMap(JsonBody& body, const AttributeMap& map) {
  body.Open();
  for (const auto& [name, value] : map) {
    body.Key(name);
    WriteAttributeValue(body, value);
  }
  body.Close();
}

namespace {

Status Malformed(std::string_view type, std::string_view why) {
  return Status::InvalidArgument("attribute value " + std::string(type) + ": " +
                                 std::string(why));
}

Result<std::string> DecodeBinary(std::string_view type, const element& json) {
  std::string_view text;
  if (json.get(text) != simdjson::SUCCESS) return Malformed(type, "not a string");
  auto bytes = base64::Decode(text);
  if (!bytes) return Malformed(type, "not base64");
  return std::move(*bytes);
}

Result<Number> ParseNumber(std::string_view type, const element& json) {
  std::string_view text;
  if (json.get(text) != simdjson::SUCCESS) return Malformed(type, "not a string");
  auto number = Number::Parse(text);
  if (!number.ok()) return Malformed(type, number.status().message());
  return std::move(number).value();
}

// The members of an SS, NS or BS: a non-empty array (DynamoDB has no empty sets) of `read`
// results, free of duplicates (AttributeValue's sets require it).
template <typename T, typename Read, typename Less>
Result<std::vector<T>> ParseSet(std::string_view type, const element& json, Read read,
                                Less less) {
  simdjson::dom::array array;
  if (json.get(array) != simdjson::SUCCESS) return Malformed(type, "not an array");
  std::vector<T> members;
  members.reserve(array.size());
  for (element item : array) {
    auto member = read(type, item);
    if (!member.ok()) return member.status();
    members.push_back(std::move(member).value());
  }
  if (members.empty()) return Malformed(type, "an empty set");
  std::vector<T> sorted = members;
  std::sort(sorted.begin(), sorted.end(), less);
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (!less(sorted[i - 1], sorted[i])) return Malformed(type, "duplicate members");
  }
  return members;
}

Result<AttributeValue> ParseTyped(std::string_view type, const element& json) {
  if (type == "S") {
    std::string_view s;
    if (json.get(s) != simdjson::SUCCESS) return Malformed(type, "not a string");
    return AttributeValue::String(std::string(s));
  }
  if (type == "N") {
    EDDY_ASSIGN_OR_RETURN(Number n, ParseNumber(type, json));
    return AttributeValue::Num(std::move(n));
  }
  if (type == "B") {
    EDDY_ASSIGN_OR_RETURN(std::string bytes, DecodeBinary(type, json));
    return AttributeValue::Binary(std::move(bytes));
  }
  if (type == "SS") {
    auto read = [](std::string_view t, const element& item) -> Result<std::string> {
      std::string_view s;
      if (item.get(s) != simdjson::SUCCESS) return Malformed(t, "a member is not a string");
      return std::string(s);
    };
    EDDY_ASSIGN_OR_RETURN(auto members,
                          ParseSet<std::string>(type, json, read, std::less<std::string>()));
    return AttributeValue::StringSet(std::move(members));
  }
  if (type == "NS") {
    auto less = [](const Number& a, const Number& b) { return Number::Compare(a, b) < 0; };
    EDDY_ASSIGN_OR_RETURN(auto members, ParseSet<Number>(type, json, ParseNumber, less));
    return AttributeValue::NumberSet(std::move(members));
  }
  if (type == "BS") {
    EDDY_ASSIGN_OR_RETURN(
        auto members, ParseSet<std::string>(type, json, DecodeBinary, std::less<std::string>()));
    return AttributeValue::BinarySet(std::move(members));
  }
  if (type == "M") {
    auto map = ParseAttributeMap(json);
    if (!map.ok()) return map.status().WithContext("M");
    return AttributeValue::Map(std::move(map).value());
  }
  if (type == "L") {
    simdjson::dom::array array;
    if (json.get(array) != simdjson::SUCCESS) return Malformed(type, "not an array");
    AttributeList elements;
    elements.reserve(array.size());
    for (element item : array) {
      auto value = ParseAttributeValue(item);
      if (!value.ok()) {
        return value.status().WithContext("L[" + std::to_string(elements.size()) + "]");
      }
      elements.push_back(std::move(value).value());
    }
    return AttributeValue::List(std::move(elements));
  }
  if (type == "NULL") {
    bool b = false;
    if (json.get(b) != simdjson::SUCCESS || !b) return Malformed(type, "not true");
    return AttributeValue::Null();
  }
  if (type == "BOOL") {
    bool b = false;
    if (json.get(b) != simdjson::SUCCESS) return Malformed(type, "not a boolean");
    return AttributeValue::Bool(b);
  }
  return Status::InvalidArgument("attribute value of unknown type \"" + std::string(type) + "\"");
}

}  // namespace

Result<AttributeValue> ParseAttributeValue(const element& json) {
  simdjson::dom::object object;
  if (json.get(object) != simdjson::SUCCESS) {
    return Status::InvalidArgument("attribute value is not a JSON object");
  }
  if (object.size() != 1) {
    return Status::InvalidArgument("attribute value has " + std::to_string(object.size()) +
                                   " members, not one type");
  }
  const auto member = *object.begin();
  return ParseTyped(member.key, member.value);
}

Result<AttributeMap> ParseAttributeMap(const element& json) {
  simdjson::dom::object object;
  if (json.get(object) != simdjson::SUCCESS) {
    return Status::InvalidArgument("attribute map is not a JSON object");
  }
  AttributeMap map;
  for (const auto member : object) {
    auto value = ParseAttributeValue(member.value);
    if (!value.ok()) return value.status().WithContext(member.key);
    // JSON may repeat a name; an attribute map cannot.
    if (!map.emplace(std::string(member.key), std::move(value).value()).second) {
      return Status::InvalidArgument("attribute map names \"" + std::string(member.key) +
                                     "\" twice");
    }
  }
  return map;
}

}  // namespace eddy::client
