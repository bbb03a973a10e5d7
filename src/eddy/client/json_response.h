#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "eddy/client/aws_error.h"
#include "eddy/client/aws_json_client.h"

namespace eddy::client {

// Reading AWS JSON answers with simdjson, shared by the typed clients (Kinesis, DynamoDB,
// DynamoDB Streams) so each reads fields, timestamps and malformed answers the same way.
// Internal to client/: the typed clients' headers do not expose simdjson.
//
// Thread-safety: every function may be called from any thread; ParseBody's element lives in a
// parser of the calling thread (see ParseBody).

// A DOM parser per thread: simdjson's parser reuses its buffers between documents.
simdjson::dom::parser& ThreadParser();

// AwsError{0, "BadResponse", "<operation> answered something unexpected: <why>"}.
AwsError BadResponse(std::string_view operation, std::string_view why);

// Parses a response body with ThreadParser(); a body that is not a JSON object is a
// BadResponse. The element is valid until the calling thread parses the next document with
// ThreadParser(): copy out what is needed before then.
Outcome<simdjson::dom::element> ParseBody(std::string_view operation, const std::string& body);

// A member's value, or the default ("" / 0 / false) when it is absent or of another type.
std::string StringField(const simdjson::dom::element& object, std::string_view key);
int64_t IntField(const simdjson::dom::element& object, std::string_view key);
bool BoolField(const simdjson::dom::element& object, std::string_view key);
// AWS JSON timestamps (seconds since the epoch, possibly with a fraction) as milliseconds.
int64_t TimestampField(const simdjson::dom::element& object, std::string_view key);

// Calls `operation` and drops the answer's body: for operations that answer nothing useful.
Outcome<Empty> CallForNothing(AwsJsonClient& json, std::string_view operation,
                              const std::string& body);

}  // namespace eddy::client
