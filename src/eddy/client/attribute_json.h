#pragma once

#include "eddy/base/result.h"
#include "eddy/client/json_body.h"
#include "eddy/model/attribute_value.h"

namespace simdjson::dom {
class element;
}  // namespace simdjson::dom

namespace eddy::client {

// DynamoDB JSON for attribute values, as the typed clients send and read it:
// {"S": "x"}, {"N": "1.5"}, {"B": "<base64>"}, {"SS": [...]}, {"NS": ["1", "2"]},
// {"BS": [...]}, {"M": {"name": value, ...}}, {"L": [value, ...]}, {"NULL": true},
// {"BOOL": false} (botocore's dynamodb model, shape AttributeValue).
//
// The server's side of the same JSON (with AWS's validation messages and size limits) is
// api/dynamodb/attribute_json.h; this one is the client's: it writes what model/ holds and reads
// what a server answers, refusing whatever model::AttributeValue could not hold.
//
// Thread-safety: pure functions.

// Appends `value` to `body` as one JSON value. Numbers go as Number::ToString's decimal text,
// binaries as standard base64, sets in their (sorted) order.
void WriteAttributeValue(JsonBody& body, const model::AttributeValue& value);
// Appends an attribute map (an item, a key, a map value's members) as a JSON object of
// name -> value.
void WriteAttributeMap(JsonBody& body, const model::AttributeMap& map);

// Reads one value: an object with exactly one member naming one of the ten types. InvalidArgument
// (the message says what and where) for anything else: an unknown or missing type, a second
// member, a member of the wrong JSON type, a number Number::Parse refuses, base64 that does not
// decode strictly, an empty set or one with duplicates (numbers compared by value), NULL other
// than true.
Result<model::AttributeValue> ParseAttributeValue(const simdjson::dom::element& json);
// Reads a JSON object of name -> value (an Item, a Key, LastEvaluatedKey, an image).
Result<model::AttributeMap> ParseAttributeMap(const simdjson::dom::element& json);

}  // namespace eddy::client
