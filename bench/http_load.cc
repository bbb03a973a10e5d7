#include "bench/http_load.h"

#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <thread>
#include <vector>

namespace eddy::bench {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

constexpr size_t kMaxAnswerBytes = 64 << 20;

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

// Whether a TCP connection to `address` is accepted within `timeout_ms`.
bool Accepts(const Address& address, int timeout_ms) {
  const int fd = ::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool accepted =
      ::connect(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length) == 0;
  if (!accepted && errno == EINPROGRESS) {
    pollfd waiting{fd, POLLOUT, 0};
    int error = 0;
    socklen_t length = sizeof error;
    accepted = ::poll(&waiting, 1, timeout_ms) == 1 &&
               ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
  }
  ::close(fd);
  return accepted;
}

// The endpoint's first address that accepts a connection ("localhost" may resolve to ::1
// first while the server listens on 127.0.0.1 only); the first address if none does (its
// refusals are then counted as errors).
Result<Address> Resolve(const http::Endpoint& endpoint) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string host = endpoint.host;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(endpoint.port).c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    return Status::Unavailable(fmt::format("cannot resolve {}: {}", host, ::gai_strerror(rc)));
  }
  std::vector<Address> addresses;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    Address address;
    std::memcpy(&address.storage, a->ai_addr, a->ai_addrlen);
    address.length = a->ai_addrlen;
    addresses.push_back(address);
  }
  ::freeaddrinfo(found);
  for (const Address& address : addresses) {
    if (addresses.size() == 1 || Accepts(address, 5000)) return address;
  }
  return addresses.front();
}

// The X-Amz-Date value for now, formatted once per second.
class AmzDateClock {
 public:
  const std::string& Now() {
    const int64_t now = static_cast<int64_t>(::time(nullptr));
    if (now != second_) {
      second_ = now;
      value_ = auth::AmzDate(now);
    }
    return value_;
  }

 private:
  int64_t second_ = -1;
  std::string value_;
};

struct Connection {
  int index = 0;  // the client number the workload sees
  int fd = -1;
  bool connecting = false;
  bool in_flight = false;
  bool stopped = false;
  std::mt19937_64 rng;
  LoadRequest request;
  std::string out;  // the serialized request
  size_t sent = 0;
  std::string in;  // answer bytes the parser has not consumed yet
  std::unique_ptr<bhttp::response_parser<bhttp::string_body>> parser;  // not movable
  SteadyClock::time_point started;
  bool want_write = false;  // EPOLLOUT registered
};

// One epoll loop driving its share of the connections.
class Loop {
 public:
  Loop(const HttpLoadOptions& options, const Address& address, const MakeLoadRequest& make,
       const CheckLoadAnswer& check, SteadyClock::time_point deadline)
      : options_(options),
        address_(address),
        make_(make),
        check_(check),
        deadline_(deadline),
        host_header_(options.endpoint.HostHeader()) {}

  ~Loop() {
    for (auto& c : connections_) Close(c);
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
  }

  void AddConnection(int index) {
    Connection c;
    c.index = index;
    c.rng.seed(static_cast<uint64_t>(index) * 7919 + 1);
    connections_.push_back(std::move(c));
  }

