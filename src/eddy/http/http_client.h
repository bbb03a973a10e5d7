#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "eddy/base/result.h"
#include "eddy/http/http_message.h"

namespace eddy::http {

// Where requests go: "http://host[:port]" or "https://host[:port]" (a path after the authority
// is ignored; AWS JSON protocols always POST to "/").
struct Endpoint {
  bool tls = false;
  std::string host;
  uint16_t port = 80;

  // The Host header value: the host, plus ":port" when it is not the scheme's default.
  std::string HostHeader() const;
  std::string ToString() const;
};

// Parses "http://127.0.0.1:4566", "https://kinesis.eu-west-1.amazonaws.com", "[::1]:4566"
// (scheme defaults to http). InvalidArgument for anything else.
Result<Endpoint> ParseEndpoint(std::string_view url);

struct HttpClientOptions {
  int connect_timeout_ms = 5000;
  int io_timeout_ms = 60000;             // sending a request and receiving its answer, at most
  size_t max_response_bytes = 64 << 20;  // larger bodies fail the request (bounded memory)
  size_t max_idle_connections = 64;      // kept open for reuse; the rest are closed when returned
  // TLS: verify the server's certificate against these CA files (empty: the system's store).
  std::string ca_file;
};

// Transport failures carry Status::kUnavailable (connect, reset, timeout: the request may or may
// not have reached the server) or kInvalidArgument (the response could not be parsed or was
// too large).
//
// A blocking HTTP/1.1 client with keep-alive and a pool of connections to one endpoint. Each
// Send() takes an idle connection (or opens one), writes the request, reads the response and
// returns the connection to the pool if the server keeps it alive. A pooled connection that
// the server closed while idle is detected on use and the request is sent once more on a fresh
// connection — only when nothing of the response was received, so a request is never answered
// twice.
//
// Thread-safety: Send() may be called from any number of threads at once; each call uses its own
// connection.
class HttpClient {
 public:
  static Result<std::unique_ptr<HttpClient>> Create(Endpoint endpoint, HttpClientOptions options);
  ~HttpClient();

  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  const Endpoint& endpoint() const;

  // Sends `request` (method, target, headers, body; Host and Content-Length are added) and
  // returns the response.
  Result<HttpResponse> Send(const HttpRequest& request);
  // The same with the body given separately (`head.body` is ignored), so a caller can send a
  // large body it owns elsewhere without copying it. `body` must outlive the call.
  Result<HttpResponse> Send(const HttpRequest& head, std::string_view body);

  // Connections opened so far (for tests and benchmarks: shows whether keep-alive works).
  uint64_t connections_opened() const;

  class Impl;

 private:
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace eddy::http
