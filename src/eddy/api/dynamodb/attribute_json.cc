#include "eddy/api/dynamodb/attribute_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "eddy/base/base64.h"

namespace eddy::api::dynamodb {
namespace {

using model::Number;
using model::ValueType;

// Message texts. Where they come from: captures of DynamoDB's answers published with other
// emulators' test suites (dynalite's, run against AWS; moto's `aws_verified` tests; ScyllaDB's
// alternator tests), and AWS SDK issue reports quoting the service. Quirks (double spaces,
// "An string", "]of type", "of2048", "dectected") are AWS's own.
constexpr std::string_view kInvalid = "One or more parameter values were invalid: ";
constexpr std::string_view kEmptyValue =
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
constexpr std::string_view kManyTypes =
    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
    "supported datatypes";
constexpr std::string_view kNullNotTrue = "Null attribute value types must have the value of true";
constexpr std::string_view kEmptyStringSet = "An string set  may not be empty";
constexpr std::string_view kEmptyNumberSet = "An number set  may not be empty";
constexpr std::string_view kEmptyBinarySet = "Binary sets should not be empty";
constexpr std::string_view kNullInStringSet =
    "An string set may not have a null string as a member";
constexpr std::string_view kNullInBinarySet = "Binary sets may not contain null or empty values";
constexpr std::string_view kNumberSetDuplicates = "Input collection contains duplicates";
constexpr std::string_view kNotNumeric = "The parameter cannot be converted to a numeric value";
constexpr std::string_view kNesting =
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels "
    "beyond supported limit";
constexpr std::string_view kEmptyAttributeName = "Empty attribute name";
constexpr std::string_view kNotMatchingSchema =
    "The provided key element does not match the schema";

// SerializationException texts of AWS's JSON deserializer, by the model type it expected.
constexpr std::string_view kStructureNotExpected =
    "Start of structure or map found where not expected";
constexpr std::string_view kUnexpectedField = "Unexpected field type";
constexpr std::string_view kUnexpectedValue = "Unexpected value type in payload";
constexpr std::string_view kValueStructAsList =
    "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue";
constexpr std::string_view kValueMapAsList =
    "Unrecognized collection type java.util.Map<java.lang.String, "
    "com.amazonaws.dynamodb.v20120810.AttributeValue>";
constexpr std::string_view kNameMapAsList =
    "Unrecognized collection type java.util.Map<java.lang.String, java.lang.String>";

// A problem found after the shape was accepted: reported unless a SerializationException comes
// later in the document. `names_key`: whether ExpressionAttributeValues appends "for key :v"
// (AWS does not for the empty-set messages).
struct Finding {
  std::string message;
  bool names_key = true;
};

// "NUMBER_VALUE" / "DECIMAL_VALUE": the token names AWS's parser reports for JSON numbers.
std::string_view NumberToken(const rapidjson::Value& v) {
  return v.IsInt64() || v.IsUint64() ? "NUMBER_VALUE" : "DECIMAL_VALUE";
}

// Walks one request member of attribute values. Serialization problems (and nesting past the
// limit) stop the walk; other problems are remembered, first one wins, and the walk goes on so
// that a later serialization problem can still take precedence, as in AWS's pipeline.
class ValueDecoder {
 public:
  // False when decoding must stop: `stop()` holds the error.
  bool Value(const rapidjson::Value& json, int depth, AttributeValue* out);

  const std::optional<ApiError>& stop() const { return stop_; }
  bool stopped_by_nesting() const { return stopped_by_nesting_; }
  const std::optional<Finding>& finding() const { return finding_; }
  std::optional<Finding>* mutable_finding() { return &finding_; }
  void Note(std::string message, bool names_key = true) {
    if (!finding_) finding_ = Finding{std::move(message), names_key};
  }
  void NoteInvalid(std::string_view message, bool names_key = true) {
    Note(fmt::format("{}{}", kInvalid, message), names_key);
  }
  // A JSON string where the model has a string (S, N, set members, names).
  bool String(const rapidjson::Value& json, std::string* out);

