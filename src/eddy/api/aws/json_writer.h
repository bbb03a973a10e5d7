#pragma once

#include <rapidjson/writer.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "eddy/base/base64.h"

namespace eddy::api {

// Builds a JSON response body. A thin layer over RapidJSON's writer that takes string_views
// and writes straight into the std::string that becomes the HTTP body (no final copy).
// Thread-safety: not thread-safe.
class JsonWriter {
 public:
  // `capacity`: bytes to reserve up front (a good estimate saves regrowing a large body).
  explicit JsonWriter(size_t capacity = 256) : out_{&text_}, writer_(out_) {
    text_.reserve(capacity);
  }
  JsonWriter(const JsonWriter&) = delete;  // the writer points at this object's members
  JsonWriter& operator=(const JsonWriter&) = delete;

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
  JsonWriter& Null() { return Done(writer_.Null()); }
  JsonWriter& Double(double v) { return Done(writer_.Double(v)); }
  // Writes `bytes` base64-encoded as a string value, encoding straight into the body.
  JsonWriter& Base64String(std::string_view bytes) {
    // An empty raw value makes the writer emit the separator and account for the value.
    writer_.RawValue("", 0, rapidjson::kStringType);
    text_ += '"';
    base64::EncodeTo(bytes, &text_);
    text_ += '"';
    return *this;
  }
  // Epoch seconds with a millisecond fraction, as AWS JSON protocols send timestamps.
  JsonWriter& Timestamp(int64_t ms) { return Double(static_cast<double>(ms) / 1000.0); }

  std::string Take() { return std::move(text_); }

 private:
  // RapidJSON's output-stream concept over a std::string.
  struct StringOutput {
    using Ch = char;
    std::string* text;
    void Put(char c) { text->push_back(c); }
    void Flush() {}
  };

  JsonWriter& Done(bool) { return *this; }
  std::string text_;
  StringOutput out_;
  rapidjson::Writer<StringOutput> writer_;
};

}  // namespace eddy::api
