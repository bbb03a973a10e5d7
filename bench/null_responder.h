#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "eddy/base/result.h"

namespace eddy::bench {

// The cheapest HTTP/1.1 server that can answer an AWS JSON-protocol client: one epoll thread on
// 127.0.0.1 that reads each request's head and Content-Length body and answers every request
// with the same `200 {}` — no parsing beyond that, no routing, no work. `eddy bench dynamodb
// --phases floor` drives it with the same load generator as the other phases, so its rate is
// the most any server could answer those clients on this machine: what the kernel's loopback
// TCP and the load generator itself cost. (One thread: on two cores it answered more than two
// threads, which wake each other up.)
//
// Not a server for anything else: keep-alive only, no chunked bodies (a request without
// Content-Length has none), heads up to 64 KiB.
//
// Thread-safety: Start and the destructor from one thread; the responder runs on its own.
class NullHttpResponder {
 public:
  // Listens on 127.0.0.1 at a free port and starts answering.
  static Result<std::unique_ptr<NullHttpResponder>> Start();
  ~NullHttpResponder();  // stops the thread, closes every connection

  NullHttpResponder(const NullHttpResponder&) = delete;
  NullHttpResponder& operator=(const NullHttpResponder&) = delete;

  std::string endpoint() const;  // "http://127.0.0.1:<port>"
  uint64_t answered() const { return answered_.load(std::memory_order_relaxed); }

 private:
  NullHttpResponder(int listen_fd, int epoll_fd, int stop_fd, uint16_t port);
  void Run();

  const int listen_fd_, epoll_fd_, stop_fd_;
  const uint16_t port_;
  std::atomic<uint64_t> answered_{0};
  std::thread thread_;
};

}  // namespace eddy::bench
