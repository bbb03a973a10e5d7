#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace eddy::api {

// Builds a JSON response body. A thin layer over RapidJSON's writer that takes string_views.
// Thread-safety: not thread-safe.
class JsonWriter {
 public:
  JsonWriter() : writer_(buffer_) {}

  JsonWriter& StartObject() { return Done(writer_.StartObject()); }
  JsonWriter& EndObject() { return Done(writer_.EndObject()); }
  JsonWriter& StartArray() { return Done(writer_.StartArray()); }
  JsonWriter& EndArray() { return Done(writer_.EndArray()); }
  JsonWriter& Key(std::string_view k) {
    return Done(writer_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())));
  }
  JsonWriter& String(std::string_view s) {
    return Done(writer_.String(s.data(), static_cast<rapidjson::SizeType>(s.size())));
  }
  JsonWriter& Int(int64_t v) { return Done(writer_.Int64(v)); }
  JsonWriter& Bool(bool v) { return Done(writer_.Bool(v)); }
  JsonWriter& Double(double v) { return Done(writer_.Double(v)); }
  // Writes `s` between quotes without escaping. REQUIRES: s needs no escaping (e.g. base64).
  JsonWriter& UnescapedString(std::string_view s) {
    std::string quoted;
    quoted.reserve(s.size() + 2);
    quoted += '"';
    quoted += s;
    quoted += '"';
    return Done(writer_.RawValue(quoted.data(), quoted.size(), rapidjson::kStringType));
  }
  // Epoch seconds with a millisecond fraction, as AWS JSON protocols send timestamps.
  JsonWriter& Timestamp(int64_t ms) { return Double(static_cast<double>(ms) / 1000.0); }

  std::string Take() { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  JsonWriter& Done(bool) { return *this; }
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

}  // namespace eddy::api