  // Opens every connection and sends its first request. Fails when one cannot be opened.
  Status Start() {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) return Status::Internal(fmt::format("epoll_create1: {}", errno));
    for (auto& c : connections_) {
      if (Status s = Open(c); !s.ok()) return s;
    }
    return Status::Ok();
  }

  void Run() {
    std::vector<epoll_event> events(std::max<size_t>(connections_.size(), 1));
    const auto timeout = std::chrono::duration_cast<SteadyClock::duration>(
        std::chrono::duration<double>(options_.answer_timeout_s));
    auto next_timeout_check = SteadyClock::now();
    for (;;) {
      if (open_ == 0) break;  // every connection has finished (or failed for good)
      const auto now = SteadyClock::now();
      if (now >= next_timeout_check) {
        // A request unanswered for answer_timeout_s fails; its connection starts afresh.
        for (auto& c : connections_) {
          if (c.fd < 0 || now - c.started < timeout) continue;
          if (c.connecting) {
            Fail(fmt::format("connect to {}: no answer within {} s", options_.endpoint.ToString(),
                             options_.answer_timeout_s));
            Close(c);
            c.stopped = true;
          } else if (c.in_flight) {
            Lost(c, fmt::format("no answer within {} s", options_.answer_timeout_s));
          }
        }
        next_timeout_check = now + std::chrono::milliseconds(100);
        if (open_ == 0) break;
      }
      const int wait_ms = static_cast<int>(std::clamp<int64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(next_timeout_check - now).count() +
              1,
          1, 100));
      const int n =
          ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), wait_ms);
      if (n < 0) {
        if (errno == EINTR) continue;
        Fail(fmt::format("epoll_wait: {}", std::strerror(errno)));
        break;
      }
      for (int i = 0; i < n; ++i) {
        Connection& c = connections_[events[i].data.u32];
        if (c.fd < 0) continue;
        if (c.connecting) {
          FinishConnect(c);
          continue;
        }
        if (events[i].events & EPOLLOUT) Send(c);
        if (c.fd >= 0 && (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) Receive(c);
      }
    }
  }

  uint64_t operations = 0, errors = 0;
  std::vector<float> latencies;
  std::string first_error;

 private:
  void Fail(std::string message) {
    ++errors;
    if (first_error.empty()) first_error = std::move(message);
  }

  // One answer (or a failed request) at `now`; `error` empty for a success.
  void Count(SteadyClock::time_point now, std::string error, const Connection* c = nullptr) {
    ++operations;
    if (c != nullptr) {
      latencies.push_back(std::chrono::duration<float, std::milli>(now - c->started).count());
    }
    if (!error.empty()) Fail(std::move(error));
  }

  Status Open(Connection& c) {
    c.fd = ::socket(address_.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) return Status::Unavailable(fmt::format("socket: {}", std::strerror(errno)));
    ++open_;
    const int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const int rc =
        ::connect(c.fd, reinterpret_cast<const sockaddr*>(&address_.storage), address_.length);
    if (rc != 0 && errno != EINPROGRESS) {
      const std::string why = std::strerror(errno);
      Close(c);
      return Status::Unavailable(
          fmt::format("connect to {}: {}", options_.endpoint.ToString(), why));
    }
    c.connecting = rc != 0;
    c.started = SteadyClock::now();  // a connect, like a request, has answer_timeout_s
    epoll_event event{};
    event.events = c.connecting ? EPOLLOUT : EPOLLIN;
    event.data.u32 = static_cast<uint32_t>(&c - connections_.data());
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.fd, &event);
    c.want_write = c.connecting;
    if (!c.connecting) Next(c);
    return Status::Ok();
  }

  void FinishConnect(Connection& c) {
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      // No request was sent on it: an error, not an operation. The client stops (a server
      // that refuses connections is not retried in a loop).
      Fail(fmt::format("connect to {}: {}", options_.endpoint.ToString(), std::strerror(error)));
      Close(c);
      c.stopped = true;
      return;
    }
    c.connecting = false;
    WantWrite(c, false);
    Next(c);
  }

  void Close(Connection& c) {
    if (c.fd >= 0) {
      ::close(c.fd);  // closing removes it from the epoll set
      --open_;
    }
    c.fd = -1;
    c.connecting = false;
    c.in_flight = false;
    c.want_write = false;
    c.in.clear();
    c.parser.reset();
  }

  void WantWrite(Connection& c, bool want) {
    if (c.want_write == want) return;
    c.want_write = want;
    epoll_event event{};
    event.events = want ? EPOLLIN | EPOLLOUT : EPOLLIN;
    event.data.u32 = static_cast<uint32_t>(&c - connections_.data());
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &event);
  }

  // Sends the connection's next request, or closes it after the deadline.
  void Next(Connection& c) {
    if (c.stopped || SteadyClock::now() >= deadline_) {
      Close(c);
      c.stopped = true;
      return;
    }
    if (std::string error = make_(c.index, c.rng, c.request); !error.empty()) {
      Count(SteadyClock::now(), std::move(error));
      Close(c);
      c.stopped = true;
      return;
    }
    Serialize(c);
    c.parser = std::make_unique<bhttp::response_parser<bhttp::string_body>>();
    c.parser->eager(true);
    c.parser->body_limit(kMaxAnswerBytes);
    c.in_flight = true;
    c.started = SteadyClock::now();
    Send(c);
  }

  void Serialize(Connection& c) {
    const auto headers = client::SignedJsonHeaders(
        options_.service, host_header_, options_.region, options_.credentials, c.request.operation,
        auth::Sha256Hex(c.request.body), date_.Now(), "eddy-bench/0.1");
    c.out.clear();
    c.out += "POST / HTTP/1.1\r\n";
    for (const auto& [name, value] : headers) {
      c.out += name;
      c.out += ": ";
      c.out += value;
      c.out += "\r\n";
    }
    c.out += "Content-Length: ";
    c.out += std::to_string(c.request.body.size());
    c.out += "\r\n\r\n";
    c.out += c.request.body;
    c.sent = 0;
  }

  void Send(Connection& c) {
    while (c.sent < c.out.size()) {
      const ssize_t n =
          ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        c.sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        WantWrite(c, true);
        return;
      }
      Lost(c, fmt::format("send: {}", std::strerror(errno)));
      return;
    }
    WantWrite(c, false);
  }

  // The connection failed with a request in flight: count it and go on with a new connection.
  void Lost(Connection& c, const std::string& why) {
    if (c.in_flight) {
      Count(SteadyClock::now(), fmt::format("{}: connection lost ({})", c.request.operation, why),
            &c);
    }
    Reopen(c);
  }

  // Closes the connection and, before the deadline, opens it again (which sends the next
  // request); a connection that cannot be opened counts an error and stops.
  void Reopen(Connection& c) {
    Close(c);
    if (c.stopped || SteadyClock::now() >= deadline_) {
      c.stopped = true;
      return;
    }
    if (Status s = Open(c); !s.ok()) {
      Fail(s.ToString());
      c.stopped = true;
    }
  }

  void Receive(Connection& c) {
    char buffer[64 << 10];
    const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n == 0 && c.in_flight && c.parser->got_some()) {
      // An answer without a length ends where the connection does.
      beast::error_code ec;
      c.parser->put_eof(ec);
      if (!ec && c.parser->is_done() && c.in.empty()) {
        Answered(c, /*connection_ends=*/true);
        return;
      }
    }
    if (n <= 0) {
      Lost(c, n == 0 ? "closed by the server" : std::strerror(errno));
      return;
    }
    if (!c.in_flight) {
      Lost(c, "bytes arrived with no request in flight");
      return;
    }
    c.in.append(buffer, static_cast<size_t>(n));
    beast::error_code ec;
    while (!c.in.empty() && !c.parser->is_done()) {
      const size_t used = c.parser->put(boost::asio::buffer(c.in.data(), c.in.size()), ec);
      c.in.erase(0, used);
      if (ec == bhttp::error::need_more) {
        ec = {};
        break;
      }
      if (ec) {
        Lost(c, "bad answer: " + ec.message());
        return;
      }
    }
    if (!c.parser->is_done()) return;
    if (!c.in.empty()) {
      Lost(c, "bytes after the answer");
      return;
    }
    Answered(c, /*connection_ends=*/false);
  }

  // The connection's answer is complete in its parser: checks and counts it, then sends the
  // next request (on a new connection when this one ends).
  void Answered(Connection& c, bool connection_ends) {
    const auto now = SteadyClock::now();
    auto& answer = c.parser->get();
    const int status = answer.result_int();
    std::string error;
    if (status / 100 == 2) {
      error = check_(c.index, c.request, answer.body());
    } else {
      http::HttpResponse response;
      response.status = status;
      for (const auto& field : answer) {
        response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      response.body = std::move(answer.body());
      error = c.request.operation + ": " + client::ParseErrorResponse(response).ToString();
    }
    const bool keep_alive = !connection_ends && answer.keep_alive();
    c.in_flight = false;
    Count(now, std::move(error), &c);
    if (!keep_alive) {
      Reopen(c);
      return;
    }
    Next(c);
  }

  const HttpLoadOptions& options_;
  const Address& address_;
  const MakeLoadRequest& make_;
  const CheckLoadAnswer& check_;
  const SteadyClock::time_point deadline_;
  const std::string host_header_;
  AmzDateClock date_;
  int epoll_fd_ = -1;
  size_t open_ = 0;  // connections with a socket
  std::vector<Connection> connections_;
};

}  // namespace