 private:
  bool Fail(std::string_view message) {
    stop_ = ApiError::Serialization(std::string(message));
    return false;
  }
  // Each reads one member of a value object; false when decoding must stop.
  bool Blob(const rapidjson::Value& json, std::string* out);
  bool Boolean(const rapidjson::Value& json, bool* out);
  bool ListShape(const rapidjson::Value& json);
  bool NumberText(const rapidjson::Value& json, AttributeValue* out);
  bool StringSet(const rapidjson::Value& json, AttributeValue* out);
  bool NumberSet(const rapidjson::Value& json, AttributeValue* out);
  bool BinarySet(const rapidjson::Value& json, AttributeValue* out);
  bool List(const rapidjson::Value& json, int depth, AttributeValue* out);
  bool Map(const rapidjson::Value& json, int depth, AttributeValue* out);
  bool Container(int depth);
  bool Member(std::string_view type, const rapidjson::Value& json, int depth, AttributeValue* out);

  std::optional<ApiError> stop_;
  bool stopped_by_nesting_ = false;
  std::optional<Finding> finding_;
};

bool ValueDecoder::String(const rapidjson::Value& json, std::string* out) {
  if (json.IsString()) {
    out->assign(json.GetString(), json.GetStringLength());
    return true;
  }
  if (json.IsBool()) {
    return Fail(json.GetBool() ? "TRUE_VALUE cannot be converted to String"
                               : "FALSE_VALUE cannot be converted to String");
  }
  if (json.IsNumber())
    return Fail(fmt::format("{} cannot be converted to String", NumberToken(json)));
  if (json.IsArray()) return Fail("Unrecognized collection type class java.lang.String");
  return Fail(kStructureNotExpected);  // an object (null is handled by the callers)
}

bool ValueDecoder::Blob(const rapidjson::Value& json, std::string* out) {
  if (json.IsArray()) return Fail("Unrecognized collection type class java.nio.ByteBuffer");
  if (json.IsObject()) return Fail(kStructureNotExpected);
  if (!json.IsString()) return Fail("only base-64-encoded strings are convertible to bytes");
  const std::string_view text(json.GetString(), json.GetStringLength());
  // AWS checks the length first, and names it.
  if (text.size() % 4 != 0) {
    return Fail(fmt::format("Base64 encoded length is expected a multiple of 4 bytes but found: {}",
                            text.size()));
  }
  auto bytes = base64::Decode(text);
  // Misplaced padding and non-zero bits after the last byte both get this text from AWS
  // ("=+/=", "+/+="); it is used for every other malformed input too.
  if (!bytes) return Fail("Invalid last non-pad Base64 character dectected");
  *out = std::move(*bytes);
  return true;
}

bool ValueDecoder::Boolean(const rapidjson::Value& json, bool* out) {
  if (json.IsBool()) {
    *out = json.GetBool();
    return true;
  }
  if (json.IsString()) return Fail("Unexpected token received from parser");
  if (json.IsNumber())
    return Fail(fmt::format("{} cannot be converted to Boolean", NumberToken(json)));
  if (json.IsArray()) return Fail("Unrecognized collection type class java.lang.Boolean");
  return Fail(kStructureNotExpected);
}

bool ValueDecoder::ListShape(const rapidjson::Value& json) {
  if (json.IsArray()) return true;
  if (json.IsObject()) return Fail(kStructureNotExpected);
  return Fail(kUnexpectedField);
}

bool ValueDecoder::NumberText(const rapidjson::Value& json, AttributeValue* out) {
  std::string text;
  if (!String(json, &text)) return false;
  auto number = Number::Parse(text);
  if (!number.ok()) {
    Note(number.status().message());
    return true;
  }
  *out = AttributeValue::Num(*number);
  return true;
}

// "[a, b, a]": how AWS renders a set in its duplicate messages (the members as sent).
std::string RenderCollection(const std::vector<std::string_view>& members) {
  return fmt::format("[{}]", fmt::join(members, ", "));
}

bool ValueDecoder::StringSet(const rapidjson::Value& json, AttributeValue* out) {
  if (!ListShape(json)) return false;
  std::vector<std::string> members;
  members.reserve(json.Size());
  for (const auto& element : json.GetArray()) {
    if (element.IsNull()) {
      NoteInvalid(kNullInStringSet);
      continue;
    }
    if (!String(element, &members.emplace_back())) return false;
  }
  if (json.Empty()) {
    NoteInvalid(kEmptyStringSet, /*names_key=*/false);
  } else if (!finding_) {
    std::vector<std::string_view> sorted(members.begin(), members.end());
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
      const std::vector<std::string_view> as_sent(members.begin(), members.end());
      NoteInvalid(
          fmt::format("Input collection {} contains duplicates.", RenderCollection(as_sent)));
    }
  }
  *out = AttributeValue::StringSet(std::move(members));
  return true;
}

bool ValueDecoder::NumberSet(const rapidjson::Value& json, AttributeValue* out) {
  if (!ListShape(json)) return false;
  std::vector<Number> members;
  members.reserve(json.Size());
  for (const auto& element : json.GetArray()) {
    if (element.IsNull()) {
      Note(std::string(kNotNumeric));
      continue;
    }
    AttributeValue number;
    if (!NumberText(element, &number)) return false;
    if (number.type() == ValueType::kNumber) members.push_back(number.number());
  }
  if (json.Empty()) {
    NoteInvalid(kEmptyNumberSet, /*names_key=*/false);
  } else {
    std::vector<Number> sorted = members;
    std::sort(sorted.begin(), sorted.end());
    // Duplicates by value: "1" and "1.0" are the same number.
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
      Note(std::string(kNumberSetDuplicates));
    }
  }
  *out = AttributeValue::NumberSet(std::move(members));
  return true;
}

