#include "eddy/client/json_response.h"

#include <cmath>

namespace eddy::client {

simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

AwsError BadResponse(std::string_view operation, std::string_view why) {
  return AwsError{0, "BadResponse",
                  std::string(operation) + " answered something unexpected: " + std::string(why)};
}

Outcome<simdjson::dom::element> ParseBody(std::string_view operation, const std::string& body) {
  simdjson::dom::element doc;
  if (auto err = ThreadParser().parse(body).get(doc); err) {
    return BadResponse(operation, simdjson::error_message(err));
  }
  if (!doc.is_object()) return BadResponse(operation, "not a JSON object");
  return doc;
}

std::string StringField(const simdjson::dom::element& object, std::string_view key) {
  std::string_view v;
  if (object[key].get(v) == simdjson::SUCCESS) return std::string(v);
  return "";
}

int64_t IntField(const simdjson::dom::element& object, std::string_view key) {
  int64_t v = 0;
  if (object[key].get(v) == simdjson::SUCCESS) return v;
  return 0;
}

bool BoolField(const simdjson::dom::element& object, std::string_view key) {
  bool v = false;
  if (object[key].get(v) == simdjson::SUCCESS) return v;
  return false;
}

int64_t TimestampField(const simdjson::dom::element& object, std::string_view key) {
  double seconds = 0;
  if (object[key].get(seconds) == simdjson::SUCCESS) return std::llround(seconds * 1000.0);
  return 0;
}

Outcome<Empty> CallForNothing(AwsJsonClient& json, std::string_view operation,
                              const std::string& body) {
  auto call = json.Call(operation, body);
  if (!call.ok()) return call.error();
  return Empty{};
}

}  // namespace eddy::client
