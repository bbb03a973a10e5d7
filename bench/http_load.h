#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>

#include "bench/bench_util.h"
#include "eddy/auth/credentials.h"
#include "eddy/base/result.h"
#include "eddy/client/aws_json_client.h"
#include "eddy/http/http_client.h"

namespace eddy::bench {

// A closed-loop load generator for AWS JSON-protocol services over plain HTTP, built so that
// the generator costs the machine as little as possible: `connections` keep-alive connections,
// each with exactly one request in flight (a "client" in the sense of the benchmarks: it sends
// the next request when the previous answer has arrived), driven by `threads` epoll loops
// rather than a thread per connection. Every request is SigV4-signed as an SDK signs it
// (auth::Sign) and every answer is parsed in full (Beast's HTTP parser: Content-Length or
// chunked, keep-alive or close).
//
// Why not client::AwsJsonClient: its blocking calls cost a thread wake-up and about four system
// calls per request, so with client and server on the same few cores the generator, not the
// server, set the rates measured (docs/BENCHMARKS.md).
//
// Errors are counted, not retried: an answer other than 2xx, a failed check, a connection lost
// with a request in flight, or no answer within `answer_timeout_s` each count one operation and
// one error (the first error's text is kept). A connection the server closes is opened again
// (before the deadline); one that cannot be opened, or whose connect fails or times out,
// counts an error without an operation and its client stops.

struct LoadRequest {
  std::string operation;  // "GetItem": X-Amz-Target is "<service target prefix>.<operation>"
  std::string body;       // the JSON body
};

struct HttpLoadOptions {
  http::Endpoint endpoint;  // plain HTTP only (tls false)
  client::ServiceInfo service;
  std::string region = "us-east-1";
  auth::Credentials credentials;
  int connections = 16;
  int threads = 1;  // each loop drives connections/threads of them (at least one each)
  double seconds = 5;
  double answer_timeout_s = 30;  // a request (or connect) unanswered this long fails
};

// Builds connection `connection`'s next request into `request`. Returns an error message to
// stop that connection (counted as one error), empty to send `request`.
// Called from the loop threads: must be thread-safe across connections.
using MakeLoadRequest =
    std::function<std::string(int connection, std::mt19937_64& rng, LoadRequest& request)>;
// Checks a 2xx answer to `request`; returns an error message (empty: success).
using CheckLoadAnswer = std::function<std::string(int connection, const LoadRequest& request,
                                                  std::string_view answer_body)>;

struct HttpLoadReport {
  uint64_t operations = 0;  // requests answered or failed
  uint64_t errors = 0;      // failed operations, and failed connects
  double seconds = 0;
  LatencySummary latency;  // send of a request's first byte to its answer's last
  std::string first_error;
};

// Runs the load until `options.seconds` have passed, then awaits the answers in flight (each
// for at most answer_timeout_s). InvalidArgument for a TLS endpoint or bad counts; Unavailable
// when the endpoint does not resolve or a socket cannot be made at the start. A server that
// refuses connections yields a report with no operations and an error per client.
Result<HttpLoadReport> RunHttpLoad(const HttpLoadOptions& options, const MakeLoadRequest& make,
                                   const CheckLoadAnswer& check);

}  // namespace eddy::bench