bool ValueDecoder::BinarySet(const rapidjson::Value& json, AttributeValue* out) {
  if (!ListShape(json)) return false;
  std::vector<std::string> members;
  members.reserve(json.Size());
  for (const auto& element : json.GetArray()) {
    if (element.IsNull()) {
      NoteInvalid(kNullInBinarySet);
      continue;
    }
    if (!Blob(element, &members.emplace_back())) return false;
  }
  if (json.Empty()) {
    NoteInvalid(kEmptyBinarySet, /*names_key=*/false);
  } else if (!finding_) {
    // Strict base64 is canonical: equal bytes were sent as equal text.
    std::vector<std::string_view> sorted(members.begin(), members.end());
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
      std::vector<std::string_view> as_sent;
      for (const auto& element : json.GetArray()) {
        as_sent.emplace_back(element.GetString(), element.GetStringLength());
      }
      NoteInvalid(fmt::format("Input collection {}of type BS contains duplicates.",
                              RenderCollection(as_sent)));
    }
  }
  *out = AttributeValue::BinarySet(std::move(members));
  return true;
}

// A map or list with `depth` maps and lists around it within its attribute value: it is
// container number depth + 1, which may not pass kMaxValueDepth. Checked before descending, so
// the recursion never goes deeper than the limit whatever the document holds.
bool ValueDecoder::Container(int depth) {
  if (depth + 1 <= kMaxValueDepth) return true;
  stop_ = ApiError::Validation(std::string(kNesting));
  stopped_by_nesting_ = true;
  return false;
}

bool ValueDecoder::List(const rapidjson::Value& json, int depth, AttributeValue* out) {
  if (!ListShape(json)) return false;
  if (!Container(depth)) return false;
  model::AttributeList elements;
  elements.reserve(json.Size());
  for (const auto& element : json.GetArray()) {
    if (!Value(element, depth + 1, &elements.emplace_back())) return false;
  }
  *out = AttributeValue::List(std::move(elements));
  return true;
}

