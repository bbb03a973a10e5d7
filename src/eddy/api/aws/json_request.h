#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "eddy/api/aws/api_error.h"

namespace eddy::api {

// A parsed JSON request body with typed accessors. An accessor returns nullopt when the member
// is absent or null; when it is present with the wrong JSON type it also records a
// SerializationException (the first one wins), which the codec returns after reading all
// members: `if (auto e = req.error()) return *e;`.
//
// Thread-safety: not thread-safe (one request, one thread).
class JsonRequest {
 public:
  // SerializationException unless `body` is a JSON object (an empty body counts as {}).
  // Parses in place: the strings handed out point into `body`, which the request keeps.
  static std::variant<JsonRequest, ApiError> Parse(std::string body);

  const rapidjson::Value& root() const { return doc_; }

  std::optional<std::string_view> String(const rapidjson::Value& obj, const char* name);
  std::optional<int64_t> Integer(const rapidjson::Value& obj, const char* name);
  std::optional<double> Number(const rapidjson::Value& obj, const char* name);
  std::optional<bool> Bool(const rapidjson::Value& obj, const char* name);
  const rapidjson::Value* Object(const rapidjson::Value& obj, const char* name);
  const rapidjson::Value* Array(const rapidjson::Value& obj, const char* name);

  std::optional<std::string_view> String(const char* name) { return String(doc_, name); }
  std::optional<int64_t> Integer(const char* name) { return Integer(doc_, name); }
  std::optional<double> Number(const char* name) { return Number(doc_, name); }
  std::optional<bool> Bool(const char* name) { return Bool(doc_, name); }
  const rapidjson::Value* Object(const char* name) { return Object(doc_, name); }
  const rapidjson::Value* Array(const char* name) { return Array(doc_, name); }

  const std::optional<ApiError>& error() const { return error_; }
  void Fail(std::string message);

 private:
  JsonRequest() = default;
  const rapidjson::Value* Member(const rapidjson::Value& obj, const char* name);

  // Owns the text the document's strings point into; on the heap so that moving the request
  // (and a short string's inline buffer) never moves the text.
  std::unique_ptr<std::string> text_;
  rapidjson::Document doc_;
  std::optional<ApiError> error_;
};

}  // namespace eddy::api
