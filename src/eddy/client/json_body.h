#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "eddy/base/base64.h"

namespace eddy::client {

// Appends a request body in JSON without building a document first: requests are small and
// flat except PutRecords, whose base64 data is written straight into the body.
// The caller writes separators in order; Key() and the value writers add commas as needed.
// Thread-safety: not thread-safe.
class JsonBody {
 public:
  JsonBody& Open() {
    Comma();
    out_ += '{';
    first_ = true;
    return *this;
  }
  JsonBody& Close() {
    out_ += '}';
    first_ = false;
    return *this;
  }
  JsonBody& OpenArray() {
    Comma();
    out_ += '[';
    first_ = true;
    return *this;
  }
  JsonBody& CloseArray() {
    out_ += ']';
    first_ = false;
    return *this;
  }
  JsonBody& Key(std::string_view key) {
    Comma();
    Quoted(key);
    out_ += ':';
    first_ = true;  // the value follows without a comma
    return *this;
  }
  JsonBody& String(std::string_view value) {
    Comma();
    Quoted(value);
    return *this;
  }
  JsonBody& Base64(std::string_view bytes) {
    Comma();
    out_ += '"';
    base64::EncodeTo(bytes, &out_);
    out_ += '"';
    return *this;
  }
  JsonBody& Int(int64_t value) {
    Comma();
    out_ += std::to_string(value);
    return *this;
  }
  JsonBody& Bool(bool value) {
    Comma();
    out_ += value ? "true" : "false";
    return *this;
  }
  // Seconds since the epoch with a millisecond fraction, as AWS JSON timestamps are sent.
  JsonBody& Timestamp(int64_t ms) {
    Comma();
    out_ += std::to_string(ms / 1000);
    out_ += '.';
    const int64_t frac = ms % 1000;
    out_ += static_cast<char>('0' + frac / 100);
    out_ += static_cast<char>('0' + frac / 10 % 10);
    out_ += static_cast<char>('0' + frac % 10);
    return *this;
  }

  // A value that is JSON text already (an object, an array, a number...), written as is.
  // REQUIRES: `json` is one well-formed JSON value.
  JsonBody& Raw(std::string_view json) {
    Comma();
    out_ += json;
    return *this;
  }

  void Reserve(size_t n) { out_.reserve(n); }
  std::string Take() { return std::move(out_); }

 private:
  void Comma() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  void Quoted(std::string_view s) {
    out_ += '"';
    for (const char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += c;
      } else if (u < 0x20) {
        static constexpr char kHex[] = "0123456789abcdef";
        out_ += "\\u00";
        out_ += kHex[u >> 4];
        out_ += kHex[u & 15];
      } else {
        out_ += c;  // UTF-8 passes through
      }
    }
    out_ += '"';
  }

  std::string out_;
  bool first_ = true;
};

}  // namespace eddy::client