bool ValueDecoder::Map(const rapidjson::Value& json, int depth, AttributeValue* out) {
  if (json.IsArray()) return Fail(kValueMapAsList);
  if (!json.IsObject()) return Fail(kUnexpectedField);
  if (!Container(depth)) return false;
  AttributeMap members;
  for (const auto& member : json.GetObject()) {
    AttributeValue value;
    if (!Value(member.value, depth + 1, &value)) return false;
    // A repeated name: the last one wins, as in a JSON object read into a map.
    members.insert_or_assign(std::string(member.name.GetString(), member.name.GetStringLength()),
                             std::move(value));
  }
  *out = AttributeValue::Map(std::move(members));
  return true;
}

bool ValueDecoder::Member(std::string_view type, const rapidjson::Value& json, int depth,
                          AttributeValue* out) {
  if (type == "S") {
    std::string s;
    if (!String(json, &s)) return false;
    *out = AttributeValue::String(std::move(s));
    return true;
  }
  if (type == "N") return NumberText(json, out);
  if (type == "B") {
    std::string bytes;
    if (!Blob(json, &bytes)) return false;
    *out = AttributeValue::Binary(std::move(bytes));
    return true;
  }
  if (type == "BOOL" || type == "NULL") {
    bool b = false;
    if (!Boolean(json, &b)) return false;
    if (type == "BOOL") {
      *out = AttributeValue::Bool(b);
    } else {
      if (!b) NoteInvalid(kNullNotTrue);
      *out = AttributeValue::Null();
    }
    return true;
  }
  if (type == "SS") return StringSet(json, out);
  if (type == "NS") return NumberSet(json, out);
  if (type == "BS") return BinarySet(json, out);
  if (type == "L") return List(json, depth, out);
  return Map(json, depth, out);  // "M"
}

bool IsTypeName(std::string_view name) {
  static constexpr std::string_view kTypes[] = {"S",  "N", "B", "SS",   "NS",
                                                "BS", "M", "L", "NULL", "BOOL"};
  return std::find(std::begin(kTypes), std::end(kTypes), name) != std::end(kTypes);
}

bool ValueDecoder::Value(const rapidjson::Value& json, int depth, AttributeValue* out) {
  if (json.IsNull()) {  // a null map member or list element: a value with no type
    Note(std::string(kEmptyValue));
    return true;
  }
  if (json.IsArray()) return Fail(kValueStructAsList);
  if (!json.IsObject()) return Fail(kUnexpectedValue);
  // Every type present is read (and validated, in document order) before the count is checked,
  // as AWS does: {"S": "a", "N": "x"} is a number error, not a two-types error.
  int types = 0;
  for (const auto& member : json.GetObject()) {
    const std::string_view name(member.name.GetString(), member.name.GetStringLength());
    if (member.value.IsNull() || !IsTypeName(name)) continue;  // absent, or unknown: ignored
    AttributeValue extra;
    if (!Member(name, member.value, depth, types == 0 ? out : &extra)) return false;
    ++types;
  }
  if (types == 0) Note(std::string(kEmptyValue));
  if (types > 1) Note(std::string(kManyTypes));
  return true;
}

bool MatchesPlaceholder(std::string_view key, char prefix) {
  if (key.size() < 2 || key[0] != prefix) return false;
  return std::all_of(key.begin() + 1, key.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  });
}

constexpr std::string_view kValuesInvalid = "ExpressionAttributeValues contains invalid value: ";

std::string ForKey(std::string_view message, std::string_view key) {
  return fmt::format("{}{} for key {}", kValuesInvalid, message, key);
}

}  // namespace

std::optional<ApiError> DecodeAttributeValue(const rapidjson::Value& json, AttributeValue* out) {
  ValueDecoder decoder;
  if (!decoder.Value(json, 0, out)) return decoder.stop();
  if (decoder.finding()) return ApiError::Validation(decoder.finding()->message);
  return std::nullopt;
}

