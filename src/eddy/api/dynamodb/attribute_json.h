#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "eddy/api/aws/api_error.h"
#include "eddy/api/aws/json_writer.h"
#include "eddy/model/attribute_value.h"
#include "eddy/table/table_definition.h"

namespace eddy::api::dynamodb {

// The DynamoDB JSON codec for attribute values: wire JSON ({"S": "x"}, {"M": {...}}, ...) to
// model::AttributeValue and back, validating as DynamoDB does and answering with its messages.
//
// Errors come in two kinds, as AWS's request pipeline produces them:
//  - SerializationException: the JSON does not have the shape of the model (e.g. {"S": 5},
//    {"M": []}, bad base64). AWS deserializes the whole request before validating anything, so
//    the first such problem in document order wins over every validation problem.
//  - ValidationException: the shape is right but a value is not allowed (an empty set, NULL
//    false, a bad number, two types in one value, ...). The first one in document order is
//    reported, except that nesting past the limit is reported as soon as it is met.
// Members of a value object that are null or not type names are ignored, as AWS ignores unknown
// members ({"X": "1"} is an empty value).
//
// A caller decoding several request members should decode them all and prefer the first
// SerializationException, to keep AWS's order (`ApiError::type` tells them apart).
//
// Thread-safety: pure functions.

using model::AttributeMap;
using model::AttributeValue;
using model::Item;

// ExpressionAttributeValues (":v" -> value) and ExpressionAttributeNames ("#n" -> name).
using ExpressionValues = std::map<std::string, AttributeValue, std::less<>>;
using ExpressionNames = std::map<std::string, std::string, std::less<>>;

// DynamoDB's "32 levels of nesting": an attribute value holds at most 31 levels of maps and
// lists (AttributeValue::Depth() <= 31); the 32nd level is its innermost scalar, or the item
// around it. Measured against DynamoDB: 31 nested maps around a string are stored, 32 are
// refused, for items, keys and expression values alike.
inline constexpr int kMaxNestingLevels = 32;
inline constexpr int kMaxValueDepth = kMaxNestingLevels - 1;
inline constexpr size_t kMaxItemBytes = 400 * 1024;    // model::ItemSizeBytes
inline constexpr size_t kMaxPartitionKeyBytes = 2048;  // S: UTF-8 bytes, B: raw bytes
inline constexpr size_t kMaxSortKeyBytes = 1024;

// Where a value map comes from: decides the wrapping of AWS's messages.
enum class ValueContext {
  kItem,              // PutItem Item, a Put in a batch or transaction: top-level names non-empty
  kKey,               // Key, ExclusiveStartKey: messages as for items, names not checked here
  kExpressionValues,  // ExpressionAttributeValues: "ExpressionAttributeValues contains invalid
                      // value: <message> for key :v", keys must match ":[0-9a-zA-Z_]+"
};

// ---- Decoding (wire JSON -> values) ----
// Each returns nullopt and fills `*out` on success, or the error to answer. `json` may be any
// JSON value (a wrong JSON type is itself a SerializationException).

// One attribute value, with item-context messages (e.g. a legacy AttributeUpdates Value).
[[nodiscard]] std::optional<ApiError> DecodeAttributeValue(const rapidjson::Value& json,
                                                           AttributeValue* out);

// A map of attribute values in `context`. kExpressionValues also answers "ExpressionAttributeValues
// must not be empty" for {} and checks key syntax before any value; the caller checks first
// that expressions are in use ("... can only be specified when using expressions").
[[nodiscard]] std::optional<ApiError> DecodeAttributeMap(const rapidjson::Value& json,
                                                         ValueContext context, AttributeMap* out);

inline std::optional<ApiError> DecodeItem(const rapidjson::Value& json, Item* out) {
  return DecodeAttributeMap(json, ValueContext::kItem, out);
}
inline std::optional<ApiError> DecodeKey(const rapidjson::Value& json, Item* out) {
  return DecodeAttributeMap(json, ValueContext::kKey, out);
}
inline std::optional<ApiError> DecodeExpressionAttributeValues(const rapidjson::Value& json,
                                                               ExpressionValues* out) {
  return DecodeAttributeMap(json, ValueContext::kExpressionValues, out);
}

// ExpressionAttributeNames: a non-empty map of "#[0-9a-zA-Z_]+" keys to non-empty names.
// Same caller duty as above for "... can only be specified when using expressions".
[[nodiscard]] std::optional<ApiError> DecodeExpressionAttributeNames(const rapidjson::Value& json,
                                                                     ExpressionNames* out);

// ---- Encoding (values -> wire JSON) ----
// N as its normalized text ("1.50" -> "1.5"), B and BS base64, sets in their stored (sorted)
// order, NULL as true.

void WriteAttributeValue(JsonWriter& w, const AttributeValue& value);
// Writes the map as a JSON object of values: an Item, a Key, a map's members.
void WriteAttributeMap(JsonWriter& w, const AttributeMap& map);
// The JSON text of one item ({"a": {"S": "x"}, ...}).
std::string ItemToJson(const Item& item);

// ---- Item-level checks (AWS's ValidationException texts) ----

// A table's (or index's) primary key: a partition key and an optional sort key (S, N or B).
using table::KeyAttribute;
using table::KeySchema;

// "Item size has exceeded the maximum allowed size" past kMaxItemBytes (model::ItemSizeBytes).
[[nodiscard]] std::optional<ApiError> CheckItemSize(const Item& item);

// The key attributes of a whole item (PutItem), partition key first, each in turn: missing ("...
// Missing the key pk in the item"), wrong type ("... Type mismatch for key pk expected: S actual:
// N"), empty S/B ("... cannot contain an empty string value. Key: pk"), too long.
[[nodiscard]] std::optional<ApiError> CheckItemKey(const Item& item, const KeySchema& schema);

// A Key parameter (GetItem, DeleteItem, UpdateItem, ExclusiveStartKey): exactly the schema's
// attributes with the schema's types, else "The provided key element does not match the
// schema"; then the empty-value and size checks of CheckItemKey.
[[nodiscard]] std::optional<ApiError> CheckKey(const Item& key, const KeySchema& schema);

}  // namespace eddy::api::dynamodb
