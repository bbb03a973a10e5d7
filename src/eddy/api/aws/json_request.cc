#include "eddy/api/aws/json_request.h"

#include <cmath>
#include <cstring>

namespace eddy::api {

std::variant<JsonRequest, ApiError> JsonRequest::Parse(std::string body) {
  JsonRequest req;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    req.doc_.SetObject();
    return req;
  }
  // In-place parsing stops at a NUL; JSON text never holds a raw one, so refuse it up front
  // rather than ignore what follows it.
  if (std::memchr(body.data(), 0, body.size()) != nullptr) {
    return ApiError::Serialization("Request body is not valid JSON");
  }
  // Parsed in place: strings (a PutRecords body is mostly base64 data) are not copied.
  req.text_ = std::make_unique<std::string>(std::move(body));
  // RapidJSON's SSE2 scanning (RAPIDJSON_SSE2, see CMakeLists.txt) loads aligned 16-byte
  // blocks and may touch up to 15 bytes past the terminator: keep them inside the allocation.
  // The HTTP server leaves that room after a body (HttpRequest::kBodySpareCapacity), so this
  // reserve does not reallocate on the server's path.
  if (req.text_->capacity() < req.text_->size() + 16) req.text_->reserve(req.text_->size() + 16);
  // Iteratively: RapidJSON's default recursive descent uses a stack frame per nesting level,
  // and a body of a million '[' would overflow the thread's stack. The iterative parser keeps
  // its state on the heap (bounded by the body size).
  req.doc_.ParseInsitu<rapidjson::kParseIterativeFlag>(req.text_->data());
  if (req.doc_.HasParseError()) {
    return ApiError::Serialization("Request body is not valid JSON");
  }
  if (!req.doc_.IsObject()) {
    return ApiError::Serialization("Start of structure or map found where not expected.");
  }
  return req;
}

void JsonRequest::Fail(std::string message) {
  if (!error_) error_ = ApiError::Serialization(std::move(message));
}

const rapidjson::Value* JsonRequest::Member(const rapidjson::Value& obj, const char* name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

std::optional<std::string_view> JsonRequest::String(const rapidjson::Value& obj, const char* name) {
  const auto* v = Member(obj, name);
  if (v == nullptr) return std::nullopt;
  if (!v->IsString()) {
    Fail(std::string("Unexpected value type in payload: '") + name + "' must be a string");
    return std::nullopt;
  }
  return std::string_view(v->GetString(), v->GetStringLength());
}

std::optional<int64_t> JsonRequest::Integer(const rapidjson::Value& obj, const char* name) {
  const auto* v = Member(obj, name);
  if (v == nullptr) return std::nullopt;
  if (v->IsInt64()) return v->GetInt64();
  if (v->IsDouble() && std::floor(v->GetDouble()) == v->GetDouble() &&
      std::fabs(v->GetDouble()) < 9.2e18) {
    return static_cast<int64_t>(v->GetDouble());
  }
  Fail(std::string("Unexpected value type in payload: '") + name + "' must be an integer");
  return std::nullopt;
}

std::optional<double> JsonRequest::Number(const rapidjson::Value& obj, const char* name) {
  const auto* v = Member(obj, name);
  if (v == nullptr) return std::nullopt;
  if (!v->IsNumber()) {
    Fail(std::string("Unexpected value type in payload: '") + name + "' must be a number");
    return std::nullopt;
  }
  return v->GetDouble();
}

std::optional<bool> JsonRequest::Bool(const rapidjson::Value& obj, const char* name) {
  const auto* v = Member(obj, name);
  if (v == nullptr) return std::nullopt;
  if (!v->IsBool()) {
    Fail(std::string("Unexpected value type in payload: '") + name + "' must be a boolean");
    return std::nullopt;
  }
  return v->GetBool();
}

const rapidjson::Value* JsonRequest::Object(const rapidjson::Value& obj, const char* name) {
  const auto* v = Member(obj, name);
  if (v != nullptr && !v->IsObject()) {
    Fail(std::string("Start of structure or map found where not expected: '") + name + "'");
    return nullptr;
  }
  return v;
}

const rapidjson::Value* JsonRequest::Array(const rapidjson::Value& obj, const char* name) {
  const auto* v = Member(obj, name);
  if (v != nullptr && !v->IsArray()) {
    Fail(std::string("Start of list found where not expected: '") + name + "'");
    return nullptr;
  }
  return v;
}

}  // namespace eddy::api