std::optional<ApiError> DecodeAttributeMap(const rapidjson::Value& json, ValueContext context,
                                           AttributeMap* out) {
  if (json.IsArray()) return ApiError::Serialization(std::string(kValueMapAsList));
  if (!json.IsObject()) return ApiError::Serialization(std::string(kUnexpectedField));
  const bool expression_values = context == ValueContext::kExpressionValues;
  ValueDecoder decoder;
  AttributeMap result;
  for (const auto& member : json.GetObject()) {
    const std::string_view name(member.name.GetString(), member.name.GetStringLength());
    if (context == ValueContext::kItem && name.empty())
      decoder.Note(std::string(kEmptyAttributeName));
    const bool had_finding = decoder.finding().has_value();
    AttributeValue value;
    if (!decoder.Value(member.value, 0, &value)) {
      if (expression_values && decoder.stopped_by_nesting()) {
        return ApiError::Validation(ForKey(kNesting, name));
      }
      return decoder.stop();
    }
    if (expression_values && !had_finding && decoder.finding()) {
      // Name the key the first problem belongs to (AWS leaves it off the empty-set messages).
      Finding& f = **decoder.mutable_finding();
      f.message =
          f.names_key ? ForKey(f.message, name) : fmt::format("{}{}", kValuesInvalid, f.message);
    }
    result.insert_or_assign(std::string(name), std::move(value));
  }
  // The whole member is deserialized: now the checks of the map itself, then the first value
  // problem.
  if (expression_values) {
    if (json.MemberCount() == 0) {
      return ApiError::Validation("ExpressionAttributeValues must not be empty");
    }
    for (const auto& member : json.GetObject()) {
      const std::string_view name(member.name.GetString(), member.name.GetStringLength());
      if (!MatchesPlaceholder(name, ':')) {
        return ApiError::Validation(fmt::format(
            "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{}\"", name));
      }
    }
  }
  if (decoder.finding()) return ApiError::Validation(decoder.finding()->message);
  *out = std::move(result);
  return std::nullopt;
}

std::optional<ApiError> DecodeExpressionAttributeNames(const rapidjson::Value& json,
                                                       ExpressionNames* out) {
  if (json.IsArray()) return ApiError::Serialization(std::string(kNameMapAsList));
  if (!json.IsObject()) return ApiError::Serialization(std::string(kUnexpectedField));
  ValueDecoder shapes;  // for its string shape checks and their messages
  ExpressionNames result;
  for (const auto& member : json.GetObject()) {
    std::string value;  // a null value reads as empty, and is refused below as one
    if (!member.value.IsNull() && !shapes.String(member.value, &value)) return shapes.stop();
    result.insert_or_assign(std::string(member.name.GetString(), member.name.GetStringLength()),
                            std::move(value));
  }
  if (result.empty()) return ApiError::Validation("ExpressionAttributeNames must not be empty");
  // Keys first, then values, each in document order.
  for (const auto& member : json.GetObject()) {
    const std::string_view key(member.name.GetString(), member.name.GetStringLength());
    if (!MatchesPlaceholder(key, '#')) {
      return ApiError::Validation(fmt::format(
          "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{}\"", key));
    }
  }
  for (const auto& member : json.GetObject()) {
    const std::string_view key(member.name.GetString(), member.name.GetStringLength());
    if (result.find(key)->second.empty()) {
      return ApiError::Validation(
          fmt::format("ExpressionAttributeNames contains invalid value: {} for key {}",
                      kEmptyAttributeName, key));
    }
  }
  *out = std::move(result);
  return std::nullopt;
}

void WriteAttributeValue(JsonWriter& w, const AttributeValue& value) {
  w.StartObject().Key(model::TypeName(value.type()));
  switch (value.type()) {
    case ValueType::kString:
      w.String(value.bytes());
      break;
    case ValueType::kNumber:
      w.String(value.number().ToString());
      break;
    case ValueType::kBinary:
      w.Base64String(value.bytes());
      break;
    case ValueType::kStringSet:
      w.StartArray();
      for (const auto& m : value.byte_members()) w.String(m);
      w.EndArray();
      break;
    case ValueType::kNumberSet:
      w.StartArray();
      for (const auto& m : value.number_members()) w.String(m.ToString());
      w.EndArray();
      break;
    case ValueType::kBinarySet:
      w.StartArray();
      for (const auto& m : value.byte_members()) w.Base64String(m);
      w.EndArray();
      break;
    case ValueType::kMap:
      WriteAttributeMap(w, value.map());
      break;
    case ValueType::kList:
      w.StartArray();
      for (const auto& e : value.list()) WriteAttributeValue(w, e);
      w.EndArray();
      break;
    case ValueType::kNull:
      w.Bool(true);
      break;
    case ValueType::kBool:
      w.Bool(value.boolean());
      break;
  }
  w.EndObject();
}

