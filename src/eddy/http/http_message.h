#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eddy::http {

// An HTTP request as handlers see it: no Beast types, so modules above http/ compile without
// Boost. Header names are kept as received; lookups ignore case.
struct HttpRequest {
  // The server leaves at least this much spare capacity after a body whose length was declared
  // (Content-Length), so that an in-place parser that scans in 16-byte blocks can pad the body
  // without reallocating and copying it.
  static constexpr size_t kBodySpareCapacity = 16;

  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;

  // The first header with this name (case-insensitive), or an empty view.
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// ASCII case-insensitive equality, for header names.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace eddy::http
