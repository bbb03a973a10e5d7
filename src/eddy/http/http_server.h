#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "eddy/base/result.h"
#include "eddy/http/http_message.h"

namespace eddy::http {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4566;  // 0 picks a free port (see HttpServer::port())
  int threads = 2;       // I/O threads; each serves its share of the connections (round robin)
  size_t max_body_bytes = 16 << 20;
  size_t max_header_bytes = 64 << 10;
  int idle_timeout_seconds = 120;  // a connection silent this long is closed
  int stop_grace_seconds = 10;     // how long Stop() waits for requests in flight
  // Connections open at once; past it new ones are closed at once.
  int max_connections = 10000;
  // Request body bytes buffered at once, all connections together. A request whose body would
  // pass it is answered 503 (before its body is read, when it declares its length) and its
  // connection closed; so many clients sending large bodies at once cannot exhaust memory.
  size_t max_buffered_body_bytes = size_t{1} << 30;
};

// Called exactly once per request, from any thread, with the response to send. A second call
// is logged and dropped. When the last copy is destroyed uncalled (a handler that threw, a
// task that was lost), the server answers 500 itself, so no client waits for its timeout.
using Responder = std::function<void(HttpResponse)>;
// Handles one request. It may respond later, from another thread (e.g. once an append is
// durable). It runs on a server I/O thread and must not block. An exception it throws is
// logged, and the request answered 500 unless it was answered already.
using Handler = std::function<void(HttpRequest&& request, Responder respond)>;
// Makes the response for a request the server rejects before the handler sees it
// (status 413 body too large, 431 headers too large, 400 malformed), and for one whose
// handler failed to answer (500).
using ErrorResponseMaker = std::function<HttpResponse(int status, std::string_view message)>;

// HTTP/1.1 server on Boost.Beast: keep-alive, pipelined requests answered in order (one at a
// time per connection), bounded bodies and headers, idle timeouts, graceful stop. Knows nothing
// of AWS.
//
// Thread-safety: Start/Stop from one thread; the handler runs on the I/O threads.
class HttpServer {
 public:
  static Result<std::unique_ptr<HttpServer>> Start(HttpServerOptions options, Handler handler,
                                                   ErrorResponseMaker error_response);
  ~HttpServer();  // Stop()s

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port actually bound.
  uint16_t port() const;

  // Stops accepting, lets requests in flight finish (up to stop_grace_seconds), closes every
  // connection and joins the I/O threads. Idempotent.
  void Stop();

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace eddy::http