Result<HttpLoadReport> RunHttpLoad(const HttpLoadOptions& options, const MakeLoadRequest& make,
                                   const CheckLoadAnswer& check) {
  if (options.endpoint.tls) {
    return Status::InvalidArgument("the event-loop load driver speaks plain HTTP only");
  }
  if (options.connections < 1 || options.threads < 1 || options.seconds <= 0) {
    return Status::InvalidArgument("connections >= 1, threads >= 1, seconds > 0");
  }
  EDDY_ASSIGN_OR_RETURN(const Address address, Resolve(options.endpoint));
  const int threads = std::min(options.threads, options.connections);
  const auto start = SteadyClock::now();
  const auto deadline = start + std::chrono::duration_cast<SteadyClock::duration>(
                                    std::chrono::duration<double>(options.seconds));
  std::vector<std::unique_ptr<Loop>> loops;
  for (int t = 0; t < threads; ++t) {
    loops.push_back(std::make_unique<Loop>(options, address, make, check, deadline));
  }
  for (int c = 0; c < options.connections; ++c)
    loops[static_cast<size_t>(c % threads)]->AddConnection(c);
  for (auto& loop : loops) EDDY_RETURN_IF_ERROR(loop->Start());
  std::vector<std::thread> running;
  for (auto& loop : loops) running.emplace_back([&loop] { loop->Run(); });
  for (auto& t : running) t.join();

  HttpLoadReport report;
  report.seconds = SecondsSince(start);
  std::vector<float> latencies;
  for (auto& loop : loops) {
    report.operations += loop->operations;
    report.errors += loop->errors;
    latencies.insert(latencies.end(), loop->latencies.begin(), loop->latencies.end());
    if (report.first_error.empty()) report.first_error = loop->first_error;
  }
  report.latency = Summarize(latencies);
  return report;
}

}  // namespace eddy::bench