void WriteAttributeMap(JsonWriter& w, const AttributeMap& map) {
  w.StartObject();
  for (const auto& [name, value] : map) {
    w.Key(name);
    WriteAttributeValue(w, value);
  }
  w.EndObject();
}

std::string ItemToJson(const Item& item) {
  JsonWriter w(64 + model::ItemSizeBytes(item) * 2);
  WriteAttributeMap(w, item);
  return w.Take();
}

namespace {

// Empty and oversized values of one key attribute. REQUIRES: `value` has the schema's type.
std::optional<ApiError> CheckKeyValue(const KeyAttribute& attribute, const AttributeValue& value,
                                      bool partition) {
  if (value.type() == ValueType::kNumber) return std::nullopt;  // at most 38 digits: always fits
  if (value.bytes().empty()) {
    return ApiError::Validation(fmt::format(
        "One or more parameter values are not valid. The AttributeValue for a key attribute "
        "cannot contain an empty {} value. Key: {}",
        value.type() == ValueType::kString ? "string" : "binary", attribute.name));
  }
  if (partition && value.bytes().size() > kMaxPartitionKeyBytes) {
    return ApiError::Validation(
        fmt::format("{}Size of hashkey has exceeded the maximum size limit of{} bytes", kInvalid,
                    kMaxPartitionKeyBytes));
  }
  if (!partition && value.bytes().size() > kMaxSortKeyBytes) {
    return ApiError::Validation(
        fmt::format("{}Aggregated size of all range keys has exceeded the size limit of {} bytes",
                    kInvalid, kMaxSortKeyBytes));
  }
  return std::nullopt;
}

}  // namespace

std::optional<ApiError> CheckItemSize(const Item& item) {
  if (model::ItemSizeBytes(item) <= kMaxItemBytes) return std::nullopt;
  return ApiError::Validation("Item size has exceeded the maximum allowed size");
}

std::optional<ApiError> CheckItemKey(const Item& item, const KeySchema& schema) {
  for (const KeyAttribute* attribute : {&schema.partition, schema.sort ? &*schema.sort : nullptr}) {
    if (attribute == nullptr) continue;
    auto it = item.find(attribute->name);
    if (it == item.end()) {
      return ApiError::Validation(
          fmt::format("{}Missing the key {} in the item", kInvalid, attribute->name));
    }
    if (it->second.type() != attribute->type) {
      return ApiError::Validation(fmt::format(
          "{}Type mismatch for key {} expected: {} actual: {}", kInvalid, attribute->name,
          model::TypeName(attribute->type), model::TypeName(it->second.type())));
    }
    if (auto e = CheckKeyValue(*attribute, it->second, attribute == &schema.partition)) return e;
  }
  return std::nullopt;
}

std::optional<ApiError> CheckKey(const Item& key, const KeySchema& schema) {
  if (key.size() != (schema.sort ? 2u : 1u)) {
    return ApiError::Validation(std::string(kNotMatchingSchema));
  }
  for (const KeyAttribute* attribute : {&schema.partition, schema.sort ? &*schema.sort : nullptr}) {
    if (attribute == nullptr) continue;
    auto it = key.find(attribute->name);
    if (it == key.end() || it->second.type() != attribute->type) {
      return ApiError::Validation(std::string(kNotMatchingSchema));
    }
    if (auto e = CheckKeyValue(*attribute, it->second, attribute == &schema.partition)) return e;
  }
  return std::nullopt;
}

}  // namespace eddy::api::dynamodb
